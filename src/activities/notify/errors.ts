/**
 * Notification failures, classified once at each channel's adapter: the delivery loop in the
 * workflow reads `retryable` and `retryAfterSeconds` from the failure's details, never its text.
 */
import { ApplicationFailure } from '@temporalio/common';
import { DeliveryFailedType } from '../../domain';

export const DeliveryErrorType = DeliveryFailedType;

/** What a failed delivery tells its retry loop. */
export interface DeliveryFailureDetails {
  channel: string;
  /** False when retrying cannot help (HTTP 400, an unknown channel, a bad address). */
  retryable: boolean;
  /** The service asked to wait this long (Slack's `Retry-After` on 429). */
  retryAfterSeconds?: number;
}

/** A channel's failure, thrown by adapters: an ApplicationFailure the activity lets through. */
export type DeliveryError = ApplicationFailure;

/**
 * Builds the failure an adapter throws.
 * @param text names the channel, the recipient and the service's answer; never a token.
 */
export function deliveryError(text: string, details: DeliveryFailureDetails, cause?: unknown): DeliveryError {
  return ApplicationFailure.create({
    type: DeliveryErrorType,
    // The workflow's loop decides when to try again; the activity itself is tried once more at most.
    nonRetryable: !details.retryable,
    message: text,
    details: [details],
    ...(cause instanceof Error ? { cause } : {}),
  });
}
