/**
 * Humans in the loop end to end on the lab: the worker and the detector run as processes, configured
 * only through their environment and the `self-healing-config` ConfigMap, and talk to Slack,
 * PagerDuty and email through the product's real clients. Slack's Web API and PagerDuty's Events
 * API are stand-ins on 127.0.0.1 (test/support), reached through the configurable base URLs; email
 * goes to a real SMTP server.
 *
 * Each case fails a simulated node of its own with the `sim` provider and
 * `replacement_requires_approval`, so every recovery waits for a human: its approval request is a
 * warning alert (Slack `#incidents`, email), and level 1 of a short ladder (5 s) pages the on-call
 * through email, Slack `#oncall` and PagerDuty, before anyone approves. Level 2 comes at 60 s,
 * long enough for the restarts of the last case.
 *
 * The last case restarts the lab's Temporal dev server (same port, same SQLite file; see
 * `restartDevServer`). That is safe in the shared lab: the suites that use the dev server (test/lab)
 * run one at a time, so no other suite has a call in flight, and the server keeps every history.
 *
 * The suite's nodes carry a NoSchedule taint, so no other pod lands on them and their drains are
 * empty. Its nodes, namespace, workflows and processes are removed afterwards.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { WorkflowHandle } from '@temporalio/client';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { RecoveryStatus } from '../../src/domain';
import { runCli } from '../../src/starter/cli';
import { registerSearchAttributes } from '../../src/starter/register-search-attributes';
import { disruptionBudgetWorkflowId, nodeRecoveryWorkflowId } from '../../src/workflows/ids';
import { releasePermitSignal, statusQuery } from '../../src/workflows/messages';
import type { nodeRecoveryWorkflow } from '../../src/workflows/node/node-recovery';
import { devServerAddress, devServerUiPort, restartDevServer } from '../support/lab';
import type { AcceptedEvent, PagerDutyStandIn } from '../support/pagerduty-standin';
import { startPagerDutyStandIn } from '../support/pagerduty-standin';
import type { ProductProcess } from '../support/processes';
import {
  buildProduct,
  removeBuild,
  startProductProcess,
  stopAllProductProcesses,
  waitForWorkerPolling,
} from '../support/processes';
import type { SlackCall } from '../support/slack-standin';
import { SlackStandIn } from '../support/slack-standin';
import type { ReceivedMail, SmtpReceiver } from '../support/smtp-receiver';
import { startSmtpReceiver } from '../support/smtp-receiver';
import {
  conditionOf,
  createSimNode,
  failNode,
  loadLabKubeConfig,
  readNodeOrUndefined,
  waitFor,
} from '../../tools/sim';

const runId = randomUUID().slice(0, 8);
const taskQueue = `notify-e2e-${runId}`;
/** The product's config lives in a namespace of this run: other suites apply and delete `self-healing`. */
const configNamespace = `notify-e2e-config-${runId}`;
const runLabel = 'e2e.self-healing.dev/run';
const ownNodes = [1, 2, 3].map((i) => `notify-${runId}-${i}`);
const LEVEL1_AFTER_S = 5;
const LEVEL2_AFTER_S = 60;
const config = {
  health_check_interval: '10',
  node_failure_threshold: '1',
  node_recovery_window: '5',
  drain_timeout: '60',
  recovery_timeout: '120',
  node_provider: 'sim',
  replacement_requires_approval: 'true',
  approval_timeout: '600',
  'alerts.info_slack': '#incidents',
  'alerts.info_email': 'oncall@example.com',
  'alerts.warning_slack': '#incidents',
  'alerts.warning_email': 'oncall@example.com',
  'alerts.critical_slack': '#incidents',
  'alerts.critical_email': 'oncall@example.com',
  'alerts.critical_pagerduty': 'true',
  // Long enough that a Slack outage of the test's length is retried, never given up.
  'alerts.retry_for': '600',
  'escalation.level1_after': String(LEVEL1_AFTER_S),
  'escalation.level1_notify': 'oncall@example.com,#oncall,pagerduty',
  'escalation.level2_after': String(LEVEL2_AFTER_S),
  'escalation.level2_notify': 'manager@example.com,#oncall',
  'escalation.level3_after': '100',
  'escalation.level3_notify': 'director@example.com,#oncall',
};
const SLACK_TOKEN = 'xoxb-test-token';
const ROUTING_KEY = `notify-e2e-${runId}`.padEnd(32, '0');
const EMAIL_FROM = 'self-healing@example.com';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const logDir = mkdtempSync(path.join(tmpdir(), `notifications-e2e-${runId}-`));

