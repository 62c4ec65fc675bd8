/**
 * tools/dashboards from canned Prometheus answers: legends and units as Grafana shows them, the
 * text and SVG renderings (no data, failed queries, escaping), and the command lines' bad arguments.
 */
import { UsageError, durationSeconds, parseRenderArgs, parseShowArgs } from '../../tools/dashboards/cli';
import type { Dashboard, DashboardFile, DashboardPanel } from '../../tools/dashboards/dashboards';
import { loadDashboards } from '../../tools/dashboards/dashboards';
import type { PanelData } from '../../tools/dashboards/evaluate';
import { evaluateDashboard } from '../../tools/dashboards/evaluate';
import { formatValue, legendOf } from '../../tools/dashboards/format';
import type { Series } from '../../tools/dashboards/prometheus';
import { PrometheusError, seriesOf } from '../../tools/dashboards/prometheus';
import { renderSvg } from '../../tools/dashboards/svg';
import { escapeXml } from '../../tools/dashboards/svg-kit';
import { polylinePoints, yBounds } from '../../tools/dashboards/svg-timeseries';
import { renderText, whyNoData } from '../../tools/dashboards/text';

const t0 = 1_800_000_000;

function panel(
  id: number,
  type: string,
  title: string,
  expr: string,
  extra: Partial<DashboardPanel> = {},
): DashboardPanel {
  return {
    id,
    type,
    title,
    gridPos: { x: (id - 1) * 12, y: 0, w: 12, h: 8 },
    targets: [{ refId: 'A', expr, legendFormat: '{{job}}' }],
    ...extra,
  };
}

const dashboard: Dashboard = {
  uid: 'test',
  title: 'Test <board>',
  schemaVersion: 39,
  time: { from: 'now-15m', to: 'now' },
  templating: { list: [] },
  panels: [
    panel(1, 'timeseries', 'Latency & "lag"', 'lag[$__rate_interval]', {
      fieldConfig: { defaults: { unit: 's' } },
    }),
    panel(2, 'stat', 'Targets up', 'up'),
    panel(3, 'table', 'Empty', 'absent_here'),
  ],
};

/** Canned answers by query; a query not listed is refused, as Prometheus refuses a bad one. */
function canned(answers: Record<string, Series[]>) {
  const asked: string[] = [];
  const run = (expr: string): Promise<Series[]> => {
    asked.push(expr);
    const found = answers[expr];
    return found ? Promise.resolve(found) : Promise.reject(new PrometheusError('parse error', expr));
  };
  return { run, asked };
}

const answers: Record<string, Series[]> = {
  'lag[5m]': [
    {
      labels: { job: 'worker' },
      points: [
        [t0, 0.25],
        [t0 + 5, NaN],
        [t0 + 10, 0.002],
        [t0 + 15, 0.004],
      ],
    },
    { labels: { job: 'detector <d>' }, points: [[t0, 90]] },
  ],
  up: [1, 0, 1].map((value, n) => ({ labels: { job: `job-${n}` }, points: [[t0, value]] })),
  absent_here: [],
};

async function evaluated(): Promise<PanelData[]> {
  return evaluateDashboard(dashboard, canned(answers).run, { __rate_interval: '5m' });
}

