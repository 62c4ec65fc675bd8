/**
 * Request metrics of every backend instance, in the Prometheus text format (prom-client is not a
 * dependency, and two metric families do not need it). Labels: `namespace` and `backend` (the
 * workload's name), `code`, and `pod` only when asked for, so that the number of series grows with
 * backends, not with rollouts.
 */

/** Upper bounds of the duration histogram, in seconds (prom-client's defaults). */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Who answered a request. */
export interface Origin {
  namespace: string;
  backend: string;
  pod: string;
}

interface Histogram {
  labels: string;
  buckets: number[];
  sum: number;
  count: number;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
}

/** Counts requests and durations, and writes them out for `/metrics`. */
export class RequestMetrics {
  private readonly perPod: boolean;
  private readonly requests = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();
  private readonly instances = new Map<string, number>();

  /** @param perPod adds a `pod` label to every series. */
  constructor(perPod = false) {
    this.perPod = perPod;
  }

  private base(origin: Origin): [string, string][] {
    const pairs: [string, string][] = [
      ['namespace', origin.namespace],
      ['backend', origin.backend],
    ];
    if (this.perPod) pairs.push(['pod', origin.pod]);
    return pairs;
  }

  /** Records one answered request. */
  observe(origin: Origin, code: number, seconds: number): void {
    const counted = labelText([...this.base(origin), ['code', String(code)]]);
    this.requests.set(counted, (this.requests.get(counted) ?? 0) + 1);
    const labels = labelText(this.base(origin));
    let histogram = this.durations.get(labels);
    if (!histogram) {
      histogram = { labels, buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.durations.set(labels, histogram);
    }
    DURATION_BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) histogram.buckets[i] = (histogram.buckets[i] ?? 0) + 1;
    });
    histogram.sum += seconds;
    histogram.count += 1;
  }

  /** Sets how many instances of a backend are serving (a gauge, always per backend). */
  setInstances(namespace: string, backend: string, count: number): void {
    this.instances.set(
      labelText([
        ['namespace', namespace],
        ['backend', backend],
      ]),
      count,
    );
  }

  /** The text exposition format, version 0.0.4. */
  render(): string {
    const lines: string[] = [
      '# HELP lab_backend_http_requests_total Requests answered by lab backends.',
      '# TYPE lab_backend_http_requests_total counter',
      ...[...this.requests].map(([labels, n]) => `lab_backend_http_requests_total{${labels}} ${n}`),
      '# HELP lab_backend_http_request_duration_seconds Time from request to answer in lab backends.',
      '# TYPE lab_backend_http_request_duration_seconds histogram',
    ];
    for (const h of this.durations.values()) {
      DURATION_BUCKETS.forEach((bound, i) => {
        lines.push(
          `lab_backend_http_request_duration_seconds_bucket{${h.labels},le="${bound}"} ${h.buckets[i] ?? 0}`,
        );
      });
      lines.push(`lab_backend_http_request_duration_seconds_bucket{${h.labels},le="+Inf"} ${h.count}`);
      lines.push(`lab_backend_http_request_duration_seconds_sum{${h.labels}} ${h.sum}`);
      lines.push(`lab_backend_http_request_duration_seconds_count{${h.labels}} ${h.count}`);
    }
    lines.push(
      '# HELP lab_backend_instances Instances of a lab backend serving now (Ready pods).',
      '# TYPE lab_backend_instances gauge',
      ...[...this.instances].map(([labels, n]) => `lab_backend_instances{${labels}} ${n}`),
    );
    return `${lines.join('\n')}\n`;
  }
}
