/**
 * Presets as a base plus differences (design "presets as data"; variants as
 * configs): `variant(base, { model: { dim: 384 } })` is `base` with the fields
 * named in the changes replaced, nested objects merged field by field and arrays
 * replaced whole; an object whose `kind` differs from the base's (an LR schedule of
 * another kind) replaces it whole; a field set to `undefined` is removed. The base is not modified.
 */

/** The fields of `T` that a variant may change, at any depth. */
export type PresetChanges<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? PresetChanges<T[K]> : T[K] };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A fresh copy of `base` with `changes` applied (nested objects merged, everything else replaced). */
export function variant<T>(base: T, changes: PresetChanges<T>): T {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const [key, value] of Object.entries(changes as Record<string, unknown>)) {
    if (value === undefined) {
      delete out[key];
      continue;
    }
    const old = out[key];
    const merge = isPlainObject(value) && isPlainObject(old) && (value.kind === undefined || value.kind === old.kind);
    out[key] = merge ? variant(old, value) : structuredClone(value);
  }
  return out as T;
}
