/**
 * The structured logger the detector, the config source and the worker's process write to. Small
 * on purpose: Temporal's `DefaultLogger` and most JSON loggers fit it, and tests pass a recording one.
 * {@link jsonLogger} is pino underneath, with secrets redacted before a line is written.
 */
import pino from 'pino';

/** Key/value context of a log line. */
export type LogAttributes = Record<string, unknown>;

/** A structured logger: a fixed message plus attributes, never interpolated strings. */
export interface Logger {
  debug(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
}

/** Severities in increasing order; {@link jsonLogger} drops lines below its level. */
export const LogLevels = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LogLevels)[number];

/** What a redacted value is written as. */
export const REDACTED = '[Redacted]';

/** Discards everything; the default where a caller gives no logger and expects silence (tests). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * One JSON object per line (`{"level","time","message",...attributes}`, `time` in ISO-8601 and
 * `level` by name), the format log collectors in a cluster parse without configuration. Attributes
 * whose key names a secret, and Slack tokens, `Bearer` credentials and passwords in URLs inside any
 * string, are written as `[Redacted]`, however deep they sit.
 * @param write where lines go, synchronously; stderr by default so stdout stays free for tools.
 * @param minLevel lines below it are dropped. @default 'info'
 */
export function jsonLogger(
  write: (line: string) => void = (line) => process.stderr.write(line),
  minLevel: LogLevel = 'info',
): Logger {
  const base = pino(
    {
      level: minLevel,
      base: undefined,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // A plain stream over `write`: no worker thread, no buffering, so a line is out before exit.
    { write },
  );
  const at =
    (level: LogLevel) =>
    (message: string, attributes: LogAttributes = {}): void => {
      if (!base.isLevelEnabled(level)) return;
      // An attribute named like one of the line's own fields cannot overwrite it.
      const { time: _time, level: _level, message: _message, ...rest } = attributes;
      base[level](redacted(rest) as LogAttributes, redactText(message));
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Keys whose values are credentials, whatever their case or nesting. */
const SECRET_KEY =
  /token|secret|passw(or)?d|pwd|api[-_]?key|authori[sz]ation|routing[-_]?key|signing|cookie|credential|private[-_]?key/i;

/** Credentials recognisable by their shape, wherever they appear in a string. */
const SECRET_TEXT: readonly [RegExp, string][] = [
  // Slack bot, user, app-level, refresh and configuration tokens.
  [/\bxox[a-z]-[A-Za-z0-9-]+/g, REDACTED],
  [/\bxapp-[A-Za-z0-9-]+/g, REDACTED],
  [/\b(Bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1 ${REDACTED}`],
  // smtp://user:password@host and the like.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"]+):[^\s/@"]+@/gi, `$1:${REDACTED}@`],
];

/** `text` with every credential {@link SECRET_TEXT} recognises replaced. */
export function redactText(text: string): string {
  return SECRET_TEXT.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** Past this depth, values are cut: a log line is not a heap dump. */
const MAX_DEPTH = 8;

/**
 * A copy of `value` safe to log: secrets redacted by key and by shape, Errors kept as their name
 * and message (they stringify to `{}`), cycles and deep nesting cut.
 */
export function redacted(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  try {
    if (value instanceof Error) return errorFields(value, depth, seen);
    if (Array.isArray(value)) return value.map((item) => redacted(item, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) ? REDACTED : redacted(item, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

function errorFields(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: redactText(error.message),
    ...(code === undefined ? {} : { code: redacted(code, depth + 1, seen) }),
    ...(error.cause === undefined ? {} : { cause: redacted(error.cause, depth + 1, seen) }),
  };
}

/** A one-line description of any error, for logs. */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code =
      (error as { code?: unknown; statusCode?: unknown }).code ??
      (error as { statusCode?: unknown }).statusCode;
    return code === undefined
      ? `${error.name}: ${error.message}`
      : `${error.name} (${String(code)}): ${error.message}`;
  }
  return String(error);
}
