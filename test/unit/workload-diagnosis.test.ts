/**
 * The diagnosis of a failing workload as a pure function of what the adapter read: the reason the
 * strategy is chosen for, the rollout and what it changed, memory, image and missing-config facts,
 * the log lines that matched, who else manages the workload; and bad input.
 */
import { diagnose, registryOf } from '../../src/activities/workload/diagnose';
import { logMatches } from '../../src/activities/workload/log-signatures';
import type {
  ContainerState,
  PodSnapshot,
  RevisionSnapshot,
  TemplateView,
  WorkloadSnapshot,
} from '../../src/activities/workload/snapshot';
import { templateChanges } from '../../src/activities/workload/template-diff';

const OPT_OUT = 'self-healing.temporal.io/exclude';

function template(image: string, memory = '256Mi'): TemplateView {
  return {
    containers: [{ name: 'app', image, resources: { limits: { memory }, requests: { memory } }, env: [] }],
    imagePullSecrets: [],
  };
}

function pod(
  name: string,
  container: Partial<ContainerState> = {},
  overrides: Partial<PodSnapshot> = {},
): PodSnapshot {
  return {
    name,
    uid: `uid-${name}`,
    phase: 'Running',
    ready: false,
    deleting: false,
    containers: [{ name: 'app', image: 'web:2', ready: false, restarts: 7, ...container }],
    ...overrides,
  };
}

function revision(n: number, image: string, createdAt: string): RevisionSnapshot {
  return {
    revision: n,
    replicaSet: `web-${n}`,
    templateHash: `hash-${n}`,
    createdAt,
    template: template(image),
    rawTemplate: { spec: { containers: [{ name: 'app', image }] } },
    annotations: { 'deployment.kubernetes.io/revision': String(n) },
  };
}

function snapshot(overrides: Partial<WorkloadSnapshot> = {}): WorkloadSnapshot {
  return {
    target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    object: {
      labels: {},
      annotations: {},
      resourceVersion: '42',
      replicas: 2,
      paused: false,
      template: template('web:2'),
      rawTemplate: { spec: { containers: [{ name: 'app', image: 'web:2' }] } },
      rollout: {
        generation: 2,
        observedGeneration: 2,
        desired: 2,
        updated: 2,
        ready: 0,
        available: 0,
        old: 0,
      },
    },
    namespaceLabels: {},
    ownerChain: ['Pod/shop/web-2-a', 'ReplicaSet/shop/web-2', 'Deployment/shop/web'],
    pods: [pod('web-2-a', { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } })],
    revisions: [revision(2, 'web:2', '2026-11-30T10:00:00Z'), revision(1, 'web:1', '2026-11-29T10:00:00Z')],
    events: ['Warning BackOff: Back-off restarting failed container'],
    ...overrides,
  };
}

