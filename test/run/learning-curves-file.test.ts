/**
 * The learning-curves file and its page: the schema accepts a well-formed file and
 * names the first bad field of a broken one; the page is self-contained (the data
 * and plotly.js inline, no network URL) with one chart per modality, the curves, the
 * random-init lines and the raw-input line.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LEARNING_CURVES_SCHEMA, LearningCurvesFile, checkLearningCurves } from '../../src/run/learning-curves-file';
import { learningCurveFigures, renderLearningCurves, writeLearningCurves } from '../../src/run/learning-curves-page';
import { plotlyScriptTag } from '../../src/viz/plotly-bundle';
import { scriptJson } from '../../src/viz/report';

function sample(): LearningCurvesFile {
  const run = (init: number, last: number, seconds: number) => ({
    preset: 'tiny', schedule_updates: 100, updates: 90, train_seconds: seconds, probe_seconds: 12, batch_size: 32, views_per_sample: 8, median_step_ms: 1000,
    random_init_accuracy: init, best_accuracy: last, seconds_to_raw_input: null,
    probes: [
      { update: 0, seconds: 0, cpu_seconds: 0, accuracy: init, weight_decay: 1e-4 },
      { update: 90, seconds, cpu_seconds: seconds * 1.1, accuracy: last, weight_decay: 1e-2 },
    ],
  });
  return {
    schema: LEARNING_CURVES_SCHEMA, date: '2026-12-04T08:00:00.000Z', machine: '2 × test CPU', command: 'node dist/bench/learning-curves.js --minutes 1', backend: 'wasm',
    budget_seconds: 60, probe_every_seconds: 5,
    modalities: {
      image: { task: 'labels', probe: 'linear probe', raw_input: { accuracy: 0.814, weight_decay: 1e-4 }, runs: { v1: run(0.5412, 0.6123, 61.5), v2: run(0.7001, 0.7345, 60.2) } },
      audio: { task: 'labels', probe: 'linear probe, 3 segments', raw_input: null, runs: { v2: run(0.35, 0.55, 59) } },
    },
  };
}

describe('learning-curves file and page', () => {
  it('accepts a well-formed file and round-trips it through JSON', () => {
    const f = sample();
    expect(checkLearningCurves(JSON.parse(JSON.stringify(f)))).to.deep.equal(f);
  });

  it('names the first bad field of a broken file', () => {
    const bad = sample() as unknown as { modalities: { image: { runs: { v1: { probes: { accuracy: number }[] } } } } };
    bad.modalities.image.runs.v1.probes[1].accuracy = 1.5;
    expect(() => checkLearningCurves(bad, 'curves.json')).to.throw(/curves\.json has a bad field modalities\.image\.runs\.v1\.probes\.1\.accuracy: /);
    const wrongSchema = { ...sample(), schema: 'other@1' };
    expect(() => checkLearningCurves(wrongSchema)).to.throw(/bad field schema/);
    const unknownAlgo = sample() as unknown as { modalities: { image: { runs: Record<string, unknown> } } };
    unknownAlgo.modalities.image.runs.v3 = unknownAlgo.modalities.image.runs.v1;
    expect(() => checkLearningCurves(unknownAlgo)).to.throw(/bad field modalities\.image\.runs/);
  });

  it('draws per modality a curve per algorithm, a random-init line per algorithm and the raw-input line where there is one', () => {
    const figs = learningCurveFigures(sample());
    expect(figs.map((f) => f.id)).to.deep.equal(['curves-image', 'curves-audio']);
    const image = figs[0].data;
    expect(image.map((t) => t.name)).to.deep.equal(['data2vec 1.0 (v1)', 'data2vec 2.0 (v2)', 'v1 random init (54.1 %)', 'v2 random init (70.0 %)', 'raw input (81.4 %)']);
    expect(image[1].x).to.deep.equal([0, 60.2]);
    expect(image[1].y).to.deep.equal([0.7001, 0.7345]);
    // horizontal lines span the whole x range (the longer of the budget and the runs)
    expect(image[4]).to.include({ mode: 'lines' });
    expect(image[4].x).to.deep.equal([0, 61.5]);
    expect(image[4].y).to.deep.equal([0.814, 0.814]);
    expect(figs[1].data.map((t) => t.name)).to.deep.equal(['data2vec 2.0 (v2)', 'v2 random init (35.0 %)']);
  });

  it('writes a self-contained page: the data and plotly.js inline, no network URL', () => {
    const f = sample();
    const html = renderLearningCurves(f);
    expect(html.split(plotlyScriptTag())).to.have.length(2);
    const page = html.replace(plotlyScriptTag(), '');
    expect(page).to.not.match(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(page).to.contain("default-src 'none'");
    for (const fig of learningCurveFigures(f)) expect(page).to.contain(scriptJson(fig.data));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'curves-'));
    const file = path.join(dir, 'sub', 'curves.html');
    expect(writeLearningCurves(file, f)).to.equal(Buffer.byteLength(fs.readFileSync(file, 'utf8')));
    expect(fs.readdirSync(path.dirname(file))).to.deep.equal(['curves.html']);
    expect(() => renderLearningCurves({ ...f, budget_seconds: -1 })).to.throw(/bad field budget_seconds/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('learning-curves file: the probe task', () => {
  it('refuses an @2 file whose modality does not say what its probe classified, and reads an @1 file as labels everywhere', () => {
    const noTask = sample() as unknown as { modalities: { audio: { task?: string } } };
    delete noTask.modalities.audio.task;
    expect(() => checkLearningCurves(noTask, 'curves.json')).to.throw(/^curves\.json has a bad field modalities\.audio\.task: /);
    const unknownTask = sample() as unknown as { modalities: { audio: { task: string } } };
    unknownTask.modalities.audio.task = 'gloss';
    expect(() => checkLearningCurves(unknownTask)).to.throw(/bad field modalities\.audio\.task/);
    const v1 = JSON.parse(JSON.stringify(sample())) as { schema: string; modalities: Record<string, { task?: string }> };
    v1.schema = 'data2vec-ts/learning-curves@1';
    for (const m of Object.values(v1.modalities)) delete m.task;
    const read = checkLearningCurves(v1);
    expect(read.schema).to.equal(LEARNING_CURVES_SCHEMA);
    expect(Object.values(read.modalities).map((m) => m.task)).to.deep.equal(['labels', 'labels']);
  });

  it('names the probe task in each chart title and axis, and in the summary', () => {
    const f = sample();
    f.modalities = { text: { ...f.modalities.audio, task: 'sense' }, image: f.modalities.image };
    const figs = learningCurveFigures(f);
    const titles = figs.map((g) => (g.layout as { title: { text: string } }).title.text);
    expect(titles).to.deep.equal(['text: linear-probe accuracy (word sense in context, at the word) against training time', 'image: linear-probe accuracy (image labels) against training time']);
    expect((figs[0].layout as { yaxis: { title: { text: string } } }).yaxis.title.text).to.equal('test accuracy: word sense in context, at the word');
    expect(renderLearningCurves(f)).to.contain('sense (word sense in context, at the word)');
    f.modalities.text.task = 'labels';
    expect((learningCurveFigures(f)[0].layout as { title: { text: string } }).title.text).to.contain('(supersense of the gloss, mean over tokens)');
  });
});
