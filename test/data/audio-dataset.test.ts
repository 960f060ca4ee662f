/**
 * Speech dataset loading (src/data/audio-dataset.ts): the bundled
 * spoken-digits set with its voice split, labels from sub-folders and from a
 * manifest, seeded splits (per label, or by voice), length filters, and a
 * folder with bad files that still loads and counts what it skipped.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { AudioDataset, DEFAULT_MAX_SAMPLES, DEFAULT_MIN_SAMPLES, bundledSpokenDigitsDir, loadAudioDataset, summarizeSkipped } from '../../src/data/audio-dataset';
import { encodeWav16 } from '../../src/data/wav';
import { tempDirFixture } from '../helpers/temp-dir';

/** A clip whose first sample encodes `id` (id/1000), so tests can tell clips apart after loading. */
function clipBytes(id: number, length = 4000, rate = 16000): Uint8Array {
  const x = new Float32Array(length).fill(0.1);
  x[0] = id / 1000;
  return encodeWav16(x, rate);
}

function write(file: string, bytes: Uint8Array | string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
}

/** Files of a split, relative to the dataset folder. */
function names(ds: AudioDataset, split: 'train' | 'test'): string[] {
  return ds[split].map((c) => path.relative(ds.source, c.file)).sort();
}

describe('data/audio-dataset', () => {
  const tmp = tempDirFixture('audio-dataset-test-');

  describe('the bundled spoken-digits set', () => {
    let ds: AudioDataset;
    before(() => {
      ds = loadAudioDataset();
    });

    it('is found beside the package and has 360 train and 120 test clips, 36 and 12 per digit', () => {
      expect(ds.source).to.equal(bundledSpokenDigitsDir());
      expect(ds.labels).to.deep.equal(['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']);
      expect([ds.train.length, ds.test.length, ds.skipped.length, ds.splitBy]).to.deep.equal([360, 120, 0, 'manifest']);
      for (let label = 0; label < 10; label++) {
        expect(ds.train.filter((c) => c.label === label).length).to.equal(36);
        expect(ds.test.filter((c) => c.label === label).length).to.equal(12);
      }
      for (const c of [...ds.train, ...ds.test]) {
        expect(path.basename(path.dirname(c.file))).to.equal(ds.labels[c.label]);
        expect(c.samples.length).to.be.within(DEFAULT_MIN_SAMPLES, DEFAULT_MAX_SAMPLES);
      }
    });

    it('keeps every voice in one split: the 12 test voices (variants m3, m6, f2) are never in training', () => {
      const rows = fs.readFileSync(path.join(ds.source, 'manifest.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
      const voiceOf = new Map(rows.map(([file, , voice]) => [path.join(ds.source, file), voice]));
      const trainVoices = new Set(ds.train.map((c) => voiceOf.get(c.file)));
      const testVoices = new Set(ds.test.map((c) => voiceOf.get(c.file)));
      expect([trainVoices.size, testVoices.size]).to.deep.equal([36, 12]);
      expect([...testVoices].filter((v) => trainVoices.has(v))).to.deep.equal([]);
      expect([...testVoices].every((v) => /\+(m3|m6|f2)$/.test(v ?? ''))).to.equal(true);
      expect([...trainVoices].some((v) => /\+(m3|m6|f2)$/.test(v ?? ''))).to.equal(false);
    });
  });

  it('labels by sub-folder (natural order) and splits each label seeded, 20 % to test', () => {
    const dir = path.join(tmp.path, 'folders');
    for (const [l, label] of ['dog', 'cat', 'bird10', 'bird9'].entries()) {
      for (let i = 0; i < 10; i++) write(path.join(dir, label, `${i}.wav`), clipBytes(l * 10 + i));
    }
    write(path.join(dir, 'cat', 'deeper', 'extra.WAV'), clipBytes(99));
    write(path.join(dir, 'cat', 'readme.txt'), 'not audio, not listed');
    const a = loadAudioDataset(dir, { seed: 1 });
    expect(a.labels).to.deep.equal(['bird9', 'bird10', 'cat', 'dog']);
    expect([a.train.length, a.test.length, a.skipped.length, a.splitBy]).to.deep.equal([33, 8, 0, 'file']);
    const catFiles = [...a.train, ...a.test].filter((c) => c.label === 2).map((c) => path.relative(dir, c.file));
    expect(catFiles).to.include(path.join('cat', 'deeper', 'extra.WAV'));
    for (let label = 0; label < 4; label++) expect(a.test.filter((c) => c.label === label).length).to.equal(2);
    // The sample values identify the file: dog/3.wav was written with id 3 (label order of writing: dog=0).
    const dog3 = [...a.train, ...a.test].find((c) => c.file === path.join(dir, 'dog', '3.wav'));
    expect([dog3?.label, dog3?.samples[0]]).to.deep.equal([3, Math.fround(Math.round(0.003 * 32768) / 32768)]);
    // Same seed, same split; another seed, another split.
    expect(names(loadAudioDataset(dir, { seed: 1 }), 'test')).to.deep.equal(names(a, 'test'));
    expect(names(loadAudioDataset(dir, { seed: 2 }), 'test')).to.not.deep.equal(names(a, 'test'));
  });

  it('reads labels and the split from manifest.csv (quoted fields, relative paths)', () => {
    const dir = path.join(tmp.path, 'manifest-split');
    write(path.join(dir, 'audio', 'a.wav'), clipBytes(1));
    write(path.join(dir, 'audio', 'b, with comma.wav'), clipBytes(2));
    write(path.join(dir, 'c.wav'), clipBytes(3));
    write(path.join(dir, 'manifest.csv'), 'file,label,split\naudio/a.wav,yes,train\n"audio/b, with comma.wav",no,test\nc.wav,yes,test\n');
    const ds = loadAudioDataset(dir);
    expect(ds.labels).to.deep.equal(['yes', 'no']);
    expect(ds.splitBy).to.equal('manifest');
    expect(ds.train.map((c) => [path.basename(c.file), c.label])).to.deep.equal([['a.wav', 0]]);
    expect(ds.test.map((c) => [path.basename(c.file), c.label])).to.deep.equal([
      ['b, with comma.wav', 1],
      ['c.wav', 0],
    ]);
  });

  it('splits by the speaker column when the manifest has no split: no speaker in both sets', () => {
    const dir = path.join(tmp.path, 'manifest-speaker');
    const lines = ['file,label,speaker'];
    for (let s = 0; s < 10; s++) {
      for (let w = 0; w < 3; w++) {
        write(path.join(dir, `s${s}w${w}.wav`), clipBytes(s * 3 + w));
        lines.push(`s${s}w${w}.wav,word${w},spk${s}`);
      }
    }
    write(path.join(dir, 'manifest.csv'), lines.join('\n'));
    const speakerOf = (file: string): string => path.basename(file).split('w')[0];
    for (const seed of [0, 1, 2]) {
      const ds = loadAudioDataset(dir, { seed });
      expect(ds.splitBy).to.equal('speaker');
      const test = new Set(ds.test.map((c) => speakerOf(c.file)));
      const train = new Set(ds.train.map((c) => speakerOf(c.file)));
      expect([test.size, train.size, ds.test.length]).to.deep.equal([2, 8, 6]);
      expect([...test].filter((s) => train.has(s))).to.deep.equal([]);
    }
  });

  it('keeps loading past bad files and counts them: "skipped 3 of 120 files: 2 truncated, 1 not a WAV file"', () => {
    const dir = path.join(tmp.path, 'with-bad-files');
    for (let i = 0; i < 117; i++) write(path.join(dir, i % 2 ? 'odd' : 'even', `${i}.wav`), clipBytes(i));
    write(path.join(dir, 'odd', 'cut1.wav'), clipBytes(1).subarray(0, 500));
    write(path.join(dir, 'even', 'cut2.wav'), clipBytes(2).subarray(0, 1000));
    write(path.join(dir, 'even', 'text.wav'), 'hello');
    const ds = loadAudioDataset(dir);
    expect(ds.train.length + ds.test.length).to.equal(117);
    expect(summarizeSkipped(ds)).to.equal('skipped 3 of 120 files: 2 truncated, 1 not a WAV file');
    const cut1 = ds.skipped.find((s) => s.file.endsWith('cut1.wav'));
    expect(cut1?.reason).to.equal(`${path.join(dir, 'odd', 'cut1.wav')} is truncated: its data chunk declares 8000 bytes of audio but only 456 are present; re-export or re-download it.`);
    expect(summarizeSkipped(loadAudioDataset(path.join(tmp.path, 'folders')))).to.equal('skipped 0 of 41 files');
  });

  it('drops clips outside the length limits (defaults 3200..32000 samples) and resamples or rejects other rates', () => {
    const dir = path.join(tmp.path, 'lengths');
    write(path.join(dir, 'w', 'short.wav'), clipBytes(1, DEFAULT_MIN_SAMPLES - 1));
    write(path.join(dir, 'w', 'shortest-ok.wav'), clipBytes(2, DEFAULT_MIN_SAMPLES));
    write(path.join(dir, 'w', 'long.wav'), clipBytes(3, DEFAULT_MAX_SAMPLES + 1));
    write(path.join(dir, 'w', 'at8k.wav'), clipBytes(4, 4000, 8000));
    write(path.join(dir, 'manifest.csv'), ['file,label,split', ...['short', 'shortest-ok', 'long', 'at8k', 'gone'].map((n) => `w/${n}.wav,w,train`)].join('\n'));
    const ds = loadAudioDataset(dir);
    expect(ds.train.map((c) => [path.basename(c.file), c.samples.length])).to.deep.equal([
      ['shortest-ok.wav', 3200],
      ['at8k.wav', 8000],
    ]);
    expect(ds.skipped.map((s) => [path.basename(s.file), s.kind])).to.deep.equal([
      ['short.wav', 'too-short'],
      ['long.wav', 'too-long'],
      ['gone.wav', 'unreadable'],
    ]);
    expect(summarizeSkipped(ds)).to.equal('skipped 3 of 5 files: 1 too short, 1 too long, 1 unreadable');
    const strict = loadAudioDataset(dir, { otherRate: 'reject', minSamples: 1000, maxSamples: 40000 });
    expect(strict.train.map((c) => path.basename(c.file))).to.deep.equal(['short.wav', 'shortest-ok.wav', 'long.wav']);
    expect(summarizeSkipped(strict)).to.equal('skipped 2 of 5 files: 1 wrong sample rate, 1 unreadable');
  });

  it('rejects a manifest without file/label columns, or with an unknown split, in one sentence', () => {
    const dir = path.join(tmp.path, 'bad-manifest');
    write(path.join(dir, 'manifest.csv'), 'path,class\na.wav,x\n');
    expect(() => loadAudioDataset(dir)).to.throw(
      `${path.join(dir, 'manifest.csv')} must start with a header naming the columns file and label (optionally split, voice or speaker); found "path,class".`,
    );
    write(path.join(dir, 'manifest.csv'), 'file,label,split\na.wav,x,train\n\nb.wav,x,valid\n');
    expect(() => loadAudioDataset(dir)).to.throw(`${path.join(dir, 'manifest.csv')} line 4 has split "valid"; use train or test.`);
    write(path.join(dir, 'manifest.csv'), 'file,label\na.wav,\n');
    expect(() => loadAudioDataset(dir)).to.throw(`${path.join(dir, 'manifest.csv')} line 2 has no file or no label ("a.wav,"); give both on every line.`);
    const empty = path.join(tmp.path, 'empty-folder');
    fs.mkdirSync(empty);
    expect(() => loadAudioDataset(empty)).to.throw(`${empty} has no manifest.csv and no WAV files in label sub-folders`);
  });
});
