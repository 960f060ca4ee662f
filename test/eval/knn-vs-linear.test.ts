/**
 * A case that tells the two probes apart: XOR-labelled clusters. The label is not a
 * linear function of the features, so the best linear probe is at chance, while
 * every cluster's neighbours share its label, so kNN is nearly perfect.
 */
import { expect } from 'chai';
import { Rng } from '../../src/util/rng';
import { knnClassify } from '../../src/eval/knn';
import { linearProbe } from '../../src/eval/linear-probe';
import { xorClusters } from './synthetic';

describe('eval: kNN versus linear probe on XOR clusters', () => {
  it('kNN ≥ 0.9 while the linear probe stays near chance', async () => {
    const rng = new Rng(31);
    const train = xorClusters(rng, 400, 3);
    const test = xorClusters(rng, 400, 3);
    expect((await knnClassify(train, test, 2)).accuracy).to.be.at.least(0.9);
    const probe = await linearProbe(train, test, 2);
    expect(probe.accuracy).to.be.within(0.4, 0.6);
    expect(probe.trainAccuracy).to.be.within(0.4, 0.6);
  });
});
