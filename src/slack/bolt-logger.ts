/**
 * Bolt's and its WebClient's logs, written through the product's structured logger: one line per
 * call, `bolt` as the message and Bolt's own words as `text`.
 */
import type { Logger as BoltLogger } from '@slack/bolt';
import { LogLevel } from '@slack/bolt';
import type { Logger } from '../logging';

const order = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];

/** @param level Bolt's lines below it are dropped. @default LogLevel.INFO */
export function boltLogger(logger: Logger, level: LogLevel = LogLevel.INFO): BoltLogger {
  let threshold = level;
  const at =
    (lineLevel: LogLevel, write: Logger['info']) =>
    (...parts: unknown[]): void => {
      if (order.indexOf(lineLevel) < order.indexOf(threshold)) return;
      write('bolt', {
        text: parts.map((part) => (part instanceof Error ? part.message : String(part))).join(' '),
      });
    };
  return {
    debug: at(LogLevel.DEBUG, (m, a) => logger.debug(m, a)),
    info: at(LogLevel.INFO, (m, a) => logger.info(m, a)),
    warn: at(LogLevel.WARN, (m, a) => logger.warn(m, a)),
    error: at(LogLevel.ERROR, (m, a) => logger.error(m, a)),
    setLevel: (next) => {
      threshold = next;
    },
    getLevel: () => threshold,
    setName: () => undefined,
  };
}
