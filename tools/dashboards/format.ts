/**
 * How a panel names and shows its values, as Grafana does for the cases the dashboards use:
 * legends from `legendFormat`, values by the panel's unit.
 */
import type { FieldDefaults } from './dashboards';

/**
 * A series' legend: `legendFormat` with each `{{label}}` replaced by the label's value (empty when
 * the series lacks it); without a format, or when that leaves nothing, the series' label set as
 * Prometheus writes it (`value` for a series without labels).
 */
export function legendOf(legendFormat: string | undefined, labels: Record<string, string>): string {
  const formatted = (legendFormat === '__auto' ? '' : (legendFormat ?? ''))
    .replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_whole, name: string) => labels[name] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  if (formatted) return formatted;
  const { __name__: name = '', ...rest } = labels;
  const pairs = Object.entries(rest).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  if (pairs.length === 0) return name || 'value';
  return `${name}{${pairs.join(', ')}}`;
}

/** `value` with at most three significant digits, or `decimals` places when the panel fixes them. */
function digits(value: number, decimals?: number): string {
  if (decimals !== undefined) return value.toFixed(decimals);
  if (value === 0) return '0';
  return String(Number(value.toPrecision(3)));
}

/** Scales `value` by `base` through `prefixes` (first one for the unscaled value). */
function scaled(value: number, base: number, prefixes: readonly string[], decimals?: number): string {
  let index = 0;
  let rest = value;
  while (Math.abs(rest) >= base && index < prefixes.length - 1) {
    rest /= base;
    index += 1;
  }
  // Scaled values keep three digits even when the panel asks for whole numbers of the base unit.
  return `${digits(rest, index === 0 ? decimals : undefined)}${prefixes[index] ?? ''}`;
}

const durations = [
  [86_400, ' day'],
  [3_600, ' h'],
  [60, ' min'],
  [1, ' s'],
  [1e-3, ' ms'],
  [1e-6, ' µs'],
] as const;

function seconds(value: number, decimals?: number): string {
  const magnitude = Math.abs(value);
  if (magnitude === 0) return '0 s';
  const [size, suffix] = durations.find(([size]) => magnitude >= size) ?? [1e-9, ' ns'];
  return `${digits(value / size, size === 1 ? decimals : undefined)}${suffix}`;
}

const shortPrefixes = ['', ' K', ' Mil', ' Bil', ' Tri'] as const;
const bytePrefixes = [' B', ' KiB', ' MiB', ' GiB', ' TiB', ' PiB'] as const;
/** Units that are `short` numbers with a suffix. */
const rateSuffixes: Readonly<Record<string, string>> = {
  reqps: ' req/s',
  ops: ' ops/s',
  rps: ' reads/s',
  wps: ' writes/s',
};

/**
 * `value` shown in the panel's unit: `s` (µs to days), `percentunit` (0.5 → 50%), `percent`,
 * `bytes` (IEC: KiB, MiB, …), `short` (K, Mil, Bil), `reqps` and `ops`; any other unit is
 * appended to a short number. `NaN` and infinities are written as Prometheus writes them.
 */
export function formatValue(value: number, field: FieldDefaults = {}): string {
  const { unit = 'short', decimals } = field;
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 's':
      return seconds(value, decimals);
    case 'ms':
      return seconds(value / 1000, decimals);
    case 'percentunit':
      return `${digits(value * 100, decimals)}%`;
    case 'percent':
      return `${digits(value, decimals)}%`;
    case 'bytes':
      return scaled(value, 1024, bytePrefixes, decimals);
    case 'short':
    case 'none':
      return scaled(value, 1000, shortPrefixes, decimals);
    default:
      return `${scaled(value, 1000, shortPrefixes, decimals)}${rateSuffixes[unit] ?? ` ${unit}`}`;
  }
}
