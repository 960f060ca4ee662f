/**
 * The plotly.js bundle, read once from the installed `plotly.js-dist-min` package, and an
 * inline `<script>` element carrying it, so that HTML reports draw their charts with no
 * network (design "diagnostics as data"; the way plotly.py's offline mode embeds plotly.js).
 */
import * as fs from 'fs';

let cachedBundle: string | undefined;

/** Absolute path of the minified plotly.js bundle shipped by `plotly.js-dist-min`. */
export function plotlyBundlePath(): string {
  try {
    return require.resolve('plotly.js-dist-min');
  } catch {
    throw new Error(
      "The package 'plotly.js-dist-min' cannot be found; install the project's dependencies (npm install) to write HTML reports with charts.",
    );
  }
}

/** The plotly.js bundle source text; read from disk on the first call, then cached. */
export function plotlyBundleText(): string {
  if (cachedBundle === undefined) {
    cachedBundle = fs.readFileSync(plotlyBundlePath(), 'utf8');
  }
  return cachedBundle;
}

/**
 * Makes JavaScript source safe to place between `<script>` and `</script>` without changing
 * what it does: `</script` (any case) becomes `<\/script` and `<!--` becomes `\x3C!--`, so
 * the HTML parser neither ends the element early nor enters its "escaped" script state.
 * Both rewrites keep the meaning of string, template and regular-expression literals and of
 * comments, the only places these sequences occur in bundled library code.
 */
export function escapeInlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '\\x3C!--');
}

/** An inline `<script>` element containing the whole plotly.js bundle (about 4.8 MB). */
export function plotlyScriptTag(): string {
  return `<script>${escapeInlineScript(plotlyBundleText())}</script>`;
}
