/**
 * Tables as HTML for notebooks: metrics, configs and results from a danfojs `DataFrame`
 * (anything with `columns` and `values`), a list of row objects, or one record (shown as
 * field/value rows). Numbers are rounded to a few significant digits; long tables are cut
 * with a note saying how many rows were left out.
 */
import { escapeHtml } from './report';

/** What a danfojs `DataFrame` offers that a table needs. */
export interface DataFrameLike {
  columns: string[];
  values: unknown[] | unknown[][];
  index?: Array<string | number>;
}

/** A data frame, row objects, or one record (field → value). */
export type TableInput = DataFrameLike | ReadonlyArray<Record<string, unknown>> | Record<string, unknown>;

/** Options of {@link tableHtml}. */
export interface TableOptions {
  /** Caption above the table. */
  caption?: string;
  /** Significant digits of non-integer numbers (default 4). */
  digits?: number;
  /** Rows shown before the rest is summarised (default 60). */
  maxRows?: number;
  /** Show a data frame's index as the first column (default: only when it is not 0..n-1). */
  showIndex?: boolean;
}

function isDataFrameLike(input: TableInput): input is DataFrameLike {
  return !Array.isArray(input) && Array.isArray((input as DataFrameLike).columns) && Array.isArray((input as DataFrameLike).values);
}

/** One cell's text: numbers rounded, objects as compact JSON, nullish as empty. */
export function formatCell(value: unknown, digits = 4): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    return String(Number(value.toPrecision(digits)));
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(digits)) : v));
  } catch {
    return String(value);
  }
}

/** Header and rows of any table input, plus the index column when one should show. */
export function tableCells(input: TableInput, showIndex?: boolean): { header: string[]; rows: unknown[][] } {
  if (isDataFrameLike(input)) {
    const values = input.values.length > 0 && !Array.isArray(input.values[0]) ? (input.values as unknown[]).map((v) => [v]) : (input.values as unknown[][]);
    const index = input.index ?? values.map((_, i) => i);
    const trivial = index.every((v, i) => v === i);
    if (showIndex ?? !trivial) {
      return { header: ['', ...input.columns], rows: values.map((r, i) => [index[i], ...r]) };
    }
    return { header: [...input.columns], rows: values.map((r) => [...r]) };
  }
  if (Array.isArray(input)) {
    const rows = input as ReadonlyArray<Record<string, unknown>>;
    const header: string[] = [];
    for (const r of rows) for (const k of Object.keys(r)) if (!header.includes(k)) header.push(k);
    return { header, rows: rows.map((r) => header.map((k) => r[k])) };
  }
  const record = input as Record<string, unknown>;
  return { header: ['field', 'value'], rows: Object.entries(record).map(([k, v]) => [k, v]) };
}

/** An HTML `<table>` of the input, escaped, with numbers right-aligned. */
export function tableHtml(input: TableInput, options: TableOptions = {}): string {
  const digits = options.digits ?? 4;
  const maxRows = options.maxRows ?? 60;
  if (!(Number.isInteger(maxRows) && maxRows > 0)) throw new Error(`maxRows must be a positive integer, got ${maxRows}.`);
  const { header, rows } = tableCells(input, options.showIndex);
  const cell = (v: unknown, tag: 'td' | 'th') => {
    const align = typeof v === 'number' ? ' style="text-align:right"' : '';
    return `<${tag}${align}>${escapeHtml(formatCell(v, digits))}</${tag}>`;
  };
  const head = `<thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const shown = rows.slice(0, maxRows);
  const body = shown.map((r) => `<tr>${r.map((v) => cell(v, 'td')).join('')}</tr>`).join('\n');
  const more = rows.length > maxRows ? `<tr><td colspan="${header.length}"><em>… ${rows.length - maxRows} more rows</em></td></tr>` : '';
  const caption = options.caption !== undefined ? `<caption style="caption-side:top;text-align:left;font-weight:bold">${escapeHtml(options.caption)}</caption>` : '';
  return `<table class="d2v-table" style="border-collapse:collapse;font-variant-numeric:tabular-nums">${caption}${head}<tbody>\n${body}${more}\n</tbody></table>`;
}
