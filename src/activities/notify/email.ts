/**
 * Email through SMTP: the one adapter that owns nodemailer. It renders the alert (email-render.ts),
 * sends it to the relay named by a URL, and turns every nodemailer failure into a
 * {@link DeliveryError} classified once, here.
 *
 * TLS: `smtps://` connects with TLS (port 465). `smtp://` with credentials upgrades with STARTTLS
 * when the server offers it. `smtp://` without credentials (a relay on the same host or in the
 * cluster) sets `ignoreTLS`, so a server advertising STARTTLS with a certificate nobody trusts does
 * not break delivery; `smtp://relay:25?requireTLS=true` (or `?ignoreTLS=false`) overrides that,
 * since nodemailer reads options from the URL's query.
 */
import { createTransport } from 'nodemailer';
import type { NodemailerError, SMTPSentMessageInfo } from 'nodemailer';
import type { AlertMessage } from '../../domain/notification';
import type { EmailPort } from '../ports';
import { renderEmail } from './email-render';
import type { DeliveryError } from './errors';
import { deliveryError } from './errors';
import { workflowUiUrl } from './temporal-ui-link';

/** How long the adapter waits on the SMTP server, in milliseconds. */
export interface SmtpTimeouts {
  /** To open the TCP (or TLS) connection. */
  connectionMs: number;
  /** For the server's greeting once connected. */
  greetingMs: number;
  /** Of silence on an open connection. */
  socketMs: number;
}

/** Short enough that an unreachable relay fails the activity well inside its timeout. */
export const DefaultSmtpTimeouts: SmtpTimeouts = {
  connectionMs: 10_000,
  greetingMs: 10_000,
  socketMs: 30_000,
};

/** Options for {@link createEmailAdapter}. */
export interface EmailAdapterOptions {
  /** `smtp://host:port`, `smtp://user:pass@host:587` or `smtps://user:pass@host:465`. Never logged. */
  smtpUrl: string;
  /** The sender, e.g. `self-healing@example.com` or `Self-healing <self-healing@example.com>`. */
  from: string;
  /** The Temporal Web UI, e.g. `http://localhost:8233`. */
  uiBaseUrl: string;
  /** The Temporal namespace the recoveries run in, for the UI link. */
  namespace: string;
  /** @default DefaultSmtpTimeouts */
  timeouts?: Partial<SmtpTimeouts>;
}

const CHANNEL = 'email';

/**
 * A plain address (`oncall@example.com`). Stricter than nodemailer, which reads `a b@example.com`
 * as the name `a` and the address `b@example.com` and would mail someone else.
 */
const plainAddress = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/;

/** Nodemailer codes of a connection that failed or ended; anything else is the request's fault. */
const transientCodes: ReadonlySet<string> = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS']);

/**
 * Node's codes for a certificate the client does not trust (expired, self-signed, wrong name):
 * nodemailer reports them as ESOCKET, but only the relay's operator or our config can fix them.
 */
const certificateProblem = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

/**
 * Builds the {@link EmailPort} over one SMTP transport (a connection per message: alerts are rare).
 * @throws Error naming the problem (never the URL, which may hold a password) when `smtpUrl` is not an smtp(s) URL.
 */
export function createEmailAdapter(options: EmailAdapterOptions): EmailPort {
  const server = smtpServerLabel(options.smtpUrl);
  const timeouts = { ...DefaultSmtpTimeouts, ...options.timeouts };
  const transport = createTransport({
    url: options.smtpUrl,
    ignoreTLS: server.plainWithoutCredentials,
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
  });
  return {
    async send(to: string[], message: AlertMessage): Promise<string> {
      checkRecipients(to);
      const email = renderEmail(
        message,
        workflowUiUrl(options.uiBaseUrl, options.namespace, message.workflowId),
      );
      let info: SMTPSentMessageInfo;
      try {
        info = await transport.sendMail({ from: options.from, to, ...email });
      } catch (error) {
        throw smtpFailure(error, to, server.label);
      }
      if (info.rejected.length > 0) throw partlyRejected(info, to, server.label);
      return info.messageId;
    },
  };
}

/** `host:port` for messages, without the credentials the URL may carry. */
function smtpServerLabel(smtpUrl: string): { label: string; plainWithoutCredentials: boolean } {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new Error(
      'email: the SMTP URL is not a URL (expected smtp://host:port or smtps://user:pass@host:465)',
    );
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`email: the SMTP URL has the scheme ${url.protocol} (expected smtp: or smtps:)`);
  }
  const port = url.port || (url.protocol === 'smtps:' ? '465' : '587');
  return {
    label: `${url.hostname}:${port}`,
    plainWithoutCredentials: url.protocol === 'smtp:' && url.username === '' && url.password === '',
  };
}

function checkRecipients(to: string[]): void {
  if (to.length === 0) {
    throw deliveryError('email: no recipients', { channel: CHANNEL, retryable: false });
  }
  const bad = to.filter((address) => !plainAddress.test(address));
  if (bad.length > 0) {
    const shown = bad.map((address) => JSON.stringify(address)).join(', ');
    throw deliveryError(`email: not an email address: ${shown} (expected name@domain)`, {
      channel: CHANNEL,
      retryable: false,
    });
  }
}

/**
 * The one classification of SMTP failures: a 5xx reply (except 503) is permanent, a 4xx reply
 * says try later; a connection that failed, timed out or broke is retried; authentication, an
 * untrusted certificate and anything the client refused before sending are configuration, not
 * retried.
 */
export function smtpFailure(error: unknown, to: string[], server: string): DeliveryError {
  // Read as a plain object: errors from Node's own realm fail `instanceof Error` under some runners.
  const failure = (typeof error === 'object' && error !== null ? error : {}) as Partial<NodemailerError>;
  const reason = typeof failure.message === 'string' ? failure.message : String(error);
  const text = `email to ${to.join(', ')} via ${server} failed: ${reason}`;
  if (typeof failure.responseCode === 'number') {
    const permanent = failure.permanent ?? failure.responseCode >= 500;
    return deliveryError(text, { channel: CHANNEL, retryable: !permanent }, error);
  }
  const certificate =
    typeof failure.originalCode === 'string' && certificateProblem.test(failure.originalCode);
  const retryable = typeof failure.code === 'string' && transientCodes.has(failure.code) && !certificate;
  return deliveryError(text, { channel: CHANNEL, retryable }, error);
}

/**
 * Some recipients got the message and the server refused others: not retried, since sending
 * again would mail the accepted ones twice; the text names who was refused and why.
 */
function partlyRejected(info: SMTPSentMessageInfo, to: string[], server: string): DeliveryError {
  const answers = info.rejectedErrors?.map((e) => e.response ?? e.message) ?? [];
  const why = answers.length > 0 ? ` (${answers.join('; ')})` : '';
  return deliveryError(
    `email to ${to.join(', ')} via ${server}: the server refused ${info.rejected.join(', ')}${why}; the others got it`,
    { channel: CHANNEL, retryable: false },
  );
}
