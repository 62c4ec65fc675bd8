/**
 * `npm run bench:approvals` (bench/approvals.sh starts a lab of its own and runs this): people
 * answering recoveries from Slack, and the product's Slack traffic when many ask at once.
 *
 * The product runs as it ships: `npm run worker` (its Slack adapter pointed at a stand-in of Slack's
 * Web API in this process, bench/slack-standin.ts) and `npm run slack` (the Slack app, HTTP receiver,
 * signature checks, allowlist). Recoveries are real node recoveries started with the client
 * (`startNodeRecovery`, the policy built from the lab's ConfigMap by `nodeRecoveryPolicy`) for Node
 * objects whose kubelet is gone (no kwok behind them, Ready=False): the worker cordons, drains,
 * waits `node_recovery_window` and asks for approval to replace the node (`node_provider: sim`).
 *
 * 1. Click → workflow resumed: recoveries in batches wait for approval; once a batch's cards are
 *    posted, one signed `block_actions` click per card is posted to the Slack app, one at a time.
 *    Measured per click: HTTP answer (ack), the recovery's history (Update completed, and the
 *    workflow's next command in the same workflow task), the app's private answer to the clicker.
 * 2. Storm: 200 recoveries started at once ask for approval in one channel, with one worker; the
 *    stand-in answers 429 to a message less than 1 s after the previous one in a channel. Measured:
 *    every card posted, messages per channel per 1 s window, 429s, time to the last card, and from
 *    the histories how each card's delivery waited (activity slot, pacer, workflow retry backoff).
 *    Run once per activity-slot count (config `api_max_concurrency`, read at worker start): the
 *    default 10, where the pacer's queue stays short, and 100, where it overflows its 60 s limit
 *    and the workflow's retry backoff takes over.
 *
 * Writes docs/benchmarks/approvals.json (raw numbers) and approvals.md. Every process it starts is
 * stopped by pid; the lab is stopped by the shell wrapper's trap.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { parseRecoveryConfig } from '../src/config/recovery-config';
import type { NodeRecoveryPolicy, RecoveryStatus } from '../src/domain';
import { registerSearchAttributes } from '../src/starter/register-search-attributes';
import { nodeRecoveryPolicy, nodeRecoveryWorkflowId, startNodeRecovery } from '../src/starter/recoveries';
import { disruptionBudgetWorkflowId } from '../src/workflows/ids';
import { statusQuery } from '../src/workflows/messages';
import { deleteNode, sleep } from '../tools/sim';
import type { ApiCall } from './slack-standin';
import { SlackStandIn, signedClick } from './slack-standin';
import type { Machine } from './support';
import {
  REPO,
  createIfAbsent,
  envNumber,
  inPool,
  keeper,
  log,
  openBench,
  percentile,
  round,
  runBench,
  startProcess as startProcessIn,
  stopProcess,
  table,
  verdict,
  waitForLog as waitForLogIn,
} from './support';

// ---------------------------------------------------------------------------------------------
// Settings

const settings = {
  clicks: envNumber('BENCH_CLICKS', 100),
  clickBatch: envNumber('BENCH_CLICK_BATCH', 10),
  storm: envNumber('BENCH_STORM', 200),
  /** `api_max_concurrency` (the worker's activity slots) of each storm run. */
  stormSlots: (process.env.BENCH_STORM_SLOTS ?? '10,100').split(',').filter(Boolean).map(Number),
  stormTimeoutSeconds: envNumber('BENCH_STORM_TIMEOUT', 2400),
  /** Escalation levels 1/2/3, seconds: far enough that no escalation joins the storm's messages. */
  escalationAfter: (process.env.BENCH_ESCALATION_AFTER ?? '3600,7200,10800').split(','),
  slackPort: envNumber('BENCH_SLACK_PORT', 56450),
  outDir: process.env.BENCH_OUT_DIR ?? join(REPO, 'docs', 'benchmarks'),
  stateDir: process.env.STATE_DIR ?? join(REPO, '.lab-bench-approvals'),
};
const CONFIG_NS = 'self-healing';
const CONFIG_NAME = 'self-healing-config';
const SIGNING_SECRET = 'bench-signing-secret-51c2';
const BOT_TOKEN = 'xoxb-bench-approvals';
const APPROVER = 'U0BENCHAPPROVER';
const CLICK_CHANNEL = '#bench-clicks';
const stormChannel = (slots: number) => `#bench-storm-${slots}`;
/** On every Node the bench creates (and so on their sim replacements): this run's. */
const RUN_LABEL = 'bench.self-healing.dev/approvals-run';
const RUN = Date.now().toString(36);
const { EventType } = temporal.api.enums.v1;

/**
 * The ConfigMap of a phase: the approval alert ("Approval needed", level warning) goes to
 * `channel` alone (Slack only, no email or PagerDuty); node replacement through the sim provider
 * waits for approval; a 1 s recovery window, so a recovery asks soon after its drain; a budget
 * larger than any storm; API limits high enough that the cluster side does not spread the storm.
 */
function configData(channel: string, slots: number | string): Record<string, string> {
  const [level1, level2, level3] = settings.escalationAfter;
  return {
    node_provider: 'sim',
    replacement_requires_approval: 'true',
    node_recovery_window: '1',
    approval_timeout: '7200',
    max_disrupted_nodes: '1000',
    api_max_concurrency: String(slots),
    api_qps: '200',
    'alerts.warning_slack': channel,
    'alerts.info_slack': '#bench-other',
    'alerts.critical_slack': '#bench-other',
    'alerts.info_email': '',
    'alerts.warning_email': '',
    'alerts.critical_email': '',
    'alerts.critical_pagerduty': 'false',
    'escalation.level1_after': level1 ?? '3600',
    'escalation.level2_after': level2 ?? '7200',
    'escalation.level3_after': level3 ?? '10800',
  };
}

