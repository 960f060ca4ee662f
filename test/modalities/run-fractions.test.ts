/**
 * Schedules as fractions of the run: however `trainer.updates` is set (`--steps`,
 * `--set trainer.updates=…`), every schedule (LR warm-up and length, tri-stage hold
 * and decay, EMA anneal, checkpoint interval, collapse guard) follows, and the config
 * keeps both the fractions and the counts.
 */
import { expect } from 'chai';
import { listRecipes, getRecipe } from '../../src/modalities/registry';
import { BaseRunConfig } from '../../src/modalities/recipe';
import { fractionsOf } from '../../src/modalities/run-fractions';
import { applyOverrides } from '../../src/modalities/overrides';
import { variant } from '../../src/modalities/preset-variant';

type Config = BaseRunConfig & { data2vec: { ema: { annealUpdates: number } } };

/** The counts a config's fractions give for `updates`, computed here from the definition. */
function expectedCounts(c: Config, updates: number) {
  const f = c.fractions;
  const r = (x: number) => Math.round(x * updates);
  const s = c.trainer.schedule;
  return {
    warmup: s.kind === 'constant' ? undefined : r(f.warmup),
    hold: s.kind === 'tri_stage' ? r(f.hold!) : undefined,
    anneal: f.emaEnd > 0 ? Math.max(1, r(f.emaEnd)) : 0,
    checkpointEvery: f.checkpointEvery > 0 ? Math.max(1, r(f.checkpointEvery)) : 0,
    collapseAfter: r(f.collapseAfter),
  };
}

function actualCounts(c: Config) {
  const s = c.trainer.schedule;
  return {
    warmup: s.kind === 'constant' ? undefined : s.warmupUpdates,
    hold: s.kind === 'tri_stage' ? s.holdUpdates : undefined,
    anneal: c.data2vec.ema.annealUpdates,
    checkpointEvery: c.trainer.checkpointEvery,
    collapseAfter: c.trainer.collapse.afterUpdates,
  };
}

/** The update the LR schedule ends at (cosine/polynomial total, or warm-up + hold + decay). */
function scheduleLength(c: Config): number {
  const s = c.trainer.schedule;
  if (s.kind === 'cosine' || s.kind === 'polynomial') return s.totalUpdates;
  if (s.kind === 'tri_stage') return s.warmupUpdates + s.holdUpdates + s.decayUpdates;
  return c.trainer.updates;
}

describe('schedules as fractions of the run', () => {
  for (const recipe of listRecipes()) {
    for (const preset of recipe.presets) {
      it(`${recipe.modality} ${recipe.algo} ${preset}: --set trainer.updates=… moves every schedule as --steps does`, () => {
        const preset0 = recipe.config(preset) as Config;
        for (const updates of [7, 40, 3 * preset0.trainer.updates]) {
          const viaSet = recipe.config(preset, { set: { 'trainer.updates': String(updates) } }) as Config;
          const viaSteps = recipe.config(preset, { steps: updates }) as Config;
          expect(viaSet).to.deep.equal(viaSteps);
          expect(viaSet.trainer.updates).to.equal(updates);
          expect(viaSet.fractions).to.deep.equal(preset0.fractions);
          expect(actualCounts(viaSet)).to.deep.equal(expectedCounts(viaSet, updates));
          expect(scheduleLength(viaSet)).to.equal(updates);
        }
        // at the preset's own length the counts are the fractions' counts too
        expect(actualCounts(preset0)).to.deep.equal(expectedCounts(preset0, preset0.trainer.updates));
      });
    }
  }

  it('a fraction set with --set is resolved against the run length; the resolved counts cannot be set directly', () => {
    const image = getRecipe('image', 'v1');
    const c = image.config('tiny', { set: { 'trainer.updates': '200', 'fractions.warmup': '0.25', 'fractions.emaEnd': '0.5' } }) as Config;
    expect(c.trainer.schedule).to.include({ warmupUpdates: 50, totalUpdates: 200 });
    expect(c.data2vec.ema.annealUpdates).to.equal(100);
    expect(() => image.config('tiny', { set: { 'trainer.schedule.warmupUpdates': '5' } })).to.throw(
      '--set trainer.schedule.warmupUpdates: this count is resolved from fractions.warmup and trainer.updates; set fractions.warmup instead.',
    );
    expect(() => image.config('tiny', { set: { 'fractions.warmup': '3' } })).to.throw('fractions.warmup must be a number between 0 and 1 (a fraction of trainer.updates), got 3.');
    expect(() => image.config('tiny', { set: { 'trainer.updates': '0' } })).to.throw('trainer.updates must be a positive integer, got 0.');
  });

  it('a tri-stage run gives the decay what warm-up and hold leave; a config without fractions gets the ones its counts stand for', () => {
    const audio = getRecipe('audio', 'v1');
    const c = audio.config('tiny', { steps: 20 }) as Config;
    expect(c.trainer.schedule).to.deep.include({ kind: 'tri_stage', warmupUpdates: 1, holdUpdates: 18, decayUpdates: 1 });
    const legacy: Partial<Config> = structuredClone(audio.config('tiny'));
    delete legacy.fractions;
    expect(fractionsOf(legacy as Config)).to.deep.include({ emaEnd: 1, checkpointEvery: 0.25, collapseAfter: 0.5 });
    const longer = applyOverrides(legacy as Config, { set: { 'trainer.updates': '400' } });
    expect(actualCounts(longer)).to.deep.equal({ warmup: 12, hold: 360, anneal: 400, checkpointEvery: 100, collapseAfter: 200 });
    expect(longer.fractions).to.deep.equal(audio.config('tiny').fractions);
  });

  it('variant: nested fields merged, arrays and schedules of another kind replaced, the base untouched', () => {
    const base = { a: { x: 1, y: [1, 2] }, s: { kind: 'tri_stage', peakLr: 1, holdUpdates: 3 } as { kind: string; peakLr: number; holdUpdates?: number }, n: 2 };
    const v = variant(base, { a: { y: [3] }, s: { kind: 'cosine', peakLr: 2 } });
    expect(v).to.deep.equal({ a: { x: 1, y: [3] }, s: { kind: 'cosine', peakLr: 2 }, n: 2 });
    expect(base.a.y).to.deep.equal([1, 2]);
    expect(variant(base, { s: { peakLr: 5 } }).s).to.deep.equal({ kind: 'tri_stage', peakLr: 5, holdUpdates: 3 });
  });
});
