/**
 * Draws a dashboard as an SVG file, without Grafana: every panel's queries run as range queries
 * over the last --range (those Grafana runs as instant queries: at its end), each panel drawn on
 * Grafana's grid (./svg.ts).
 *
 *   node --import ./tools/sim/kubelet/register.mjs tools/dashboards/render.ts \
 *     <recovery|performance|alerts|history|path/to/file.json> --out file.svg \
 *     [--prometheus URL] [--range 15m] [--step 5s] [--rate-interval 1m]
 *
 * --prometheus defaults to PROMETHEUS_URL. Exits 0 when a panel has data, 1 when none has (the file
 * is written all the same), 2 for a bad command line. Run it from the repository's root.
 */
import { writeFileSync } from 'node:fs';
import { UsageError, parseRenderArgs } from './cli';
import { loadDashboardFile, loadDashboards } from './dashboards';
import { evaluateDashboard } from './evaluate';
import { instantQueries, rangeQueries } from './prometheus';
import { renderSvg } from './svg';
import { whyNoData } from './text';

const USAGE =
  'usage: render.ts <dashboard> --out file.svg [--prometheus URL] [--range 15m] [--step 5s] [--rate-interval 1m]';

async function main(): Promise<number> {
  const options = parseRenderArgs(process.argv.slice(2), process.env, loadDashboards(), loadDashboardFile);
  const { name, dashboard } = options.dashboard;
  const end = Math.floor(Date.now() / 1000);
  const start = end - options.rangeSeconds;
  const run = rangeQueries(options.prometheus, start, end, options.stepSeconds);
  const panels = await evaluateDashboard(
    dashboard,
    run,
    options.variables,
    instantQueries(options.prometheus, end),
  );
  const context = { name, prometheus: options.prometheus, start, end, step: options.step };
  writeFileSync(options.out, renderSvg(dashboard, panels, context));
  const drawn = panels.filter((panel) => panel.series.length > 0).length;
  process.stdout.write(
    `render: wrote ${options.out}: ${name}, ${drawn} of ${panels.length} panels with series\n`,
  );
  const why = whyNoData(panels);
  if (why === undefined) return 0;
  process.stderr.write(`render: ${name}: ${why}\n`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = error instanceof UsageError;
    process.stderr.write(`render: ${error instanceof Error ? error.message : String(error)}\n`);
    if (usage) process.stderr.write(`${USAGE}\n`);
    process.exit(usage ? 2 : 1);
  },
);
