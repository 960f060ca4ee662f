/**
 * Reading an HF `config.json` (design "weights others can read"): typed field
 * access whose errors name the file, the field, the cause and the fix, and the
 * activation check every data2vec class shares.
 */

/** An HF config as `to_dict()` writes it. */
export type HfConfig = Record<string, unknown>;

/** Typed access to one HF config, naming `source` in its errors. */
export class HfConfigReader {
  constructor(readonly config: HfConfig, readonly source: string) {}

  private fail(field: string, what: string): never {
    throw new Error(`${this.source}: "${field}" ${what}; fix the field or re-save the model with transformers' save_pretrained.`);
  }

  /** A positive integer field (a size). */
  int(field: string, fallback?: number): number {
    const v = this.config[field] ?? fallback;
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0)) this.fail(field, `must be a non-negative integer, got ${JSON.stringify(v)}`);
    return v as number;
  }

  num(field: string, fallback?: number): number {
    const v = this.config[field] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, `must be a number, got ${JSON.stringify(v)}`);
    return v as number;
  }

  bool(field: string, fallback?: boolean): boolean {
    const v = this.config[field] ?? fallback;
    if (typeof v !== 'boolean') this.fail(field, `must be true or false, got ${JSON.stringify(v)}`);
    return v as boolean;
  }

  str(field: string, fallback?: string): string {
    const v = this.config[field] ?? fallback;
    if (typeof v !== 'string') this.fail(field, `must be a string, got ${JSON.stringify(v)}`);
    return v as string;
  }

  intList(field: string, length: number): number[] {
    const v = this.config[field];
    if (!Array.isArray(v) || v.length !== length || !v.every((x) => Number.isInteger(x) && x > 0)) {
      this.fail(field, `must be a list of ${length} positive integers, got ${JSON.stringify(v)}`);
    }
    return v as number[];
  }

  /** The encoders here use exact GELU (PyTorch `nn.GELU()`, HF "gelu"). */
  gelu(field: string): void {
    const v = this.str(field, 'gelu');
    if (v !== 'gelu') this.fail(field, `is ${JSON.stringify(v)}, but these encoders implement only "gelu" (exact GELU)`);
  }

  /** Refuse a flag that selects a layout these encoders do not have. */
  refuse(field: string, value: unknown, why: string): void {
    if (this.config[field] === value) this.fail(field, `is ${JSON.stringify(value)}: ${why}`);
  }
}
