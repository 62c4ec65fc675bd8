/**
 * The recovery configuration in force, as the rest of the product reads it ({@link ConfigSource}),
 * and the verdict on one ConfigMap. The live source that follows the ConfigMap in a cluster is an
 * adapter: src/activities/kubernetes/live-config-source.ts.
 */
import { errorText } from '../logging';
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

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
