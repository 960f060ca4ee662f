/**
 * Pretraining from the command line: the library's `pretrain` with a progress bar
 * on stderr and Ctrl-C mapped to "stop after this update and checkpoint".
 */
import { pretrain, PretrainSummary } from '../run/pretrain';
import { RunOverrides } from '../modalities/recipe';
import { progressReporter } from './progress';
import { tokenizeProgressBar } from './tokenize-progress';
import { say } from './output-lines';

/** Run overrides from parsed command-line options. */
export function overridesFrom(opts: Record<string, unknown>): RunOverrides {
  return {
    steps: opts.steps as number | undefined,
    batchSize: opts.batchSize as number | undefined,
    seed: opts.seed as number | undefined,
    data: opts.data as string | undefined,
    accumulation: opts.accumulation as number | undefined,
    lr: opts.lr as number | undefined,
    skipNonfinite: opts.skipNonfinite as number | undefined,
    resample: opts.resample as boolean | undefined,
    maxSkipRate: opts.maxSkipRate as number | undefined,
    set: opts.set as Record<string, string> | undefined,
  };
}


/** Ctrl-C aborts `controller` (the run stops after the current update and checkpoints); a second Ctrl-C aborts at once. Call `release` when done. */
export function stopOnSigint(): { controller: AbortController; release: () => void } {
  const controller = new AbortController();
  const onSigint = () => {
    say('\nstopping after this update (a checkpoint will be written); press Ctrl-C again to abort at once.');
    process.off('SIGINT', onSigint);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { controller, release: () => process.off('SIGINT', onSigint) };
}

/** Run pretraining with a progress bar; returns the summary. */
export async function runPretrain(opts: Record<string, unknown>, label = 'pretrain'): Promise<PretrainSummary> {
  const bar = progressReporter(label, opts.progress !== false);
  const stop = stopOnSigint();
  const controller = stop.controller;
  let tokenizing: ReturnType<typeof tokenizeProgressBar> | undefined;
  try {
    const summary = await pretrain({
      modality: opts.modality as string,
      algo: opts.algo as string,
      preset: opts.preset as string,
      overrides: overridesFrom(opts),
      out: opts.out as string | undefined,
      resume: opts.resume as string | undefined,
      signal: controller.signal,
      onStart: ({ config, runDir, dataDescription, startUpdate, parameters, memory }) => {
        tokenizing?.stop();
        say(`data: ${dataDescription}`);
        if (memory) say(memory);
        say(`model: data2vec ${config.algo} ${config.modality} ${config.preset}, ${parameters.toLocaleString('en')} trainable parameters; run folder ${runDir}`);
        const updates = config.trainer.updates;
        if (startUpdate >= updates) say(`${runDir} has already finished its ${updates} updates, so there is nothing to train; pass --steps N with N > ${updates} to train it further.`);
        else if (startUpdate > 0) say(`resuming after update ${startUpdate}`);
        bar.start(config.trainer.updates, startUpdate);
      },
      onUpdate: (row) => bar.update(row),
      onWarning: (w) => say(`warning: ${w}`),
      dataProgress: {
        onStartTokenize: (what) => {
          say(what);
          tokenizing = tokenizeProgressBar('tokenising');
        },
        onTokenize: (info) => tokenizing?.onProgress(info),
      },
    });
    bar.stop();
    return summary;
  } finally {
    tokenizing?.stop();
    bar.stop();
    stop.release();
  }
}

