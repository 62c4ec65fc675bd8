/**
 * Keeps deploy/ honest: the RBAC grants exactly the Kubernetes calls the code makes (read from the
 * adapters' source, so a new call without a grant, or a grant nothing uses, fails here), nothing is
 * a wildcard, the detector cannot write nodes, every container is hardened, and the ConfigMap lists
 * every key at its default.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { envSchema } from '../../src/config/env';
import {
  defaultRecoveryConfig,
  parseRecoveryConfig,
  recoveryConfigKeys,
} from '../../src/config/recovery-config';

const root = join(__dirname, '..', '..');
const deployDir = join(root, 'deploy');

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs?: string[];
  nonResourceURLs?: string[];
}
interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: Subject[];
  data?: Record<string, unknown>;
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}
interface Loaded {
  file: string;
  object: K8sObject;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

function load(): Loaded[] {
  return yamlFiles(deployDir).flatMap((path) => {
    const file = relative(root, path);
    return parseAllDocuments(readFileSync(path, 'utf8')).flatMap((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const object = doc.toJS() as K8sObject | null;
      return object ? [{ file, object }] : [];
    });
  });
}

const all = load();
const objects = all.filter(({ object }) => object.kind !== 'Kustomization').map(({ object }) => object);
const find = (kind: string, name: string, namespace?: string): K8sObject => {
  const found = objects.find(
    (o) =>
      o.kind === kind &&
      o.metadata.name === name &&
      (namespace === undefined || o.metadata.namespace === namespace),
  );
  if (!found) throw new Error(`deploy/ has no ${kind} ${namespace ? `${namespace}/` : ''}${name}`);
  return found;
};
const roles = objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
const bindings = objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding');
const deployments = objects.filter((o) => o.kind === 'Deployment');

/** `group/resource:verb` for every (group, resource, verb) a set of rules grants. */
function grants(rules: readonly Rule[]): Set<string> {
  const out = new Set<string>();
  for (const rule of rules)
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? [])
        for (const verb of rule.verbs ?? []) out.add(`${group}/${resource}:${verb}`);
  return out;
}

/** The roles bound to a ServiceAccount, through every binding in deploy/. */
function rolesOf(serviceAccount: string, namespace = 'self-healing'): K8sObject[] {
  return bindings
    .filter((b) =>
      b.subjects?.some(
        (s) => s.kind === 'ServiceAccount' && s.name === serviceAccount && s.namespace === namespace,
      ),
    )
    .map((b) => {
      const ref = b.roleRef;
      if (!ref) throw new Error(`${b.kind} ${b.metadata.name} has no roleRef`);
      // A RoleBinding may point at a Role in its namespace or at a ClusterRole.
      return find(ref.kind, ref.name, ref.kind === 'Role' ? b.metadata.namespace : undefined);
    });
}

// ---------------------------------------------------------------------------------------------
// What the code calls, read from its source. Every client method an adapter calls must be listed
// here with the RBAC it needs, so a new call fails this test until someone decides its grant.

