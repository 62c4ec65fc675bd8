import { ApiException } from '@kubernetes/client-node';

/** HTTP status of a client-node error, if it is one. */
export function errorCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** A short description of an API error for the log (client-node puts the whole response body in it). */
export function describe(error: unknown): string {
  if (error instanceof ApiException) return `HTTP ${error.code}: ${String(error.body).slice(0, 300)}`;
  return error instanceof Error ? error.message : String(error);
}
