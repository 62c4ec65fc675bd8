/**
 * The Prometheus file_sd target file of the backends' `/metrics`: the lab's Prometheus reads
 * `$STATE_DIR/prometheus/targets/*.json` and picks up changes without a restart.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Backends } from './conventions';

/** Writes `[{"targets":["127.0.0.1:<port>"],"labels":{"job":"lab-backends"}}]` atomically. */
export async function writeTargets(file: string, port: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const groups = [{ targets: [`127.0.0.1:${port}`], labels: { job: Backends.job } }];
  await writeFile(tmp, `${JSON.stringify(groups, null, 2)}\n`);
  await rename(tmp, file);
}

export async function removeTargets(file: string): Promise<void> {
  await rm(file, { force: true });
}
