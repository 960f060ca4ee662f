/**
 * `.tar` shards in the WebDataset convention (issue "shards for scale"): files
 * that share a key (the path up to the first dot of the file name) form one
 * sample, e.g. `n01440764_10026.jpg` + `n01440764_10026.cls`; a sample's files
 * are consecutive in the tar. Shards are read one after another as streams
 * (`tar-stream`), so a corpus on network storage needs no directory walk, and
 * `shuffleBuffer` mixes samples across a window as WebDataset's `shuffle(n)`
 * does. A shard cut short is counted as skipped in the `SkipLog` (its complete
 * samples are kept) and reading goes on with the next shard; a missing shard
 * stops with one sentence.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tar from 'tar-stream';
import { expand } from 'brace-expansion';
import { Rng } from '../util/rng';
import { SkipLog } from './skip-log';

/** One sample of a shard: its key and its files by extension (`jpg`, `cls`, `flac`, …). */
export interface ShardSample {
  key: string;
  shard: string;
  files: Map<string, Uint8Array>;
}

/** Split a member path into WebDataset key and extension: `a/b/x.seg.jpg` → [`a/b/x`, `seg.jpg`]. */
export function sampleKey(name: string): [string, string] {
  const dir = path.posix.dirname(name);
  const base = path.posix.basename(name);
  const dot = base.indexOf('.');
  const stem = dot < 0 ? base : base.slice(0, dot);
  return [dir === '.' ? stem : `${dir}/${stem}`, dot < 0 ? '' : base.slice(dot + 1).toLowerCase()];
}

/** The class index in a sample's `cls` member (WebDataset's label convention), or -1. */
export function sampleClass(sample: ShardSample): number {
  const cls = sample.files.get('cls');
  const n = cls ? Number.parseInt(Buffer.from(cls).toString('utf8').trim(), 10) : NaN;
  return Number.isInteger(n) ? n : -1;
}

/** True when `input` names shards by pattern or list: a brace pattern (`train-{000..009}.tar`), a `::`-separated list, or one `.tar` file. */
export function isShardSpec(input: string): boolean {
  return /\{[^}]*(\.\.|,)[^}]*\}/.test(input) || input.includes('::') || /\.tar$/i.test(input);
}

/**
 * Expand shard names: a list of paths; a folder (every `*.tar` in it, sorted);
 * or, in the WebDataset way, a brace pattern (`shards/train-{000..009}.tar`,
 * `{a,b}.tar`) and `::`-separated lists of those. Every named shard must exist.
 */
export function listShards(input: string | readonly string[]): string[] {
  if (Array.isArray(input)) return input.map((s) => path.resolve(s));
  const spec = input as string;
  if (spec.includes('::') || /\{[^}]*(\.\.|,)[^}]*\}/.test(spec)) {
    const shards = spec.split('::').filter((s) => s !== '').flatMap((part) => expand(part)).map((s) => path.resolve(s));
    const missing = shards.filter((s) => !fs.existsSync(s));
    if (missing.length > 0) throw new Error(`shard ${missing[0]} named by ${spec} does not exist (${missing.length} of ${shards.length} missing); check the pattern.`);
    return shards;
  }
  const p = path.resolve(spec);
  if (!fs.existsSync(p)) throw new Error(`shard path ${p} does not exist; pass a folder of .tar shards or a .tar file.`);
  if (fs.statSync(p).isFile()) return [p];
  const shards = fs.readdirSync(p).filter((f) => /\.tar$/i.test(f)).sort().map((f) => path.join(p, f));
  if (shards.length === 0) throw new Error(`folder ${p} holds no .tar shards.`);
  return shards;
}

/** The samples of one shard, in order. Throws for a shard cut short (after yielding its complete samples). */
async function* shardSamples(shard: string): AsyncGenerator<ShardSample> {
  const extract = tar.extract();
  fs.createReadStream(shard, { highWaterMark: 1 << 20 }).on('error', (e) => extract.destroy(e)).pipe(extract);
  let current: ShardSample | undefined;
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    if (entry.header.type !== 'file') continue;
    const [key, ext] = sampleKey(entry.header.name);
    if (current && current.key !== key) {
      yield current;
      current = undefined;
    }
    current ??= { key, shard, files: new Map() };
    current.files.set(ext, new Uint8Array(Buffer.concat(chunks)));
  }
  if (current) yield current;
}

/**
 * The samples of `shards`, one shard after another. A shard that cannot be
 * read to its end is counted in `skips` (kind "truncated shard") after its
 * complete samples; the last, possibly partial, sample before the cut is dropped.
 */
export async function* readShards(shards: readonly string[], skips: SkipLog): AsyncGenerator<ShardSample> {
  for (const shard of shards) {
    if (!fs.existsSync(shard)) throw new Error(`shard ${shard} does not exist; check the shard list.`);
    let pending: ShardSample | undefined;
    try {
      for await (const sample of shardSamples(shard)) {
        if (pending) yield pending;
        pending = sample;
      }
      if (pending) yield pending;
      skips.ok();
    } catch (e) {
      skips.skip(shard, 'truncated shard', `${shard} is cut short or damaged (${(e as Error).message}); its complete samples were used; re-copy the shard.`);
    }
  }
}

/**
 * WebDataset's `shuffle(size)`: fill a buffer of `size` samples, then for each
 * new sample yield a random one from the buffer and put the new one in its
 * place; drain the buffer at the end. Seeded, so the order is reproducible.
 */
export async function* shuffleBuffer<T>(source: AsyncIterable<T>, size: number, rng: Rng): AsyncGenerator<T> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`the shuffle buffer size must be a positive integer, got ${size}.`);
  const buffer: T[] = [];
  for await (const item of source) {
    if (buffer.length < size) {
      buffer.push(item);
      continue;
    }
    const i = rng.int(0, size);
    yield buffer[i];
    buffer[i] = item;
  }
  while (buffer.length > 0) {
    const i = rng.int(0, buffer.length);
    yield buffer[i];
    buffer[i] = buffer[buffer.length - 1];
    buffer.pop();
  }
}
