/**
 * The kubelet's check of the Secrets and ConfigMaps a container's environment names: before it
 * creates the container it resolves every `env[].valueFrom` and `envFrom[]` that is not optional,
 * and a missing object or key leaves the container waiting in CreateContainerConfigError with
 * the message below (kubernetes pkg/kubelet/kubelet_pods.go, makeEnvironmentVariables).
 */
import type { V1Container } from '@kubernetes/client-node';

/** Read-only view of the Secrets and ConfigMaps the kubelet knows, by namespace and name. */
export interface ConfigLookup {
  secretData(namespace: string, name: string): Record<string, string> | undefined;
  configMapData(namespace: string, name: string): Record<string, string> | undefined;
}

type Kind = 'Secret' | 'ConfigMap';

function missing(kind: Kind, name: string | undefined): string {
  return `${kind === 'Secret' ? 'secret' : 'configmap'} "${name}" not found`;
}

function lookup(configs: ConfigLookup, kind: Kind, namespace: string, name: string | undefined) {
  if (name === undefined) return undefined;
  return kind === 'Secret' ? configs.secretData(namespace, name) : configs.configMapData(namespace, name);
}

/** The kubelet's message for the first reference that cannot be resolved, or undefined if all can. */
export function configErrorOf(
  container: V1Container,
  namespace: string,
  configs: ConfigLookup,
): string | undefined {
  for (const from of container.envFrom ?? []) {
    const ref = from.secretRef
      ? { kind: 'Secret' as const, ...from.secretRef }
      : from.configMapRef
        ? { kind: 'ConfigMap' as const, ...from.configMapRef }
        : undefined;
    if (!ref || ref.optional === true) continue;
    if (lookup(configs, ref.kind, namespace, ref.name) === undefined) return missing(ref.kind, ref.name);
  }
  for (const env of container.env ?? []) {
    const source = env.valueFrom;
    const ref = source?.secretKeyRef
      ? { kind: 'Secret' as const, ...source.secretKeyRef }
      : source?.configMapKeyRef
        ? { kind: 'ConfigMap' as const, ...source.configMapKeyRef }
        : undefined;
    if (!ref || ref.optional === true) continue;
    const data = lookup(configs, ref.kind, namespace, ref.name);
    if (data === undefined) return missing(ref.kind, ref.name);
    if (!(ref.key in data)) return `couldn't find key ${ref.key} in ${ref.kind} ${namespace}/${ref.name}`;
  }
  return undefined;
}
