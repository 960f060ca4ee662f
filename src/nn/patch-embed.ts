/**
 * Patch embedding (spec §1.3: a conv with kernel = stride = patch size), written
 * as reshape + matMul, which is the same linear map and trains on every backend
 * (the wasm backend has no conv filter gradient). Images are NHWC; each patch is
 * flattened in (row, column, channel) order.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { Linear } from './linear';
import { Init } from './init';
import { Rng } from '../util/rng';

export interface PatchEmbedOptions {
  /** Image height and width in pixels. */
  imageSize: [number, number];
  patchSize: number;
  channels: number;
  dim: number;
  /** Default xavier uniform on the flattened weight (MAE `PatchEmbed`). */
  init?: Init;
}

export class PatchEmbed extends Module {
  readonly grid: [number, number];
  readonly proj: Linear;

  constructor(readonly options: PatchEmbedOptions, rng: Rng) {
    super();
    const [h, w] = options.imageSize;
    const p = options.patchSize;
    if (h % p !== 0 || w % p !== 0) throw new Error(`image size ${h}x${w} is not divisible by the patch size ${p}.`);
    this.grid = [h / p, w / p];
    this.proj = this.addChild('proj', new Linear(p * p * options.channels, options.dim, rng, { init: options.init ?? { kind: 'xavierUniform' } }));
  }

  get numPatches(): number {
    return this.grid[0] * this.grid[1];
  }

  /** [B, H, W, C] → [B, patches, p·p·C], patches in row-major grid order. */
  patchify(images: tf.Tensor): tf.Tensor {
    const [b, h, w, c] = images.shape;
    const p = this.options.patchSize;
    const [gh, gw] = this.grid;
    if (h !== this.options.imageSize[0] || w !== this.options.imageSize[1] || c !== this.options.channels) {
      throw new Error(`expected images of shape [B, ${this.options.imageSize[0]}, ${this.options.imageSize[1]}, ${this.options.channels}], got [${images.shape}].`);
    }
    return images.reshape([b * gh, p, gw, p * c]).transpose([0, 2, 1, 3]).reshape([b, gh * gw, p * p * c]);
  }

  /** [B, H, W, C] → [B, patches, dim]. */
  forward(images: tf.Tensor): tf.Tensor {
    return this.proj.forward(this.patchify(images));
  }
}
