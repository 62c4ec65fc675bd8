import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Worker } from '@temporalio/worker';
import { NativeConnection } from '@temporalio/worker';
import { runCli } from '../../src/starter/cli';
import { disruptionBudgetWorkflowId, nodeRecoveryWorkflowId } from '../../src/workflows/ids';
import { releasePermitSignal } from '../../src/workflows/messages';
import { createWorker } from '../../src/worker/create-worker';
import { phaseKey } from '../../src/workflows/search-attributes';
import { FakeWorld } from '../support/fake-activities';
import { devServerAddress, devServerUiPort } from '../support/lab';

let connection: Connection;
let nativeConnection: NativeConnection;
let client: Client;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `dev-server-${randomUUID()}`;
const world = new FakeWorld();

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
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await nativeConnection?.close();
  await connection?.close();
});

/** The OS user the CLI records when `--by` is not given. */
const operator = 'lab-operator';

async function cli(...argv: string[]): Promise<string[]> {
  const lines: string[] = [];
  await runCli(argv, { client, taskQueue, out: (line) => lines.push(line), user: operator });
  return lines;
}

/**
 * Terminates a node recovery the test is done with and gives back the budget permit it may hold
 * (the budget reclaims a terminated holder's permit only every few minutes; later tests need it).
 */
async function stopNodeRecovery(node: string): Promise<void> {
  const workflowId = nodeRecoveryWorkflowId(node);
  await client.workflow.getHandle(workflowId).terminate('test done');
  await client.workflow
    .getHandle(disruptionBudgetWorkflowId('nodes', taskQueue))
    .signal(releasePermitSignal, { holder: workflowId });
}

