/**
 * Display helpers for the TypeScript notebook kernel (tslab): charts, SVG, tables,
 * markdown, and a chart that updates in place while a model trains. They write to
 * `tslab.display` (one MIME type per call) inside a kernel, or to any {@link DisplaySink}
 * passed in. plotly.js is embedded once per kernel, before the first chart
 * (see `notebook-plotly.ts`).
 */
import { NotebookFigure, figureHtml, plotlyLoaderHtml } from './notebook-plotly';
import { TableInput, TableOptions, tableHtml } from './notebook-table';
import { escapeHtml } from './report';

/** Where rich output goes: `tslab.display` or a `tslab.newDisplay()` in a kernel. */
export interface DisplaySink {
  html(s: string): void;
  svg(s: string): void;
  markdown(s: string): void;
  text(s: string): void;
}

/** The subset of the `tslab` module used here. */
interface TslabModule {
  display: DisplaySink;
  newDisplay(): DisplaySink;
}

const NOT_IN_KERNEL =
  'Notebook display needs the tslab kernel (npm run kernel:install, then open the notebook with "TypeScript (data2vec-ts)"); outside a notebook, write HTML with figureHtml/tableHtml or a run report.';

function tslab(): TslabModule {
  try {
    // Loaded on first use only: the library must not need tslab outside notebooks.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('tslab') as TslabModule;
  } catch {
    throw new Error(NOT_IN_KERNEL);
  }
}

/** Wraps a sink so tslab's bare "Not ready" (no kernel running) becomes a sentence. */
function guarded(sink: DisplaySink): DisplaySink {
  const call = (f: (s: string) => void) => (s: string) => {
    try {
      f.call(sink, s);
    } catch (err) {
      if (err instanceof Error && err.message === 'Not ready') throw new Error(NOT_IN_KERNEL);
      throw err;
    }
  };
  return { html: call(sink.html), svg: call(sink.svg), markdown: call(sink.markdown), text: call(sink.text) };
}

/** The kernel's display: `tslab.display`. */
export function kernelDisplay(): DisplaySink {
  return guarded(tslab().display);
}

/** Sinks (by identity) that have received the plotly.js bundle in this process. */
const plotlyLoaded = new WeakSet<object>();
let kernelSinkKey: object | undefined;

function sinkKey(sink?: DisplaySink): object {
  if (sink !== undefined) return sink;
  kernelSinkKey ??= tslab().display;
  return kernelSinkKey;
}

/** Options common to the `show*` helpers. */
export interface ShowOptions {
  /** Where to write (default: the kernel's display). */
  display?: DisplaySink;
}

/**
 * Embeds plotly.js in the output now (about 4.8 MB), whether or not it was embedded before;
 * charts drawn later on the same page use it. {@link showFigure} calls this by itself once.
 */
export function showPlotly(options: ShowOptions = {}): void {
  const sink = options.display ?? kernelDisplay();
  sink.html(plotlyLoaderHtml());
  plotlyLoaded.add(sinkKey(options.display));
}

/** Embeds plotly.js unless this display already has it. */
function ensurePlotly(options: ShowOptions): void {
  if (!plotlyLoaded.has(sinkKey(options.display))) showPlotly(options);
}

/** Shows a plotly chart (embedding plotly.js first, once per kernel). */
export function showFigure(figure: NotebookFigure, options: ShowOptions = {}): void {
  ensurePlotly(options);
  (options.display ?? kernelDisplay()).html(figureHtml(figure));
}

/** Shows several charts, one output each. */
export function showFigures(figures: readonly NotebookFigure[], options: ShowOptions = {}): void {
  for (const f of figures) showFigure(f, options);
}

/** Shows an SVG document (mask grids, patch grids). */
export function showSvg(svg: string, options: ShowOptions = {}): void {
  (options.display ?? kernelDisplay()).svg(svg);
}

/** Shows HTML as it is. */
export function showHtml(html: string, options: ShowOptions = {}): void {
  (options.display ?? kernelDisplay()).html(html);
}

/** Shows markdown. */
export function showMarkdown(markdown: string, options: ShowOptions = {}): void {
  (options.display ?? kernelDisplay()).markdown(markdown);
}

/** Shows a danfojs `DataFrame`, row objects or one record as an HTML table. */
export function showTable(input: TableInput, options: ShowOptions & TableOptions = {}): void {
  (options.display ?? kernelDisplay()).html(tableHtml(input, options));
}

/**
 * One output that is redrawn in place (Jupyter `update_display_data`): call `update`
 * every few training steps with the current charts. In a headless run the saved notebook
 * keeps the last version.
 */
export class LiveFigure {
  private readonly sink: DisplaySink;
  private readonly options: ShowOptions;
  /** Times the output was drawn. */
  updates = 0;

  /** @param options `display` replaces the kernel's `tslab.newDisplay()` (for tests). */
  constructor(options: ShowOptions & { live?: DisplaySink } = {}) {
    this.options = { display: options.display };
    this.sink = options.live ?? guarded(tslab().newDisplay());
  }

  /** Redraws the output with these charts (side by side when several: pass one or more). */
  update(figures: NotebookFigure | readonly NotebookFigure[], caption?: string): void {
    ensurePlotly(this.options);
    const list = Array.isArray(figures) ? (figures as readonly NotebookFigure[]) : [figures as NotebookFigure];
    const width = `${Math.floor(100 / Math.max(1, list.length))}%`;
    const cells = list.map((f) => `<div style="flex:0 0 ${width};min-width:0">${figureHtml(f)}</div>`).join('');
    const head = caption !== undefined ? `<div style="font-family:monospace;font-size:smaller">${escapeHtml(caption)}</div>` : '';
    this.sink.html(`${head}<div style="display:flex;gap:8px">${cells}</div>`);
    this.updates += 1;
  }
}
