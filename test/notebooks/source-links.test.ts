/**
 * The notebooks open the source: a markdown cell that introduces a mechanism ends with
 * `**Source:** [`src/…`](../src/…) `Symbol`` links (file by relative path, then the
 * function, class or `Class.method` that implements it). Every link must resolve to a
 * file, and the named symbol must be declared in it; docs/ARCHITECTURE.md's `src/…`
 * paths must exist too.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..', '..');
const NOTEBOOK_DIR = path.join(ROOT, 'notebooks');

interface Cell {
  cell_type: string;
  source: string | string[];
}

/** Every `[text](../src/…)` link of a markdown text, with the backticked symbol right after it (if any). */
export function sourceLinks(markdown: string): { target: string; symbol: string | undefined }[] {
  const out: { target: string; symbol: string | undefined }[] = [];
  for (const m of markdown.matchAll(/\]\((\.\.\/src\/[^)\s]+)\)(?:\s*`([^`]+)`)?/g)) out.push({ target: m[1], symbol: m[2] });
  return out;
}

const escape = (s: string) => s.replace(/[$.*+?^()[\]{}|\\]/g, '\\$&');

/** Whether `name` (or `Class.member`) is declared in the TypeScript source `text`. */
export function declares(text: string, name: string): boolean {
  const [owner, member] = name.split('.');
  const decl = new RegExp(`(?:class|function|const|let|interface|type|enum)\\s+${escape(owner)}\\b`);
  const at = text.search(decl);
  if (at < 0) return false;
  if (member === undefined) return true;
  // a method, getter or field of the owner, after its declaration
  return new RegExp(`\\n\\s+(?:(?:public|private|protected|static|readonly|async|get|set)\\s+)*${escape(member)}\\s*[(<=:]`).test(text.slice(at));
}

const notebooks = fs.readdirSync(NOTEBOOK_DIR).filter((f) => f.endsWith('.ipynb')).sort();

describe('notebooks link the source that implements each mechanism', () => {
  it('the checker finds links and symbols, and rejects a missing symbol or member', () => {
    const links = sourceLinks('**Source:** [`src/a.ts`](../src/a.ts) `Foo.bar` · [`src/b.ts`](../src/b.ts) `baz`');
    expect(links).to.deep.equal([{ target: '../src/a.ts', symbol: 'Foo.bar' }, { target: '../src/b.ts', symbol: 'baz' }]);
    const text = 'export class Foo {\n  bar(x: number) {}\n}\nexport function baz() {}\n';
    expect([declares(text, 'Foo.bar'), declares(text, 'baz'), declares(text, 'Foo.qux'), declares(text, 'Bar')]).to.deep.equal([true, true, false, false]);
  });

  for (const file of notebooks) {
    it(`${file}: every ../src link resolves and names a symbol declared in that file`, () => {
      const nb = JSON.parse(fs.readFileSync(path.join(NOTEBOOK_DIR, file), 'utf8')) as { cells: Cell[] };
      const problems: string[] = [];
      let count = 0;
      nb.cells.forEach((cell, i) => {
        if (cell.cell_type !== 'markdown') return;
        const text = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
        for (const { target, symbol } of sourceLinks(text)) {
          count++;
          const resolved = path.resolve(NOTEBOOK_DIR, target);
          if (!fs.existsSync(resolved)) problems.push(`cell ${i}: ${target} does not exist`);
          else if (symbol === undefined) problems.push(`cell ${i}: ${target} is not followed by the \`symbol\` it implements`);
          else if (!declares(fs.readFileSync(resolved, 'utf8'), symbol)) problems.push(`cell ${i}: ${symbol} is not declared in ${target}`);
        }
      });
      expect(problems).to.deep.equal([]);
      expect(count, 'source links in this notebook').to.be.greaterThan(0);
    });
  }

  it('docs/ARCHITECTURE.md names only src/ files that exist', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');
    const paths = [...new Set([...doc.matchAll(/`(src\/[\w./-]+\.ts)`/g)].map((m) => m[1]))];
    expect(paths.length).to.be.greaterThan(20);
    expect(paths.filter((p) => !fs.existsSync(path.join(ROOT, p)))).to.deep.equal([]);
  });
});
