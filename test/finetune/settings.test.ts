/**
 * Fine-tuning settings per modality (spec §6 "Fine-tuning recipes"): the settings
 * line names only what a run does. Text batches are the sentences as given, so the
 * text defaults carry no augmentation, the line says so, and asking for it is refused.
 */
import { expect } from 'chai';
import { describeSettings, finetuneSettings } from '../../src/finetune/settings';

describe('fine-tuning settings', () => {
  it('text has no training augmentation: the defaults and the settings line say so', () => {
    const text = finetuneSettings('text');
    expect(text.augment).to.equal(false);
    expect(describeSettings(text)).to.contain('no augmentation').and.not.contain('augmentation on');
    expect(describeSettings(finetuneSettings('image', { augment: true }))).to.contain('augmentation on');
  });

  it('refuses augmentation for text with one sentence naming the flag', () => {
    expect(() => finetuneSettings('text', { augment: true })).to.throw(/text has no training augmentation.*drop --augment/);
    expect(() => finetuneSettings('image', { augment: true })).not.to.throw();
  });
});
