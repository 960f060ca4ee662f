/**
 * Training progress for the terminal: a cli-progress bar with step, loss,
 * target_var, lr, τ and samples/s on an interactive stderr, or a plain line every
 * tenth of the run when stderr is not a terminal (CI logs).
 */
import { SingleBar, Presets } from 'cli-progress';
import { MetricsRow } from '../train/metrics-log';

export interface ProgressReporter {
  start(total: number, from: number): void;
  update(row: MetricsRow): void;
  stop(): void;
}

const fmt = (v: number | undefined, digits = 4) => (v === undefined || !Number.isFinite(v) ? '-' : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(digits));

/** A progress reporter writing to stderr. */
export function progressReporter(label: string, enabled = true): ProgressReporter {
  if (!enabled) return { start: () => undefined, update: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      {
        format: `${label} {bar} {value}/{total} | loss {loss} | target_var {tv} | lr {lr} | τ {tau} | {sps} samples/s | eta {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 20,
      },
      Presets.shades_classic,
    );
    return {
      start: (total, from) => bar.start(total, from, { loss: '-', tv: '-', lr: '-', tau: '-', sps: '-' }),
      update: (r) => bar.update(r.step, { loss: fmt(r.loss), tv: fmt(r.target_var, 3), lr: fmt(r.lr, 6), tau: fmt(r.ema_decay, 5), sps: fmt(r.samples_per_sec, 1) }),
      stop: () => bar.stop(),
    };
  }
  let total = 0;
  let every = 1;
  return {
    start: (t, from) => {
      total = t;
      every = Math.max(1, Math.round((t - from) / 10));
      process.stderr.write(from >= t ? `${label}: all ${t} updates already done\n` : `${label}: updates ${from + 1}..${t}\n`);
    },
    update: (r) => {
      if (r.step % every === 0 || r.step === total) {
        process.stderr.write(
          `${label} ${r.step}/${total} loss ${fmt(r.loss)} target_var ${fmt(r.target_var, 3)} pred_var ${fmt(r.pred_var, 3)} lr ${fmt(r.lr, 6)} τ ${fmt(r.ema_decay, 5)} ${fmt(r.samples_per_sec, 1)} samples/s\n`,
        );
      }
    },
    stop: () => undefined,
  };
}
