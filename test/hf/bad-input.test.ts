/**
 * Bad input to import-hf, export-hf and the checkpoint reader: one line naming the
 * file or tensor and the cause, a non-zero exit, and nothing written to --out. A
 * pickle that names any global but tensors, storages and ordered dicts is refused
 * before anything runs.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { expect } from 'chai';
import { zipSync } from 'fflate';
import { importHf } from '../../src/hf/import-hf';
import { exportHf } from '../../src/hf/export-hf';
import { readTorchCheckpoint, restrictedUnpickle } from '../../src/hf/torch-pickle';
import { fixtureDir, tempPath } from './fixture';
import { relativePositionIndex } from '../../src/nn/relative-position-bias';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');

/** A copy of a fixture model folder (config.json + one weight file) to damage. */
function copyOf(name: string, files = ['config.json', 'model.safetensors']): string {
  const dir = tempPath(name);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) fs.copyFileSync(path.join(fixtureDir(name), f), path.join(dir, f));
  return dir;
}

/** Rewrite the safetensors header of `file` with `edit`. */
function editHeader(file: string, edit: (h: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void): void {
  const bytes = fs.readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  edit(header);
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, bytes.subarray(8 + n)]));
}

/** Append an I64 tensor to the safetensors file `file`. */
function appendI64(file: string, name: string, shape: number[], values: number[]): void {
  const bytes = fs.readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  const dataLength = bytes.length - 8 - n;
  const data = Buffer.from(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
  header[name] = { dtype: 'I64', shape, data_offsets: [dataLength, dataLength + data.length] };
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, bytes.subarray(8 + n), data]));
}

/** The one-line error of a failing call (or a failed expectation if it succeeds). */
async function errorOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (e) {
    return (e as Error).message;
  }
  return expect.fail('expected an error') as never;
}

async function expectImportError(dir: string, pattern: RegExp): Promise<void> {
  const out = tempPath('run');
  expect(await errorOf(() => importHf(dir, out))).to.match(pattern);
  expect(fs.existsSync(out), 'nothing written to --out').to.equal(false);
  expect(fs.readdirSync(path.dirname(out)), 'no partial folder left').to.deep.equal([]);
}

