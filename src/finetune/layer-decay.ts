/**
 * Layer-wise learning-rate decay (spec §6 "Fine-tuning recipes": 0.65 for ViT-B in
 * data2vec 1.0 and 2.0; BEiT `optim_factory.LayerDecayValueAssigner`, MAE
 * `lr_decay.param_groups_lrd`). With `depth` blocks there are `depth + 2` layer ids:
 * 0 for everything before the blocks (patch or token embedding, CNN feature
 * extractor, positions, CLS and mask tokens, the v2 prenet), `i + 1` for block `i`,
 * and `depth + 1` for what follows the blocks (the encoder's final norm, the
 * classifier's norm and head). A parameter with layer id `l` trains at
 * `decay^(depth + 1 − l)` times the peak learning rate.
 */

/** Matches the main transformer stack of every encoder here: `blocks.layers.<i>.` (v1 image, v2) or `encoder.layers.<i>.` (v1 speech, v1 text). */
const BLOCK_PARAM = /^(?:blocks|encoder)\.layers\.(\d+)\./;

/** Where the encoder's parameters sit inside the classifier, and which of them follow the blocks. */
export interface LayerDecayLayout {
  /** Prefix of the encoder's parameter names (default `encoder.`); names without it (the head) are on top. */
  encoderPrefix?: string;
  /** Encoder parameter names (after the prefix) that start with one of these follow the blocks (default `norm.`, the final LN of the v1 image encoder). */
  afterBlocks?: readonly string[];
}

/** Number of main blocks among `names` (the largest block index + 1). */
export function blockCount(names: readonly string[], layout: LayerDecayLayout = {}): number {
  const prefix = layout.encoderPrefix ?? 'encoder.';
  let depth = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = BLOCK_PARAM.exec(name.slice(prefix.length));
    if (m) depth = Math.max(depth, Number(m[1]) + 1);
  }
  return depth;
}

/** Layer id of one parameter (see the file header). */
export function layerId(name: string, depth: number, layout: LayerDecayLayout = {}): number {
  const prefix = layout.encoderPrefix ?? 'encoder.';
  if (!name.startsWith(prefix)) return depth + 1;
  const inner = name.slice(prefix.length);
  const m = BLOCK_PARAM.exec(inner);
  if (m) return Number(m[1]) + 1;
  return (layout.afterBlocks ?? ['norm.']).some((p) => inner.startsWith(p)) ? depth + 1 : 0;
}

/** LR multiplier of every parameter: `decay^(depth + 1 − layerId)`; `decay` 1 gives 1 everywhere. */
export function layerDecayScales(names: readonly string[], decay: number, layout: LayerDecayLayout = {}): Map<string, number> {
  if (!(decay > 0 && decay <= 1)) throw new Error(`layerDecay must be in (0, 1] (0.65 in the ViT-B recipes), got ${decay}.`);
  const depth = blockCount(names, layout);
  return new Map(names.map((n) => [n, decay ** (depth + 1 - layerId(n, depth, layout))]));
}
