/** A run report input shared by the report tests: 4 figures, and text that tries to break out of its elements. */
import { trainingFigures } from '../../src/viz/figures';
import type { RunReportInput } from '../../src/viz/report';

/** 40 steps of plausible diagnostics (no throughput column, so 4 figures) and hostile strings. */
export function sampleReport(): RunReportInput {
  const rows = Array.from({ length: 40 }, (_, i) => ({
    step: i * 10,
    loss: 2 * Math.exp(-i / 15),
    target_var: 0.6 - i * 0.01,
    pred_var: 0.5 - i * 0.008,
    lr: 5e-4 * Math.min(1, i / 10),
    ema_decay: 0.999 + (0.0009 * i) / 39,
  }));
  return {
    title: 'tiny image v2 <run 1>',
    summary: { 'final loss': 0.1234567891, steps: 400, backend: 'wasm & co' },
    config: { model: 'tiny', note: '</script><script>window.pwned = 1</script>', lr: 5e-4 },
    figures: trainingFigures(rows),
    notes: ['target_var fell below 0.1 at step 390 <b>collapse?</b>'],
  };
}

