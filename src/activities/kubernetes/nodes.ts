/**
 * Nodes: health as the product reads it, and the cordon it owns by workflow run (see the
 * ownership rule in README, Do no harm). Every patch is guarded by the resourceVersion read, so a
 * concurrent change (a person's cordon, say) is re-read and decided again.
 */
import type { CoreV1Api, V1Node } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { NodeHealth } from '../../domain';
import { MANAGER, NodeAnnotations, isControlPlane, optOutReason } from '../../domain/labels';
import { classifyKubeError, statusOf } from '../errors';
import type { CordonRequest, CordonResult, NodesPort, UncordonResult } from '../ports';
import type { ApiCalls } from './api-calls';

/** Re-reads after a 409 before giving up and letting the activity's retry policy take over. */
const CONFLICT_ATTEMPTS = 4;

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The patch that removes every annotation the product writes when it cordons. */
const clearedAnnotations = Object.fromEntries(Object.values(NodeAnnotations).map((key) => [key, null]));

interface NodePatch {
  metadata?: object;
  spec?: object;
}

/** The run that owns the node's cordon, as its annotation says (meaningful only while unschedulable). */
const ownerOf = (node: V1Node): string | undefined =>
  node.metadata?.annotations?.[NodeAnnotations.cordonOwner];

/**
 * Whether the node's annotations name `owner`; without an owner (a recovery from before owners
 * existed) the product's `cordoned-by` annotation alone does, as it did then.
 */
const namesOwner = (node: V1Node, owner: string | undefined): boolean =>
  owner === undefined
    ? node.metadata?.annotations?.[NodeAnnotations.cordonedBy] === MANAGER
    : ownerOf(node) === owner;

function readyOf(node: V1Node): NodeHealth['ready'] {
  const status = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return status === 'True' || status === 'False' ? status : 'Unknown';
}

function pressureOf(node: V1Node): NonNullable<NodeHealth['pressure']> {
  const pressure: NonNullable<NodeHealth['pressure']> = [];
  for (const c of node.status?.conditions ?? [])
    if ((c.type === 'MemoryPressure' || c.type === 'DiskPressure') && c.status === 'True')
      pressure.push(c.type);
  return pressure;
}

type Decision<R> = (node: V1Node | undefined) => { result: R; patch?: NodePatch };

/**
 * Reads the node, lets `decide` compute a patch from what it saw, and sends it guarded by the
 * resourceVersion read; on a 409 it re-reads and decides again, because the node's state (a
 * human's cordon, say) may have changed the answer.
 */
async function patchNodeSafely<R>(
  core: CoreV1Api,
  calls: ApiCalls,
  name: string,
  decide: Decision<R>,
): Promise<R> {
  for (let attempt = 1; ; attempt += 1) {
    const node = await calls.apiOrGone(`get nodes ${name}`, () => core.readNode({ name }));
    const { result, patch } = decide(node);
    if (!patch || !node) return result;
    const body = {
      ...patch,
      metadata: { ...patch.metadata, resourceVersion: node.metadata?.resourceVersion },
    };
    try {
      await calls.bounded(() => core.patchNode({ name, body }, mergePatch));
      return result;
    } catch (error) {
      if (statusOf(error) === 409 && attempt < CONFLICT_ATTEMPTS) continue;
      throw classifyKubeError(error, `patch nodes ${name}`);
    }
  }
}

/** Cordons a schedulable node under `owner`, overwriting stale annotations; see NodesPort.cordon. */
function cordonDecision({ reason, workflowId, owner }: CordonRequest): Decision<CordonResult> {
  return (node) => {
    if (!node) return { result: 'gone' };
    if (node.spec?.unschedulable)
      return { result: namesOwner(node, owner) ? 'already-ours' : 'someone-elses' };
    // Annotations on a schedulable node are stale (kubectl uncordon leaves them): overwrite them.
    const annotations = {
      [NodeAnnotations.cordonedBy]: MANAGER,
      [NodeAnnotations.cordonReason]: reason,
      [NodeAnnotations.workflowId]: workflowId,
      [NodeAnnotations.cordonOwner]: owner ?? null,
    };
    return { result: 'cordoned', patch: { metadata: { annotations }, spec: { unschedulable: true } } };
  };
}

/** Uncordons only `owner`'s cordon; on a schedulable node, clears only `owner`'s annotations. */
function uncordonDecision(owner: string | undefined): Decision<UncordonResult> {
  return (node) => {
    if (!node) return { result: 'gone' };
    const ours = namesOwner(node, owner);
    if (!node.spec?.unschedulable)
      return {
        result: 'not-cordoned',
        ...(ours ? { patch: { metadata: { annotations: clearedAnnotations } } } : {}),
      };
    if (!ours) return { result: 'someone-elses' };
    return {
      result: 'uncordoned',
      patch: { metadata: { annotations: clearedAnnotations }, spec: { unschedulable: null } },
    };
  };
}

/** @param optOutLabel the product's opt-out label, asked on every read (it follows the live config). */
export function createNodes(core: CoreV1Api, calls: ApiCalls, optOutLabel: () => string): NodesPort {
  return {
    async readNodeHealth(name) {
      const node = await calls.apiOrGone(`get nodes ${name}`, () => core.readNode({ name }));
      if (!node) return { node: name, ready: 'gone', unschedulable: false };
      const labels = node.metadata?.labels ?? {};
      const cordonedBy = node.metadata?.annotations?.[NodeAnnotations.cordonedBy];
      const cordonOwner = ownerOf(node);
      return {
        node: name,
        ready: readyOf(node),
        unschedulable: node.spec?.unschedulable === true,
        ...(cordonedBy ? { cordonedBy } : {}),
        ...(cordonOwner ? { cordonOwner } : {}),
        pressure: pressureOf(node),
        optedOut: optOutReason(labels, optOutLabel()) !== undefined,
        controlPlane: isControlPlane(labels),
      };
    },
    cordon: (request) => patchNodeSafely(core, calls, request.node, cordonDecision(request)),
    uncordon: (name, owner) => patchNodeSafely(core, calls, name, uncordonDecision(owner)),
  };
}
