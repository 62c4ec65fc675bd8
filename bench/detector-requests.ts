/**
 * The detector's own Kubernetes requests over a steady-state window, counted by its informers
 * (`stats().informer`) rather than inferred from apiserver_request_total, whose WATCH rows mix in
 * every controller's re-watches. Runs the product's detector and config source in-process against
 * the cluster in KUBECONFIG, with a recovery gateway that does nothing (it never starts or signals a
 * workflow), so it can run beside anything else.
 *
 *   KUBECONFIG=.lab-bench/k8s/kubeconfig node dist/bench/bench/detector-requests.js [seconds]
 */
import { createClusterConfigSource } from '../src/activities/kubernetes/live-config-source';
import { silentLogger } from '../src/logging';
import { createDetector } from '../src/starter/detector';
import { createDetectorKubernetes } from '../src/activities/kubernetes/watch';
import { loadLabKubeConfig, sleep } from '../tools/sim';

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 120);
  const kubernetes = createDetectorKubernetes(loadLabKubeConfig(), silentLogger);
  const configSource = createClusterConfigSource(
    kubernetes,
    { name: 'self-healing-config', namespace: 'self-healing' },
    silentLogger,
  );
  await configSource.start();
  const detector = createDetector({
    kubernetes,
    configSource,
    logger: silentLogger,
    recoveries: {
      start: () => Promise.resolve({ workflowId: 'none', runId: 'none' }),
      signal: () => Promise.resolve('not-found'),
      startWorkload: () => Promise.resolve({ workflowId: 'none', runId: 'none' }),
      signalWorkload: () => Promise.resolve('not-found'),
    },
  });
  await detector.start();
  const before = { ...detector.stats().informer };
  await sleep(seconds * 1000);
  const after = { ...detector.stats().informer };
  await detector.stop();
  await configSource.stop();
  const perMin = (n: number) => Math.round(((n * 60) / seconds) * 100) / 100;
  process.stdout.write(
    `${JSON.stringify({
      seconds,
      nodeInformer: {
        atStart: before,
        lists: after.lists - before.lists,
        watches: after.watches - before.watches,
        restarts: after.restarts - before.restarts,
        watchesPerMin: perMin(after.watches - before.watches),
      },
    })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
