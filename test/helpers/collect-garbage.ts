/**
 * A full garbage collection from inside a test, without restarting node with
 * --expose-gc: memory tests sample resident memory after it, so they measure what is
 * still referenced rather than what a lazy collector has not freed yet.
 */
import * as v8 from 'v8';
import * as vm from 'vm';

v8.setFlagsFromString('--expose-gc');

/** Run the collector now. */
export const collectGarbage = vm.runInNewContext('gc') as () => void;
