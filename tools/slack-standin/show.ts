/**
 * Prints part of a recovery's Slack conversation from the stand-in's record (./render.ts):
 *
 *   node --import ./tools/sim/kubelet/register.mjs tools/slack-standin/show.ts \
 *     <record> <workflow-id> <request|card|updates|thread|answers> [--wait-for <text>] [--timeout <s>] [--last]
 *
 * With --wait-for it first waits until that part holds the text (any message, when the text is
 * empty), and fails after the timeout (default 60 s) printing what the record holds. With --last it
 * prints the part's newest message only (the card as it stands after its edits, say).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { RecordedCall } from './record';
import { parseRecord } from './record';
import { conversationOf, messageLines, whereLine } from './render';

const PARTS = ['request', 'card', 'updates', 'thread', 'answers'] as const;
type Part = (typeof PARTS)[number];
const USAGE = `usage: show.ts <record> <workflow-id> <${PARTS.join('|')}> [--wait-for <text>] [--timeout <s>] [--last]`;

function partOf(record: string, workflowId: string, part: Part, last: boolean): RecordedCall[] {
  const conversation = conversationOf(parseRecord(readFileSync(record, 'utf8')), workflowId);
  const found = conversation[part];
  const calls = Array.isArray(found) ? found : found ? [found] : [];
  return last ? calls.slice(-1) : calls;
}

function rendered(calls: readonly RecordedCall[]): string {
  return calls
    .map((call) => [whereLine(call), ...messageLines(call).map((line) => `  │ ${line}`)].join('\n'))
    .join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'wait-for': { type: 'string' },
      timeout: { type: 'string', default: '60' },
      last: { type: 'boolean', default: false },
    },
  });
  const [record, workflowId, part] = positionals;
  if (!record || !workflowId || !(PARTS as readonly string[]).includes(part ?? '')) throw new Error(USAGE);
  const wanted = values['wait-for'];
  const deadline = Date.now() + Number(values.timeout) * 1000;
  let text = rendered(partOf(record, workflowId, part as Part, values.last));
  while (wanted !== undefined && !(text !== '' && text.includes(wanted))) {
    if (Date.now() > deadline)
      throw new Error(
        `no ${part} of ${workflowId} with "${wanted}" in ${record} within ${values.timeout} s; it holds:\n${text}`,
      );
    await sleep(500);
    text = rendered(partOf(record, workflowId, part as Part, values.last));
  }
  if (text) process.stdout.write(`${text}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`show: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
