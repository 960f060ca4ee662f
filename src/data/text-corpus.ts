/**
 * Streams the documents of large text corpora (issue "real corpora"; spec §1.4
 * data): `.txt` (each line one document, as fairseq's binariser ends every line
 * with `</s>`), `.jsonl` (one JSON object per line; its `text` field is the
 * document), and either one gzipped (`.txt.gz`, `.jsonl.gz`, `.gz`). Files are
 * read in chunks and never held whole in memory. Invalid UTF-8, a bad JSON
 * line, a record without a `text` string and a gzip stream cut short each stop
 * with one sentence naming the file and line.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

/** Text corpus file names read (any case). */
export const TEXT_FILE = /\.(txt|jsonl|gz)$/i;

/** The text files named by `input`: the file itself, or every `.txt`/`.jsonl`/`.gz` under a folder, sorted. */
export function listTextFiles(input: string): string[] {
  const p = path.resolve(input);
  if (!fs.existsSync(p)) throw new Error(`text corpus ${p} does not exist; pass a .txt/.jsonl/.gz file or a folder of them.`);
  if (fs.statSync(p).isFile()) return [p];
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.name.startsWith('.'))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : TEXT_FILE.test(e.name) ? [path.join(dir, e.name)] : []));
  const files = walk(p);
  if (files.length === 0) throw new Error(`text corpus folder ${p} holds no .txt, .jsonl or .gz files.`);
  return files;
}

/** How a file's lines become documents: `.jsonl`(.gz) by their `text` field, anything else line by line. */
const isJsonl = (file: string): boolean => /\.jsonl(\.gz)?$/i.test(file);

/**
 * The documents of `file`, in order. `onBytes` is told how many bytes of the
 * file (compressed bytes for gzip) have been read, for progress bars.
 */
export async function* readDocuments(file: string, onBytes?: (bytes: number) => void): AsyncGenerator<string> {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  if (onBytes) raw.on('data', (chunk) => onBytes(chunk.length));
  const stream: NodeJS.ReadableStream = /\.gz$/i.test(file) ? raw.pipe(zlib.createGunzip()) : raw;
  raw.on('error', (e) => (stream as unknown as zlib.Gunzip).destroy?.(e));
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const jsonl = isJsonl(file);
  let carry = '';
  let lineNo = 0;
  const document = (line: string): string | undefined => {
    lineNo++;
    if (!jsonl) return line;
    if (line.trim() === '') return undefined;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (e) {
      throw new Error(`${file} line ${lineNo} is not valid JSON (${(e as Error).message}); fix or remove that line.`);
    }
    const text = (record as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') throw new Error(`${file} line ${lineNo} has no "text" string field; every JSON line needs one.`);
    return text;
  };
  try {
    for await (const chunk of stream) {
      let text: string;
      try {
        text = carry + utf8.decode(chunk as Buffer, { stream: true });
      } catch {
        throw new Error(`${file} is not valid UTF-8 (near line ${lineNo + 1}); re-encode it as UTF-8 (e.g. iconv -f latin1 -t utf-8).`);
      }
      const lines = text.split('\n');
      carry = lines.pop()!;
      for (const line of lines) {
        const doc = document(line.endsWith('\r') ? line.slice(0, -1) : line);
        if (doc !== undefined) yield doc;
      }
    }
    try {
      carry += utf8.decode();
    } catch {
      throw new Error(`${file} is not valid UTF-8 (it ends inside a character); re-encode it as UTF-8.`);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'Z_BUF_ERROR' || err.code === 'Z_DATA_ERROR') throw new Error(`${file} is a damaged or truncated gzip file (${err.message}); re-download it.`);
    if (err.code) throw new Error(`cannot read ${file} (${err.code}); check that it exists and is readable.`);
    throw e;
  }
  if (carry !== '') {
    const doc = document(carry);
    if (doc !== undefined) yield doc;
  }
}
