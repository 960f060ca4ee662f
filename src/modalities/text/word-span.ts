/**
 * Where a word of a sentence lies among the sentence's tokens (spec §7 probing; the
 * word-sense-in-context probe reads the encoder at the target word only). Byte-level BPE
 * with GPT-2's pre-tokenisation attaches one leading space to a word (` bank`), and
 * merges never cross pre-tokenisation pieces, so the word's tokens are those between
 * the token counts of the text before it (without that space) and of the text up to
 * its end. The span is checked: the tokens of the text up to the word's end must be a
 * prefix of the sentence's tokens, and the span must decode to the word.
 */
import type { Tokenizer } from '../../data/tokenizer';

/** Token positions `[first, last)` of a word, counted in the sentence's ids without `<s>`/`</s>`. */
export interface TokenSpan {
  first: number;
  last: number;
}

/** The sentence's ids and the token span of its characters `[start, end)` (see the file header). */
export function wordTokenSpan(tokenizer: Tokenizer, text: string, start: number, end: number): { ids: number[]; span: TokenSpan } {
  const word = text.slice(start, end);
  const ids = tokenizer.encode(text);
  const before = start > 0 && text[start - 1] === ' ' ? start - 1 : start;
  const first = tokenizer.encode(text.slice(0, before)).length;
  const upTo = tokenizer.encode(text.slice(0, end));
  const last = upTo.length;
  const prefixMatches = upTo.every((id, i) => ids[i] === id);
  if (!(first < last && prefixMatches && tokenizer.decode(ids.slice(first, last)).trim() === word)) {
    throw new Error(`the word "${word}" at characters ${start}–${end} of "${text}" does not map to whole ${tokenizer.name} tokens; give start/end on word boundaries.`);
  }
  return { ids, span: { first, last } };
}

/**
 * Cut `ids` to at most `maxTokens`, keeping the span whole and as central as the
 * sentence allows; returns the cut ids and the span within them.
 */
export function windowAroundSpan(ids: readonly number[], span: TokenSpan, maxTokens: number): { ids: number[]; span: TokenSpan } {
  const width = span.last - span.first;
  if (width > maxTokens) throw new Error(`the target word has ${width} tokens, more than the ${maxTokens} a row can hold; raise sequences.maxLength.`);
  if (ids.length <= maxTokens) return { ids: [...ids], span: { ...span } };
  const from = Math.max(0, Math.min(span.first - Math.floor((maxTokens - width) / 2), ids.length - maxTokens));
  return { ids: ids.slice(from, from + maxTokens), span: { first: span.first - from, last: span.last - from } };
}
