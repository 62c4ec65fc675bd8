/**
 * A dashboard's data as one SVG picture, for ./render.ts: Grafana's grid (24 columns over 1200 px,
 * 30 px a row unit), each panel a box with its title and a body by panel type. Pure: the SVG is a
 * string written by hand, text escaped in ./svg-kit.ts.
 */
import type { Dashboard } from './dashboards';
import type { PanelData } from './evaluate';
import { hasData } from './evaluate';
import type { Box } from './svg-kit';
import { colors, escapeXml, fit, rect, text } from './svg-kit';
import { barGaugeBody, statBody, tableBody } from './svg-panels';
import type { TimeRange } from './svg-timeseries';
import { timeseriesBody } from './svg-timeseries';

/** The picture's width in pixels. */
export const svgWidth = 1200;
const columnWidth = svgWidth / 24;
const rowUnit = 30;
const headerHeight = 44;
const gap = 4;

/** What the picture says about where its data came from. */
export interface SvgContext extends TimeRange {
  /** The dashboard's file name without `.json`. */
  name: string;
  prometheus: string;
  /** The query step, as given (`5s`). */
  step: string;
}

/** Where a panel goes: its grid position in pixels, below the header, inset by the gap. */
export function panelBox(gridPos: { x: number; y: number; w: number; h: number }): Box {
  return {
    x: gridPos.x * columnWidth + gap,
    y: headerHeight + gridPos.y * rowUnit + gap,
    w: gridPos.w * columnWidth - 2 * gap,
    h: gridPos.h * rowUnit - 2 * gap,
  };
}

function message(body: Box, lines: readonly { content: string; fill: string }[]): string[] {
  const middle = body.y + body.h / 2 - ((lines.length - 1) * 16) / 2;
  return lines.map(({ content, fill }, n) =>
    text(body.x + body.w / 2, middle + n * 16, fit(content, body.w, 12), {
      size: 12,
      fill,
      anchor: 'middle',
    }),
  );
}

function bodyOf(data: PanelData, body: Box, range: TimeRange): string[] {
  const { panel, series, errors } = data;
  const field = panel.fieldConfig?.defaults ?? {};
  const failures = errors.map((error) => ({ content: `error: ${error}`, fill: colors.error }));
  if (!hasData(data))
    return message(body, [{ content: 'No data', fill: colors.muted }, ...failures.slice(0, 2)]);
  switch (panel.type) {
    case 'timeseries':
      return timeseriesBody(series, body, range, field);
    case 'stat':
    case 'gauge':
      return statBody(series, body, field);
    case 'bargauge':
      return barGaugeBody(series, body, field);
    case 'table':
      return tableBody(series, body, field);
    default:
      return message(body, [{ content: `(a ${panel.type} panel is not drawn here)`, fill: colors.muted }]);
  }
}

function panelSvg(data: PanelData, range: TimeRange): string {
  const box = panelBox(data.panel.gridPos);
  const body: Box = { x: box.x + 8, y: box.y + 26, w: box.w - 16, h: box.h - 32 };
  const warning = data.errors.length > 0 && hasData(data);
  return [
    '<g>',
    rect(box, colors.panel, `rx="3" stroke="${colors.border}"`),
    text(box.x + 8, box.y + 17, fit(data.panel.title, box.w - 28, 13), { size: 13, weight: 'bold' }),
    ...(warning
      ? [
          text(box.x + box.w - 8, box.y + 17, '!', {
            size: 13,
            weight: 'bold',
            fill: colors.error,
            anchor: 'end',
          }),
        ]
      : []),
    ...bodyOf(data, body, range),
    '</g>',
  ].join('\n');
}

/** The dashboard as an SVG document. */
export function renderSvg(dashboard: Dashboard, panels: readonly PanelData[], context: SvgContext): string {
  const bottom = Math.max(0, ...dashboard.panels.map(({ gridPos }) => gridPos.y + gridPos.h));
  const height = headerHeight + bottom * rowUnit;
  const minutes = Math.round((context.end - context.start) / 60);
  const when = `${new Date(context.start * 1000).toISOString().slice(0, 19)}Z + ${minutes} min, step ${context.step}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${svgWidth}" height="${height}" viewBox="0 0 ${svgWidth} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(dashboard.title)}</title>`,
    rect({ x: 0, y: 0, w: svgWidth, h: height }, colors.background),
    text(gap + 4, 27, dashboard.title, { size: 18, weight: 'bold' }),
    text(svgWidth - gap - 4, 27, fit(`${context.name} · ${context.prometheus} · ${when}`, 700, 11), {
      size: 11,
      fill: colors.muted,
      anchor: 'end',
    }),
    ...panels.map((panel) => panelSvg(panel, context)),
    '</svg>',
    '',
  ].join('\n');
}
