/**
 * The recovery configuration in force, kept live from the ConfigMap `self-healing-config` in
 * namespace `self-healing` (both names from the environment) by a list+watch informer: a change
 * applies within a second, without a restart and without polling.
 *
 * - Valid ConfigMap (added or updated): it becomes the config in force; listeners hear about it.
 * - Invalid ConfigMap: rejected. The last good config stays in force, an error log names every bad
 *   key and value, and a Warning Event `InvalidConfig` is recorded on the ConfigMap, once per
 *   resourceVersion. Unknown keys, non-string values and `data` that is not a map are all invalid;
 *   nothing a ConfigMap holds can throw out of here.
 * - No ConfigMap, a ConfigMap without `data`, or a deleted ConfigMap: the defaults
 *   ({@link defaultRecoveryConfig}), because there is no operator intent left to honour; a deleted
 *   ConfigMap is logged as a warning.
 */
import type {
  DetectorKubernetes,
  EventRecorder,
  ObjectInformer,
  ObjectRef,
  V1ConfigMap,
} from '../activities/kubernetes/watch';
import { errorText } from '../activities/kubernetes/watch';
import type { Logger } from '../logging';
import { silentLogger } from '../logging';
import type { RecoveryConfig } from './recovery-config';
import { InvalidRecoveryConfigError, defaultRecoveryConfig, parseRecoveryConfig } from './recovery-config';

/** Called with the new config and the one it replaced. */
export type ConfigListener = (config: RecoveryConfig, previous: RecoveryConfig) => void;

/** Where the detector reads its configuration from. */
export interface ConfigSource {
  /** The config in force now. */
  current(): RecoveryConfig;
  /** Subscribes to changes of the config in force. @returns unsubscribe. */
  onChange(listener: ConfigListener): () => void;
}

/** Where the config in force came from. */
export type ConfigOrigin = 'defaults' | 'configmap';

/** What the live source knows, for tests, logs and a status endpoint. */
export interface ConfigSourceStatus {
  origin: ConfigOrigin;
  /** resourceVersion of the ConfigMap the config in force came from. */
  resourceVersion?: string;
  /** The issues of the last rejected ConfigMap, until a valid one (or none) replaces it. */
  rejected?: { resourceVersion?: string; issues: readonly string[] };
}

/** A {@link ConfigSource} fed by the cluster. */
export interface LiveConfigSource extends ConfigSource {
  /** Starts the informer; resolves once the ConfigMap (or its absence) has been read. */
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): ConfigSourceStatus;
  /** The ConfigMap as an Event target (it may not exist). */
  readonly objectRef: ObjectRef;
}

/** The ConfigMap's location. */
export interface ConfigMapLocation {
  /** @default 'self-healing-config' */
  name: string;
  /** @default 'self-healing' */
  namespace: string;
}

/** The outcome of reading one ConfigMap. */
export type ConfigMapVerdict =
  { valid: true; config: RecoveryConfig } | { valid: false; issues: readonly string[] };

/**
 * Validates a ConfigMap (or anything claiming to be one). A missing `data` means all defaults;
 * `binaryData` is ignored (no key of ours is binary). Never throws.
 */
export function judgeConfigMap(configMap: unknown): ConfigMapVerdict {
  const data = (configMap as { data?: unknown } | undefined)?.data;
  if (data === undefined || data === null) return { valid: true, config: defaultRecoveryConfig };
  if (typeof data !== 'object' || Array.isArray(data))
    return { valid: false, issues: [`data: expected a map of strings (got ${JSON.stringify(data)})`] };
  const issues: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    // The API only ever sends strings; anything else did not come from a real ConfigMap.
    if (typeof value !== 'string') issues.push(`${key}: expected a string (got ${safeJson(value)})`);
  }
  if (issues.length > 0) return { valid: false, issues };
  try {
    return { valid: true, config: parseRecoveryConfig(data as Record<string, string>) };
  } catch (error) {
    if (error instanceof InvalidRecoveryConfigError) return { valid: false, issues: error.issues };
    return { valid: false, issues: [errorText(error)] };
  }
}

