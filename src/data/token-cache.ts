/**
 * A binary token cache for large text corpora (issue "real corpora"; spec §1.4
 * data), like fairseq's binarised `.bin`/`.idx` or nanoGPT's `train.bin`: the
 * corpus is tokenised once into one flat file of token ids (`uint16` when the
 * vocabulary fits, else `uint32`), every document ended by `</s>`, plus a small
 * JSON header (dtype, token count, tokenizer, and the size and mtime of each
 * source file, so a changed corpus is tokenised again). Later runs read rows
 * straight from the file at their offsets, never the whole file. A row of
 * length L is `<s>` followed by the next L − 1 tokens of the stream, the
 * `blocks` packing of `packTokenBlocks` (`sample_break_mode: none`).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tokenizer } from './tokenizer';
import { listTextFiles, readDocuments } from './text-corpus';

/** The JSON header written beside the token file. */
export interface TokenCacheHeader {
  format: 'data2vec-ts token cache';
  version: 1;
  dtype: 'uint16' | 'uint32';
  tokens: number;
  documents: number;
  tokenizer: string;
  vocabSize: number;
  sources: { file: string; size: number; mtimeMs: number }[];
}

/** Progress while tokenising: bytes read of the total, tokens written, seconds since the start. */
export type TokenizeProgress = (info: { bytes: number; totalBytes: number; tokens: number; seconds: number }) => void;

/** Default cache folder: `$DATA2VEC_CACHE/token-cache`, else `~/.cache/data2vec-ts/token-cache`. */
export function defaultTokenCacheDir(): string {
  return path.join(process.env.DATA2VEC_CACHE ?? path.join(os.homedir(), '.cache', 'data2vec-ts'), 'token-cache');
}

function sourcesOf(files: readonly string[]): TokenCacheHeader['sources'] {
  return files.map((file) => {
    const st = fs.statSync(file);
    return { file, size: st.size, mtimeMs: st.mtimeMs };
  });
}

/** Cache file prefix for a corpus and tokenizer: a hash of the file list and the tokenizer, in `dir`. */
export function tokenCachePrefix(files: readonly string[], tokenizer: Pick<Tokenizer, 'name' | 'vocabSize'>, dir = defaultTokenCacheDir()): string {
  const key = crypto.createHash('sha256').update(JSON.stringify([files, tokenizer.name, tokenizer.vocabSize])).digest('hex').slice(0, 16);
  return path.join(dir, `${tokenizer.name}-${tokenizer.vocabSize}-${key}`);
}

/**
 * Tokenise `files` into `<prefix>.bin` + `<prefix>.json`, streaming: documents
 * are read in chunks, ids are flushed every `flushTokens`. Written under
 * temporary names and renamed at the end, so an interrupted run leaves no
 * half cache. Returns the header.
 */
