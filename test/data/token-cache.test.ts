/**
 * Text corpora and the token cache (src/data/text-corpus.ts, token-cache.ts) on
 * files the test writes: .txt, .jsonl and .gz read as documents, the cache
 * equals the in-memory `packTokenBlocks` rows with GPT-2 BPE, it is reused
 * until a source changes, bad input stops with a sentence naming the file, and
 * reading every row of a cache much larger than a row keeps memory flat.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { execFileSync } from 'child_process';
import { listTextFiles, readDocuments } from '../../src/data/text-corpus';
import { TokenCache, tokenCacheFor } from '../../src/data/token-cache';
import { packTokenBlocks } from '../../src/data/text-batch';
import { gpt2Tokenizer } from '../../src/data/tokenizer-presets';
import { collectGarbage } from '../helpers/collect-garbage';

async function collect(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const d of readDocuments(file)) out.push(d);
  return out;
}

describe('text corpora and the token cache', () => {
  let dir: string;
  let cacheDir: string;
  const tok = gpt2Tokenizer();
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-text-'));
    cacheDir = path.join(dir, '.cache');
    const corpus = path.join(dir, 'corpus');
    fs.mkdirSync(corpus);
    fs.writeFileSync(path.join(corpus, 'a.txt'), 'The quick brown fox.\r\nJumps over the lazy dog, héllo wörld!\n\nLast line without newline');
    fs.writeFileSync(path.join(corpus, 'b.jsonl.gz'), zlib.gzipSync(['{"text": "Line one\\nstill one"}', '', '{"text": "Second document 😀", "id": 7}'].join('\n') + '\n'));
    fs.writeFileSync(path.join(corpus, 'c.txt.gz'), zlib.gzipSync('gzipped text\n'.repeat(300)));
    fs.writeFileSync(path.join(corpus, 'ignored.md'), '# not read');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads .txt lines, .jsonl text fields and gzip, in sorted file order', async () => {
    const files = listTextFiles(path.join(dir, 'corpus'));
    expect(files.map((f) => path.basename(f))).to.deep.equal(['a.txt', 'b.jsonl.gz', 'c.txt.gz']);
    expect(await collect(files[0])).to.deep.equal(['The quick brown fox.', 'Jumps over the lazy dog, héllo wörld!', '', 'Last line without newline']);
    expect(await collect(files[1])).to.deep.equal(['Line one\nstill one', 'Second document 😀']);
    expect(await collect(files[2])).to.have.length(300);
  });

  it('writes GPT-2 ids as uint16 whose rows equal packTokenBlocks of the documents, and reuses the cache until a file changes', async () => {
    const corpus = path.join(dir, 'corpus');
    const seen: number[] = [];
    const first = await tokenCacheFor(corpus, tok, { dir: cacheDir, onProgress: (p) => seen.push(p.tokens) });
    expect(first.built).to.equal(true);
    const docs: number[][] = [];
    for (const f of listTextFiles(corpus)) for (const d of await collect(f)) docs.push(tok.encode(d));
    const h = first.cache.header;
    expect(h.dtype).to.equal('uint16');
    expect(h.documents).to.equal(docs.length);
    expect(h.tokens).to.equal(docs.reduce((a, d) => a + d.length + 1, 0));
    expect(fs.statSync(`${first.cache.prefix}.bin`).size).to.equal(2 * h.tokens);
    expect(seen[seen.length - 1]).to.equal(h.tokens);
    const rows = packTokenBlocks(docs, tok.specials, { blockSize: 64 });
    expect(first.cache.rowCount(64)).to.equal(rows.length);
    for (const i of [0, 1, rows.length - 1]) expect([...first.cache.row(i, 64, tok.specials.bos)]).to.deep.equal(rows[i]);
    first.cache.close();
    const again = await tokenCacheFor(corpus, tok, { dir: cacheDir });
    expect(again.built).to.equal(false);
    again.cache.close();
    fs.appendFileSync(path.join(corpus, 'a.txt'), '\nmore');
    const rebuilt = await tokenCacheFor(corpus, tok, { dir: cacheDir });
    expect(rebuilt.built).to.equal(true);
    expect(rebuilt.cache.header.tokens).to.equal(h.tokens + 1 + tok.encode('more').length);
    rebuilt.cache.close();
  });

  it('stops with one sentence naming the file for invalid UTF-8, bad JSON lines, missing text fields and a cut gzip, leaving no cache behind', async () => {
    const bad = path.join(dir, 'bad');
    fs.mkdirSync(bad);
    const cases: [string, Buffer, RegExp][] = [
      ['latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]), /latin1\.txt is not valid UTF-8 \(near line 1\)/],
      ['broken.jsonl', Buffer.from('{"text": "ok"}\n{"text": \n'), /broken\.jsonl line 2 is not valid JSON/],
      ['notext.jsonl', Buffer.from('{"body": "x"}\n'), /notext\.jsonl line 1 has no "text" string field/],
      ['cut.txt.gz', zlib.gzipSync('some text\n'.repeat(1000)).subarray(0, 40), /cut\.txt\.gz is a damaged or truncated gzip file/],
    ];
    for (const [name, bytes, message] of cases) {
      const file = path.join(bad, name);
      fs.writeFileSync(file, bytes);
      let error: Error | undefined;
      try {
        await tokenCacheFor(file, tok, { dir: path.join(bad, 'cache') });
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message, name).to.match(message);
      const left = fs.existsSync(path.join(bad, 'cache')) ? fs.readdirSync(path.join(bad, 'cache')) : [];
      expect(left, name).to.deep.equal([]);
    }
  });

  it('data2vec tokenize writes the cache once and reuses it, reporting the header', () => {
    const cli = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
    const file = path.join(dir, 'cli.txt');
    fs.writeFileSync(file, 'one line\nanother line here\n');
    const run = () => JSON.parse(execFileSync(process.execPath, [cli, 'tokenize', '--data', file, '--cache-dir', path.join(dir, 'cli-cache'), '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!);
    const first = run();
    expect([first.built, first.dtype, first.documents]).to.deep.equal([true, 'uint16', 2]);
    expect(first.tokens).to.equal(tok.encode('one line').length + tok.encode('another line here').length + 2);
    expect(run().built).to.equal(false);
  });

  it('reads all rows of a 96 MB cache with resident memory growing by far less than the file', () => {
    const prefix = path.join(dir, 'big');
    const tokens = 48 * 1024 * 1024;
    const chunk = new Uint16Array(1 << 20);
    for (let i = 0; i < chunk.length; i++) chunk[i] = 4 + (i % 50000);
    const fd = fs.openSync(`${prefix}.bin`, 'w');
    for (let k = 0; k < tokens / chunk.length; k++) fs.writeSync(fd, new Uint8Array(chunk.buffer));
    fs.closeSync(fd);
    fs.writeFileSync(`${prefix}.json`, JSON.stringify({ format: 'data2vec-ts token cache', version: 1, dtype: 'uint16', tokens, documents: 1, tokenizer: 'gpt2', vocabSize: 50261, sources: [] }));
    const cache = TokenCache.open(prefix);
    collectGarbage();
    const before = process.memoryUsage().rss;
    let peak = before;
    let checksum = 0;
    const rows = cache.rowCount(512);
    for (let i = 0; i < rows; i++) {
      const row = cache.row(i, 512, 0);
      checksum += row[1];
      if (i % 4096 === 0) {
        collectGarbage();
        peak = Math.max(peak, process.memoryUsage().rss);
      }
    }
    cache.close();
    expect(rows).to.equal(Math.floor(tokens / 511));
    expect(checksum).to.be.greaterThan(0);
    expect(peak - before).to.be.lessThan(32 * 1024 * 1024);
  });
});
