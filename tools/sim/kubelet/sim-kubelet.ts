/**
 * Entry point of the simulated kubelet, started by scripts/lab/k8s-up.sh after kwok:
 *
 *   node --import ./tools/sim/kubelet/register.mjs tools/sim/kubelet/sim-kubelet.ts <kubeconfig> <log-dir>
 *
 * Node runs the TypeScript by stripping its types (no build step); register.mjs only lets the
 * extension-less relative imports the repository uses resolve to .ts files.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { SimKubelet } from './kubelet';

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} sim-kubelet: ${message}\n`);
}

async function main(): Promise<void> {
  const [kubeconfig, logDir] = process.argv.slice(2);
  if (!kubeconfig || !logDir)
    throw new Error('usage: sim-kubelet.ts <kubeconfig> <log-dir> (both are required)');
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const kubelet = new SimKubelet({ kc, logDir, log });
  const shutdown = () => {
    log('stopping');
    void kubelet.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  const started = Date.now();
  await kubelet.start();
  log(`ready in ${Date.now() - started} ms`);
}

main().catch((error: unknown) => {
  log(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
