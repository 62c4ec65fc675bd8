/**
 * Keeps deploy/dashboards/ loadable and honest: the four dashboards of the design, each a Grafana
 * classic dashboard that file provisioning accepts (a `datasource` variable, no `__inputs`), panels
 * laid out on 24 columns without overlap, and every query naming only metrics docs/metrics.md
 * catalogs, so a renamed metric fails here instead of leaving an empty panel.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DashboardPanel } from '../support/dashboards';
import { dashboardQueries, dashboardsDir, loadDashboards } from '../support/dashboards';

const catalogPath = path.resolve(__dirname, '../../docs/metrics.md');
const dashboards = loadDashboards();
const panels = dashboards.flatMap(({ name, dashboard }) =>
  dashboard.panels.map((panel) => ({ name, panel })),
);
const panelTypes = ['timeseries', 'stat', 'bargauge', 'table', 'gauge'];
const datasource = { type: 'prometheus', uid: '${datasource}' };

/**
 * The series names docs/metrics.md catalogs: the first cell of every table row that names a
 * metric, with `_bucket`, `_sum` and `_count` for histograms. A cell like
 * "`self_healing_budget_limit` / `_holders`" means `self_healing_budget_holders` too.
 */
function catalogedSeries(markdown: string): Set<string> {
  const names = new Set<string>();
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const [first, type] = [cells[1] ?? '', cells[2] ?? ''];
    const listed = [...first.matchAll(/`(\w+)`/g)].map((m) => m[1] ?? '');
    const base = listed[0];
    if (!base?.startsWith('self_healing_')) continue;
    for (const name of listed) {
      const full = name.startsWith('_') ? base.replace(/_[a-z]+$/, name) : name;
      names.add(full);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(full + suffix);
    }
  }
  return names;
}

function overlaps(a: DashboardPanel['gridPos'], b: DashboardPanel['gridPos']): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

