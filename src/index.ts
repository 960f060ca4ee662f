/**
 * data2vec-ts: composable data2vec 1.0 and 2.0 building blocks on TensorFlow.js.
 * Everything a notebook or script needs is exported from here, grouped as in `src/`.
 */

// Backends
export * from './backend/select';
export * from './backend/webgpu';
export * from './backend/wasm-kernels';
export * from './backend/batched-matmul';
export { rowKernelsActive, useRowKernels, registerRowKernels } from './backend/row-kernels';
export { headMatMul, headMatMulActive, useHeadMatMul, registerHeadMatMul } from './backend/head-matmul';
export { registerWebGpuRowKernels, WEBGPU_ROW_KERNEL_NAMES } from './backend/webgpu-row-kernels';
export {
  BestFitBufferPool,
  BufferFit,
  BufferPoolOptions,
  DEFAULT_BUFFER_FIT,
  EvictionOrder,
  installBufferPool,
  installedBufferPool,
  memoryBudgetMessage,
  webGpuBufferFit,
} from './backend/webgpu-buffer-pool';
export { DEVICE_MEMORY_FRACTION, deviceLocalMemory, parseMemoryLimit, requestedWebGpuMemoryLimit, webGpuMemoryLimit } from './backend/webgpu-memory-limit';
export { requestedThreads, defaultThreads } from './backend/matmul-threads';
export * from './backend/wasm-slice';
export * from './backend/device-random';
export * from './backend/broadcast-gradients';

// Utilities
export * from './util/rng';
export * from './util/pcg-stream';
export * from './util/ziggurat-normal';
export * from './util/atomic-write';
export * from './util/io-error';
export * from './util/stale-temp';
export * from './util/median';
export * from './util/package-root';

// Building blocks (spec §1)
export * from './nn/module';
export * from './nn/init';
export * from './nn/linear';
export * from './nn/matmul';
export * from './nn/matmul-row-blocks';
export * from './nn/layer-norm';
export * from './nn/batch-norm';
export * from './nn/activations';
export * from './nn/softmax';
export * from './nn/dropout';
export * from './nn/attention';
export * from './nn/attention-heads';
export * from './nn/feed-forward';
export * from './nn/transformer-block';
export * from './nn/transformer-encoder';
export * from './nn/patch-embed';
export * from './nn/positions';
export * from './nn/relative-position-bias';
export * from './nn/alibi';
export * from './nn/mask-token';
export * from './nn/conv-frames';
export * from './nn/conv1d';
export * from './nn/conv2d';
export * from './nn/decoder-1d';
export * from './nn/decoder-2d';
export * from './nn/decoders';
export * from './nn/gather-tokens';
export * from './nn/take-rows';
export * from './nn/host-copy';
export * from './nn/add-many';
export * from './nn/token-embedding';

// Masking (spec §2)
export * from './masking/index';

// data2vec core (spec §3–5)
export * from './data2vec/ema-schedule';
export * from './data2vec/ema-teacher';
export * from './data2vec/targets';
export * from './data2vec/losses';
export * from './data2vec/diagnostics';
export * from './train/collapse-guard';
export * from './nn/regression-head';
export * from './nn/lm-head';
export * from './data2vec/encoder-contract';
export * from './data2vec/data2vec-v1';
export * from './data2vec/data2vec-v2';
export * from './data2vec/v2-backbone';
export * from './data2vec/v2-context-encoder';
export * from './data2vec/v2-mask-info';

// Training (spec §6)
export * from './train/objective';
export * from './train/masked-token-loss';
export * from './train/adamw';
export * from './train/schedules';
export * from './train/grad-clip';
export * from './train/safetensors';
export * from './train/checkpoint';
export * from './train/metrics-log';
export * from './train/trainer';
export * from './train/nonfinite-guard';

// Evaluation
export * from './eval/features';
export * from './eval/linear-probe';
export * from './eval/probe-objective';
export * from './eval/minimize-lbfgs';
export * from './eval/minimize-adam';
export * from './eval/knn';
export * from './eval/pooled-features';
export * from './eval/layer-features';
export * from './eval/probe-selection';
export * from './eval/segment-features';
export * from './eval/explained-share';

// Data
export * from './data/batch-order';
export * from './data/idx';
export * from './data/image-dataset';
export * from './data/wav';
export * from './data/audio-dataset';
export * from './data/audio-batch';
export * from './data/tokenizer';
export * from './data/tokenizer-bpe';
export * from './data/tokenizer-ranks';
export * from './data/tokenizer-train';
export * from './data/tokenizer-presets';
export * from './data/text-dataset';
export * from './data/sense-dataset';
export * from './data/text-batch';
export * from './data/skip-log';
export * from './data/image-folder';
export * from './data/encode-image';
export * from './data/flac';
export * from './data/audio-folder';
export * from './data/text-corpus';
export * from './data/token-cache';
export * from './data/tar-shards';
export * from './data/streamed-source';
export * from './data/shard-epochs';
export * from './data/holdout-split';
export * from './data/worker-pool';
export * from './data/prefetch';
export * from './data/skipping-decoder';
export * from './data/streamed-batches';
export * from './util/drawn-samples';

