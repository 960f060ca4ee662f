/**
 * The one sentence the command line prints for an error (design: "bad input gets a
 * clear one-sentence error"). Errors from the library already are such sentences;
 * the WebAssembly runtime's own failures are not, and the usual cause of those in
 * training is the wasm heap (at most 4 GB) running out, so they get that advice.
 */

/** True for the wasm runtime's failures when its heap is exhausted or corrupted. */
export function isWasmMemoryFailure(err: Error): boolean {
  return err.name === 'RuntimeError' || /^Aborted\(|memory access out of bounds|Out of memory|Cannot enlarge memory/i.test(err.message);
}

/** The message to print after `error: `. */
export function errorMessage(err: Error): string {
  if (isWasmMemoryFailure(err)) {
    return (
      `the wasm backend ran out of memory (${err.message.split('\n')[0]}); its heap holds at most 4 GB, ` +
      'so use a smaller preset, --batch-size or --accumulation 1, or the tensorflow backend on a larger host.'
    );
  }
  return err.message;
}
