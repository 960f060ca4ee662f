/**
 * The one sentence the command line prints for an error (design: "bad input gets a
 * clear one-sentence error"). Errors from the library already are such sentences;
 * the WebAssembly runtime's own failures are not. The usual cause of those in training
 * is the wasm heap (at most 4 GB) running out, so they get that advice, worded as the
 * likely cause rather than a certainty.
 */

/** True for the wasm runtime's own failures (a trap, an abort, an out-of-bounds access, a heap that cannot grow). */
export function isWasmMemoryFailure(err: Error): boolean {
  return err.name === 'RuntimeError' || /^Aborted\(|memory access out of bounds|Out of memory|Cannot enlarge memory/i.test(err.message);
}

/** The message to print after `error: `. */
export function errorMessage(err: Error): string {
  if (isWasmMemoryFailure(err)) {
    return (
      `the wasm backend failed (${err.message.split('\n')[0]}), most often because its heap (at most 4 GB) ran out; ` +
      'use a smaller preset or batch (--batch-size, --accumulation 1, or --set trainer.batchSize=N), or the tensorflow backend on a larger host.'
    );
  }
  return err.message;
}
