import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { createPagerDutyAdapter } from '../../src/activities/notify/pagerduty';
import type { PagerDutyAdapterOptions } from '../../src/activities/notify/pagerduty';
import { deliveryFailureOf, nodeAlert } from '../support/alert-messages';
import type { PagerDutyStandIn } from '../support/pagerduty-standin';
import { startPagerDutyStandIn } from '../support/pagerduty-standin';

const routingKey = 'R0UT1NGKEY0123456789abcdefSECRET';

describe('PagerDuty adapter over the Events API v2 stand-in', () => {
  let pagerDuty: PagerDutyStandIn;

  const adapter = (overrides: Partial<PagerDutyAdapterOptions> = {}) =>
    createPagerDutyAdapter({
      routingKey,
      apiUrl: pagerDuty.url,
      uiBaseUrl: 'http://localhost:8233',
      namespace: 'default',
      ...overrides,
    });

  beforeEach(async () => {
    pagerDuty = await startPagerDutyStandIn();
  });
  afterEach(async () => {
    await pagerDuty.close();
  });

  it('triggers an alert keyed by the workflow ID, then resolves the same alert', async () => {
    const pd = adapter();
    await pd.enqueue('trigger', nodeAlert());
    await pd.enqueue('resolve', nodeAlert({ level: 'info', title: 'Node worker-3 replaced' }));

    const [trigger, resolve] = await pagerDuty.waitForEvents(2);
    expect(trigger).toEqual({
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: 'node-recovery/worker-3',
      payload: {
        summary: 'Node worker-3 is NotReady and cannot be drained (escalation level 2)',
        source: 'self-healing/node/worker-3',
        severity: 'critical',
        component: 'worker-3',
        group: 'node',
        class: 'AwaitingApproval',
        custom_details: expect.objectContaining({
          detail: 'The drain is blocked by PodDisruptionBudget shop/checkout.',
          step: 'replace-node',
          evidence: ['NotReady: kubelet stopped posting node status', 'NotReady: still after 5 minutes'],
          actions: ['cordoned worker-3', 'evicted 12 of 14 pods'],
          escalation_level: 2,
        }),
      },
      links: [
        {
          href: 'http://localhost:8233/namespaces/default/workflows/node-recovery%2Fworker-3',
          text: 'Recovery in Temporal',
        },
      ],
    });
    expect(resolve).toEqual({
      routing_key: routingKey,
      event_action: 'resolve',
      dedup_key: 'node-recovery/worker-3',
    });
  });

  it('maps warning to warning, takes a configured source, and cuts a long summary to 1024 characters', async () => {
    await adapter({ source: 'cluster-eu-1' }).enqueue(
      'trigger',
      nodeAlert({ level: 'warning', title: 'x'.repeat(2000) }),
    );

    const [event] = await pagerDuty.waitForEvents(1);
    expect(event?.payload).toMatchObject({ severity: 'warning', source: 'cluster-eu-1' });
    expect(event?.payload?.summary).toHaveLength(1024);
  });

  it('shortens a workflow ID over 255 characters to the same dedup key on trigger and resolve, unlike a similar ID', async () => {
    const longId = `workload/${'a'.repeat(300)}`;
    const pd = adapter();
    await pd.enqueue('trigger', nodeAlert({ workflowId: longId }));
    await pd.enqueue('resolve', nodeAlert({ workflowId: longId }));
    await pd.enqueue('resolve', nodeAlert({ workflowId: `${longId}b` }));

    const [trigger, resolve, other] = await pagerDuty.waitForEvents(3);
    expect(trigger?.dedup_key).toHaveLength(255);
    expect(resolve?.dedup_key).toBe(trigger?.dedup_key);
    expect(other?.dedup_key).not.toBe(trigger?.dedup_key);
  });

  it('does not retry an event PagerDuty rejects, and says what PagerDuty objected to without the key', async () => {
    const shortKey = 'not-a-32-character-key';
    const failure = await deliveryFailureOf(
      adapter({ routingKey: shortKey }).enqueue('trigger', nodeAlert()),
    );

    expect(failure.details).toEqual({ channel: 'pagerduty', retryable: false });
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(
      `pagerduty trigger for node-recovery/worker-3 at ${pagerDuty.url}/v2/enqueue: HTTP 400`,
    );
    expect(failure.message).toContain("Event object is invalid ('routing_key' must be 32 characters)");
    expect(failure.message).not.toContain(shortKey);
  });

  it('shows <redacted> where PagerDuty quotes the routing key back', async () => {
    pagerDuty.failNext(1, 400, {
      body: {
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: [`unknown key ${routingKey}`],
      },
    });
    const failure = await deliveryFailureOf(adapter().enqueue('trigger', nodeAlert()));

    expect(failure.details).toEqual({ channel: 'pagerduty', retryable: false });
    expect(failure.message).toContain('(unknown key <redacted>)');
    expect(failure.message).not.toContain(routingKey);
  });

  it('retries when rate-limited, after Retry-After or else a minute', async () => {
    pagerDuty.failNext(1, 429);
    pagerDuty.failNext(1, 429, { retryAfter: '120' });
    const first = await deliveryFailureOf(adapter().enqueue('trigger', nodeAlert()));
    const second = await deliveryFailureOf(adapter().enqueue('trigger', nodeAlert()));

    expect(first.details).toEqual({ channel: 'pagerduty', retryable: true, retryAfterSeconds: 60 });
    expect(second.details).toEqual({ channel: 'pagerduty', retryable: true, retryAfterSeconds: 120 });
    expect(first.message).toContain('HTTP 429');
    await adapter().enqueue('trigger', nodeAlert());
    expect(pagerDuty.events).toHaveLength(1);
  });

  it('retries a server error', async () => {
    pagerDuty.failNext(1, 500);
    const failure = await deliveryFailureOf(adapter().enqueue('resolve', nodeAlert()));

    expect(failure.details).toEqual({ channel: 'pagerduty', retryable: true });
    expect(failure.message).toContain('HTTP 500');
    expect(failure.message).not.toContain(routingKey);
  });

  it('retries while PagerDuty is unreachable, and delivers once it is back', async () => {
    const pd = adapter();
    await pagerDuty.goDown();
    const failure = await deliveryFailureOf(pd.enqueue('trigger', nodeAlert()));

    expect(failure.details).toEqual({ channel: 'pagerduty', retryable: true });
    expect(failure.message).toContain(`at ${pagerDuty.url}/v2/enqueue: no answer`);
    expect(failure.message).toContain('ECONNREFUSED');
    expect(failure.message).not.toContain(routingKey);

    await pagerDuty.comeBack();
    await pd.enqueue('trigger', nodeAlert());
    expect(await pagerDuty.waitForEvents(1)).toHaveLength(1);
  });

  it('retries when PagerDuty accepts the connection but never answers in time', async () => {
    const silent = await silentServer();
    try {
      const failure = await deliveryFailureOf(
        adapter({ apiUrl: `http://127.0.0.1:${silent.port}`, timeoutMs: 300 }).enqueue(
          'trigger',
          nodeAlert(),
        ),
      );
      expect(failure.details).toEqual({ channel: 'pagerduty', retryable: true });
      expect(failure.message).toContain('no answer within 0.3 s');
    } finally {
      await silent.close();
    }
  });
});

/** A TCP server that reads requests and never answers. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
