/**
 * The Grafana dashboards in deploy/dashboards/, read as data: their panels, and every panel's
 * queries with Grafana's variables replaced, so that each is PromQL a plain Prometheus runs.
 * Shared by the tests (test/support/dashboards.ts) and the tools beside this file.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The folder holding the dashboards' JSON files. Jest and tsc see this file as CommonJS, with
 * `__dirname`; Node's type stripping runs it as an ES module, without it (and TypeScript refuses
 * `import.meta` in CommonJS), so there the tools count on being run from the repository's root.
 */
export const dashboardsDir =
  typeof __dirname === 'string'
    ? path.resolve(__dirname, '../../deploy/dashboards')
    : path.resolve('deploy/dashboards');

/** A Prometheus query of a panel, as Grafana stores it. */
export interface DashboardTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
  /** Grafana's "Instant" switch: one value at the dashboard's end time. */
  instant?: boolean;
  /** `table` for a table panel's query. */
  format?: string;
  datasource?: { type?: string; uid?: string };
}

/** A panel's field defaults as far as showing values goes. */
export interface FieldDefaults {
  /** Grafana's unit id: `s`, `percentunit`, `percent`, `bytes`, `short`, `reqps`, … */
  unit?: string;
  decimals?: number;
  min?: number;
  max?: number;
}

/** The part of a Grafana panel the tests and tools read. */
export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: DashboardTarget[];
  fieldConfig?: { defaults?: FieldDefaults };
}

/** The part of a Grafana classic dashboard the tests and tools read. */
export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  time: { from: string; to: string };
  refresh?: string;
  tags?: string[];
  templating: { list: { name: string; type: string; query?: unknown; allValue?: string }[] };
  panels: DashboardPanel[];
  __inputs?: unknown;
}

/** One dashboard file: its name without `.json` and its content. */
export interface DashboardFile {
  name: string;
  dashboard: Dashboard;
}

/** One query of one panel, runnable against Prometheus. */
export interface DashboardQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
}

/**
 * What each Grafana variable the dashboards use stands for outside Grafana: a one-minute rate
 * window (four scrapes at 15 s), a one-hour range, and every kind.
 */
export const variableValues: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '1m',
  __range: '1h',
  kind: '.*',
};

/** One dashboard file, named by its file name without `.json`. */
export function loadDashboardFile(file: string): DashboardFile {
  return {
    name: path.basename(file).replace(/\.json$/, ''),
    dashboard: JSON.parse(readFileSync(file, 'utf8')) as Dashboard,
  };
}

/** Every dashboard in `dir` (deploy/dashboards/ by default), by file name. */
export function loadDashboards(dir = dashboardsDir): DashboardFile[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => loadDashboardFile(path.join(dir, file)));
}

/**
 * Replaces `$name`, `${name}` and `${name:format}` with {@link variableValues}.
 * @throws Error naming a variable that has no value here, so a new one is noticed.
 */
export function substituteVariables(expr: string, overrides: Record<string, string> = {}): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    const value = overrides[name] ?? variableValues[name];
    if (value === undefined) throw new Error(`no value for the Grafana variable ${whole} in: ${expr}`);
    return value;
  });
}

/**
 * Every panel's every query, variables replaced, in file and panel order.
 * @param overrides values for some variables, e.g. a lab test's `__rate_interval` spanning its run.
 */
export function dashboardQueries(overrides: Record<string, string> = {}): DashboardQuery[] {
  return loadDashboards().flatMap(({ name, dashboard }) =>
    dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        dashboard: name,
        panel: panel.title,
        refId: target.refId,
        expr: substituteVariables(target.expr, overrides),
      })),
    ),
  );
}
