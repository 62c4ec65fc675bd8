/**
 * What the analysis engine reports: one finding per rule and target, shaped like the detector's
 * other findings so each becomes a recovery where a strategy applies, otherwise a routed alert
 * carrying its evidence.
 */

/** The kinds of analysis. */
export const AnalysisTypes = [
  'threshold',
  'anomaly',
  'exhaustion',
  'cascade',
  'partition',
  'storage',
] as const;
export type AnalysisType = (typeof AnalysisTypes)[number];

/** What a finding is about. */
export const AnalysisTargetKinds = ['node', 'workload', 'service', 'pvc', 'pod', 'zone'] as const;
export type AnalysisTargetKind = (typeof AnalysisTargetKinds)[number];

/** The object a finding concerns; `namespace` for namespaced kinds (workload, service, pvc, pod). */
export interface AnalysisTarget {
  kind: AnalysisTargetKind;
  namespace?: string;
  name: string;
  /** For `workload`: its controller kind when the series said (`Deployment`, `StatefulSet`, …). */
  workloadKind?: string;
}

export type AnalysisSeverity = 'warning' | 'critical';

/** What was measured, so an alert can show it and a recovery can record it. */
export interface AnalysisEvidence {
  /** The value that fired (threshold, anomaly), the seconds to full (exhaustion), or a count (patterns). */
  value: number;
  threshold?: number;
  /** Anomaly: the baseline's median and scaled MAD; exhaustion: the fitted slope per second. */
  baseline?: { median: number; scale: number } | { slopePerSecond: number };
  /** ISO-8601: when the condition began (the breach, the first anomalous point, the first failure). */
  since?: string;
  /** The PromQL that produced the value. */
  query?: string;
  /** Patterns: the members of the incident (failing targets, lost nodes, Event reasons). */
  members?: string[];
}

/** One finding of the analysis engine. */
export interface AnalysisFinding {
  /** The configured rule's name (`cpu`, `memory`, `anomaly`, …; `cascade`, `partition`, `storage`). */
  rule: string;
  type: AnalysisType;
  target: AnalysisTarget;
  severity: AnalysisSeverity;
  evidence: AnalysisEvidence;
  /** One line for people: what, where, how much. */
  summary: string;
}

/** A target's identity, e.g. `node//worker-1`, `workload/shop/web`, `pvc/shop/data-db-0`. */
export function targetKey(target: AnalysisTarget): string {
  return `${target.kind}/${target.namespace ?? ''}/${target.name}`;
}

/** A target as people read it: `node worker-1`, `workload shop/web`. */
export function describeTarget(target: AnalysisTarget): string {
  return `${target.kind} ${target.namespace ? `${target.namespace}/` : ''}${target.name}`;
}

/**
 * The object a series is about, from its labels: `node`; `namespace` + `persistentvolumeclaim`;
 * `namespace` + `deployment` | `statefulset` | `daemonset` | `workload`; `service` (with its
 * `namespace` when present). Undefined when none applies: such a series is ignored.
 */
export function targetOfLabels(labels: Readonly<Record<string, string>>): AnalysisTarget | undefined {
  const namespace = labels.namespace || undefined;
  if (labels.node) return { kind: 'node', name: labels.node };
  if (labels.persistentvolumeclaim && namespace)
    return { kind: 'pvc', namespace, name: labels.persistentvolumeclaim };
  for (const [label, workloadKind] of WORKLOAD_LABELS) {
    const name = labels[label];
    if (name && namespace) return { kind: 'workload', namespace, name, workloadKind };
  }
  if (labels.service) return { kind: 'service', ...(namespace ? { namespace } : {}), name: labels.service };
  return undefined;
}

const WORKLOAD_LABELS: readonly (readonly [string, string | undefined])[] = [
  ['deployment', 'Deployment'],
  ['statefulset', 'StatefulSet'],
  ['daemonset', 'DaemonSet'],
  ['workload', undefined],
];