describe('diagnosis', () => {
  test('a crash loop after a rollout: the reason, the revision to return to and what the rollout changed', () => {
    const d = diagnose({
      snapshot: snapshot(),
      detected: 'CrashLoopBackOff',
      optOutLabel: OPT_OUT,
      log: 'panic: boom\ngoroutine 1 [running]:',
    });
    expect(d).toMatchObject({
      exists: true,
      reason: 'CrashLoopBackOff',
      healthy: false,
      container: 'app',
      failingPods: ['web-2-a'],
      rollout: {
        revision: 2,
        previousRevision: 1,
        previousTemplateHash: 'hash-1',
        changedAt: '2026-11-30T10:00:00Z',
      },
    });
    expect(d.rollout?.changes).toEqual([{ field: 'image', container: 'app', from: 'web:1', to: 'web:2' }]);
    expect(d.logMatches.map((m) => m.signature)).toEqual(['panic', 'panic']);
    expect(d.gaps).toEqual([]);
  });

  test('the most specific reason among the pods wins: OOMKilled over a crash loop', () => {
    const pods = [
      pod('a', { waiting: { reason: 'CrashLoopBackOff' } }),
      pod('b', {
        terminated: { reason: 'OOMKilled', exitCode: 137 },
        waiting: { reason: 'CrashLoopBackOff' },
      }),
    ];
    const d = diagnose({ snapshot: snapshot({ pods }), detected: 'CrashLoopBackOff', optOutLabel: OPT_OUT });
    expect(d.reason).toBe('OOMKilled');
    expect(d.memory).toEqual({ container: 'app', limitBytes: 256 * 2 ** 20, requestBytes: 256 * 2 ** 20 });
    expect(d.gaps).toEqual(['the previous container log was not served']);
  });

  test('a missing Secret and a missing key are named from the kubelet messages', () => {
    const pods = [
      pod('a', { waiting: { reason: 'CreateContainerConfigError', message: 'secret "db-creds" not found' } }),
      pod('b', {
        waiting: {
          reason: 'CreateContainerConfigError',
          message: "couldn't find key password in Secret shop/db",
        },
      }),
    ];
    const d = diagnose({
      snapshot: snapshot({ pods }),
      detected: 'CreateContainerConfigError',
      optOutLabel: OPT_OUT,
    });
    expect(d.missingConfig).toEqual(['Secret shop/db-creds', 'key password in Secret shop/db']);
  });

  test('an image that cannot be pulled: image, registry, pull secrets and the message', () => {
    const pods = [pod('a', { waiting: { reason: 'ErrImagePull', message: 'not found' } })];
    const snap = snapshot({ pods });
    snap.object!.template = { ...template('registry.lab/shop/web:9'), imagePullSecrets: ['pull'] };
    const d = diagnose({ snapshot: snap, detected: 'ErrImagePull', optOutLabel: OPT_OUT });
    expect(d.image).toEqual({
      container: 'app',
      image: 'registry.lab/shop/web:9',
      registry: 'registry.lab',
      pullSecrets: ['pull'],
      message: 'not found',
    });
  });

  test('GitOps markers, the HPA and opt-outs are found', () => {
    const snap = snapshot({ hpa: 'shop/web', namespaceLabels: { [OPT_OUT]: 'true' } });
    snap.object!.annotations = { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:shop/web' };
    const d = diagnose({ snapshot: snap, detected: 'CrashLoopBackOff', optOutLabel: OPT_OUT });
    expect(d.management).toEqual({
      gitOps: 'Argo CD (argocd.argoproj.io/tracking-id)',
      hpa: 'shop/web',
      optedOut: `${OPT_OUT}=true on its namespace`,
    });
  });

  test('Helm alone is not GitOps; Flux with reconcile disabled is not either', () => {
    const helm = snapshot();
    helm.object!.labels = { 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/managed-by': 'Helm' };
    expect(
      diagnose({ snapshot: helm, detected: 'Failed', optOutLabel: OPT_OUT }).management.gitOps,
    ).toBeUndefined();
    const flux = snapshot();
    flux.object!.labels = { 'kustomize.toolkit.fluxcd.io/name': 'apps' };
    flux.object!.annotations = { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' };
    expect(
      diagnose({ snapshot: flux, detected: 'Failed', optOutLabel: OPT_OUT }).management.gitOps,
    ).toBeUndefined();
  });

  test('healthy: the rollout is complete and no pod fails', () => {
    const snap = snapshot({ pods: [pod('a', { ready: true }, { ready: true })] });
    snap.object!.rollout = { ...snap.object!.rollout, ready: 2, available: 2 };
    expect(diagnose({ snapshot: snap, detected: 'CrashLoopBackOff', optOutLabel: OPT_OUT }).healthy).toBe(
      true,
    );
  });

  test('a workload that is gone, and pods with no status at all: a clear diagnosis, never a throw', () => {
    const gone = diagnose({
      snapshot: { ...snapshot(), object: undefined, pods: [] },
      detected: 'Failed',
      optOutLabel: OPT_OUT,
    });
    expect(gone).toMatchObject({ exists: false, healthy: false, reason: 'Failed', fingerprint: 'gone' });
    const bare = snapshot({
      pods: [{ name: 'x', uid: '', phase: 'Unknown', ready: false, deleting: false, containers: [] }],
      revisions: [],
    });
    const d = diagnose({ snapshot: bare, detected: 'NotReady', optOutLabel: OPT_OUT });
    expect(d.reason).toBe('NotReady');
    expect(d.rollout).toBeUndefined();
    const odd = snapshot({ pods: [pod('y', { waiting: { reason: 'SomethingNew' } }, { phase: 'Pending' })] });
    expect(
      diagnose({ snapshot: odd, detected: 'CrashLoopBackOff', optOutLabel: OPT_OUT }).failingPods,
    ).toEqual([]);
  });

  test('the fingerprint changes with the template and the replicas, but not the replicas an HPA owns', () => {
    const base = diagnose({ snapshot: snapshot(), detected: 'Failed', optOutLabel: OPT_OUT }).fingerprint;
    const scaled = snapshot();
    scaled.object!.replicas = 5;
    expect(diagnose({ snapshot: scaled, detected: 'Failed', optOutLabel: OPT_OUT }).fingerprint).not.toBe(
      base,
    );
    const hpa = (replicas: number) => {
      const s = snapshot({ hpa: 'shop/web' });
      s.object!.replicas = replicas;
      return diagnose({ snapshot: s, detected: 'Failed', optOutLabel: OPT_OUT }).fingerprint;
    };
    expect(hpa(2)).toBe(hpa(7));
  });
});

describe('log signatures', () => {
  test.each([
    ['fatal error: runtime: out of memory', 'out-of-memory', undefined],
    ['java.lang.OutOfMemoryError: Java heap space', 'out-of-memory', undefined],
    ['dial tcp 10.0.0.7:5432: connect: connection refused', 'connection-refused', '10.0.0.7:5432'],
    ['Error: connect ECONNREFUSED db.shop.svc:6379', 'connection-refused', 'db.shop.svc:6379'],
    ['open /etc/app/config.yaml: no such file or directory', 'missing-file', undefined],
    ['mkdir /data: permission denied', 'permission-denied', undefined],
    ['Traceback (most recent call last):', 'panic', undefined],
  ])('%s → %s', (line, signature, detail) => {
    expect(logMatches(line)).toEqual([{ signature, line, ...(detail ? { detail } : {}) }]);
  });

  test('quiet logs and no logs match nothing; long logs keep at most 8 matches', () => {
    expect(logMatches(undefined)).toEqual([]);
    expect(logMatches('level=info msg="listening on :8080"')).toEqual([]);
    expect(
      logMatches(
        Array(100)
          .fill('panic: x\nconnection refused\nno such file or directory\npermission denied\nout of memory')
          .join('\n'),
      ),
    ).toHaveLength(8);
  });
});

describe('template changes and registries', () => {
  test('every field a rollout can change is named', () => {
    const before = template('web:1');
    const after: TemplateView = {
      containers: [
        { ...before.containers[0]!, image: 'web:2', env: [{ name: 'MODE', value: 'x' }], command: ['/app'] },
      ],
      imagePullSecrets: [],
    };
    expect(templateChanges(before, after).map((c) => c.field)).toEqual(['image', 'env', 'command']);
  });

  test.each([
    ['nginx', 'docker.io'],
    ['library/nginx:1', 'docker.io'],
    ['registry.lab/shop/web:1', 'registry.lab'],
    ['localhost:5000/x', 'localhost:5000'],
    ['localhost/x', 'localhost'],
  ])('%s is pulled from %s', (image, registry) => expect(registryOf(image)).toBe(registry));
});
