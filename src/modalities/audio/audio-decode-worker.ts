/** Worker-thread entry that decodes speech files or shard members (FLAC or WAV) to 16 kHz mono for `AudioStream` and `ShardAudioStream`. */
import { serveJobs } from '../../data/worker-pool';
import { decodeAudioBytes, decodeAudioFile } from './decode-audio-file';

/** One decode job: the file (or a shard member's name and bytes) and whether other rates are resampled. */
export interface AudioDecodeJob {
  file: string;
  bytes?: Uint8Array;
  resample: boolean;
}

serveJobs<AudioDecodeJob, Float32Array>(async (job) => {
  const samples = job.bytes ? await decodeAudioBytes(job.bytes, job.file, job.resample) : await decodeAudioFile(job.file, job.resample);
  return { result: samples, transfer: [samples.buffer as ArrayBuffer] };
});
