/**
 * Just enough MIME to read what nodemailer sends in the tests: headers (unfolded, encoded words
 * decoded), a multipart/alternative body split into its parts, and quoted-printable or base64
 * decoded to UTF-8 text. Not a general parser: one level of multipart, no attachments.
 */

/** A decoded message. */
export interface ParsedMail {
  headers: Map<string, string>;
  subject: string;
  /** The text/plain part (or the whole body of a single-part text message). */
  text: string;
  /** The text/html part, if any. */
  html?: string;
}

/** Parses a raw RFC 5322 message as nodemailer writes it. */
export function parseMail(raw: string): ParsedMail {
  const { headers, body } = splitHeaders(raw);
  const subject = decodeWords(headers.get('subject') ?? '');
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.toLowerCase().startsWith('multipart/') || !boundary) {
    return { headers, subject, text: decodeBody(body, headers.get('content-transfer-encoding')) };
  }
  const parts = body
    .split(`--${boundary}`)
    .slice(1)
    .filter((part) => !part.startsWith('--'))
    .map((part) => splitHeaders(part.replace(/^\r?\n/, '')));
  const find = (mime: string) => parts.find((p) => (p.headers.get('content-type') ?? '').startsWith(mime));
  const text = find('text/plain');
  const html = find('text/html');
  return {
    headers,
    subject,
    text: text ? decodeBody(text.body, text.headers.get('content-transfer-encoding')) : '',
    ...(html ? { html: decodeBody(html.body, html.headers.get('content-transfer-encoding')) } : {}),
  };
}

function splitHeaders(raw: string): { headers: Map<string, string>; body: string } {
  const normalized = raw.replace(/\r\n/g, '\n');
  const end = normalized.indexOf('\n\n');
  const head = end === -1 ? normalized : normalized.slice(0, end);
  const body = end === -1 ? '' : normalized.slice(end + 2);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string | undefined): string {
  const trimmed = body.replace(/\n$/, '');
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'quoted-printable':
      return decodeQuotedPrintable(trimmed);
    case 'base64':
      return Buffer.from(trimmed.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      return trimmed;
  }
}

function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`), as nodemailer writes non-ASCII headers. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?[^?]+\?([QB])\?([^?]*)\?=/gi, (_match, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}
