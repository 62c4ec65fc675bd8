/** Kubernetes memory quantities (`512Mi`, `1.5Gi`, `1G`, `1e9`, plain bytes) to and from bytes. */

/** The forms {@link quantityBytes} reads. */
export const QUANTITY = /^(\d+(?:\.\d+)?)(?:(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E|m)|e(\d+))?$/;

const UNITS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  m: 1e-3,
};

/** Bytes of a quantity, or undefined when it is not one. */
export function quantityBytes(quantity: string | number | undefined): number | undefined {
  if (quantity === undefined) return undefined;
  const match = QUANTITY.exec(String(quantity).trim());
  if (!match) return undefined;
  const [, value, unit, exponent] = match;
  const scale = unit ? UNITS[unit]! : exponent ? 10 ** Number(exponent) : 1;
  return Math.ceil(Number(value) * scale);
}

/** Bytes as the shortest exact binary quantity (`768Mi`), rounded up to a whole Mi. */
export function bytesQuantity(bytes: number): string {
  const mi = Math.ceil(bytes / 2 ** 20);
  return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}
