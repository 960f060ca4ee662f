/**
 * Masking strategies of data2vec 1.0 and 2.0 (spec §2.1–§2.6) and their helpers.
 */
export * from './mask-batch';
export * from './mask-shape';
export * from './block-mask-2d';
export * from './inverse-block-mask-2d';
export * from './span-mask-1d';
export * from './block-mask-1d';
export * from './block-centres';
export * from './mask-tokens';
export * from './random-mask';
export * from './multi-mask';
export * from './stats';
export * from './registry';
export { roundHalfEven, stableArgsort } from './reference-math';
