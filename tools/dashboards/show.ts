/**
 * Prints a dashboard's data as text, without Grafana: every panel's queries run as instant
 * queries against Prometheus, each series as `legend = value` in the panel's unit.
 *
 *   node --import ./tools/sim/kubelet/register.mjs tools/dashboards/show.ts \
 *     <recovery|performance|alerts|history|path/to/file.json> [--prometheus URL] [--rate-interval 1m] [--max-series 8]
 *
 * --prometheus defaults to PROMETHEUS_URL. Exits 0 when a panel has data, 1 when none has (saying
 * why), 2 for a bad command line (naming the bad argument). Run it from the repository's root.
 */
import { UsageError, parseShowArgs } from './cli';
import { loadDashboardFile, loadDashboards } from './dashboards';
import { evaluateDashboard } from './evaluate';
import { instantQueries } from './prometheus';
import { renderText, whyNoData } from './text';

const USAGE =
  'usage: show.ts <dashboard> [--prometheus URL] [--rate-interval 1m] [--max-series 8] (PROMETHEUS_URL by default)';

async function main(): Promise<number> {
  const options = parseShowArgs(process.argv.slice(2), process.env, loadDashboards(), loadDashboardFile);
  const { name, dashboard } = options.dashboard;
  const panels = await evaluateDashboard(dashboard, instantQueries(options.prometheus), options.variables);
  const context = { name, prometheus: options.prometheus, at: new Date().toISOString() };
  process.stdout.write(`${renderText(dashboard, panels, { ...context, maxSeries: options.maxSeries })}\n`);
  const why = whyNoData(panels);
  if (why === undefined) return 0;
  process.stderr.write(`show: ${name}: ${why}\n`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = error instanceof UsageError;
    process.stderr.write(`show: ${error instanceof Error ? error.message : String(error)}\n`);
    if (usage) process.stderr.write(`${USAGE}\n`);
    process.exit(usage ? 2 : 1);
  },
);