describe('legends and units', () => {
  it('substitutes {{label}} from the series, empty for a missing label, else shows the label set', () => {
    expect(legendOf('{{job}} {{ verb }} {{missing}}', { job: 'worker', verb: 'GET' })).toBe('worker GET');
    expect(legendOf('', { __name__: 'up', job: 'w' })).toBe('up{job="w"}');
    expect(legendOf('{{missing}}', { code: '500' })).toBe('{code="500"}');
    expect(legendOf(undefined, {})).toBe('value');
  });

  it('formats values by the panel unit', () => {
    expect(formatValue(0.0042, { unit: 's' })).toBe('4.2 ms');
    expect(formatValue(90, { unit: 's' })).toBe('1.5 min');
    expect(formatValue(0.000003, { unit: 's' })).toBe('3 µs');
    expect(formatValue(0.1234, { unit: 'percentunit' })).toBe('12.3%');
    expect(formatValue(42, { unit: 'percent' })).toBe('42%');
    expect(formatValue(3 * 1024 * 1024, { unit: 'bytes' })).toBe('3 MiB');
    expect(formatValue(1290, { unit: 'short' })).toBe('1.29 K');
    expect(formatValue(2.5, { unit: 'reqps' })).toBe('2.5 req/s');
    expect(formatValue(1, { decimals: 0 })).toBe('1');
    expect([NaN, Infinity, -Infinity].map((v) => formatValue(v))).toEqual(['NaN', '+Inf', '-Inf']);
  });

  it('reads vector, matrix and scalar answers and throws Prometheus’ error', () => {
    const vector = {
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { a: 'b' }, value: [t0, '1.5'] }] },
    };
    expect(seriesOf(vector, 'x')).toEqual([{ labels: { a: 'b' }, points: [[t0, 1.5]] }]);
    const matrix = {
      status: 'success',
      data: { resultType: 'matrix', result: [{ metric: {}, values: [[t0, 'NaN']] }] },
    };
    expect(seriesOf(matrix, 'x')[0]?.points[0]?.[1]).toBeNaN();
    expect(
      seriesOf({ status: 'success', data: { resultType: 'scalar', result: [t0, '2'] } }, 'x'),
    ).toHaveLength(1);
    expect(() => seriesOf({ status: 'error', error: 'bad_data: parse error' }, 'x')).toThrow('parse error');
  });
});

describe('the text rendering', () => {
  it('shows each panel title, then legend = value per series, at most N, or no data', async () => {
    const text = renderText(dashboard, await evaluated(), {
      name: 't',
      prometheus: 'http://p',
      at: 'now',
      maxSeries: 2,
    });
    expect(text.split('\n')).toEqual([
      'Test <board> (t) from http://p at now',
      '',
      'Latency & "lag" [timeseries, s]',
      '  worker = 4 ms',
      '  detector <d> = 1.5 min',
      '',
      'Targets up [stat]',
      '  job-0 = 1',
      '  job-1 = 0',
      '  … and 1 more series',
      '',
      'Empty [table]',
      '  no data',
    ]);
  });

  it('says why when no panel has data, naming the first failed query', async () => {
    expect(whyNoData(await evaluated())).toBeUndefined();
    const panels = await evaluateDashboard(dashboard, canned({ absent_here: [] }).run, {
      __rate_interval: '5m',
    });
    expect(whyNoData(panels)).toBe(
      'no panel has data (3 panels, 2 with failed queries, 1 empty); first error: A: parse error',
    );
    expect(renderText(dashboard, panels, { name: 't', prometheus: 'p', at: 'now' })).toContain(
      '  error: A: parse error',
    );
  });

  it('runs instant targets with the instant runner and substitutes variables', async () => {
    const range = canned(answers);
    const instant = canned(answers);
    const board = {
      ...dashboard,
      panels: [
        panel(1, 'stat', 'x', 'up', { targets: [{ refId: 'A', expr: 'up', instant: true }] }),
        dashboard.panels[0] as DashboardPanel,
      ],
    };
    await evaluateDashboard(board, range.run, { __rate_interval: '5m' }, instant.run);
    expect([range.asked, instant.asked]).toEqual([['lag[5m]'], ['up']]);
  });
});

