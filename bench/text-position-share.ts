/**
 * Where do a text run's token features come from? (README "What pretraining adds";
 * spec §8 trap 29.) Takes micro-batches of the run's own pretraining rows (updates
 * `--from` … `--from + --batches − 1`, micro-batch 0, before masking), encodes them
 * with the student encoder in eval mode, and reports, over the non-padding tokens, the
 * share of the feature variance that absolute position explains and the share that
 * the token id explains (`src/eval/explained-share.ts`). For data2vec 1.0 runs it also
 * draws the same micro-batches masked as in training and reports, at the loss
 * positions, the share of the teacher targets' variance that position explains and the
 * share the student's predictions explain. `--random-init` reads the same architecture
 * untrained instead of the checkpoint (teacher included).
 *
 *     node dist/bench/text-position-share.js --run RUN [--random-init] [--batches 12] [--from 7000]
 *
 * Prints one JSON object.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select';
import { getRecipe } from '../src/modalities/registry';
import { readRunConfig } from '../src/run/pretrain';
import { loadCheckpoint } from '../src/train/checkpoint';
import { explainedShare, predictedShare } from '../src/eval/explained-share';
import { Data2VecV1, V1Batch } from '../src/data2vec/data2vec-v1';
import { MaskedEncoder } from '../src/data2vec/encoder-contract';
import { TextBatchData, paddedPretrainingRows } from '../src/modalities/text/batches';
import { tokenBatchToTensors } from '../src/data/text-batch';
import { SequenceConfig } from '../src/modalities/text/text-rows';
import { assertKnownFlags } from './known-flags';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** v1: at the loss positions of training batches, what share of the targets position explains, and what share the student's predictions explain. */
async function targetShares(objective: Data2VecV1<MaskedEncoder>, batch: (update: number) => V1Batch, from: number, count: number) {
  objective.encoder.eval();
  objective.head.eval();
  const y: number[] = [];
  const p: number[] = [];
  const positions: number[] = [];
  for (let u = from; u < from + count; u++) {
    const b = batch(u);
    const targets = objective.targets(b);
    const pred = objective.predict(b);
    const [, t, d] = targets.shape;
    const [tv, pv, lm] = [await targets.data(), await pred.data(), await b.lossMask.data()];
    for (let i = 0; i < lm.length; i++) {
      if (!lm[i]) continue;
      for (let j = 0; j < d; j++) {
        y.push(tv[i * d + j]);
        p.push(pv[i * d + j]);
      }
      positions.push(i % t);
    }
    tf.dispose([targets, pred, b.studentInput, b.teacherInput, b.lossMask, ...(b.padMask ? [b.padMask] : [])]);
  }
  const d = y.length / positions.length;
  return { loss_positions: positions.length, target_position_share: explainedShare(y, d, positions), prediction_share: predictedShare(y, p, d) };
}

async function main(): Promise<void> {
  assertKnownFlags('text-position-share', process.argv.slice(2), { '--run': 'value', '--random-init': 'switch', '--batches': 'value', '--from': 'value', '--backend': 'value' });
  const run = flag('--run');
  if (!run) throw new Error('pass --run DIR, a text run folder written by "data2vec pretrain".');
  const randomInit = process.argv.includes('--random-init');
  const batches = Number(flag('--batches') ?? 12);
  const from = Number(flag('--from') ?? 7000);
  await initBackend(flag('--backend'));
  const config = readRunConfig(run) as ReturnType<typeof readRunConfig> & { model: { padIdx: number }; sequences: SequenceConfig };
  if (config.modality !== 'text') throw new Error(`${run} is a ${config.modality} run; this diagnostic reads text runs.`);
  const recipe = getRecipe(config.modality, config.algo);
  const data = recipe.loadData(config);
  const setup = recipe.build(config, data);
  // the run's own rows, unmasked (a v1 teacher input may hold only the selected tokens, trap 14)
  const rows = paddedPretrainingRows(config, data as unknown as TextBatchData);
  if (!randomInit) loadCheckpoint(run, { module: setup.objective, extra: setup.objective.extraState() });
  const encoder = setup.encoder as unknown as { forward(t: tf.Tensor): { out: tf.Tensor } };
  setup.encoder.eval();
  const features: number[] = [];
  const positions: number[] = [];
  const ids: number[] = [];
  let dim = 0;
  for (let u = from; u < from + batches; u++) {
    const { tokens, paddingMask } = tokenBatchToTensors(rows(u, 0).raw);
    paddingMask.dispose();
    const out = encoder.forward(tokens).out;
    const [b, t, d] = out.shape;
    dim = d;
    const values = await out.data();
    const tokenIds = await tokens.data();
    for (let i = 0; i < b * t; i++) {
      if (tokenIds[i] === config.model.padIdx) continue;
      for (let j = 0; j < d; j++) features.push(values[i * d + j]);
      positions.push(i % t);
      ids.push(tokenIds[i]);
    }
    out.dispose();
    tokens.dispose();
  }
  const targets = setup.objective instanceof Data2VecV1 ? await targetShares(setup.objective, (u) => setup.batches(u, 0) as V1Batch, from, batches) : {};
  console.log(JSON.stringify({
    run, source: randomInit ? 'random-init' : 'pretrained', algo: config.algo, tokens: positions.length, dim,
    position_share: explainedShare(features, dim, positions),
    token_share: explainedShare(features, dim, ids),
    ...targets,
  }));
  setup.objective.dispose();
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
