/**
 * The lab registry: which registry.lab images exist and how each behaves when it runs. It lives in
 * the ConfigMap sim-system/sim-registry; each data key holds a YAML list of entries, so that
 * lab/k8s/registry.yaml (the defaults) and the images tests push (one key each) never overwrite
 * each other. Parsing is shared by the sim kubelet and the test helper pushImage.
 */
import { parse } from 'yaml';
import { isLabImage, Kubelet } from './conventions';
import { parseQuantity } from './quantity';

/** How an image behaves, as written in the registry ConfigMap. */
export interface ImageBehaviour {
  /** Memory a run needs at steady state (a quantity, e.g. `200Mi`). Absent: it needs next to none. */
  memory?: string;
  /** When set (non-zero), every run exits with this code, reason `Error`: the image crash-loops. */
  exitCode?: number;
  /** Lines every run prints before it runs on (or, for a crashing image, before it exits). */
  logs?: string[];
}

/** One registry entry as written in the ConfigMap. */
export interface RegistryEntry extends ImageBehaviour {
  image: string;
}

/** An entry checked and with its memory in bytes. */
export interface KnownImage {
  image: string;
  memoryBytes: number;
  exitCode: number | undefined;
  logs: string[];
}

/** Images by reference. */
export type Registry = ReadonlyMap<string, KnownImage>;

/**
 * Checks one entry.
 * @param where names the entry in errors, e.g. `sim-registry key defaults.yaml entry 2`.
 * @throws Error naming the field and its value.
 */
export function checkEntry(entry: unknown, where: string): KnownImage {
  if (typeof entry !== 'object' || entry === null)
    throw new Error(`${where}: expected a mapping, got ${JSON.stringify(entry)}`);
  const e = entry as Record<string, unknown>;
  if (typeof e.image !== 'string' || !isLabImage(e.image)) {
    throw new Error(
      `${where}: image must be a string starting with "${Kubelet.registryHost}/", got ${JSON.stringify(e.image)}`,
    );
  }
  const at = `${where} (${e.image})`;
  if (e.memory !== undefined && typeof e.memory !== 'string' && typeof e.memory !== 'number') {
    throw new Error(`${at}: memory must be a quantity such as 200Mi, got ${JSON.stringify(e.memory)}`);
  }
  const memoryBytes = e.memory === undefined ? 0 : parseQuantity(e.memory, `${at} memory`);
  if (
    e.exitCode !== undefined &&
    (!Number.isInteger(e.exitCode) || (e.exitCode as number) < 0 || (e.exitCode as number) > 255)
  ) {
    throw new Error(`${at}: exitCode must be an integer 0-255, got ${JSON.stringify(e.exitCode)}`);
  }
  if (e.logs !== undefined && (!Array.isArray(e.logs) || e.logs.some((l) => typeof l !== 'string'))) {
    throw new Error(`${at}: logs must be a list of strings, got ${JSON.stringify(e.logs)}`);
  }
  const exitCode = e.exitCode === 0 ? undefined : (e.exitCode as number | undefined);
  return { image: e.image, memoryBytes, exitCode, logs: (e.logs as string[] | undefined) ?? [] };
}

/**
 * Reads every data key of the registry ConfigMap. A key or entry that does not parse is reported
 * through `onError` and left out, so the image is "not found" (ErrImagePull) rather than the whole
 * registry lost. Later keys (in name order) win for an image listed twice.
 */
export function parseRegistry(
  data: Record<string, string> | undefined,
  onError: (message: string) => void,
): Registry {
  const images = new Map<string, KnownImage>();
  for (const key of Object.keys(data ?? {}).sort()) {
    let list: unknown;
    try {
      list = parse(data?.[key] ?? '');
    } catch (error) {
      onError(`${Kubelet.registryName} key ${key}: not YAML: ${String(error)}`);
      continue;
    }
    if (list === null || list === undefined) continue;
    if (!Array.isArray(list)) {
      onError(`${Kubelet.registryName} key ${key}: expected a YAML list of images, got ${typeof list}`);
      continue;
    }
    list.forEach((entry: unknown, i) => {
      try {
        const known = checkEntry(entry, `${Kubelet.registryName} key ${key} entry ${i + 1}`);
        images.set(known.image, known);
      } catch (error) {
        onError((error as Error).message);
      }
    });
  }
  return images;
}
