/**
 * Argument checks shared by the masking strategies (spec §2): each failure is one
 * sentence naming the option, what is wrong and what is expected.
 */

/** Throws unless `value` is a non-negative integer. */
export function assertCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got ${value}.`);
  }
}

/** Throws unless `value` is an integer ≥ `min` (default 1). */
export function assertIntegerAtLeast(name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer of at least ${min}, got ${value}.`);
  }
}

/** Throws unless `value` lies in [0, 1]. */
export function assertProbability(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0 && value <= 1)) {
    throw new Error(`${name} must be a probability in [0, 1], got ${value}.`);
  }
}

/** Throws unless `value` is a finite number. */
export function assertFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new Error(`${name} must be a finite number, got ${value}.`);
}

/** `defaults` with every option of `overrides` that is not `undefined` laid over it. */
export function withDefaults<T extends object>(defaults: Readonly<T>, overrides: Partial<T>): T {
  const out = { ...defaults } as T;
  for (const key of Object.keys(overrides) as Array<keyof T>) {
    const value = overrides[key];
    if (value !== undefined) out[key] = value as T[keyof T];
  }
  return out;
}