let kc: KubeConfig;
let core: CoreV1Api;
let connection: Connection;
let client: Client;
let slack: SlackStandIn;
let pagerDuty: PagerDutyStandIn;
let smtp: SmtpReceiver;
let buildDir: string | undefined;
let worker: ProductProcess;
let detector: ProductProcess;
let workerCount = 0;
const usedNodes: string[] = [];

beforeAll(async () => {
  kc = loadLabKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  connection = await Connection.connect({ address: devServerAddress() });
  client = new Client({ connection });
  await registerSearchAttributes(connection, 'default');
  slack = await new SlackStandIn({ tokens: [SLACK_TOKEN], channels: ['#incidents', '#oncall'] }).start();
  pagerDuty = await startPagerDutyStandIn();
  smtp = await startSmtpReceiver();
  await createOwnNodes();
  await core.createNamespace({ body: { metadata: { name: configNamespace } } });
  await core.createNamespacedConfigMap({
    namespace: configNamespace,
    body: { metadata: { name: 'self-healing-config', namespace: configNamespace }, data: config },
  });

  buildDir = buildProduct(runId);
  worker = startWorker();
  detector = startProductProcess({
    buildDir,
    entrypoint: 'detector',
    name: 'detector',
    logDir,
    env: productEnv(),
  });
  // The detector runs on this suite's ConfigMap (a 10 s confirmation window), not on defaults.
  await detector.waitForOutput(/^(?=.*"message":"detector started")(?=.*"windowSeconds":10\b)/m);
  await waitForWorkerPolling(client, taskQueue, worker);
}, 240_000);

afterAll(async () => {
  await stopAllProductProcesses();
  if (buildDir) removeBuild(buildDir);
  if (client) {
    for (const node of usedNodes) await terminate(nodeRecoveryWorkflowId(node));
    await terminate(disruptionBudgetWorkflowId('nodes', taskQueue));
  }
  if (core) {
    await core.deleteNamespace({ name: configNamespace }).catch(() => undefined);
    const { items } = await core.listNode({ labelSelector: `${runLabel}=${runId}` });
    for (const node of items)
      await core.deleteNode({ name: node.metadata?.name ?? '' }).catch(() => undefined);
  }
  await slack?.stop();
  await pagerDuty?.close();
  await smtp?.close();
  await connection?.close();
}, 120_000);

// A case that failed leaves its recovery waiting with the budget's one permit: end it and give the
// permit back, so the next case is judged on its own.
afterEach(async () => {
  const node = usedNodes.at(-1);
  if (!node || !client) return;
  const workflowId = nodeRecoveryWorkflowId(node);
  const running = await client.workflow
    .getHandle(workflowId)
    .describe()
    .then((d) => d.status.name === 'RUNNING')
    .catch(() => false);
  if (!running) return;
  await terminate(workflowId);
  await client.workflow
    .getHandle(disruptionBudgetWorkflowId('nodes', taskQueue))
    .signal(releasePermitSignal, { holder: workflowId });
});

/** How an operator configures both processes; the worker gets the channels' settings too. */
function productEnv(): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: devServerAddress(),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    KUBECONFIG: process.env.KUBECONFIG ?? '',
    SELF_HEALING_CONFIG_NAME: 'self-healing-config',
    SELF_HEALING_CONFIG_NAMESPACE: configNamespace,
  };
}

