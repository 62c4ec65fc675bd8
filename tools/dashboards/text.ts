/**
 * A dashboard's data as terminal text, for ./show.ts and the demo: each panel's title, then one
 * `legend = value` line per series, or why there is nothing to show. Pure.
 */
import type { Dashboard } from './dashboards';
import type { PanelData } from './evaluate';
import { hasData, lastValue } from './evaluate';
import { formatValue } from './format';

/** What the rendering says about where the data came from. */
export interface TextContext {
  /** The dashboard's file name without `.json`. */
  name: string;
  prometheus: string;
  /** When the queries ran, ISO 8601. */
  at: string;
  /**
   * At most this many series per panel; the rest are counted.
   * @default 8
   */
  maxSeries?: number;
}

function panelLines(data: PanelData, maxSeries: number): string[] {
  const { panel, series, errors } = data;
  const field = panel.fieldConfig?.defaults ?? {};
  const unit = field.unit ? `, ${field.unit}` : '';
  const lines = [`${panel.title} [${panel.type}${unit}]`];
  const shown = series.filter((s) => lastValue(s) !== undefined);
  for (const s of shown.slice(0, maxSeries))
    lines.push(`  ${s.legend || '(no legend)'} = ${formatValue(lastValue(s) ?? NaN, field)}`);
  if (shown.length > maxSeries) lines.push(`  … and ${shown.length - maxSeries} more series`);
  for (const error of errors) lines.push(`  error: ${error}`);
  if (!hasData(data) && errors.length === 0) lines.push('  no data');
  return lines;
}

/** The dashboard's title and where its data came from, then every panel's lines, blank-separated. */
export function renderText(dashboard: Dashboard, panels: readonly PanelData[], context: TextContext): string {
  const maxSeries = context.maxSeries ?? 8;
  const header = `${dashboard.title} (${context.name}) from ${context.prometheus} at ${context.at}`;
  return [header, ...panels.map((panel) => panelLines(panel, maxSeries).join('\n'))].join('\n\n');
}

/**
 * Why no panel has data, or `undefined` when one has: the count of empty and failed panels and the
 * first error, which is usually the reason for all (Prometheus down, say).
 */
export function whyNoData(panels: readonly PanelData[]): string | undefined {
  if (panels.some(hasData)) return undefined;
  const failed = panels.filter((panel) => panel.errors.length > 0);
  const first = failed[0]?.errors[0];
  const counts = `${panels.length} panels, ${failed.length} with failed queries, ${panels.length - failed.length} empty`;
  return first === undefined
    ? `no panel has data (${counts})`
    : `no panel has data (${counts}); first error: ${first}`;
}
