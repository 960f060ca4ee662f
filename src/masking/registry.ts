/**
 * Every masking strategy of spec §2 by name, for the CLI and notebooks: a description,
 * the reference defaults as plain numbers, a shape parser, and a generator that draws
 * independent masks (each as a batch of one) as 0/1 arrays, row-major for 2-D grids.
 *
 * | name            | spec  | shape   | reference                                    |
 * |-----------------|-------|---------|----------------------------------------------|
 * | `block`         | §2.3  | `14x14` | BEiT `MaskingGenerator` (v1 images)          |
 * | `inverse-block` | §2.4  | `14x14` | `compute_block_mask_2d`, inverse (v2 images) |
 * | `span`          | §2.1  | `250`   | `compute_mask_indices` (v1 speech)           |
 * | `block1d`       | §2.2  | `250`   | `compute_block_mask_1d` (v2 speech)          |
 * | `bert`          | §2.6  | `512`   | `MaskTokensDataset` 15 %, 80/10/10 (v1 text) |
 * | `span-text`     | §2.6  | `512`   | `MaskTokensDataset` 0.35 × 4 (v1 text, released) |
 * | `random`        | §2.6  | `512`   | `random_masking` (v2 text)                   |
 */
import { Rng } from '../util/rng';
import { MaskBatch, maskBatchToArrays } from './mask-batch';
import { MaskShape, formatMaskShape, parseMaskShape } from './mask-shape';
import { BLOCK_MASK_2D_DEFAULTS, blockMask2d, scaledBlockMaskParams } from './block-mask-2d';
import { INVERSE_BLOCK_MASK_2D_DEFAULTS, inverseBlockMask2d } from './inverse-block-mask-2d';
import { SPAN_MASK_1D_DEFAULTS, spanMask1d } from './span-mask-1d';
import { BLOCK_MASK_1D_DEFAULTS, blockMask1d } from './block-mask-1d';
import { BERT_MASK_DEFAULTS, SPAN_TEXT_MASK_DEFAULTS, TokenMaskRates, maskTokens } from './mask-tokens';
import { RANDOM_MASK_DEFAULTS, randomMask } from './random-mask';
import { assertCount } from './validate';

/** Names accepted by {@link getMaskStrategy}. */
export type MaskStrategyName = 'block' | 'inverse-block' | 'span' | 'block1d' | 'bert' | 'span-text' | 'random';

/** Named numeric options of a strategy. */
export type MaskOptionValues = Record<string, number>;

/** One masking strategy as the CLI sees it. */
export interface MaskStrategy {
  readonly name: MaskStrategyName;
  /** One line: what it is and where it comes from. */
  readonly description: string;
  /** Whether shapes are grids (`14x14`) or lengths (`250`). */
  readonly shapeKind: '1d' | '2d';
  /** The shape the reference uses, as text. */
  readonly referenceShape: string;
  /** The reference option values (for `block`, at the 14×14 reference grid). */
  readonly defaults: Readonly<MaskOptionValues>;
  /** Parses a `--shape` value, with an error that names this strategy. */
  parseShape(text: string): MaskShape;
  /** The options `generate` would use on `shape`: defaults (scaled to the grid for `block`) with `overrides` on top. */
  resolveOptions(shape: MaskShape, overrides?: Readonly<MaskOptionValues>): MaskOptionValues;
  /** Draws `count` independent masks, each as a batch of one; 1 = masked (for `bert`, selected). */
  generate(shape: MaskShape | string, count: number, rng: Rng, overrides?: Readonly<MaskOptionValues>): number[][];
}

/** Vocabulary used to draw text masks without real text: no padding, ids far from the specials. */
const SYNTHETIC_TEXT = { padTokenId: 1, maskTokenId: 4, fillerTokenId: 10, randomTokenRange: { low: 5, high: 1000 } };

function textRates(o: MaskOptionValues): TokenMaskRates {
  return {
    maskProb: o.maskProb,
    leaveUnmaskedProb: o.leaveUnmaskedProb,
    randomTokenProb: o.randomTokenProb,
    maskMultipleLength: o.maskMultipleLength,
  };
}

interface Spec {
  description: string;
  shapeKind: '1d' | '2d';
  referenceShape: string;
  defaults: MaskOptionValues;
  /** Shape-dependent defaults, when the reference values only hold at the reference shape. */
  defaultsFor?: (shape: MaskShape) => MaskOptionValues;
  draw: (shape: MaskShape, o: MaskOptionValues, rng: Rng) => MaskBatch;
}

const grid = (s: MaskShape) => (s.kind === '2d' ? { batch: 1, height: s.height, width: s.width } : { batch: 1, height: 1, width: s.length });
const seq = (s: MaskShape) => ({ batch: 1, length: s.kind === '1d' ? s.length : s.height * s.width });

