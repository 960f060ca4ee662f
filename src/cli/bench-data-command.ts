/** `data2vec bench-data --data DIR`: data-pipeline throughput (`src/run/bench-data.ts`). */
import * as fs from 'fs';
import { Command } from 'commander';
import { benchData } from '../run/bench-data';
import { intFlag } from './flags';
import { JSON_RESULT_HELP, addOutputOptions } from './common-options';
import { printJsonLine, say } from './output-lines';

export function registerBenchDataCommand(program: Command): void {
  const cmd = program
    .command('bench-data')
    .description('time the data pipeline on a folder: images/s decoded + augmented at 224² per worker count, audio seconds decoded per second, text tokens/s')
    .requiredOption('--data <dir>', 'folder of images (ImageFolder or flat), speech (.flac/.wav, or .tar shards of them) and/or text (.txt/.jsonl/.gz)')
    .option('--workers <list>', 'comma-separated worker counts to time (0: libvips from the main thread)', '0,1,2')
    .option('--images <n>', 'images decoded per worker count', intFlag('--images'), 400)
    .option('--out <file>', 'also write the result as JSON to this file');
  addOutputOptions(cmd, { json: JSON_RESULT_HELP })
    .action(async (opts) => {
      const workers = String(opts.workers).split(',').map((s) => {
        const n = Number(s.trim());
        if (!Number.isInteger(n) || n < 0) throw new Error(`--workers must list non-negative integers, got "${opts.workers}".`);
        return n;
      });
      const result = await benchData(opts.data, { workers, images: opts.images, onLine: say });
      if (opts.out) fs.writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n');
      printJsonLine(opts.json, result);
    });
}