type Need = readonly string[];
const WORKER_CALLS: Record<string, Need> = {
  readNode: ['/nodes:get'],
  patchNode: ['/nodes:patch'],
  listNode: ['/nodes:list'],
  createNode: ['/nodes:create'],
  deleteNode: ['/nodes:delete'],
  readNamespacedPod: ['/pods:get'],
  listPodForAllNamespaces: ['/pods:list'],
  deleteNamespacedPod: ['/pods:delete'],
  createNamespacedPodEviction: ['/pods/eviction:create'],
  createNamespacedEvent: ['/events:create'],
  listNamespacedPodDisruptionBudget: ['policy/poddisruptionbudgets:list'],
  readNamespacedDeployment: ['apps/deployments:get'],
  readNamespacedStatefulSet: ['apps/statefulsets:get'],
  readNamespacedReplicaSet: ['apps/replicasets:get'],
  // Workload recovery (workload-reader.ts, workload-kinds.ts, workload-writer.ts).
  readNamespacedDaemonSet: ['apps/daemonsets:get'],
  readNamespacedJob: ['batch/jobs:get'],
  readNamespace: ['/namespaces:get'],
  listNamespacedPod: ['/pods:list'],
  listNamespacedReplicaSet: ['apps/replicasets:list'],
  listNamespacedControllerRevision: ['apps/controllerrevisions:list'],
  listNamespacedEvent: ['/events:list'],
  listNamespacedHorizontalPodAutoscaler: ['autoscaling/horizontalpodautoscalers:list'],
  readNamespacedPodLog: ['/pods/log:get'],
  patchNamespacedDeployment: ['apps/deployments:patch'],
  patchNamespacedStatefulSet: ['apps/statefulsets:patch'],
  patchNamespacedDaemonSet: ['apps/daemonsets:patch'],
  patchNamespacedReplicaSet: ['apps/replicasets:patch'],
  // Service recovery (services.ts, service-pods.ts, scaling.ts).
  readNamespacedService: ['/services:get'],
  patchNamespacedService: ['/services:patch'],
  listNamespacedEndpointSlice: ['discovery.k8s.io/endpointslices:list'],
  // The only custom object the worker touches is a Cluster API Machine (MachineResource).
  deleteNamespacedCustomObject: ['cluster.x-k8s.io/machines:delete'],
};
const DETECTOR_CALLS: Record<string, Need> = {
  // Each list function feeds a ListWatch, which then watches the same path.
  listNode: ['/nodes:list', '/nodes:watch'],
  listNamespacedConfigMap: ['/configmaps:list', '/configmaps:watch'],
  createNamespacedEvent: ['/events:create'],
  // The pod source (pod-informers.ts): pods, their ReplicaSets' owners, namespaces' labels.
  listPodForAllNamespaces: ['/pods:list', '/pods:watch'],
  listReplicaSetForAllNamespaces: ['apps/replicasets:list', 'apps/replicasets:watch'],
  listNamespace: ['/namespaces:list', '/namespaces:watch'],
  // The storage source: Warning Events of every namespace.
  listEventForAllNamespaces: ['/events:list', '/events:watch'],
  // The service source (service-informers.ts): Services and their EndpointSlices.
  listServiceForAllNamespaces: ['/services:list', '/services:watch'],
  listEndpointSliceForAllNamespaces: [
    'discovery.k8s.io/endpointslices:list',
    'discovery.k8s.io/endpointslices:watch',
  ],
};

/** The files of the detector's side of the adapter: the informers, the pod source's among them. */
const DETECTOR_ADAPTER_FILES = [
  'src/activities/kubernetes/watch.ts',
  'src/activities/kubernetes/events.ts',
  'src/activities/kubernetes/pod-informers.ts',
  'src/activities/kubernetes/service-informers.ts',
];
const detectorNeeds = () => new Set(DETECTOR_ADAPTER_FILES.flatMap((f) => [...needsOf(f, DETECTOR_CALLS)]));
const KNOWN_API_CLASSES = new Set([
  'CoreV1Api',
  'AppsV1Api',
  'PolicyV1Api',
  'CustomObjectsApi',
  'BatchV1Api',
  'AutoscalingV2Api',
  'DiscoveryV1Api',
]);

