/**
 * WAV reader (src/data/wav.ts): sample values decoded from headers written
 * byte by byte (24-bit, extensible float, big-endian), stereo mixdown, the
 * band-limited resampler against pure tones, and the one-sentence error for
 * each kind of bad file, generated in a temp folder.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { CNN_RECEPTIVE_FIELD, WavError, WavErrorKind, decodeWav, encodeWav16, readWav, resampleAudio } from '../../src/data/wav';
import { tempDirFixture } from '../helpers/temp-dir';

/** A WAV file built by hand: RIFF header, a fmt chunk (16 bytes, or 40 for WAVE_FORMAT_EXTENSIBLE), the data chunk. */
function handWav(o: { format: number; bits: number; channels: number; rate: number; data: Uint8Array; subformat?: number; bigEndian?: boolean; declaredDataBytes?: number }): Uint8Array {
  const le = !o.bigEndian;
  const fmtSize = o.subformat === undefined ? 16 : 40;
  const out = new Uint8Array(12 + 8 + fmtSize + 8 + o.data.length);
  const v = new DataView(out.buffer);
  const tag = (at: number, s: string): void => [...s].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
  tag(0, o.bigEndian ? 'RIFX' : 'RIFF');
  v.setUint32(4, out.length - 8, le);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  v.setUint32(16, fmtSize, le);
  const block = (o.channels * o.bits) / 8;
  v.setUint16(20, o.format, le);
  v.setUint16(22, o.channels, le);
  v.setUint32(24, o.rate, le);
  v.setUint32(28, o.rate * block, le);
  v.setUint16(32, block, le);
  v.setUint16(34, o.bits, le);
  if (o.subformat !== undefined) {
    v.setUint16(36, 22, le); // cbSize
    v.setUint16(38, o.bits, le); // valid bits
    v.setUint32(40, o.channels === 1 ? 4 : 3, le); // channel mask
    v.setUint16(44, o.subformat, le); // GUID starts with the format code
  }
  const d = 20 + fmtSize;
  tag(d, 'data');
  v.setUint32(d + 4, o.declaredDataBytes ?? o.data.length, le);
  out.set(o.data, d + 8);
  return out;
}

/** A pure tone: `amp·sin(2π f t)` for `seconds` at `rate`. */
function tone(freq: number, rate: number, seconds: number, amp: number): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate));
}

/** Amplitude of the `freq` component of `x` (single-bin DFT, ×2/n). */
function amplitudeAt(x: Float32Array, freq: number, rate: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i] * Math.cos((2 * Math.PI * freq * i) / rate);
    im += x[i] * Math.sin((2 * Math.PI * freq * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

/** Float32 samples as little-endian IEEE bytes. */
function float32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** Mono float32 WAV of `samples` at `rate`. */
function floatWav(samples: Float32Array, rate: number): Uint8Array {
  return handWav({ format: 3, bits: 32, channels: 1, rate, data: new Uint8Array(samples.buffer.slice(0)) });
}

/** The `WavError` that `fn` throws. */
function caught(fn: () => unknown): WavError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(WavError);
    return e as WavError;
  }
  throw new Error('expected a WavError, nothing was thrown');
}

