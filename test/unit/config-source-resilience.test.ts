/**
 * The config source keeps going while the apiserver is unreachable: the informer restarts with
 * backoff, the defaults stay in force, nothing throws, and stop() ends it cleanly. The "apiserver"
 * is a closed port on loopback.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { defaultRecoveryConfig } from '../../src/config/recovery-config';
import { createConfigSource } from '../../src/activities/kubernetes/live-config-source';
import { silentLogger } from '../../src/logging';
import { createDetectorKubernetes } from '../../src/activities/kubernetes/watch';

function unreachableCluster(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'gone', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'nobody', token: 'x' }],
    contexts: [{ name: 'gone', cluster: 'gone', user: 'nobody' }],
    currentContext: 'gone',
  });
  return kc;
}

it('restarts its informer with backoff while the apiserver is down, keeping the defaults in force', async () => {
  const kubernetes = createDetectorKubernetes(unreachableCluster(), silentLogger);
  const informer = kubernetes.configMapInformer('self-healing', 'self-healing-config');
  const source = createConfigSource({
    name: 'self-healing-config',
    namespace: 'self-healing',
    informer,
    events: kubernetes.events,
    logger: silentLogger,
  });
  let started = false;
  const starting = source.start().then(() => (started = true));
  // Restarts after 1 s and 2 s; the third attempt is due at 7 s.
  await new Promise((resolve) => setTimeout(resolve, 3_800));
  const stats = informer.stats();
  expect(stats).toMatchObject({ synced: false, restarts: 2, lists: 3 });
  expect(stats.lastError).toMatch(/ECONNREFUSED|fetch failed|connect/i);
  expect(source.current()).toBe(defaultRecoveryConfig);
  expect(started).toBe(false);
  await source.stop();
  await starting;
  expect(informer.stats().restarts).toBe(2);
});
