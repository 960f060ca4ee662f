/**
 * AdamW: Adam with decoupled weight decay (spec §6, trap 18).
 *
 * One update of a parameter p with gradient g at its t-th step (as in PyTorch
 * `torch.optim.AdamW` and fairseq `fairseq/optim/adam.py` `Adam.step`):
 *
 *   p ← p · (1 − lr·wd)                      (skipped for no-decay parameters)
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   p ← p − lr · (m / (1 − β1ᵗ)) / (sqrt(v / (1 − β2ᵗ)) + eps)      epsStyle 'torch'
 *   p ← p − lr · sqrt(1 − β2ᵗ)/(1 − β1ᵗ) · m / (sqrt(v) + eps)       epsStyle 'fairseq'
 *
 * The two styles differ only in where eps sits relative to the bias correction
 * (fairseq's form is the "efficient version" of the Adam paper; its eps is in
 * effect eps/sqrt(1 − β2ᵗ)). Each parameter counts its own steps, as both
 * references do, so a parameter that received no gradient for a while (frozen
 * during early fine-tuning) starts its bias correction afresh.
 *
 * Which parameters skip weight decay differs by reference (trap 18): fairseq v1
 * audio/text decay everything; fairseq v2 (`composite` optimizer) skips 1-D,
 * `.bias` and `alibi_scale`; data2vec_vision (`optim_factory.get_parameter_groups`)
 * skips 1-D, `.bias`, `pos_embed` and `cls_token`. See {@link NO_DECAY_PRESETS}.
 */
import * as tf from '@tensorflow/tfjs';
import { rowKernelsActive, runRowKernel } from '../backend/row-kernels';

/**
 * Says which parameters skip weight decay: either a predicate on the dotted name
 * and the parameter's rank, or a set of names (e.g. `Module.noWeightDecayNames()`).
 */
export type NoDecayRule = ((name: string, rank: number) => boolean) | ReadonlySet<string>;

/** Hyper-parameters of {@link AdamW}; the learning rate is passed to every `step`. */
export interface AdamWOptions {
  /** (β1, β2); default (0.9, 0.999). data2vec configs use (0.9, 0.98) (v1, v2 audio/text) or (0.9, 0.95) (v2 images). */
  betas?: [number, number];
  /** Added to the denominator; default 1e-8. fairseq data2vec configs use 1e-6. */
  eps?: number;
  /** Decoupled weight decay coefficient; default 0 (fairseq's default). */
  weightDecay?: number;
  /** Where eps sits relative to the second-moment bias correction; default 'torch' (see the file header). */
  epsStyle?: 'torch' | 'fairseq';
  /** Per-parameter LR multiplier (e.g. layer-wise LR decay for fine-tuning); default 1 for every parameter. Weight decay is scaled with it, as with timm parameter groups. */
  lrScale?: (name: string) => number;
}

interface ParamState {
  readonly param: tf.Variable;
  readonly decays: boolean;
  readonly lrScale: number;
  readonly expAvg: tf.Variable;
  readonly expAvgSq: tf.Variable;
  steps: number;
}

/**
 * Optimizer state as plain tensors: `exp_avg.<param>`, `exp_avg_sq.<param>` (float32)
 * and `step.<param>` (int32 scalar, for files), with the step counts also as host
 * numbers so that loading never reads a tensor back.
 */
export interface AdamWState {
  tensors: Map<string, tf.Tensor>;
  /** Number of `step` calls so far. */
  stepCount: number;
  /** Per-parameter step counts (`step.<param>` as numbers); a missing entry defaults to `stepCount`. */
  steps?: Map<string, number>;
}

/** AdamW over a fixed list of named variables; see the file header for the update rule. */
export class AdamW {
  private readonly states = new Map<string, ParamState>();
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly epsStyle: 'torch' | 'fairseq';
  private updates = 0;

