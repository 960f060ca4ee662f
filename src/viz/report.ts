/**
 * A run report: one self-contained HTML page with a summary table, plotly charts drawn
 * from inline plotly.js, the run configuration and notes, loadable with no network
 * (design "diagnostics as data"). A Content-Security-Policy forbids every fetch, so a
 * page that renders has provably used nothing from outside the file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { makeDir, removeQuietly, withFile } from '../util/io-error';
import { plotlyScriptTag } from './plotly-bundle';
import type { PlotlyFigure } from './figures';

/** What a run report shows. */
export interface RunReportInput {
  /** Page heading and `<title>`. */
  title: string;
  /** Key figures of the run (final loss, probe accuracy, wall time ...), shown as a table. */
  summary: Record<string, string | number>;
  /** The run configuration, shown as pretty-printed JSON in a collapsible block. */
  config: object;
  /** Charts, drawn in order, each in its own element (id from `figure.id`). */
  figures: readonly PlotlyFigure[];
  /** Free-text remarks (warnings such as a collapse), one paragraph each. */
  notes?: readonly string[];
}

/** Forbids all network access: only inline script and style, and images from data URIs. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:";

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 960px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; }
table.summary { border-collapse: collapse; margin-bottom: 1.5em; }
table.summary th, table.summary td { border-bottom: 1px solid #ddd; padding: 0.3em 1em 0.3em 0; text-align: left; }
table.summary td { font-variant-numeric: tabular-nums; }
.notes p { background: #fff6e0; border-left: 4px solid #e0a000; padding: 0.4em 0.8em; }
.figure { margin-bottom: 1em; }
details pre { background: #f6f6f6; padding: 1em; overflow: auto; font-size: 0.85em; }
`;

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * JSON for a value placed inside a `<script>` element: non-finite numbers become `null`
 * (as `JSON.stringify` does), and `<`, U+2028 and U+2029 are written as `\u` escapes so
 * no string in the data can close the element.
 */
export function scriptJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function formatValue(v: string | number): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  return Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v);
}

/** Element ids for the figures: each figure's id, made unique with a suffix when repeated. */
function figureElementIds(figures: readonly PlotlyFigure[]): string[] {
  const seen = new Map<string, number>();
  return figures.map((f, i) => {
    const base = `fig-${(f.id || `figure-${i}`).replace(/[^A-Za-z0-9_-]/g, '-')}`;
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}-${count + 1}`;
  });
}

function prettyConfig(config: object): string {
  try {
    return JSON.stringify(config, null, 2) ?? 'null';
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`The report's config cannot be written as JSON (${reason}); pass plain data without cycles or BigInts.`);
  }
}

/** Renders a run report as one self-contained HTML page (about 4.8 MB, mostly plotly.js). */
export function renderRunReport(input: RunReportInput): string {
  const ids = figureElementIds(input.figures);
  const summaryRows = Object.entries(input.summary)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(formatValue(v))}</td></tr>`)
    .join('\n');
  const notes = (input.notes ?? []).map((n) => `<p>${escapeHtml(n)}</p>`).join('\n');
  const divs = ids.map((id) => `<div class="figure" id="${id}"></div>`).join('\n');
  const plotConfig = scriptJson({ responsive: true, displaylogo: false });
  const calls = input.figures
    .map((f, i) => `Plotly.newPlot(${scriptJson(ids[i])}, ${scriptJson(f.data)}, ${scriptJson(f.layout)}, plotConfig);`)
    .join('\n');
  const configJson = escapeHtml(prettyConfig(input.config));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<table class="summary">
${summaryRows}
</table>
${notes.length > 0 ? `<div class="notes">\n${notes}\n</div>` : ''}
${divs}
<details class="config">
<summary>Configuration</summary>
<pre>${configJson}</pre>
</details>
${plotlyScriptTag()}
<script>
var plotConfig = ${plotConfig};
${calls}
</script>
</body>
</html>
`;
}

/**
 * Writes a run report to `file` atomically: the page goes to a temporary file in the same
 * folder (created if missing), which is then renamed over `file`, so a reader never sees
 * half a page. Returns the number of bytes written.
 */
export function writeRunReport(file: string, input: RunReportInput): number {
  const html = renderRunReport(input);
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    makeDir(dir);
    withFile('write the run report', file, () => {
      fs.writeFileSync(tmp, html, 'utf8');
      fs.renameSync(tmp, file);
    });
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
  return Buffer.byteLength(html, 'utf8');
}
