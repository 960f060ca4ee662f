import { expect } from 'chai';
import { WEBGPU_SUBMIT_BATCH, uploadView, webGpuSubmitBatch } from '../../src/backend/webgpu-queue';

describe('webgpu queue settings', () => {
  it('the submit batch comes from D2V_WEBGPU_SUBMIT_BATCH, else the default; a bad value is one sentence naming the variable', () => {
    expect(webGpuSubmitBatch({})).to.equal(WEBGPU_SUBMIT_BATCH);
    expect(webGpuSubmitBatch({ D2V_WEBGPU_SUBMIT_BATCH: ' 250 ' })).to.equal(250);
    for (const bad of ['0', '-3', '1.5', 'many']) {
      expect(() => webGpuSubmitBatch({ D2V_WEBGPU_SUBMIT_BATCH: bad })).to.throw(`D2V_WEBGPU_SUBMIT_BATCH must be a positive integer (kernels per queue submit), got "${bad}".`);
    }
  });

  it('uploadView gives the 4-byte array the GPU buffer holds: float32 as is, int32 and bool as Int32Array', () => {
    const f = new Float32Array([1.5, -2]);
    expect(uploadView(f, 'float32')).to.equal(f); // no copy
    expect(Array.from(uploadView([0.1, 2], 'float32'))).to.deep.equal([Math.fround(0.1), 2]);
    const b = uploadView(new Uint8Array([1, 0, 1]), 'bool');
    expect(b).to.be.instanceOf(Int32Array);
    expect(Array.from(b)).to.deep.equal([1, 0, 1]);
    const i = new Int32Array([7, -8]);
    expect(uploadView(i, 'int32')).to.equal(i);
  });
});