describe('Grafana dashboards', () => {
  it('are the four of the design: Recovery, Performance, Alerts and History', () => {
    expect(dashboards.map(({ name, dashboard }) => [name, dashboard.title])).toEqual([
      ['alerts', 'Self-healing / Alerts'],
      ['history', 'Self-healing / History'],
      ['performance', 'Self-healing / Performance'],
      ['recovery', 'Self-healing / Recovery'],
    ]);
  });

  it.each(dashboards.map((d) => [d.name, d.dashboard] as const))(
    '%s has the top-level fields of a classic dashboard, with a unique uid',
    (_name, dashboard) => {
      expect(dashboard.uid).toMatch(/^self-healing-[a-z]+$/);
      expect(Number.isInteger(dashboard.schemaVersion)).toBe(true);
      expect(dashboard.time.from).toMatch(/^now-/);
      expect(typeof dashboard.refresh).toBe('string');
      expect(dashboard.tags).toContain('self-healing');
      expect(dashboard.panels.length).toBeGreaterThan(0);
    },
  );

  it('have distinct uids', () => {
    const uids = dashboards.map(({ dashboard }) => dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it.each(dashboards.map((d) => [d.name] as const))(
    '%s picks its Prometheus through a `datasource` variable, as file provisioning needs',
    (name) => {
      const text = readFileSync(path.join(dashboardsDir, `${name}.json`), 'utf8');
      const { dashboard } = dashboards.find((d) => d.name === name)!;
      expect(dashboard.__inputs).toBeUndefined();
      expect(text).not.toContain('DS_');
      expect(dashboard.templating.list).toContainEqual(
        expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
      );
      for (const panel of dashboard.panels) {
        expect([panel.title, panel.datasource]).toEqual([panel.title, datasource]);
        for (const target of panel.targets ?? [])
          if (target.datasource) expect([panel.title, target.datasource]).toEqual([panel.title, datasource]);
      }
    },
  );

  it.each(dashboards.map((d) => [d.name, d.dashboard] as const))(
    '%s defines every variable its queries use',
    (_name, dashboard) => {
      const defined = new Set(dashboard.templating.list.map((v) => v.name));
      const used = dashboard.panels.flatMap((panel) =>
        (panel.targets ?? []).flatMap((t) => [...t.expr.matchAll(/\$\{?(\w+)/g)].map((m) => m[1] ?? '')),
      );
      for (const name of used.filter((n) => !n.startsWith('__')))
        expect([name, defined.has(name)]).toEqual([name, true]);
    },
  );
});

describe('dashboard panels', () => {
  it.each(dashboards.map((d) => [d.name, d.dashboard] as const))(
    '%s numbers its panels uniquely',
    (_n, d) => {
      const ids = d.panels.map((panel) => panel.id);
      expect(ids.every(Number.isInteger)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    },
  );

  it.each(dashboards.map((d) => [d.name, d.dashboard] as const))(
    '%s lays its panels out within 24 columns, none over another',
    (_name, dashboard) => {
      for (const { title, gridPos: g } of dashboard.panels) {
        expect([title, g.x >= 0 && g.y >= 0 && g.w > 0 && g.h > 0 && g.x + g.w <= 24]).toEqual([title, true]);
      }
      const all = dashboard.panels;
      const overlapping = all.flatMap((a, i) =>
        all.slice(i + 1).flatMap((b) => (overlaps(a.gridPos, b.gridPos) ? [`${a.title} / ${b.title}`] : [])),
      );
      expect(overlapping).toEqual([]);
    },
  );

  it.each(panels.map(({ name, panel }) => [name, panel.title, panel] as const))(
    '%s: "%s" is a known visualization with at least one non-empty query',
    (_name, _title, panel) => {
      expect(panelTypes).toContain(panel.type);
      expect(panel.targets?.length ?? 0).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.refId).toMatch(/^[A-Z]$/);
        expect(target.expr.trim()).not.toBe('');
      }
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
    },
  );
});

describe('dashboard queries', () => {
  const queries = dashboardQueries();
  const raw = panels.flatMap(({ name, panel }) =>
    (panel.targets ?? []).map((t) => ({ where: `${name}: ${panel.title} ${t.refId}`, expr: t.expr })),
  );

  it('name only self_healing_* series that docs/metrics.md catalogs', () => {
    const cataloged = catalogedSeries(readFileSync(catalogPath, 'utf8'));
    expect(cataloged).toContain('self_healing_budget_waiters');
    expect(cataloged).toContain('self_healing_recovery_duration_seconds_bucket');
    const unknown = queries.flatMap(({ dashboard, panel, expr }) =>
      [...expr.matchAll(/\bself_healing_\w+/g)]
        .map((m) => m[0])
        .filter((name) => !cataloged.has(name))
        .map((name) => `${dashboard}: ${panel}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('use $__rate_interval as the window of every rate()', () => {
    const windows = raw.flatMap(({ where, expr }) =>
      [...expr.matchAll(/\brate\([^[]*\[([^\]]+)\]/g)].map((m) => `${where}: ${m[1]}`),
    );
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.filter((w) => !w.endsWith(': $__rate_interval'))).toEqual([]);
  });

  it('aggregate histogram buckets by le before histogram_quantile', () => {
    const quantiles = raw.filter(({ expr }) => expr.includes('histogram_quantile'));
    expect(quantiles.length).toBeGreaterThan(0);
    for (const { where, expr } of quantiles)
      expect([
        where,
        /histogram_quantile\([\d.]+, sum by \(le\b[^)]*\) \(\w+\(\w+_bucket\b/.test(expr),
      ]).toEqual([where, true]);
  });

  it("scope the Temporal SDK's metrics to the product's worker job", () => {
    const temporal = raw.filter(({ expr }) => /\btemporal_\w+/.test(expr));
    expect(temporal.length).toBeGreaterThan(0);
    for (const { where, expr } of temporal)
      for (const selector of expr.match(/\btemporal_\w+(\{[^}]*\})?/g) ?? [])
        expect([where, selector]).toEqual([
          where,
          expect.stringContaining('job="self-healing-worker-temporal"'),
        ]);
  });

  it('come out of dashboardQueries() free of Grafana variables, one per target', () => {
    expect(queries).toHaveLength(raw.length);
    for (const { expr } of queries) expect(expr).not.toContain('$');
    expect(queries.filter(({ expr }) => expr.includes('[1m]')).length).toBeGreaterThan(0);
  });
});
