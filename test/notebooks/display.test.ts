/**
 * Notebook display helpers without a kernel: tables from data frames and rows, chart HTML
 * and the once-per-kernel plotly bundle (through a recording display), live charts,
 * masked-token HTML, figure builders; and in Chromium, that a chart drawn by a script that
 * runs before its element is attached (as JupyterLab runs output scripts) still draws.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DataFrame } from 'danfojs-node';
import { DisplaySink, LiveFigure, showFigure, showPlotly, showTable, kernelDisplay } from '../../src/viz/notebook-display';
import { figureHtml, plotlyLoaderHtml } from '../../src/viz/notebook-plotly';
import { formatCell, tableHtml } from '../../src/viz/notebook-table';
import { maskedTokensHtml } from '../../src/viz/notebook-tokens';
import { barFigure, heatmapFigure, histogramFigure, maskedSpansSeconds, waveformFigure } from '../../src/viz/notebook-figures';
import { browserUnavailableReason, launchChromium, withOfflinePage } from '../helpers/browser';

/** A display that records what it was asked to show. */
class RecordingDisplay implements DisplaySink {
  readonly calls: Array<[string, string]> = [];
  html(s: string) {
    this.calls.push(['html', s]);
  }
  svg(s: string) {
    this.calls.push(['svg', s]);
  }
  markdown(s: string) {
    this.calls.push(['markdown', s]);
  }
  text(s: string) {
    this.calls.push(['text', s]);
  }
}

const BUNDLE_MARK = 'class="d2v-plotly-loader"';
const figure = { data: [{ type: 'scatter', mode: 'lines', x: [1, 2, 3], y: [3, 1, 2], name: 'a<b' }], layout: { title: { text: 'T' }, height: 250 } };

describe('notebook tables', () => {
  it('renders a danfojs DataFrame: header, rows, numbers rounded to 4 significant digits and right-aligned', () => {
    const df = new DataFrame({ step: [1, 2], loss: [0.123456, 0.0987654], note: ['a<b', 'c&d'] });
    const html = tableHtml(df);
    expect(html).to.contain('<thead><tr><th>step</th><th>loss</th><th>note</th></tr></thead>');
    expect(html).to.contain('<tr><td style="text-align:right">1</td><td style="text-align:right">0.1235</td><td>a&lt;b</td></tr>');
    expect(html).to.contain('<td style="text-align:right">0.09877</td><td>c&amp;d</td>');
  });

  it('renders row objects with the union of their keys, and one record as field/value rows', () => {
    const rows = tableHtml([{ a: 1 }, { b: 2.5, a: 3 }]);
    expect(rows).to.contain('<th>a</th><th>b</th>');
    expect(rows).to.contain('<tr><td style="text-align:right">1</td><td></td></tr>');
    const record = tableHtml({ dim: 64, imageSize: [28, 28] });
    expect(record).to.contain('<th>field</th><th>value</th>');
    expect(record).to.contain('<td>imageSize</td><td>[28,28]</td>');
  });

  it('cuts long tables with a note of the rows left out, and rejects a bad maxRows', () => {
    const html = tableHtml(Array.from({ length: 10 }, (_, i) => ({ i })), { maxRows: 3, caption: 'c' });
    expect((html.match(/<tr><td/g) ?? []).length).to.equal(4);
    expect(html).to.contain('… 7 more rows');
    expect(() => tableHtml([], { maxRows: 0 })).to.throw('maxRows must be a positive integer, got 0.');
    expect(formatCell(1e-7)).to.equal('1e-7');
    expect(formatCell(NaN)).to.equal('NaN');
  });
});

describe('notebook charts', () => {
  it('embeds plotly.js once per display, before the first chart; showPlotly embeds it again on request', () => {
    const d = new RecordingDisplay();
    showFigure(figure, { display: d });
    showFigure(figure, { display: d });
    expect(d.calls.map(([, s]) => (s.includes(BUNDLE_MARK) ? 'bundle' : s.includes('class="d2v-plot"') ? 'chart' : 'other'))).to.deep.equal(['bundle', 'chart', 'chart']);
    expect(d.calls[0][1].length).to.be.greaterThan(4_000_000);
    showPlotly({ display: d });
    expect(d.calls.filter(([, s]) => s.includes(BUNDLE_MARK))).to.have.length(2);
    const other = new RecordingDisplay();
    showFigure(figure, { display: other });
    expect(other.calls[0][1]).to.contain(BUNDLE_MARK);
  });

  it('writes each chart as a sized div and a script with the figure data, safe inside <script>', () => {
    const html = figureHtml({ data: [{ type: 'bar', x: ['</script>'], y: [1] }], layout: { height: 222 } }, 'fig-1');
    expect(html.startsWith('<div id="fig-1" class="d2v-plot" style="width:100%;min-height:222px"></div>')).to.equal(true);
    expect(html).to.contain('"x":["\\u003c/script>"]');
    expect(html.match(/<\/script>/g)).to.have.length(1);
  });

  it('LiveFigure redraws one output: the bundle goes to the display once, every update to the live output', () => {
    const d = new RecordingDisplay();
    const live = new RecordingDisplay();
    const lf = new LiveFigure({ display: d, live });
    lf.update(figure, 'update 10');
    lf.update([figure, figure], 'update 20 <b>');
    expect(lf.updates).to.equal(2);
    expect(d.calls).to.have.length(1);
    expect(d.calls[0][1]).to.contain(BUNDLE_MARK);
    expect(live.calls).to.have.length(2);
    expect((live.calls[1][1].match(/class="d2v-plot"/g) ?? []).length).to.equal(2);
    expect(live.calls[1][1]).to.contain('update 20 &lt;b&gt;');
  });

  it('outside a kernel says what to do instead of failing with a bare message', () => {
    expect(() => kernelDisplay().html('x')).to.throw(/needs the tslab kernel/);
    expect(() => showTable([{ a: 1 }])).to.throw(/needs the tslab kernel/);
  });
});

