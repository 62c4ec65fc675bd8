/**
 * The Slack app on the lab's Temporal dev server: real node recoveries (the product's workflow and
 * activities over an in-memory cluster) wait for approval of a node replacement, and signed button
 * clicks reach them through Bolt's HTTP receiver behind the request guard. Slack's Web API (for
 * the app's ephemeral answers and user-group lookups) is the stand-in. Every case checks the
 * recovery's history afterwards: a refused click leaves no Update in it.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { NativeConnection } from '@temporalio/worker';
import { createSlackAdapter } from '../../src/activities/notify/slack';
import type { NodeRecoveryPolicy, RecoveryPhase } from '../../src/domain';
import type { LogAttributes, Logger } from '../../src/logging';
import type { SlackApp } from '../../src/slack/app';
import { createSlackApp } from '../../src/slack/app';
import { startNodeRecovery } from '../../src/starter/recoveries';
import { createWorker } from '../../src/worker/create-worker';
import { statusQuery } from '../../src/workflows/messages';
import { FakeWorld } from '../support/fake-activities';
import { devServerAddress } from '../support/lab';
import type { ButtonClick } from '../support/slack-standin';
import {
  blockActionsPayload,
  interactionBody,
  signSlackRequest,
  SlackStandIn,
} from '../support/slack-standin';

const signingSecret = 'test-signing-secret-8f3a';
const botToken = 'xoxb-slack-app-test';
const alice = 'U0ALICE'; // on SLACK_APPROVERS
const carol = 'U0CAROL'; // in the approver group S0ONCALL
const mallory = 'U0MALLORY'; // neither

const policy: NodeRecoveryPolicy = {
  dryRun: false,
  drainTimeout: '1 minute',
  deleteEmptyDirData: true,
  unmanagedPods: 'skip',
  nodeRecoveryWindow: '1 second',
  provider: 'sim',
  replacementRequiresApproval: true,
  approvalTimeout: '1 hour',
  recoveryTimeout: '1 minute',
  // Recoveries of several tests may overlap; none waits for another's permit.
  maxDisruptedNodes: 100,
};

let connection: Connection;
let nativeConnection: NativeConnection;
let client: Client;
let worker: Worker;
let running: Promise<void>;
let slack: SlackStandIn;
let app: SlackApp;
let url: string;
const taskQueue = `slack-app-${randomUUID()}`;
const world = new FakeWorld();
const logs: { level: string; message: string; attributes: LogAttributes }[] = [];
const started: WorkflowHandle[] = [];

const recordingLogger: Logger = Object.fromEntries(
  (['debug', 'info', 'warn', 'error'] as const).map((level) => [
    level,
    (message: string, attributes: LogAttributes = {}) => logs.push({ level, message, attributes }),
  ]),
) as unknown as Logger;

beforeAll(async () => {
  const address = devServerAddress();
  connection = await Connection.connect({ address });
  nativeConnection = await NativeConnection.connect({ address });
  client = new Client({ connection });
  worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    activities: world.activities(client, taskQueue),
  });
  running = worker.run();
  slack = await new SlackStandIn({
    tokens: [botToken],
    groups: { S0ONCALL: [carol] },
    channels: ['#incidents'],
  }).start();
  app = createSlackApp({
    signingSecret,
    botToken,
    apiUrl: slack.apiUrl,
    approvers: { users: [alice], groups: ['S0ONCALL'] },
    temporal: client,
    logger: recordingLogger,
  });
  url = `http://127.0.0.1:${await app.start(0)}/slack/events`;
});

afterAll(async () => {
  for (const handle of started) await handle.terminate('test over').catch(() => undefined);
  if (process.env.SHOW_SLACK_LOGS) console.log(logs.map((l) => JSON.stringify(l)).join('\n'));
  await app?.stop();
  await slack?.stop();
  worker?.shutdown();
  await running;
  await nativeConnection?.close();
  await connection?.close();
});

/** A node recovery waiting for approval to replace its node (or, with `overrides`, elsewhere). */
async function recovery(
  overrides: Partial<NodeRecoveryPolicy> = {},
  phase: RecoveryPhase = 'AwaitingApproval',
) {
  const node = `slack-node-${randomUUID().slice(0, 8)}`;
  world.addNode(node);
  const handle = await startNodeRecovery(client, taskQueue, {
    node,
    reason: 'NotReady',
    detectedAt: new Date().toISOString(),
    policy: { ...policy, ...overrides },
  });
  started.push(handle);
  for (let i = 0; i < 300 && (await handle.query(statusQuery)).phase !== phase; i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  expect((await handle.query(statusQuery)).phase).toBe(phase);
  return { node, handle };
}

/**
 * Posts the recovery's card to #incidents through the worker's Slack adapter.
 * @returns its reference, and what a click on its Approve button carries.
 */
async function postCard(handle: WorkflowHandle) {
  const status = await handle.query(statusQuery);
  const adapter = createSlackAdapter({
    token: botToken,
    apiUrl: slack.apiUrl,
    uiBaseUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
  });
  const ref = await adapter.post('#incidents', {
    level: 'warning',
    title: `Approval needed: replace-node on ${status.target}`,
    detail: status.pendingApproval?.detail ?? '',
    workflowId: handle.workflowId,
    kind: status.kind,
    target: status.target,
    phase: status.phase,
    step: status.step,
    evidence: [],
    actions: status.actions,
    ...(status.pendingApproval ? { pendingApproval: status.pendingApproval } : {}),
  });
  type Posted = { type: string; block_id?: string; elements?: { action_id: string; value?: string }[] };
  const blocks = slack.callsOf('chat.postMessage').at(-1)?.args.blocks as Posted[];
  const decision = blocks.find((b) => b.type === 'actions');
  const button = decision?.elements?.find((e) => e.action_id === 'approve');
  expect(button?.value).toBe(handle.workflowId);
  return {
    ref,
    approve: {
      actionId: 'approve',
      value: button?.value ?? '',
      blockId: decision?.block_id ?? '',
      channel: ref.channel,
      messageTs: ref.ts,
    },
  };
}

/** Posts `body` to the app as Slack would, signed with `secret` at `timestamp`; answers the HTTP status. */
async function post(
  body: string,
  {
    secret = signingSecret,
    timestamp,
    headers = {},
  }: { secret?: string; timestamp?: number; headers?: Record<string, string> } = {},
): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...signSlackRequest(body, secret, timestamp), ...headers },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

