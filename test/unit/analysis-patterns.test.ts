/**
 * Failure patterns (src/domain/analysis/cascade.ts, partition.ts, storage.ts): a dependency chain
 * of failures is one incident rooted at its deepest failing dependency; cycles terminate; a zone
 * lost together is one finding that holds its nodes' remediation; volume Events are storage findings.
 */
import type { AnalysisTarget, DependencyEdge, NodeZoneView } from '../../src/domain/analysis';
import {
  ZONE_LABEL,
  cascadeFindings,
  groupCascades,
  heldByZoneLoss,
  partitionFindings,
  storageFindingOfEvent,
  targetOfLabels,
  zoneLosses,
} from '../../src/domain/analysis';

const svc = (name: string): AnalysisTarget => ({ kind: 'service', namespace: 'shop', name });
const dep = (from: string, to: string): DependencyEdge => ({ from: svc(from), dependsOn: svc(to) });
const names = (targets: AnalysisTarget[]) => targets.map((t) => t.name);

describe('cascading failure', () => {
  test('a chain A → B → C, all failing, is one incident rooted at C', () => {
    const incidents = groupCascades([svc('a'), svc('b'), svc('c')], [dep('a', 'b'), dep('b', 'c')]);
    expect(incidents).toHaveLength(1);
    expect(names(incidents[0]!.roots)).toEqual(['c']);
    expect(names(incidents[0]!.members)).toEqual(['a', 'b', 'c']);
    const [finding] = cascadeFindings(incidents, 0);
    expect(finding).toMatchObject({ type: 'cascade', target: svc('c'), severity: 'critical' });
    expect(finding?.evidence.members).toEqual(['service/shop/a', 'service/shop/b', 'service/shop/c']);
  });

  test('a healthy link breaks the chain: A → B → C with B healthy is two incidents of one', () => {
    const incidents = groupCascades([svc('a'), svc('c')], [dep('a', 'b'), dep('b', 'c')]);
    expect(incidents.map((i) => names(i.roots))).toEqual([['a'], ['c']]);
    expect(cascadeFindings(incidents, 0)).toEqual([]);
  });

  test('a diamond is one incident rooted at the shared dependency', () => {
    const edges = [dep('a', 'b'), dep('a', 'c'), dep('b', 'd'), dep('c', 'd')];
    const incidents = groupCascades(['a', 'b', 'c', 'd'].map(svc), edges);
    expect(incidents).toHaveLength(1);
    expect(names(incidents[0]!.roots)).toEqual(['d']);
  });

  test('two failing dependencies of one failing service are both roots of one incident', () => {
    const incidents = groupCascades(['a', 'b', 'c'].map(svc), [dep('a', 'b'), dep('a', 'c')]);
    expect(incidents).toHaveLength(1);
    expect(names(incidents[0]!.roots)).toEqual(['b', 'c']);
  });

  test('a cycle terminates: its members are the roots together, and what depends on it is not', () => {
    const edges = [dep('a', 'b'), dep('b', 'c'), dep('c', 'a'), dep('x', 'a'), dep('a', 'a')];
    const incidents = groupCascades(['a', 'b', 'c', 'x'].map(svc), edges);
    expect(incidents).toHaveLength(1);
    expect(names(incidents[0]!.roots)).toEqual(['a', 'b', 'c']);
    expect(names(incidents[0]!.members)).toEqual(['a', 'b', 'c', 'x']);
  });
});

describe('network partition', () => {
  const node = (name: string, zone: string, healthy: boolean, since?: number): NodeZoneView => ({
    name,
    labels: { [ZONE_LABEL]: zone },
    healthy,
    ...(since !== undefined ? { since } : {}),
  });

  test("a zone whose nodes are all lost together is one finding, and holds those nodes' remediation", () => {
    const nodes = [
      node('a1', 'zone-a', false, 1_000),
      node('a2', 'zone-a', false, 2_000),
      node('a3', 'zone-a', false, 3_000),
      node('b1', 'zone-b', true),
      node('b2', 'zone-b', false, 1_000),
    ];
    const losses = zoneLosses(nodes, { togetherWithinMs: 60_000 });
    expect(losses).toEqual([{ zone: 'zone-a', lost: ['a1', 'a2', 'a3'], total: 3, since: 1_000 }]);
    expect(heldByZoneLoss('a2', losses)).toBe('zone-a');
    expect(heldByZoneLoss('b2', losses)).toBeUndefined();
    expect(partitionFindings(losses)).toMatchObject([
      { type: 'partition', target: { kind: 'zone', name: 'zone-a' }, evidence: { value: 3, threshold: 3 } },
    ]);
  });

  test('losses spread over time, a single-node zone or a minority of a zone are no partition', () => {
    expect(
      zoneLosses([node('a1', 'z', false, 0), node('a2', 'z', false, 3_600_000)], {
        togetherWithinMs: 60_000,
      }),
    ).toEqual([]);
    expect(zoneLosses([node('a1', 'z', false)])).toEqual([]);
    expect(zoneLosses([node('a1', 'z', false), node('a2', 'z', true), node('a3', 'z', true)])).toEqual([]);
    expect(zoneLosses([{ name: 'n', labels: {}, healthy: false }])).toEqual([]);
  });
});

describe('storage', () => {
  const event = (reason: string, type = 'Warning', count = 1) => ({
    reason,
    type,
    count,
    message: 'AttachVolume.Attach failed for volume "pvc-1"',
    involvedObject: { kind: 'Pod', namespace: 'shop', name: 'db-0' },
  });

  test.each([
    ['FailedAttachVolume', 'attach'],
    ['FailedMount', 'mount'],
    ['VolumeFailedDelete', 'delete'],
  ])('a %s Warning is a storage finding (%s)', (reason, failure) => {
    const finding = storageFindingOfEvent(event(reason));
    expect(finding).toMatchObject({
      type: 'storage',
      target: { kind: 'pod', namespace: 'shop', name: 'db-0' },
      severity: 'warning',
    });
    expect(finding?.summary).toContain(`volume ${failure} failed`);
  });

  test('a repeating failure is critical; Normal or unrelated Events are nothing', () => {
    expect(storageFindingOfEvent(event('FailedMount', 'Warning', 5))?.severity).toBe('critical');
    expect(storageFindingOfEvent(event('FailedMount', 'Normal'))).toBeUndefined();
    expect(storageFindingOfEvent(event('BackOff'))).toBeUndefined();
  });
});

describe('series labels to targets', () => {
  test('node, pvc, workload and service labels map to their targets; others are ignored', () => {
    expect(targetOfLabels({ node: 'n1', instance: 'x' })).toEqual({ kind: 'node', name: 'n1' });
    expect(targetOfLabels({ namespace: 's', persistentvolumeclaim: 'd' })).toEqual({
      kind: 'pvc',
      namespace: 's',
      name: 'd',
    });
    expect(targetOfLabels({ namespace: 's', deployment: 'web' })).toEqual({
      kind: 'workload',
      namespace: 's',
      name: 'web',
      workloadKind: 'Deployment',
    });
    expect(targetOfLabels({ service: 'api' })).toEqual({ kind: 'service', name: 'api' });
    expect(targetOfLabels({ deployment: 'web' })).toBeUndefined();
    expect(targetOfLabels({ job: 'x' })).toBeUndefined();
  });
});
