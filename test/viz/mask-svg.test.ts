import { expect } from 'chai';
import { maskGridSvg, maskStripSvg } from '../../src/viz/mask-svg';

const count = (svg: string, re: RegExp): number => (svg.match(re) ?? []).length;

describe('viz/mask-svg', () => {
  it('shades exactly the masked cells of a patch grid, at the right places', () => {
    // 14 × 14 grid, masked: every cell of row 2 and column 5 (14 + 14 - 1 = 27 cells).
    const mask = new Uint8Array(196);
    for (let i = 0; i < 14; i++) {
      mask[2 * 14 + i] = 1;
      mask[i * 14 + 5] = 1;
    }
    const svg = maskGridSvg(mask, 14, 14, { cell: 10 });
    expect(count(svg, /class="masked"/g)).to.equal(27);
    expect(count(svg, /class="visible"/g)).to.equal(196 - 27);
    expect(svg).to.contain('<rect class="masked" x="50" y="0" width="10" height="10"');
    expect(svg).to.contain('<rect class="masked" x="130" y="20" width="10" height="10"');
    expect(svg).to.contain('<rect class="visible" x="0" y="0" width="10" height="10"');
    expect(svg).to.match(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="140" height="140" viewBox="0 0 140 140">/);
    expect(svg).to.contain('<title>patch grid 14 × 14, 27 of 196 masked</title>');
  });

  it('treats any non-zero value as masked and sizes cells to about 224 px by default', () => {
    const svg = maskGridSvg([0, 0.5, -1, 0, 2, 0], 2, 3);
    expect(count(svg, /class="masked"/g)).to.equal(3);
    expect(svg).to.contain('width="222" height="148"'); // cell = floor(224 / 3) = 74
  });

  it('draws a grayscale image underneath as one rect per pixel', () => {
    const pixels = new Uint8Array(28 * 28);
    pixels[0] = 255;
    pixels[28 * 27 + 27] = 128;
    const mask = new Array(49).fill(0);
    mask[0] = 1;
    mask[48] = 1;
    const svg = maskGridSvg(mask, 7, 7, { cell: 8, image: { pixels, height: 28, width: 28 } });
    expect(count(svg, /fill="rgb\(/g)).to.equal(784);
    expect(svg).to.contain('<rect x="0" y="0" width="2" height="2" fill="rgb(255,255,255)"/>');
    expect(svg).to.contain('<rect x="54" y="54" width="2" height="2" fill="rgb(128,128,128)"/>');
    expect(count(svg, /class="masked"[^>]*fill-opacity="0.55"/g)).to.equal(2);
    expect(svg).not.to.match(/<image|<script|href=/);
  });

  it('maps float images from their min..max, or from a given range', () => {
    const pixels = new Float32Array([-1, 0, 1, 3]);
    const auto = maskGridSvg([0], 1, 1, { cell: 4, image: { pixels, height: 2, width: 2 } });
    expect([...auto.matchAll(/rgb\((\d+),/g)].map((m) => Number(m[1]))).to.deep.equal([0, 64, 128, 255]);
    const ranged = maskGridSvg([0], 1, 1, { cell: 4, image: { pixels, height: 2, width: 2, range: [0, 1] } });
    expect([...ranged.matchAll(/rgb\((\d+),/g)].map((m) => Number(m[1]))).to.deep.equal([0, 0, 255, 255]);
  });

  it('rejects a mask or image of the wrong size with a sentence naming it', () => {
    expect(() => maskGridSvg(new Uint8Array(195), 14, 14)).to.throw('The mask has 195 values but the grid is 14 × 14 = 196');
    expect(() => maskGridSvg([1], 1, 1, { image: { pixels: new Uint8Array(10), height: 3, width: 3 } })).to.throw(
      'image.pixels has 10 values but image.height × image.width is 9',
    );
    expect(() => maskGridSvg([1], 0, 1)).to.throw('gridH must be a positive integer, got 0.');
  });

  it('draws 1-D masks as one strip per row, with rows of different lengths', () => {
    const svg = maskStripSvg([[1, 0, 0, 1, 1], [0, 1, 0]], { cellWidth: 10, cellHeight: 20, rowGap: 5 });
    expect(count(svg, /class="masked"/g)).to.equal(4);
    expect(count(svg, /class="visible"/g)).to.equal(4);
    expect(svg).to.contain('<rect class="masked" x="10" y="25" width="10" height="20"');
    expect(svg).to.contain('width="50" height="45"');
    expect(svg).to.contain('<title>2 mask rows, 4 of 8 masked</title>');
  });

  it('accepts a single typed-array mask and wraps long rows', () => {
    const mask = new Uint8Array(25).map((_, i) => (i % 5 === 0 ? 1 : 0));
    const svg = maskStripSvg(mask, { cellWidth: 4, cellHeight: 4, wrap: 10 });
    expect(count(svg, /class="masked"/g)).to.equal(5);
    expect(svg).to.contain('width="40" height="12"');
    expect(svg).to.contain('<rect class="masked" x="0" y="8" width="4" height="4"'); // index 20
    expect(svg).to.contain('<title>1 mask row, 5 of 25 masked</title>');
  });
});
