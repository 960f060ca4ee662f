/**
 * The probe task of the learning curves (`trainWithProbes`'s `probeTask`): the task
 * reaches the probe (the sense task asked of an image run is refused with the probe's
 * own error, at the first probe), unknown tasks are refused, and a text run's probe is
 * exactly `probe --task sense` on the same encoder.
 */
import { expect } from 'chai';
import { expectRejection } from '../helpers/rejects';
import { trainWithProbes } from '../../src/run/probed-training';
import { probe } from '../../src/run/probe';

describe('trainWithProbes: probe task', () => {
  it('passes the task to the probe: sense on an image run is the probe\'s error, labels probes as before', async function () {
    this.timeout(60_000);
    const common = { modality: 'image', algo: 'v1', preset: 'tiny', seed: 0, maxUpdates: 1, probeTrainSize: 50, probeTestSize: 50, overrides: { batchSize: 2 } } as const;
    await expectRejection(trainWithProbes({ ...common, probeTask: 'sense' }), 'the sense task reads words in sentences, so it needs a text model, not image');
    await expectRejection(trainWithProbes({ ...common, probeTask: 'topics' as never }), 'unknown probe task "topics"; choose one of labels, sense.');
    const labels = await trainWithProbes({ ...common, probeTask: 'labels' });
    expect(labels.probes.map((p) => p.update)).to.deep.equal([0, 1]);
  });
});

describe('trainWithProbes: the sense probe on text', () => {
  it('probes text on word sense in context: the update-0 point equals `probe --random-init --task sense` on the same seeded encoder and subset, not the gloss probe', async function () {
    this.timeout(60_000);
    const sizes = { train: 300, test: 150 };
    const run = await trainWithProbes({ modality: 'text', algo: 'v1', preset: 'tiny', seed: 0, probeTask: 'sense', probeTrainSize: sizes.train, probeTestSize: sizes.test, stopWhen: () => true });
    const direct = await probe({ randomInit: true, modality: 'text', algo: 'v1', preset: 'tiny', overrides: { seed: 0 }, task: 'sense', senseSubset: sizes });
    expect(direct.n_test).to.equal(sizes.test);
    expect(run.probes).to.have.length(1);
    expect(run.probes[0]).to.include({ update: 0, accuracy: direct.accuracy, weight_decay: direct.weight_decay, validation_accuracy: direct.validation_accuracy });
  });
});
