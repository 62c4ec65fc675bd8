/**
 * The Slack app's listeners, one per kind of button on a recovery's card. Each acks first (Slack
 * waits 3 s), ignores a repeated delivery of the same click, checks the clicker against the
 * allowlist, sends the Update to the recovery named by the button's value, and answers the
 * clicker with an ephemeral message. The card itself is the workflow's: it edits it in place once
 * the decision is in its history, so the app never touches it.
 */
import type {
  AllMiddlewareArgs,
  BlockButtonAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import type { WorkflowClient, WorkflowHandle } from '@temporalio/client';
import { escapeText } from '../activities/notify/slack-blocks';
import type { RecoveryStatus } from '../domain';
import type { Logger } from '../logging';
import { errorText } from '../logging';
import { acknowledgeUpdate, approveUpdate } from '../workflows/messages';
import type { ApproverCheck } from './approvers';
import type { RecentKeys } from './recent-keys';
import type { SlackObserver } from './app';
import { explainRefusal } from './refusals';

export interface ListenerDeps {
  workflows: WorkflowClient;
  mayDecide: ApproverCheck;
  /** Clicks handled lately, by trigger ID: Slack may deliver one click more than once. */
  clicks: RecentKeys;
  logger: Logger;
  observer?: Pick<SlackObserver, 'clicked'>;
}

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;
type Listener = (args: ButtonArgs) => Promise<void>;

/** One click on a card's button. */
interface Click {
  user: string;
  workflowId: string;
  /** Where to answer; a click on a message always names it. */
  channel: string | undefined;
  /** The same for every delivery of this click: its trigger ID. */
  key: string;
}

/** What a kind of button does once the clicker may do it. */
interface ButtonKind {
  /** For "you are not allowed to …". */
  verb: string;
  send(handle: WorkflowHandle, by: string, updateId: string): Promise<RecoveryStatus>;
  done(status: RecoveryStatus): string;
}

/** Only recoveries take decisions from Slack, never another workflow named by a button. */
const RECOVERY_ID = /^(node|workload)-recovery\/./;

/** Approve and Reject: the `approve` Update with `by: slack:<user ID>`. */
export function decisionListener(deps: ListenerDeps): Listener {
  return async ({ ack, body, action, client }) => {
    await ack();
    const approved = action.action_id === 'approve';
    await handleClick(deps, client, clickOf(body, action), {
      verb: approved ? 'approve' : 'reject',
      send: (handle, by, updateId) =>
        handle.executeUpdate(approveUpdate, { args: [{ approved, by, reason: 'via Slack' }], updateId }),
      done: (status) =>
        `${approved ? 'Approved' : 'Rejected'}: ${status.pendingApproval?.action ?? 'the pending step'} for ${status.target}. The card will show your decision.`,
    });
  };
}

/** Acknowledge: the `acknowledge` Update; the escalation ladder stops. */
export function acknowledgeListener(deps: ListenerDeps): Listener {
  return async ({ ack, body, action, client }) => {
    await ack();
    await handleClick(deps, client, clickOf(body, action), {
      verb: 'acknowledge',
      send: (handle, by, updateId) =>
        handle.executeUpdate(acknowledgeUpdate, { args: [{ by, note: 'via Slack' }], updateId }),
      done: (status) =>
        `Acknowledged: the recovery of ${status.target} is in your hands; its escalation stops.`,
    });
  };
}

/** "View in Temporal" opens its URL in the browser; Slack still expects the click acked. */
export function linkListener(): Listener {
  return async ({ ack }) => {
    await ack();
  };
}

function clickOf(body: BlockButtonAction, action: ButtonAction): Click {
  return {
    user: body.user.id,
    workflowId: action.value ?? '',
    channel: body.channel?.id ?? body.container?.channel_id,
    key: body.trigger_id || `${body.user.id}/${action.action_ts}`,
  };
}

async function handleClick(
  deps: ListenerDeps,
  client: ButtonArgs['client'],
  click: Click,
  kind: ButtonKind,
): Promise<void> {
  const context = { user: click.user, action: kind.verb, workflowId: click.workflowId };
  if (!deps.clicks.add(click.key)) {
    deps.logger.info('slack click delivered again; ignored', context);
    return;
  }
  const tell = (text: string) => answer(deps.logger, client, click, text);
  const verdict = await deps.mayDecide(click.user);
  if (!verdict.allowed) {
    deps.logger.warn('slack click refused: not an approver', { ...context, why: verdict.why });
    deps.observer?.clicked(kind.verb, 'not_allowed');
    return tell(`You are not allowed to ${kind.verb} recoveries: ${verdict.why}. Nothing was changed.`);
  }
  if (!RECOVERY_ID.test(click.workflowId)) {
    deps.logger.warn('slack click refused: the button names no recovery', context);
    return tell(`That button names no recovery (${JSON.stringify(click.workflowId)}); nothing was changed.`);
  }
  try {
    const handle = deps.workflows.getHandle(click.workflowId);
    const status = await kind.send(handle, `slack:${click.user}`, `slack/${click.key}`);
    deps.logger.info('slack answer sent to the recovery', context);
    deps.observer?.clicked(kind.verb, 'accepted');
    await tell(kind.done(status));
  } catch (error) {
    const refusal = await explainRefusal(deps.workflows, click.workflowId, error);
    if (refusal.transient) deps.clicks.delete(click.key);
    deps.observer?.clicked(kind.verb, 'refused');
    const log = refusal.transient ? deps.logger.warn : deps.logger.info;
    log.call(deps.logger, 'slack answer not taken by the recovery', {
      ...context,
      error: errorText(error),
      answer: refusal.text,
    });
    await tell(refusal.text);
  }
}

/** An ephemeral message only the clicker sees; a failure to send it is logged, not thrown. */
async function answer(
  logger: Logger,
  client: ButtonArgs['client'],
  click: Click,
  text: string,
): Promise<void> {
  if (!click.channel) {
    logger.warn('slack answer not sent: the click names no channel', { user: click.user });
    return;
  }
  try {
    await client.chat.postEphemeral({ channel: click.channel, user: click.user, text: escapeText(text) });
  } catch (error) {
    logger.warn('slack answer not sent', {
      user: click.user,
      channel: click.channel,
      error: errorText(error),
    });
  }
}
