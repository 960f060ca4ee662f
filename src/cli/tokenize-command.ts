/**
 * `data2vec tokenize --data PATH`: tokenise a text corpus (`.txt`/`.jsonl`/`.gz`
 * files, or a folder of them) once into its binary token cache
 * (`src/data/token-cache.ts`), with a progress bar in tokens/s; a cache that is
 * still current is reused.
 */
import { Command } from 'commander';
import { tokenCacheFor } from '../data/token-cache';
import { loadTokenizer } from '../data/tokenizer-presets';
import { tokenizeProgressBar } from './tokenize-progress';
import { addOutputOptions } from './common-options';
import { printJsonLine, say } from './output-lines';

export function registerTokenizeCommand(program: Command): void {
  const cmd = program
    .command('tokenize')
    .description('tokenise a text corpus (.txt, .jsonl, .gz files or a folder of them) into a binary token cache (uint16/uint32 ids + JSON header)')
    .requiredOption('--data <path>', 'a text file or a folder of them')
    .option('--tokenizer <name>', 'gpt2, wordnet-bpe, or a .tiktoken file', 'gpt2')
    .option('--cache-dir <dir>', 'where the cache goes (default $DATA2VEC_CACHE/token-cache or ~/.cache/data2vec-ts/token-cache)');
  addOutputOptions(cmd, { json: 'print the cache header as the last line' })
    .action(async (opts) => {
      const tokenizer = loadTokenizer(opts.tokenizer);
      const bar = tokenizeProgressBar(`tokenising (${tokenizer.name})`);
      let result;
      try {
        result = await tokenCacheFor(opts.data, tokenizer, { dir: opts.cacheDir, onProgress: bar.onProgress });
      } finally {
        bar.stop();
      }
      const { cache, built } = result;
      const h = cache.header;
      say(`${built ? 'wrote' : 'reused'} ${cache.prefix}.bin: ${h.tokens.toLocaleString('en-US')} ${h.dtype} tokens, ${h.documents.toLocaleString('en-US')} documents, ${cache.rowCount(512).toLocaleString('en-US')} rows of 512`);
      printJsonLine(opts.json, { prefix: cache.prefix, built, ...h });
      cache.close();
    });
}
