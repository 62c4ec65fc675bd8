/**
 * Common signatures in a crashed container's log: the lines an SRE would grep for first. Each
 * match keeps the line (trimmed) so the status shows the evidence, not only the verdict.
 */
import type { LogMatch, LogSignature } from '../../domain';

const PATTERNS: readonly [LogSignature, RegExp][] = [
  ['out-of-memory', /out of memory|OutOfMemoryError|cannot allocate memory|heap out of memory|oom-?kill/i],
  ['connection-refused', /connection refused|ECONNREFUSED/i],
  [
    'missing-file',
    /no such file or directory|ENOENT|FileNotFoundException|missing (required )?(config|configuration|secret|file|environment variable)/i,
  ],
  ['permission-denied', /permission denied|EACCES|operation not permitted/i],
  [
    'panic',
    /^panic:|goroutine \d+ \[|Traceback \(most recent call last\)|Exception in thread|uncaught exception|unhandled ?(promise )?rejection|SIGSEGV|stack trace/i,
  ],
];

/** Matches kept per signature, and overall: the status stays small. */
const PER_SIGNATURE = 2;
const OVERALL = 8;
const LINE_LENGTH = 300;

const HOST_PORT = /((?:\d{1,3}\.){3}\d{1,3}|\[[0-9a-f:]+\]|[a-z0-9][a-z0-9.-]*):(\d{2,5})\b/i;

/** The signatures found in `log`, in the order of their lines. */
export function logMatches(log: string | undefined): LogMatch[] {
  if (!log) return [];
  const matches: LogMatch[] = [];
  const counts = new Map<LogSignature, number>();
  for (const raw of log.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    for (const [signature, pattern] of PATTERNS) {
      if (!pattern.test(line) || (counts.get(signature) ?? 0) >= PER_SIGNATURE) continue;
      counts.set(signature, (counts.get(signature) ?? 0) + 1);
      const detail = signature === 'connection-refused' ? HOST_PORT.exec(line)?.[0] : undefined;
      matches.push({ signature, line: line.slice(0, LINE_LENGTH), ...(detail ? { detail } : {}) });
      if (matches.length >= OVERALL) return matches;
    }
  }
  return matches;
}