  /**
   * @param params the trainable variables by dotted name (e.g. `module.namedTrainableParameters()`).
   * @param options hyper-parameters.
   * @param noDecay which parameters skip weight decay (a predicate or a name set).
   */
  constructor(params: [string, tf.Variable][], options: AdamWOptions, noDecay: NoDecayRule) {
    const [beta1, beta2] = options.betas ?? [0.9, 0.999];
    for (const [field, value] of [['betas[0]', beta1], ['betas[1]', beta2]] as const) {
      if (!(value >= 0 && value < 1)) throw new Error(`AdamW option ${field} must be in [0, 1), got ${value}.`);
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = options.eps ?? 1e-8;
    if (!(this.eps >= 0)) throw new Error(`AdamW option eps must be a non-negative number, got ${this.eps}.`);
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.weightDecay >= 0)) throw new Error(`AdamW option weightDecay must be a non-negative number, got ${this.weightDecay}.`);
    this.epsStyle = options.epsStyle ?? 'torch';
    const skipsDecay = typeof noDecay === 'function' ? noDecay : (name: string) => noDecay.has(name);
    for (const [name, param] of params) {
      if (this.states.has(name)) throw new Error(`AdamW was given two parameters named "${name}"; parameter names must be unique.`);
      if (param.dtype !== 'float32') throw new Error(`AdamW parameter "${name}" has dtype ${param.dtype}; only float32 parameters can be optimised.`);
      const lrScale = options.lrScale ? options.lrScale(name) : 1;
      if (!(lrScale >= 0 && Number.isFinite(lrScale))) throw new Error(`AdamW option lrScale("${name}") must be a finite number >= 0, got ${lrScale}.`);
      this.states.set(name, {
        param,
        decays: !skipsDecay(name, param.rank),
        lrScale,
        // inside tidy, so that the zero tensors the variables start from are freed
        expAvg: tf.tidy(() => tf.variable(tf.zerosLike(param), false)),
        expAvgSq: tf.tidy(() => tf.variable(tf.zerosLike(param), false)),
        steps: 0,
      });
    }
  }

  /** Number of `step` calls so far. */
  get stepCount(): number {
    return this.updates;
  }

  /** Names of the parameters that weight decay applies to, in parameter order. */
  decayedParameterNames(): string[] {
    return [...this.states].filter(([, s]) => s.decays).map(([n]) => n);
  }

  /**
   * One update. `grads` maps parameter names to gradients of the same shape;
   * parameters without an entry are left untouched (their step count does not
   * advance). `lr` is the learning rate for this update (from a schedule).
   */
  step(grads: Map<string, tf.Tensor>, lr: number): void {
    if (!(lr >= 0 && Number.isFinite(lr))) throw new Error(`AdamW.step: learning rate must be a finite number >= 0, got ${lr}.`);
    for (const [name, g] of grads) {
      const s = this.states.get(name);
      if (s === undefined) throw new Error(`AdamW.step got a gradient for "${name}", which is not one of the optimizer's parameters.`);
      if (!tf.util.arraysEqual(g.shape, s.param.shape)) {
        throw new Error(`AdamW.step: gradient for "${name}" has shape [${g.shape}] but the parameter has shape [${s.param.shape}].`);
      }
    }
    this.updates += 1;
    for (const [name, s] of this.states) {
      const g = grads.get(name);
      if (g === undefined) continue;
      s.steps += 1;
      this.updateOne(s, g, lr * s.lrScale);
    }
  }

  private updateOne(s: ParamState, g: tf.Tensor, lr: number): void {
    const bc1 = 1 - this.beta1 ** s.steps;
    const bc2 = 1 - this.beta2 ** s.steps;
    if (s.param.dtype === 'float32' && g.dtype === 'float32' && rowKernelsActive()) {
      // the same operations in one wasm kernel, bit-identical (src/backend/row-kernels.ts)
      const torch = this.epsStyle === 'torch';
      tf.tidy(() => {
        const [param, expAvg, expAvgSq] = runRowKernel('D2vAdamW', { param: s.param, grad: g, expAvg: s.expAvg, expAvgSq: s.expAvgSq }, {
          beta1: this.beta1, beta2: this.beta2,
          decay: s.decays && this.weightDecay !== 0 ? 1 - lr * this.weightDecay : 1,
          scale: torch ? lr / bc1 : (lr * Math.sqrt(bc2)) / bc1,
          div: torch ? Math.sqrt(bc2) : 1,
          eps: this.eps,
        });
        s.expAvg.assign(expAvg);
        s.expAvgSq.assign(expAvgSq);
        s.param.assign(param);
      });
      return;
    }
    tf.tidy(() => {
      const m = tf.add(tf.mul(s.expAvg, this.beta1), tf.mul(g, 1 - this.beta1));
      const v = tf.add(tf.mul(s.expAvgSq, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
      const decayed = s.decays && this.weightDecay !== 0 ? tf.mul(s.param, 1 - lr * this.weightDecay) : s.param;
      let update: tf.Tensor;
      if (this.epsStyle === 'torch') {
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), this.eps);
        update = tf.div(tf.mul(m, lr / bc1), denom);
      } else {
        const denom = tf.add(tf.sqrt(v), this.eps);
        update = tf.div(tf.mul(m, (lr * Math.sqrt(bc2)) / bc1), denom);
      }
      s.expAvg.assign(m);
      s.expAvgSq.assign(v);
      s.param.assign(tf.sub(decayed, update));
    });
  }

  /** Copies of the moments and per-parameter step counts (the caller disposes the tensors). */
  stateDict(): AdamWState {
    const tensors = new Map<string, tf.Tensor>();
    const steps = new Map<string, number>();
    for (const [name, s] of this.states) {
      tensors.set(`exp_avg.${name}`, s.expAvg.clone());
      tensors.set(`exp_avg_sq.${name}`, s.expAvgSq.clone());
      tensors.set(`step.${name}`, tf.scalar(s.steps, 'int32'));
      steps.set(name, s.steps);
    }
    return { tensors, stepCount: this.updates, steps };
  }

  /**
   * Restore moments and step counts saved by {@link stateDict}. Every parameter
   * needs `exp_avg.<name>` and `exp_avg_sq.<name>` of its shape; its step count is
   * `steps.get(name)`, defaulting to `stepCount` (the `step.<name>` tensors are not
   * read). Tensors for unknown names are ignored.
   * The given tensors are copied, not taken over.
   */
  loadStateDict(state: AdamWState): void {
    if (!(Number.isInteger(state.stepCount) && state.stepCount >= 0)) {
      throw new Error(`AdamW optimizer state has stepCount ${state.stepCount}; expected a non-negative integer.`);
    }
    const checked: [ParamState, tf.Tensor, tf.Tensor, number][] = [];
    for (const [name, s] of this.states) {
      const [m, v] = ['exp_avg', 'exp_avg_sq'].map((kind) => {
        const t = state.tensors.get(`${kind}.${name}`);
        if (t === undefined) throw new Error(`optimizer state has no "${kind}.${name}"; was it saved for a different model?`);
        if (!tf.util.arraysEqual(t.shape, s.param.shape)) {
          throw new Error(`optimizer state "${kind}.${name}" has shape [${t.shape}] but the parameter has shape [${s.param.shape}].`);
        }
        return t;
      });
      const steps = state.steps?.get(name) ?? state.stepCount;
      if (!(Number.isInteger(steps) && steps >= 0)) throw new Error(`optimizer state "step.${name}" is ${steps}; expected a non-negative integer.`);
      checked.push([s, m, v, steps]);
    }
    for (const [s, m, v, steps] of checked) {
      tf.tidy(() => {
        s.expAvg.assign(tf.cast(m, 'float32'));
        s.expAvgSq.assign(tf.cast(v, 'float32'));
      });
      s.steps = steps;
    }
    this.updates = state.stepCount;
  }

  /** Free the moment buffers (the parameters belong to the caller). */
  dispose(): void {
    for (const s of this.states.values()) {
      s.expAvg.dispose();
      s.expAvgSq.dispose();
    }
    this.states.clear();
  }
}