describe('data/wav', () => {
  const tmp = tempDirFixture('wav-test-');

  it('decodes 24-bit PCM to the hand-computed values x / 2^23', () => {
    // 0, max, min, -1, 2^22, 0x123456: three little-endian bytes each.
    const data = Uint8Array.from([0, 0, 0, 0xff, 0xff, 0x7f, 0, 0, 0x80, 0xff, 0xff, 0xff, 0, 0, 0x40, 0x56, 0x34, 0x12]);
    const wav = decodeWav(handWav({ format: 1, bits: 24, channels: 1, rate: 16000, data }), 'x24.wav', { minSamples: 1 });
    expect(wav.encoding).to.equal('pcm24');
    const expected = [0, 8388607 / 8388608, -1, -1 / 8388608, 0.5, 0x123456 / 8388608];
    expect(Array.from(wav.samples)).to.deep.equal(expected.map(Math.fround));
  });

  it('decodes 16-bit, 32-bit integer, 32/64-bit float and big-endian (RIFX) samples', () => {
    const i16 = new Uint8Array(Int16Array.from([-32768, 16384, -1]).buffer);
    expect(Array.from(decodeWav(handWav({ format: 1, bits: 16, channels: 1, rate: 16000, data: i16 }), 'a', { minSamples: 1 }).samples)).to.deep.equal([-1, 0.5, Math.fround(-1 / 32768)]);
    const i32 = new Uint8Array(Int32Array.from([2 ** 30, -(2 ** 31)]).buffer);
    expect(Array.from(decodeWav(handWav({ format: 1, bits: 32, channels: 1, rate: 16000, data: i32 }), 'b', { minSamples: 1 }).samples)).to.deep.equal([0.5, -1]);
    const f64 = new Uint8Array(Float64Array.from([0.125, -0.75]).buffer);
    const d64 = decodeWav(handWav({ format: 3, bits: 64, channels: 1, rate: 16000, data: f64 }), 'c', { minSamples: 1 });
    expect([d64.encoding, ...d64.samples]).to.deep.equal(['float64', 0.125, -0.75]);
    // Big-endian 16-bit: 0x4000 = 0.5, 0xC000 = -0.5.
    const be = decodeWav(handWav({ format: 1, bits: 16, channels: 1, rate: 16000, data: Uint8Array.from([0x40, 0, 0xc0, 0]), bigEndian: true }), 'd', { minSamples: 1 });
    expect(Array.from(be.samples)).to.deep.equal([0.5, -0.5]);
  });

  it('honours the WAVE_FORMAT_EXTENSIBLE subformat: extensible float32 stays float, extensible PCM stays integer', () => {
    const f = decodeWav(handWav({ format: 0xfffe, subformat: 3, bits: 32, channels: 1, rate: 16000, data: float32Bytes([0.25, -0.5]) }), 'e', { minSamples: 1 });
    expect([f.encoding, ...f.samples]).to.deep.equal(['float32', 0.25, -0.5]);
    const i = decodeWav(handWav({ format: 0xfffe, subformat: 1, bits: 24, channels: 1, rate: 16000, data: Uint8Array.from([0, 0, 0x40]) }), 'f', { minSamples: 1 });
    expect([i.encoding, ...i.samples]).to.deep.equal(['pcm24', 0.5]);
  });

  it('mixes stereo to mono by averaging the two channels', () => {
    // Frames (L, R): (0.5, -0.25), (1 - 2^-15, 1 - 2^-15), (-1, 0).
    const data = new Uint8Array(Int16Array.from([16384, -8192, 32767, 32767, -32768, 0]).buffer);
    const wav = decodeWav(handWav({ format: 1, bits: 16, channels: 2, rate: 16000, data }), 'st.wav', { minSamples: 1 });
    expect(wav.channels).to.equal(2);
    expect(Array.from(wav.samples)).to.deep.equal([0.125, Math.fround(32767 / 32768), -0.5]);
  });

  it('clamps float samples to [-1, 1] and rejects NaN', () => {
    expect(Array.from(decodeWav(floatWav(Float32Array.from([1.5, -2, 0.5]), 16000), 'g', { minSamples: 1 }).samples)).to.deep.equal([1, -1, 0.5]);
    const e = caught(() => decodeWav(floatWav(Float32Array.from([0, NaN]), 16000), 'nan.wav', { minSamples: 1 }));
    expect([e.kind, e.message]).to.deep.equal(['corrupt', 'nan.wav contains a non-finite sample (NaN or infinity) at frame 1; re-export the file.']);
  });

  it('resamples 44.1 kHz to 16 kHz: a 1 kHz tone keeps its frequency and amplitude, a 10 kHz tone is removed', () => {
    const low = decodeWav(floatWav(tone(1000, 44100, 0.5, 0.5), 44100), 'low.wav');
    expect([low.sourceSampleRate, low.sampleRate, low.samples.length]).to.deep.equal([44100, 16000, 8000]);
    const middle = low.samples.subarray(800, 7200); // away from the filter's edge transients
    expect(amplitudeAt(middle, 1000, 16000)).to.be.closeTo(0.5, 0.005);
    // Frequency from rising zero crossings: 1000 Hz over 6400 samples at 16 kHz = 400 periods.
    let rising = 0;
    for (let i = 1; i < middle.length; i++) if (middle[i - 1] < 0 && middle[i] >= 0) rising++;
    expect(rising).to.be.within(399, 401);
    // Without the anti-alias filter, 10 kHz would fold to 6 kHz at full amplitude.
    const high = decodeWav(floatWav(tone(10000, 44100, 0.5, 0.5), 44100), 'high.wav').samples.subarray(800, 7200);
    expect(amplitudeAt(high, 6000, 16000)).to.be.below(0.001);
    const rms = Math.sqrt(high.reduce((s, x) => s + x * x, 0) / high.length);
    expect(rms).to.be.below(0.001); // the tone's own RMS is 0.354
  });

  it('upsamples 8 kHz to 16 kHz keeping a 1 kHz tone', () => {
    const up = resampleAudio(tone(1000, 8000, 0.5, 0.25), 8000, 16000);
    expect(up.length).to.equal(8000);
    expect(amplitudeAt(up.subarray(800, 7200), 1000, 16000)).to.be.closeTo(0.25, 0.005);
  });

  it("rejects another sample rate when asked to (fairseq's behaviour)", () => {
    const e = caught(() => decodeWav(floatWav(tone(440, 22050, 0.1, 0.5), 22050), 'speech22k.wav', { otherRate: 'reject' }));
    expect(e.kind).to.equal('wrong-sample-rate');
    expect(e.message).to.equal('speech22k.wav is sampled at 22050 Hz but 16000 Hz is required; convert it with `sox in.wav -r 16000 out.wav`.');
  });

  describe('bad files give one sentence naming the file', () => {
    const good = (): Uint8Array => encodeWav16(new Float32Array(1000).fill(0.25));
    const cases: { name: string; bytes: () => Uint8Array; kind: WavErrorKind; message: (f: string) => string; minSamples?: number }[] = [
      { name: 'empty.wav', bytes: () => new Uint8Array(0), kind: 'empty', message: (f) => `${f} is empty (0 bytes); re-export or re-download it.` },
      {
        name: 'notes.wav',
        bytes: () => new TextEncoder().encode('these are my notes, not audio'),
        kind: 'not-wav',
        message: (f) => `${f} is not a WAV file (it does not start with a RIFF header); convert it, e.g. \`sox in.flac -r 16000 out.wav\`.`,
      },
      {
        name: 'movie.wav',
        bytes: () => Uint8Array.from([...'RIFF\x04\x00\x00\x00AVI '].map((c) => c.charCodeAt(0))),
        kind: 'not-wav',
        message: (f) => `${f} is a RIFF file of type "AVI ", not a WAV (RIFF/WAVE) file; convert it to WAV.`,
      },
      {
        name: 'cut.wav',
        bytes: () => good().subarray(0, 44 + 600),
        kind: 'truncated',
        message: (f) => `${f} is truncated: its data chunk declares 2000 bytes of audio but only 600 are present; re-export or re-download it.`,
      },
      {
        name: 'header-only.wav',
        bytes: () => good().subarray(0, 36),
        kind: 'truncated',
        message: (f) => `${f} has no "data" chunk (it may be cut short); re-export or re-download it.`,
      },
      {
        name: 'alaw.wav',
        bytes: () => handWav({ format: 6, bits: 8, channels: 1, rate: 8000, data: new Uint8Array(1000) }),
        kind: 'unsupported-encoding',
        message: (f) =>
          `${f} uses A-law (8-bit) encoding, which is not supported (only 16/24/32-bit integer PCM and 32/64-bit float are); convert it with \`sox in.wav -e signed-integer -b 16 -r 16000 out.wav\`.`,
      },
      {
        name: 'u8.wav',
        bytes: () => handWav({ format: 1, bits: 8, channels: 1, rate: 16000, data: new Uint8Array(1000) }),
        kind: 'unsupported-encoding',
        message: (f) =>
          `${f} uses 8-bit integer PCM encoding, which is not supported (only 16/24/32-bit integer PCM and 32/64-bit float are); convert it with \`sox in.wav -e signed-integer -b 16 -r 16000 out.wav\`.`,
      },
      {
        name: 'blip.wav',
        bytes: () => encodeWav16(new Float32Array(CNN_RECEPTIVE_FIELD - 1)),
        kind: 'too-short',
        message: (f) => `${f} has 399 samples (0.025 s at 16000 Hz), fewer than the minimum of 400 (the speech encoder's receptive field); use a longer clip or lower the minimum.`,
      },
      {
        name: 'word.wav',
        bytes: good,
        minSamples: 3200,
        kind: 'too-short',
        message: (f) => `${f} has 1000 samples (0.063 s at 16000 Hz), fewer than the minimum of 3200; use a longer clip or lower the minimum.`,
      },
    ];
    for (const c of cases) {
      it(`${c.kind}: ${c.name}`, () => {
        const file = path.join(tmp.path, c.name);
        fs.writeFileSync(file, c.bytes());
        const e = caught(() => readWav(file, { minSamples: c.minSamples }));
        expect(e.kind).to.equal(c.kind);
        expect(e.file).to.equal(file);
        expect(e.message).to.equal(c.message(file));
      });
    }

    it('unreadable: a path that does not exist', () => {
      const file = path.join(tmp.path, 'missing.wav');
      const e = caught(() => readWav(file));
      expect([e.kind, e.message]).to.deep.equal(['unreadable', `cannot read ${file}: it does not exist (ENOENT); check that the path exists and is a readable file.`]);
    });
  });

  it('round-trips encodeWav16 to half a 16-bit step, clamping at full scale', () => {
    const x = tone(300, 16000, 0.05, 0.9);
    const y = decodeWav(encodeWav16(x), 'rt.wav').samples;
    expect(y.length).to.equal(x.length);
    expect(Math.max(...x.map((v, i) => Math.abs(v - y[i])))).to.be.at.most(0.5 / 32768);
    const ends = decodeWav(encodeWav16([1, -1, 2]), 'ends.wav', { minSamples: 1 }).samples;
    expect(Array.from(ends)).to.deep.equal([Math.fround(32767 / 32768), -1, Math.fround(32767 / 32768)]);
  });
});
