import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { createEmailAdapter } from '../../src/activities/notify/email';
import type { EmailAdapterOptions } from '../../src/activities/notify/email';
import { deliveryFailureOf, nodeAlert } from '../support/alert-messages';
import type { SmtpReceiver } from '../support/smtp-receiver';
import { startSmtpReceiver } from '../support/smtp-receiver';

const quick = { connectionMs: 2_000, greetingMs: 2_000, socketMs: 5_000 };

function adapter(smtpUrl: string, overrides: Partial<EmailAdapterOptions> = {}) {
  return createEmailAdapter({
    smtpUrl,
    from: 'Self-healing <self-healing@example.com>',
    uiBaseUrl: 'http://temporal-ui.example:8080/',
    namespace: 'prod',
    timeouts: quick,
    ...overrides,
  });
}

/** A port on 127.0.0.1 nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('email adapter over a real SMTP server', () => {
  let receiver: SmtpReceiver;

  beforeEach(async () => {
    receiver = await startSmtpReceiver({ refuse: (address) => address.startsWith('nobody@') });
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('mails every recipient the level and escalation in the subject, the story in the body and a link to the workflow', async () => {
    const messageId = await adapter(receiver.url).send(
      ['oncall@example.com', 'lead@example.com'],
      nodeAlert(),
    );

    const [mail] = await receiver.waitForMessages(1);
    expect(mail?.from).toBe('self-healing@example.com');
    expect(mail?.to).toEqual(['oncall@example.com', 'lead@example.com']);
    expect(mail?.headers.get('message-id')).toBe(messageId);
    expect(mail?.subject).toBe(
      '[CRITICAL] Node worker-3 is NotReady and cannot be drained (escalation level 2)',
    );
    const link = 'http://temporal-ui.example:8080/namespaces/prod/workflows/node-recovery%2Fworker-3';
    for (const body of [mail?.text, mail?.html]) {
      expect(body).toContain('node worker-3');
      expect(body).toContain('phase AwaitingApproval, step replace-node');
      expect(body).toContain('The drain is blocked by PodDisruptionBudget shop/checkout.');
      expect(body).toContain('NotReady: kubelet stopped posting node status');
      expect(body).toContain('evicted 12 of 14 pods');
      expect(body).toContain('replace-node: Replace worker-3 with a new node');
      expect(body).toContain(link);
    }
  });

  it('shows a decision once taken, without the escalation, and escapes markup in the HTML part', async () => {
    const decided = nodeAlert({
      level: 'info',
      title: 'Node worker-3 replaced',
      detail: 'pod <script>alert(1)</script> evicted',
      pendingApproval: undefined,
      escalationLevel: undefined,
      decision: { approved: true, by: 'alice', at: '2026-03-01T10:07:00.000Z', reason: 'hardware fault' },
    });
    await adapter(receiver.url).send(['oncall@example.com'], decided);

    const [mail] = await receiver.waitForMessages(1);
    expect(mail?.subject).toBe('[INFO] Node worker-3 replaced');
    expect(mail?.text).toContain('Decision: approved by alice at 2026-03-01T10:07:00.000Z: hardware fault');
    expect(mail?.text).not.toContain('Waiting for your decision');
    expect(mail?.html).toContain('pod &lt;script&gt;alert(1)&lt;/script&gt; evicted');
    expect(mail?.html).not.toContain('<script>');
  });

  it('fails retryably, naming the host and port, when no SMTP server listens there', async () => {
    const port = await closedPort();
    const failure = await deliveryFailureOf(
      adapter(`smtp://relay-user:s3cret-pass@127.0.0.1:${port}`).send(['oncall@example.com'], nodeAlert()),
    );

    expect(failure.details).toEqual({ channel: 'email', retryable: true });
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain(`via 127.0.0.1:${port}`);
    expect(failure.message).toContain('ECONNREFUSED');
    expect(failure.message).not.toContain('s3cret-pass');
  });

  it('refuses an address that is not name@domain without retrying, and sends nothing', async () => {
    const failure = await deliveryFailureOf(
      adapter(receiver.url).send(['oncall@example.com', 'on call@example.com'], nodeAlert()),
    );

    expect(failure.details).toEqual({ channel: 'email', retryable: false });
    expect(failure.message).toContain('"on call@example.com"');
    expect(receiver.messages).toHaveLength(0);
  });

  it('does not retry a recipient the server refuses, and names it with the server answer', async () => {
    const failure = await deliveryFailureOf(adapter(receiver.url).send(['nobody@example.com'], nodeAlert()));

    expect(failure.details).toEqual({ channel: 'email', retryable: false });
    expect(failure.message).toContain('nobody@example.com');
    expect(failure.message).toContain('550');
  });

  it('does not retry when the server refuses some recipients, since the others already have the mail', async () => {
    const failure = await deliveryFailureOf(
      adapter(receiver.url).send(['oncall@example.com', 'nobody@example.com'], nodeAlert()),
    );

    expect(failure.details).toEqual({ channel: 'email', retryable: false });
    expect(failure.message).toContain('refused nobody@example.com');
    expect((await receiver.waitForMessages(1))[0]?.to).toEqual(['oncall@example.com']);
  });

  it('sends in plain text to a relay offering STARTTLS with an untrusted certificate unless the URL asks for TLS, which then fails without retry', async () => {
    const relay = await startSmtpReceiver({ offerStartTls: true });
    try {
      await adapter(relay.url).send(['oncall@example.com'], nodeAlert());
      expect(await relay.waitForMessages(1)).toHaveLength(1);

      const failure = await deliveryFailureOf(
        adapter(`${relay.url}?requireTLS=true`).send(['oncall@example.com'], nodeAlert()),
      );
      expect(failure.details).toEqual({ channel: 'email', retryable: false });
      expect(failure.message).toContain(`via 127.0.0.1:${relay.port}`);
      expect(relay.messages).toHaveLength(1);
    } finally {
      await relay.close();
    }
  });
});
