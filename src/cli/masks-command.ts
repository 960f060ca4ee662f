/**
 * `data2vec masks`: draw N independent masks with a strategy's reference defaults
 * (spec §2), overridable by flags named after the options (e.g. --mask-prob).
 */
import { Command } from 'commander';
import { MASK_STRATEGIES, getMaskStrategy, maskStrategyNames } from '../masking/registry';
import { formatMaskShape } from '../masking/mask-shape';
import { Rng } from '../util/rng';

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Every option name any strategy has. */
function optionNames(): string[] {
  return [...new Set(Object.values(MASK_STRATEGIES).flatMap((s) => Object.keys(s.defaults)))].sort();
}

export function registerMasksCommand(program: Command): void {
  const cmd = program
    .command('masks')
    .description(`draw masks: ${maskStrategyNames().join(', ')}`)
    .requiredOption('--strategy <name>', maskStrategyNames().join(' | '))
    .requiredOption('--shape <shape>', 'grid like 14x14 (block, inverse-block) or length like 250 (span, block1d, bert, span-text, random)')
    .option('--count <n>', 'number of masks, each drawn as a batch of one', '1')
    .option('--seed <n>', 'random seed', '0')
    .option('--json', 'print {"strategy","shape","options","masks"} as the last line');
  for (const name of optionNames()) cmd.option(`--${kebab(name)} <x>`, `override ${name}`);
  cmd.action((opts: Record<string, string | boolean | undefined>) => {
    const strategy = getMaskStrategy(String(opts.strategy));
    const shape = strategy.parseShape(String(opts.shape));
    const count = Number(opts.count);
    if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer, got "${opts.count}".`);
    const seed = Number(opts.seed);
    if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${opts.seed}".`);
    const overrides: Record<string, number> = {};
    for (const name of optionNames()) {
      const v = opts[name];
      if (v === undefined) continue;
      if (!(name in strategy.defaults)) throw new Error(`--${kebab(name)} is not an option of strategy ${strategy.name}; its options are ${Object.keys(strategy.defaults).map((n) => `--${kebab(n)}`).join(', ')}.`);
      const x = Number(v);
      if (!Number.isFinite(x)) throw new Error(`--${kebab(name)} must be a number, got "${v}".`);
      overrides[name] = x;
    }
    const options = strategy.resolveOptions(shape, overrides);
    const masks = strategy.generate(shape, count, new Rng(seed), overrides);
    if (!opts.json) {
      process.stdout.write(`${strategy.name} on ${formatMaskShape(shape)}: ${JSON.stringify(options)}\n`);
      masks.forEach((m, i) => {
        const masked = m.reduce((a, b) => a + b, 0);
        process.stdout.write(`mask ${i}: ${masked} of ${m.length} masked (${((100 * masked) / m.length).toFixed(1)} %)\n`);
        const width = shape.kind === '2d' ? shape.width : Math.min(m.length, 100);
        for (let r = 0; r < m.length; r += width) process.stdout.write(m.slice(r, r + width).map((v) => (v ? '█' : '·')).join('') + '\n');
      });
      return;
    }
    process.stdout.write(JSON.stringify({ strategy: strategy.name, shape: formatMaskShape(shape), options, masks }) + '\n');
  });
}
