/** The kubectl drain filters, one pod at a time: what a drain does with each pod it finds. */
import type { PodOnNode } from '../ports';
import type { DrainOptions, SkipReason } from './types';

export type Decision =
  | { action: 'wait' }
  | { action: 'delete'; why: string }
  | { action: 'skip'; why: SkipReason; text: string }
  | { action: 'evict' };

/** The kubectl drain filters, in kubectl's order. */
export function decide(pod: PodOnNode, options: DrainOptions): Decision {
  if (pod.deletionTimestamp) return { action: 'wait' };
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed')
    return { action: 'delete', why: `completed (${pod.phase})` };
  if (pod.controller?.kind === 'DaemonSet')
    return { action: 'skip', why: 'daemonset', text: 'DaemonSet pod, its controller ignores cordons' };
  if (pod.mirror) return { action: 'skip', why: 'mirror', text: 'static (mirror) pod, the kubelet owns it' };
  if (pod.usesEmptyDir && !options.deleteEmptyDirData)
    return {
      action: 'skip',
      why: 'local-storage',
      text: 'uses emptyDir and drain_delete_emptydir_data is false',
    };
  if (!pod.controller) {
    if (options.unmanagedPods === 'delete') return { action: 'delete', why: 'unmanaged, deletion approved' };
    return { action: 'skip', why: 'unmanaged', text: 'no controller would recreate it' };
  }
  return { action: 'evict' };
}
