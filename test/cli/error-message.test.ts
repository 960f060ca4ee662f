/** The command line's error sentences (design: one-sentence errors). */
import { expect } from 'chai';
import { errorMessage, isWasmMemoryFailure } from '../../src/cli/error-message';

describe('command-line error messages', () => {
  it('explains wasm heap failures and suggests what to change', () => {
    const abort = new Error('Aborted(). Build with -sASSERTIONS for more info.');
    expect(isWasmMemoryFailure(abort)).to.equal(true);
    expect(errorMessage(abort)).to.match(/^the wasm backend failed \(Aborted\(\)\. Build with -sASSERTIONS for more info\.\), most often because its heap \(at most 4 GB\) ran out; .*--accumulation 1.*tensorflow backend/);
    const runtime = new Error('unreachable');
    runtime.name = 'RuntimeError'; // what WebAssembly.RuntimeError instances are named
    expect(isWasmMemoryFailure(runtime)).to.equal(true);
    expect(isWasmMemoryFailure(new Error('memory access out of bounds'))).to.equal(true);
  });

  it('passes the library\'s own sentences through unchanged', () => {
    const e = new Error('--data /x does not exist; give a folder.');
    expect(isWasmMemoryFailure(e)).to.equal(false);
    expect(errorMessage(e)).to.equal('--data /x does not exist; give a folder.');
  });
});
