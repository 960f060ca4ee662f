/**
 * BPE rank tables (spec §1.4): where the byte-level BPE vocabularies come from and how
 * they are stored.
 *
 * - GPT-2's table, the one RoBERTa and data2vec text use, ships inside the npm package
 *   `js-tiktoken` (`js-tiktoken/ranks/gpt2`: 50,256 BPE tokens plus `<|endoftext|>`,
 *   which is a special token there and not part of the table here).
 * - Tables trained here are stored in tiktoken's own file format (`*.tiktoken`: one
 *   line per token, `base64(token bytes) rank`), which Python's
 *   `tiktoken.load.load_tiktoken_bpe` also reads.
 */
import * as fs from 'fs';
import { withFile } from '../util/io-error';

/** GPT-2's pre-tokenisation pattern (tiktoken `gpt2` / `r50k_base` `pat_str`); also used for the tables trained here. */
export const GPT2_SPLIT_PATTERN =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** A byte-level BPE vocabulary: token byte strings in rank order and the pattern that splits text before merging. */
export interface BpeRanks {
  /** A short name for messages and run configs, e.g. `gpt2` or `wordnet-bpe`. */
  name: string;
  /** Pre-tokenisation pattern (Unicode regular expression source). */
  pattern: string;
  /** `tokens[rank]` is the byte string of the token with that rank; ranks are 0..n-1 without gaps. */
  tokens: readonly Uint8Array[];
}

/** The shape of `js-tiktoken/ranks/*` modules. */
interface TiktokenRanksModule {
  pat_str: string;
  special_tokens: Record<string, number>;
  bpe_ranks: string;
}

let gpt2Cache: BpeRanks | undefined;

/** GPT-2's byte-level BPE table, read from `js-tiktoken` (cached after the first call). */
export function gpt2Ranks(): BpeRanks {
  if (gpt2Cache) return gpt2Cache;
  // A runtime require: the package exposes this file only through its `exports` map.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('js-tiktoken/ranks/gpt2') as TiktokenRanksModule;
  const tokens: Uint8Array[] = [];
  for (const line of mod.bpe_ranks.split('\n')) {
    if (!line) continue;
    const [, offsetText, ...encoded] = line.split(' ');
    const offset = Number.parseInt(offsetText, 10);
    if (offset !== tokens.length) throw new Error('js-tiktoken gpt2 ranks are not contiguous; reinstall js-tiktoken.');
    for (const b64 of encoded) tokens.push(Uint8Array.from(Buffer.from(b64, 'base64')));
  }
  gpt2Cache = { name: 'gpt2', pattern: mod.pat_str, tokens };
  return gpt2Cache;
}

/**
 * Parse a `.tiktoken` rank file (`base64 rank` per line). `file` is used in error
 * messages only. Ranks must run 0..n-1 without gaps or repeats, and tokens must be distinct.
 */
export function parseTiktokenRanks(text: string, file: string): Uint8Array[] {
  const tokens: Uint8Array[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    const where = `${file} line ${i + 1}`;
    const parts = line.split(' ');
    if (parts.length !== 2 || !/^[A-Za-z0-9+/]+={0,2}$/.test(parts[0]) || !/^\d+$/.test(parts[1])) {
      throw new Error(`${where} is not "base64 rank"; a .tiktoken file has one token per line, e.g. "IQ== 0".`);
    }
    const rank = Number(parts[1]);
    if (rank !== tokens.length) {
      throw new Error(`${where} has rank ${rank} but rank ${tokens.length} was expected; ranks must run 0, 1, 2, ... in order.`);
    }
    const bytes = Uint8Array.from(Buffer.from(parts[0], 'base64'));
    const key = bytes.join(',');
    if (bytes.length === 0 || seen.has(key)) {
      throw new Error(`${where} repeats an earlier token or is empty; every rank needs a distinct byte string.`);
    }
    seen.add(key);
    tokens.push(bytes);
  }
  if (tokens.length === 0) throw new Error(`${file} holds no ranks; give a .tiktoken file with one "base64 rank" line per token.`);
  return tokens;
}

/** Format token byte strings (in rank order) as a `.tiktoken` file. */
export function formatTiktokenRanks(tokens: readonly Uint8Array[]): string {
  return tokens.map((t, rank) => `${Buffer.from(t).toString('base64')} ${rank}\n`).join('');
}

/** Read a `.tiktoken` file into {@link BpeRanks}, with GPT-2's pre-tokenisation pattern unless another is given. */
export function readTiktokenRanksFile(file: string, name = file, pattern = GPT2_SPLIT_PATTERN): BpeRanks {
  const text = withFile('read the BPE rank file', file, () => fs.readFileSync(file, 'utf8'));
  return { name, pattern, tokens: parseTiktokenRanks(text, file) };
}
