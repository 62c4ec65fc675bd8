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
import type { Logger } from '../../logging';
import { errorText, silentLogger } from '../../logging';
import type {
  ConfigListener,
  ConfigMapLocation,
  ConfigSource,
  ConfigSourceStatus,
} from '../../config/config-source';
import { judgeConfigMap } from '../../config/config-source';
import type { RecoveryConfig } from '../../config/recovery-config';
import { defaultRecoveryConfig } from '../../config/recovery-config';
import type { DetectorKubernetes, EventRecorder, ObjectInformer, ObjectRef, V1ConfigMap } from './watch';

/** A {@link ConfigSource} fed by the cluster. */
export interface LiveConfigSource extends ConfigSource {
  /** Starts the informer; resolves once the ConfigMap (or its absence) has been read. */
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): ConfigSourceStatus;
  /** The ConfigMap as an Event target (it may not exist). */
  readonly objectRef: ObjectRef;
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
