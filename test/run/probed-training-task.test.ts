/**
 * The probe task of the learning curves (`trainWithProbes`'s `probeTask`): the task
 * reaches the probe (the sense task asked of an image run is refused with the probe's
 * own error, at the first probe), and unknown tasks are refused.
 */
import { expect } from 'chai';
import { expectRejection } from '../helpers/rejects';
import { trainWithProbes } from '../../src/run/probed-training';

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
