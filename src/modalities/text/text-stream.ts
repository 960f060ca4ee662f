/**
 * Large text corpora as the text recipes' data (issue "real corpora"; spec §1.4
 * data, §2.6 rows): pretraining rows of exactly `sequences.maxLength` tokens
 * (`<s>` + the next L − 1 ids of the stream, fairseq's `sample_break_mode:
 * none`, what the `base` presets use) read from a binary token cache
 * (`data/token-cache.ts`) row by row at their file offsets, never the whole
 * file, in a seeded order per epoch.
 *
 * What `--data` streams (everything else is read into memory as before):
 * - a token cache written by `data2vec tokenize` (`X.bin`, `X.json`, or `X`);
 * - a `.gz` file, a folder without `train.*`/`test.*` split files, or a
 *   `.txt`/`.jsonl` file over `IN_MEMORY_TEXT_BYTES`: its cache (in
 *   `$DATA2VEC_CACHE/token-cache`) is built on first use by `pretrain`, with a
 *   progress bar, and reused while the files are unchanged.
 */
import * as fs from 'fs';
import * as path from 'path';
import { batchStart, sampleIndices } from '../../data/batch-order';
import { TokenBatch, collateSequences } from '../../data/text-batch';
import type { BatchSamples } from '../../util/drawn-samples';
import { TokenCache, TokenizeProgress, findTokenCache, tokenCacheFor, tokenCachePrefixOf } from '../../data/token-cache';
import { Tokenizer } from '../../data/tokenizer';

/** Single `.txt`/`.jsonl` files up to this size are read into memory (labelled probe sets); larger ones stream. */
export const IN_MEMORY_TEXT_BYTES = 64 * 2 ** 20;

/** How `--data` is read: `'memory'` (documents in memory), `'cache'` (a token cache named directly), `'corpus'` (raw files through their cache). */
export function textDataKind(data: string | undefined): 'memory' | 'cache' | 'corpus' {
  if (data === undefined) return 'memory';
  if (tokenCachePrefixOf(data)) return 'cache';
  if (!fs.existsSync(data)) return 'memory'; // the in-memory reader names what is missing
  if (fs.statSync(data).isDirectory()) {
    const split = ['train.jsonl', 'train.txt', 'test.jsonl', 'test.txt'].some((n) => fs.existsSync(path.join(data, n)));
    return split ? 'memory' : 'corpus';
  }
  return /\.gz$/i.test(data) || fs.statSync(data).size > IN_MEMORY_TEXT_BYTES ? 'corpus' : 'memory';
}

/** The token cache `data` streams from, opened; throws one sentence when it is not built yet or was made with another tokenizer. */
export function openTextCache(data: string, tokenizer: Tokenizer, cacheDir?: string): TokenCache {
  const prefix = tokenCachePrefixOf(data);
  const cache = prefix ? TokenCache.open(prefix) : findTokenCache(data, tokenizer, cacheDir);
  if (!cache) {
    throw new Error(`${data} has no current token cache for the ${tokenizer.name} tokenizer; run "data2vec tokenize --data ${data} --tokenizer ${tokenizer.name}" once (pretrain builds it on first use).`);
  }
  const h = cache.header;
  if (h.tokenizer !== tokenizer.name || h.vocabSize !== tokenizer.vocabSize) {
    cache.close();
    throw new Error(`token cache ${cache.prefix}.bin holds ${h.tokenizer} ids (${h.vocabSize}) but the run's tokenizer is ${tokenizer.name} (${tokenizer.vocabSize}); tokenise the corpus with --tokenizer ${tokenizer.name}, or set tokenizer.name to match.`);
  }
  return cache;
}

/** Build the corpus's token cache when `data` is raw text without a current one (`pretrain` calls this before loading). */
export async function ensureTextCache(data: string | undefined, tokenizer: Tokenizer, onProgress?: TokenizeProgress): Promise<boolean> {
  if (data === undefined || textDataKind(data) !== 'corpus') return false;
  const { cache, built } = await tokenCacheFor(data, tokenizer, { onProgress });
  cache.close();
  return built;
}

/**
 * Micro-batch (update, micro) of a cached corpus: `batchSize` rows of exactly
 * `rowLength` tokens, in the run's seeded order (`${seed}:order`), no padding.
 */
export function cachedPretrainingRows(
  cache: TokenCache,
  config: { seed: number; sequences: { maxLength: number }; trainer: { batchSize: number; accumulation: number } },
  specials: { bos: number; pad: number },
): (update: number, micro: number) => { raw: TokenBatch; samples: BatchSamples } {
  const { batchSize, accumulation } = config.trainer;
  const length = config.sequences.maxLength;
  const rows = cache.rowCount(length);
  if (rows < batchSize) {
    throw new Error(`token cache ${cache.prefix}.bin holds ${cache.header.tokens} tokens, ${rows} rows of ${length}, fewer than the batch size ${batchSize}; give a larger corpus or lower --batch-size.`);
  }
  return (update, micro) => {
    const idx = sampleIndices(rows, batchStart(update, micro, batchSize, accumulation), batchSize, `${config.seed}:order`);
    return { raw: collateSequences(idx.map((i) => Array.from(cache.row(i, length, specials.bos))), specials.pad), samples: { cache_rows: idx } };
  };
}
