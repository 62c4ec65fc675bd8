/**
 * Kubernetes API failures, classified once at the adapter boundary. Retry policies and workflows
 * read the exported type names; nothing else inspects HTTP status codes.
 */
import { ApplicationFailure } from '@temporalio/common';

export const KubeErrorTypes = {
  /** 403: the product lacks an RBAC permission. Not retryable: a human must grant it. */
  forbidden: 'KubeForbidden',
  /** 422/400: the request itself is invalid. Not retryable. */
  invalid: 'KubeInvalid',
  /** 404: the object is gone. */
  notFound: 'KubeNotFound',
  /** 409 on update: someone changed the object; re-read and retry. */
  conflict: 'KubeConflict',
  /** 429/5xx/network: transient; retry with backoff. */
  unavailable: 'KubeUnavailable',
} as const;

interface ApiLikeError {
  code?: number;
  body?: unknown;
}

/** The HTTP status of an API error from `@kubernetes/client-node`, if it carries one. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as ApiLikeError | null)?.code;
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
}

function messageOf(error: unknown): string {
  const body = (error as ApiLikeError | null)?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      return body.slice(0, 500);
    }
  }
  if (body && typeof body === 'object' && 'message' in body)
    return String((body as { message: unknown }).message);
  return error instanceof Error ? error.message : String(error);
}

/**
 * Maps an error from `@kubernetes/client-node` to an ApplicationFailure naming what failed and why.
 * @param what the operation in RBAC terms, e.g. `patch nodes sim-node-1`.
 */
export function classifyKubeError(error: unknown, what: string): ApplicationFailure {
  const status = statusOf(error);
  const detail = messageOf(error);
  const make = (type: string, nonRetryable: boolean, text: string): ApplicationFailure =>
    ApplicationFailure.create({
      type,
      nonRetryable,
      message: text,
      details: [{ status, what }],
      cause: error as Error,
    });
  switch (status) {
    case 403:
      return make(
        KubeErrorTypes.forbidden,
        true,
        `forbidden: cannot ${what} (grant this verb and resource in RBAC): ${detail}`,
      );
    case 400:
    case 422:
      return make(KubeErrorTypes.invalid, true, `invalid request to ${what}: ${detail}`);
    case 404:
      return make(KubeErrorTypes.notFound, true, `not found: ${what}: ${detail}`);
    case 409:
      return make(KubeErrorTypes.conflict, false, `conflict on ${what}, will re-read and retry: ${detail}`);
    default:
      return make(
        KubeErrorTypes.unavailable,
        false,
        `${what} failed${status ? ` with HTTP ${status}` : ''}, will retry: ${detail}`,
      );
  }
}

/** True when the error is a 404 from the API server. */
export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}
