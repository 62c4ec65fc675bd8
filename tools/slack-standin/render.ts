/**
 * Reads a recovery's Slack conversation out of the stand-in's record and renders it as terminal
 * text: the message asking for a decision with its buttons, the card's edits in place, the
 * timeline in its thread and the private answers to clicks. Pure: ./show.ts reads the file.
 */
import type { RecordedCall } from './record';

/** A Block Kit element or block as far as rendering goes; the record holds plain JSON. */
interface Element {
  type?: string;
  text?: string | { text?: string };
  action_id?: string;
  value?: string;
  url?: string;
  style?: string;
}
interface Block {
  type?: string;
  text?: { text?: string };
  fields?: { text?: string }[];
  elements?: Element[];
}

/** What a recovery (one workflow ID) said and was told in Slack. */
export interface Conversation {
  /** The recovery's card: its first message; edits and the thread hang off it. */
  card: RecordedCall | undefined;
  /** The first message with Approve and Reject buttons for the recovery. */
  request: RecordedCall | undefined;
  /** `chat.update`s of the card, oldest first. */
  updates: RecordedCall[];
  /** Replies in the card's thread (the timeline), oldest first. */
  thread: RecordedCall[];
  /** `chat.postEphemeral`s in the card's channel: the answers to clicks. */
  answers: RecordedCall[];
}

function blocksOf(call: RecordedCall): Block[] {
  return Array.isArray(call.args.blocks) ? (call.args.blocks as Block[]) : [];
}

function buttonsOf(call: RecordedCall): Element[] {
  return blocksOf(call).flatMap((block) => (block.type === 'actions' ? (block.elements ?? []) : []));
}

/** Its buttons carry the workflow ID (Approve, Reject, Acknowledge) or link to its page. */
function isAbout(call: RecordedCall, workflowId: string): boolean {
  const page = `/workflows/${encodeURIComponent(workflowId)}`;
  return buttonsOf(call).some((b) => b.value === workflowId || (b.url ?? '').endsWith(page));
}

const answered = (call: RecordedCall) => call.answer.ok === true;

/** The recovery's messages among `calls`. */
export function conversationOf(calls: readonly RecordedCall[], workflowId: string): Conversation {
  const posts = calls.filter(
    (c) => c.method === 'chat.postMessage' && answered(c) && c.args.thread_ts === undefined,
  );
  const mine = posts.filter((c) => isAbout(c, workflowId));
  const card = mine[0];
  const channel = card?.answer.channel;
  const ts = card?.answer.ts;
  const inCard = (c: RecordedCall) => card !== undefined && answered(c) && c.args.channel === channel;
  return {
    card,
    request: mine.find((c) => buttonsOf(c).some((b) => b.action_id === 'approve')),
    updates: calls.filter((c) => c.method === 'chat.update' && inCard(c) && c.args.ts === ts),
    thread: calls.filter((c) => c.method === 'chat.postMessage' && inCard(c) && c.args.thread_ts === ts),
    answers: calls.filter((c) => c.method === 'chat.postEphemeral' && inCard(c)),
  };
}

/**
 * Slack's mrkdwn as a terminal shows it: bold marks dropped, mentions as `@U…`, dates and links as
 * their text, the three escaped characters restored.
 */
export function plainText(mrkdwn: string): string {
  return mrkdwn
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<@([UW][A-Z0-9]+)>/g, '@$1')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function textOf(text: Element['text']): string {
  return typeof text === 'string' ? text : (text?.text ?? '');
}

function buttonLine(button: Element): string {
  const label = `[${textOf(button.text)}]`;
  if (button.url) return `${label}  opens ${button.url}`;
  return `${label}  action_id=${button.action_id ?? '?'} value=${button.value ?? ''}`;
}

/** One block as lines of text. */
function blockLines(block: Block): string[] {
  switch (block.type) {
    case 'header':
      return [textOf(block.text)];
    case 'section':
      return [
        ...(block.fields ?? []).map((f) => plainText(f.text ?? '').replace('\n', ': ')),
        ...(block.text ? plainText(block.text.text ?? '').split('\n') : []),
      ];
    case 'context':
      return (block.elements ?? []).flatMap((e) => plainText(textOf(e.text)).split('\n'));
    case 'actions':
      return (block.elements ?? []).map(buttonLine);
    default:
      return [`(${block.type ?? 'unknown'} block)`];
  }
}

/** A message as Slack would show it: its blocks, or its text when it has none. */
export function messageLines(call: RecordedCall): string[] {
  const blocks = blocksOf(call);
  if (blocks.length === 0) return plainText(String(call.args.text ?? '')).split('\n');
  return blocks.flatMap(blockLines);
}

/** Where a message went, as the poster named it and as Slack identifies it. */
export function whereLine(call: RecordedCall): string {
  const named = String(call.args.channel ?? '?');
  const id = String(call.answer.channel ?? named);
  const ts = String(call.answer.ts ?? call.args.ts ?? call.answer.message_ts ?? '?');
  const to = call.args.user === undefined ? '' : ` to ${String(call.args.user)}`;
  return `${call.method} ${named}${id === named ? '' : ` (${id})`} ts ${ts}${to} at ${call.time}`;
}
