/**
 * Memory quantities as Kubernetes writes them (`300Mi`, `1Gi`, `512M`, `1e9`, `128974848`).
 * The kubelet compares a container's need with its limit, so both are turned into bytes.
 */
const suffixes: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  m: 1e-3,
};

const pattern = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$/;

/**
 * Bytes of a quantity.
 * @param what names the field in the error, e.g. `memory of registry.lab/shop/web:1.0`.
 * @throws Error naming the field and the value when it is not a quantity.
 */
export function parseQuantity(value: string | number, what: string): number {
  if (typeof value === 'number') return value;
  const match = pattern.exec(value.trim());
  if (!match) throw new Error(`${what}: "${value}" is not a Kubernetes quantity (e.g. 256Mi, 1Gi, 500M)`);
  return Number(match[1]) * (suffixes[match[2] ?? ''] ?? 1);
}