/** Polls the recovery's status through the CLI until it reaches `phase`. */
async function phaseReached(target: string, phase: string): Promise<void> {
  let last = '';
  for (let attempt = 0; attempt < 150; attempt++) {
    const [line] = await cli('--output', 'json', 'show', target);
    const status = JSON.parse(line ?? '{}') as { phase?: string; step?: string };
    if (status.phase === phase) return;
    last = `${status.phase}: ${status.step}`;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the recovery of ${target} never reached ${phase} (last: ${last})`);
}

/** Visibility is eventually consistent: list until the query finds what the test expects. */
async function listUntil(query: string, done: (ids: string[]) => boolean): Promise<string[]> {
  let ids: string[] = [];
  for (let attempt = 0; attempt < 100; attempt++) {
    ids = [];
    for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
    if (done(ids)) return ids;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return ids;
}

describe('on the Temporal dev server', () => {
  it('a recovery started through the starter is found by its custom search attributes', async () => {
    const node = `dev-node-${randomUUID().slice(0, 8)}`;
    // NotReady when the recovery starts; back once it is drained.
    world.addNode(node);
    world.onCall = (call) => {
      if (call === `list ${node}`) world.node(node).ready = 'True';
    };
    const [line] = await cli('recover-node', node, '--window', '1s');
    expect(line).toContain(nodeRecoveryWorkflowId(node));

    const handle = client.workflow.getHandle(nodeRecoveryWorkflowId(node));
    expect(await handle.result()).toMatchObject({ outcome: 'recovered' });
    expect(await cli('watch', node)).toEqual([
      `Recovered: ${node} is Ready and schedulable; workloads are back`,
    ]);

    const ids = await listUntil(
      `SelfHealingTarget = '${node}' AND SelfHealingKind = 'node' AND SelfHealingPhase = 'Recovered'`,
      (found) => found.length > 0,
    );
    expect(ids).toEqual([nodeRecoveryWorkflowId(node)]);
    expect((await handle.describe()).typedSearchAttributes.get(phaseKey)).toBe('Recovered');

    if (process.env.RECORD_HISTORIES === '1') {
      const fixtures = path.join(__dirname, '../fixtures/histories');
      const save = async (id: string, file: string) =>
        writeFile(
          path.join(fixtures, file),
          JSON.stringify(
            JSON.parse(historyToJSON(await client.workflow.getHandle(id).fetchHistory())),
            null,
            2,
          ) + '\n',
        );
      await save(nodeRecoveryWorkflowId(node), 'node-recovery-recovered.json');
      await save(disruptionBudgetWorkflowId('nodes', taskQueue), 'disruption-budget.json');
    }
  });

  it('a repeated detection joins the running recovery instead of starting another', async () => {
    const node = `dev-node-${randomUUID().slice(0, 8)}`;
    world.addNode(node);
    const [first] = await cli('recover-node', node, '--window', '10m');
    const [second] = await cli('recover-node', node, '--window', '10m', '--reason', 'Unknown');

    expect(second).toBe(first);
    const status = await cli('status', node);
    expect(JSON.parse(status.join('\n'))).toMatchObject({
      target: node,
      evidence: [{ reason: 'NotReady' }, { reason: 'Unknown' }],
    });
    await stopNodeRecovery(node);
  });

  it('rejects a bad CLI argument naming the argument and the value', async () => {
    await expect(cli('recover-node', 'n1', '--reason', 'Sleepy')).rejects.toThrow(
      /--reason must be one of NotReady, Unknown, MemoryPressure, DiskPressure \(got "Sleepy"\)/,
    );
    await expect(cli('recover-node', 'n1', '--window', 'soon')).rejects.toThrow(/--window .* \(got "soon"\)/);
  });

  it('prints help for the program and for every command instead of refusing --help', async () => {
    const help = (await cli('--help')).join('\n');
    for (const command of [
      'recover-node',
      'recover-workload',
      'approve',
      'reject',
      'ack|acknowledge',
      'status|show',
      'watch',
      'list',
    ])
      expect(help).toContain(command);
    expect(help).toMatch(/--output <format>/);
    expect((await cli('approve', '--help')).join('\n')).toMatch(
      /--by <name>[\s\S]*--comment <text>[\s\S]*--reject/,
    );
    expect((await cli('list', '--help')).join('\n')).toMatch(/--query <visibility query>/);
    expect((await cli('help', 'ack')).join('\n')).toMatch(/Usage: self-healing ack\|acknowledge/);

    await expect(cli('frob')).rejects.toThrow(/unknown command 'frob'/);
    await expect(cli('--output', 'xml', 'list')).rejects.toThrow(
      /'xml' is invalid\. Allowed choices are text, json/,
    );
    await expect(cli('status')).rejects.toThrow(/missing required argument 'target'/);
    await expect(cli('approve', 'n1', '--by', '')).rejects.toThrow(/approve needs --by <name> \(got ""\)/);
    await expect(cli('ack', 'n1', '--by', '  ')).rejects.toThrow(/ack needs --by <name> \(got " {2}"\)/);
  });

  it('names the target and its workflow when there is no recovery for it', async () => {
    const ghost = `ghost-${randomUUID().slice(0, 8)}`;
    const noRecovery = `no recovery for ${ghost} (workflow ${nodeRecoveryWorkflowId(ghost)})`;
    await expect(cli('status', ghost)).rejects.toThrow(noRecovery);
    await expect(cli('approve', ghost)).rejects.toThrow(noRecovery);
    await expect(cli('ack', ghost)).rejects.toThrow(noRecovery);
    await expect(cli('show', `Deployment/shop/${ghost}`)).rejects.toThrow(
      `no recovery for Deployment/shop/${ghost} (workflow workload-recovery/Deployment/shop/${ghost})`,
    );
  });

  it('lists a running recovery with kind, target, phase and its wait for a human; refuses a decision nothing waits for', async () => {
    const node = `dev-node-${randomUUID().slice(0, 8)}`;
    world.addNode(node);
    const [started] = await cli('--output', 'json', 'recover-node', node, '--window', '10m');
    expect(JSON.parse(started ?? '{}')).toMatchObject({
      kind: 'node',
      target: node,
      workflowId: nodeRecoveryWorkflowId(node),
    });
    await phaseReached(node, 'AwaitingRecovery');

    await listUntil(`SelfHealingTarget = '${node}' AND ExecutionStatus = 'Running'`, (ids) => ids.length > 0);
    const row = (await cli('list')).find((line) => line.includes(node));
    expect(row?.split(/\s+/)).toEqual(['node', node, 'AwaitingRecovery', '-']);
    const [json] = await cli('list', '--output', 'json', '--query', `SelfHealingTarget = '${node}'`);
    expect(JSON.parse(json ?? '[]')).toEqual([
      {
        workflowId: nodeRecoveryWorkflowId(node),
        kind: 'node',
        target: node,
        phase: 'AwaitingRecovery',
        status: 'RUNNING',
      },
    ]);

    await expect(cli('approve', node, '--by', 'alice')).rejects.toThrow(
      `approve refused by the recovery of ${node}: nothing to approve: the recovery is AwaitingRecovery`,
    );
    await expect(cli('ack', node)).rejects.toThrow(
      new RegExp(`^acknowledge refused by the recovery of ${node}: .+`),
    );
    await stopNodeRecovery(node);
  });

  it('rejects a pending replacement recording the OS user, then says the finished recovery takes no more decisions', async () => {
    const node = `dev-node-${randomUUID().slice(0, 8)}`;
    world.addNode(node);
    await cli('recover-node', node, '--window', '1s', '--provider', 'sim', '--require-approval');
    await phaseReached(node, 'AwaitingApproval');

    const [rejected] = await cli('--output', 'json', 'reject', node, '--comment', 'not at peak time');
    expect(JSON.parse(rejected ?? '{}')).toMatchObject({
      decision: 'rejected',
      by: operator,
      target: node,
      workflowId: nodeRecoveryWorkflowId(node),
    });
    const handle = client.workflow.getHandle(nodeRecoveryWorkflowId(node));
    await handle.result();
    const status = JSON.parse((await cli('status', node)).join('\n')) as { phase: string; actions: string[] };
    expect(status.phase).toBe('Escalated');
    expect(status.actions).toContain(`replace-node rejected by ${operator}: not at peak time`);

    await expect(cli('approve', node, '--by', 'bob')).rejects.toThrow(
      `the recovery of ${node} has finished (completed, phase Escalated); workflow ${nodeRecoveryWorkflowId(node)} takes no more decisions`,
    );
  });

  it('starts, joins and shows a workload recovery by Kind/namespace/name; bad workload arguments name the part', async () => {
    const name = `web-${randomUUID().slice(0, 8)}`;
    const target = `Deployment/shop/${name}`;
    const [first] = await cli(
      'recover-workload',
      target,
      '--pod',
      `${name}-1`,
      '--reason',
      'CrashLoopBackOff',
    );
    const [second] = await cli('recover-workload', target, '--pod', `${name}-2`, '--reason', 'OOMKilled');
    expect(second).toBe(first);
    expect(first).toContain(`workload-recovery/${target}`);
    const status = JSON.parse((await cli('status', target)).join('\n')) as {
      kind: string;
      evidence: unknown[];
    };
    expect(status).toMatchObject({
      kind: 'workload',
      target,
      evidence: [
        { reason: 'CrashLoopBackOff', pod: `${name}-1` },
        { reason: 'OOMKilled', pod: `${name}-2` },
      ],
    });
    await client.workflow.getHandle(`workload-recovery/${target}`).terminate('test done');

    await expect(cli('recover-workload', 'Deployment/shop', '--pod', 'p')).rejects.toThrow(
      /a workload is Kind\/namespace\/name \(got "Deployment\/shop"\)/,
    );
    await expect(cli('recover-workload', 'Widget/shop/web', '--pod', 'p')).rejects.toThrow(
      /the kind must be one of Deployment, .* \(got "Widget"\)/,
    );
    await expect(cli('recover-workload', target, '--pod', 'p', '--reason', 'Sleepy')).rejects.toThrow(
      /--reason must be one of OOMKilled, .* \(got "Sleepy"\)/,
    );
    await expect(cli('recover-workload', target)).rejects.toThrow(/needs --pod/);
  });

  it('serves the Temporal Web UI on its port', async () => {
    const response = await fetch(`http://127.0.0.1:${devServerUiPort()}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<html/i);
  });
});
