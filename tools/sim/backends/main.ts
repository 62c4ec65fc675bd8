/**
 * Entry point of the lab backends, started by scripts/lab/backends-up.sh once the cluster is up:
 *
 *   node --import ./tools/sim/kubelet/register.mjs tools/sim/backends/main.ts <kubeconfig> <targets-file>
 *
 * Environment: LAB_BACKENDS_METRICS_PORT (default 9470) is where `/metrics` and `/healthz` answer,
 * on 127.0.0.1; LAB_BACKENDS_POD_LABEL=1 adds a `pod` label to the request metrics. The targets
 * file is the Prometheus file_sd file naming that port, written once serving and removed on stop.
 */
import { createServer } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { LabBackends } from './backends';
import { Backends } from './conventions';
import { RequestMetrics } from './metrics';
import { removeTargets, writeTargets } from './targets';

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} lab-backends: ${message}\n`);
}

async function main(): Promise<void> {
  const [kubeconfig, targetsFile] = process.argv.slice(2);
  if (!kubeconfig || !targetsFile)
    throw new Error('usage: main.ts <kubeconfig> <prometheus-targets-file> (both are required)');
  const port = Number(process.env.LAB_BACKENDS_METRICS_PORT ?? Backends.defaultMetricsPort);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535)
    throw new Error(
      `LAB_BACKENDS_METRICS_PORT must be a port number, got "${process.env.LAB_BACKENDS_METRICS_PORT}"`,
    );
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const metrics = new RequestMetrics(process.env.LAB_BACKENDS_POD_LABEL === '1');
  const backends = new LabBackends({ kc, metrics, log });
  const started = Date.now();
  await backends.start();

  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(metrics.render());
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  await writeTargets(targetsFile, port);

  const shutdown = () => {
    log('stopping');
    server.close();
    void Promise.allSettled([backends.stop(), removeTargets(targetsFile)]).finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  log(`ready in ${Date.now() - started} ms; metrics on http://127.0.0.1:${port}/metrics`);
}

main().catch((error: unknown) => {
  log(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