describe('Hugging Face interop: bad input', function () {
  this.timeout(60000);

  it('a folder without config.json, or without weights', async () => {
    await expectImportError(copyOf('vision', ['model.safetensors']), /has no config\.json/);
    await expectImportError(copyOf('vision', ['config.json']), /has config\.json but no weights \(model\.safetensors, model\.safetensors\.index\.json, pytorch_model\.bin/);
  });

  it('a model_type that is not data2vec', async () => {
    const dir = copyOf('text');
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'roberta' }));
    await expectImportError(dir, /config\.json has model_type "roberta", which is not a data2vec model/);
  });

  it('a truncated file and a corrupt header', async () => {
    const dir = copyOf('vision');
    const file = path.join(dir, 'model.safetensors');
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 600));
    await expectImportError(dir, /model\.safetensors is not a valid safetensors file: the header should be \d+ bytes but the file has only/);
    const bytes = fs.readFileSync(path.join(fixtureDir('vision'), 'model.safetensors'));
    bytes[8] = 0x78; // the header's opening brace
    fs.writeFileSync(file, bytes);
    await expectImportError(dir, /is not a valid safetensors file: its header is not valid UTF-8 JSON/);
  });

  it('a tensor with the wrong shape, a tensor left over, a tensor missing (the key bias, which no output reveals)', async () => {
    const shape = copyOf('text');
    editHeader(path.join(shape, 'model.safetensors'), (h) => {
      h['encoder.layer.0.intermediate.dense.weight'].shape = [64, 256];
    });
    await expectImportError(shape, /tensor "encoder\.layer\.0\.intermediate\.dense\.weight" has shape \[64,256\] but config\.json implies \[256,64\]/);

    const extra = copyOf('audio');
    editHeader(path.join(extra, 'model.safetensors'), (h) => {
      h['lm_head.weight'] = h['masked_spec_embed'];
      delete h['masked_spec_embed'];
    });
    await expectImportError(extra, /lacks 1 tensors that config\.json implies: "masked_spec_embed"/);

    const leftover = copyOf('vision');
    editHeader(path.join(leftover, 'model.safetensors'), (h) => {
      h['classifier.bias'] = { dtype: 'F32', shape: [0], data_offsets: [0, 0] };
    });
    await expectImportError(leftover, /holds 1 tensors that the encoder described by config\.json does not use: "classifier\.bias"/);

    const keyBias = copyOf('text');
    editHeader(path.join(keyBias, 'model.safetensors'), (h) => {
      h['encoder.layer.2.attention.self.key.bias_renamed'] = h['encoder.layer.2.attention.self.key.bias'];
      delete h['encoder.layer.2.attention.self.key.bias'];
    });
    await expectImportError(keyBias, /lacks 1 tensors that config\.json implies: "encoder\.layer\.2\.attention\.self\.key\.bias"/);
  });

  it('buffers older transformers versions saved are checked against config.json, used, and left out of the export', async () => {
    const text = copyOf('text');
    const rows = 66; // max_position_embeddings of the fixture's config.json
    appendI64(path.join(text, 'model.safetensors'), 'embeddings.position_ids', [1, rows], Array.from({ length: rows }, (_, i) => i));
    const run = tempPath('run');
    expect((await importHf(text, run)).tensors).to.equal(72);
    const out = tempPath('export');
    await exportHf(run, out);
    const exported = JSON.parse(fs.readFileSync(path.join(out, 'model.safetensors')).subarray(8, 8 + Number(fs.readFileSync(path.join(out, 'model.safetensors')).readBigUInt64LE(0))).toString('utf8'));
    expect(Object.keys(exported)).to.not.include('embeddings.position_ids');

    const good = copyOf('vision');
    appendI64(path.join(good, 'model.safetensors'), 'encoder.relative_position_bias.relative_position_index', [50, 50], Array.from(relativePositionIndex(7, 7)));
    expect((await importHf(good, tempPath('run'))).tensors).to.equal(76);

    const vision = copyOf('vision');
    const index = Array.from({ length: 50 * 50 }, () => 0);
    appendI64(path.join(vision, 'model.safetensors'), 'encoder.relative_position_bias.relative_position_index', [50, 50], index);
    await expectImportError(vision, /buffer "encoder\.relative_position_bias\.relative_position_index" \(shape \[50,50\]\) differs from the one config\.json implies/);
  });

  it('a sharded checkpoint whose index names a missing shard', async () => {
    const dir = copyOf('vision', ['config.json']);
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'embeddings.cls_token': 'model-00001-of-00002.safetensors' } }));
    await expectImportError(dir, /names the shard model-00001-of-00002\.safetensors, which is not in/);
  });

  it('a pickle naming any other global is refused before anything runs', async () => {
    // protocol 2: GLOBAL 'posix system', the string 'touch x', TUPLE1, REDUCE, STOP
    const evil = Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from('cposix\nsystem\n'), Buffer.from([0x58, 7, 0, 0, 0]), Buffer.from('touch x'), Buffer.from([0x85, 0x52, 0x2e])]);
    expect(() => restrictedUnpickle(evil, 'evil.pkl')).to.throw(/evil\.pkl: refers to the Python global posix\.system, which this reader refuses; only tensors, storages and ordered dicts are read \(a checkpoint must never run code\)/);
    // protocol 4: STACK_GLOBAL builtins.eval
    const evil4 = Buffer.concat([Buffer.from([0x80, 0x04, 0x8c, 8]), Buffer.from('builtins'), Buffer.from([0x8c, 4]), Buffer.from('eval'), Buffer.from([0x93, 0x2e])]);
    expect(() => restrictedUnpickle(evil4, 'evil.pkl')).to.throw(/builtins\.eval, which this reader refuses/);
    // NEWOBJ (0x81) builds arbitrary objects
    expect(() => restrictedUnpickle(Buffer.from([0x80, 0x02, 0x81, 0x2e]), 'evil.pkl')).to.throw(/opcode 0x81 at byte 2, which this reader refuses/);
    const zip = zipSync({ 'archive/data.pkl': new Uint8Array(evil), 'archive/version': new Uint8Array([0x33]) });
    const dir = copyOf('vision', ['config.json']);
    fs.writeFileSync(path.join(dir, 'pytorch_model.bin'), zip);
    await expectImportError(dir, /pytorch_model\.bin: refers to the Python global posix\.system/);
    expect(() => readTorchCheckpoint(new Uint8Array([1, 2, 3, 4]), 'old.bin')).to.throw(/old\.bin is not a zip-format PyTorch checkpoint/);
  });

  it('export-hf of a data2vec 2.0 run says HF has no class for it; the CLI exits non-zero and writes nothing', async () => {
    const run = tempPath('v2run');
    fs.mkdirSync(run, { recursive: true });
    fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify({ modality: 'image', algo: 'v2', preset: 'tiny' }));
    const out = tempPath('export');
    expect(await errorOf(() => exportHf(run, out))).to.match(/is a data2vec 2\.0 image run; Hugging Face transformers has no class for the data2vec 2\.0 encoders/);
    expect(fs.existsSync(out)).to.equal(false);

    const r = spawnSync(process.execPath, [CLI, 'import-hf', path.join(fixtureDir('vision'), 'missing'), '--out', out], { encoding: 'utf8', env: { ...process.env, D2V_BACKEND: 'wasm' } });
    expect(r.status).to.equal(1);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^error: .*missing is not a folder; pass the folder that holds config\.json/);
    expect(fs.existsSync(out)).to.equal(false);
  });
});
