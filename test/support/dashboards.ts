/**
 * The Grafana dashboards in deploy/dashboards/, read as data: their panels, and every panel's
 * queries with Grafana's variables replaced, so that each is PromQL a plain Prometheus runs.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** The folder holding the dashboards' JSON files. */
export const dashboardsDir = path.resolve(__dirname, '../../deploy/dashboards');

/** A Prometheus query of a panel, as Grafana stores it. */
export interface DashboardTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
  datasource?: { type?: string; uid?: string };
}

/** The part of a Grafana panel these tests read. */
export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: DashboardTarget[];
}

/** The part of a Grafana classic dashboard these tests read. */
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

/** Every dashboard under deploy/dashboards/, by file name. */
export function loadDashboards(): DashboardFile[] {
  return readdirSync(dashboardsDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      name: file.replace(/\.json$/, ''),
      dashboard: JSON.parse(readFileSync(path.join(dashboardsDir, file), 'utf8')) as Dashboard,
    }));
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
