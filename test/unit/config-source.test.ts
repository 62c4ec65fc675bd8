/**
 * The live config source over a fake informer: what is in force after each ConfigMap event, and
 * what an invalid ConfigMap leaves behind (the last good config, an error log, one Warning Event).
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import { defaultRecoveryConfig } from '../../src/config/recovery-config';
import { createConfigSource } from '../../src/activities/kubernetes/live-config-source';
import { judgeConfigMap } from '../../src/config/config-source';
import type { LogAttributes, Logger } from '../../src/logging';
import type { EventToRecord, InformerStats, ObjectInformer } from '../../src/activities/kubernetes/watch';

class FakeConfigMapInformer implements ObjectInformer<V1ConfigMap> {
  private current: V1ConfigMap | undefined;
  private readonly callbacks: Record<string, ((o: V1ConfigMap) => void)[]> = {
    add: [],
    update: [],
    delete: [],
  };
  constructor(initial?: V1ConfigMap) {
    this.current = initial;
  }
  on(verb: 'add' | 'update' | 'delete', cb: (o: V1ConfigMap) => void) {
    this.callbacks[verb]!.push(cb);
  }
  get() {
    return this.current;
  }
  list() {
    return this.current ? [this.current] : [];
  }
  async start() {
    if (this.current) this.callbacks.add!.forEach((cb) => cb(this.current!));
  }
  async stop() {}
  stats(): InformerStats {
    return { lists: 1, watches: 1, restarts: 0, synced: true };
  }
  put(o: V1ConfigMap) {
    const verb = this.current ? 'update' : 'add';
    this.current = o;
    this.callbacks[verb]!.forEach((cb) => cb(o));
  }
  remove() {
    const o = this.current;
    this.current = undefined;
    if (o) this.callbacks.delete!.forEach((cb) => cb(o));
  }
}

function configMap(data: unknown, rv: string): V1ConfigMap {
  return {
    metadata: { name: 'self-healing-config', namespace: 'self-healing', resourceVersion: rv, uid: 'u1' },
    data,
  } as V1ConfigMap;
}

function setup(initial?: V1ConfigMap) {
  const informer = new FakeConfigMapInformer(initial);
  const events: EventToRecord[] = [];
  const logs: { level: string; message: string; attributes?: LogAttributes }[] = [];
  const at =
    (level: string) =>
    (message: string, attributes?: LogAttributes): void => {
      logs.push({ level, message, attributes });
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  const source = createConfigSource({
    name: 'self-healing-config',
    namespace: 'self-healing',
    informer,
    logger,
    events: {
      record: async (e) => {
        events.push(e);
        return true;
      },
    },
  });
  const changes: number[] = [];
  source.onChange((config) => changes.push(config.health_check_interval));
  return { informer, events, logs, source, changes };
}

describe('judging a ConfigMap', () => {
  it('treats a missing ConfigMap or missing data as the defaults', () => {
    expect(judgeConfigMap(undefined)).toEqual({ valid: true, config: defaultRecoveryConfig });
    expect(judgeConfigMap({ metadata: {} })).toEqual({ valid: true, config: defaultRecoveryConfig });
  });

  it('rejects data that is not a map, non-string values and unknown keys, naming key and value, without throwing', () => {
    expect(judgeConfigMap({ data: 'x' })).toEqual({
      valid: false,
      issues: ['data: expected a map of strings (got "x")'],
    });
    expect(judgeConfigMap({ data: ['a'] })).toMatchObject({ valid: false });
    expect(judgeConfigMap({ data: { health_check_interval: 30 } })).toEqual({
      valid: false,
      issues: ['health_check_interval: expected a string (got 30)'],
    });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(judgeConfigMap({ data: { x: circular } })).toMatchObject({ valid: false });
    const unknown = judgeConfigMap({ data: { health_chek_interval: '30' } });
    expect(unknown).toMatchObject({ valid: false });
    expect(!unknown.valid && unknown.issues.join()).toMatch(/health_chek_interval/);
  });

  it('rejects an out-of-range value naming the key and the value', () => {
    const verdict = judgeConfigMap({ data: { health_check_interval: '5' } });
    expect(verdict.valid).toBe(false);
    expect(!verdict.valid && verdict.issues.join()).toMatch(/health_check_interval: .*\(got "5"\)/);
  });
});

describe('the live config source', () => {
  it('starts on the defaults when there is no ConfigMap', async () => {
    const { source } = setup();
    await source.start();
    expect(source.current()).toEqual(defaultRecoveryConfig);
    expect(source.status()).toEqual({ origin: 'defaults' });
  });

  it('applies a valid ConfigMap at start and every valid update after it', async () => {
    const { source, informer, changes } = setup(configMap({ health_check_interval: '20' }, '1'));
    await source.start();
    expect(source.current().health_check_interval).toBe(20);
    informer.put(configMap({ health_check_interval: '40', dry_run: 'true' }, '2'));
    expect(source.current()).toMatchObject({ health_check_interval: 40, dry_run: true });
    expect(source.status()).toEqual({ origin: 'configmap', resourceVersion: '2' });
    expect(changes).toEqual([20, 40]);
  });

  it('keeps the last good config when an update is invalid, logs each bad key and value, and records one Warning Event', async () => {
    const { source, informer, events, logs, changes } = setup(
      configMap({ health_check_interval: '20' }, '1'),
    );
    await source.start();
    informer.put(configMap({ health_check_interval: '5', node_failure_threshold: 'lots' }, '2'));
    expect(source.current().health_check_interval).toBe(20);
    expect(changes).toEqual([20]);
    const error = logs.find((l) => l.level === 'error');
    expect(error?.message).toMatch(/rejected/);
    expect(String(error?.attributes?.issues)).toMatch(
      /health_check_interval: .*"5".*node_failure_threshold: .*"lots"/,
    );
    expect(events).toEqual([
      {
        involvedObject: expect.objectContaining({
          kind: 'ConfigMap',
          name: 'self-healing-config',
          namespace: 'self-healing',
          uid: 'u1',
        }),
        type: 'Warning',
        reason: 'InvalidConfig',
        message: expect.stringMatching(
          /health_check_interval: .*\(got "5"\).*node_failure_threshold: .*\(got "lots"\)/,
        ),
      },
    ]);
    // The same resourceVersion again (a re-LIST) does not repeat the Event.
    informer.put(configMap({ health_check_interval: '5', node_failure_threshold: 'lots' }, '2'));
    expect(events).toHaveLength(1);
    expect(source.status().rejected?.resourceVersion).toBe('2');
  });

  it('goes back to the defaults when the ConfigMap is deleted', async () => {
    const { source, informer, changes } = setup(configMap({ health_check_interval: '20' }, '1'));
    await source.start();
    informer.remove();
    expect(source.current()).toEqual(defaultRecoveryConfig);
    expect(changes).toEqual([20, 30]);
  });

  it('survives garbage and a throwing listener', async () => {
    const { source, informer, logs } = setup(configMap({ health_check_interval: '20' }, '1'));
    source.onChange(() => {
      throw new Error('listener bug');
    });
    await source.start();
    for (const [i, data] of [null, 'text', 7, { a: { b: 1 } }, { health_check_interval: null }].entries())
      expect(() => informer.put(configMap(data, `g${i}`))).not.toThrow();
    informer.put(configMap({ health_check_interval: '60' }, '9'));
    expect(source.current().health_check_interval).toBe(60);
    expect(logs.some((l) => l.message === 'config listener failed')).toBe(true);
  });
});
