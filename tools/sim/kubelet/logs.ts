/**
 * Container logs for the pod log API. The apiserver proxies `kubectl logs` to the node's kubelet
 * port, which is kwok's server; kwok v0.8.0 serves a container's log from the file named by a
 * `Logs` object (kwok.x-k8s.io/v1alpha1, named after the pod, watched with --enable-crds=Logs) and
 * parses it as a CRI log. So the sim kubelet writes the lines an image prints to a CRI log file
 * under the lab's state folder and creates that object, owned by the pod so that garbage
 * collection removes it with the pod.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { errorCode } from './errors';

const ignoreGone = (error: unknown): undefined => {
  if (errorCode(error) === 404 || errorCode(error) === 409) return undefined;
  throw error;
};

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const group = 'kwok.x-k8s.io';
const version = 'v1alpha1';
const plural = 'logs';

/** Lines in the CRI log format (`<RFC3339Nano> <stream> F <line>`), 1 ms apart, ending at `end`. */
export function criLog(lines: string[], stream: 'stdout' | 'stderr', end: Date): string {
  const first = end.getTime() - lines.length;
  return lines
    .map((line, i) => `${new Date(first + i).toISOString().replace('Z', '000000Z')} ${stream} F ${line}\n`)
    .join('');
}

/** Writes and publishes container logs of one pod. */
export class PodLogs {
  // Plain fields, no parameter properties: Node runs this file by stripping types only.
  private readonly api: CustomObjectsApi;
  private readonly dir: string;

  constructor(kc: KubeConfig, dir: string) {
    this.api = kc.makeApiClient(CustomObjectsApi);
    this.dir = dir;
  }

  private podDir(pod: V1Pod): string {
    const m = pod.metadata ?? {};
    return join(this.dir, `${m.namespace}_${m.name}_${m.uid}`);
  }

  /**
   * Publishes what each container printed. `crashed` makes the lines the previous (terminated)
   * run's as well, as `kubectl logs --previous` shows after a crash.
   */
  async publish(pod: V1Pod, logs: { container: string; lines: string[] }[], crashed: boolean): Promise<void> {
    const m = pod.metadata ?? {};
    const entries = [];
    for (const { container, lines } of logs) {
      const file = join(this.podDir(pod), container, '0.log');
      await mkdir(join(this.podDir(pod), container), { recursive: true });
      await writeFile(file, criLog(lines, crashed ? 'stderr' : 'stdout', new Date()));
      entries.push({
        containers: [container],
        logsFile: file,
        ...(crashed ? { previousLogsFile: file } : {}),
      });
    }
    const body = {
      apiVersion: `${group}/${version}`,
      kind: 'Logs',
      metadata: {
        name: m.name,
        namespace: m.namespace,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: m.name, uid: m.uid }],
      },
      spec: { logs: entries },
    };
    await this.upsert(m.namespace ?? '', m.name ?? '', m.uid ?? '', body);
  }

  /**
   * Creates the pod's Logs object, or updates the one there. A Logs object named after the pod but
   * owned by an earlier pod of that name (a StatefulSet's recreated pod) is replaced, not patched:
   * garbage collection is about to delete it, and a patch racing that deletion would fail with a
   * 404 that reads as "the pod is gone".
   */
  private async upsert(namespace: string, name: string, uid: string, body: object): Promise<void> {
    const ref = { group, version, namespace, plural, name };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.api.createNamespacedCustomObject({ group, version, namespace, plural, body });
        return;
      } catch (error) {
        if (errorCode(error) !== 409 || attempt >= 3) throw error;
      }
      const existing = (await this.api.getNamespacedCustomObject(ref).catch(ignoreGone)) as
        { metadata?: { uid?: string; ownerReferences?: { uid?: string }[] } } | undefined;
      if (!existing) continue;
      const owner = existing.metadata?.ownerReferences?.[0]?.uid;
      if (owner === uid) {
        const spec = (body as { spec: unknown }).spec;
        await this.api.patchNamespacedCustomObject({ ...ref, body: { spec } }, mergePatch);
        return;
      }
      await this.api
        .deleteNamespacedCustomObject({ ...ref, body: { preconditions: { uid: existing.metadata?.uid } } })
        .catch(ignoreGone);
    }
  }

  /** Removes the files of a deleted pod (its Logs object goes with it by garbage collection). */
  async forget(pod: V1Pod): Promise<void> {
    await rm(this.podDir(pod), { recursive: true, force: true });
  }
}
