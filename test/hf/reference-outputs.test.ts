/**
 * import-hf + encode against transformers' own outputs (the HF fixture): every
 * hidden state, last_hidden_state and pooler_output / extract_features within 1e-4
 * (text where attention_mask is 1), with and without the mask input; export-hf
 * reproduces every tensor of the original file bit for bit and the same config
 * values; pytorch_model.bin reads to the same tensors as model.safetensors.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { importHf } from '../../src/hf/import-hf';
import { exportHf } from '../../src/hf/export-hf';
import { encodeHf } from '../../src/hf/encode-hf';
import { readTorchCheckpoint } from '../../src/hf/torch-pickle';
import { loadSafetensors, readSafetensors, SafetensorsReadEntry } from '../../src/train/safetensors';
import { fixtureDir, HF_MODELS, tempPath } from './fixture';

function sameBits(a: SafetensorsReadEntry, b: SafetensorsReadEntry): boolean {
  if (a.shape.join() !== b.shape.join() || a.data.length !== b.data.length) return false;
  const x = new Uint32Array(a.data.buffer, a.data.byteOffset, a.data.length);
  const y = new Uint32Array(b.data.buffer, b.data.byteOffset, b.data.length);
  return x.every((v, i) => v === y[i]);
}

describe('Hugging Face interop on transformers reference outputs', function () {
  this.timeout(120000);

  for (const name of HF_MODELS) {
    describe(name, () => {
      let run: string;
      before(async () => {
        run = tempPath('run');
        const s = await importHf(fixtureDir(name), run);
        const summary = JSON.parse(fs.readFileSync(path.join(fixtureDir(name), '..', 'summary.json'), 'utf8'));
        expect(s.tensors).to.equal(summary.models[name].param_tensors);
        expect(s.parameters).to.equal(summary.models[name].param_count);
      });

      const maskedRuns = name === 'text' ? [false] : [false, true];
      for (const masked of maskedRuns) {
        it(`encode${masked ? ' --masked' : ''} matches every HF output within 1e-4`, async () => {
          const dir = fixtureDir(name);
          const inputs = loadSafetensors(path.join(dir, 'input.safetensors')).tensors;
          const ref = loadSafetensors(path.join(dir, 'output.safetensors')).tensors;
          const out = await encodeHf(run, inputs, { masked });
          const prefix = masked ? 'masked.' : '';
          const expected = [...ref.keys()].filter((k) => (masked ? k.startsWith(prefix) : !k.startsWith('masked.'))).map((k) => k.slice(prefix.length));
          expect([...out.keys()].sort()).to.deep.equal(expected.sort());
          const keep = name === 'text' ? tf.cast(inputs.get('attention_mask') as tf.Tensor, 'float32') : undefined;
          for (const k of expected) {
            const got = out.get(k) as tf.Tensor;
            const want = ref.get(prefix + k) as tf.Tensor;
            expect(got.shape, k).to.deep.equal(want.shape);
            const err = tf.tidy(() => {
              let d = tf.abs(tf.sub(got, want));
              if (keep && d.rank === 3) d = tf.mul(d, keep.expandDims(-1));
              return d.max().dataSync()[0];
            });
            expect(err, `${k} max |error|`).to.be.below(1e-4);
          }
          [...out.values(), ...inputs.values(), ...ref.values()].forEach((t) => t.dispose());
          keep?.dispose();
        });
      }

      it('export-hf reproduces every tensor bit for bit and the same config values', async () => {
        const dir = fixtureDir(name);
        const out = tempPath('export');
        await exportHf(run, out);
        const original = readSafetensors(path.join(dir, 'model.safetensors')).tensors;
        const exported = readSafetensors(path.join(out, 'model.safetensors'));
        expect([...exported.tensors.keys()].sort()).to.deep.equal([...original.keys()].sort());
        for (const [k, t] of original) expect(sameBits(t, exported.tensors.get(k) as SafetensorsReadEntry), k).to.equal(true);
        expect(exported.metadata.format).to.equal('pt');
        const a = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
        const b = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
        expect(b).to.deep.equal(a);
      });

      it('pytorch_model.bin reads to the same tensors as model.safetensors', async () => {
        const dir = fixtureDir(name);
        const fromBin = readTorchCheckpoint(fs.readFileSync(path.join(dir, 'pytorch_model.bin')), 'pytorch_model.bin');
        const original = readSafetensors(path.join(dir, 'model.safetensors')).tensors;
        expect([...fromBin.keys()].sort()).to.deep.equal([...original.keys()].sort());
        for (const [k, t] of original) expect(sameBits(t, fromBin.get(k) as SafetensorsReadEntry), k).to.equal(true);
      });
    });
  }
});
