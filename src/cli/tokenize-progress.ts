/**
 * Progress while a text corpus is tokenised into its token cache: a cli-progress
 * bar over the bytes read, with tokens written and tokens/s, on an interactive
 * stderr; one plain line every 10 % otherwise (CI logs).
 */
import { Presets, SingleBar } from 'cli-progress';
import { TokenizeProgress } from '../data/token-cache';

/** A `TokenizeProgress` callback that draws on stderr, and `stop` to end the bar. */
export function tokenizeProgressBar(label = 'tokenising'): { onProgress: TokenizeProgress; stop: () => void } {
  const mb = (b: number): string => (b / 1e6).toFixed(1);
  if (process.stderr.isTTY) {
    const bar = new SingleBar({ format: `${label} {bar} {percentage}% | {mb}/{totalMb} MB | {tokens} tokens | {rate} tokens/s | eta {eta_formatted}`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
    let started = false;
    return {
      onProgress: ({ bytes, totalBytes, tokens, seconds }) => {
        const payload = { mb: mb(bytes), totalMb: mb(totalBytes), tokens: tokens.toLocaleString('en-US'), rate: Math.round(tokens / Math.max(seconds, 1e-3)).toLocaleString('en-US') };
        if (!started) bar.start(totalBytes, bytes, payload);
        else bar.update(bytes, payload);
        started = true;
      },
      stop: () => bar.stop(),
    };
  }
  let nextTenth = 1;
  return {
    onProgress: ({ bytes, totalBytes, tokens, seconds }) => {
      if (bytes < (nextTenth / 10) * totalBytes) return;
      while (nextTenth <= 10 && bytes >= (nextTenth / 10) * totalBytes) nextTenth++;
      process.stderr.write(`${label}: ${mb(bytes)}/${mb(totalBytes)} MB, ${tokens.toLocaleString('en-US')} tokens, ${Math.round(tokens / Math.max(seconds, 1e-3)).toLocaleString('en-US')} tokens/s\n`);
    },
    stop: () => undefined,
  };
}
