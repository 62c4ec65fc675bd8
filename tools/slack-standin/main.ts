/**
 * The Slack stand-in as a process, for `make demo` (scripts/demo.sh starts and stops it):
 *
 *   node --import ./tools/sim/kubelet/register.mjs tools/slack-standin/main.ts \
 *     --port 3001 --token xoxb-… --record .lab/slack-standin.jsonl
 *
 * It serves Slack's Web API on 127.0.0.1 (./stand-in.ts) until SIGTERM or SIGINT, and writes every
 * call it answers to the record file, one JSON line each (./record.ts), emptying the file first.
 * Node runs the TypeScript by stripping its types, like the sim kubelet's; the sim kubelet's
 * register.mjs lets the extension-less relative imports resolve.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { recordLine } from './record';
import { SlackStandIn } from './stand-in';

const USAGE = 'usage: main.ts --record <file> [--port <port>] [--token <xoxb-…>]...';

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} slack-standin: ${message}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '3001' },
      token: { type: 'string', multiple: true },
      record: { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: expected a port number, got ${values.port}\n${USAGE}`);
  const record = values.record;
  if (!record) throw new Error(`--record is required\n${USAGE}`);
  writeFileSync(record, '');
  const standIn = await new SlackStandIn({
    port,
    tokens: values.token,
    onCall: (call) => appendFileSync(record, recordLine(call)),
  }).start();
  log(`serving Slack's Web API at ${standIn.apiUrl}; recording every call to ${record}`);
  const stop = () => {
    log('stopping');
    void standIn.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  log(`fatal: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