// Modalities
export * from './modalities/config-schema';
export * from './modalities/image/encoder-v1';
export * from './modalities/image/augment';
export * from './modalities/image/image-batch';
export * from './modalities/image/presets-v1';
export * from './modalities/image/recipe-v1';
export * from './modalities/image/batches';
export * from './modalities/image/probe-subset';
export * from './modalities/image/colour-jitter';
export * from './modalities/image/image-transform';
export * from './modalities/image/image-stream';
export * from './modalities/image/shard-image-stream';
export * from './modalities/image/folder-data';
export * from './modalities/audio/decode-audio-file';
export * from './modalities/audio/audio-stream';
export * from './modalities/audio/shard-audio-stream';
export * from './modalities/audio/speech-corpus';
export * from './modalities/text/text-stream';
export * from './modalities/audio/encoder-v1';
export * from './modalities/audio/feature-extractor';
export * from './modalities/audio/length-batches';
export * from './modalities/audio/positional-conv';
export * from './modalities/audio/presets-v1';
export * from './modalities/audio/recipe-v1';
export * from './modalities/audio/batches';
export * from './modalities/audio/encoder-v2';
export * from './modalities/audio/masked-alibi-v2';
export * from './modalities/audio/presets-v2';
export * from './modalities/audio/recipe-v2';
export * from './modalities/image/encoder-v2';
export * from './modalities/image/presets-v2';
export * from './modalities/image/recipe-v2';
export * from './modalities/text/encoder-v1';
export * from './modalities/text/masked-batch-v1';
export * from './modalities/text/masked-lm';
export * from './modalities/text/presets-v1';
export * from './modalities/text/recipe-v1';
export * from './modalities/text/batches';
export * from './modalities/text/text-data';
export * from './modalities/text/text-embeddings';
export * from './modalities/text/text-rows';
export * from './modalities/text/document-features';
export * from './modalities/text/word-span';
export * from './modalities/text/sense-data';
export * from './modalities/text/encoder-v2';
export * from './nn/init-bert';
export * from './modalities/text/presets-v2';
export * from './modalities/text/random-mask-v2';
export * from './modalities/text/recipe-v2';

// Visualisation and notebook display
export * from './viz/plotly-bundle';
export * from './viz/figures';
export * from './viz/report';
export * from './viz/mask-svg';
export * from './viz/notebook-display';
export * from './viz/notebook-figures';
export * from './viz/notebook-plotly';
export * from './viz/notebook-table';
export * from './viz/notebook-tokens';

// Runs: pretrain, probe, bench, recipes
export * from './modalities/recipe';
export * from './modalities/define-recipe';
export * from './modalities/run-fractions';
export * from './modalities/preset-variant';
export * from './modalities/image';
export * from './modalities/audio';
export * from './modalities/text';
export * from './modalities/registry';
export * from './modalities/overrides';
export * from './run/pretrain';
export { interruptRunning } from './run/interrupt';
export * from './run/probe';
export * from './run/bench';
export * from './run/accuracy-curve';
export * from './run/probed-training';
export * from './run/learning-curves-file';
export * from './run/learning-curves-page';
export * from './run/flatness';
export * from './run/soak';
export * from './run/resident-memory';

// Fine-tuning: classifier, layer-wise LR decay, label smoothing, mixup/cutmix, the run
export * from './finetune/classifier';
export * from './finetune/layer-decay';
export * from './finetune/label-smoothing';
export * from './finetune/mixup';
export * from './finetune/settings';
export * from './finetune/objective';
export * from './finetune/evaluate';
export * from './finetune/data-kind';
export * from './finetune/finetune';
export * from './masking/time-mask';
export * from './finetune/probe-init';
export * from './finetune/batches';
export * from './modalities/image/labelled-split';
export * from './modalities/audio/labelled-split';
export * from './modalities/text/labelled-split';
export * from './run/flops';
export * from './run/kernel-profile';
// Hugging Face interop (import-hf, export-hf, encode)
export * from './hf/import-hf';
export * from './hf/export-hf';
export * from './hf/encode-hf';
export * from './hf/hf-folder';
export * from './hf/torch-pickle';
export * from './hf/hf-config';
export * from './hf/hf-modality';
export * from './hf/modalities';
export * from './hf/run-encoder';
export { visionHf } from './hf/vision';
export { audioHf } from './hf/audio';
export { textHf } from './hf/text';
export type { Layout, TensorMapping } from './hf/layouts';
export * from './run/bench-data';
export * as tf from '@tensorflow/tfjs';
