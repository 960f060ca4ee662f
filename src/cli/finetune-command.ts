/**
 * `data2vec finetune`: fine-tune a pretraining run's encoder (or the same
 * architecture at random init) for classification on the modality's labelled data
 * and report held-out accuracy (spec §6 "Fine-tuning recipes", §7).
 */
import { Command, Option } from 'commander';
import { finetune } from '../finetune/finetune';
import { FinetuneSettings, describeSettings } from '../finetune/settings';
import { intFlag, numberFlag, startBackend } from './flags';
import { addBackendOptions, addOutputOptions, presetHelp } from './common-options';
import { progressReporter } from './progress';
import { stopOnSigint } from './pretrain-runner';
import { printJsonLine, say } from './output-lines';

/** `--time-mask PROB,LENGTH` (or `none`) as settings; undefined keeps the default. */
function timeMaskFlag(value: string | undefined): FinetuneSettings['timeMask'] | undefined {
  if (value === undefined) return undefined;
  if (value === 'none' || value === '0') return null;
  const m = /^([0-9.]+),([0-9]+)$/.exec(value.trim());
  if (!m) throw new Error(`--time-mask must be PROB,LENGTH (e.g. 0.45,4) or none, got ${JSON.stringify(value)}.`);
  return { prob: Number(m[1]), length: Number(m[2]) };
}

/** Settings overrides from parsed options (absent flags keep the modality's defaults). */
function settingsFrom(opts: Record<string, unknown>): Partial<FinetuneSettings> {
  const mixupAlpha = (opts.mixup as number | undefined) ?? 0;
  const cutmixAlpha = (opts.cutmix as number | undefined) ?? 0;
  return {
    updates: opts.steps as number | undefined,
    batchSize: opts.batchSize as number | undefined,
    lr: opts.lr as number | undefined,
    layerDecay: opts.layerDecay as number | undefined,
    labelSmoothing: opts.labelSmoothing as number | undefined,
    dropPath: opts.dropPath as number | undefined,
    weightDecay: opts.weightDecay as number | undefined,
    pooling: opts.pooling as FinetuneSettings['pooling'] | undefined,
    segments: opts.segments as number | undefined,
    headNorm: opts.headNorm as FinetuneSettings['headNorm'] | undefined,
    headInit: opts.headInit as FinetuneSettings['headInit'] | undefined,
    encoderDropout: opts.encoderDropout as number | undefined,
    augment: opts.augment as boolean | undefined,
    freezeEncoderFraction: opts.freezeEncoder as number | undefined,
    freezeFeatureEncoder: opts.freezeFeatureEncoder as boolean | undefined,
    timeMask: timeMaskFlag(opts.timeMask as string | undefined),
    encoderLrScale: opts.encoderLrScale as number | undefined,
    schedule: opts.schedule as FinetuneSettings['schedule'] | undefined,
    batching: opts.batching as FinetuneSettings['batching'] | undefined,
    wholeClips: opts.wholeClips as boolean | undefined,
    evalEvery: opts.evalEvery as number | undefined,
    maxTrain: opts.maxTrain as number | undefined,
    maxTest: opts.maxTest as number | undefined,
    mixup: mixupAlpha > 0 || cutmixAlpha > 0 ? { mixupAlpha, cutmixAlpha, prob: (opts.mixupProb as number | undefined) ?? 1, switchProb: 0.5 } : undefined,
  };
}

