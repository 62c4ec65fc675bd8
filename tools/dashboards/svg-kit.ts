/**
 * The small vocabulary the SVG rendering is written in: escaped text, boxes, colours. Pure.
 */

/** A rectangle in pixels. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Grafana's dark theme, near enough. */
export const colors = {
  background: '#111217',
  panel: '#181b1f',
  border: '#2c3235',
  grid: '#2c3235',
  text: '#ccccdc',
  muted: '#8e8e9e',
  error: '#f2495c',
} as const;

/** Grafana's classic palette, one colour per series in order. */
export const palette = [
  '#73bf69',
  '#f2cc0c',
  '#8ab8ff',
  '#ff780a',
  '#f2495c',
  '#5794f2',
  '#b877d9',
  '#705da0',
  '#37872d',
  '#fade2a',
] as const;

/** The colour of the `index`th series. */
export function seriesColor(index: number): string {
  return palette[index % palette.length] ?? palette[0];
}

/**
 * `text` safe inside an SVG element or a quoted attribute: `& < > " '` escaped, and characters XML
 * 1.0 forbids (most control characters, unpaired surrogates) dropped.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** About how wide a character of a sans-serif font is, relative to its size. */
const charWidth = 0.6;

/** `text` cut with an ellipsis to fit `width` pixels at `size`. */
export function fit(text: string, width: number, size: number): string {
  const chars = Math.max(1, Math.floor(width / (size * charWidth)));
  const all = [...text];
  return all.length <= chars ? text : `${all.slice(0, Math.max(0, chars - 1)).join('')}…`;
}

/** The font size at which `text` fills `width`, at most `max`. */
export function sizeToFit(text: string, width: number, max: number): number {
  return Math.max(8, Math.min(max, Math.floor(width / (Math.max(1, [...text].length) * charWidth))));
}

/** Rounds a coordinate to a tenth of a pixel, which keeps the file short. */
export function px(value: number): number {
  return Math.round(value * 10) / 10;
}

/** What {@link text} may set besides the position. */
export interface TextStyle {
  size?: number;
  fill?: string;
  weight?: 'bold';
  anchor?: 'start' | 'middle' | 'end';
}

/** A `<text>` element; its content is escaped here. */
export function text(x: number, y: number, content: string, style: TextStyle = {}): string {
  const { size = 12, fill = colors.text, weight, anchor = 'start' } = style;
  const bold = weight ? ` font-weight="${weight}"` : '';
  const anchored = anchor === 'start' ? '' : ` text-anchor="${anchor}"`;
  return `<text x="${px(x)}" y="${px(y)}" font-size="${size}" fill="${fill}"${bold}${anchored}>${escapeXml(content)}</text>`;
}

/** A `<rect>`; `extra` is raw attributes. */
export function rect(box: Box, fill: string, extra = ''): string {
  return `<rect x="${px(box.x)}" y="${px(box.y)}" width="${px(Math.max(0, box.w))}" height="${px(Math.max(0, box.h))}" fill="${fill}"${extra ? ` ${extra}` : ''}/>`;
}

/** A thin horizontal line across `width` from (`x`, `y`). */
export function hline(x: number, y: number, width: number, stroke: string = colors.grid): string {
  return `<line x1="${px(x)}" y1="${px(y)}" x2="${px(x + width)}" y2="${px(y)}" stroke="${stroke}" stroke-width="1"/>`;
}
