/**
 * The text recipes on corpora the test writes (modalities/text/text-stream.ts):
 * `pretrain` on a folder of `.txt` and `.jsonl.gz` files tokenises it once into
 * its token cache and trains on rows of exactly `sequences.maxLength` tokens
 * read from that cache; the rows hold only the corpus's own ids (the bundled
 * glosses would bring thousands of others); the cache can be named directly; a
 * cache not built yet, one made with another tokenizer and a corpus smaller than
 * a batch are refused with one sentence.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { loadTokenizer } from '../../../src/data/tokenizer-presets';
import { tokenCacheFor } from '../../../src/data/token-cache';
import { textV1Recipe } from '../../../src/modalities/text/recipe-v1';
import { TextV1Config } from '../../../src/modalities/text/presets-v1';
import { V1Batch } from '../../../src/data2vec/data2vec-v1';
import { V2Batch } from '../../../src/data2vec/data2vec-v2';
import { textV2Recipe } from '../../../src/modalities/text/recipe-v2';
import { pretrain } from '../../../src/run/pretrain';
import { Rng } from '../../../src/util/rng';

const SMALL_MODEL = { 'model.dim': '32', 'model.ffnDim': '64', 'model.heads': '2', 'model.depth': '2', 'data2vec.targets.topK': '2', 'sequences.maxLength': '32' };
const WORDS = ['quokka', 'zebra', 'harbour', 'lantern', 'violet', 'marble'];

/** `n` sentences of the six words in seeded orders. */
function sentences(n: number, seed: string): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.permutation(WORDS.length).map((i) => WORDS[i]).join(' ') + '.');
}

describe('text recipes on a streamed corpus and its token cache', function () {
  this.timeout(240000);
  let work: string;
  let corpus: string;
  let savedCache: string | undefined;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-text-stream-'));
    savedCache = process.env.DATA2VEC_CACHE;
    process.env.DATA2VEC_CACHE = path.join(work, 'cache');
    corpus = path.join(work, 'corpus');
    fs.mkdirSync(corpus);
    fs.writeFileSync(path.join(corpus, 'a.txt'), sentences(150, 'a').join('\n') + '\n');
    fs.writeFileSync(path.join(corpus, 'b.jsonl.gz'), zlib.gzipSync(sentences(150, 'b').map((text) => JSON.stringify({ text })).join('\n') + '\n'));
  });
  after(() => {
    if (savedCache === undefined) delete process.env.DATA2VEC_CACHE;
    else process.env.DATA2VEC_CACHE = savedCache;
    fs.rmSync(work, { recursive: true, force: true });
  });

  const config = (data: string, set: Record<string, string> = {}): TextV1Config => textV1Recipe.config('tiny', { data, steps: 2, batchSize: 8, set: { ...SMALL_MODEL, ...set } });

  it('refuses a corpus whose cache is not built yet, naming the command that builds it', () => {
    expect(() => textV1Recipe.loadData(config(corpus))).to.throw(`${corpus} has no current token cache for the wordnet-bpe tokenizer; run "data2vec tokenize --data ${corpus} --tokenizer wordnet-bpe" once (pretrain builds it on first use).`);
  });

  it('v1: pretrain builds the cache once, then trains two updates on full rows of the corpus', async () => {
    const started: string[] = [];
    const summary = await pretrain({ modality: 'text', algo: 'v1', preset: 'tiny', overrides: { data: corpus, steps: 2, batchSize: 8, set: SMALL_MODEL }, out: path.join(work, 'run'), report: false, dataProgress: { onStartTokenize: (w) => started.push(w) } });
    expect(started).to.have.length(1);
    expect(summary.steps).to.equal(2);
    expect(Number.isFinite(summary.loss_first) && Number.isFinite(summary.loss_last)).to.equal(true);
    expect(fs.readdirSync(path.join(work, 'cache', 'token-cache')).filter((f) => f.endsWith('.bin'))).to.have.length(1);

    const c = config(corpus);
    const data = textV1Recipe.loadData(c);
    expect(data.cache).to.not.equal(undefined);
    expect(data.describe).to.match(/ 300 documents \(wordnet-bpe, 4096 ids\), \d+ rows of 32 tokens, streamed/);
    const tokenizer = data.tokenizer;
    const own = new Set(WORDS.flatMap((w) => [...tokenizer.encode(` ${w}.`), ...tokenizer.encode(`${w} `), ...tokenizer.encode(` ${w} `), ...tokenizer.encode(`${w}.`)]));
    const setup = textV1Recipe.build(c, data);
    const batch = (setup.batches as unknown as (u: number, m: number, rng: Rng) => V1Batch)(0, 0, new Rng(0));
    const ids = (batch.teacherInput as unknown as { arraySync(): number[][] }).arraySync();
    expect(ids).to.have.length(8);
    for (const row of ids) {
      expect(row).to.have.length(32);
      expect(row[0]).to.equal(tokenizer.specials.bos);
      const ordinary = row.slice(1).filter((id) => id !== tokenizer.specials.eos);
      expect(ordinary.every((id) => own.has(id)), `row ${tokenizer.decode(row)}`).to.equal(true);
    }
    setup.objective.dispose();

    // 2.0 reads the same rows: no padding, `clones` masks per row
    const c2 = textV2Recipe.config('tiny', { data: corpus, batchSize: 8, set: { 'model.dim': '32', 'model.heads': '2', 'model.depth': '2', 'data2vec.targets.topK': '2', 'decoder.dim': '16', 'data2vec.clones': '2', 'sequences.maxLength': '32' } });
    const setup2 = textV2Recipe.build(c2, textV2Recipe.loadData(c2));
    const b2 = (setup2.batches as unknown as (u: number, m: number, rng: Rng) => V2Batch)(0, 0, new Rng(0));
    expect(b2.input.shape).to.deep.equal([8, 32]);
    expect(b2.padMask).to.equal(undefined);
    b2.input.dispose();
    setup2.objective.dispose();
  });

  it('reads a cache named directly; refuses one made with another tokenizer and one smaller than a batch', async () => {
    const cacheDir = path.join(work, 'cache', 'token-cache');
    const bin = path.join(cacheDir, fs.readdirSync(cacheDir).find((f) => f.endsWith('.bin'))!);
    const direct = textV1Recipe.loadData(config(bin));
    expect(direct.cache?.prefix).to.equal(bin.replace(/\.bin$/, ''));
    expect(direct.trainSize).to.equal(direct.cache!.rowCount(32));

    const gpt2 = await tokenCacheFor(corpus, loadTokenizer('gpt2'), { dir: path.join(work, 'other') });
    gpt2.cache.close();
    expect(() => textV1Recipe.loadData(config(`${gpt2.cache.prefix}.bin`))).to.throw(`token cache ${gpt2.cache.prefix}.bin holds gpt2 ids (50261) but the run's tokenizer is wordnet-bpe (4096)`);

    const tiny = path.join(work, 'tiny');
    fs.mkdirSync(tiny);
    fs.writeFileSync(path.join(tiny, 'one.txt'), 'quokka zebra.\n');
    const small = await tokenCacheFor(tiny, direct.tokenizer);
    small.cache.close();
    const data = textV1Recipe.loadData(config(tiny));
    expect(() => textV1Recipe.build(config(tiny), data)).to.throw(/holds \d+ tokens, 0 rows of 32, fewer than the batch size 8; give a larger corpus or lower --batch-size/);
  });
});
