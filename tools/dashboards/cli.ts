/**
 * The command lines of ./show.ts and ./render.ts, parsed without side effects: a bad argument is a
 * {@link UsageError} naming it, which the entrypoints turn into exit code 2.
 */
import type { ParseArgsOptionsConfig } from 'node:util';
import { parseArgs } from 'node:util';
import type { DashboardFile } from './dashboards';

/** Thrown for a command line the tools cannot run: the message names the bad argument. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What both tools take: the dashboard, the Prometheus to ask, the rate window. */
export interface CommonOptions {
  dashboard: DashboardFile;
  prometheus: string;
  /** Values for Grafana variables (`__rate_interval`, and `__range` for ./render.ts). */
  variables: Record<string, string>;
}

/** ./show.ts' options. */
export interface ShowOptions extends CommonOptions {
  maxSeries: number;
}

/** ./render.ts' options. */
export interface RenderOptions extends CommonOptions {
  out: string;
  rangeSeconds: number;
  stepSeconds: number;
  /** The step as given, e.g. `5s`. */
  step: string;
}

/** Reads a dashboard from a JSON file named on the command line instead of by name. */
export type LoadFile = (file: string) => DashboardFile;

const durationUnits: Readonly<Record<string, number>> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  y: 31_536_000,
};

/**
 * Seconds in a Prometheus duration (`5m`, `1h30m`, `500ms`).
 * @throws UsageError naming `option` when `text` is not one or is zero.
 */
export function durationSeconds(text: string, option: string): number {
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(text))
    throw new UsageError(`${option}: "${text}" is not a Prometheus duration such as 30s, 5m or 1h`);
  const seconds = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)].reduce(
    (sum, [, count, unit]) => sum + Number(count) * (durationUnits[unit ?? ''] ?? 0),
    0,
  );
  if (seconds <= 0) throw new UsageError(`${option}: "${text}" is no time at all`);
  return seconds;
}

function prometheusUrl(text: string | undefined): string {
  if (!text) throw new UsageError('--prometheus: no URL (nor PROMETHEUS_URL in the environment)');
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return text;
  } catch {
    // Reported below, with the other kinds of bad URL.
  }
  throw new UsageError(`--prometheus: "${text}" is not an http(s) URL`);
}

function dashboardNamed(
  name: string | undefined,
  dashboards: readonly DashboardFile[],
  loadFile: LoadFile | undefined,
): DashboardFile {
  const names = dashboards.map((d) => d.name).join(', ');
  if (name === undefined) throw new UsageError(`<dashboard>: missing; one of ${names} or a file.json`);
  if (name.includes('/') && loadFile) {
    try {
      return loadFile(name);
    } catch (error) {
      throw new UsageError(`<dashboard>: ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const found = dashboards.find((d) => d.name === name.replace(/\.json$/, ''));
  if (!found)
    throw new UsageError(`<dashboard>: no dashboard "${name}"; one of ${names} or a path to a file.json`);
  return found;
}

function parse(argv: readonly string[], options: ParseArgsOptionsConfig) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The strings of `values`; parseArgs types every option as string or boolean. */
function text(values: Record<string, unknown>, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

function common(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  dashboards: readonly DashboardFile[],
  loadFile: LoadFile | undefined,
  extra: ParseArgsOptionsConfig,
): { options: CommonOptions; values: Record<string, unknown> } {
  const { values, positionals } = parse(argv, {
    prometheus: { type: 'string' },
    'rate-interval': { type: 'string', default: '1m' },
    ...extra,
  });
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const rateInterval = text(values, 'rate-interval') ?? '1m';
  durationSeconds(rateInterval, '--rate-interval');
  return {
    options: {
      dashboard: dashboardNamed(positionals[0], dashboards, loadFile),
      prometheus: prometheusUrl(text(values, 'prometheus') ?? env.PROMETHEUS_URL),
      variables: { __rate_interval: rateInterval },
    },
    values,
  };
}

/**
 * Parses `show.ts <dashboard> [--prometheus URL] [--rate-interval 1m] [--max-series 8]`: the
 * dashboard by name among `dashboards`, or by a path with a `/` read by `loadFile`.
 * @throws UsageError naming the bad argument.
 */
export function parseShowArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  dashboards: readonly DashboardFile[],
  loadFile?: LoadFile,
): ShowOptions {
  const { options, values } = common(argv, env, dashboards, loadFile, {
    'max-series': { type: 'string', default: '8' },
  });
  const maxSeries = Number(text(values, 'max-series'));
  if (!Number.isInteger(maxSeries) || maxSeries < 1)
    throw new UsageError(`--max-series: "${text(values, 'max-series')}" is not a positive whole number`);
  return { ...options, maxSeries };
}

/**
 * Parses `render.ts <dashboard> --out file.svg [--prometheus URL] [--range 15m] [--step 5s]
 * [--rate-interval 1m]`, the dashboard as for {@link parseShowArgs}.
 * @throws UsageError naming the bad argument.
 */
export function parseRenderArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  dashboards: readonly DashboardFile[],
  loadFile?: LoadFile,
): RenderOptions {
  const { options, values } = common(argv, env, dashboards, loadFile, {
    out: { type: 'string' },
    range: { type: 'string', default: '15m' },
    step: { type: 'string', default: '5s' },
  });
  const out = text(values, 'out');
  if (!out) throw new UsageError('--out: missing; the SVG file to write');
  const range = text(values, 'range') ?? '15m';
  const rangeSeconds = durationSeconds(range, '--range');
  const step = text(values, 'step') ?? '5s';
  const stepSeconds = durationSeconds(step, '--step');
  // Prometheus refuses more than 11,000 points per series.
  if (rangeSeconds / stepSeconds > 11_000)
    throw new UsageError(`--step: ${step} makes more than 11000 points over ${range}`);
  const variables = { ...options.variables, __range: range };
  return { ...options, variables, out, rangeSeconds, stepSeconds, step };
}