/**
 * The usual weight-decay exclusions: parameters of rank ≤ 1, names ending in
 * `.bias`, and names in `extra`. An `extra` entry matches a name equal to it or
 * ending in `.<entry>` (so `cls_token` matches `embeddings.cls_token`).
 */
export function defaultNoDecay(extra: readonly string[] = []): (name: string, rank: number) => boolean {
  return (name, rank) =>
    rank <= 1 || name === 'bias' || name.endsWith('.bias') || extra.some((e) => name === e || name.endsWith(`.${e}`));
}

/**
 * Weight-decay exclusions of the reference implementations (trap 18):
 * - `decayAll`: fairseq v1 audio/text and plain fairseq `adam` (v2 base audio): every parameter decays.
 * - `fairseqV2`: fairseq data2vec 2.0 under the `composite` optimizer: 1-D, `.bias`, `alibi_scale`.
 * - `beitV1`: data2vec_vision (BEiT `get_parameter_groups`): 1-D, `.bias`, `pos_embed`, `cls_token`.
 */
export const NO_DECAY_PRESETS = {
  decayAll: (() => false) as (name: string, rank: number) => boolean,
  fairseqV2: defaultNoDecay(['alibi_scale']),
  beitV1: defaultNoDecay(['pos_embed', 'cls_token']),
} as const;