describe('the SVG rendering', () => {
  const context = { name: 't', prometheus: 'http://p?a=1&b=2', start: t0, end: t0 + 15, step: '5s' };

  it('lays the panels on the 24-column grid with escaped titles, lines, big values and no data', async () => {
    const svg = renderSvg(dashboard, await evaluated(), context);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1200" height="284"/);
    expect(svg).toContain('<title>Test &lt;board&gt;</title>');
    expect(svg).toContain('>Latency &amp; &quot;lag&quot;</text>');
    expect(svg).toContain('http://p?a=1&amp;b=2');
    expect(svg).toContain('<rect x="604" y="48" width="592" height="232"');
    // worker: a point, a gap at NaN, then a line; detector: one point.
    expect([svg.match(/<polyline /g)?.length, svg.match(/<circle /g)?.length]).toEqual([1, 2]);
    expect(svg).toContain('detector &lt;d&gt;  1.5 min');
    expect(svg).toContain('font-weight="bold" text-anchor="middle">1</text>');
    expect(svg).not.toMatch(/<(?!\/?(svg|title|rect|text|g|line|polyline|circle)[ >/])/);
  });

  it('breaks a line at NaN and scales it between the y bounds', () => {
    const plot = { x: 0, y: 0, w: 100, h: 10 };
    const points: [number, number][] = [
      [t0, 0],
      [t0 + 5, NaN],
      [t0 + 10, 1],
      [t0 + 20, 2],
    ];
    expect(polylinePoints(points, plot, { start: t0, end: t0 + 20 }, [0, 2])).toEqual(['0,10', '50,5 100,0']);
    expect(yBounds([{ legend: '', labels: {}, points: [[t0, 3]] }], {})).toEqual([2.7, 3.3]);
    expect(yBounds([{ legend: '', labels: {}, points: [[t0, 0]] }], { unit: 's' })).toEqual([0, 1]);
  });

  it('escapes XML specials and drops characters XML forbids', () => {
    expect(escapeXml(`a<b>&"c"'d'\u0001\u0008e`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;e');
  });
});

describe('the command lines', () => {
  const files: DashboardFile[] = loadDashboards();
  const env = { PROMETHEUS_URL: 'http://127.0.0.1:9090' };

  it('take a dashboard by name, Prometheus from the environment, and the rate window', () => {
    const options = parseShowArgs(['performance', '--rate-interval', '5m'], env, files);
    expect([options.dashboard.name, options.prometheus, options.variables, options.maxSeries]).toEqual([
      'performance',
      'http://127.0.0.1:9090',
      { __rate_interval: '5m' },
      8,
    ]);
    const render = parseRenderArgs(
      ['alerts', '--out', 'a.svg', '--range', '1h', '--step', '15s'],
      env,
      files,
    );
    expect([render.rangeSeconds, render.stepSeconds, render.variables.__range]).toEqual([3600, 15, '1h']);
    expect(durationSeconds('1h30m', '--range')).toBe(5400);
  });

  it.each([
    [[], {}, '<dashboard>: missing'],
    [['nope'], env, 'no dashboard "nope"'],
    [['alerts'], {}, '--prometheus: no URL'],
    [['alerts', '--prometheus', 'ftp://x'], env, '--prometheus: "ftp://x" is not an http(s) URL'],
    [['alerts', '--rate-interval', '5 minutes'], env, '--rate-interval: "5 minutes"'],
    [['alerts', '--max-series', '0'], env, '--max-series: "0"'],
    [['alerts', '--bogus'], env, "Unknown option '--bogus'"],
    [['alerts', 'extra'], env, 'unexpected argument "extra"'],
  ])('show %j refuses with a UsageError naming the argument', (argv, environment, message) => {
    expect(() => parseShowArgs(argv, environment, files)).toThrow(UsageError);
    expect(() => parseShowArgs(argv, environment, files)).toThrow(message);
  });

  it.each([
    [['alerts'], '--out: missing'],
    [['alerts', '--out', 'a.svg', '--range', '0s'], '--range: "0s" is no time at all'],
    [
      ['alerts', '--out', 'a.svg', '--range', '30d', '--step', '1s'],
      '--step: 1s makes more than 11000 points',
    ],
  ])('render %j refuses with a UsageError naming the argument', (argv, message) => {
    expect(() => parseRenderArgs(argv, env, files)).toThrow(message);
  });
});
