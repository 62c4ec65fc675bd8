/**
 * PromQL in config: a query value is checked at load for what can be checked without Prometheus
 * (not empty, brackets and quotes balanced), and later, where Prometheus 3 is reachable, by its own
 * parser ({@link validateQueries} in ./analysis-config.ts, over `POST /api/v1/parse_query`).
 */
import { z } from 'zod';

const CLOSING: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/**
 * The first syntax problem a parser-free scan finds in `query`: an unbalanced `(`, `[` or `{`, or
 * an unterminated string. Undefined when none (the query may still be invalid PromQL).
 */
export function promqlShapeProblem(query: string): string | undefined {
  const open: { char: string; at: number }[] = [];
  for (let i = 0; i < query.length; i++) {
    const char = query[i] as string;
    if (char === '"' || char === "'" || char === '`') {
      const end = closingQuote(query, i);
      if (end < 0) return `unterminated string starting at position ${i + 1}`;
      i = end;
    } else if (char === '#') {
      const newline = query.indexOf('\n', i);
      i = newline < 0 ? query.length : newline;
    } else if ('([{'.includes(char)) open.push({ char, at: i });
    else if (char in CLOSING) {
      const last = open.pop();
      if (last?.char !== CLOSING[char]) return `unbalanced "${char}" at position ${i + 1}`;
    }
  }
  const unclosed = open.pop();
  return unclosed ? `unclosed "${unclosed.char}" at position ${unclosed.at + 1}` : undefined;
}

/** The index of the quote closing the one at `start` (backslash escapes, except in backticks), or -1. */
function closingQuote(query: string, start: number): number {
  const quote = query[start];
  for (let i = start + 1; i < query.length; i++) {
    if (query[i] === '\\' && quote !== '`') i++;
    else if (query[i] === quote) return i;
  }
  return -1;
}

/** A PromQL query value: trimmed, not empty, of balanced shape. */
export const promql = (def: string) =>
  z
    .string()
    .default(def)
    .transform((q) => q.trim())
    .superRefine((query, ctx) => {
      if (query === '')
        ctx.addIssue({ code: 'custom', message: 'expected a PromQL query, got an empty one' });
      else {
        const problem = promqlShapeProblem(query);
        if (problem) ctx.addIssue({ code: 'custom', message: `not valid PromQL: ${problem}` });
      }
    });
