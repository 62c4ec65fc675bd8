/**
 * The Slack app: people approve, reject and acknowledge recoveries from the buttons on their
 * cards. Bolt's App routes the clicks to the listeners (./listeners.ts); over HTTP its
 * HTTPReceiver sits behind the request guard (./request-guard.ts), which adds replay protection
 * and strict refusals to Bolt's signature check. Socket Mode is the alternative for a cluster
 * without a public URL: Slack is then reached over a WebSocket opened with the app-level token,
 * and requests are neither signed nor replayable from outside.
 *
 * The bot token is checked once at start-up (`auth.test`); Bolt is then given the bot's IDs, so it
 * never calls `auth.test` again (with `tokenVerificationEnabled: false` and no IDs it would call
 * it before every click, and by default it calls it in its constructor without awaiting it).
 */
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebClientOptions } from '@slack/web-api';
import { LogLevel, WebClient } from '@slack/web-api';
import type { Receiver } from '@slack/bolt';
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import { SlackActionIds } from '../activities/notify/slack-blocks';
import type { Logger } from '../logging';
import { errorText } from '../logging';
import { createApproverCheck } from './approvers';
import { boltLogger } from './bolt-logger';
import { acknowledgeListener, decisionListener, linkListener } from './listeners';
import { RecentKeys } from './recent-keys';
import { guardSlackRequests } from './request-guard';

/** Where Slack posts interactions (the app's Request URL is `https://<host>/slack/events`). */
export const SLACK_ENDPOINTS = ['/slack/events', '/slack/actions'] as const;

/** A click's payload is a few KiB; anything much larger is not Slack's. */
const BODY_LIMIT = 64 * 1024;
/** Slack retries a delivery within minutes; a click is remembered longer than that. */
const CLICK_MEMORY_MS = 15 * 60 * 1000;

export interface SlackAppDeps {
  signingSecret: string;
  /** The bot token (`xoxb-…`); never logged. */
  botToken: string;
  /** Slack's Web API base URL (a stand-in's in tests). */
  apiUrl: string;
  /** Who may answer: user IDs, and user groups whose members may. */
  approvers: { users: readonly string[]; groups: readonly string[] };
  /** The Temporal client the Updates go through. */
  temporal: Client;
  logger: Logger;
  /** Receive over Socket Mode with this app-level token (`xapp-…`) instead of HTTP. */
  socketMode?: { appToken: string };
  /** Milliseconds since the epoch, for request freshness and caches. @default Date.now */
  now?: () => number;
  /** Told about every refused request and every click's result (the app's metrics). */
  observer?: SlackObserver;
}

export interface SlackObserver {
  /** A request refused before Bolt saw it, with its HTTP status. */
  refused(status: number): void;
  /** A click taken (`accepted`) or not (`not_allowed`, `refused`: the recovery did not take it). */
  clicked(action: string, result: 'accepted' | 'not_allowed' | 'refused'): void;
}

export interface SlackApp {
  /**
   * Checks the bot token, then listens on `host:port` (HTTP; port 0 picks a free one) or connects
   * (Socket Mode). @returns the port it listens on (0 in Socket Mode).
   * @throws Error naming SLACK_BOT_TOKEN and Slack's answer when the token is refused.
   */
  start(port: number, host?: string): Promise<number>;
  /** Stops listening (or disconnects). */
  stop(): Promise<void>;
}

export function createSlackApp(deps: SlackAppDeps): SlackApp {
  const clientOptions: WebClientOptions = {
    slackApiUrl: deps.apiUrl,
    // An answer to a click is worth little after a few seconds: one retry, no 429 waits.
    retryConfig: { retries: 1 },
    rejectRateLimitedCalls: true,
    timeout: 5000,
    logLevel: LogLevel.ERROR,
  };
  let server: Server | undefined;
  let app: App | undefined;

  return {
    async start(port, host = '127.0.0.1') {
      const bot = await botIdentity(deps.botToken, clientOptions);
      const receiver = createReceiver(deps, clientOptions);
      app = new App({
        token: deps.botToken,
        botId: bot.botId,
        botUserId: bot.userId,
        tokenVerificationEnabled: false,
        receiver,
        clientOptions,
        logger: boltLogger(deps.logger),
        convoStore: false,
      });
      registerListeners(app, deps);
      if (!(receiver instanceof HTTPReceiver)) {
        await app.start();
        return 0;
      }
      const guarded = guardSlackRequests(
        {
          signingSecret: deps.signingSecret,
          endpoints: SLACK_ENDPOINTS,
          actionIds: new Set(Object.values(SlackActionIds)),
          bodyLimit: BODY_LIMIT,
          logger: deps.logger,
          ...(deps.now ? { now: deps.now } : {}),
          ...(deps.observer ? { onRefused: (status: number) => deps.observer?.refused(status) } : {}),
        },
        (req, res) => receiver.requestListener(req, res),
      );
      server = createServer(guarded);
      await new Promise<void>((resolve, reject) => {
        server?.once('error', reject).listen(port, host, () => resolve());
      });
      return (server.address() as AddressInfo).port;
    },
    async stop() {
      const running = server;
      server = undefined;
      if (running) {
        // Requests in flight are answered (an ack is immediate); idle keep-alive connections close.
        await new Promise<void>((resolve) => {
          running.close(() => resolve());
          running.closeIdleConnections();
        });
      } else if (app && deps.socketMode) {
        await app.stop();
      }
      app = undefined;
    },
  };
}

function createReceiver(deps: SlackAppDeps, clientOptions: WebClientOptions): Receiver {
  if (deps.socketMode) {
    return new SocketModeReceiver({
      appToken: deps.socketMode.appToken,
      logger: boltLogger(deps.logger),
      installerOptions: { clientOptions },
    });
  }
  return new HTTPReceiver({
    signingSecret: deps.signingSecret,
    endpoints: [...SLACK_ENDPOINTS],
    logger: boltLogger(deps.logger),
    bodyLimit: BODY_LIMIT,
  });
}

function registerListeners(app: App, deps: SlackAppDeps): void {
  const listenerDeps = {
    workflows: deps.temporal.workflow,
    mayDecide: createApproverCheck({
      users: deps.approvers.users,
      groups: deps.approvers.groups,
      listMembers: async (usergroup) => (await app.client.usergroups.users.list({ usergroup })).users ?? [],
      logger: deps.logger,
      ...(deps.now ? { now: deps.now } : {}),
    }),
    clicks: new RecentKeys(CLICK_MEMORY_MS, deps.now),
    logger: deps.logger,
    ...(deps.observer ? { observer: deps.observer } : {}),
  };
  const decide = decisionListener(listenerDeps);
  app.action(SlackActionIds.approve, decide);
  app.action(SlackActionIds.reject, decide);
  app.action(SlackActionIds.acknowledge, acknowledgeListener(listenerDeps));
  app.action(SlackActionIds.openInTemporal, linkListener());
}

/** The bot's user and bot IDs, through `auth.test`. */
async function botIdentity(
  token: string,
  clientOptions: WebClientOptions,
): Promise<{ userId: string; botId: string }> {
  try {
    const result = await new WebClient(token, clientOptions).auth.test();
    if (!result.user_id || !result.bot_id)
      throw new Error('auth.test answered no bot ID: the token is not a bot token');
    return { userId: result.user_id, botId: result.bot_id };
  } catch (error) {
    throw new Error(
      `Slack did not confirm SLACK_BOT_TOKEN (auth.test at ${clientOptions.slackApiUrl}): ${errorText(error)}`,
    );
  }
}
