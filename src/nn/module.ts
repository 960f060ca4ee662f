/**
 * The parameter container every building block extends (spec §1; design
 * "weights others can read"): named parameters with HuggingFace-style dotted
 * names, child modules, train/eval mode, and which parameters skip weight decay.
 *
 * Forward passes are plain methods on subclasses; they allocate tensors and are
 * expected to run inside `tf.tidy` (the trainer does that).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';

export interface ParamOptions {
  /** Trained by the optimizer (default true). Fixed tables such as sin-cos positions are not. */
  trainable?: boolean;
  /** Subject to weight decay. Defaults to `rank >= 2` (biases, norms and other 1-D parameters are excluded, spec §6). */
  weightDecay?: boolean;
}

interface ParamEntry {
  variable: tf.Variable;
  trainable: boolean;
  weightDecay: boolean;
}

export class Module {
  /** Train mode enables dropout, drop-path and layerdrop. */
  training = true;
  private readonly paramEntries = new Map<string, ParamEntry>();
  private readonly childModules = new Map<string, Module>();

  /** Register a parameter; the module takes ownership of `value` (it is disposed). */
  protected addParam(name: string, value: tf.Tensor, options: ParamOptions = {}): tf.Variable {
    if (this.paramEntries.has(name) || this.childModules.has(name)) throw new Error(`duplicate member name "${name}"`);
    const trainable = options.trainable ?? true;
    const weightDecay = options.weightDecay ?? value.rank >= 2;
    const variable = tf.variable(value, trainable);
    value.dispose();
    this.paramEntries.set(name, { variable, trainable, weightDecay });
    return variable;
  }

  /** Register a child module under `name` and return it. */
  protected addChild<M extends Module>(name: string, module: M): M {
    if (this.paramEntries.has(name) || this.childModules.has(name)) throw new Error(`duplicate member name "${name}"`);
    this.childModules.set(name, module);
    return module;
  }

  /** Direct children, by name. */
  children(): [string, Module][] {
    return [...this.childModules.entries()];
  }

  /** Every module in the tree, with its dotted path ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.childModules) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** All parameters (trainable and fixed) with dotted names, depth-first in registration order. */
  namedParameters(prefix = ''): [string, tf.Variable][] {
    return this.namedParameterEntries(prefix).map(([n, e]) => [n, e.variable]);
  }

  /** Trainable parameters only. */
  namedTrainableParameters(prefix = ''): [string, tf.Variable][] {
    return this.namedParameterEntries(prefix)
      .filter(([, e]) => e.trainable)
      .map(([n, e]) => [n, e.variable]);
  }

  /**
   * Make every parameter whose dotted name starts with one of `prefixes` fixed: it
   * leaves `namedTrainableParameters`, so no gradient is computed for it and no
   * optimizer touches it (e.g. the speech CNN during fine-tuning). Returns how many
   * parameters were frozen.
   */
  freezeParameters(prefixes: readonly string[]): number {
    let frozen = 0;
    for (const [n, e] of this.namedParameterEntries('')) {
      if (e.trainable && prefixes.some((p) => n.startsWith(p))) {
        e.trainable = false;
        frozen++;
      }
    }
    return frozen;
  }

  /** Names of trainable parameters that weight decay must skip. */
  noWeightDecayNames(prefix = ''): Set<string> {
    return new Set(
      this.namedParameterEntries(prefix)
        .filter(([, e]) => e.trainable && !e.weightDecay)
        .map(([n]) => n),
    );
  }

  private namedParameterEntries(prefix: string): [string, ParamEntry][] {
    const out: [string, ParamEntry][] = [];
    for (const [name, entry] of this.paramEntries) out.push([prefix ? `${prefix}.${name}` : name, entry]);
    for (const [name, child] of this.childModules) out.push(...child.namedParameterEntries(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Number of scalar parameters (trainable ones unless `all`). */
  countParameters(all = false): number {
    const list = all ? this.namedParameters() : this.namedTrainableParameters();
    return list.reduce((n, [, v]) => n + v.size, 0);
  }

  /** Set train (true) or eval (false) mode on the whole tree. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /**
   * Give every stochastic layer in the tree (dropout, drop-path, layerdrop) a new
   * stream drawn from `rng`, in tree order. A trainer that reseeds from (seed, update)
   * before each step makes a resumed run identical to an uninterrupted one.
   */
  reseed(rng: Rng): void {
    for (const [, m] of this.namedModules()) m.onReseed(rng);
  }

  /** Override in stochastic layers to take a new random stream. */
  protected onReseed(_rng: Rng): void {
    /* deterministic by default */
  }

  /** Eval mode on the whole tree: no dropout, drop-path or layerdrop. */
  eval(): this {
    return this.train(false);
  }

  /** Copy every parameter value from `other`, which must have the same names and shapes. */
  copyFrom(other: Module): void {
    const src = new Map(other.namedParameters());
    for (const [name, v] of this.namedParameters()) {
      const s = src.get(name);
      if (s === undefined) throw new Error(`copyFrom: parameter "${name}" is missing in the source module.`);
      if (!tf.util.arraysEqual(s.shape, v.shape)) throw new Error(`copyFrom: "${name}" has shape [${s.shape}] in the source, [${v.shape}] here.`);
      v.assign(s);
    }
  }

  /** Values of every parameter, by dotted name (copies; the caller disposes). */
  stateDict(prefix = ''): Map<string, tf.Tensor> {
    return new Map(this.namedParameters(prefix).map(([n, v]) => [n, v.clone()]));
  }

  /** Assign values by dotted name; every parameter must be present with the same shape. */
  loadStateDict(values: Map<string, tf.Tensor>, prefix = ''): void {
    for (const [name, v] of this.namedParameters(prefix)) {
      const t = values.get(name);
      if (t === undefined) throw new Error(`checkpoint has no parameter "${name}"; was it written by a different model or preset?`);
      if (!tf.util.arraysEqual(t.shape, v.shape)) {
        throw new Error(`checkpoint parameter "${name}" has shape [${t.shape}] but the model expects [${v.shape}]; check the preset.`);
      }
      v.assign(t);
    }
  }

  /** Free every parameter's memory, and whatever each child module holds besides (its own `dispose`). */
  dispose(): void {
    for (const { variable } of this.paramEntries.values()) variable.dispose();
    for (const child of this.childModules.values()) child.dispose();
  }
}
