/**
 * The layer order of `src/` (docs/ARCHITECTURE.md), lowest first. A module imports
 * only from its own folder or from a folder in a lower layer; folders in the same
 * layer do not import each other. `test/architecture/layers.test.ts` checks every
 * import against this list.
 */
export const LAYERS = [
  ['util'],
  ['backend', 'viz'],
  ['nn'],
  ['train', 'masking', 'data', 'eval'],
  ['data2vec'],
  ['modalities'],
  ['run'],
  ['hf'],
  ['cli'],
] as const;
