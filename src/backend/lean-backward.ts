/**
 * A backward pass that frees memory as it goes (spec §6: one optimizer update is
 * one forward and one backward pass of the student; nothing in it needs the
 * gradient of a tensor after that tensor's producing op has been differentiated).
 *
 * TensorFlow.js 4.22's `engine.gradients` keeps, until the whole backward pass
 * ends, (1) the gradient of every intermediate tensor and (2) every tensor the
 * forward ops saved for their gradients. So the peak of an update is roughly
 * "all saved activations + a gradient for each of them", about twice what the
 * activations need: measured 2.0 GB of new allocations for one `small` image v1
 * update at batch 16 on wasm (see the README, "CPU performance").
 *
 * `installLeanBackward` replaces `engine.gradients` with the same algorithm
 * (tape filtered to the nodes between the sources and the result, walked in
 * reverse, gradients accumulated by `add`) that, after each node, disposes
 * the gradients of the node's outputs (all their consumers came later on the
 * tape, so they are complete and consumed) and the tensors the node saved.
 * Results are bit-identical to the original: the same kernels run in the same
 * order; only disposal moves earlier. Higher-order gradients (a gradient taken
 * inside another) keep the original path, which must keep the tape alive.
 *
 * It also releases, as soon as the op runs, what ops save for their gradient
 * only to read a shape (`Add`, `Sub`, `Reshape`, `Mean`, `Sum`, `ExpandDims`,
 * `Slice`, `Concat`: tfjs-core's gradients of these read `.shape` of the saved
 * inputs and nothing else). Saving keeps the input's storage alive, so every
 * bias add and residual add kept both its inputs: about 30 % of the saved
 * activations of a `small` image v1 update. A disposed tensor keeps its shape,
 * which is all those gradients read.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of a tape node (tfjs-core `tape.ts`) used here. */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

/** The parts of tfjs-core's `Engine` used here. */
interface EngineInternals {
  addTapeNode(kernelName: string, inputs: unknown, outputs: unknown, gradientsFunc: unknown, saved: tf.Tensor[], attrs: unknown): void;
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  gradients: GradientsFn;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
}

type GradientsFn = (
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients?: boolean,
) => { value: tf.Tensor; grads: tf.Tensor[] };

/**
 * The tape nodes on a path from some `xs` to `y`, in tape order, each with only
 * the inputs that depend on `xs` (the same filter as tfjs-core's `getFilteredNodesXToY`).
 */
export function nodesBetween(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      node.outputs.forEach((o) => fromX.add(o.id));
      nodesFromX.add(node.id);
    }
  }
  const toY = new Set<number>([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const t of Object.values(node.inputs)) toY.add(t.id);
      nodesToY.add(node.id);
    }
  }
  const out: TapeNode[] = [];
  for (const node of tape) {
    if (!nodesFromX.has(node.id) || !nodesToY.has(node.id)) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(node.inputs)) if (fromX.has(t.id)) inputs[name] = t;
    out.push({ ...node, inputs });
  }
  return out;
}

/**
 * Walk `nodes` backward from the gradients in `grads` (tensor id → gradient),
 * accumulating into `grads`, and free each node's output gradients and saved
 * tensors once the node is done. Gradients of the ids in `keep` and the tensor
 * objects in `protect` are never freed.
 */
