/**
 * The HF classes this library maps, by modality and by `model_type`.
 */
import { HfModality, HfModalityName } from './hf-modality';
import { visionHf } from './vision';
import { audioHf } from './audio';
import { textHf } from './text';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const HF_MODALITIES: HfModality<any, any>[] = [visionHf, audioHf, textHf];

/** The mapping for a run's modality. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function hfModalityFor(modality: string): HfModality<any, any> {
  const m = HF_MODALITIES.find((x) => x.modality === modality);
  if (!m) throw new Error(`no Hugging Face class is mapped for modality "${modality}"; mapped: ${HF_MODALITIES.map((x) => x.modality).join(', ')}.`);
  return m;
}

/** The mapping for an HF `model_type`, or a one-line error naming `source`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function hfModalityForModelType(modelType: unknown, source: string): HfModality<any, any> {
  const m = HF_MODALITIES.find((x) => x.modelType === modelType);
  if (!m) {
    throw new Error(`${source} has model_type ${JSON.stringify(modelType)}, which is not a data2vec model; import-hf reads ${HF_MODALITIES.map((x) => `"${x.modelType}"`).join(', ')}.`);
  }
  return m;
}

export type { HfModalityName };
