/**
 * plotly charts as notebook HTML that draws with no network, in the live notebook and in
 * the HTML that `nbconvert --to html` exports (design "diagnostics as data"): the
 * plotly.js bundle goes into the notebook once, inline, as plotly.py's offline mode does
 * (`application/vnd.plotly.v1+json` is drawn by VS Code only), and each chart is a `<div>`
 * followed by a script that draws into it once plotly.js is there and the `<div>` is on
 * the page (JupyterLab runs output scripts before attaching them).
 */
import { plotlyScriptTag } from './plotly-bundle';
import { scriptJson } from './report';

/**
 * A plotly figure as plain data: traces of any type (`scatter`, `heatmap`, `histogram`,
 * `bar`, ...) and a layout. {@link PlotlyFigure} from `figures.ts` is one.
 */
export interface NotebookFigure {
  data: readonly object[];
  layout?: object;
  /** plotly config (default: responsive, no logo). */
  config?: object;
}

/** How many 50 ms waits a chart allows for plotly.js to appear (20 s) before saying so. */
const MAX_WAITS = 400;

let nextId = 0;

/** A page-unique element id for a chart (process id and a counter, so reruns do not collide). */
export function nextFigureId(prefix = 'd2v-plot'): string {
  nextId += 1;
  return `${prefix}-${process.pid}-${nextId}`;
}

/** The installed plotly.js version, read from its package (for captions). */
export function plotlyVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('plotly.js-dist-min/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * HTML that loads plotly.js inline (about 4.8 MB) with a one-line caption; every chart
 * after it on the page (and in the exported HTML) can draw.
 */
export function plotlyLoaderHtml(): string {
  return (
    `<div class="d2v-plotly-loader" style="font-size:smaller;color:#888">plotly.js ${plotlyVersion()} is embedded here, so the charts below draw offline.</div>\n` +
    plotlyScriptTag()
  );
}

/**
 * A chart as HTML: a `<div>` sized to the layout's height and a script that calls
 * `Plotly.newPlot` on it. The script waits (up to 20 s) until plotly.js has loaded and
 * the element is attached, then draws; if plotly.js never arrives it writes why in the
 * `<div>` instead.
 */
export function figureHtml(figure: NotebookFigure, id: string = nextFigureId()): string {
  const layout = (figure.layout ?? {}) as { height?: unknown };
  const height = typeof layout.height === 'number' && Number.isFinite(layout.height) ? layout.height : 360;
  const config = figure.config ?? { responsive: true, displaylogo: false };
  const missing = 'plotly.js has not loaded on this page: run the cell that shows the first chart again (or showPlotly()).';
  return (
    `<div id="${id}" class="d2v-plot" style="width:100%;min-height:${height}px"></div>\n` +
    `<script>(function () {\n` +
    `  var script = document.currentScript;\n` +
    `  var el = (script && script.previousElementSibling && script.previousElementSibling.id === ${scriptJson(id)}) ? script.previousElementSibling : document.getElementById(${scriptJson(id)});\n` +
    `  var waits = 0;\n` +
    `  function draw() {\n` +
    `    if (!el) { el = document.getElementById(${scriptJson(id)}); }\n` +
    `    if (window.Plotly && el && el.isConnected) {\n` +
    `      window.Plotly.newPlot(el, ${scriptJson(figure.data)}, ${scriptJson(figure.layout ?? {})}, ${scriptJson(config)});\n` +
    `    } else if (++waits < ${MAX_WAITS}) {\n` +
    `      setTimeout(draw, 50);\n` +
    `    } else if (el) {\n` +
    `      el.textContent = ${scriptJson(missing)};\n` +
    `    }\n` +
    `  }\n` +
    `  draw();\n` +
    `})();</script>`
  );
}
