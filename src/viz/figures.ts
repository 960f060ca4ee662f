/**
 * Plain-data plotly figures (`{data, layout}` objects, no DOM) for training diagnostics:
 * loss, target_var / pred_var beside the collapse threshold, learning rate, EMA decay τ
 * and throughput (design "diagnostics as data"; spec §8 item 29, the scalars fairseq's
 * data2vec models log, and §4.1 for τ).
 */

/** One line trace as plotly reads it; missing or non-finite values are `null` (a gap). */
export interface LineTrace {
  type: 'scatter';
  mode: 'lines' | 'lines+markers';
  name: string;
  x: number[];
  y: Array<number | null>;
  line?: { dash?: 'solid' | 'dash' | 'dot'; color?: string; width?: number };
}

/** A plotly axis: its title and scale. */
export interface Axis {
  title: { text: string };
  type: 'linear' | 'log';
}

/** The plotly layout used by every figure here. */
export interface FigureLayout {
  title: { text: string };
  xaxis: Axis;
  yaxis: Axis;
  showlegend: boolean;
  margin: { l: number; r: number; t: number; b: number };
  height: number;
}

/** A plotly figure as plain data; `id` names it (reports use it as the element id). */
export interface PlotlyFigure {
  id: string;
  data: LineTrace[];
  layout: FigureLayout;
}

/** One named series of y values for {@link lineFigure}. */
export interface LineSeries {
  name: string;
  y: ArrayLike<number>;
  dash?: 'solid' | 'dash' | 'dot';
}

/** Input of {@link lineFigure}. */
export interface LineFigureSpec {
  title: string;
  x: ArrayLike<number>;
  series: LineSeries[];
  xTitle: string;
  yTitle: string;
  /** Logarithmic y axis. */
  logY?: boolean;
  /** Element id for reports; defaults to a slug of the title. */
  id?: string;
}

/** Per-step metric rows; any column may be absent or NaN in any row. */
export type MetricRow = Record<string, number>;

/** Options of {@link trainingFigures}. */
export interface TrainingFigureOptions {
  /** Target-variance level below which training counts as collapsed (fairseq stops at 0.1 or 0.01). */
  collapseThreshold?: number;
}

/** Turns a title into an element id: lower case, runs of other characters become `-`. */
function slug(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return s.length > 0 ? s : 'figure';
}

function finiteOrNull(v: number | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A line chart with one trace per series, all over the same x values. */
export function lineFigure(spec: LineFigureSpec): PlotlyFigure {
  const x = Array.from(spec.x);
  const data = spec.series.map((s): LineTrace => {
    if (s.y.length !== x.length) {
      throw new Error(
        `Series '${s.name}' of figure '${spec.title}' has ${s.y.length} values but x has ${x.length}; give every series one value per x.`,
      );
    }
    const trace: LineTrace = { type: 'scatter', mode: 'lines', name: s.name, x, y: Array.from(s.y, finiteOrNull) };
    if (s.dash !== undefined) trace.line = { dash: s.dash };
    return trace;
  });
  return {
    id: spec.id ?? slug(spec.title),
    data,
    layout: {
      title: { text: spec.title },
      xaxis: { title: { text: spec.xTitle }, type: 'linear' },
      yaxis: { title: { text: spec.yTitle }, type: spec.logY === true ? 'log' : 'linear' },
      showlegend: spec.series.length > 1,
      margin: { l: 70, r: 20, t: 50, b: 50 },
      height: 340,
    },
  };
}

/** True when at least one row has a finite value in `column`. */
function hasColumn(rows: readonly MetricRow[], column: string): boolean {
  return rows.some((r) => Number.isFinite(r[column]));
}

function column(rows: readonly MetricRow[], name: string): number[] {
  return rows.map((r) => (typeof r[name] === 'number' ? r[name] : NaN));
}

/**
 * The standard training figures, in this order, each only when its columns have a value:
 * `loss`; `variance` (target_var and pred_var, plus a dashed horizontal line at the collapse
 * threshold, default 0.1, named `collapse threshold (0.1)`); `lr`; `ema_decay` (τ);
 * `throughput` (samples_per_sec). The x axis is `step`, or the row number when no row has
 * a step.
 */
export function trainingFigures(rows: readonly MetricRow[], options: TrainingFigureOptions = {}): PlotlyFigure[] {
  const threshold = options.collapseThreshold ?? 0.1;
  if (!Number.isFinite(threshold)) {
    throw new Error(`collapseThreshold must be a finite number, got ${threshold}.`);
  }
  const useStep = hasColumn(rows, 'step');
  const x = useStep ? column(rows, 'step') : rows.map((_, i) => i);
  const xTitle = useStep ? 'step' : 'row';
  const figures: PlotlyFigure[] = [];
  const single = (id: string, col: string, title: string, yTitle: string): void => {
    if (!hasColumn(rows, col)) return;
    figures.push(lineFigure({ id, title, x, xTitle, yTitle, series: [{ name: col, y: column(rows, col) }] }));
  };

  single('loss', 'loss', 'Loss', 'loss');

  const varianceColumns = ['target_var', 'pred_var'].filter((c) => hasColumn(rows, c));
  if (varianceColumns.length > 0) {
    const fig = lineFigure({
      id: 'variance',
      title: 'Target and prediction variance',
      x,
      xTitle,
      yTitle: 'mean per-dimension std',
      series: varianceColumns.map((c) => ({ name: c, y: column(rows, c) })),
    });
    const finiteX = x.filter((v) => Number.isFinite(v));
    const x0 = finiteX.length > 0 ? finiteX.reduce((a, b) => Math.min(a, b)) : 0;
    const x1 = finiteX.length > 0 ? finiteX.reduce((a, b) => Math.max(a, b)) : 1;
    fig.data.push({
      type: 'scatter',
      mode: 'lines',
      name: `collapse threshold (${threshold})`,
      x: [x0, x1],
      y: [threshold, threshold],
      line: { dash: 'dash', color: '#d62728', width: 1.5 },
    });
    fig.layout.showlegend = true;
    figures.push(fig);
  }

  single('lr', 'lr', 'Learning rate', 'lr');
  single('ema_decay', 'ema_decay', 'EMA decay τ', 'τ');
  single('throughput', 'samples_per_sec', 'Throughput', 'samples / s');
  return figures;
}