// ---------------------------------------------------------------------------------------------
// Lab plumbing

let kc: KubeConfig;
let core: CoreV1Api;
let client: Client;
let productEnv: Record<string, string>;
const slack = new SlackStandIn({ token: BOT_TOKEN, minGapMs: 1000 });
let slackApiUrl = '';

const startProcess = (name: string, script: string, env: Record<string, string>) =>
  startProcessIn(settings.stateDir, name, script, env);
const waitForLog = (name: string, text: string, timeoutMs: number) =>
  waitForLogIn(settings.stateDir, name, text, timeoutMs);

async function until<T>(
  what: string,
  timeoutSeconds: number,
  check: () => Promise<T | undefined> | T | undefined,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutSeconds} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

async function writeConfig(data: Record<string, string>): Promise<NodeRecoveryPolicy> {
  const body = { metadata: { name: CONFIG_NAME, namespace: CONFIG_NS }, data };
  try {
    await core.replaceNamespacedConfigMap({ name: CONFIG_NAME, namespace: CONFIG_NS, body });
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
    await core.createNamespacedConfigMap({ namespace: CONFIG_NS, body });
  }
  return nodeRecoveryPolicy(parseRecoveryConfig(data), 1000);
}

/** `npm run worker` on `taskQueue`, Slack through the stand-in; waits until it polls. */
async function startWorker(name: string, taskQueue: string): Promise<ChildProcess> {
  const worker = startProcess(name, 'dist/worker/main.js', {
    ...productEnv,
    TEMPORAL_TASK_QUEUE: taskQueue,
    NOTIFY_CHANNELS: 'slack',
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slackApiUrl,
    TEMPORAL_UI_URL: `http://127.0.0.1:${process.env.TEMPORAL_UI_PORT ?? '58233'}`,
  });
  await until('the worker to poll its task queue', 120, async () => {
    if (worker.exitCode !== null) throw new Error(`${name} exited; see its log`);
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return pollers.length > 0 ? true : undefined;
  });
  return worker;
}

/** `npm run slack` on 127.0.0.1:`slackPort`, Slack's Web API through the stand-in. */
async function startSlackApp(): Promise<ChildProcess> {
  const app = startProcess('slack', 'dist/slack/main.js', {
    ...productEnv,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slackApiUrl,
    SLACK_APPROVERS: APPROVER,
    SLACK_PORT: String(settings.slackPort),
    SLACK_HOST: '127.0.0.1',
  });
  await waitForLog('slack', 'slack app started', 60_000);
  return app;
}

/**
 * Node objects whose kubelet is gone: no kwok label (nothing heartbeats them), Ready=False as the
 * kubelet last wrote it. Their sim replacements inherit the labels, the run's among them.
 */
async function createDeadNodes(names: string[]): Promise<void> {
  const at = new Date();
  await inPool(names, 20, (name) =>
    createIfAbsent(() =>
      core.createNode({
        body: {
          metadata: {
            name,
            labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', [RUN_LABEL]: RUN },
          },
          status: {
            capacity: { cpu: '4', memory: '16Gi', pods: '110' },
            allocatable: { cpu: '4', memory: '16Gi', pods: '110' },
            conditions: [
              {
                type: 'Ready',
                status: 'False',
                reason: 'KubeletNotReady',
                message: 'container runtime is down (bench)',
                lastHeartbeatTime: at,
                lastTransitionTime: at,
              },
            ],
          },
        },
      }),
    ),
  );
}

async function startRecoveries(names: string[], taskQueue: string, policy: NodeRecoveryPolicy) {
  await inPool(names, 25, async (node) => {
    await startNodeRecovery(client, taskQueue, {
      node,
      reason: 'NotReady',
      detectedAt: new Date().toISOString(),
      policy,
    });
  });
}

async function terminate(workflowId: string, reason: string): Promise<void> {
  try {
    await client.workflow.getHandle(workflowId).terminate(reason);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

/** The first accepted top-level message in `channel` asking approval for each workflow (the cards). */
function cardsIn(channel: string): Map<string, ApiCall> {
  const cards = new Map<string, ApiCall>();
  for (const call of slack.calls)
    if (
      call.method === 'chat.postMessage' &&
      call.status === 200 &&
      call.channel === channel &&
      call.threadTs === undefined &&
      call.approveFor &&
      !cards.has(call.approveFor)
    )
      cards.set(call.approveFor, call);
  return cards;
}

// ---------------------------------------------------------------------------------------------
// History

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type LongLike = number | { toNumber(): number } | null | undefined;
const num = (v: LongLike): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());
const eventMs = (e: HistoryEvent) =>
  num(e.eventTime?.seconds) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);

