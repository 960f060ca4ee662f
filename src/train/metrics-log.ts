/**
 * The per-update metrics table (design "diagnostics as data"): one CSV row per
 * optimizer update, appended as training goes, and cut back to the checkpoint's
 * update when a run resumes, so the file always matches the weights.
 */
import * as fs from 'fs';
import { withFile } from '../util/io-error';

export type MetricsRow = Record<string, number>;

/** The columns every run writes, in order (others follow alphabetically). */
export const METRIC_COLUMNS = ['step', 'loss', 'target_var', 'pred_var', 'lr', 'ema_decay', 'grad_norm', 'samples_per_sec', 'seconds'];

export class MetricsLog {
  private columns: string[] | undefined;
  readonly rows: MetricsRow[] = [];

  constructor(readonly file?: string) {}

  /** Reload rows up to and including `step` from an existing file and rewrite it with just those. */
  resume(step: number): void {
    if (!this.file || !fs.existsSync(this.file)) return;
    const file = this.file;
    const [head, ...lines] = withFile('read', file, () => fs.readFileSync(file, 'utf8')).split('\n').filter((l) => l.length > 0);
    if (!head) return;
    this.columns = head.split(',');
    for (const line of lines) {
      const values = line.split(',').map(Number);
      const row: MetricsRow = {};
      this.columns.forEach((c, i) => (row[c] = values[i]));
      if (row.step <= step) this.rows.push(row);
    }
    withFile('write', file, () => fs.writeFileSync(file, [head, ...this.rows.map((r) => this.format(r))].join('\n') + '\n'));
  }

  private format(row: MetricsRow): string {
    return this.columns!.map((c) => (row[c] === undefined || Number.isNaN(row[c]) ? '' : String(row[c]))).join(',');
  }

  append(row: MetricsRow): void {
    if (!this.columns) {
      const extra = Object.keys(row).filter((k) => !METRIC_COLUMNS.includes(k)).sort();
      this.columns = [...METRIC_COLUMNS, ...extra];
      const head = this.columns.join(',') + '\n';
      if (this.file) withFile('write', this.file, () => fs.writeFileSync(this.file!, head));
    }
    this.rows.push(row);
    if (this.file) withFile('write', this.file, () => fs.appendFileSync(this.file!, this.format(row) + '\n'));
  }
}
