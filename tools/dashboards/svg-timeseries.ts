/**
 * A timeseries panel's body in SVG: its series as polylines over the rendered range, the y axis'
 * bounds, the start and end times, and a legend of the first few series. Pure.
 */
import type { FieldDefaults } from './dashboards';
import type { PanelSeries } from './evaluate';
import { lastValue } from './evaluate';
import { formatValue } from './format';
import type { Box } from './svg-kit';
import { colors, fit, hline, px, rect, seriesColor, text } from './svg-kit';

/** The time span drawn, in Unix seconds. */
export interface TimeRange {
  start: number;
  end: number;
}

const legendLine = 14;
const legendMax = 4;
const axisWidth = 58;
const drawnMax = 20;

/** The y axis' bounds: the panel's min and max when set, else the data's, never empty. */
export function yBounds(series: readonly PanelSeries[], field: FieldDefaults): [number, number] {
  const values = series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  let low = field.min ?? Math.min(...values);
  let high = field.max ?? Math.max(...values);
  if (!Number.isFinite(low) || !Number.isFinite(high)) [low, high] = [0, 1];
  if (low === high) {
    const pad = low === 0 ? 1 : Math.abs(low) * 0.1;
    [low, high] = [low - (low === 0 ? 0 : pad), high + pad];
  }
  return [low, high];
}

/** The series' points as `points` attributes, one per run of finite values. */
export function polylinePoints(
  points: readonly [number, number][],
  plot: Box,
  range: TimeRange,
  [low, high]: [number, number],
): string[] {
  const runs: string[][] = [[]];
  const span = Math.max(1e-9, range.end - range.start);
  for (const [time, value] of points) {
    if (!Number.isFinite(value)) {
      if ((runs.at(-1) ?? []).length > 0) runs.push([]);
      continue;
    }
    const x = plot.x + ((time - range.start) / span) * plot.w;
    const y = plot.y + plot.h - ((value - low) / (high - low)) * plot.h;
    runs.at(-1)?.push(`${px(x)},${px(y)}`);
  }
  return runs.filter((run) => run.length > 0).map((run) => run.join(' '));
}

function clock(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(11, 19);
}

function seriesSvg(
  series: readonly PanelSeries[],
  plot: Box,
  range: TimeRange,
  bounds: [number, number],
): string[] {
  return series
    .slice(0, drawnMax)
    .flatMap((s, index) =>
      polylinePoints(s.points, plot, range, bounds).map((points) =>
        points.includes(' ')
          ? `<polyline points="${points}" fill="none" stroke="${seriesColor(index)}" stroke-width="1.5"/>`
          : `<circle cx="${points.split(',')[0]}" cy="${points.split(',')[1]}" r="2" fill="${seriesColor(index)}"/>`,
      ),
    );
}

function legendSvg(series: readonly PanelSeries[], area: Box, field: FieldDefaults): string[] {
  const more = series.length > legendMax;
  const shown = series.slice(0, more ? legendMax - 1 : legendMax);
  const lines = shown.flatMap((s, index) => {
    const y = area.y + index * legendLine;
    const last = lastValue(s);
    const label = `${s.legend}${last === undefined ? '' : `  ${formatValue(last, field)}`}`;
    return [
      rect({ x: area.x, y: y + 3, w: 10, h: 3 }, seriesColor(index)),
      text(area.x + 15, y + 8, fit(label, area.w - 15, 11), { size: 11 }),
    ];
  });
  if (more)
    lines.push(
      text(
        area.x + 15,
        area.y + shown.length * legendLine + 8,
        `… and ${series.length - shown.length} more`,
        {
          size: 11,
          fill: colors.muted,
        },
      ),
    );
  return lines;
}

/** The body of a timeseries panel with data, drawn in `body`. */
export function timeseriesBody(
  series: readonly PanelSeries[],
  body: Box,
  range: TimeRange,
  field: FieldDefaults,
): string[] {
  const legendLines = Math.min(series.length, legendMax);
  const plot: Box = {
    x: body.x + axisWidth,
    y: body.y + 6,
    w: body.w - axisWidth,
    h: body.h - 6 - 16 - legendLines * legendLine - 4,
  };
  const bounds = yBounds(series, field);
  const axis = { size: 10, fill: colors.muted, anchor: 'end' } as const;
  return [
    hline(plot.x, plot.y, plot.w),
    hline(plot.x, plot.y + plot.h / 2, plot.w),
    hline(plot.x, plot.y + plot.h, plot.w),
    text(plot.x - 4, plot.y + 4, formatValue(bounds[1], field), axis),
    text(plot.x - 4, plot.y + plot.h + 3, formatValue(bounds[0], field), axis),
    text(plot.x, plot.y + plot.h + 13, clock(range.start), { ...axis, anchor: 'start' }),
    text(plot.x + plot.w, plot.y + plot.h + 13, clock(range.end), axis),
    ...seriesSvg(series, plot, range, bounds),
    ...legendSvg(
      series,
      { x: body.x, y: plot.y + plot.h + 18, w: body.w, h: legendLines * legendLine },
      field,
    ),
  ];
}
