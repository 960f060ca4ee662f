/**
 * A sentence with its masked tokens highlighted, as HTML (spec §2.6: BERT and span
 * masking of text tokens): each token is a box; selected tokens are shaded and show what
 * the student sees instead (`<mask>`, a random token, or the token left unchanged).
 */
import { escapeHtml } from './report';

/** What happened to one token. */
export type TokenFate = 'kept' | 'mask' | 'random' | 'unchanged';

/** One token as drawn: its text and its fate; `shown` is what replaced it, if anything. */
export interface TokenCell {
  text: string;
  fate: TokenFate;
  shown?: string;
}

const STYLE: Record<TokenFate, string> = {
  kept: 'background:#eef2f7;color:#222',
  mask: 'background:#d62728;color:#fff',
  random: 'background:#ff7f0e;color:#fff',
  unchanged: 'background:#2ca02c;color:#fff',
};

const LEGEND: Record<TokenFate, string> = {
  kept: 'visible',
  mask: '<mask>',
  random: 'random token',
  unchanged: 'selected, left unchanged',
};

/** Makes spaces and newlines inside a byte-level BPE token visible. */
function visible(text: string): string {
  return text.replace(/ /g, '·').replace(/\n/g, '⏎');
}

/** The tokens as a line of boxes, with a legend of the fates that occur. */
export function maskedTokensHtml(tokens: readonly TokenCell[], caption?: string): string {
  const boxes = tokens
    .map((t) => {
      const label = escapeHtml(visible(t.text));
      const sub = t.fate !== 'kept' && t.shown !== undefined ? `<sub style="opacity:0.85"> → ${escapeHtml(visible(t.shown))}</sub>` : '';
      return `<span class="tok tok-${t.fate}" style="${STYLE[t.fate]};padding:1px 3px;margin:1px;border-radius:3px;display:inline-block;font-family:monospace">${label}${sub}</span>`;
    })
    .join('');
  const used = (Object.keys(STYLE) as TokenFate[]).filter((f) => tokens.some((t) => t.fate === f));
  const legend = used.map((f) => `<span style="${STYLE[f]};padding:1px 4px;border-radius:3px;margin-right:6px">${escapeHtml(LEGEND[f])}</span>`).join('');
  const head = caption !== undefined ? `<div style="font-weight:bold;margin-bottom:4px">${escapeHtml(caption)}</div>` : '';
  return `<div class="d2v-tokens" style="line-height:2">${head}<div>${boxes}</div><div style="font-size:smaller;margin-top:4px">${legend}</div></div>`;
}