function startWorker(): ProductProcess {
  workerCount += 1;
  if (!buildDir) throw new Error('the product is not built');
  return startProductProcess({
    buildDir,
    entrypoint: 'worker',
    name: `worker-${workerCount}`,
    logDir,
    env: {
      ...productEnv(),
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      SMTP_URL: smtp.url,
      EMAIL_FROM,
      PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
      PAGERDUTY_API_URL: pagerDuty.url,
      TEMPORAL_UI_URL: uiUrl(),
    },
  });
}

function uiUrl(): string {
  return `http://127.0.0.1:${devServerUiPort()}`;
}

/** The recovery's page in the Temporal UI, as every message must link it. */
function uiLink(workflowId: string): string {
  return `${uiUrl()}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;
}

/** Runs a test body; on failure, adds what the product processes said to the error. */
async function withProcessLogs(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const logs = [worker, detector]
      .map(
        (p) =>
          `--- ${p.name} (pid ${p.pid}, ${p.alive() ? 'running' : 'exited'}), ${p.logPath}:\n${p.tail(40)}`,
      )
      .join('\n');
    if (error instanceof Error) {
      error.message = `${error.message}\n\nproduct processes:\n${logs}`;
      throw error;
    }
    throw new Error(`${String(error)}\n\nproduct processes:\n${logs}`);
  }
}

async function terminate(workflowId: string): Promise<void> {
  try {
    await client.workflow.getHandle(workflowId).terminate('notifications-e2e cleanup');
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

async function createOwnNodes(): Promise<void> {
  for (const name of ownNodes) {
    await createSimNode(kc, name);
    const taint = { key: runLabel, value: runId, effect: 'NoSchedule' };
    await core.patchNode(
      { name, body: { metadata: { labels: { [runLabel]: runId } }, spec: { taints: [taint] } } },
      mergePatch,
    );
  }
  await waitFor(
    `nodes ${ownNodes.join(', ')} Ready`,
    () => Promise.all(ownNodes.map((name) => readNodeOrUndefined(kc, name))),
    (found) => found.every((n) => conditionOf(n, 'Ready')?.status === 'True'),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

// ---------------------------------------------------------------------------------------------
// A recovery waiting for its approval

type Recovery = WorkflowHandle<typeof nodeRecoveryWorkflow>;

/** Fails the next node of the run; returns its name and the recovery the detector started for it. */
async function failNextNode(): Promise<{ node: string; workflowId: string; handle: Recovery }> {
  const node = ownNodes[usedNodes.length];
  if (!node) throw new Error(`every node of the run is used: ${ownNodes.join(', ')}`);
  usedNodes.push(node);
  const workflowId = nodeRecoveryWorkflowId(node);
  const failedAt = new Date();
  await failNode(kc, node, 'NotReady');
  const started = await waitFor(
    `the detector to start ${workflowId}`,
    () => client.workflow.getHandle(workflowId).describe(),
    ({ startTime }) => startTime >= failedAt,
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  return { node, workflowId, handle: client.workflow.getHandle(workflowId, started.runId) };
}

async function statusWhen(handle: Recovery, what: string, check: (s: RecoveryStatus) => boolean) {
  return waitFor(what, () => handle.query(statusQuery), check, { timeoutMs: 90_000, intervalMs: 300 });
}

function waitingForApproval(handle: Recovery) {
  return statusWhen(
    handle,
    'the recovery to wait for approval of the replacement',
    (s) => s.phase === 'AwaitingApproval' && s.pendingApproval?.action === 'replace-node',
  );
}

/**
 * Waits until the recovery runs no activity (the deliveries of what it sent are done), so a worker
 * killed next leaves nothing to time out.
 */
async function noActivityRunning(handle: Recovery): Promise<void> {
  await waitFor(
    'the recovery to have no activity running',
    async () => (await handle.describe()).raw.pendingActivities ?? [],
    (pending) => pending.length === 0,
    { timeoutMs: 30_000, intervalMs: 300 },
  );
}

/** `self-healing approve <node>`, as an operator types it. */
async function approveWithCli(node: string, by: string): Promise<string[]> {
  const out: string[] = [];
  await runCli(['approve', node, '--by', by, '--comment', 'replace it'], {
    client,
    taskQueue,
    out: (line) => out.push(line),
    user: 'notify-e2e',
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// What reached the humans

/** A post (not a thread reply) about `node` to `channel` (as config names it). */
const postAbout = (node: string, channel: string) => (call: SlackCall) =>
  call.args.channel === channel && call.args.thread_ts === undefined && String(call.args.text).includes(node);

/** Posts about `node` to `channel`, in order. */
function slackPosts(node: string, channel: string): SlackCall[] {
  return slack.callsOf('chat.postMessage').filter(postAbout(node, channel));
}

function waitForSlackPost(node: string, channel: string, timeoutMs = 15_000): Promise<SlackCall> {
  return slack.waitForCall('chat.postMessage', postAbout(node, channel), timeoutMs);
}

interface Block {
  type: string;
  block_id?: string;
  text?: { text: string };
  elements?: { action_id: string; value?: string; url?: string; style?: string; text?: { text: string } }[];
}

const blocksOf = (call: SlackCall): Block[] => call.args.blocks as Block[];
const headerOf = (call: SlackCall): string =>
  blocksOf(call).find((b) => b.type === 'header')?.text?.text ?? '';
const buttonsOf = (call: SlackCall) => blocksOf(call).find((b) => b.type === 'actions')?.elements ?? [];

function mailsAbout(node: string): ReceivedMail[] {
  return smtp.messages.filter((m) => m.subject.includes(node));
}

async function waitForMail(subject: string, timeoutMs = 15_000): Promise<ReceivedMail> {
  return waitFor(
    `an email "${subject}"`,
    () => Promise.resolve(smtp.messages.find((m) => m.subject === subject)),
    (m) => m !== undefined,
    { timeoutMs, intervalMs: 200 },
  ).then((m) => m as ReceivedMail);
}

function incidentEvents(workflowId: string): AcceptedEvent[] {
  return pagerDuty.events.filter((e) => e.dedup_key === workflowId);
}

async function waitForIncidentEvent(
  workflowId: string,
  action: AcceptedEvent['event_action'],
  timeoutMs = 15_000,
) {
  return waitFor(
    `a PagerDuty ${action} for ${workflowId}`,
    () => Promise.resolve(incidentEvents(workflowId).find((e) => e.event_action === action)),
    (e) => e !== undefined,
    { timeoutMs, intervalMs: 200 },
  ).then((e) => e as AcceptedEvent);
}

const approvalSubject = (node: string) => `[WARNING] Approval needed: replace-node on ${node}`;
const levelSubject = (node: string, level: 1 | 2, who: string) =>
  `[CRITICAL] Escalation level ${level} (${who}): ${node} needs a human (escalation level ${level})`;

// ---------------------------------------------------------------------------------------------

describe('humans in the loop end to end (worker and detector as processes)', () => {
  it(
    'a recovery waiting for approval reaches Slack, email and PagerDuty; approved with the CLI, it completes and resolves its incident',
    () =>
      withProcessLogs(async () => {
        const { node, workflowId, handle } = await failNextNode();
        await waitingForApproval(handle);

        // The approval request: a card with the decision's buttons in #incidents, and an email.
        const card = await waitForSlackPost(node, '#incidents');
        expect(card.token).toBe(SLACK_TOKEN);
        expect(headerOf(card)).toContain(`Approval needed: replace-node on ${node}`);
        expect(blocksOf(card).find((b) => b.type === 'actions')?.block_id).toBe('decision');
        expect(buttonsOf(card)).toEqual([
          expect.objectContaining({ action_id: 'approve', value: workflowId, style: 'primary' }),
          expect.objectContaining({ action_id: 'reject', value: workflowId, style: 'danger' }),
          expect.objectContaining({ action_id: 'open-in-temporal', url: uiLink(workflowId) }),
        ]);
        const request = await waitForMail(approvalSubject(node));
        expect(request.from).toBe(EMAIL_FROM);
        expect(request.to).toEqual(['oncall@example.com']);
        expect(request.text).toContain('Waiting for your decision: replace-node');
        expect(request.text).toContain(`Open the recovery in Temporal: ${uiLink(workflowId)}`);

        // Level 1 of the ladder, nobody having answered: the on-call is paged on every channel.
        const trigger = await waitForIncidentEvent(workflowId, 'trigger');
        expect(trigger).toMatchObject({
          routing_key: ROUTING_KEY,
          payload: { severity: 'critical', component: node, custom_details: { escalation_level: 1 } },
          links: [{ href: uiLink(workflowId) }],
        });
        const page = await waitForMail(levelSubject(node, 1, 'on-call'));
        expect(page.to).toEqual(['oncall@example.com']);
        expect(page.text).toContain(uiLink(workflowId));
        expect(headerOf(await waitForSlackPost(node, '#oncall'))).toContain('Escalation level 1 (on-call)');

        expect(await approveWithCli(node, 'alice')).toEqual([expect.stringMatching(/approved/)]);
        const result = await handle.result();

        expect(result.outcome).toBe('replaced');
        const resolve = await waitForIncidentEvent(workflowId, 'resolve');
        expect(resolve.routing_key).toBe(ROUTING_KEY);
        expect(incidentEvents(workflowId).map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
        // The card was edited in place: it names who approved, and ends without buttons to press.
        const status = await handle.query(statusQuery);
        expect(status.humans).toMatchObject({
          escalations: [{ level: 1, notified: expect.arrayContaining(['pagerduty trigger']) }],
          failingDeliveries: [],
          decided: { approved: true, by: 'alice' },
          incidentOpen: false,
        });
        const cardRef = status.humans?.slack;
        const updates = slack.callsOf('chat.update').filter((c) => c.args.ts === cardRef?.ts);
        expect(updates.some((c) => JSON.stringify(c.args.blocks).includes('Approved by alice'))).toBe(true);
        const last = updates.at(-1);
        expect(last && headerOf(last)).toContain('Recovery Recovered');
        expect(last && buttonsOf(last).map((b) => b.action_id)).toEqual(['open-in-temporal']);
        expect(mailsAbout(node).map((m) => m.subject)).toEqual([
          approvalSubject(node),
          levelSubject(node, 1, 'on-call'),
        ]);
      }),
    180_000,
  );

  it(
    'with Slack down when the approval is asked, email and PagerDuty still deliver, the status shows the failing Slack deliveries, and the card arrives once Slack is back',
    () =>
      withProcessLogs(async () => {
        await slack.down();
        let recovery: Awaited<ReturnType<typeof failNextNode>>;
        try {
          recovery = await failNextNode();
          const { node, workflowId, handle } = recovery;
          await waitingForApproval(handle);
          await waitForMail(approvalSubject(node));
          await waitForIncidentEvent(workflowId, 'trigger');
          await waitForMail(levelSubject(node, 1, 'on-call'));

          const failing = await statusWhen(
            handle,
            'both Slack deliveries failing in the status',
            (s) => (s.humans?.failingDeliveries ?? []).length === 2,
          );
          expect([...(failing.humans?.failingDeliveries ?? [])].sort()).toEqual([
            expect.stringMatching(
              /^slack #incidents: Slack could not be reached.*ECONNREFUSED.*retrying in \d+ s/,
            ),
            expect.stringMatching(
              /^slack #oncall: Slack could not be reached.*ECONNREFUSED.*retrying in \d+ s/,
            ),
          ]);
          expect(failing.humans?.slack).toBeUndefined();
          expect(failing.phase).toBe('AwaitingApproval');
        } finally {
          await slack.up();
        }
        const { node, workflowId, handle } = recovery;

        // The next retry (10 s, then 20 s after a failure) finds Slack back.
        const card = await waitForSlackPost(node, '#incidents', 30_000);
        expect(headerOf(card)).toContain(`Approval needed: replace-node on ${node}`);
        expect(buttonsOf(card).map((b) => b.action_id)).toEqual(['approve', 'reject', 'open-in-temporal']);
        await waitForSlackPost(node, '#oncall', 30_000);
        const healed = await statusWhen(
          handle,
          'no failing delivery, and the card known',
          (s) => s.humans?.failingDeliveries.length === 0 && s.humans.slack !== undefined,
        );
        expect(healed.phase).toBe('AwaitingApproval');
        // Posted once each: a retry that reached Slack is not repeated.
        expect(slackPosts(node, '#incidents')).toHaveLength(1);
        expect(slackPosts(node, '#oncall')).toHaveLength(1);

        await approveWithCli(node, 'bob');
        expect((await handle.result()).outcome).toBe('replaced');
        await waitForIncidentEvent(workflowId, 'resolve');
        expect(incidentEvents(workflowId).map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
      }),
    180_000,
  );

  it(
    'the ladder survives a killed worker and a restarted Temporal server: level 2 comes at its time after the wait began',
    () =>
      withProcessLogs(async () => {
        const { node, workflowId, handle } = await failNextNode();
        await waitingForApproval(handle);
        await waitForIncidentEvent(workflowId, 'trigger');
        await waitForMail(levelSubject(node, 1, 'on-call'));
        await waitForSlackPost(node, '#oncall');
        const before = await statusWhen(
          handle,
          'level 1 recorded, its deliveries done',
          (s) => s.humans?.escalations.length === 1 && s.humans.failingDeliveries.length === 0,
        );
        await noActivityRunning(handle);
        const waitingSince = Date.parse(before.humans?.waitingSince ?? '');
        const level2Due = waitingSince + LEVEL2_AFTER_S * 1000;
        expect(Date.parse(before.humans?.escalations[0]?.at ?? '') - waitingSince).toBeGreaterThanOrEqual(
          LEVEL1_AFTER_S * 1000,
        );

        await worker.stop('SIGKILL');
        await restartDevServer();
        worker = startWorker();
        await waitForWorkerPolling(client, taskQueue, worker);
        // Not a speed check: a worker back after level 2 was due would make the case prove nothing.
        if (Date.now() > level2Due - 5_000)
          throw new Error(
            `the restarts ended ${Date.now() - level2Due} ms from level 2's time: too late to judge`,
          );

        const after = await statusWhen(
          handle,
          'level 2 recorded',
          (s) => (s.humans?.escalations.length ?? 0) >= 2,
        );
        const [level1, level2] = after.humans?.escalations ?? [];
        expect(level1).toEqual(before.humans?.escalations[0]);
        expect(level2).toMatchObject({ level: 2, notified: ['slack #oncall', 'email manager@example.com'] });
        // The recovery's own clock: level 2 is timed from when the wait began, not from any restart.
        const lateMs = Date.parse(level2?.at ?? '') - level2Due;
        expect(lateMs).toBeGreaterThanOrEqual(0);
        expect(lateMs).toBeLessThan(5_000);
        const page = await waitForMail(levelSubject(node, 2, 'manager'));
        expect(page.to).toEqual(['manager@example.com']);
        expect(page.text).toContain(uiLink(workflowId));

        await approveWithCli(node, 'carol');
        expect((await handle.result()).outcome).toBe('replaced');
        // Level 1 paged once: the new worker replayed it, it did not send it again.
        expect(incidentEvents(workflowId).map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
        expect(mailsAbout(node).map((m) => m.subject)).toEqual([
          approvalSubject(node),
          levelSubject(node, 1, 'on-call'),
          levelSubject(node, 2, 'manager'),
        ]);
      }),
    240_000,
  );
});
