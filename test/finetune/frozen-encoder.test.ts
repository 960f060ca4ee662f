/**
 * Head-only updates while the encoder is frozen (wav2vec 2.0 CTC recipes'
 * `freeze_finetune_updates`): an update on a frozen batch changes the head and leaves
 * every encoder parameter bit for bit as it was; the next, unfrozen, update moves them.
 */
import { expect } from 'chai';
import { getRecipe } from '../../src/modalities/registry';
import { Classifier } from '../../src/finetune/classifier';
import { ClassificationObjective, FinetuneBatch } from '../../src/finetune/objective';
import { smoothedTargets } from '../../src/finetune/label-smoothing';
import { Trainer } from '../../src/train/trainer';
import { Rng } from '../../src/util/rng';

describe('frozen encoder during fine-tuning', function () {
  this.timeout(300000);

  it('trains only the head on frozen batches, everything afterwards', async () => {
    const recipe = getRecipe('image', 'v1');
    const config = recipe.config('tiny');
    const data = recipe.loadData(config);
    const setup = recipe.build(config, data);
    const split = recipe.labelledSplit!(config, data, 'train');
    const model = new Classifier(setup.encoder, config.model.dim as number, 10, new Rng(1));
    const objective = new ClassificationObjective(model, split, async () => ({}));
    const batches = (update: number): FinetuneBatch => {
      const idx = Array.from({ length: 8 }, (_, i) => 8 * update + i);
      return { input: split.batch(idx), targets: smoothedTargets(Int32Array.from(idx, (i) => split.labels[i]), 10, 0.1), frozenEncoder: update === 0 };
    };
    const trainer = new Trainer(objective, batches, {
      updates: 2, batchSize: 8, accumulation: 1, optimizer: { weightDecay: 0.05 }, schedule: { kind: 'constant', lr: 1e-2 },
      clipNorm: 0, seed: 0, checkpointEvery: 0, collapse: { minTargetVar: 0, minPredVar: 0, afterUpdates: 2 },
    });
    const snapshot = () => new Map(model.namedTrainableParameters().map(([n, v]) => [n, Array.from(v.dataSync())]));
    const before = snapshot();
    await trainer.step();
    const afterFrozen = snapshot();
    const changed = (a: Map<string, number[]>, b: Map<string, number[]>, prefix: string) =>
      [...a].filter(([n]) => n.startsWith(prefix)).filter(([n, v]) => v.some((x, i) => x !== b.get(n)![i])).length;
    expect(changed(before, afterFrozen, 'encoder.')).to.equal(0);
    expect(changed(before, afterFrozen, 'head.')).to.equal(2);
    await trainer.step();
    expect(changed(afterFrozen, snapshot(), 'encoder.')).to.be.greaterThan(50);
    trainer.dispose();
    model.disposeHead();
    setup.objective.dispose();
  });
});
