/**
 * The stand-in process's record of what Slack would have received: one JSON line per call, in the
 * order they were answered, appended as they arrive (so a reader may see a partial last line).
 * The bearer token is left out: a record is for showing, and tokens are never written down.
 */
import type { SlackCall } from './stand-in';

/** One call as recorded. */
export interface RecordedCall {
  /** When it was answered, ISO 8601. */
  time: string;
  method: string;
  /** The arguments, JSON-encoded ones (blocks) parsed. */
  args: Record<string, unknown>;
  /** What the stand-in answered (`{ok: true, channel, ts}` for a posted message). */
  answer: Record<string, unknown>;
}

/** The record line of `call`, newline included. */
export function recordLine(call: SlackCall, now: Date = new Date()): string {
  const recorded: RecordedCall = {
    time: now.toISOString(),
    method: call.method,
    args: call.args,
    answer: call.answer,
  };
  return `${JSON.stringify(recorded)}\n`;
}

/** The calls of a record's text; a last line still being written is left out. */
export function parseRecord(text: string): RecordedCall[] {
  const calls: RecordedCall[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      calls.push(JSON.parse(line) as RecordedCall);
    } catch {
      // Only the last line can be incomplete: it is read again next time.
    }
  }
  return calls;
}