const SPECS: Record<MaskStrategyName, Spec> = {
  block: {
    description: 'data2vec 1.0 images: BEiT block-wise masking (MaskingGenerator), about 120 of 196 patches in blocks of at least 16; may stop a little short (spec §2.3).',
    shapeKind: '2d',
    referenceShape: '14x14',
    defaults: { ...BLOCK_MASK_2D_DEFAULTS },
    defaultsFor: (s) => (s.kind === '2d' ? { ...scaledBlockMaskParams(s.height, s.width) } : { ...BLOCK_MASK_2D_DEFAULTS }),
    draw: (s, o, rng) => blockMask2d(grid(s), rng, o),
  },
  'inverse-block': {
    description: 'data2vec 2.0 images: inverse block masking (compute_block_mask_2d), 3x3 visible islands, exactly 157 of 196 patches masked (spec §2.4).',
    shapeKind: '2d',
    referenceShape: '14x14',
    defaults: pickNumbers(INVERSE_BLOCK_MASK_2D_DEFAULTS),
    draw: (s, o, rng) => inverseBlockMask2d(grid(s), rng, o),
  },
  span: {
    description: 'data2vec 1.0 speech: span masking (compute_mask_indices), spans of 10 frames starting with p 0.65/10, about 49 % masked (spec §2.1).',
    shapeKind: '1d',
    referenceShape: '250',
    defaults: pickNumbers(SPAN_MASK_1D_DEFAULTS),
    draw: (s, o, rng) => spanMask1d(seq(s), rng, o),
  },
  block1d: {
    description: 'data2vec 2.0 speech: 1-D block masking (compute_block_mask_1d), spans of 5, exactly half the frames masked (spec §2.2).',
    shapeKind: '1d',
    referenceShape: '250',
    defaults: pickNumbers(BLOCK_MASK_1D_DEFAULTS),
    draw: (s, o, rng) => blockMask1d(seq(s), rng, o),
  },
  bert: {
    description: 'data2vec 1.0 text (paper): BERT masking (MaskTokensDataset), 15 % selected, of those 80 % <mask>, 10 % random, 10 % unchanged; shows the selected positions (spec §2.6).',
    shapeKind: '1d',
    referenceShape: '512',
    defaults: { ...BERT_MASK_DEFAULTS },
    draw: (s, o, rng) => drawText(s, o, rng),
  },
  'span-text': {
    description: 'data2vec 1.0 text (released config): spans of 4 tokens starting with p 0.35/4, all become <mask> (spec §2.6).',
    shapeKind: '1d',
    referenceShape: '512',
    defaults: { ...SPAN_TEXT_MASK_DEFAULTS },
    draw: (s, o, rng) => drawText(s, o, rng),
  },
  random: {
    description: 'data2vec 2.0 text: MAE-style random masking (random_masking), exactly L - int(0.52 L) tokens masked per row (spec §2.6).',
    shapeKind: '1d',
    referenceShape: '512',
    defaults: { ...RANDOM_MASK_DEFAULTS },
    draw: (s, o, rng) => randomMask(seq(s), rng, { maskRatio: o.maskRatio }).mask,
  },
};

function drawText(s: MaskShape, o: MaskOptionValues, rng: Rng): MaskBatch {
  const row = new Array<number>(seq(s).length).fill(SYNTHETIC_TEXT.fillerTokenId);
  return maskTokens([row], rng, { ...SYNTHETIC_TEXT, ...textRates(o) }).selected;
}

/** The numeric fields of an options object (booleans such as `inverseMask` stay fixed). */
function pickNumbers(options: object): MaskOptionValues {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => typeof v === 'number')) as MaskOptionValues;
}

function buildStrategy(name: MaskStrategyName, spec: Spec): MaskStrategy {
  const strategy: MaskStrategy = {
    name,
    description: spec.description,
    shapeKind: spec.shapeKind,
    referenceShape: spec.referenceShape,
    defaults: Object.freeze({ ...spec.defaults }),
    parseShape: (text) => parseMaskShape(text, spec.shapeKind, name, spec.referenceShape),
    resolveOptions(shape, overrides = {}) {
      if (shape.kind !== spec.shapeKind) {
        throw new Error(`strategy ${name} needs a shape like ${spec.referenceShape}, got ${formatMaskShape(shape)}.`);
      }
      const base = spec.defaultsFor ? spec.defaultsFor(shape) : { ...spec.defaults };
      for (const [key, value] of Object.entries(overrides)) {
        if (!Object.prototype.hasOwnProperty.call(spec.defaults, key)) {
          throw new Error(`strategy ${name} has no option "${key}"; its options are ${Object.keys(spec.defaults).join(', ')}.`);
        }
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new Error(`option ${key} of strategy ${name} must be a finite number, got ${String(value)}.`);
        }
        base[key] = value;
      }
      if (name === 'block' && overrides.minAspect !== undefined && overrides.maxAspect === undefined) base.maxAspect = 1 / base.minAspect;
      return base;
    },
    generate(shape, count, rng, overrides = {}) {
      assertCount('count', count);
      const parsed = typeof shape === 'string' ? strategy.parseShape(shape) : shape;
      const options = strategy.resolveOptions(parsed, overrides);
      const out: number[][] = [];
      for (let i = 0; i < count; i++) out.push(maskBatchToArrays(spec.draw(parsed, options, rng))[0]);
      return out;
    },
  };
  return Object.freeze(strategy);
}

/** All strategies by name. */
export const MASK_STRATEGIES: Readonly<Record<MaskStrategyName, MaskStrategy>> = Object.freeze(
  Object.fromEntries(Object.entries(SPECS).map(([name, spec]) => [name, buildStrategy(name as MaskStrategyName, spec)])) as Record<
    MaskStrategyName,
    MaskStrategy
  >,
);

/** The names, in table order. */
export function maskStrategyNames(): MaskStrategyName[] {
  return Object.keys(MASK_STRATEGIES) as MaskStrategyName[];
}

/** The strategy called `name`, or an error listing the valid names. */
export function getMaskStrategy(name: string): MaskStrategy {
  if (!Object.prototype.hasOwnProperty.call(MASK_STRATEGIES, name)) {
    throw new Error(`unknown masking strategy "${name}"; choose one of ${maskStrategyNames().join(', ')}.`);
  }
  return MASK_STRATEGIES[name as MaskStrategyName];
}
