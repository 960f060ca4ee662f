import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { maskGridSvg, maskStripSvg } from '../../src/viz/mask-svg';
import { writeRunReport } from '../../src/viz/report';
import { checkHtmlFile, inspectPlots, launchChromium, skipWithoutBrowser, withOfflinePage } from '../helpers/browser';
import { pathToFileURL } from 'url';
import { sampleReport } from './sample-report';

describe('viz in headless Chromium (network off)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let dir: string;

  before(async function () {
    skipWithoutBrowser(this);
    browser = await launchChromium();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-browser-'));
  });

  after(async () => {
    await browser?.close();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('draws all 4 charts of a run report with no request leaving the file', async () => {
    const file = path.join(dir, 'report.html');
    writeRunReport(file, sampleReport());
    const { result, blockedRequests, errors } = await withOfflinePage(browser, async (page) => {
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const plots = await inspectPlots(page);
      return {
        ...plots,
        summaryRows: await page.locator('table.summary tr').count(),
        noteText: await page.locator('.notes p').innerText(),
        injected: await page.evaluate('typeof window.pwned'),
        legend: await page.locator('#fig-variance .legendtext').allTextContents(),
      };
    });
    expect(errors).to.deep.equal([]);
    expect(blockedRequests).to.deep.equal([]);
    expect(result.plotDivs).to.equal(4);
    expect(result.plotsDrawn).to.equal(4);
    expect(result.tracesDrawn).to.equal(6); // loss, target_var + pred_var + threshold, lr, tau
    expect(result.legend).to.deep.equal(['target_var', 'pred_var', 'collapse threshold (0.1)']);
    expect(result.externalRefs).to.deep.equal([]);
    expect(result.summaryRows).to.equal(3);
    expect(result.noteText).to.contain('<b>collapse?</b>');
    expect(result.injected).to.equal('undefined');
  });

  it('the report forbids network loads by its own policy, before any request is made', async () => {
    const file = path.join(dir, 'report.html');
    writeRunReport(file, sampleReport());
    const { result } = await withOfflinePage(browser, async (page) => {
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      return page.evaluate(`new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective + ' ' + e.blockedURI));
        const img = new Image();
        img.src = 'https://example.com/pixel.png';
        setTimeout(() => resolve('no violation'), 3000);
      })`);
    });
    expect(result).to.equal('img-src https://example.com/pixel.png');
  });

  it('detects a page that needs the network (plotly from a CDN draws nothing and is reported)', async () => {
    const file = path.join(dir, 'cdn.html');
    fs.writeFileSync(
      file,
      '<html><head><script src="https://cdn.plot.ly/plotly-3.0.0.min.js"></script></head><body>' +
        '<div id="p"></div><script>Plotly.newPlot("p", [{y: [1, 2]}]);</script></body></html>',
    );
    const check = await checkHtmlFile(browser, file);
    expect(check.blockedRequests).to.deep.equal(['https://cdn.plot.ly/plotly-3.0.0.min.js']);
    expect(check.plotsDrawn).to.equal(0);
    expect(check.externalRefs).to.deep.equal(['https://cdn.plot.ly/plotly-3.0.0.min.js']);
    expect(check.errors.join('\n')).to.contain('Plotly is not defined');
  });

  it('renders mask SVGs with the expected masked cells and size', async () => {
    const mask = new Uint8Array(196).map((_, i) => (i % 3 === 0 ? 1 : 0)); // 66 masked
    const image = { pixels: new Uint8Array(784).map((_, i) => i % 256), height: 28, width: 28 };
    const grid = maskGridSvg(mask, 14, 14, { cell: 16, image });
    const strip = maskStripSvg([[1, 0, 1], [0, 0, 0, 1]], { cellWidth: 10, cellHeight: 10 });
    const { result, errors } = await withOfflinePage(browser, async (page) => {
      await page.setContent(`<html><body><div id="g">${grid}</div><div id="s">${strip}</div></body></html>`);
      return {
        gridMasked: await page.locator('#g rect.masked').count(),
        gridPixels: await page.locator('#g g.image rect').count(),
        gridBox: await page.locator('#g svg').boundingBox(),
        stripMasked: await page.locator('#s rect.masked').count(),
        stripBox: await page.locator('#s svg').boundingBox(),
      };
    });
    expect(errors).to.deep.equal([]);
    expect(result.gridMasked).to.equal(66);
    expect(result.gridPixels).to.equal(784);
    expect(result.gridBox).to.deep.include({ width: 224, height: 224 });
    expect(result.stripMasked).to.equal(3);
    expect(result.stripBox).to.deep.include({ width: 40, height: 24 });
  });
});