describe('notebook figure builders', () => {
  it('shades masked frame runs as time spans: frames 20 ms apart, 25 ms long', () => {
    expect(maskedSpansSeconds([0, 1, 1, 0, 0, 1], 0.02, 0.025)).to.deep.equal([
      [0.02, 0.065],
      [0.1, 0.125],
    ]);
    const fig = waveformFigure({ title: 'w', samples: Float32Array.from({ length: 16000 }, (_, i) => Math.sin(i / 5)), sampleRate: 16000, spans: [[0.1, 0.2]], maxPoints: 400 });
    const trace = fig.data[0] as { x: number[]; y: number[] };
    expect(trace.x.length).to.be.at.most(400);
    expect(Math.max(...trace.y)).to.be.closeTo(1, 1e-3);
    expect((fig.layout as { shapes: Array<{ x0: number; x1: number }> }).shapes[0]).to.include({ x0: 0.1, x1: 0.2 });
  });

  it('draws labelled reference lines on histograms and annotates small heatmaps', () => {
    const h = histogramFigure({ title: 'h', series: [{ name: 's', values: [0.5, 0.5] }], xTitle: 'x', binSize: 0.01, references: [{ x: 157 / 196, label: 'exactly 157/196' }] });
    const layout = h.layout as { shapes: Array<{ x0: number }>; annotations: Array<{ text: string }> };
    expect(layout.shapes[0].x0).to.equal(157 / 196);
    expect(layout.annotations[0].text).to.equal('exactly 157/196');
    const m = heatmapFigure({ title: 'm', z: [[1, 0.5], [0.5, 1]] });
    expect((m.data[0] as { text: string[][] }).text).to.deep.equal([['1.00', '0.50'], ['0.50', '1.00']]);
    expect(() => heatmapFigure({ title: 'bad', z: [[1, 2], [3]] })).to.throw("Heatmap 'bad' has rows of different lengths; give every row 2 values.");
    expect(() => barFigure({ title: 'b', categories: ['x', 'y'], yTitle: 'acc', series: [{ name: 's', y: [1] }] })).to.throw(
      "Series 's' of bar chart 'b' has 1 values for 2 categories; give one per category.",
    );
  });

  it('highlights masked tokens by fate, with a legend of the fates present', () => {
    const html = maskedTokensHtml([
      { text: ' the', fate: 'kept' },
      { text: ' cat', fate: 'mask', shown: '<mask>' },
      { text: ' sat', fate: 'random', shown: ' dog' },
    ]);
    expect((html.match(/class="tok tok-mask"/g) ?? []).length).to.equal(1);
    expect(html).to.contain('·cat<sub style="opacity:0.85"> → &lt;mask&gt;</sub>');
    expect(html).to.contain('&lt;mask&gt;</span><span');
    expect(html).not.to.contain('selected, left unchanged');
  });
});

describe('notebook charts in Chromium', function () {
  this.timeout(60_000);

  before(function () {
    const reason = browserUnavailableReason();
    if (reason !== undefined) {
      // eslint-disable-next-line no-console
      console.log(`      pending: ${reason}`);
      this.skip();
    }
  });

  it('draw offline in page order, and also when the chart script runs before its element is attached', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-chart-'));
    const late = figureHtml(figure, 'late-chart');
    // A renderer that runs an output's script while the output is still detached, and attaches it later.
    const page = `<!DOCTYPE html><html><body>${plotlyLoaderHtml()}${figureHtml(figure, 'inline-chart')}
<script>
  var host = document.createElement('div');
  host.innerHTML = ${JSON.stringify(late).replace(/</g, '\\u003c')};
  (0, eval)(host.querySelector('script').textContent);
  setTimeout(function () { document.body.appendChild(host); }, 300);
</script></body></html>`;
    const file = path.join(dir, 'page.html');
    fs.writeFileSync(file, page);
    const browser = await launchChromium();
    try {
      const { result, blockedRequests, errors } = await withOfflinePage(browser, async (p) => {
        await p.goto(`file://${file}`, { waitUntil: 'load' });
        const drawn = `Array.from(document.querySelectorAll('.js-plotly-plot')).filter((d) => d.querySelector('.scatterlayer .trace')).length >= 2`;
        await p.waitForFunction(drawn, undefined, { timeout: 15_000, polling: 100 }).catch(() => undefined);
        return p.evaluate(`Array.from(document.querySelectorAll('.js-plotly-plot')).map((d) => d.id + ':' + d.querySelectorAll('.scatterlayer .trace').length)`);
      });
      expect(result).to.deep.equal(['inline-chart:1', 'late-chart:1']);
      expect(blockedRequests).to.deep.equal([]);
      expect(errors).to.deep.equal([]);
    } finally {
      await browser.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
