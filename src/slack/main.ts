/**
 * Slack app entrypoint: reads the environment, connects to Temporal, listens for clicks on the
 * recovery cards until signalled. A second signal forces the exit.
 */
import { Client, Connection } from '@temporalio/client';
import { connectionOptions } from '../config/connection';
import { loadMetricsEnv } from '../config/metrics-env';
import { loadSlackAppEnv } from '../config/slack-app-env';
import { createMetricsRegistry } from '../metrics/registry';
import { startMetricsEndpoint } from '../metrics/server';
import { slackMetrics } from '../metrics/slack';
import { jsonLogger } from '../logging';
import { createSlackApp } from './app';

async function main(): Promise<void> {
  const env = loadSlackAppEnv(process.env);
  const metricsEnv = loadMetricsEnv(process.env, 'slack');
  const logger = jsonLogger();
  const registry = createMetricsRegistry();
  const metrics = await startMetricsEndpoint(registry, metricsEnv, logger);
  const connection = await Connection.connect(await connectionOptions(env.temporal));
  try {
    const app = createSlackApp({
      signingSecret: env.SLACK_SIGNING_SECRET,
      botToken: env.SLACK_BOT_TOKEN,
      apiUrl: env.SLACK_API_URL,
      approvers: { users: env.SLACK_APPROVERS, groups: env.SLACK_APPROVER_GROUPS },
      temporal: new Client({ connection, namespace: env.temporal.TEMPORAL_NAMESPACE }),
      logger,
      observer: slackMetrics(registry),
      ...(env.SLACK_SOCKET_MODE && env.SLACK_APP_TOKEN
        ? { socketMode: { appToken: env.SLACK_APP_TOKEN } }
        : {}),
    });
    const port = await app.start(env.SLACK_PORT, env.SLACK_HOST);
    logger.info(
      'slack app started',
      env.SLACK_SOCKET_MODE ? { socketMode: true } : { host: env.SLACK_HOST, port },
    );
    await signalled();
    logger.info('slack app stopping');
    await app.stop();
  } finally {
    await connection.close();
    await metrics?.close();
  }
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
function signalled(): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    const onSignal = () => {
      received += 1;
      if (received === 1) resolve();
      else process.exit(1);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`slack: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