function click(c: ButtonClick): string {
  return interactionBody(blockActionsPayload(c));
}

/** The Updates the recovery's history accepted: their names and arguments. */
async function acceptedUpdates(handle: WorkflowHandle): Promise<{ name: string; args: unknown[] }[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).flatMap((event) => {
    const request = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
    if (!request) return [];
    const args = (request.args?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p));
    return [{ name: request.name ?? '', args }];
  });
}

/** The ephemeral answers `user` got so far. */
function answersTo(user: string): string[] {
  return slack
    .callsOf('chat.postEphemeral')
    .filter((c) => c.args.user === user)
    .map((c) => String(c.args.text));
}

/** Waits for a log line `message` whose attributes match. */
async function logged(message: string, match: (attributes: LogAttributes) => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (logs.some((l) => l.message === message && match(l.attributes))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `no log line "${message}" matching; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`,
  );
}

function refusals(): { reason: string; status: number }[] {
  return logs
    .filter((l) => l.message === 'slack request refused')
    .map((l) => ({ reason: String(l.attributes.reason), status: Number(l.attributes.status) }));
}

describe('the Slack app on the Temporal dev server', () => {
  it('a signed Approve click by an allowed user approves the recovery as slack:<user>; a replay and a retried delivery change nothing more', async () => {
    const { node, handle } = await recovery();
    // The card as the worker's adapter posts it; the click carries what its Approve button holds.
    const card = await postCard(handle);
    const body = click({ user: alice, triggerId: `t-${node}`, ...card.approve });
    const timestamp = Math.floor(Date.now() / 1000);

    expect(await post(body, { timestamp })).toBe(200);
    await slack.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === alice && String(c.args.text).includes(node),
    );
    expect(await post(body, { timestamp })).toBe(401); // the same signed request again
    expect(await post(body, { timestamp: timestamp + 1, headers: { 'x-slack-retry-num': '1' } })).toBe(200);

    await logged('slack click delivered again; ignored', (a) => a.workflowId === handle.workflowId);

    expect((await handle.result()).outcome).toBe('replaced');
    expect(await acceptedUpdates(handle)).toEqual([
      { name: 'approve', args: [{ approved: true, by: `slack:${alice}`, reason: 'via Slack' }] },
    ]);
    expect((await handle.query(statusQuery)).actions).toContain(
      `replace-node approved by slack:${alice}: via Slack`,
    );
    expect(answersTo(alice).filter((t) => t.includes(node))).toEqual([
      `Approved: replace-node for ${node}. The card will show your decision.`,
    ]);
    expect(refusals()).toContainEqual({
      status: 401,
      reason: 'replayed: this signed request was seen already',
    });
    const answer = slack.callsOf('chat.postEphemeral').find((c) => c.args.user === alice);
    expect(answer?.args.channel).toBe(card.ref.channel);
    expect(logs.filter((l) => l.level === 'error' || l.message === 'slack answer not sent')).toEqual([]);
  });

  it('a member of an approver user group may reject; the recovery escalates', async () => {
    const { node, handle } = await recovery();

    expect(await post(click({ user: carol, actionId: 'reject', value: handle.workflowId }))).toBe(200);

    expect((await handle.result()).outcome).toBe('escalated');
    expect(await acceptedUpdates(handle)).toEqual([
      { name: 'approve', args: [{ approved: false, by: `slack:${carol}`, reason: 'via Slack' }] },
    ]);
    expect(slack.callsOf('usergroups.users.list')[0]?.args).toMatchObject({ usergroup: 'S0ONCALL' });
    await slack.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.text === `Rejected: replace-node for ${node}. The card will show your decision.`,
    );
  });

  it('a user on no allowlist is told so privately, and the recovery is untouched', async () => {
    const { handle } = await recovery();

    expect(await post(click({ user: mallory, actionId: 'approve', value: handle.workflowId }))).toBe(200);

    const answer = await slack.waitForCall('chat.postEphemeral', (c) => c.args.user === mallory);
    expect(answer.args.text).toBe(
      'You are not allowed to approve recoveries: you are not on the approver list nor in an approver group. Nothing was changed.',
    );
    expect(await post(click({ user: mallory, actionId: 'acknowledge', value: handle.workflowId }))).toBe(200);
    await slack.waitForCall('chat.postEphemeral', (c) =>
      String(c.args.text).startsWith('You are not allowed to acknowledge recoveries'),
    );
    // "View in Temporal" opens a URL; its click is only acked.
    expect(await post(click({ user: mallory, actionId: 'open-in-temporal', value: '' }))).toBe(200);

    expect(await acceptedUpdates(handle)).toEqual([]);
    expect((await handle.query(statusQuery)).phase).toBe('AwaitingApproval');
    expect(answersTo(mallory)).toHaveLength(2);
  });

  it('a forged signature, a stale or future timestamp and a missing signature get 401, and change nothing', async () => {
    const { handle } = await recovery();
    const body = () => click({ user: alice, actionId: 'approve', value: handle.workflowId });
    const now = Math.floor(Date.now() / 1000);
    const before = refusals().length;

    expect(await post(body(), { secret: 'not-the-secret' })).toBe(401);
    expect(await post(body(), { timestamp: now - 5 * 60 - 5 })).toBe(401);
    expect(await post(body(), { timestamp: now + 5 * 60 + 5 })).toBe(401);
    expect(await post(body(), { headers: { 'x-slack-signature': '' } })).toBe(401);

    expect(refusals().slice(before)).toEqual([
      { status: 401, reason: expect.stringContaining('signature mismatch') },
      { status: 401, reason: expect.stringContaining('stale') },
      { status: 401, reason: 'timestamp is in the future' },
      { status: 401, reason: 'missing header x-slack-signature' },
    ]);
    expect(await acceptedUpdates(handle)).toEqual([]);
    expect((await handle.query(statusQuery)).phase).toBe('AwaitingApproval');
    expect(answersTo(alice).some((t) => t.includes(handle.workflowId))).toBe(false);
    expect(JSON.stringify(logs)).not.toContain(signingSecret);
    expect(JSON.stringify(logs)).not.toContain(botToken);
  });

  it('a malformed body, an unknown action and an oversized body are refused (400, 400, 413), and change nothing', async () => {
    const { handle } = await recovery();
    const before = refusals().length;

    expect(await post('payload=%7Bnot-json')).toBe(400);
    expect(await post(click({ user: alice, actionId: 'approve-everything', value: handle.workflowId }))).toBe(
      400,
    );
    const huge = blockActionsPayload({ user: alice, actionId: 'approve', value: handle.workflowId });
    expect(await post(interactionBody({ ...huge, padding: 'x'.repeat(70 * 1024) }))).toBe(413);

    expect(refusals().slice(before)).toEqual([
      { status: 400, reason: 'the payload field is not JSON' },
      { status: 400, reason: 'unknown action_id "approve-everything"' },
      { status: 413, reason: expect.stringContaining('body over 65536 bytes') },
    ]);
    expect(await acceptedUpdates(handle)).toEqual([]);
    expect((await handle.query(statusQuery)).phase).toBe('AwaitingApproval');
  });

  it('a click on a finished, an unknown or a not-waiting recovery is explained privately, and changes nothing', async () => {
    const { node, handle } = await recovery();
    await handle.executeUpdate('approve', { args: [{ approved: true, by: 'alice' }] });
    await handle.result();
    const { handle: busy } = await recovery({ nodeRecoveryWindow: '1 hour' }, 'AwaitingRecovery');

    for (const value of [handle.workflowId, 'node-recovery/never-was', busy.workflowId])
      expect(await post(click({ user: alice, actionId: 'approve', value }))).toBe(200);

    await slack.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.text === `The recovery of ${node} already finished (Recovered); nothing was changed.`,
    );
    await slack.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.text === 'There is no recovery node-recovery/never-was; nothing was changed.',
    );
    await slack.waitForCall('chat.postEphemeral', (c) =>
      String(c.args.text).startsWith(
        `The recovery ${busy.workflowId} did not take it: nothing to approve: the recovery is AwaitingRecovery`,
      ),
    );
    expect(await acceptedUpdates(handle)).toHaveLength(1); // the test's own approval
    expect(await acceptedUpdates(busy)).toEqual([]);
  });
});
