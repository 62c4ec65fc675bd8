/**
 * notification_enabled: an alert reaches the notification channel (today the alert Event on the
 * node) only while notifications are enabled, decided per alert, so a ConfigMap change applies to
 * the next alert of a running recovery.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createEventNotifier } from '../../src/activities/notify/event-notifier';
import type { EventsPort, WorkloadRecoveryPort } from '../../src/activities/ports';
import { defaultRecoveryConfig } from '../../src/config/recovery-config';
import { staticConfigSource } from '../../src/config/config-source';
import type { Alert } from '../../src/domain';

type NodeEvent = Parameters<EventsPort['recordNodeEvent']>[1] & { node: string };

/** Only records Events, and names each `event-<n>`. */
function recordingCluster(
  events: NodeEvent[],
): EventsPort & Pick<WorkloadRecoveryPort, 'recordWorkloadEvent'> {
  return {
    recordNodeEvent: async (node, event) => {
      events.push({ node, ...event });
      return `event-${events.length}`;
    },
    recordWorkloadEvent: async (w, event) => {
      events.push({ node: `${w.kind}/${w.namespace}/${w.name}`, ...event });
      return `event-${events.length}`;
    },
  };
}

const escalation: Alert = {
  severity: 'critical',
  target: 'node-a',
  title: 'Node node-a needs a human',
  detail: 'drain timed out',
  workflowId: 'node-recovery/node-a',
};

/** Runs notify in an activity context and returns the log lines it wrote. */
async function notifyIn(notify: (alert: Alert) => Promise<unknown>, alert: Alert) {
  const lines: { level: LogLevel; message: string; meta?: LogMetadata }[] = [];
  const at =
    (level: LogLevel) =>
    (message: string, meta?: LogMetadata): void => {
      lines.push({ level, message, ...(meta ? { meta } : {}) });
    };
  const logger: Logger = {
    log: (level, message, meta) => at(level)(message, meta),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
  await new MockActivityEnvironment(undefined, { logger }).run(notify, alert);
  return lines;
}

describe('the event notifier and notification_enabled', () => {
  test('enabled (the default): the alert is logged and recorded as a Warning Event on the node', async () => {
    const events: NodeEvent[] = [];
    const notifier = createEventNotifier(recordingCluster(events));
    const lines = await notifyIn(notifier.notify, escalation);
    expect(events).toEqual([
      {
        node: 'node-a',
        type: 'Warning',
        reason: 'SelfHealingEscalated',
        message: 'Node node-a needs a human: drain timed out (workflow node-recovery/node-a)',
      },
    ]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'WARN', message: 'alert' }));
  });

  test('returns where each alert went, so a later message can thread onto it; nothing when disabled', async () => {
    const events: NodeEvent[] = [];
    const env = new MockActivityEnvironment();
    const enabled = createEventNotifier(recordingCluster(events));
    await expect(env.run(enabled.notify, escalation)).resolves.toEqual([
      { channel: 'kubernetes-event', id: 'event-1' },
    ]);
    const disabled = createEventNotifier(recordingCluster(events), { enabled: () => false });
    await expect(env.run(disabled.notify, escalation)).resolves.toEqual([]);
  });

  test('disabled: no alert Event is sent, and the alert stays in the log', async () => {
    const events: NodeEvent[] = [];
    const notifier = createEventNotifier(recordingCluster(events), { enabled: () => false });
    const lines = await notifyIn(notifier.notify, escalation);
    expect(events).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'alert not sent: notification_enabled is false',
        meta: expect.objectContaining({ target: 'node-a', title: 'Node node-a needs a human' }),
      }),
    );
  });

  test('the switch is read per alert: a config change applies to the next alert', async () => {
    const events: NodeEvent[] = [];
    const config = staticConfigSource();
    const notifier = createEventNotifier(recordingCluster(events), {
      enabled: () => config.current().notification_enabled,
    });
    await notifyIn(notifier.notify, escalation);
    config.set({ ...defaultRecoveryConfig, notification_enabled: false });
    await notifyIn(notifier.notify, { ...escalation, detail: 'second' });
    config.set({ ...defaultRecoveryConfig, notification_enabled: true });
    await notifyIn(notifier.notify, { ...escalation, detail: 'third' });
    expect(events.map((e) => e.message)).toEqual([
      expect.stringContaining('drain timed out'),
      expect.stringContaining('third'),
    ]);
  });

  test("a workload recovery's alert is recorded as an Event on the workload, not on a node", async () => {
    const events: NodeEvent[] = [];
    const notifier = createEventNotifier(recordingCluster(events));
    const workload = { kind: 'Deployment' as const, namespace: 'shop', name: 'web' };
    await notifyIn(notifier.notify, { ...escalation, target: 'Deployment/shop/web', workload });
    expect(events).toEqual([expect.objectContaining({ node: 'Deployment/shop/web', type: 'Warning' })]);
  });
});
