/** CLI entrypoint: `self-healing <command>` (`--help` lists the commands). */
import { Client, Connection } from '@temporalio/client';
import { ConfigError, loadEnv } from '../config/env';
import { connectionOptions } from '../config/connection';
import { osUser, runCli, UsageError } from './cli';

async function main(): Promise<void> {
  const env = loadEnv(process.env);
  // Lazy: `--help` and a bad command line need no server.
  const connection = Connection.lazy(await connectionOptions(env));
  try {
    const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
    await runCli(process.argv.slice(2), {
      client,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      user: osUser(process.env),
    });
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  const known = error instanceof UsageError || error instanceof ConfigError;
  process.stderr.write(`self-healing: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(known ? 2 : 1);
});
