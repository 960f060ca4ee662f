/**
 * The layer order of `src/` (docs/ARCHITECTURE.md): every module imports only from
 * its own folder or from a folder in a lower layer, so arrows only point down; the
 * modality folders import nothing from each other; and the registry holds every
 * modality folder, so adding a modality is a folder plus a registry line.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { LAYERS } from '../../src/architecture';
import { listRecipes } from '../../src/modalities/registry';

const SRC = path.join(__dirname, '..', '..', '..', 'src');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Relative module specifiers a file imports or re-exports (static and dynamic). */
function relativeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']*)'/g)) out.push(m[1]);
  for (const m of text.matchAll(/require\(\s*'(\.{1,2}\/[^']*)'\s*\)/g)) out.push(m[1]);
  return out;
}

/** `src/<folder>/…` → folder; `src/index.ts` and other top files → '' (the package entry). */
function folderOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0] : '';
}

const rank = (folder: string): number => {
  const i = LAYERS.findIndex((layer) => (layer as readonly string[]).includes(folder));
  return i < 0 ? Infinity : i;
};

const files = tsFiles(SRC);

describe('architecture: layers that only point down', () => {
  it('every folder of src/ has a layer, and the scan finds the imports it should', () => {
    const folders = [...new Set(files.map(folderOf).filter((f) => f !== ''))].sort();
    expect(folders.filter((f) => rank(f) === Infinity), 'folders missing from LAYERS').to.deep.equal([]);
    // the scanner sees a known import (a regex that matched nothing would pass every check below)
    expect(relativeImports(path.join(SRC, 'modalities', 'image', 'recipe-v1.ts'))).to.include('../define-recipe');
  });

  it('no module imports from its own layer\'s other folders or from a layer above', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      for (const spec of relativeImports(file)) {
        const target = folderOf(path.resolve(path.dirname(file), spec));
        if (target === from || from === '') continue;
        if (target === '' || rank(target) >= rank(from)) upward.push(`${path.relative(SRC, file)} → ${spec} (${from} → ${target || 'src'})`);
      }
    }
    expect(upward).to.deep.equal([]);
  });

  it('modality folders import nothing from each other, and the shared modality files nothing from a modality folder', () => {
    const modalities = path.join(SRC, 'modalities');
    const crossing: string[] = [];
    for (const file of files.filter((f) => f.startsWith(modalities + path.sep))) {
      const own = path.relative(modalities, file).split(path.sep);
      for (const spec of relativeImports(file)) {
        const target = path.resolve(path.dirname(file), spec);
        if (!target.startsWith(modalities + path.sep)) continue;
        const into = path.relative(modalities, target).split(path.sep);
        const fromFolder = own.length > 1 ? own[0] : '';
        const toFolder = into.length > 1 ? into[0] : '';
        if (toFolder === '' || toFolder === fromFolder) continue;
        if (fromFolder === '' && own[0] === 'registry.ts' && into[1] === 'index') continue;
        crossing.push(`${path.relative(SRC, file)} → ${spec}`);
      }
    }
    expect(crossing).to.deep.equal([]);
  });

  it('the registry lists one v1 and one v2 recipe for each modality folder', () => {
    const folders = fs.readdirSync(path.join(SRC, 'modalities'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    const pairs = listRecipes().map((r) => `${r.modality}/${r.algo}`).sort();
    expect(pairs).to.deep.equal(folders.flatMap((m) => [`${m}/v1`, `${m}/v2`]));
  });
});
