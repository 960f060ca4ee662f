/**
 * README's preset table is generated from the resolved presets: it must equal what
 * `presetTable()` prints now, and that table must follow the configs (a changed
 * preset changes its row).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { PRESET_TABLE_END, PRESET_TABLE_START, presetTable, withPresetTable } from '../../src/modalities/preset-table';
import { listRecipes } from '../../src/modalities/registry';

const README = path.join(__dirname, '..', '..', '..', 'README.md');

describe('README preset table (generated)', () => {
  it('README.md holds exactly the table generated from the resolved presets (npm run readme:presets rewrites it)', () => {
    const readme = fs.readFileSync(README, 'utf8');
    const start = readme.indexOf(PRESET_TABLE_START);
    const end = readme.indexOf(PRESET_TABLE_END);
    expect(start, 'README.md lacks the preset-table markers').to.be.greaterThan(-1);
    expect(readme.slice(start, end + PRESET_TABLE_END.length), 'README preset table is stale: run npm run readme:presets').to.equal(presetTable());
  });

  it('one row per preset of every recipe, with the resolved counts', () => {
    const rows = presetTable().split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| modality'));
    expect(rows).to.have.length(listRecipes().reduce((n, r) => n + r.presets.length, 0));
    // image v1 tiny: 64 wide, 4 blocks, 64 images, 300 updates, 30 warm-up updates (10 %), τ annealed over all 300, a checkpoint every 50
    expect(rows).to.include('| image v1 | `tiny` | 64 | 4 | 4 | 1 | 2 | 64 | 300 | 0.001 cosine | 30 (10 %) | 0.99 → 0.999 over 300 (100 %) | 50 |');
    // audio v1 base: tri-stage, 400k updates of 16 × 16, warm-up 3 %
    expect(rows).to.include('| audio v1 | `base` | 768 | 12 | 12 | 1 | 8 | 16 × 16 | 400,000 | 0.0005 tri-stage | 12,000 (3 %) | 0.999 → 0.9999 over 30,000 (7.5 %) | 40,000 |');
  });

  it('withPresetTable replaces only what lies between the markers, and names the markers when they are missing', () => {
    const doc = `intro\n${PRESET_TABLE_START}\nold\n${PRESET_TABLE_END}\noutro\n`;
    expect(withPresetTable(doc)).to.equal(`intro\n${presetTable()}\noutro\n`);
    expect(() => withPresetTable('no table here')).to.throw(/README\.md has no preset table markers; add "<!-- preset-table:start/);
  });
});
