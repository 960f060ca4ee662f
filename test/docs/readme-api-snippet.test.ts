/**
 * The README's "Scripting API" example must compile against the published types, as a
 * user would paste it into a module of their own: every name it imports exists, and
 * every call matches its signature (an async call used without `await` does not).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..', '..');

/** The TypeScript code blocks of a markdown text. */
function typeScriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** Type errors of `code` as an ES module importing `data2vec-ts` from the built declarations. */
function typeErrors(code: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-readme-'));
  const file = path.join(dir, 'example.ts');
  fs.writeFileSync(file, code);
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    types: ['node'],
    typeRoots: [path.join(ROOT, 'node_modules', '@types')],
    baseUrl: ROOT,
    paths: { 'data2vec-ts': [path.join(ROOT, 'dist', 'src', 'index.d.ts')] },
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  fs.rmSync(dir, { recursive: true, force: true });
  return diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('README scripting API example', function () {
  this.timeout(120_000);

  it('compiles against the package types as written', () => {
    const blocks = typeScriptBlocks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    expect(blocks.length, 'README.md has no ```ts block').to.be.greaterThan(0);
    for (const block of blocks) expect(typeErrors(`${block}\nexport {};\n`)).to.deep.equal([]);
  });

  it('reports an async call used without await (the check can fail)', () => {
    const errors = typeErrors(
      "import { probe } from 'data2vec-ts';\nconsole.log(probe({ run: 'runs/x' }).accuracy);\nexport {};\n",
    );
    expect(errors.join(' ')).to.match(/accuracy/);
  });
});
