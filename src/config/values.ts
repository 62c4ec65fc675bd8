/** Value schemas the ConfigMap's keys share: ConfigMap values are strings, coerced and range-checked. */
import { z } from 'zod';

/** Whole seconds within [min, max]. */
export const seconds = (min: number, max: number, def: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

/** `true`/`false`, as a boolean or the ConfigMap's string. */
export const bool = (def: boolean) =>
  z
    .union([z.boolean(), z.enum(['true', 'false'])])
    .transform((v) => v === true || v === 'true')
    .default(def);
