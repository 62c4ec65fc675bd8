import { readFile } from 'node:fs/promises';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Env } from './env';

/** Temporal connection options from the validated environment (mTLS when a client cert is set). */
export async function connectionOptions(env: Env): Promise<NativeConnectionOptions> {
  if (!env.TEMPORAL_TLS_CERT || !env.TEMPORAL_TLS_KEY) return { address: env.TEMPORAL_ADDRESS };
  return {
    address: env.TEMPORAL_ADDRESS,
    tls: {
      clientCertPair: {
        crt: await readFile(env.TEMPORAL_TLS_CERT),
        key: await readFile(env.TEMPORAL_TLS_KEY),
      },
    },
  };
}
