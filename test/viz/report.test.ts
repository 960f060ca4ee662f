import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lineFigure } from '../../src/viz/figures';
import { plotlyScriptTag } from '../../src/viz/plotly-bundle';
import { renderRunReport, scriptJson, writeRunReport } from '../../src/viz/report';
import { sampleReport } from './sample-report';

/** The page without the plotly bundle's script element. */
function pageWithoutBundle(html: string): string {
  const tag = plotlyScriptTag();
  expect(html.split(tag)).to.have.length(2);
  return html.replace(tag, '');
}

describe('viz/report', () => {
  it('renders one div and one Plotly.newPlot call per figure, in order', () => {
    const input = sampleReport();
    expect(input.figures).to.have.length(4);
    const page = pageWithoutBundle(renderRunReport(input));
    const divIds = [...page.matchAll(/<div class="figure" id="([^"]+)"><\/div>/g)].map((m) => m[1]);
    expect(divIds).to.deep.equal(['fig-loss', 'fig-variance', 'fig-lr', 'fig-ema_decay']);
    const calls = [...page.matchAll(/Plotly\.newPlot\("([^"]+)", /g)].map((m) => m[1]);
    expect(calls).to.deep.equal(divIds);
    expect(page).to.contain(scriptJson(input.figures[1].data));
  });

  it('makes repeated figure ids unique', () => {
    const f = lineFigure({ title: 'Same', x: [0, 1], series: [{ name: 'a', y: [1, 2] }], xTitle: '', yTitle: '' });
    const page = pageWithoutBundle(renderRunReport({ title: 't', summary: {}, config: {}, figures: [f, f, f] }));
    expect([...page.matchAll(/id="(fig-[^"]+)"/g)].map((m) => m[1])).to.deep.equal(['fig-same', 'fig-same-2', 'fig-same-3']);
  });

  it('shows the summary table, notes and pretty-printed config, all HTML-escaped', () => {
    const input = sampleReport();
    const page = pageWithoutBundle(renderRunReport(input));
    expect(page).to.contain('<title>tiny image v2 &lt;run 1&gt;</title>');
    expect(page).to.contain('<tr><th>final loss</th><td>0.123457</td></tr>');
    expect(page).to.contain('<tr><th>steps</th><td>400</td></tr>');
    expect(page).to.contain('<tr><th>backend</th><td>wasm &amp; co</td></tr>');
    expect(page).to.contain('<p>target_var fell below 0.1 at step 390 &lt;b&gt;collapse?&lt;/b&gt;</p>');
    expect(page).to.match(/<details class="config">\s*<summary>Configuration<\/summary>\s*<pre>\{\n {2}&quot;model&quot;: &quot;tiny&quot;,\n/);
    // Only the bundle's and the plotting script's elements exist: nothing in the data opened or closed one.
    expect(renderRunReport(input).match(/<script/gi)).to.have.length(2);
    expect(renderRunReport(input).match(/<\/script/gi)).to.have.length(2);
  });

  it('is self-contained: no external URL outside the plotly bundle, and a policy that forbids fetches', () => {
    const page = pageWithoutBundle(renderRunReport(sampleReport()));
    expect(page).not.to.match(/https?:\/\//i);
    expect(page).not.to.match(/\b(src|href)\s*=/i);
    expect(page).to.contain(`content="default-src 'none'; script-src 'unsafe-inline'`);
  });

  it('writeRunReport writes the page atomically and leaves no temporary file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-report-'));
    try {
      const file = path.join(dir, 'run', 'report.html');
      const input = sampleReport();
      const bytes = writeRunReport(file, input);
      expect(fs.readFileSync(file, 'utf8')).to.equal(renderRunReport(input));
      expect(bytes).to.equal(fs.statSync(file).size);
      writeRunReport(file, { ...input, title: 'second' });
      expect(fs.readFileSync(file, 'utf8')).to.contain('<title>second</title>');
      expect(fs.readdirSync(path.join(dir, 'run'))).to.deep.equal(['report.html']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writeRunReport names the file when it cannot write, and cleans up', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-report-'));
    try {
      const target = path.join(dir, 'taken');
      fs.mkdirSync(path.join(target, 'inside'), { recursive: true });
      expect(() => writeRunReport(target, sampleReport())).to.throw(`cannot write the run report ${target}: it is a folder, not a file (EISDIR); give the path of a file.`);
      expect(fs.readdirSync(dir)).to.deep.equal(['taken']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
