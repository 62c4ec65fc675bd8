/**
 * Reading Prometheus text exposition (the apiserver's `/metrics`), shared by the lab suites and the
 * benchmarks: one parser, so both count the same samples the same way.
 */
import { request } from 'node:https';
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** One sample of a metric: its labels and value. */
export interface Sample {
  labels: Record<string, string>;
  /** The label set as written, e.g. `{verb="GET",resource="nodes"}`. */
  labelText: string;
  value: number;
}

/** The samples of `metric` in a text exposition (other metrics, comments and blank lines skipped). */
export function samplesOf(text: string, metric: string): Sample[] {
  const prefix = `${metric}{`;
  return text.split('\n').flatMap((line): Sample[] => {
    // A metric without labels: `name value`.
    if (line.startsWith(`${metric} `))
      return [{ labels: {}, labelText: '', value: Number(line.slice(line.lastIndexOf(' ') + 1)) }];
    if (!line.startsWith(prefix)) return [];
    const labelText = line.slice(metric.length, line.lastIndexOf('}') + 1);
    const labels = Object.fromEntries(
      [...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    return [{ labels, labelText, value: Number(line.slice(line.lastIndexOf(' ') + 1)) }];
  });
}

/** The apiserver's `/metrics`, read with the kubeconfig's identity. */
export async function apiserverMetrics(kc: KubeConfig): Promise<string> {
  const server = new URL(kc.getCurrentCluster()?.server ?? '');
  const options: RequestOptions = {
    hostname: server.hostname,
    port: server.port,
    path: '/metrics',
    method: 'GET',
  };
  await kc.applyToHTTPSOptions(options);
  return new Promise<string>((resolve, reject) => {
    const req = request(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}
