/**
 * The product's metrics on the lab: free ports for its endpoints, file_sd targets announced to the
 * lab's Prometheus (scripts/lab/prometheus-up.sh reads $LAB_TARGETS_DIR/*.json), a direct scrape,
 * and instant queries through Prometheus' HTTP API.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Sample } from '../../tools/sim/prometheus';
import { samplesOf } from '../../tools/sim/prometheus';

const HINT = 'run the lab suites with `make test` (scripts/lab/up.sh exports it)';

export function prometheusUrl(): string {
  const url = process.env.PROMETHEUS_URL;
  if (!url) throw new Error(`PROMETHEUS_URL is not set; ${HINT}`);
  return url;
}

/** A TCP port on 127.0.0.1 free right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function targetsFile(name: string): string {
  const dir = process.env.LAB_TARGETS_DIR;
  if (!dir) throw new Error(`LAB_TARGETS_DIR is not set; ${HINT}`);
  return path.join(dir, `${name}.json`);
}

/** Tells the lab's Prometheus to scrape these ports, each under its job (file_sd, written atomically). */
export function announceTargets(name: string, targets: { job: string; port: number }[]): void {
  const file = targetsFile(name);
  const groups = targets.map(({ job, port }) => ({
    targets: [`127.0.0.1:${port}`],
    labels: { job, run: name },
  }));
  writeFileSync(`${file}.tmp`, JSON.stringify(groups));
  renameSync(`${file}.tmp`, file);
}

export function withdrawTargets(name: string): void {
  rmSync(targetsFile(name), { force: true });
}

/** The samples of `metric` at a process's `/metrics`. */
export async function scrape(port: number, metric: string): Promise<Sample[]> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!response.ok) throw new Error(`GET 127.0.0.1:${port}/metrics answered ${response.status}`);
  return samplesOf(await response.text(), metric);
}

/** The sum of the samples whose labels include `labels`. */
export function total(samples: Sample[], labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

export interface PromSeries {
  metric: Record<string, string>;
  value: number;
}

/** An instant query through Prometheus' HTTP API. @throws on an error answer, naming the query */
export async function promQuery(expr: string): Promise<PromSeries[]> {
  const url = `${prometheusUrl()}/api/v1/query?query=${encodeURIComponent(expr)}`;
  const response = await fetch(url);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success' || !body.data)
    throw new Error(`query ${expr} failed: ${body.error ?? response.status}`);
  if (body.data.resultType === 'scalar') {
    const [, value] = body.data.result as unknown as [number, string];
    return [{ metric: {}, value: Number(value) }];
  }
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}
