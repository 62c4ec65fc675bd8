/**
 * Names shared by the lab backends (this folder), scripts/lab/backends-up.sh, the test helpers in
 * tools/sim and docs/lab.md. Keep them in sync.
 */
export const Backends = {
  /**
   * Pod label (value `true`) that makes a pod a backend: while it is Ready, the backends process
   * serves it as a real HTTP server on a 127.0.0.1 port of its own. Set it in a Deployment's pod
   * template, so that every pod of every rollout is one.
   */
  backendLabel: 'lab.self-healing.io/backend',
  /**
   * Service annotation holding an equality selector (`app=web,tier=front`), read only when the
   * Service has no `spec.selector`: the lab's former convention, from when kube-controller-manager
   * wrote the slices of selector Services. Prefer `spec.selector`, as on a real cluster.
   */
  selectorAnnotation: 'lab.self-healing.io/selector',
  /** Pod annotation: milliseconds added to every answer. */
  latencyAnnotation: 'lab.self-healing.io/latency-ms',
  /** Pod annotation: requests per second served at full speed; the latency applies only above it. */
  capacityAnnotation: 'lab.self-healing.io/capacity-rps',
  /** Pod annotation: a Service (same namespace) it calls per request; 503 while that has no ready endpoint. */
  upstreamAnnotation: 'lab.self-healing.io/upstream',
  /** Pod annotation: the share of requests answered 500, from 0 to 1. */
  errorRateAnnotation: 'lab.self-healing.io/error-rate',
  /**
   * `endpointslice.kubernetes.io/managed-by` of the slices the backends process writes (for every
   * Service with a selector: it is the lab's EndpointSlice controller). A label
   * value cannot hold a `/`, hence a domain, like upstream's `endpointslice-controller.k8s.io`.
   */
  managedBy: 'backends.lab.self-healing.io',
  /** Prometheus job name in the file_sd target file. */
  job: 'lab-backends',
  /** Default port of `/metrics` (env `LAB_BACKENDS_METRICS_PORT`); the test lab uses 19470. */
  defaultMetricsPort: 9470,
} as const;

/** Well-known Kubernetes labels the backends process writes on its EndpointSlices. */
export const SliceLabels = {
  managedBy: 'endpointslice.kubernetes.io/managed-by',
  serviceName: 'kubernetes.io/service-name',
} as const;
