/**
 * safetensors IO: byte-exact agreement with the reference serializer's own test
 * vectors, round trips (values bit for bit, metadata, odd shapes), atomic writes
 * (an interrupted write or a killed process leaves the old file intact), reading
 * other stored dtypes, and one-sentence errors naming the file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import {
  SafetensorsEntry, loadSafetensors, parseSafetensors, readSafetensors, saveSafetensors, serializeSafetensors, writeSafetensors,
} from '../../src/train/safetensors';

// Expected bytes from huggingface/safetensors safetensors/src/tensor.rs, tests
// `test_serialization`, `test_serialization_forced_alignement` and `test_empty`.
const HF_ATTN_DOT_0 = [
  64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44,
  34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58,
  91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
];
const HF_ATTN0_PADDED = [
  72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34,
  115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34,
  58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32, 32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64,
  0, 0, 160, 64,
];
const HF_EMPTY = [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32];
const HF_EMPTY_WITH_METADATA = [
  40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119,
  111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32,
];

const f32 = (values: number[], shape: number[]): SafetensorsEntry => ({ data: new Float32Array(values), shape });
const i32 = (values: number[], shape: number[]): SafetensorsEntry => ({ data: new Int32Array(values), shape });

/** A file whose header is given as JSON text and whose data section is `data`. */
function rawFile(headerJson: string, data: Uint8Array = new Uint8Array(0)): Buffer {
  const header = Buffer.from(headerJson, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, header, data]);
}

