/**
 * plotly figure builders the notebooks need beyond line charts (`figures.ts`): heatmaps
 * (layer-similarity matrices, spec §3.2), histograms with reference lines (mask
 * statistics against the spec's figures, §2), grouped bars (probe accuracies), and a
 * waveform with masked time spans shaded (§2.1, §2.2). Plain data, no DOM.
 */
import { NotebookFigure } from './notebook-plotly';

const MARGIN = { l: 70, r: 20, t: 50, b: 50 };

/** Input of {@link heatmapFigure}. */
export interface HeatmapSpec {
  title: string;
  /** Rows of values (`z[row][col]`). */
  z: ReadonlyArray<ArrayLike<number>>;
  x?: ReadonlyArray<string | number>;
  y?: ReadonlyArray<string | number>;
  xTitle?: string;
  yTitle?: string;
  zmin?: number;
  zmax?: number;
  colorscale?: string;
  /** Print each value in its cell (default true up to 16×16 cells). */
  annotate?: boolean;
  height?: number;
}

/** A heatmap; rows drawn top to bottom in the order given. */
export function heatmapFigure(spec: HeatmapSpec): NotebookFigure {
  const z = spec.z.map((row) => Array.from(row));
  const cols = z[0]?.length ?? 0;
  if (z.some((r) => r.length !== cols)) throw new Error(`Heatmap '${spec.title}' has rows of different lengths; give every row ${cols} values.`);
  const annotate = spec.annotate ?? (z.length <= 16 && cols <= 16);
  const trace: Record<string, unknown> = { type: 'heatmap', z, colorscale: spec.colorscale ?? 'Viridis' };
  if (spec.x) trace.x = [...spec.x];
  if (spec.y) trace.y = [...spec.y];
  if (spec.zmin !== undefined) trace.zmin = spec.zmin;
  if (spec.zmax !== undefined) trace.zmax = spec.zmax;
  if (annotate) {
    trace.text = z.map((r) => r.map((v) => (Number.isFinite(v) ? v.toFixed(2) : '')));
    trace.texttemplate = '%{text}';
  }
  return {
    data: [trace],
    layout: {
      title: { text: spec.title },
      xaxis: { title: { text: spec.xTitle ?? '' }, type: 'category' },
      yaxis: { title: { text: spec.yTitle ?? '' }, type: 'category', autorange: 'reversed' },
      margin: MARGIN,
      height: spec.height ?? 420,
    },
  };
}

/** A vertical line drawn over a chart, with a label. */
export interface ReferenceLine {
  x: number;
  label: string;
  color?: string;
}

/** Input of {@link histogramFigure}. */
export interface HistogramSpec {
  title: string;
  series: ReadonlyArray<{ name: string; values: ArrayLike<number> }>;
  xTitle: string;
  /** Bin width (default: plotly's choice). */
  binSize?: number;
  /** Show frequencies as fractions of each series (default false: counts). */
  normalize?: boolean;
  references?: readonly ReferenceLine[];
  height?: number;
}

/** Overlaid histograms with optional labelled vertical reference lines. */
export function histogramFigure(spec: HistogramSpec): NotebookFigure {
  const data = spec.series.map((s) => {
    const t: Record<string, unknown> = { type: 'histogram', name: s.name, x: Array.from(s.values), opacity: spec.series.length > 1 ? 0.6 : 0.85 };
    if (spec.binSize !== undefined) t.xbins = { size: spec.binSize };
    if (spec.normalize) t.histnorm = 'probability';
    return t;
  });
  return {
    data,
    layout: {
      title: { text: spec.title },
      barmode: 'overlay',
      xaxis: { title: { text: spec.xTitle } },
      yaxis: { title: { text: spec.normalize ? 'fraction' : 'count' } },
      showlegend: spec.series.length > 1,
      margin: MARGIN,
      height: spec.height ?? 320,
      ...referenceShapes(spec.references ?? []),
    },
  };
}

function referenceShapes(refs: readonly ReferenceLine[]): { shapes: object[]; annotations: object[] } {
  return {
    shapes: refs.map((r) => ({ type: 'line', xref: 'x', yref: 'paper', x0: r.x, x1: r.x, y0: 0, y1: 1, line: { color: r.color ?? '#d62728', dash: 'dash', width: 2 } })),
    annotations: refs.map((r, i) => ({ x: r.x, xref: 'x', y: 1 - 0.08 * i, yref: 'paper', text: r.label, showarrow: false, xanchor: 'left', font: { color: r.color ?? '#d62728' } })),
  };
}

