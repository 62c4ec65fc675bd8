import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Worker } from '@temporalio/worker';
import { NativeConnection } from '@temporalio/worker';
import { runCli } from '../../src/starter/cli';
import { disruptionBudgetWorkflowId, nodeRecoveryWorkflowId } from '../../src/workflows/ids';
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

async function cli(...argv: string[]): Promise<string[]> {
  const lines: string[] = [];
  await runCli(argv, { client, taskQueue, out: (line) => lines.push(line) });
  return lines;
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
    await client.workflow.getHandle(nodeRecoveryWorkflowId(node)).terminate('test done');
  });

  it('rejects a bad CLI argument naming the argument and the value', async () => {
    await expect(cli('recover-node', 'n1', '--reason', 'Sleepy')).rejects.toThrow(
      /--reason must be one of NotReady, Unknown, MemoryPressure, DiskPressure \(got "Sleepy"\)/,
    );
    await expect(cli('recover-node', 'n1', '--window', 'soon')).rejects.toThrow(/--window .* \(got "soon"\)/);
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