function backpropagateFreeing(
  grads: Map<number, tf.Tensor>,
  nodes: TapeNode[],
  keep: Set<number>,
  protect: Set<tf.Tensor>,
  tidy: (f: () => tf.Tensor) => tf.Tensor,
): void {
  // How many map entries hold each gradient object (a gradient function may pass dy through).
  const holders = new Map<tf.Tensor, number>();
  const hold = (t: tf.Tensor, d: number) => holders.set(t, (holders.get(t) ?? 0) + d);
  grads.forEach((g) => hold(g, 1));
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    const dys = node.outputs.map((o) => grads.get(o.id) ?? null);
    if (node.gradient == null) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
    const inputGradients = node.gradient(dys);
    for (const [name, x] of Object.entries(node.inputs)) {
      if (!(name in inputGradients)) {
        throw new Error(`Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGradients)}.`);
      }
      const dx = tidy(() => inputGradients[name]());
      if (dx.dtype !== 'float32') {
        throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`);
      }
      if (!tf.util.arraysEqual(dx.shape, x.shape)) {
        throw new Error(
          `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`,
        );
      }
      const current = grads.get(x.id);
      if (current === undefined) {
        grads.set(x.id, dx);
        hold(dx, 1);
      } else {
        const sum = tf.add(current, dx);
        grads.set(x.id, sum);
        hold(sum, 1);
        hold(current, -1);
        if (holders.get(current) === 0 && !protect.has(current)) current.dispose();
        if ((holders.get(dx) ?? 0) === 0 && !protect.has(dx)) dx.dispose();
      }
    }
    for (const o of node.outputs) {
      const g = grads.get(o.id);
      if (g === undefined || keep.has(o.id)) continue;
      grads.delete(o.id);
      hold(g, -1);
      if (holders.get(g) === 0 && !protect.has(g)) g.dispose();
    }
    node.saved?.forEach((t) => t.dispose());
  }
}

/** Kernels whose tfjs-core gradient reads only the `.shape` of the tensors it saved. */
export const SHAPE_ONLY_SAVES: ReadonlySet<string> = new Set(['Add', 'Sub', 'Reshape', 'Mean', 'Sum', 'ExpandDims', 'Slice', 'Concat']);

let original: GradientsFn | undefined;
let originalAddTapeNode: EngineInternals['addTapeNode'] | undefined;

/**
 * Make every first-order `tf.grad`/`tf.grads`/`tf.variableGrads`/`optimizer.minimize`
 * free gradients and saved activations as the backward pass goes (see the file
 * header). Safe to call many times; {@link uninstallLeanBackward} restores the original.
 */
export function installLeanBackward(): void {
  if (original !== undefined) return;
  const engine = tf.engine() as unknown as EngineInternals;
  original = engine.gradients;
  const fallback = original;
  const addTapeNode = engine.addTapeNode;
  originalAddTapeNode = addTapeNode;
  engine.addTapeNode = function releaseShapeOnlySaves(this: EngineInternals, kernelName, inputs, outputs, gradientsFunc, saved, attrs) {
    addTapeNode.call(this, kernelName, inputs, outputs, gradientsFunc, saved, attrs);
    if (SHAPE_ONLY_SAVES.has(kernelName)) saved?.forEach((t) => t.dispose());
  };
  engine.gradients = function leanGradients(this: EngineInternals, f, xs, dy, allowNoGradients = false) {
    // Inside another gradient (higher order) the tape must outlive this call.
    if (this.state.gradientDepth > 0) return fallback.call(this, f, xs, dy, allowNoGradients);
    tf.util.assert(xs.length > 0, () => 'gradients() received an empty list of xs.');
    if (dy != null && dy.dtype !== 'float32') throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
    const y = this.scopedRun(() => this.startTape(), () => this.endTape(), () => this.tidy('forward', f));
    tf.util.assert(y instanceof tf.Tensor, () => 'The result y returned by f() must be a tensor.');
    const tape = this.state.activeTape ?? [];
    const nodes = nodesBetween(tape, xs, y);
    if (!allowNoGradients && nodes.length === 0 && xs.length > 0) {
      throw new Error('Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all operations that lead from x to y.');
    }
    return this.tidy('backward', () => {
      const seed = dy ?? tf.ones(y.shape);
      const grads = new Map<number, tf.Tensor>([[y.id, seed]]);
      const keep = new Set<number>(xs.map((x) => x.id));
      const protect = new Set<tf.Tensor>(dy ? [dy] : []);
      backpropagateFreeing(grads, nodes, keep, protect, (g) => this.tidy(g));
      const result = xs.map((x) => grads.get(x.id) as tf.Tensor);
      tape.forEach((node) => node.saved?.forEach((t) => t.dispose()));
      this.state.activeTape = null;
      return { value: y, grads: result };
    }) as unknown as { value: tf.Tensor; grads: tf.Tensor[] };
  };
}

/** Restore tfjs's own `engine.gradients`. */
export function uninstallLeanBackward(): void {
  if (original === undefined) return;
  const engine = tf.engine() as unknown as EngineInternals;
  engine.gradients = original;
  if (originalAddTapeNode !== undefined) engine.addTapeNode = originalAddTapeNode;
  original = undefined;
  originalAddTapeNode = undefined;
}

/** Whether {@link installLeanBackward} is in effect. */
export function leanBackwardInstalled(): boolean {
  return original !== undefined;
}