describe('train/safetensors: safetensors IO', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-safetensors-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes exactly the reference serializer's bytes (header JSON, space padding to 8 bytes, metadata, empty file)", () => {
    const values = [0, 1, 2, 3, 4, 5];
    expect([...serializeSafetensors(new Map([['attn.0', f32(values, [1, 2, 3])]]))]).to.deep.equal(HF_ATTN_DOT_0);
    expect([...serializeSafetensors(new Map([['attn0', f32(values, [1, 1, 2, 3])]]))]).to.deep.equal(HF_ATTN0_PADDED);
    expect([...serializeSafetensors(new Map())]).to.deep.equal(HF_EMPTY);
    expect([...serializeSafetensors(new Map(), { framework: 'pt' })]).to.deep.equal(HF_EMPTY_WITH_METADATA);
    const file = path.join(dir, 'attn.safetensors');
    writeSafetensors(file, new Map([['attn0', f32(values, [1, 1, 2, 3])]]));
    expect([...fs.readFileSync(file)]).to.deep.equal(HF_ATTN0_PADDED);
  });

  it('orders tensors as the reference does: F32 before I32, then by name; offsets tile the data section', () => {
    const bytes = serializeSafetensors(new Map([
      ['z.step', i32([7], [])], ['b.weight', f32([1, 2], [2])], ['a.bias', f32([3], [1])], ['idx', i32([1, 2, 3], [3])],
    ]), { epoch: '3' });
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).to.equal(0);
    const headerText = bytes.subarray(8, 8 + n).toString('utf8');
    expect(headerText.trimEnd()).to.equal(
      '{"__metadata__":{"epoch":"3"},' +
        '"a.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
        '"b.weight":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},' +
        '"idx":{"dtype":"I32","shape":[3],"data_offsets":[12,24]},' +
        '"z.step":{"dtype":"I32","shape":[],"data_offsets":[24,28]}}',
    );
    expect(bytes.length).to.equal(8 + n + 28);
    expect(bytes.readFloatLE(8 + n + 4)).to.equal(1);
    expect(bytes.readInt32LE(8 + n + 24)).to.equal(7);
  });

  it('round-trips values bit for bit (NaN, ±Infinity, −0, subnormals), scalars, empty tensors, unicode names and metadata', () => {
    const special = [NaN, Infinity, -Infinity, -0, 1.401298464324817e-45, 3.4028234663852886e38, 0.1];
    const tensors = new Map<string, SafetensorsEntry>([
      ['encoder.layers.0.weight', f32(special.concat([1, 2, 3, 4, 5]), [3, 4])],
      ['scalar', f32([2.5], [])],
      ['empty', f32([], [0, 3])],
      ['mask_indices', i32([-2147483648, 2147483647, 0, -1], [2, 2])],
      ['größe.ü', f32([1], [1])],
    ]);
    const file = path.join(dir, 'model.safetensors');
    writeSafetensors(file, tensors, { format: 'pt', note: 'quotes " and \\ and \n newline' });
    const { tensors: back, metadata } = readSafetensors(file);
    expect(metadata).to.deep.equal({ format: 'pt', note: 'quotes " and \\ and \n newline' });
    expect([...back.keys()].sort()).to.deep.equal([...tensors.keys()].sort());
    for (const [name, t] of tensors) {
      const r = back.get(name)!;
      expect(r.shape, name).to.deep.equal(t.shape);
      expect(r.dtype, name).to.equal(t.data instanceof Float32Array ? 'F32' : 'I32');
      expect(r.storedDtype, name).to.equal(r.dtype);
      expect(Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), name).to.equal(true);
    }
  });

  it('saves and loads tfjs tensors (float32, int32, bool as int32) without leaking', async () => {
    const file = path.join(dir, 'tf.safetensors');
    const tensors = new Map<string, tf.Tensor>([
      ['w', tf.tensor2d([[1.5, -2], [3, 4.25]])], ['ids', tf.tensor1d([5, 6, 7], 'int32')], ['keep', tf.tensor1d([true, false, true], 'bool')],
    ]);
    const before = tf.memory().numTensors;
    await saveSafetensors(file, tensors, { stepCount: '12' });
    expect(tf.memory().numTensors).to.equal(before);
    const loaded = loadSafetensors(file);
    expect(loaded.metadata).to.deep.equal({ stepCount: '12' });
    expect(loaded.tensors.get('w')!.dtype).to.equal('float32');
    expect(loaded.tensors.get('w')!.arraySync()).to.deep.equal([[1.5, -2], [3, 4.25]]);
    expect(loaded.tensors.get('ids')!.dtype).to.equal('int32');
    expect(loaded.tensors.get('ids')!.arraySync()).to.deep.equal([5, 6, 7]);
    expect(loaded.tensors.get('keep')!.arraySync()).to.deep.equal([1, 0, 1]);
    tf.dispose([...tensors.values(), ...loaded.tensors.values()]);
    expect(tf.memory().numTensors).to.equal(before - 3);
  });

  it('an interrupted write leaves the old file intact and no temporary file behind', () => {
    const file = path.join(dir, 'checkpoint.safetensors');
    writeSafetensors(file, new Map([['x', f32([1, 2, 3], [3])]]));
    const old = fs.readFileSync(file);
    let tempSeen = '';
    expect(() => writeSafetensors(file, new Map([['x', f32([9, 9, 9, 9], [4])]]), undefined, {
      beforeRename: (temp) => {
        tempSeen = temp;
        expect(fs.existsSync(temp)).to.equal(true);
        throw new Error('disk full (simulated)');
      },
    })).to.throw(`cannot write the safetensors file ${file}: disk full (simulated); any previous file there is unchanged.`);
    expect(tempSeen).to.equal(`${file}.tmp-${process.pid}`);
    expect(fs.readFileSync(file).equals(old)).to.equal(true);
    expect(fs.readdirSync(dir)).to.deep.equal(['checkpoint.safetensors']);
    // A bad tensor fails before anything is written.
    expect(() => writeSafetensors(file, new Map([['x', f32([1, 2], [3])]]))).to.throw('safetensors: tensor "x" has 2 values but shape [3] needs 3.');
    expect(fs.readFileSync(file).equals(old)).to.equal(true);
  });

  it('a process killed just before the rename leaves the old file at the target; the next write replaces it', () => {
    const file = path.join(dir, 'checkpoint.safetensors');
    writeSafetensors(file, new Map([['x', f32([1, 2, 3], [3])]]));
    const old = fs.readFileSync(file);
    const modulePath = require.resolve('../../src/train/safetensors');
    const script = `
      const { writeSafetensors } = require(${JSON.stringify(modulePath)});
      writeSafetensors(${JSON.stringify(file)}, new Map([['x', { data: new Float32Array([9, 9, 9, 9]), shape: [4] }]]), undefined,
        { beforeRename: () => process.kill(process.pid, 'SIGKILL') });`;
    const child = spawnSync(process.execPath, ['-e', script]);
    expect(child.signal).to.equal('SIGKILL');
    expect(fs.readFileSync(file).equals(old)).to.equal(true);
    expect(Array.from(readSafetensors(file).tensors.get('x')!.data)).to.deep.equal([1, 2, 3]);
    // The complete new file sits under the temporary name, never under the target's.
    const leftover = `${file}.tmp-${child.pid}`;
    expect(Array.from(readSafetensors(leftover).tensors.get('x')!.data)).to.deep.equal([9, 9, 9, 9]);
    writeSafetensors(file, new Map([['x', f32([4, 5], [2])]]));
    expect(Array.from(readSafetensors(file).tensors.get('x')!.data)).to.deep.equal([4, 5]);
  });

  it('reads F16, BF16, F64, I64, I8 and U8 tensors, converting to F32 / I32', () => {
    const f16 = new Uint16Array([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0xfc00]); // 1, -2, 0.5, 65504, 2^-24, -Inf
    const bf16 = new Uint16Array([0x3f80, 0xc0a0]); // 1, -5
    const f64 = new Float64Array([0.1, -3]);
    const i64 = new BigInt64Array([-5n, 2147483647n]);
    const i8 = new Int8Array([-128, 127]);
    const u8 = new Uint8Array([0, 255]);
    const parts = [f64, i64, f16, bf16, i8, u8].map((a) => new Uint8Array(a.buffer));
    let offset = 0;
    const offsets = parts.map((p) => [offset, (offset += p.length)]);
    const header = JSON.stringify({
      d: { dtype: 'F64', shape: [2], data_offsets: offsets[0] }, l: { dtype: 'I64', shape: [2], data_offsets: offsets[1] },
      h: { dtype: 'F16', shape: [2, 3], data_offsets: offsets[2] }, bf: { dtype: 'BF16', shape: [2], data_offsets: offsets[3] },
      s: { dtype: 'I8', shape: [2], data_offsets: offsets[4] }, u: { dtype: 'U8', shape: [2], data_offsets: offsets[5] },
    });
    const { tensors } = parseSafetensors(rawFile(header, Buffer.concat(parts)), 'mixed.safetensors');
    expect(Array.from(tensors.get('h')!.data)).to.deep.equal([1, -2, 0.5, 65504, 2 ** -24, -Infinity]);
    expect(tensors.get('h')!.shape).to.deep.equal([2, 3]);
    expect(tensors.get('h')!.storedDtype).to.equal('F16');
    expect(Array.from(tensors.get('bf')!.data)).to.deep.equal([1, -5]);
    expect(Array.from(tensors.get('d')!.data)).to.deep.equal([Math.fround(0.1), -3]);
    expect(tensors.get('l')!.dtype).to.equal('I32');
    expect(Array.from(tensors.get('l')!.data)).to.deep.equal([-5, 2147483647]);
    expect(Array.from(tensors.get('s')!.data)).to.deep.equal([-128, 127]);
    expect(Array.from(tensors.get('u')!.data)).to.deep.equal([0, 255]);

    const big = new Uint8Array(new BigInt64Array([2147483648n]).buffer);
    expect(() => parseSafetensors(rawFile('{"l":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', big), 'ids.safetensors'))
      .to.throw('ids.safetensors is not a valid safetensors file: tensor "l" has an I64 value outside the int32 range.');
  });

  it('rejects truncated, non-JSON, out-of-bounds and inconsistent files with one sentence naming the file', () => {
    const file = path.join(dir, 'bad.safetensors');
    const good = serializeSafetensors(new Map([['w', f32([1, 2, 3, 4], [2, 2])]]));
    const n = Number(good.readBigUInt64LE(0));
    const cases: [Buffer | Uint8Array, string][] = [
      [good.subarray(0, 5), `${file} is not a valid safetensors file: it is 5 bytes long, shorter than the 8-byte header length field (truncated or empty file).`],
      [good.subarray(0, 20), `${file} is not a valid safetensors file: the header should be ${n} bytes but the file has only 12 bytes after the length field (truncated file).`],
      [good.subarray(0, good.length - 4), `${file} is not a valid safetensors file: tensor "w" ends at byte 16 of the data section, which has only 12 bytes (truncated file).`],
      [rawFile('not json at all!'), `${file} is not a valid safetensors file: its header is not valid UTF-8 JSON (`],
      [rawFile('[1,2]'), `${file} is not a valid safetensors file: its header is not a JSON object.`],
      [rawFile('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,400]}}', new Uint8Array(8)), 'tensor "w" ends at byte 400 of the data section, which has only 8 bytes (truncated file).'],
      [rawFile('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', new Uint8Array(8)), 'tensor "w" occupies 8 bytes but F32 with shape [3] needs 12.'],
      [rawFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Uint8Array(8)), 'tensor "w" starts at byte 4 of the data section, expected 0'],
      [rawFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(8)), 'the tensors cover 4 bytes but the data section has 8 (trailing bytes).'],
      [rawFile('{"w":{"dtype":"U32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)), 'tensor "w" has dtype U32, which this reader does not support (supported: '],
      [rawFile('{"__metadata__":{"epoch":3}}'), '"__metadata__" entry "epoch" is not a string.'],
    ];
    for (const [bytes, message] of cases) {
      fs.writeFileSync(file, bytes);
      expect(() => readSafetensors(file)).to.throw(message);
    }
    const huge = Buffer.alloc(16);
    huge.writeBigUInt64LE(10n ** 12n);
    fs.writeFileSync(file, huge);
    expect(() => readSafetensors(file)).to.throw('the header length field says 1000000000000 bytes, more than the 100 MB limit');
    expect(() => readSafetensors(path.join(dir, 'missing.safetensors'))).to.throw(`cannot read the safetensors file ${path.join(dir, 'missing.safetensors')}: it does not exist (ENOENT); check the path.`);
  });
});
