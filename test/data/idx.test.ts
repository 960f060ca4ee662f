/**
 * IDX reader/writer (src/data/idx.ts): byte layout checked against a header
 * written by hand, plain and gzip round trips, and one clear error naming the
 * file for each kind of bad file, generated in a temp folder.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { encodeIdx, parseIdx, readIdx, writeIdx } from '../../src/data/idx';
import { tempDirFixture } from '../helpers/temp-dir';

/** `s` as a literal inside a RegExp. */
function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('data/idx', () => {
  const tmp = tempDirFixture('idx-test-');

  // A 2x3 uint8 array as an IDX file, written out byte by byte.
  const handMade = Uint8Array.from([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 10, 11, 12, 20, 21, 22]);

  it('parses a hand-written header: type 0x08, big-endian sizes, row-major data', () => {
    const a = parseIdx(handMade, 'hand.idx');
    expect(a.shape).to.deep.equal([2, 3]);
    expect(Array.from(a.data)).to.deep.equal([10, 11, 12, 20, 21, 22]);
  });

  it('encodes to exactly the hand-written bytes, including sizes above 255', () => {
    expect(Array.from(encodeIdx({ shape: [2, 3], data: Uint8Array.from([10, 11, 12, 20, 21, 22]) }))).to.deep.equal(Array.from(handMade));
    const header = encodeIdx({ shape: [70000], data: new Uint8Array(70000) }).subarray(0, 8);
    // 70000 = 0x00011170
    expect(Array.from(header)).to.deep.equal([0, 0, 8, 1, 0x00, 0x01, 0x11, 0x70]);
  });

  for (const name of ['images-idx3-ubyte', 'images-idx3-ubyte.gz']) {
    it(`round-trips a 3-D array through ${name}`, () => {
      const data = Uint8Array.from({ length: 4 * 5 * 6 }, (_, i) => (i * 37) % 256);
      const file = path.join(tmp.path, name);
      writeIdx(file, { shape: [4, 5, 6], data });
      const back = readIdx(file);
      expect(back.shape).to.deep.equal([4, 5, 6]);
      expect(Buffer.from(back.data).equals(Buffer.from(data))).to.equal(true);
      const onDisk = fs.readFileSync(file);
      expect(onDisk[0] === 0x1f && onDisk[1] === 0x8b).to.equal(name.endsWith('.gz'));
    });
  }

  it('writes byte-identical gzip files for identical data', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i % 7);
    const [a, b] = ['a.gz', 'b.gz'].map((f) => path.join(tmp.path, f));
    writeIdx(a, { shape: [1000], data });
    writeIdx(b, { shape: [1000], data });
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).to.equal(true);
  });

  describe('bad files: one sentence naming the file', () => {
    function write(name: string, bytes: Uint8Array): string {
      const file = path.join(tmp.path, name);
      fs.writeFileSync(file, bytes);
      return file;
    }

    it('missing file', () => {
      const file = path.join(tmp.path, 'nope-idx1-ubyte');
      expect(() => readIdx(file)).to.throw(`cannot read the IDX file ${file}: it does not exist (ENOENT); check the path.`);
    });

    it('truncated data (fewer bytes than the header promises)', () => {
      const file = write('short-idx2', handMade.subarray(0, handMade.length - 1));
      expect(() => readIdx(file)).to.throw(new RegExp(`${escape(file)} is truncated: .*shape \\[2, 3\\] \\(18 bytes\\) but it has 17 bytes`));
    });

    it('truncated data inside a valid gzip file', () => {
      const file = write('short-idx2.gz', zlib.gzipSync(handMade.subarray(0, 15)));
      expect(() => readIdx(file)).to.throw(`IDX file ${file} is truncated`);
    });

    it('truncated header', () => {
      const file = write('short-header', handMade.subarray(0, 9));
      expect(() => readIdx(file)).to.throw(`IDX file ${file} is truncated: it has 9 bytes, fewer than its 12-byte header`);
    });

    it('extra bytes after the data', () => {
      const file = write('long-idx2', Uint8Array.from([...handMade, 99, 99]));
      expect(() => readIdx(file)).to.throw(`IDX file ${file} has 2 bytes after the data`);
    });

    it('wrong magic number', () => {
      const file = write('png-not-idx', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 0]));
      expect(() => readIdx(file)).to.throw(`${file} is not an IDX file: its magic number is 89 50 4e 47`);
    });

    it('unsupported data type (float32, 0x0d)', () => {
      const bytes = Uint8Array.from(handMade);
      bytes[2] = 0x0d;
      const file = write('float-idx2', bytes);
      expect(() => readIdx(file)).to.throw(`IDX file ${file} holds data type 0x0d (float32); only unsigned bytes (0x08) are supported`);
    });

    it('unsupported number of dimensions', () => {
      const file = write('zero-dims', Uint8Array.from([0, 0, 8, 0]));
      expect(() => readIdx(file)).to.throw(`IDX file ${file} declares 0 dimensions`);
    });

    it('gzip file that cannot be inflated', () => {
      const gz = zlib.gzipSync(encodeIdx({ shape: [500], data: Uint8Array.from({ length: 500 }, (_, i) => (i * 91) % 256) }));
      const file = write('cut.gz', gz.subarray(0, gz.length - 20));
      expect(() => readIdx(file)).to.throw(new RegExp(`^cannot inflate gzip file ${escape(file)} \\(.+\\); the file is damaged or incomplete`));
    });

    it('a .gz name holding plain data', () => {
      const file = write('plain.gz', handMade);
      expect(() => readIdx(file)).to.throw(`${file} is named .gz but is not gzip data`);
    });
  });
});