/** The RBAC a source file's client calls need, per the table; throws on a call the table lacks. */
function needsOf(file: string, table: Record<string, Need>): Set<string> {
  const source = readFileSync(join(root, file), 'utf8');
  for (const [, api] of source.matchAll(/makeApiClient\((\w+)\)/g))
    if (!KNOWN_API_CLASSES.has(api ?? ''))
      throw new Error(
        `${file} makes a ${api} client: add its calls to this test's tables and its RBAC to deploy/`,
      );
  const needs = new Set<string>();
  for (const [, method] of source.matchAll(
    /\b(?:core|apps|policy|custom|batch|autoscaling|discovery)\.(\w+)\(/g,
  )) {
    const need = table[method ?? ''];
    if (!need)
      throw new Error(`${file} calls ${method}: add it to this test's table and its RBAC to deploy/`);
    need.forEach((n) => needs.add(n));
  }
  return needs;
}

const sorted = (set: Iterable<string>) => [...set].sort();

/**
 * The files of the worker's cluster adapter (one per resource): every file of the Kubernetes
 * adapter but the detector's informers, the live config source and the node providers.
 */
function remediationAdapterFiles(): string[] {
  const dir = 'src/activities/kubernetes';
  const others = new Set([
    'watch.ts',
    'live-config-source.ts',
    'node-providers.ts',
    'pod-informers.ts',
    'pod-trim.ts',
    'service-informers.ts',
    'service-trim.ts',
  ]);
  return readdirSync(join(root, dir))
    .filter((file) => file.endsWith('.ts') && !others.has(file))
    .map((file) => `${dir}/${file}`);
}

describe('RBAC', () => {
  test('no wildcard verbs, resources or API groups, and no non-resource URLs', () => {
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles)
      for (const rule of role.rules ?? []) {
        const where = `${role.kind} ${role.metadata.name}`;
        expect({ where, verbs: rule.verbs?.includes('*') }).toEqual({ where, verbs: false });
        expect({ where, resources: rule.resources?.some((r) => r.includes('*')) }).toEqual({
          where,
          resources: false,
        });
        expect({ where, apiGroups: rule.apiGroups?.includes('*') }).toEqual({ where, apiGroups: false });
        expect({ where, nonResourceURLs: rule.nonResourceURLs }).toEqual({
          where,
          nonResourceURLs: undefined,
        });
        expect(rule.verbs?.length).toBeGreaterThan(0);
      }
  });

  test('every binding names a role in deploy/ and a ServiceAccount of the product', () => {
    const serviceAccounts = objects.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name);
    expect(sorted(serviceAccounts)).toEqual([
      'self-healing-detector',
      'self-healing-slack',
      'self-healing-worker',
    ]);
    for (const binding of bindings) {
      expect(() => rolesOf(binding.subjects?.[0]?.name ?? '')).not.toThrow();
      for (const subject of binding.subjects ?? []) {
        expect(subject.kind).toBe('ServiceAccount');
        expect(serviceAccounts).toContain(subject.name);
        expect(subject.namespace).toBe('self-healing');
      }
    }
  });

  test('the worker ClusterRole grants pods/eviction create and nodes patch', () => {
    const worker = grants(find('ClusterRole', 'self-healing-worker').rules ?? []);
    expect(worker.has('/pods/eviction:create')).toBe(true);
    expect(worker.has('/nodes:patch')).toBe(true);
  });

  test('the worker is granted exactly what the cluster adapter calls; node providers add only their own verbs', () => {
    const cluster = new Set(remediationAdapterFiles().flatMap((file) => [...needsOf(file, WORKER_CALLS)]));
    const providers = needsOf('src/activities/kubernetes/node-providers.ts', WORKER_CALLS);
    const base = rolesOf('self-healing-worker').filter(
      (r) => !r.metadata.name.includes('-provider-') && r.metadata.name !== 'self-healing-worker-config',
    );
    const baseGrants = grants(base.flatMap((r) => r.rules ?? []));
    expect(sorted(baseGrants)).toEqual(sorted(cluster));

    const providerRoles = rolesOf('self-healing-worker').filter((r) =>
      r.metadata.name.includes('-provider-'),
    );
    expect(sorted(providerRoles.map((r) => r.metadata.name))).toEqual([
      'self-healing-worker-provider-cluster-api',
      'self-healing-worker-provider-delete-node',
      'self-healing-worker-provider-sim',
    ]);
    // Together, base and providers cover every call and nothing else.
    const everything = new Set([...baseGrants, ...grants(providerRoles.flatMap((r) => r.rules ?? []))]);
    expect(sorted(everything)).toEqual(sorted(new Set([...cluster, ...providers])));
    // Creating nodes is the lab's sim provider only.
    for (const role of [...base, ...providerRoles])
      if (role.metadata.name !== 'self-healing-worker-provider-sim')
        expect(grants(role.rules ?? []).has('/nodes:create')).toBe(false);
  });

  test("the worker writes Events only where its adapters record them: Node Events in default, config Events in its namespace, workload Events in the workload's", () => {
    const source = readFileSync(join(root, 'src/activities/kubernetes/cluster.ts'), 'utf8');
    expect(source).toMatch(/createNamespacedEvent\(\{\s*namespace: 'default'/);
    const writer = readFileSync(join(root, 'src/activities/kubernetes/workload-writer.ts'), 'utf8');
    expect(writer).toMatch(
      /const \{ namespace, name, kind \} = target;[\s\S]*createNamespacedEvent\(\{ namespace, body \}\)/,
    );
    const eventRoles = rolesOf('self-healing-worker').filter((r) =>
      grants(r.rules ?? []).has('/events:create'),
    );
    expect(eventRoles.map((r) => `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`)).toEqual([
      'ClusterRole undefined/self-healing-worker',
      'Role default/self-healing-worker-events',
      'Role self-healing/self-healing-worker-config',
    ]);
  });

  test('the worker reads the live config as the detector does: its ConfigMap by name, Events on it', () => {
    // The worker builds the detector's config source over the watch adapter's ConfigMap informer
    // and Event recorder: those calls, and only those (no node informer), are what it needs.
    const main = readFileSync(join(root, 'src/worker/main.ts'), 'utf8');
    expect(main).toMatch(/createClusterConfigSource\(\s*createDetectorKubernetes\(/);
    const adapter = new Set(
      ['watch.ts', 'events.ts'].flatMap((f) => [
        ...needsOf(`src/activities/kubernetes/${f}`, DETECTOR_CALLS),
      ]),
    );
    const configNeeds = [...adapter].filter((n) => n.startsWith('/configmaps:') || n === '/events:create');
    const role = find('Role', 'self-healing-worker-config', 'self-healing');
    expect(sorted(grants(role.rules ?? []))).toEqual(sorted(configNeeds));
    const defaults = envSchema.parse({});
    expect(role.metadata.namespace).toBe(defaults.SELF_HEALING_CONFIG_NAMESPACE);
    expect((role.rules ?? []).filter((r) => r.resources?.includes('configmaps'))).toEqual([
      {
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: [defaults.SELF_HEALING_CONFIG_NAME],
        verbs: ['list', 'watch'],
      },
    ]);
    // Same rights as the detector's namespaced Role: one ConfigMap, Events in its namespace.
    const detector = find('Role', 'self-healing-detector', 'self-healing');
    expect(sorted(grants(role.rules ?? []))).toEqual(sorted(grants(detector.rules ?? [])));
  });

  test('the detector is granted exactly what its adapter calls, and no write verb on nodes', () => {
    const needs = detectorNeeds();
    const detectorRoles = rolesOf('self-healing-detector');
    expect(sorted(grants(detectorRoles.flatMap((r) => r.rules ?? [])))).toEqual(sorted(needs));
    for (const role of detectorRoles)
      for (const rule of role.rules ?? [])
        if (rule.resources?.some((r) => r === 'nodes' || r.startsWith('nodes/')))
          expect(rule.verbs?.filter((v) => !['get', 'list', 'watch'].includes(v))).toEqual([]);
    // The ConfigMap is a namespaced grant; reading Warning Events (the storage rule) and writing
    // Events on Services (a bad annotation, in the Service's namespace) are cluster-wide.
    const clusterWide = grants(find('ClusterRole', 'self-healing-detector').rules ?? []);
    expect(sorted(clusterWide)).toEqual([
      '/events:create',
      '/events:list',
      '/events:watch',
      '/namespaces:list',
      '/namespaces:watch',
      '/nodes:list',
      '/nodes:watch',
      '/pods:list',
      '/pods:watch',
      '/services:list',
      '/services:watch',
      'apps/replicasets:list',
      'apps/replicasets:watch',
      'discovery.k8s.io/endpointslices:list',
      'discovery.k8s.io/endpointslices:watch',
    ]);
    // Read-only but for Events: the sources never write what they watch.
    for (const grant of clusterWide) expect(grant).toMatch(/:(list|watch)$|^\/events:create$/);
  });

  test('the detector reads only its own ConfigMap, by the name its environment defaults to', () => {
    const role = find('Role', 'self-healing-detector', 'self-healing');
    const configMapRules = (role.rules ?? []).filter((r) => r.resources?.includes('configmaps'));
    const defaults = envSchema.parse({});
    expect(configMapRules).toEqual([
      {
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: [defaults.SELF_HEALING_CONFIG_NAME],
        verbs: ['list', 'watch'],
      },
    ]);
    expect(role.metadata.namespace).toBe(defaults.SELF_HEALING_CONFIG_NAMESPACE);
    // resourceNames on list/watch only work with a metadata.name field selector: the informer sends one.
    expect(readFileSync(join(root, 'src/activities/kubernetes/watch.ts'), 'utf8')).toMatch(
      /const fieldSelector = `metadata\.name=\$\{name\}`/,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Workloads

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
}
interface PodSpec {
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  hostNetwork?: boolean;
  hostPID?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  containers: Container[];
  initContainers?: Container[];
}
const podSpecOf = (deployment: K8sObject): PodSpec =>
  (deployment.spec as { template: { spec: PodSpec } }).template.spec;
const replicasOf = (deployment: K8sObject): number => (deployment.spec as { replicas: number }).replicas;

describe('Deployments', () => {
  test('there are three: the worker (2 replicas), the detector (1) and the optional Slack app', () => {
    expect(sorted(deployments.map((d) => d.metadata.name))).toEqual([
      'self-healing-detector',
      'self-healing-slack',
      'self-healing-worker',
    ]);
    expect(replicasOf(find('Deployment', 'self-healing-worker'))).toBe(2);
    expect(replicasOf(find('Deployment', 'self-healing-detector'))).toBe(1);
  });

  test.each(deployments.map((d) => [d.metadata.name, d] as const))(
    '%s: every container drops ALL capabilities, runs as non-root, read-only, without escalation, with limits',
    (name, deployment) => {
      const pod = podSpecOf(deployment);
      expect(pod.serviceAccountName).toBe(name);
      expect(pod.hostNetwork ?? false).toBe(false);
      expect(pod.hostPID ?? false).toBe(false);
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        const sc = container.securityContext ?? {};
        expect(sc.capabilities?.drop).toEqual(['ALL']);
        expect(sc.capabilities?.add).toBeUndefined();
        expect(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot).toBe(true);
        // Numeric, or the kubelet cannot check runAsNonRoot against the image's named user.
        expect(sc.runAsUser ?? pod.securityContext?.runAsUser).toBeGreaterThan(0);
        expect(sc.allowPrivilegeEscalation).toBe(false);
        expect(sc.readOnlyRootFilesystem).toBe(true);
        expect(sc.privileged ?? false).toBe(false);
        expect((sc.seccompProfile ?? pod.securityContext?.seccompProfile)?.type).toBe('RuntimeDefault');
        expect(container.resources?.requests?.cpu).toBeDefined();
        expect(container.resources?.requests?.memory).toBeDefined();
        expect(container.resources?.limits?.memory).toBeDefined();
      }
    },
  );

  test('memory limits: detector 256Mi, worker 512Mi', () => {
    const limit = (name: string) =>
      podSpecOf(find('Deployment', name)).containers[0]?.resources?.limits?.memory;
    expect(limit('self-healing-detector')).toBe('256Mi');
    expect(limit('self-healing-worker')).toBe('512Mi');
  });

  test("the worker's termination grace period exceeds its shutdownGraceTime", () => {
    const source = readFileSync(join(root, 'src/worker/create-worker.ts'), 'utf8');
    const match = /shutdownGraceTime \?\? '(\d+)s'/.exec(source);
    if (!match)
      throw new Error('src/worker/create-worker.ts: default shutdownGraceTime not found; update this test');
    const grace = podSpecOf(find('Deployment', 'self-healing-worker')).terminationGracePeriodSeconds ?? 30;
    expect(grace).toBeGreaterThan(Number(match[1]));
  });

  test('the entrypoints the Deployments run exist in the build', () => {
    for (const deployment of deployments)
      for (const container of podSpecOf(deployment).containers) {
        // Node's own flags (e.g. --max-semi-space-size=1) come before the script.
        const script = (container.args ?? []).find((arg) => !arg.startsWith('-'));
        expect(script).toMatch(/^dist\/.+\.js$/);
        const source = (script ?? '').replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
        expect(() => readFileSync(join(root, source))).not.toThrow();
      }
  });
});

// ---------------------------------------------------------------------------------------------
// ConfigMap

describe('the recovery ConfigMap', () => {
  test('lists every key, each at its default, and is valid', () => {
    const configMap = find('ConfigMap', 'self-healing-config', 'self-healing');
    const data = configMap.data ?? {};
    expect(sorted(Object.keys(data))).toEqual(sorted(recoveryConfigKeys()));
    for (const [key, value] of Object.entries(data))
      expect({ key, type: typeof value }).toEqual({ key, type: 'string' });
    expect(parseRecoveryConfig(data)).toEqual(defaultRecoveryConfig);
  });
});
