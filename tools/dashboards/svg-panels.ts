/**
 * The bodies in SVG of the panels that show one value per series (stat, gauge, bargauge) and of
 * tables. Pure.
 */
import type { FieldDefaults } from './dashboards';
import type { PanelSeries } from './evaluate';
import { lastValue } from './evaluate';
import { formatValue } from './format';
import type { Box } from './svg-kit';
import { colors, fit, rect, seriesColor, sizeToFit, text } from './svg-kit';

const statMax = 6;

/** Series with a last value, with it. */
function lastValues(series: readonly PanelSeries[]): { legend: string; value: number; index: number }[] {
  return series.flatMap((s, index) => {
    const value = lastValue(s);
    return value === undefined ? [] : [{ legend: s.legend, value, index }];
  });
}

/**
 * A stat or gauge panel's body: each series' last value big, its legend above it when there are
 * several, side by side in a wide panel and stacked in a tall one.
 */
export function statBody(series: readonly PanelSeries[], body: Box, field: FieldDefaults): string[] {
  const values = lastValues(series).slice(0, statMax);
  const wide = body.w >= body.h;
  const cell = {
    w: wide ? body.w / values.length : body.w,
    h: wide ? body.h : body.h / values.length,
  };
  return values.flatMap(({ legend, value, index }, n) => {
    const x = body.x + (wide ? n * cell.w : 0);
    const y = body.y + (wide ? 0 : n * cell.h);
    const shown = formatValue(value, field);
    const size = Math.min(sizeToFit(shown, cell.w - 8, 44), Math.floor(cell.h * 0.55));
    const labelled = values.length > 1;
    const middle = y + cell.h / 2 + size * 0.35 + (labelled ? 6 : 0);
    return [
      ...(labelled
        ? [
            text(x + cell.w / 2, middle - size - 2, fit(legend, cell.w - 8, 11), {
              size: 11,
              anchor: 'middle',
            }),
          ]
        : []),
      text(x + cell.w / 2, middle, shown, {
        size,
        weight: 'bold',
        fill: seriesColor(index),
        anchor: 'middle',
      }),
    ];
  });
}

/** A bargauge panel's body: one row per series, its legend, a bar to scale and its value. */
export function barGaugeBody(series: readonly PanelSeries[], body: Box, field: FieldDefaults): string[] {
  const rowHeight = 24;
  const rows = Math.max(1, Math.floor(body.h / rowHeight));
  const values = lastValues(series);
  const shown = values.slice(0, values.length > rows ? rows - 1 : rows);
  const top = Math.max(field.max ?? 0, ...shown.map(({ value }) => value), Number.MIN_VALUE);
  const labelWidth = Math.min(160, body.w * 0.35);
  const valueWidth = 80;
  const barWidth = Math.max(0, body.w - labelWidth - valueWidth - 8);
  const lines = shown.flatMap(({ legend, value, index }, n) => {
    const y = body.y + n * rowHeight;
    const length = Number.isFinite(value) ? Math.max(0, Math.min(1, value / top)) * barWidth : 0;
    return [
      text(body.x, y + 15, fit(legend, labelWidth - 6, 11), { size: 11 }),
      rect({ x: body.x + labelWidth, y: y + 4, w: barWidth, h: 14 }, colors.border),
      rect({ x: body.x + labelWidth, y: y + 4, w: length, h: 14 }, seriesColor(index)),
      text(body.x + body.w, y + 16, formatValue(value, field), {
        size: 14,
        weight: 'bold',
        fill: seriesColor(index),
        anchor: 'end',
      }),
    ];
  });
  if (values.length > shown.length)
    lines.push(
      text(body.x, body.y + shown.length * rowHeight + 15, `… and ${values.length - shown.length} more`, {
        size: 11,
        fill: colors.muted,
      }),
    );
  return lines;
}

/** A table panel's body: a column per label and one for the value, as many rows as fit. */
export function tableBody(series: readonly PanelSeries[], body: Box, field: FieldDefaults): string[] {
  const rowHeight = 17;
  const labels = [...new Set(series.flatMap((s) => Object.keys(s.labels)))].filter((l) => l !== '__name__');
  const columns = [...labels, 'Value'];
  const width = body.w / columns.length;
  const rows = lastValues(series);
  const fitting = Math.max(0, Math.floor(body.h / rowHeight) - 1);
  const shown = rows.slice(0, rows.length > fitting ? fitting - 1 : fitting);
  const cell = (column: number, row: number, content: string, header = false): string =>
    text(body.x + column * width, body.y + 12 + row * rowHeight, fit(content, width - 6, 11), {
      size: 11,
      ...(header ? { weight: 'bold', fill: colors.muted } : {}),
    });
  const lines = columns.map((column, c) => cell(c, 0, column, true));
  shown.forEach(({ value, index }, r) => {
    const row = series[index]?.labels ?? {};
    labels.forEach((label, c) => lines.push(cell(c, r + 1, row[label] ?? '')));
    lines.push(cell(labels.length, r + 1, formatValue(value, field)));
  });
  if (rows.length > shown.length)
    lines.push(
      text(
        body.x,
        body.y + 12 + (shown.length + 1) * rowHeight,
        `… and ${rows.length - shown.length} more rows`,
        {
          size: 11,
          fill: colors.muted,
        },
      ),
    );
  return lines;
}
