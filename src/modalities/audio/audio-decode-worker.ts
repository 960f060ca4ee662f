/** Worker-thread entry that decodes speech files (FLAC or WAV) to 16 kHz mono for `AudioStream`. */
import { serveJobs } from '../../data/worker-pool';
import { decodeAudioFile } from './decode-audio-file';

/** One decode job: the file and whether other rates are resampled. */
export interface AudioDecodeJob {
  file: string;
  resample: boolean;
}

serveJobs<AudioDecodeJob, Float32Array>(async (job) => {
  const samples = await decodeAudioFile(job.file, job.resample);
  return { result: samples, transfer: [samples.buffer as ArrayBuffer] };
});