/** Input of {@link barFigure}. */
export interface BarSpec {
  title: string;
  categories: ReadonlyArray<string>;
  series: ReadonlyArray<{ name: string; y: ArrayLike<number> }>;
  yTitle: string;
  yRange?: [number, number];
  height?: number;
}

/** Grouped bars, one group per category, one bar per series, values printed on the bars. */
export function barFigure(spec: BarSpec): NotebookFigure {
  const data = spec.series.map((s) => {
    if (s.y.length !== spec.categories.length) {
      throw new Error(`Series '${s.name}' of bar chart '${spec.title}' has ${s.y.length} values for ${spec.categories.length} categories; give one per category.`);
    }
    const y = Array.from(s.y);
    return { type: 'bar', name: s.name, x: [...spec.categories], y, text: y.map((v) => v.toFixed(3)), textposition: 'auto' };
  });
  const yaxis: Record<string, unknown> = { title: { text: spec.yTitle } };
  if (spec.yRange) yaxis.range = spec.yRange;
  return {
    data,
    layout: { title: { text: spec.title }, barmode: 'group', yaxis, showlegend: spec.series.length > 1, margin: MARGIN, height: spec.height ?? 340 },
  };
}

/** Input of {@link waveformFigure}. */
export interface WaveformSpec {
  title: string;
  samples: ArrayLike<number>;
  sampleRate: number;
  /** Masked spans as [startSecond, endSecond) (drawn shaded). */
  spans?: ReadonlyArray<readonly [number, number]>;
  /** Draw a thin line at each of these times (frame boundaries). */
  marks?: ArrayLike<number>;
  /** Plot at most this many points (min/max per bucket keeps the envelope; default 4000). */
  maxPoints?: number;
  height?: number;
}

/** A waveform against time in seconds, with masked spans shaded in red. */
export function waveformFigure(spec: WaveformSpec): NotebookFigure {
  const n = spec.samples.length;
  const maxPoints = spec.maxPoints ?? 4000;
  const x: number[] = [];
  const y: number[] = [];
  const bucket = Math.max(1, Math.ceil((2 * n) / maxPoints));
  for (let start = 0; start < n; start += bucket) {
    let lo = Infinity;
    let hi = -Infinity;
    let iLo = start;
    let iHi = start;
    for (let i = start; i < Math.min(n, start + bucket); i++) {
      const v = spec.samples[i];
      if (v < lo) [lo, iLo] = [v, i];
      if (v > hi) [hi, iHi] = [v, i];
    }
    for (const i of iLo <= iHi ? [iLo, iHi] : [iHi, iLo]) {
      x.push(i / spec.sampleRate);
      y.push(spec.samples[i]);
    }
  }
  const shapes: object[] = (spec.spans ?? []).map(([a, b]) => ({ type: 'rect', xref: 'x', yref: 'paper', x0: a, x1: b, y0: 0, y1: 1, fillcolor: 'rgba(214,39,40,0.25)', line: { width: 0 } }));
  for (const t of Array.from(spec.marks ?? [])) {
    shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: t, x1: t, y0: 0, y1: 0.06, line: { color: '#555', width: 1 } });
  }
  return {
    data: [{ type: 'scatter', mode: 'lines', name: 'waveform', x, y, line: { width: 1, color: '#1f77b4' } }],
    layout: {
      title: { text: spec.title },
      xaxis: { title: { text: 'time (s)' } },
      yaxis: { title: { text: 'amplitude' } },
      shapes,
      showlegend: false,
      margin: MARGIN,
      height: spec.height ?? 280,
    },
  };
}

/** Time spans [start, end) in seconds of the runs of 1s in a frame mask (frames `hopSeconds` apart, each `windowSeconds` long). */
export function maskedSpansSeconds(mask: ArrayLike<number>, hopSeconds: number, windowSeconds = hopSeconds): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i <= mask.length; i++) {
    const on = i < mask.length && mask[i] !== 0;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      spans.push([start * hopSeconds, (i - 1) * hopSeconds + windowSeconds]);
      start = -1;
    }
  }
  return spans;
}