async function historyOf(workflowId: string): Promise<HistoryEvent[]> {
  return (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

// ---------------------------------------------------------------------------------------------
// 1. Click → workflow resumed

interface ClickRecord {
  node: string;
  /** HTTP status the app answered the click with. */
  status: number;
  /** Click sent → the app's HTTP answer (its ack). */
  ackMs: number;
  /** Click sent → the Update completed in the recovery's history (event time). */
  resumedMs: number | undefined;
  /** Click sent → the Update accepted in the recovery's history (event time). */
  acceptedMs: number | undefined;
  /** The workflow's commands recorded with the Update in the same workflow task (activity names, `timer`). */
  nextCommands: string[];
  /** Click sent → the app's private answer reached Slack (its `executeUpdate` returned). */
  answerMs: number | undefined;
  answer: string;
}

interface ClickResult {
  clicks: number;
  batch: number;
  ackMs: Stats;
  resumedMs: Stats;
  acceptedMs: Stats;
  answerMs: Stats;
  /** Clicks whose Update completed in a workflow task that also scheduled the next activity. */
  resumedInSameTask: number;
  nextCommands: Record<string, number>;
  approved: number;
  recoveriesCompleted: number;
  records: ClickRecord[];
  slack: ChannelStats;
}

async function clickOnce(node: string, channel: string): Promise<ClickRecord> {
  const workflowId = nodeRecoveryWorkflowId(node);
  const { body, headers, triggerId } = signedClick(
    { user: APPROVER, actionId: 'approve', workflowId, channel },
    SIGNING_SECRET,
  );
  const sentAt = Date.now();
  const t0 = performance.now();
  const response = await fetch(`http://127.0.0.1:${settings.slackPort}/slack/events`, {
    method: 'POST',
    headers,
    body,
  });
  await response.arrayBuffer();
  const ackMs = performance.now() - t0;
  const answered = await until(`the app's answer to the click on ${node}`, 30, () =>
    slack.calls.find(
      (c) => c.method === 'chat.postEphemeral' && c.at >= t0 && c.text.includes(`for ${node}.`),
    ),
  ).catch(() => undefined);
  const updateId = `slack/${triggerId}`;
  const events = await until(
    `the Update of the click on ${node} in history`,
    30,
    async () => {
      const history = await historyOf(workflowId);
      return history.some(
        (e) => e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === updateId,
      )
        ? history
        : undefined;
    },
    100,
  ).catch(() => [] as HistoryEvent[]);
  const completedAt = events.findIndex(
    (e) => e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === updateId,
  );
  const accepted = events.find(
    (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId === updateId,
  );
  const completed = events[completedAt];
  // The commands of the workflow task that completed the Update: the events after its
  // WorkflowTaskCompleted, up to the next workflow task.
  const taskDone = events.findLastIndex(
    (e, i) => i < completedAt && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  );
  const commands: string[] = [];
  for (let i = taskDone + 1; completed && i < events.length; i++) {
    const e = events[i];
    if (!e || e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) break;
    const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (activity) commands.push(activity);
    else if (e.eventType === EventType.EVENT_TYPE_TIMER_STARTED) commands.push('timer');
  }
  return {
    node,
    status: response.status,
    ackMs: Math.round(ackMs),
    resumedMs: completed ? eventMs(completed) - sentAt : undefined,
    acceptedMs: accepted ? eventMs(accepted) - sentAt : undefined,
    nextCommands: commands,
    answerMs: answered ? Math.round(answered.at - t0) : undefined,
    answer: answered?.text ?? '(no answer within 30 s)',
  };
}

async function measureClicks(): Promise<ClickResult> {
  const taskQueue = `approvals-${RUN}-clicks`;
  const policy = await writeConfig(configData(CLICK_CHANNEL, 10));
  const worker = await startWorker('worker-clicks', taskQueue);
  const channel = slack.channelId(CLICK_CHANNEL);
  const records: ClickRecord[] = [];
  let completedRecoveries = 0;
  const phaseStart = performance.now();
  try {
    for (let first = 0; first < settings.clicks; first += settings.clickBatch) {
      const count = Math.min(settings.clickBatch, settings.clicks - first);
      const nodes = Array.from(
        { length: count },
        (_, i) => `appr-${RUN}-c${String(first + i + 1).padStart(3, '0')}`,
      );
      await createDeadNodes(nodes);
      await startRecoveries(nodes, taskQueue, policy);
      const ids = nodes.map(nodeRecoveryWorkflowId);
      await until(`the cards of ${nodes[0]}…`, 300, () =>
        ids.every((id) => cardsIn(channel).has(id)) ? true : undefined,
      );
      log(`clicks ${first + 1}–${first + count}: cards posted; clicking one at a time`);
      for (const node of nodes) {
        const record = await clickOnce(node, channel);
        records.push(record);
        if (record.resumedMs === undefined) log(`click on ${node}: ${record.answer}`);
      }
      // Each approved recovery replaces its node (sim) and verifies the replacement; then the next batch.
      const ends = await Promise.all(
        ids.map((id) =>
          Promise.race([
            client.workflow
              .getHandle(id)
              .result()
              .then(() => true),
            sleep(300_000).then(() => false),
          ]).catch(() => false),
        ),
      );
      completedRecoveries += ends.filter(Boolean).length;
      const leftovers = await core.listNode({ labelSelector: `${RUN_LABEL}=${RUN}` });
      await inPool(
        leftovers.items.map((n) => n.metadata?.name ?? ''),
        10,
        (name) => deleteNode(kc, name),
      );
    }
  } finally {
    await stopProcess(worker);
    await terminate(disruptionBudgetWorkflowId('nodes', taskQueue), 'benchmark phase over');
  }
  const resumed = records.flatMap((r) => (r.resumedMs === undefined ? [] : [r.resumedMs]));
  const nextCommands: Record<string, number> = {};
  for (const r of records) {
    const key = r.nextCommands.length ? r.nextCommands.join(' + ') : '(none in the same task)';
    nextCommands[key] = (nextCommands[key] ?? 0) + 1;
  }
  return {
    clicks: records.length,
    batch: settings.clickBatch,
    ackMs: stats(records.map((r) => r.ackMs)),
    resumedMs: stats(resumed),
    acceptedMs: stats(records.flatMap((r) => (r.acceptedMs === undefined ? [] : [r.acceptedMs]))),
    answerMs: stats(records.flatMap((r) => (r.answerMs === undefined ? [] : [r.answerMs]))),
    resumedInSameTask: records.filter((r) => r.nextCommands.length > 0).length,
    nextCommands,
    approved: records.filter((r) => r.answer.startsWith('Approved')).length,
    recoveriesCompleted: completedRecoveries,
    records,
    slack: channelStats(channel, phaseStart, performance.now()),
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Storm

interface CardDelivery {
  node: string;
  /** Recovery started (signal-with-start sent) → approval requested (workflow time). */
  requestedMs: number;
  /** Approval requested → the card reached Slack. */
  postedMs: number | undefined;
  /** `deliver` attempts until the card went out. */
  attempts: number;
  failures: { backlog: number; rateLimited: number; other: number };
  /** Summed over attempts: activity scheduled → started (waiting for a worker slot). */
  slotWaitMs: number;
  /** Summed over attempts: activity started → closed (in the pacer's queue, then the call). */
  inActivityMs: number;
  /** Summed over retries: failed attempt closed → next attempt scheduled (the workflow's backoff). */
  backoffMs: number;
}

interface StormResult {
  slots: number;
  recoveries: number;
  cardsPosted: number;
  /** First signal-with-start sent → every recovery started. */
  startSeconds: number;
  /** First → last approval requested. */
  requestSpreadSeconds: number;
  /** First request → last card in Slack. */
  firstRequestToLastCardSeconds: number;
  /** Storm start → last card in Slack. */
  toLastCardSeconds: number;
  postedMs: Stats;
  postedBy: { seconds: number; cards: number }[];
  attempts: Record<string, number>;
  failures: { backlog: number; rateLimited: number; other: number };
  slotWaitMs: Stats;
  inActivityMs: Stats;
  backoffMs: Stats;
  /** Cards that waited in the workflow's retry backoff at all. */
  retried: number;
  slack: ChannelStats;
  deliveries: CardDelivery[];
}

/** The card's delivery: the `deliver` attempts up to the first that completed. */
function deliveryOf(events: HistoryEvent[]): Omit<CardDelivery, 'node' | 'requestedMs' | 'postedMs'> {
  const scheduled = new Map<number, number>();
  const started = new Map<number, number>();
  const out = {
    attempts: 0,
    failures: { backlog: 0, rateLimited: 0, other: 0 },
    slotWaitMs: 0,
    inActivityMs: 0,
    backoffMs: 0,
  };
  let lastFailedAt: number | undefined;
  for (const e of events) {
    const at = eventMs(e);
    if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'deliver') {
      scheduled.set(num(e.eventId), at);
      out.attempts += 1;
      if (lastFailedAt !== undefined) out.backoffMs += at - lastFailedAt;
      lastFailedAt = undefined;
      continue;
    }
    const startedOf = e.activityTaskStartedEventAttributes?.scheduledEventId;
    if (startedOf != null && scheduled.has(num(startedOf))) {
      started.set(num(startedOf), at);
      out.slotWaitMs += at - (scheduled.get(num(startedOf)) ?? at);
      continue;
    }
    const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
    const of = closed ? num(closed.scheduledEventId) : undefined;
    if (of === undefined || !scheduled.has(of)) continue;
    out.inActivityMs += at - (started.get(of) ?? at);
    if (e.activityTaskCompletedEventAttributes) break;
    const message = e.activityTaskFailedEventAttributes?.failure?.message ?? '';
    if (/messages are queued/.test(message)) out.failures.backlog += 1;
    else if (/rate-limited/.test(message)) out.failures.rateLimited += 1;
    else out.failures.other += 1;
    lastFailedAt = at;
  }
  return out;
}

async function measureStorm(slots: number): Promise<StormResult> {
  const taskQueue = `approvals-${RUN}-storm-${slots}`;
  const name = stormChannel(slots);
  const policy = await writeConfig(configData(name, slots));
  const channel = slack.channelId(name);
  const nodes = Array.from(
    { length: settings.storm },
    (_, i) => `appr-${RUN}-s${slots}-${String(i + 1).padStart(3, '0')}`,
  );
  await createDeadNodes(nodes);
  const worker = await startWorker(`worker-storm-${slots}`, taskQueue);
  const ids = nodes.map(nodeRecoveryWorkflowId);
  try {
    log(`storm (${slots} activity slots): ${nodes.length} recoveries asking in ${name}`);
    const t0 = Date.now();
    const p0 = performance.now();
    await startRecoveries(nodes, taskQueue, policy);
    const startSeconds = round((Date.now() - t0) / 1000);
    let lastLogged = Date.now();
    await until(
      `${ids.length} cards in ${name}`,
      settings.stormTimeoutSeconds,
      () => {
        const posted = cardsIn(channel).size;
        if (Date.now() - lastLogged > 30_000) {
          log(
            `storm (${slots} slots): ${posted}/${ids.length} cards after ${round((Date.now() - t0) / 1000)} s`,
          );
          lastLogged = Date.now();
        }
        return posted >= ids.length ? true : undefined;
      },
      500,
    ).catch((error: unknown) => log(String(error)));
    const pEnd = performance.now();
    const cards = cardsIn(channel);

    log(`storm (${slots} slots): reading ${ids.length} statuses and histories`);
    const deliveries: CardDelivery[] = [];
    await inPool(nodes, 8, async (node) => {
      const id = nodeRecoveryWorkflowId(node);
      const status: RecoveryStatus = await client.workflow.getHandle(id).query(statusQuery);
      const requestedAt = Date.parse(status.pendingApproval?.requestedAt ?? '');
      const card = cards.get(id);
      deliveries.push({
        node,
        requestedMs: requestedAt - t0,
        postedMs: card ? card.epochMs - requestedAt : undefined,
        ...deliveryOf(await historyOf(id)),
      });
    });
    deliveries.sort((a, b) => a.node.localeCompare(b.node));
    const requested = deliveries.map((d) => d.requestedMs).filter(Number.isFinite);
    const postedAt = [...cards.values()].map((c) => c.epochMs - t0);
    const attempts: Record<string, number> = {};
    for (const d of deliveries) attempts[String(d.attempts)] = (attempts[String(d.attempts)] ?? 0) + 1;
    const sumOf = (key: keyof CardDelivery['failures']) =>
      deliveries.reduce((n, d) => n + d.failures[key], 0);
    const lastCard = postedAt.length ? Math.max(...postedAt) : NaN;
    return {
      slots,
      recoveries: ids.length,
      cardsPosted: cards.size,
      startSeconds,
      requestSpreadSeconds: round((Math.max(...requested) - Math.min(...requested)) / 1000),
      firstRequestToLastCardSeconds: round((lastCard - Math.min(...requested)) / 1000),
      toLastCardSeconds: round(lastCard / 1000),
      postedMs: stats(deliveries.flatMap((d) => (d.postedMs === undefined ? [] : [d.postedMs]))),
      postedBy: [60, 120, 180, 240, 300, 450, 600, 900, 1200, 1800]
        .filter((_, i, all) => i === 0 || (all[i - 1] ?? 0) * 1000 < lastCard)
        .map((seconds) => ({ seconds, cards: postedAt.filter((ms) => ms <= seconds * 1000).length })),
      attempts,
      failures: { backlog: sumOf('backlog'), rateLimited: sumOf('rateLimited'), other: sumOf('other') },
      slotWaitMs: stats(deliveries.map((d) => d.slotWaitMs)),
      inActivityMs: stats(deliveries.map((d) => d.inActivityMs)),
      backoffMs: stats(deliveries.filter((d) => d.backoffMs > 0).map((d) => d.backoffMs)),
      retried: deliveries.filter((d) => d.backoffMs > 0).length,
      slack: channelStats(channel, p0, pEnd),
      deliveries,
    };
  } finally {
    await inPool(ids, 20, (id) => terminate(id, 'benchmark: storm measured'));
    await terminate(disruptionBudgetWorkflowId('nodes', taskQueue), 'benchmark phase over');
    await stopProcess(worker);
    await core.deleteCollectionNode({ labelSelector: `${RUN_LABEL}=${RUN}` });
  }
}

// ---------------------------------------------------------------------------------------------
// Slack traffic of a channel

interface ChannelStats {
  /** chat.postMessage accepted (cards and thread replies). */
  messages: number;
  updates: number;
  /** chat.postMessage answered 429 by the stand-in. */
  rateLimited: number;
  /** When each 429 was answered: seconds after the first chat.postMessage of the window. */
  rateLimitedAt: number[];
  /** The most accepted chat.postMessage in any 1 s window. */
  maxMessagesPerSecond: number;
  /** The most chat.postMessage sent in any 1 s window, those answered 429 included. */
  maxSentPerSecond: number;
  /** The same, counting chat.update too. */
  maxCallsPerSecond: number;
  /** Shortest time between two accepted chat.postMessage. */
  minGapMs: number;
  /** Gaps over 2 s between accepted messages while cards were still to come: count, total, longest. */
  idle: { gaps: number; totalSeconds: number; longestSeconds: number };
}

function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[j] ?? Infinity) <= (times[i] ?? 0) - windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

function channelStats(channel: string, from: number, to: number): ChannelStats {
  const calls = slack.calls.filter((c) => c.channel === channel && c.at >= from && c.at <= to);
  const posts = calls.filter((c) => c.method === 'chat.postMessage');
  const accepted = posts.filter((c) => c.status === 200).map((c) => c.at);
  const withUpdates = calls
    .filter((c) => c.status === 200 && (c.method === 'chat.postMessage' || c.method === 'chat.update'))
    .map((c) => c.at);
  const lastCard = Math.max(
    ...posts.filter((c) => c.status === 200 && c.approveFor && !c.threadTs).map((c) => c.at),
  );
  const gaps = accepted.slice(1).map((t, i) => ({ at: t, gap: t - (accepted[i] ?? t) }));
  const idle = gaps.filter((g) => g.at <= lastCard && g.gap > 2000);
  return {
    messages: accepted.length,
    updates: calls.filter((c) => c.method === 'chat.update' && c.status === 200).length,
    rateLimited: posts.filter((c) => c.status === 429).length,
    rateLimitedAt: posts
      .filter((c) => c.status === 429)
      .map((c) => round((c.at - (posts[0]?.at ?? c.at)) / 1000)),
    maxMessagesPerSecond: maxInWindow(accepted, 1000),
    maxSentPerSecond: maxInWindow(
      posts.map((c) => c.at),
      1000,
    ),
    maxCallsPerSecond: maxInWindow(withUpdates, 1000),
    minGapMs: gaps.length ? Math.round(Math.min(...gaps.map((g) => g.gap))) : NaN,
    idle: {
      gaps: idle.length,
      totalSeconds: round(idle.reduce((s, g) => s + g.gap, 0) / 1000),
      longestSeconds: round(Math.max(0, ...idle.map((g) => g.gap)) / 1000),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Numbers

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  min: number;
}

function stats(values: number[]): Stats {
  const r = (v: number) => Math.round(v);
  return {
    n: values.length,
    p50: r(percentile(values, 50)),
    p95: r(percentile(values, 95)),
    p99: r(percentile(values, 99)),
    max: values.length ? r(Math.max(...values)) : NaN,
    min: values.length ? r(Math.min(...values)) : NaN,
  };
}

// ---------------------------------------------------------------------------------------------
// Main

interface Results {
  machine: Machine & { loadAverageAtEnd: number[] };
  lab: {
    kubernetes: string;
    config: Record<string, string>;
    escalationAfter: string[];
    /** Where the lab and the Slack app listened (the wrapper's defaults unless overridden). */
    ports: { apiserver: string; temporal: string; slackApp: number };
  };
  /** The benchmark's settings of the run, by environment variable. */
  settings: Record<string, string>;
  clicks: ClickResult;
  storms: StormResult[];
}

async function main(): Promise<void> {
  const bench = await openBench({ taskQueue: 'unused', configName: CONFIG_NAME, configNamespace: CONFIG_NS });
  ({ kc, client } = bench);
  productEnv = bench.env;
  core = kc.makeApiClient(CoreV1Api);
  await registerSearchAttributes(bench.connection, 'default');
  await createIfAbsent(() => core.createNamespace({ body: { metadata: { name: CONFIG_NS } } }));
  slackApiUrl = await slack.start();
  const keep = keeper(join(settings.stateDir, 'bench-approvals-partial.json'), { machine: bench.info });
  let app: ChildProcess | undefined;
  try {
    app = await startSlackApp();
    const clicks = keep('clicks', await measureClicks());
    log(`clicks: resumed p50 ${clicks.resumedMs.p50} ms, p99 ${clicks.resumedMs.p99} ms`);
    const storms: StormResult[] = [];
    for (const slots of settings.stormSlots) {
      storms.push(await measureStorm(slots));
      keep('storms', storms);
    }
    const results: Results = {
      machine: { ...bench.info, loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)) },
      lab: {
        kubernetes:
          'v1.36.3 (kube-apiserver, kube-controller-manager, kube-scheduler), etcd v3.6.16, kwok v0.8.0',
        config: configData('<the phase’s channel>', '<per phase>'),
        escalationAfter: settings.escalationAfter,
        ports: {
          apiserver: process.env.K8S_APISERVER_PORT ?? '',
          temporal: process.env.TEMPORAL_ADDRESS ?? '',
          slackApp: settings.slackPort,
        },
      },
      settings: {
        BENCH_CLICKS: String(settings.clicks),
        BENCH_CLICK_BATCH: String(settings.clickBatch),
        BENCH_STORM: String(settings.storm),
        BENCH_STORM_SLOTS: settings.stormSlots.join(','),
        BENCH_STORM_TIMEOUT: String(settings.stormTimeoutSeconds),
        BENCH_ESCALATION_AFTER: settings.escalationAfter.join(','),
        BENCH_SLACK_PORT: String(settings.slackPort),
      },
      clicks,
      storms,
    };
    mkdirSync(settings.outDir, { recursive: true });
    writeFileSync(join(settings.outDir, 'approvals.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(settings.outDir, 'approvals.md'), report(results));
    log(`results written to ${settings.outDir}/approvals.{md,json}`);
  } finally {
    if (app) await stopProcess(app);
    await slack.stop();
    // Every call Slack got, for a closer look (not part of the results).
    writeFileSync(
      join(settings.stateDir, 'bench-slack-calls.jsonl'),
      slack.calls.map((call) => JSON.stringify(call)).join('\n'),
    );
    await bench.connection.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const sec = (v: number) => `${round(v / 1000)} s`;
const secs = (s: Stats) =>
  s.n === 0 ? '—' : `p50 ${sec(s.p50)}, p95 ${sec(s.p95)}, max ${sec(s.max)} (${s.n} cards)`;

function report(r: Results): string {
  const m = r.machine;
  const c = r.clicks;
  const stormRows = r.storms.map((s) => [
    `storm, ${s.slots} activity slots: every card posted`,
    `${s.recoveries}/${s.recoveries}`,
    `${s.cardsPosted}/${s.recoveries}`,
    verdict(s.cardsPosted === s.recoveries),
  ]);
  const rateRow = (what: string, x: ChannelStats) => [
    `${what}: \`chat.postMessage\` per channel in any 1 s`,
    '≤ 1 (about)',
    `${x.maxSentPerSecond} sent, ${x.maxMessagesPerSecond} accepted; ${x.rateLimited} × 429 of ${x.messages + x.rateLimited} sent`,
    verdict(x.maxSentPerSecond <= 1 && x.rateLimited === 0),
  ];
  const rateRows = [
    rateRow('clicks phase', c.slack),
    ...r.storms.map((s) => rateRow(`storm, ${s.slots} activity slots`, s.slack)),
  ];
  return `# Benchmark: approvals from Slack

Generated by \`npm run bench:approvals\` (bench/approvals.ts); raw numbers in
[approvals.json](approvals.json). Not a timed test: figures depend on the machine and on whatever
else runs on it.

## Machine and lab

- ${m.date}, commit \`${m.gitCommit.slice(0, 12)}\`
- ${m.nproc} × ${m.cpuModel}, ${m.memoryGiB} GiB RAM, kernel ${m.kernel}, Node ${m.node}
- load average (1/5/15 min) at start ${m.loadAverageAtStart.join(' / ')}, at end ${m.loadAverageAtEnd.join(' / ')}
  (other engineers' test runs may share the cores)
- lab: the Temporal dev server (SQLite) and ${r.lab.kubernetes}, all on this machine
  (apiserver port ${r.lab.ports.apiserver}, Temporal ${r.lab.ports.temporal}, the Slack app on port ${r.lab.ports.slackApp})
- product: \`npm run worker\` and \`npm run slack\` as processes, built from src; Slack's Web API is a
  stand-in in the benchmark's process (bench/slack-standin.ts) that answers \`chat.postMessage\` with
  429 (\`Retry-After: 1\`) when it comes less than 1 s after the previous one in its channel
- recoveries: node recoveries started with the client (\`startNodeRecovery\`, policy from the
  ConfigMap through \`nodeRecoveryPolicy\`, as the detector builds it) for Node objects without a
  kubelet (no kwok behind them, Ready=False). Each cordons, drains (nothing to evict), waits
  \`node_recovery_window\` (1 s) and asks to replace the node through the \`sim\` provider.
- ConfigMap: ${Object.entries(r.lab.config)
    .map(([k, v]) => `\`${k}: '${v}'\``)
    .join(', ')}
  (\`api_max_concurrency\` per phase). The approval alert (level warning) goes to one Slack channel
  per phase and nowhere else; the escalation ladder is at ${r.lab.escalationAfter.join(' / ')} s, so no
  escalation adds a message to the channel while a phase runs.

## Results against the targets

${table([
  ['measure', 'target', 'result', ''],
  [
    `click → workflow resumed (${c.resumedMs.n} clicks)`,
    'p99 ≤ 1 s',
    `p50 ${c.resumedMs.p50} ms, p99 ${c.resumedMs.p99} ms (max ${c.resumedMs.max} ms)`,
    verdict(c.resumedMs.n >= c.clicks && c.clicks > 0 && c.resumedMs.p99 <= 1000),
  ],
  ...stormRows,
  ...rateRows,
  ...r.storms.map((s) => [
    `storm, ${s.slots} activity slots: all ${s.recoveries} cards posted`,
    '(reported)',
    `${s.toLastCardSeconds} s after the first start; ${s.firstRequestToLastCardSeconds} s after the first request`,
    '',
  ]),
])}

## 1. Click → workflow resumed

${c.clicks} recoveries in batches of ${c.batch}. Once a batch's cards were in \`${CLICK_CHANNEL}\`, the
benchmark posted one signed \`block_actions\` click (Approve, by an approver on \`SLACK_APPROVERS\`)
per card to the Slack app's \`/slack/events\`, one at a time, each after the previous click's answer.
The approved recoveries then replaced their nodes (sim) and completed while the next clicks came.

- **sent**: the benchmark's clock (\`Date.now()\`) just before the request is written.
- **workflow resumed** (the target): the event time of \`WorkflowExecutionUpdateCompleted\` for the
  click's Update (ID \`slack/<trigger_id>\`) in the recovery's history. The Update's handler records
  the decision and the workflow code continues past \`awaitApproval\` in the same workflow task: the
  events of that task hold its next commands (${Object.entries(c.nextCommands)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')}). Same machine, same clock as the server's.
- **ack**: the app's HTTP answer (Bolt's \`ack()\`, before it calls Temporal).
- **answer in Slack**: the app's \`chat.postEphemeral\` to the clicker reached the stand-in: the
  app's \`executeUpdate\` returned and it answered (both clocks in the benchmark's process).

${table([
  ['click sent →', 'p50', 'p95', 'p99', 'max'],
  ['app acked (HTTP answer)', ...cells(c.ackMs)],
  ['Update accepted in history', ...cells(c.acceptedMs)],
  ['**Update completed in history (workflow resumed)**', ...cells(c.resumedMs)],
  ["app's private answer reached Slack", ...cells(c.answerMs)],
])}

${c.approved}/${c.clicks} clicks were answered "Approved"; ${c.resumedInSameTask}/${c.clicks} Updates completed
in a workflow task that also scheduled the workflow's next activities; ${c.recoveriesCompleted}/${c.clicks}
recoveries completed (node replaced, verified). \`${CLICK_CHANNEL}\` meanwhile: ${c.slack.messages} messages
(cards and timeline replies) and ${c.slack.updates} card edits; at most ${c.slack.maxSentPerSecond} message(s) sent in any 1 s,
${c.slack.rateLimited} × 429.

## 2. Storm: ${r.storms[0]?.recoveries ?? settings.storm} recoveries ask for approval at once

One worker; ${r.storms[0]?.recoveries ?? settings.storm} recoveries started at once (signal-with-start, 25 at a time), all
asking in one channel. Times are from the first start; a card is "posted" when the stand-in
accepted it. Per card, the recovery's history shows how its delivery waited: **slot** (the
\`deliver\` activity scheduled → started: waiting for one of the worker's activity slots, taken by
the other recoveries' activities and by deliveries waiting their turn), **activity** (started →
closed: the Slack adapter's pacer queue, then the call) and **backoff** (a failed attempt closed →
the next scheduled: the workflow's retry, 10 s doubling to 5 min, or the failure's
\`retryAfterSeconds\` when longer).

${table([
  ['', ...r.storms.map((s) => `${s.slots} activity slots`)],
  ['cards posted', ...r.storms.map((s) => `${s.cardsPosted}/${s.recoveries}`)],
  ['all recoveries started', ...r.storms.map((s) => `${s.startSeconds} s`)],
  ['approval requests spread over', ...r.storms.map((s) => `${s.requestSpreadSeconds} s`)],
  ['start → last card', ...r.storms.map((s) => `**${s.toLastCardSeconds} s**`)],
  ['first request → last card', ...r.storms.map((s) => `${s.firstRequestToLastCardSeconds} s`)],
  ['cards posted by', ...r.storms.map((s) => s.postedBy.map((p) => `${p.seconds} s: ${p.cards}`).join(', '))],
  ['request → card posted', ...r.storms.map((s) => secs(s.postedMs))],
  ['of which slot wait', ...r.storms.map((s) => secs(s.slotWaitMs))],
  ['of which in the activity (pacer, call)', ...r.storms.map((s) => secs(s.inActivityMs))],
  ['of which retry backoff (cards retried)', ...r.storms.map((s) => secs(s.backoffMs))],
  [
    '`deliver` attempts per card',
    ...r.storms.map((s) =>
      Object.entries(s.attempts)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', '),
    ),
  ],
  [
    'failed attempts: pacer backlog / 429 / other',
    ...r.storms.map((s) => `${s.failures.backlog} / ${s.failures.rateLimited} / ${s.failures.other}`),
  ],
  ['messages accepted (chat.postMessage)', ...r.storms.map((s) => s.slack.messages)],
  [
    'most messages in any 1 s: sent / accepted / accepted with chat.update',
    ...r.storms.map(
      (s) => `${s.slack.maxSentPerSecond} / ${s.slack.maxMessagesPerSecond} / ${s.slack.maxCallsPerSecond}`,
    ),
  ],
  ['shortest gap between two messages', ...r.storms.map((s) => `${s.slack.minGapMs} ms`)],
  ['429 answered by the stand-in', ...r.storms.map((s) => s.slack.rateLimited)],
  [
    'channel idle > 2 s while cards waited',
    ...r.storms.map(
      (s) =>
        `${s.slack.idle.gaps} gaps, ${s.slack.idle.totalSeconds} s in all, longest ${s.slack.idle.longestSeconds} s`,
    ),
  ],
])}

## How the product queues, and what we noticed

${notes(r)}

## Commands

\`\`\`
npm run bench:approvals                       # builds, starts a lab of its own, runs, stops the lab
BENCH_STORM_SLOTS=10 npm run bench:approvals  # one storm run only (activity slots)
node dist/bench/bench/approvals.js --report   # re-renders this file from approvals.json
\`\`\`

Settings (environment, this run's values): ${Object.entries(r.settings)
    .map(([k, v]) => `\`${k}\` (${v})`)
    .join(', ')}; the lab's ports: \`BENCH_APISERVER_PORT\` (56443), \`BENCH_TEMPORAL_PORT\` (57233),
\`BENCH_TEMPORAL_UI_PORT\` (58233) by default.
`;
}

function cells(s: Stats): string[] {
  return s.n === 0 ? ['—', '—', '—', '—'] : [`${s.p50} ms`, `${s.p95} ms`, `${s.p99} ms`, `${s.max} ms`];
}

/** What the numbers say about the queueing: generated, so a re-run keeps it true. */
function notes(r: Results): string {
  const lines: string[] = [
    `- **Pacer**: one Slack adapter per worker process queues each conversation's sends one at a time,
  each at least 1 s after Slack answered the previous one. A send whose turn is more than 60 s
  away fails at once (\`ConversationBacklogError\`, retryable, \`retryAfterSeconds\` = the backlog)
  and the workflow retries it after \`max(retryAfterSeconds, 10 s × 2^(attempt − 1) up to 5 min)\`.
  The queue is per worker: with several workers polling one task queue, each keeps its own 1 s, so a
  channel may get one message per second per worker (not measured here: one worker).`,
    `- **Activity slots**: a \`deliver\` activity waits for its turn inside the activity, holding one of
  the worker's activity slots (\`api_max_concurrency\`, read at the worker's start) for up to 60 s.
  With fewer slots than 60, at most that many sends queue in the pacer and the rest wait in
  Temporal's task queue, beside the other recoveries' Kubernetes activities.${r.storms
    .map(
      (s) =>
        ` With ${s.slots} slots the ${s.recoveries} approval requests came over ${s.requestSpreadSeconds} s and a card's
  \`deliver\` waited for a slot p50 ${sec(s.slotWaitMs.p50)}, max ${sec(s.slotWaitMs.max)}.`,
    )
    .join('')} Waiting deliveries hold slots that the
  other recoveries' cordons, drains and reads then wait for: Slack's pace slows the remediation
  itself when slots are few.`,
  ];
  const limited = [
    { what: 'clicks phase', x: r.clicks.slack },
    ...r.storms.map((s) => ({ what: `storm with ${s.slots} slots`, x: s.slack })),
  ].filter(({ x }) => x.rateLimited > 0);
  if (limited.length > 0)
    lines.push(
      `- **429s**: ${limited
        .map(
          ({ what, x }) =>
            `${what}: ${x.rateLimited}, ${(x.rateLimitedAt ?? []).map((t) => `${t} s`).join(', ')} after the channel's first message`,
        )
        .join('; ')}. The pacer's queue is keyed by the conversation as the send names it: a card goes
  to \`#name\` until Slack's first answer gives the channel's ID, to the ID afterwards, and edits and
  thread replies always name the ID. Cards queued under \`#name\` before that first answer and sends
  under the ID then leave side by side, each queue keeping its own 1 s: two messages within a second
  while the name's queue drains, when a worker starts with several messages waiting for a channel.
  Each 429 costs its card a retry 10 s later (the workflow's first backoff; Slack said
  \`Retry-After: 1\`). Slack tolerates short bursts, so real Slack may accept these; the stand-in is strict.`,
    );
  for (const s of r.storms) {
    const maxAttempts = Math.max(...Object.keys(s.attempts).map(Number));
    const backoff =
      s.retried === 0
        ? "no card waited in the workflow's backoff"
        : `${s.retried} cards waited in the workflow's backoff (p50 ${sec(s.backoffMs.p50)}, max ${sec(s.backoffMs.max)} each)`;
    lines.push(
      `- **${s.slots} slots**: ${s.cardsPosted}/${s.recoveries} cards, the last ${s.firstRequestToLastCardSeconds} s after the first
  request (one message a second: ${s.recoveries} cards need at least ${s.recoveries} s). ${s.failures.backlog} attempts failed on the pacer's
  60 s limit and ${s.failures.rateLimited} on a 429; ${backoff}; at most ${maxAttempts} attempt${maxAttempts === 1 ? '' : 's'} per card.
  Request → card p50 ${sec(s.postedMs.p50)}, max ${sec(s.postedMs.max)}. Gaps over 2 s in the channel while cards were
  still to come: ${s.slack.idle.gaps}${s.slack.idle.gaps ? ` (${s.slack.idle.totalSeconds} s in all, longest ${s.slack.idle.longestSeconds} s)` : ''}.`,
    );
  }
  const idle = r.storms.reduce((n, s) => n + s.slack.idle.gaps, 0);
  lines.push(
    idle === 0
      ? `- **Backoff and tails**: no long tail from the backoff in these storms. A backlog failure's
  \`retryAfterSeconds\` is the queue's length (about 60 s), so a retried card comes back as the
  queue drains, and the channel never sat idle while cards waited; the last card came as late as
  the channel's rate allows, whatever the slot count. The tail of request → card is that rate
  (card N waits about N s), not the backoff. Not measured: from a card's 4th failure the backoff's
  own part (80 s, 160 s, then 300 s) outgrows the 60 s backlog, so a storm large enough for cards to
  fail 4 times (roughly more than 250 cards in one channel for one worker) would leave its last
  cards asleep while the channel is free.`
      : `- **Backoff and tails**: the channel sat idle for more than 2 s while cards waited in the
  workflow's backoff (see above): the backoff itself lengthened the tail.`,
  );
  return lines.join('\n');
}

runBench(main, settings.outDir, 'approvals', report);
