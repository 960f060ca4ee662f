/**
 * Speech corpora (src/data/flac.ts, audio-folder.ts, modalities/audio/audio-stream.ts)
 * on a LibriSpeech-layout folder the test writes (WAV written here, FLAC made
 * by the reference `flac` encoder): headers give exact lengths, FLAC decodes
 * bit-exactly, other rates are refused unless resampling, short files are left
 * out, a truncated FLAC is a counted skip, and batches are cropped to the
 * shortest clip with worker threads giving the same batches as the main thread.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scanAudioFolder } from '../../src/data/audio-folder';
import { decodeFlac, readFlacInfo } from '../../src/data/flac';
import { readWav } from '../../src/data/wav';
import { tone, writeFlac } from '../helpers/speech-fixture';
import { AudioStream } from '../../src/modalities/audio/audio-stream';
import { SkipLog } from '../../src/data/skip-log';

describe('speech corpora: LibriSpeech FLAC folders', () => {
  let root: string;
  const lengths: Record<string, number> = {
    '19/198/19-198-0000.flac': 40000,
    '19/198/19-198-0001.flac': 52000,
    '19/227/19-227-0000.flac': 36000,
    '26/495/26-495-0000.flac': 48000,
    '26/495/26-495-0001.flac': 20000, // under 2 s: left out
    '103/1240/103-1240-0000.flac': 33000,
  };
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-libri-'));
    Object.entries(lengths).forEach(([rel, n], k) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFlac(path.join(root, rel), tone(n, 200 + 50 * k));
    });
    fs.writeFileSync(path.join(root, '19/198/19-198.trans.txt'), '19-198-0000 HELLO\n');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads STREAMINFO and decodes FLAC bit-exactly', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-flac-'));
    const file = path.join(dir, 'x.flac');
    const wav = writeFlac(file, tone(40000, 200), 16000, true);
    expect(readFlacInfo(file)).to.deep.equal({ sampleRate: 16000, channels: 1, bitsPerSample: 16, totalSamples: 40000 });
    const samples = await decodeFlac(fs.readFileSync(file), file);
    const expected = readWav(wav).samples;
    fs.rmSync(dir, { recursive: true, force: true });
    expect(samples.length).to.equal(40000);
    let maxDiff = 0;
    for (let i = 0; i < samples.length; i++) maxDiff = Math.max(maxDiff, Math.abs(samples[i] - expected[i]));
    expect(maxDiff).to.equal(0);
  });

  it('lists the LibriSpeech layout: speakers as classes, lengths from headers, short files left out, transcripts ignored', () => {
    const folder = scanAudioFolder(root);
    expect(folder.layout).to.equal('librispeech');
    expect(folder.labels).to.deep.equal(['19', '26', '103']);
    expect(folder.tooShort).to.equal(1);
    expect(folder.entries.map((e) => [path.relative(root, e.file), e.label, e.samples])).to.deep.equal([
      ['103/1240/103-1240-0000.flac', 2, 33000],
      ['19/198/19-198-0000.flac', 0, 40000],
      ['19/198/19-198-0001.flac', 0, 52000],
      ['19/227/19-227-0000.flac', 0, 36000],
      ['26/495/26-495-0000.flac', 1, 48000],
    ]);
    expect(folder.skips.summary()).to.equal('skipped 0 of 6 files');
  });

  it('refuses another sample rate with one sentence unless resampling, and then resamples to 16 kHz', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-rate-'));
    try {
      writeFlac(path.join(dir, 'a.flac'), tone(88200, 300, 44100), 44100);
      expect(() => scanAudioFolder(dir)).to.throw(/a\.flac is sampled at 44100 Hz, not 16000; resample the corpus to 16 kHz or pass --resample\./);
      const folder = scanAudioFolder(dir, { resample: true });
      expect(folder.layout).to.equal('flat');
      expect(folder.entries[0].samples).to.equal(32000);
      const decoded = await decodeFlac(fs.readFileSync(path.join(dir, 'a.flac')), 'a.flac', { resample: true });
      expect(decoded.length).to.equal(32000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('batches by length, crops to the shortest clip (capped), the same with and without workers, and skips a truncated FLAC', async () => {
    const folder = scanAudioFolder(root);
    const cut = path.join(root, '26/495/26-495-0000.flac');
    const whole = fs.readFileSync(cut);
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    try {
      const opts = { seed: 3, prefetch: 1, skips: new SkipLog('files', { maxSkipRate: 0.5 }) };
      const inline = new AudioStream(folder.entries, 2, { ...opts, workers: 0, maxSampleSize: 34000 });
      const pooled = new AudioStream(folder.entries, 2, { ...opts, skips: new SkipLog('files', { maxSkipRate: 0.5 }), workers: 1, maxSampleSize: 34000 });
      try {
        for (const p of [0, 1, 2, 3]) {
          const [a, b] = await Promise.all([inline.batch(p), pooled.batch(p)]);
          expect(a.batch).to.equal(2);
          expect(a.length).to.be.at.most(34000);
          expect(a.length).to.be.at.least(33000);
          expect([...a.waveforms.subarray(0, 100)]).to.deep.equal([...b.waveforms.subarray(0, 100)]);
          expect(a.waveforms.every(Number.isFinite)).to.equal(true);
        }
        expect(inline.skips.summary()).to.equal('skipped 1 of 5 files: 1 truncated');
        expect(inline.skips.skipped[0].reason).to.match(/26-495-0000\.flac is truncated or corrupt/);
      } finally {
        await Promise.all([inline.close(), pooled.close()]);
      }
    } finally {
      fs.writeFileSync(cut, whole);
    }
  });
});
