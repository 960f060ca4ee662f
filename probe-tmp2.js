require('./dist/test/helpers/micro-recipes');
const { initBackend } = require('./dist/src/backend/select');
const { MICRO_RECIPES, microRecipe } = require('./dist/test/helpers/micro-recipes');
const { Trainer } = require('./dist/src/train/trainer');
(async () => {
  await initBackend(process.argv[2]);
  for (const name of MICRO_RECIPES) {
    const { recipe, config } = microRecipe(name);
    const data = recipe.loadData(config);
    const t0 = Date.now();
    const s = recipe.build(config, data);
    const tr = new Trainer(s.objective, s.batches, config.trainer);
    const l = [];
    for (let i = 0; i < 2; i++) { const t1 = Date.now(); const row = await tr.step(); l.push(row.loss, Date.now() - t1); }
    tr.dispose(); s.objective.dispose();
    console.log(name, JSON.stringify(l), Date.now() - t0, 'ms', s.objective.countParameters());
  }
})().catch((e) => { console.error(e.message); process.exit(1); });
