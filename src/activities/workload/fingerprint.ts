/**
 * A workload's fingerprint: its pod template, and its replicas unless an HPA owns them. A
 * remediation acts only on the workload it diagnosed; a different fingerprint means someone else
 * (a person, a deploy, GitOps) changed it meanwhile, and the recovery steps back.
 */
import { createHash } from 'node:crypto';
import { WorkloadAnnotations } from '../../domain/labels';
import type { WorkloadSnapshot } from './snapshot';

export function fingerprintOf(snapshot: WorkloadSnapshot): string {
  const object = snapshot.object;
  if (!object) return 'gone';
  const replicas = snapshot.hpa ? 'hpa' : String(object.replicas ?? '');
  return createHash('sha256')
    .update(JSON.stringify(object.rawTemplate))
    .update(`\0${replicas}\0${object.paused}`)
    .digest('hex')
    .slice(0, 16);
}

/** The product's earlier remediations of the workload, from its annotation. */
export function remediationsOf(annotations: Readonly<Record<string, string>>): string[] {
  return (annotations[WorkloadAnnotations.remediations] ?? '')
    .split(',')
    .filter((t) => !Number.isNaN(Date.parse(t)));
}
