/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that keeps what it receives, for the email
 * adapter's tests. Plain SMTP and no AUTH; STARTTLS (with smtp-server's built-in certificate, whose
 * key is public) only when a test asks for it.
 */
import type { AddressInfo } from 'node:net';
import type {
  SMTPServerAddress,
  SMTPServerDataStream,
  SMTPServerError,
  SMTPServerSession,
} from 'smtp-server';
import { SMTPServer } from 'smtp-server';
import { parseMail } from './mime';
import type { ParsedMail } from './mime';
import { waitForCount } from './wait-for-count';

/** One message as the server received it. */
export interface ReceivedMail extends ParsedMail {
  /** The envelope's MAIL FROM. */
  from: string;
  /** The envelope's RCPT TO addresses. */
  to: string[];
  /** The message as sent, headers and body. */
  raw: string;
}

export interface SmtpReceiver {
  readonly port: number;
  /** `smtp://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every message received so far, in order. */
  readonly messages: ReceivedMail[];
  /** Resolves with the first `count` messages once received; rejects after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export interface SmtpReceiverOptions {
  /**
   * Advertise STARTTLS with smtp-server's built-in certificate, which no client trusts: a relay
   * whose TLS would break a client that insists on upgrading.
   */
  offerStartTls?: boolean;
  /** Recipients the server refuses with `550 mailbox unavailable`, as a relay does unknown ones. */
  refuse?: (address: string) => boolean;
}

/** Starts a receiver on a free port of 127.0.0.1. */
export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: options.offerStartTls ? ['AUTH'] : ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(
      address: SMTPServerAddress,
      _session: SMTPServerSession,
      callback: (err?: Error | null) => void,
    ) {
      if (!options.refuse?.(address.address)) return callback();
      const refusal: SMTPServerError = new Error(`mailbox unavailable: ${address.address}`);
      refusal.responseCode = 550;
      callback(refusal);
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const { mailFrom, rcptTo } = session.envelope;
        messages.push({
          ...parseMail(raw),
          from: mailFrom ? mailFrom.address : '',
          to: rcptTo.map((rcpt) => rcpt.address),
          raw,
        });
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitForMessages: (count, timeoutMs = 10_000) =>
      waitForCount(messages, count, waiters, timeoutMs, 'SMTP receiver: messages'),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
