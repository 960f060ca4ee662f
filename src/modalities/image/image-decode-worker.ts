/**
 * Worker-thread entry that decodes and augments images (`image-transform.ts`)
 * for `ImageStream`, one libvips thread per worker so that N workers use N cores.
 */
import sharp from 'sharp';
import { serveJobs } from '../../data/worker-pool';
import { Rng } from '../../util/rng';
import { ImageTransform, ImageView, transformImage } from './image-transform';

/** One decode job: a file (or its bytes, e.g. from a tar shard), the transform and the view's seed. */
export interface ImageDecodeJob {
  file: string;
  bytes?: Uint8Array;
  transform: ImageTransform;
  seed: string;
}

sharp.concurrency(1);
sharp.cache(false);
serveJobs<ImageDecodeJob, ImageView>(async (job) => {
  const view = await transformImage(job.bytes ?? job.file, job.transform, new Rng(job.seed), job.file);
  return { result: view, transfer: [view.pixels.buffer as ArrayBuffer] };
});
