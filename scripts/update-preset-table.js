#!/usr/bin/env node
// Writes the resolved preset table into README.md between its preset-table markers
// (src/modalities/preset-table.ts). Run after `npm run build`: `npm run readme:presets`.
const fs = require('fs');
const path = require('path');
const { withPresetTable } = require('../dist/src/modalities/preset-table');

const file = path.join(__dirname, '..', 'README.md');
const before = fs.readFileSync(file, 'utf8');
const after = withPresetTable(before);
if (after === before) console.log('README.md preset table is up to date.');
else {
  fs.writeFileSync(file, after);
  console.log('README.md preset table rewritten from the resolved presets.');
}
