/**
 * A dashboard's panels with their data: every query of every panel, variables replaced, run by
 * whatever {@link RunQuery} the caller hands in (instant for ./show.ts, range for ./render.ts,
 * canned answers in the tests).
 */
import type { Dashboard, DashboardPanel } from './dashboards';
import { substituteVariables } from './dashboards';
import { legendOf } from './format';
import type { RunQuery } from './prometheus';

/** One series of a panel, named by its query's legend. */
export interface PanelSeries {
  legend: string;
  labels: Record<string, string>;
  /** (Unix seconds, value), oldest first; one point for an instant query. */
  points: [number, number][];
}

/** A panel and what its queries returned: series in query order, and each failed query's reason. */
export interface PanelData {
  panel: DashboardPanel;
  series: PanelSeries[];
  errors: string[];
}

/** How many queries run at once: Prometheus and the tools share a small machine. */
const concurrency = 4;

async function inBatches<T, R>(
  items: readonly T[],
  size: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size)
    results.push(...(await Promise.all(items.slice(start, start + size).map(run))));
  return results;
}

/**
 * Runs every query of the dashboard's panels (rows and text panels have none) and groups the
 * answers by panel, in the dashboard's order. A failed query becomes an error of its panel.
 * @param overrides values for Grafana variables, e.g. `{ __rate_interval: '5m' }`.
 * @param runInstant runs the queries Grafana runs as instant ones (`instant: true`), whose order
 *   (`sort_desc`) a range query would lose; `run` by default.
 */
export async function evaluateDashboard(
  dashboard: Dashboard,
  run: RunQuery,
  overrides: Record<string, string> = {},
  runInstant: RunQuery = run,
): Promise<PanelData[]> {
  const panels = dashboard.panels.filter((panel) => (panel.targets ?? []).length > 0);
  const jobs = panels.flatMap((panel, index) => (panel.targets ?? []).map((target) => ({ index, target })));
  const answers = await inBatches(jobs, concurrency, async ({ index, target }) => {
    try {
      const series = await (target.instant ? runInstant : run)(substituteVariables(target.expr, overrides));
      return {
        index,
        series: series.map((s) => ({ ...s, legend: legendOf(target.legendFormat, s.labels) })),
      };
    } catch (error) {
      return { index, error: `${target.refId}: ${error instanceof Error ? error.message : String(error)}` };
    }
  });
  return panels.map((panel, index) => {
    const mine = answers.filter((answer) => answer.index === index);
    return {
      panel,
      series: mine.flatMap((answer) => answer.series ?? []),
      errors: mine.flatMap((answer) => (answer.error === undefined ? [] : [answer.error])),
    };
  });
}

/** The last point's value of a series that is not `NaN`, or `undefined` (Grafana's lastNotNull). */
export function lastValue(series: PanelSeries): number | undefined {
  for (let i = series.points.length - 1; i >= 0; i -= 1) {
    const value = series.points[i]?.[1];
    if (value !== undefined && !Number.isNaN(value)) return value;
  }
  return undefined;
}

/** Whether a panel has something to show: a series with a value. */
export function hasData(panel: PanelData): boolean {
  return panel.series.some((series) => lastValue(series) !== undefined);
}
