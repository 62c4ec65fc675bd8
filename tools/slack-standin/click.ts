/**
 * Clicks a button of a recovery's card the way Slack does: a `block_actions` payload, form-encoded,
 * signed with the app's signing secret (`X-Slack-Signature`, `X-Slack-Request-Timestamp`), posted
 * to the Slack app's Request URL. The secret comes from SLACK_SIGNING_SECRET, as for the app.
 *
 *   SLACK_SIGNING_SECRET=… node --import ./tools/sim/kubelet/register.mjs tools/slack-standin/click.ts \
 *     <approve|reject|acknowledge> <workflow-id> --user <U…> [--app <url>] [--record <file>] [--curl]
 *
 * With --record (the stand-in's), the click names the channel and message of the card that holds
 * the button, as Slack's would. --curl prints the signed request as a curl command instead of
 * sending it (valid for five minutes: the app refuses older timestamps).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseRecord } from './record';
import { conversationOf } from './render';
import { blockActionsPayload, interactionBody, signSlackRequest } from './slack-requests';

const ACTIONS = ['approve', 'reject', 'acknowledge'];
const USAGE = `usage: click.ts <${ACTIONS.join('|')}> <workflow-id> --user <U…> [--app <url>] [--record <file>] [--curl]`;

/** The channel and timestamp of the message holding the button, when the record has it. */
function messageOf(record: string | undefined, workflowId: string, action: string) {
  if (!record) return {};
  const conversation = conversationOf(parseRecord(readFileSync(record, 'utf8')), workflowId);
  const message = action === 'acknowledge' ? conversation.card : conversation.request;
  if (!message) throw new Error(`${record} holds no message with a ${action} button for ${workflowId}`);
  return { channel: String(message.answer.channel), messageTs: String(message.answer.ts) };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      user: { type: 'string' },
      app: { type: 'string', default: 'http://127.0.0.1:3000/slack/events' },
      record: { type: 'string' },
      curl: { type: 'boolean', default: false },
    },
  });
  const [action, workflowId] = positionals;
  const secret = process.env.SLACK_SIGNING_SECRET;
  if (!action || !ACTIONS.includes(action) || !workflowId || !values.user) throw new Error(USAGE);
  if (!secret) throw new Error(`SLACK_SIGNING_SECRET is not set: the app refuses unsigned clicks\n${USAGE}`);
  const payload = blockActionsPayload({
    user: values.user,
    actionId: action,
    value: workflowId,
    ...messageOf(values.record, workflowId, action),
  });
  const body = interactionBody(payload);
  const headers = signSlackRequest(body, secret);
  if (values.curl) {
    const flags = Object.entries(headers).map(([name, value]) => `-H '${name}: ${value}'`);
    // A form-encoded body holds no quote: it is safe inside single quotes.
    process.stdout.write(`curl -sS ${values.app} ${flags.join(' ')} --data '${body}'\n`);
    return;
  }
  process.stdout.write(
    [
      `POST ${values.app}  (block_actions: ${action} on ${workflowId} by ${values.user})`,
      `  X-Slack-Request-Timestamp: ${headers['x-slack-request-timestamp']}`,
      `  X-Slack-Signature: ${headers['x-slack-signature']}  (HMAC-SHA256 of v0:<timestamp>:<body>)`,
      '',
    ].join('\n'),
  );
  const response = await fetch(values.app, { method: 'POST', headers, body });
  const answer = await response.text();
  process.stdout.write(`→ ${response.status} ${response.statusText}${answer ? `: ${answer}` : ''}\n`);
  if (!response.ok) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`click: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
