/**
 * A recovery's Slack card in Block Kit: what failed, where the recovery stands, what it did, and
 * the buttons a person answers with. Pure: the adapter posts it, the Slack app reads the same
 * action IDs back. Text from the cluster (pod messages, log lines) is escaped, so it can neither
 * mention `@channel` nor forge a link, and every text is cut to Slack's limits.
 */
import type { ActionsBlock, Button, ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { AlertLevel, AlertMessage, DecisionNote } from '../../domain';

/** The card's buttons; the Slack app listens on the same IDs. */
export const SlackActionIds = {
  approve: 'approve',
  reject: 'reject',
  acknowledge: 'acknowledge',
  /** The "View in Temporal" link: Slack still sends its click to the app, which only acks it. */
  openInTemporal: 'open-in-temporal',
} as const;
export type SlackActionId = (typeof SlackActionIds)[keyof typeof SlackActionIds];

/** The block holding the card's buttons. */
export const DECISION_BLOCK_ID = 'decision';

/** Block Kit's limits the card stays within (Slack "Block Kit reference"). */
export const SlackLimits = {
  blocks: 50,
  sectionText: 3000,
  fieldText: 2000,
  headerText: 150,
  contextText: 3000,
  buttonValue: 2000,
  buttonUrl: 3000,
  fallbackText: 3000,
} as const;

/** The newest entries of the recovery's actions the card lists. */
const SHOWN_ACTIONS = 8;

export interface CardOptions {
  /** The Temporal Web UI's base URL, e.g. `http://localhost:8233`. */
  uiBaseUrl: string;
  namespace: string;
}

/** What `chat.postMessage` and `chat.update` take: the blocks and the notification's text. */
export interface RenderedCard {
  text: string;
  blocks: KnownBlock[];
}

const levelEmoji: Record<AlertLevel, string> = {
  info: ':information_source:',
  warning: ':warning:',
  critical: ':rotating_light:',
};

/** Renders the card of a recovery's message; buttons only while a decision is pending. */
export function renderRecoveryCard(message: AlertMessage, opts: CardOptions): RenderedCard {
  const blocks: KnownBlock[] = [
    header(message),
    fields(message),
    ...(message.detail.trim() ? [section(escapeText(message.detail))] : []),
    ...listSection('Evidence', message.evidence, message.evidence.length),
    ...listSection('What was done', message.actions.slice(-SHOWN_ACTIONS), message.actions.length),
    ...humanBlocks(message),
    ...buttons(message, opts),
  ];
  return { text: fallbackText(message), blocks: blocks.slice(0, SlackLimits.blocks) };
}

/** The recovery's page in the Temporal Web UI. */
export function temporalUiUrl(workflowId: string, opts: CardOptions): string {
  const base = opts.uiBaseUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(opts.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Escapes the three characters Slack's mrkdwn gives meaning to (`<@U…>`, `<!channel>`, links). */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts `text` to `max` characters with an ellipsis, never inside an escaped `&…;`. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1).replace(/&[a-z]*$/, '')}…`;
}

/** `slack:U123` as a mention (`<@U123>`); any other name as plain text. */
export function personText(by: string): string {
  const user = /^slack:([UW][A-Z0-9]+)$/.exec(by)?.[1];
  return user ? `<@${user}>` : escapeText(by);
}

function header(message: AlertMessage): HeaderBlock {
  return {
    type: 'header',
    text: {
      type: 'plain_text',
      text: truncate(`${levelEmoji[message.level]} ${message.title}`, SlackLimits.headerText),
      emoji: true,
    },
  };
}

function fields(message: AlertMessage): SectionBlock {
  const field = (name: string, value: string) => ({
    type: 'mrkdwn' as const,
    text: truncate(`*${name}*\n${escapeText(value)}`, SlackLimits.fieldText),
  });
  return {
    type: 'section',
    fields: [
      field('Kind', message.kind),
      field('Target', message.target),
      field('Phase', message.phase),
      field('Step', message.step),
    ],
  };
}

function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SlackLimits.sectionText) } };
}

function context(text: string): ContextBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, SlackLimits.contextText) }] };
}

/**
 * A titled list of the newest `lines` that fit a section; says how many older ones it leaves out.
 * @param total how many lines there are in all (the caller may have passed only the newest).
 */
function listSection(title: string, lines: readonly string[], total: number): SectionBlock[] {
  if (lines.length === 0) return [];
  const budget = SlackLimits.sectionText - title.length - 40;
  const shown: string[] = [];
  let used = 0;
  for (const line of [...lines].reverse()) {
    const item = `• ${truncate(escapeText(line), 500)}`;
    if (used + item.length + 1 > budget) break;
    shown.unshift(item);
    used += item.length + 1;
  }
  const left = total - shown.length;
  const more = left > 0 ? `_…and ${left} earlier_\n` : '';
  return [section(`*${title}*\n${more}${shown.join('\n')}`)];
}

/** What the card says about the people involved: the pending request, the decision, the escalation. */
function humanBlocks(message: AlertMessage): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  const { pendingApproval: pending, decision, escalationLevel } = message;
  if (pending && !decision) {
    blocks.push(section(`*Approval needed:* ${escapeText(pending.action)}: ${escapeText(pending.detail)}`));
  }
  if (decision) blocks.push(context(decisionText(decision)));
  if (escalationLevel !== undefined) blocks.push(context(`Escalation level ${escalationLevel}`));
  if (message.workflowId.length > SlackLimits.buttonValue && !decision && (pending || escalationLevel)) {
    blocks.push(context('The workflow ID is too long for a Slack button: answer with the CLI.'));
  }
  return blocks;
}

function decisionText(decision: DecisionNote): string {
  const seconds = Math.floor(Date.parse(decision.at) / 1000);
  const at = Number.isFinite(seconds)
    ? `<!date^${seconds}^{date_short_pretty} {time}|${escapeText(decision.at)}>`
    : escapeText(decision.at);
  const reason = decision.reason ? `: ${escapeText(decision.reason)}` : '';
  return `${decision.approved ? 'Approved' : 'Rejected'} by ${personText(decision.by)} at ${at}${reason}`;
}

function buttons(message: AlertMessage, opts: CardOptions): ActionsBlock[] {
  const value = message.workflowId;
  const fits = value.length <= SlackLimits.buttonValue;
  const button = (actionId: SlackActionId, text: string, style?: Button['style']): Button => ({
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text },
    value,
    ...(style ? { style } : {}),
  });
  const elements: Button[] = [];
  if (fits && !message.decision && message.pendingApproval) {
    elements.push(button('approve', 'Approve', 'primary'), button('reject', 'Reject', 'danger'));
  } else if (fits && !message.decision && message.escalationLevel !== undefined) {
    elements.push(button('acknowledge', 'Acknowledge'));
  }
  const url = temporalUiUrl(message.workflowId, opts);
  // A cut URL would lead nowhere: a link that does not fit is left out.
  if (url.length <= SlackLimits.buttonUrl) {
    elements.push({
      type: 'button',
      action_id: SlackActionIds.openInTemporal,
      text: { type: 'plain_text', text: 'View in Temporal' },
      url,
    });
  }
  return elements.length > 0 ? [{ type: 'actions', block_id: DECISION_BLOCK_ID, elements }] : [];
}

function fallbackText(message: AlertMessage): string {
  const asks = message.pendingApproval && !message.decision ? ': approval needed' : '';
  const text = `${levelEmoji[message.level]} ${message.title}: ${message.target} is ${message.phase}${asks}`;
  return truncate(escapeText(text), SlackLimits.fallbackText);
}
