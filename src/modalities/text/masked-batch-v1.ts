/**
 * One data2vec 1.0 text micro-batch (spec §2.6, §3.3, traps 14–15): padded token rows
 * → fairseq `MaskTokensDataset` masking → what the student sees, what the teacher
 * sees, and where the loss is taken.
 *
 * - Student: the masked tokens (`<mask>`, random or unchanged at selected positions).
 * - Teacher, `teacherInput: 'unmasked'` (paper, P1 §3.3 and Appendix A; default): the
 *   original sentence.
 *   `'selectedOnly'` (the released code, trap 14, fairseq issue #4881): the
 *   `MaskTokensDataset(return_masked_tokens=True)` target, i.e. the original token at
 *   selected positions and `<pad>` everywhere else, which the encoder then treats as
 *   padding (attention-masked, zeroed, positions compacted by `make_positions`).
 * - Loss positions, `lossPositions: 'maskReplaced'` (the released code,
 *   `src_tokens.eq(mask_idx)`, trap 15, fairseq issue #4229; default): only the
 *   selected positions that now hold `<mask>`. `'selected'`: every selected position,
 *   as the paper's description reads.
 * Padding is never selected, so it is never in the loss.
 */
import * as tf from '@tensorflow/tfjs';
import { TokenBatch } from '../../data/text-batch';
import type { Tokenizer } from '../../data/tokenizer';
import { MaskTokensResult, TokenMaskRates, maskTokens } from '../../masking/mask-tokens';
import { V1Batch } from '../../data2vec/data2vec-v1';
import { Rng } from '../../util/rng';

/** Text masking of data2vec 1.0: fairseq `MaskTokensDataset` rates plus where the loss goes. */
export interface TextMaskingConfig extends TokenMaskRates {
  /** 'maskReplaced' (released code, trap 15) or 'selected' (every selected position). */
  lossPositions: 'maskReplaced' | 'selected';
}

/** What the teacher encodes: the unmasked sentence (paper) or only the selected tokens (released code, trap 14). */
export type TeacherInputMode = 'unmasked' | 'selectedOnly';

/** A masked batch as arrays (row-major [B × T]), before it becomes tensors. */
export interface MaskedTextBatch {
  batchSize: number;
  seqLen: number;
  /** The student's ids. */
  studentTokens: Int32Array;
  /** The teacher's ids. */
  teacherTokens: Int32Array;
  /** 1 where the loss is taken. */
  lossMask: Uint8Array;
  /** 1 at padding. */
  paddingMask: Uint8Array;
  /** The masking draw itself (selected, maskReplaced, randomReplaced, leftUnchanged). */
  masking: MaskTokensResult;
}

function rowsOf(data: Int32Array, b: number, t: number): Int32Array[] {
  return Array.from({ length: b }, (_, r) => data.subarray(r * t, (r + 1) * t));
}

/** Mask a padded batch for data2vec 1.0 (see the header). */
export function maskTextBatch(
  batch: TokenBatch,
  tokenizer: Pick<Tokenizer, 'specials' | 'regularIds'>,
  masking: TextMaskingConfig,
  teacherInput: TeacherInputMode,
  rng: Rng,
): MaskedTextBatch {
  const { batchSize: b, seqLen: t } = batch;
  const { specials, regularIds } = tokenizer;
  const result = maskTokens(rowsOf(batch.tokens, b, t), rng, {
    maskProb: masking.maskProb,
    leaveUnmaskedProb: masking.leaveUnmaskedProb,
    randomTokenProb: masking.randomTokenProb,
    maskMultipleLength: masking.maskMultipleLength,
    maskTokenId: specials.mask,
    padTokenId: specials.pad,
    randomTokenRange: { low: regularIds.start, high: regularIds.end },
  });
  const studentTokens = new Int32Array(b * t);
  result.tokens.forEach((row, r) => studentTokens.set(row, r * t));
  let teacherTokens = batch.tokens;
  if (teacherInput === 'selectedOnly') {
    teacherTokens = new Int32Array(b * t).fill(specials.pad);
    result.selected.data.forEach((s, i) => {
      if (s) teacherTokens[i] = batch.tokens[i];
    });
  } else if (teacherInput !== 'unmasked') {
    throw new Error(`teacherInput must be "unmasked" or "selectedOnly", got ${JSON.stringify(teacherInput)}.`);
  }
  if (masking.lossPositions !== 'selected' && masking.lossPositions !== 'maskReplaced') {
    throw new Error(`masking.lossPositions must be "maskReplaced" or "selected", got ${JSON.stringify(masking.lossPositions)}.`);
  }
  const positions = masking.lossPositions === 'selected' ? result.selected : result.maskReplaced;
  return {
    batchSize: b, seqLen: t, studentTokens, teacherTokens,
    lossMask: Uint8Array.from(positions.data), paddingMask: batch.paddingMask, masking: result,
  };
}

/** The tensors of a {@link V1Batch} (the caller, usually the trainer, disposes them). */
export function maskedTextToV1Batch(m: MaskedTextBatch): V1Batch {
  const shape: [number, number] = [m.batchSize, m.seqLen];
  return {
    studentInput: tf.tensor2d(m.studentTokens, shape, 'int32'),
    teacherInput: tf.tensor2d(m.teacherTokens, shape, 'int32'),
    lossMask: tf.tensor2d(Float32Array.from(m.lossMask), shape),
    padMask: tf.tensor2d(Float32Array.from(m.paddingMask), shape),
  };
}