export async function writeTokenCache(files: readonly string[], tokenizer: Tokenizer, prefix: string, onProgress?: TokenizeProgress, flushTokens = 1 << 20): Promise<TokenCacheHeader> {
  fs.mkdirSync(path.dirname(prefix), { recursive: true });
  const dtype = tokenizer.vocabSize <= 65536 ? 'uint16' : 'uint32';
  const buffer = dtype === 'uint16' ? new Uint16Array(flushTokens) : new Uint32Array(flushTokens);
  const tmpBin = `${prefix}.bin.tmp-${process.pid}`;
  const fd = fs.openSync(tmpBin, 'w');
  const sources = sourcesOf(files);
  const totalBytes = sources.reduce((a, s) => a + s.size, 0);
  const started = performance.now();
  let bytes = 0;
  let tokens = 0;
  let documents = 0;
  let filled = 0;
  let lastReport = 0;
  const flush = (): void => {
    fs.writeSync(fd, new Uint8Array(buffer.buffer, 0, filled * buffer.BYTES_PER_ELEMENT));
    filled = 0;
  };
  const push = (id: number): void => {
    buffer[filled++] = id;
    tokens++;
    if (filled === buffer.length) flush();
  };
  const report = (force: boolean): void => {
    const now = performance.now();
    if (onProgress && (force || now - lastReport > 250)) {
      lastReport = now;
      onProgress({ bytes, totalBytes, tokens, seconds: (now - started) / 1000 });
    }
  };
  try {
    for (const file of files) {
      for await (const doc of readDocuments(file, (n) => (bytes += n))) {
        for (const id of tokenizer.encode(doc)) push(id);
        push(tokenizer.specials.eos);
        documents++;
        report(false);
      }
    }
    flush();
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmpBin, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  report(true);
  const header: TokenCacheHeader = { format: 'data2vec-ts token cache', version: 1, dtype, tokens, documents, tokenizer: tokenizer.name, vocabSize: tokenizer.vocabSize, sources };
  fs.renameSync(tmpBin, `${prefix}.bin`);
  fs.writeFileSync(`${prefix}.json.tmp-${process.pid}`, JSON.stringify(header, null, 1));
  fs.renameSync(`${prefix}.json.tmp-${process.pid}`, `${prefix}.json`);
  return header;
}

/** Reads rows from a token cache file by offset (`pread`), holding one row at a time. */
export class TokenCache {
  private readonly fd: number;
  private readonly width: number;

  constructor(readonly prefix: string, readonly header: TokenCacheHeader) {
    this.fd = fs.openSync(`${prefix}.bin`, 'r');
    this.width = header.dtype === 'uint16' ? 2 : 4;
    const size = fs.fstatSync(this.fd).size;
    if (size !== header.tokens * this.width) {
      fs.closeSync(this.fd);
      throw new Error(`token cache ${prefix}.bin has ${size} bytes but its header says ${header.tokens} ${header.dtype} tokens; delete ${prefix}.* to tokenise again.`);
    }
  }

  /** Open `<prefix>.json` + `.bin`; throws one sentence for a missing or foreign header. */
  static open(prefix: string): TokenCache {
    let header: TokenCacheHeader;
    try {
      header = JSON.parse(fs.readFileSync(`${prefix}.json`, 'utf8')) as TokenCacheHeader;
    } catch (e) {
      throw new Error(`cannot read the token cache header ${prefix}.json (${(e as Error).message}); tokenise the corpus again.`);
    }
    if (header.format !== 'data2vec-ts token cache' || header.version !== 1) throw new Error(`${prefix}.json is not a version 1 data2vec-ts token cache header; delete it to tokenise again.`);
    return new TokenCache(prefix, header);
  }

  /** Number of full rows of length `rowLength` (`<s>` + rowLength − 1 stream tokens). */
  rowCount(rowLength: number): number {
    return Math.floor(this.header.tokens / (rowLength - 1));
  }

  /** Row `i` of length `rowLength`: `<s>` then stream tokens `[i·(L−1), (i+1)·(L−1))`. */
  row(i: number, rowLength: number, bos: number): Int32Array {
    const chunk = rowLength - 1;
    if (!Number.isInteger(i) || i < 0 || i >= this.rowCount(rowLength)) throw new RangeError(`row ${i} is outside the ${this.rowCount(rowLength)} rows of ${this.prefix}.bin.`);
    const bytes = Buffer.alloc(chunk * this.width);
    fs.readSync(this.fd, bytes, 0, bytes.length, i * chunk * this.width);
    const ids = this.width === 2 ? new Uint16Array(bytes.buffer, bytes.byteOffset, chunk) : new Uint32Array(bytes.buffer, bytes.byteOffset, chunk);
    const out = new Int32Array(rowLength);
    out[0] = bos;
    out.set(ids, 1);
    return out;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** The prefix of a token cache named by `p` (`X.bin`, `X.json` or `X` with both beside it), or undefined when `p` names no cache. */
export function tokenCachePrefixOf(p: string): string | undefined {
  const prefix = p.replace(/\.(bin|json)$/i, '');
  if (!fs.existsSync(`${prefix}.bin`) || !fs.existsSync(`${prefix}.json`)) return undefined;
  if (prefix === p && fs.existsSync(p)) return undefined; // a file or folder of its own, not a prefix
  return prefix;
}

/** The current cache of the corpus at `input` for `tokenizer` in `dir`, or undefined when none was written or the files changed since. */
export function findTokenCache(input: string, tokenizer: Pick<Tokenizer, 'name' | 'vocabSize'>, dir?: string): TokenCache | undefined {
  const files = listTextFiles(input);
  const prefix = tokenCachePrefix(files, tokenizer, dir);
  if (!fs.existsSync(`${prefix}.json`) || !fs.existsSync(`${prefix}.bin`)) return undefined;
  const cache = TokenCache.open(prefix);
  if (JSON.stringify(cache.header.sources) === JSON.stringify(sourcesOf(files))) return cache;
  cache.close();
  return undefined;
}

/**
 * The token cache of the corpus at `input` (a file or folder): reused when its
 * header matches the files' sizes and mtimes and the tokenizer, else written
 * (with `onProgress` while tokenising). Returns the open cache and whether it was built now.
 */
export async function tokenCacheFor(input: string, tokenizer: Tokenizer, options: { dir?: string; onProgress?: TokenizeProgress } = {}): Promise<{ cache: TokenCache; built: boolean }> {
  const found = findTokenCache(input, tokenizer, options.dir);
  if (found) return { cache: found, built: false };
  const prefix = tokenCachePrefix(listTextFiles(input), tokenizer, options.dir);
  await writeTokenCache(listTextFiles(input), tokenizer, prefix, options.onProgress);
  return { cache: TokenCache.open(prefix), built: true };
}
