/**
 * The learning-curves page (spec §7.2; design "diagnostics as data"): one plotly
 * chart per modality of linear-probe accuracy against training seconds, a line with
 * markers per algorithm, and dashed horizontal lines at each algorithm's random-init
 * probe and at the raw-input probe; titles name the probe task. A self-contained HTML page (the run-report
 * writer: inline plotly.js, a policy that forbids every fetch).
 */
import { LearningCurvesFile, checkLearningCurves } from './learning-curves-file';
import type { ProbeTask } from './probe';
import { LineTrace, PlotlyFigure } from '../viz/figures';
import { RunReportInput, renderRunReport, writeRunReport } from '../viz/report';

const COLOURS: Record<string, string> = { v1: '#1f77b4', v2: '#d62728', raw: '#2ca02c' };

/** What a modality's probe classified, in words, for titles: the task and, for text, which text. */
export function probeTaskLabel(modality: string, task: ProbeTask): string {
  if (task === 'sense') return 'word sense in context, at the word';
  return modality === 'text' ? 'supersense of the gloss, mean over tokens' : `${modality} labels`;
}

function flat(name: string, value: number, x1: number, color: string, dash: 'dash' | 'dot'): LineTrace {
  return { type: 'scatter', mode: 'lines', name, x: [0, x1], y: [value, value], line: { dash, color, width: 1.5 } };
}

/** One figure per modality: probe accuracy against training seconds, with the random-init and raw-input lines. */
export function learningCurveFigures(file: LearningCurvesFile): PlotlyFigure[] {
  return Object.entries(file.modalities).map(([modality, m]) => {
    const runs = Object.entries(m.runs);
    const x1 = Math.max(m.budget_seconds ?? file.budget_seconds, ...runs.map(([, r]) => r.train_seconds));
    const data: LineTrace[] = [];
    for (const [algo, r] of runs) {
      data.push({ type: 'scatter', mode: 'lines+markers', name: `data2vec ${algo === 'v1' ? '1.0' : '2.0'} (${algo})`, x: r.probes.map((p) => p.seconds), y: r.probes.map((p) => p.accuracy), line: { color: COLOURS[algo] } });
    }
    for (const [algo, r] of runs) data.push(flat(`${algo} random init (${(100 * r.random_init_accuracy).toFixed(1)} %)`, r.random_init_accuracy, x1, COLOURS[algo], 'dot'));
    if (m.raw_input) data.push(flat(`raw input (${(100 * m.raw_input.accuracy).toFixed(1)} %)`, m.raw_input.accuracy, x1, COLOURS.raw, 'dash'));
    return {
      id: `curves-${modality}`,
      data,
      layout: {
        title: { text: `${modality}: linear-probe accuracy (${probeTaskLabel(modality, m.task)}) against training time` },
        xaxis: { title: { text: 'training seconds (updates only, probes excluded)' }, type: 'linear' },
        yaxis: { title: { text: `test accuracy: ${probeTaskLabel(modality, m.task)}` }, type: 'linear' },
        showlegend: true,
        margin: { l: 70, r: 20, t: 50, b: 50 },
        height: 420,
      },
    };
  });
}

function summary(file: LearningCurvesFile): Record<string, string | number> {
  const rows: Record<string, string | number> = { date: file.date, machine: file.machine, backend: file.backend, command: file.command };
  for (const [modality, m] of Object.entries(file.modalities)) {
    rows[`${modality}: probe task`] = `${m.task} (${probeTaskLabel(modality, m.task)})`;
    if (m.raw_input) rows[`${modality}: raw input`] = `${(100 * m.raw_input.accuracy).toFixed(1)} %`;
    for (const [algo, r] of Object.entries(m.runs)) {
      const raw = r.seconds_to_raw_input === null ? '' : `, passes raw input after ${r.seconds_to_raw_input.toFixed(0)} s`;
      rows[`${modality} ${algo}`] = `${(100 * r.random_init_accuracy).toFixed(1)} % at init → best ${(100 * r.best_accuracy).toFixed(1)} % in ${r.updates} updates, ${r.train_seconds.toFixed(0)} s${raw}`;
    }
  }
  return rows;
}

function pageInput(value: unknown): RunReportInput {
  const file = checkLearningCurves(value);
  const probes = [...new Set(Object.values(file.modalities).map((m) => m.probe))];
  return { title: 'data2vec learning curves', summary: summary(file), config: file, figures: learningCurveFigures(file), notes: probes.map((p) => `Probe: ${p}`) };
}

/** The page as HTML text (checks the file against its schema first). */
export function renderLearningCurves(value: unknown): string {
  return renderRunReport(pageInput(value));
}

/** Writes the page atomically to `htmlFile` (checks the file against its schema first); returns its size in bytes. */
export function writeLearningCurves(htmlFile: string, value: unknown): number {
  return writeRunReport(htmlFile, pageInput(value));
}
