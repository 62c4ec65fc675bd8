/**
 * The live config source against the simulated cluster's real apiserver: a ConfigMap created,
 * updated, broken and deleted while the source watches it. Runs on the lab `make test` starts
 * (KUBECONFIG); without it the suite fails, it never skips.
 */
import type { CoreV1Event, KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api } from '@kubernetes/client-node';
import { defaultRecoveryConfig } from '../../src/config/recovery-config';
import type { LiveConfigSource } from '../../src/activities/kubernetes/live-config-source';
import { createClusterConfigSource } from '../../src/activities/kubernetes/live-config-source';
import { silentLogger } from '../../src/logging';
import { createDetectorKubernetes } from '../../src/activities/kubernetes/watch';
import { loadLabKubeConfig, replaceConfigMapData, waitFor } from '../../tools/sim';

// A namespace and name of its own, which also proves both are options.
const namespace = `config-source-${Date.now().toString(36)}`;
const name = 'self-healing-config-test';

let kc: KubeConfig;
let core: CoreV1Api;
let source: LiveConfigSource;
let sourceInformerLists: () => number;

beforeAll(async () => {
  kc = loadLabKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedConfigMap({
    namespace,
    body: {
      metadata: { name, namespace },
      data: { health_check_interval: '20', node_failure_threshold: '2' },
    },
  });
  const kubernetes = createDetectorKubernetes(kc, silentLogger);
  const informer = kubernetes.configMapInformer(namespace, name);
  sourceInformerLists = () => informer.stats().lists;
  source = createClusterConfigSource(
    { ...kubernetes, configMapInformer: () => informer },
    { name, namespace },
    silentLogger,
  );
  await source.start();
});

afterAll(async () => {
  await source?.stop();
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
});

const replaceData = (data: Record<string, string>): Promise<string> =>
  replaceConfigMapData(kc, { name, namespace }, data);

async function invalidConfigEvents(): Promise<CoreV1Event[]> {
  const list = await core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.kind=ConfigMap,involvedObject.name=${name},reason=InvalidConfig`,
  });
  return list.items;
}

describe('the live config source on the lab', () => {
  it('reads the ConfigMap at start-up', () => {
    expect(source.current()).toMatchObject({ health_check_interval: 20, node_failure_threshold: 2 });
    expect(source.status().origin).toBe('configmap');
  });

  it('applies a valid change without a restart', async () => {
    const changes: number[] = [];
    const off = source.onChange((config) => changes.push(config.health_check_interval));
    const rv = await replaceData({
      health_check_interval: '45',
      node_failure_threshold: '2',
      dry_run: 'true',
    });
    await waitFor(
      'the new config',
      async () => source.status(),
      (s) => s.resourceVersion === rv,
      { timeoutMs: 10_000 },
    );
    off();
    expect(source.current()).toMatchObject({ health_check_interval: 45, dry_run: true });
    expect(changes).toEqual([45]);
  });

  it('rejects an invalid change: the last good config stays and a Warning Event names the key and value', async () => {
    const good = source.current();
    const rv = await replaceData({
      health_check_interval: '5',
      node_failure_threshold: '2',
      dry_run: 'true',
    });
    await waitFor(
      'the rejection',
      async () => source.status(),
      (s) => s.rejected?.resourceVersion === rv,
      {
        timeoutMs: 10_000,
      },
    );
    expect(source.current()).toEqual(good);
    const [event, ...more] = await waitFor(
      'the InvalidConfig event',
      invalidConfigEvents,
      (e) => e.length > 0,
      {
        timeoutMs: 10_000,
      },
    );
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      type: 'Warning',
      reason: 'InvalidConfig',
      involvedObject: { kind: 'ConfigMap', name, namespace, resourceVersion: rv },
    });
    expect(event?.message).toMatch(/health_check_interval: .*\(got "5"\)/);
  });

  it('goes back to the defaults when the ConfigMap is deleted, and comes back when it is re-created', async () => {
    await core.deleteNamespacedConfigMap({ name, namespace });
    await waitFor(
      'the defaults',
      async () => source.current(),
      (c) => c === defaultRecoveryConfig,
      {
        timeoutMs: 10_000,
      },
    );
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name, namespace }, data: { health_check_interval: '15' } },
    });
    await waitFor(
      'the re-created config',
      async () => source.current(),
      (c) => c.health_check_interval === 15,
      {
        timeoutMs: 10_000,
      },
    );
  });

  it('watched every change with the one LIST it made at start-up', () => {
    expect(sourceInformerLists()).toBe(1);
  });
});
