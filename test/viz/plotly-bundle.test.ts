import { expect } from 'chai';
import fs = require('fs');
import * as vm from 'vm';
import { escapeInlineScript, plotlyBundlePath, plotlyBundleText, plotlyScriptTag } from '../../src/viz/plotly-bundle';

describe('viz/plotly-bundle', () => {
  it('reads the installed plotly.js-dist-min bundle once and caches it', () => {
    const first = plotlyBundleText();
    expect(plotlyBundlePath()).to.match(/plotly\.js-dist-min[\\/]plotly\.min\.js$/);
    expect(Buffer.byteLength(first, 'utf8')).to.equal(fs.statSync(plotlyBundlePath()).size);
    expect(first).to.contain('newPlot');
    const realRead = fs.readFileSync;
    (fs as { readFileSync: unknown }).readFileSync = () => {
      throw new Error('read again');
    };
    try {
      expect(plotlyBundleText()).to.equal(first);
    } finally {
      (fs as { readFileSync: unknown }).readFileSync = realRead;
    }
  });

  it('wraps the whole bundle in one script element that only the final tag closes', () => {
    const tag = plotlyScriptTag();
    expect(tag.startsWith('<script>')).to.equal(true);
    expect(tag.endsWith('</script>')).to.equal(true);
    expect(tag.match(/<\/script/gi)).to.have.length(1);
    expect(tag.match(/<script/gi)).to.have.length(1);
    expect(tag).not.to.contain('<!--');
    expect(tag.length).to.equal(plotlyBundleText().length + '<script></script>'.length);
  });

  it('escapes </script and <!-- without changing what string and regex literals mean', () => {
    const src = 'out.a = "x</script><!--y</SCRIPT>"; out.b = `t</Script>`; out.c = /<!--/u.test("a<!--"); out.d = /^<!--$/.test("<!--");';
    const escaped = escapeInlineScript(src);
    expect(escaped).not.to.match(/<\/script/i);
    expect(escaped).not.to.contain('<!--');
    const run = (code: string): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      vm.runInNewContext(code, { out });
      return out;
    };
    expect(run(escaped)).to.deep.equal(run(src));
    expect(run(escaped)).to.deep.equal({ a: 'x</script><!--y</SCRIPT>', b: 't</Script>', c: true, d: true });
  });
});