export function registerFinetuneCommand(program: Command): void {
  const cmd = program
    .command('finetune')
    .description('fine-tune a pretrained encoder (or a random-init one) for classification and report held-out accuracy')
    .option('--run <dir>', 'a run folder written by pretrain')
    .option('--random-init', 'the same architecture untrained (the baseline); with --modality, --algo, --preset')
    .addOption(new Option('--modality <name>', 'image, audio or text (with --random-init)'))
    .addOption(new Option('--algo <name>', 'v1 or v2 (with --random-init)'))
    .option('--preset <name>', `${presetHelp()} (with --random-init)`)
    .option('--data <path>', 'labelled data folder or file of the model\'s modality instead of the bundled set')
    .option('--steps <n>', 'optimizer updates', intFlag('--steps'))
    .option('--batch-size <n>', 'samples per update', intFlag('--batch-size'))
    .option('--lr <x>', 'peak learning rate of the head', numberFlag('--lr'))
    .option('--layer-decay <x>', 'layer-wise LR decay factor in (0, 1]', numberFlag('--layer-decay'))
    .option('--label-smoothing <x>', 'label smoothing ε', numberFlag('--label-smoothing'))
    .option('--drop-path <x>', 'stochastic depth of the last block (encoders that have it)', numberFlag('--drop-path'))
    .option('--weight-decay <x>', 'decoupled weight decay', numberFlag('--weight-decay'))
    .option('--pooling <kind>', 'mean, or cls (the <s> token, text only)')
    .option('--head-norm <kind>', 'layer (fc_norm) or batch (affine-free batch norm) before the head')
    .option('--encoder-dropout <x>', 'set every dropout rate of the encoder to x while fine-tuning', numberFlag('--encoder-dropout'))
    .option('--head-init <kind>', 'zero, or probe (fit a linear probe on the starting features first; with --head-norm batch)')
    .option('--segments <n>', 'speech: mean pooling over n consecutive time segments, concatenated', intFlag('--segments'))
    .option('--freeze-encoder <fraction>', 'train only the head for this share of the updates first', numberFlag('--freeze-encoder'))
    .option('--freeze-feature-encoder', 'speech: no updates for the CNN feature encoder (default on for speech)')
    .option('--no-freeze-feature-encoder', 'speech: fine-tune the CNN feature encoder too')
    .option('--time-mask <prob,length>', 'speech: hide spans of time steps in training batches (e.g. 0.45,4), or none')
    .option('--encoder-lr-scale <x>', 'LR factor of the whole encoder on top of the layer decay', numberFlag('--encoder-lr-scale'))
    .option('--schedule <kind>', 'cosine or tri_stage')
    .option('--batching <kind>', 'random, or by-length (speech: clips of similar length per batch)')
    .option('--whole-clips', 'speech: encode every training clip whole, one at a time, as evaluation does (default on for speech)')
    .option('--no-whole-clips', 'speech: crop each training batch to its shortest clip instead')
    .option('--augment', 'draw the training augmentation (default: on for speech, off for images; text has none)')
    .option('--no-augment', 'train on the evaluation view')
    .option('--mixup <alpha>', 'mixup Beta(α, α) for images (0: off)', numberFlag('--mixup'))
    .option('--cutmix <alpha>', 'CutMix Beta(α, α) for images (0: off)', numberFlag('--cutmix'))
    .option('--mixup-prob <p>', 'probability that a batch is mixed', numberFlag('--mixup-prob'))
    .option('--eval-every <n>', 'evaluate on the held-out split every n updates', intFlag('--eval-every'))
    .option('--max-train <n>', 'use a seeded subset of n training samples', intFlag('--max-train'))
    .option('--max-test <n>', 'evaluate on a seeded subset of n held-out samples', intFlag('--max-test'))
    .option('--seed <n>', 'seed of the head, batch order and augmentation', intFlag('--seed'))
    .option('--out <dir>', 'run folder (default runs/finetune-<modality>-<algo>-<preset>-<source>-<time>)');
  addOutputOptions(addBackendOptions(cmd, 'wasm, cpu, webgpu or tensorflow'), { progress: true })
    .action(async (opts) => {
      const settings = settingsFrom(opts);
      await startBackend(opts.backend, opts.threads);
      const bar = progressReporter('finetune', opts.progress !== false);
      const stop = stopOnSigint();
      try {
        const s = await finetune({
          run: opts.run, randomInit: opts.randomInit, modality: opts.modality, algo: opts.algo, preset: opts.preset,
          data: opts.data, seed: opts.seed, out: opts.out, settings, signal: stop.controller.signal,
          onStart: ({ config, runDir, dataDescription, parameters }) => {
            say(`data: ${dataDescription}`);
            say(`model: ${config.source} data2vec ${config.algo} ${config.modality} ${config.preset} + classifier, ${parameters.toLocaleString('en')} trainable parameters; run folder ${runDir}`);
            say(`settings (${config.modality} defaults unless overridden): ${describeSettings(config.settings)}`);
            bar.start(config.settings.updates, 0);
          },
          onUpdate: (row) => bar.update(row),
          onEvaluate: (update, acc) => say(`update ${update}: held-out accuracy ${(100 * acc).toFixed(2)} %`),
        });
        bar.stop();
        say(`done: ${s.updates} updates (${s.epochs.toFixed(1)} epochs), loss ${s.loss_first.toFixed(4)} → ${s.loss_last.toFixed(4)}, held-out accuracy ${(100 * s.test_accuracy).toFixed(2)} % (best ${(100 * s.best_test_accuracy).toFixed(2)} %, ${s.n_test} samples); ${s.run_dir}/report.html`);
        printJsonLine(opts.json, s);
      } finally {
        bar.stop();
        stop.release();
      }
    });
}
