/**
 * Temporal connection options from the validated environment: plain on the local lab; TLS with a
 * client certificate (mTLS), a private CA and a server name; or an API key (Temporal Cloud), which
 * implies TLS.
 */
import { readFile } from 'node:fs/promises';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Env } from './env';

export async function connectionOptions(env: Env): Promise<NativeConnectionOptions> {
  const { TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: apiKey } = env;
  const tls = await tlsOptions(env);
  return { address, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}) };
}

async function tlsOptions(env: Env): Promise<NativeConnectionOptions['tls']> {
  const clientCert = env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY;
  if (!clientCert && !env.TEMPORAL_TLS_CA && !env.TEMPORAL_TLS_SERVER_NAME && !env.TEMPORAL_API_KEY)
    return undefined;
  return {
    ...(env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY
      ? {
          clientCertPair: {
            crt: await readFile(env.TEMPORAL_TLS_CERT),
            key: await readFile(env.TEMPORAL_TLS_KEY),
          },
        }
      : {}),
    ...(env.TEMPORAL_TLS_CA ? { serverRootCACertificate: await readFile(env.TEMPORAL_TLS_CA) } : {}),
    ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
  };
}
