/**
 * Steady traffic to a lab backend's Service until stopped (SIGTERM/SIGINT), as clients would send
 * it; prints what came back every `--report` seconds. For the demo and manual runs:
 *
 *   node --import ./tools/sim/kubelet/register.mjs tools/sim/backends/load-main.ts \
 *     --kubeconfig <file> --namespace <ns> --service <name> [--rps 20] [--report 10]
 */
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { generateLoad } from './load';

const USAGE =
  'usage: load-main.ts --kubeconfig <file> --namespace <ns> --service <name> [--rps 20] [--report 10]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      service: { type: 'string' },
      rps: { type: 'string', default: '20' },
      report: { type: 'string', default: '10' },
    },
  });
  const { kubeconfig, namespace, service } = values;
  if (!kubeconfig || !namespace || !service) throw new Error(USAGE);
  const rps = Number(values.rps);
  const reportS = Number(values.report);
  if (!(rps > 0 && rps <= 1000)) throw new Error(`--rps must be between 1 and 1000 (got "${values.rps}")`);
  if (!(reportS >= 1)) throw new Error(`--report must be at least 1 second (got "${values.report}")`);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop.abort());
  while (!stop.signal.aborted) {
    const result = await generateLoad(kc, namespace, service, {
      rps,
      durationMs: reportS * 1000,
      signal: stop.signal,
    });
    process.stdout.write(
      `${new Date().toISOString()} ${namespace}/${service}: sent ${result.sent} ${JSON.stringify(result.byStatus)}` +
        ` errors ${JSON.stringify(result.errors)} no endpoint ${result.noEndpoint}\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`load: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
