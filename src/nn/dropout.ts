/**
 * Dropout and stochastic depth (drop-path), active only in train mode (spec §1.2,
 * §1.3; trap 4: the teacher runs in eval mode). Seeds come from an `Rng`, so a
 * seeded run is reproducible; dropout masks are made on the tensor's device
 * (`backend/device-random.ts`), the same bits on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { Rng } from '../util/rng';
import { hashDropout } from '../backend/device-random';

export class Dropout extends Module {
  constructor(readonly rate: number, private rng: Rng) {
    super();
    if (rate < 0 || rate >= 1) throw new Error(`dropout rate must be in [0, 1), got ${rate}.`);
  }

  protected override onReseed(rng: Rng): void {
    this.rng = rng.fork();
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.rate === 0) return x;
    return hashDropout(x, this.rate, this.rng.int32());
  }
}

/** Drop whole residual branches per sample (timm `DropPath`): x·keep/(1−p), keep ~ Bernoulli(1−p). */
export class DropPath extends Module {
  constructor(readonly rate: number, private rng: Rng) {
    super();
    if (rate < 0 || rate >= 1) throw new Error(`drop-path rate must be in [0, 1), got ${rate}.`);
  }

  protected override onReseed(rng: Rng): void {
    this.rng = rng.fork();
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.rate === 0) return x;
    const b = x.shape[0];
    const keep = new Float32Array(b);
    for (let i = 0; i < b; i++) keep[i] = this.rng.next() < this.rate ? 0 : 1 / (1 - this.rate);
    const shape = [b, ...x.shape.slice(1).map(() => 1)];
    return tf.mul(x, tf.tensor(keep, shape));
  }
}
