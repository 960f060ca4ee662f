/**
 * Headless Chromium for checking rendered HTML (reports, SVG): opens a file with the
 * network off and every non-file request blocked and recorded, and counts drawn plotly
 * charts. Tests that need it are skipped, with a one-line reason, when Chromium
 * (`apt-get install -y chromium`) or the `playwright-core` package is missing.
 */
import * as fs from 'fs';
import { pathToFileURL } from 'url';
import type { Browser, Page } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser; override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** What a page did once loaded with the network off. */
export interface PageCheck {
  /** `.js-plotly-plot` elements on the page. */
  plotDivs: number;
  /** Those that drew an SVG (`.main-svg`). */
  plotsDrawn: number;
  /** Line traces drawn (`.scatterlayer .trace`) across all plots. */
  tracesDrawn: number;
  /** URLs the page tried to load that were not `file:`, `data:`, `blob:` or `about:`. */
  blockedRequests: string[];
  /** Uncaught page errors and console errors (CSP violations appear here). */
  errors: string[];
  /** `src`/`href` attributes of the live DOM that point outside the page (`http:`, `https:`, `//`). */
  externalRefs: string[];
}

/** Why the browser checks cannot run here, or undefined when they can. */
export function browserUnavailableReason(): string | undefined {
  if (!fs.existsSync(CHROMIUM_PATH)) return `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`;
  try {
    require.resolve('playwright-core');
  } catch {
    return "the npm package 'playwright-core' is not installed";
  }
  return undefined;
}

/** Skips the current mocha test or hook, printing the reason, when the browser checks cannot run. */
export function skipWithoutBrowser(ctx: Mocha.Context): void {
  const reason = browserUnavailableReason();
  if (reason !== undefined) {
    // eslint-disable-next-line no-console
    console.log(`      skipped: ${reason}`);
    ctx.skip();
  }
}

/** Launches headless Chromium. Close it when done. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Runs `body` on a fresh page whose context is offline and aborts every request that is
 * not for a local file or inline data; returns what `body` returned plus the blocked URLs
 * and page errors.
 */
export async function withOfflinePage<T>(
  browser: Browser,
  body: (page: Page) => Promise<T>,
): Promise<{ result: T; blockedRequests: string[]; errors: string[] }> {
  const context = await browser.newContext();
  const blockedRequests: string[] = [];
  const errors: string[] = [];
  try {
    await context.setOffline(true);
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (/^(file|data|blob|about):/.test(url)) return route.continue();
      blockedRequests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    const result = await body(page);
    return { result, blockedRequests, errors };
  } finally {
    await context.close();
  }
}

/** True once every plotly element (marked synchronously by `Plotly.newPlot`) holds its SVG. */
const ALL_PLOTS_DRAWN = `Array.from(document.querySelectorAll('.js-plotly-plot')).every((d) => d.querySelector('.main-svg') !== null)`;

const EXTERNAL_REF_SELECTOR = ['src', 'href']
  .flatMap((a) => [`[${a}^="http:" i]`, `[${a}^="https:" i]`, `[${a}^="//"]`])
  .join(', ');

/** Counts drawn plotly charts and external references on a page after its `load` event. */
export async function inspectPlots(page: Page): Promise<Omit<PageCheck, 'blockedRequests' | 'errors'>> {
  // A shortfall is not an error here: it shows in the counts, which the caller asserts.
  await page.waitForFunction(ALL_PLOTS_DRAWN, undefined, { timeout: 10_000 }).catch(() => undefined);
  const refs = page.locator(EXTERNAL_REF_SELECTOR);
  const externalRefs: string[] = [];
  for (let i = 0; i < (await refs.count()); i++) {
    const el = refs.nth(i);
    externalRefs.push((await el.getAttribute('src')) ?? (await el.getAttribute('href')) ?? '');
  }
  return {
    plotDivs: await page.locator('.js-plotly-plot').count(),
    plotsDrawn: await page.locator('.js-plotly-plot:has(.main-svg)').count(),
    tracesDrawn: await page.locator('.js-plotly-plot .scatterlayer .trace').count(),
    externalRefs,
  };
}

/** Opens an HTML file offline, waits for plotly to draw, and reports what the page did. */
export async function checkHtmlFile(browser: Browser, htmlPath: string): Promise<PageCheck> {
  const { result, blockedRequests, errors } = await withOfflinePage(browser, async (page) => {
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    return inspectPlots(page);
  });
  return { ...result, blockedRequests, errors };
}