/** A fixed config, for tests and for running without a cluster. */
export function staticConfigSource(config: RecoveryConfig = defaultRecoveryConfig): ConfigSource & {
  /** Replaces the config and notifies listeners, as a ConfigMap update would. */
  set(next: RecoveryConfig): void;
} {
  let current = config;
  const listeners = new Set<ConfigListener>();
  return {
    current: () => current,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      const previous = current;
      current = next;
      for (const listener of listeners) listener(next, previous);
    },
  };
}

/** Inputs of {@link createConfigSource}. */
export interface ConfigSourceOptions extends ConfigMapLocation {
  informer: ObjectInformer<V1ConfigMap>;
  events: EventRecorder;
  logger?: Logger;
}

/** A live config source over an informer on the ConfigMap (tests hand in a fake informer). */
export function createConfigSource(options: ConfigSourceOptions): LiveConfigSource {
  const { informer, events, name, namespace } = options;
  const logger = options.logger ?? silentLogger;
  const listeners = new Set<ConfigListener>();
  let current = defaultRecoveryConfig;
  let status: ConfigSourceStatus = { origin: 'defaults' };
  /** resourceVersions already reported invalid, so a re-LIST does not repeat the Event. */
  let reportedInvalid: string | undefined;
  const objectRef: ObjectRef = { kind: 'ConfigMap', apiVersion: 'v1', name, namespace };

  function setCurrent(next: RecoveryConfig): void {
    const previous = current;
    current = next;
    if (JSON.stringify(previous) === JSON.stringify(next)) return;
    for (const listener of listeners) {
      try {
        listener(next, previous);
      } catch (error) {
        logger.error('config listener failed', { error: errorText(error) });
      }
    }
  }

  function applied(configMap: V1ConfigMap): void {
    const resourceVersion = configMap.metadata?.resourceVersion;
    const verdict = judgeConfigMap(configMap);
    if (verdict.valid) {
      status = { origin: 'configmap', resourceVersion };
      logger.info('config applied', { configMap: `${namespace}/${name}`, resourceVersion });
      setCurrent(verdict.config);
      return;
    }
    status = { ...status, rejected: { resourceVersion, issues: verdict.issues } };
    logger.error('config rejected; the last good config stays in force', {
      configMap: `${namespace}/${name}`,
      resourceVersion,
      issues: verdict.issues,
      inForce: status.origin === 'configmap' ? `resourceVersion ${status.resourceVersion}` : 'defaults',
    });
    if (resourceVersion !== undefined && resourceVersion === reportedInvalid) return;
    reportedInvalid = resourceVersion;
    void events.record({
      involvedObject: { ...objectRef, uid: configMap.metadata?.uid, resourceVersion },
      type: 'Warning',
      reason: 'InvalidConfig',
      message: `rejected; the last good config stays in force: ${verdict.issues.join('; ')}`,
    });
  }

  function deleted(): void {
    status = { origin: 'defaults' };
    logger.warn('config map deleted; defaults in force', { configMap: `${namespace}/${name}` });
    setCurrent(defaultRecoveryConfig);
  }

  // The field selector makes the informer see only our ConfigMap; the name check is belt and braces.
  const ours = (configMap: V1ConfigMap) => configMap?.metadata?.name === name;
  informer.on('add', (configMap) => ours(configMap) && applied(configMap));
  informer.on('update', (configMap) => ours(configMap) && applied(configMap));
  informer.on('delete', (configMap) => ours(configMap) && deleted());

  return {
    objectRef,
    current: () => current,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    status: () => status,
    async start() {
      await informer.start();
      if (status.origin === 'defaults' && !status.rejected)
        logger.info('no config map; defaults in force', { configMap: `${namespace}/${name}` });
    },
    stop: () => informer.stop(),
  };
}

/** The live config source of a cluster: the informer and Event recorder come from the adapter. */
export function createClusterConfigSource(
  kube: DetectorKubernetes,
  location: ConfigMapLocation,
  logger?: Logger,
): LiveConfigSource {
  return createConfigSource({
    ...location,
    informer: kube.configMapInformer(location.namespace, location.name),
    events: kube.events,
    logger,
  });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
