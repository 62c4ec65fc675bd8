/**
 * The structured logger the detector, the config source and the worker's process write to. Small
 * on purpose: Temporal's `DefaultLogger` and most JSON loggers fit it, and tests pass a recording one.
 */

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

/** Discards everything; the default where a caller gives no logger and expects silence (tests). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * One JSON object per line (`{"time","level","message",...attributes}`), the format log
 * collectors in a cluster parse without configuration.
 * @param write where lines go; stderr by default so stdout stays free for tools.
 * @param minLevel lines below it are dropped. @default 'info'
 */
export function jsonLogger(
  write: (line: string) => void = (line) => process.stderr.write(line),
  minLevel: LogLevel = 'info',
): Logger {
  const threshold = LogLevels.indexOf(minLevel);
  const at =
    (level: LogLevel) =>
    (message: string, attributes: LogAttributes = {}): void => {
      if (LogLevels.indexOf(level) < threshold) return;
      // An attribute named like one of the line's own fields cannot overwrite it.
      const { time: _time, level: _level, message: _message, ...rest } = serializable(attributes);
      write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...rest })}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Errors stringify to `{}`; keep their name and message instead. */
function serializable(attributes: LogAttributes): LogAttributes {
  const out: LogAttributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message } : value;
  }
  return out;
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
