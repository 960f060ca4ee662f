import { expect } from 'chai';
import { lineFigure, trainingFigures, type MetricRow } from '../../src/viz/figures';

const rows: MetricRow[] = [
  { step: 10, loss: 2.5, target_var: 0.8, pred_var: 0.6, lr: 1e-4, ema_decay: 0.999, samples_per_sec: 120 },
  { step: 20, loss: 2.0, target_var: 0.5, pred_var: NaN, lr: 2e-4, ema_decay: 0.9992, samples_per_sec: 130 },
  { step: 30, loss: 1.5, target_var: 0.3, pred_var: 0.2, lr: 3e-4, ema_decay: 0.9994 },
];

describe('viz/figures', () => {
  it('lineFigure makes one trace per series with the given x, y and axis titles', () => {
    const fig = lineFigure({
      title: 'Two Lines!',
      x: [1, 2, 3],
      series: [
        { name: 'a', y: [1, 4, 9] },
        { name: 'b', y: new Float32Array([0.5, Infinity, 2]) },
      ],
      xTitle: 'epoch',
      yTitle: 'value',
      logY: true,
    });
    expect(fig.id).to.equal('two-lines');
    expect(fig.data.map((t) => t.name)).to.deep.equal(['a', 'b']);
    expect(fig.data[0]).to.deep.include({ type: 'scatter', mode: 'lines', x: [1, 2, 3], y: [1, 4, 9] });
    expect(fig.data[1].y).to.deep.equal([0.5, null, 2]);
    expect(fig.layout.title.text).to.equal('Two Lines!');
    expect(fig.layout.xaxis).to.deep.equal({ title: { text: 'epoch' }, type: 'linear' });
    expect(fig.layout.yaxis).to.deep.equal({ title: { text: 'value' }, type: 'log' });
    expect(fig.layout.showlegend).to.equal(true);
    expect(lineFigure({ title: 't', x: [0], series: [{ name: 'a', y: [1] }], xTitle: '', yTitle: '' }).layout.yaxis.type).to.equal('linear');
  });

  it('lineFigure rejects a series whose length differs from x, naming it', () => {
    expect(() => lineFigure({ title: 'T', x: [1, 2], series: [{ name: 'loss', y: [1] }], xTitle: '', yTitle: '' })).to.throw(
      "Series 'loss' of figure 'T' has 1 values but x has 2",
    );
  });

  it('trainingFigures builds loss, variance (+ threshold), lr, tau and throughput in order', () => {
    const figs = trainingFigures(rows);
    expect(figs.map((f) => f.id)).to.deep.equal(['loss', 'variance', 'lr', 'ema_decay', 'throughput']);
    const [loss, variance, lr, tau, throughput] = figs;
    expect(loss.data).to.have.length(1);
    expect(loss.data[0]).to.deep.include({ name: 'loss', x: [10, 20, 30], y: [2.5, 2.0, 1.5] });
    expect(loss.layout.xaxis.title.text).to.equal('step');
    expect(variance.data.map((t) => t.name)).to.deep.equal(['target_var', 'pred_var', 'collapse threshold (0.1)']);
    expect(variance.data[0].y).to.deep.equal([0.8, 0.5, 0.3]);
    expect(variance.data[1].y).to.deep.equal([0.6, null, 0.2]);
    expect(variance.data[2].x).to.deep.equal([10, 30]);
    expect(variance.data[2].y).to.deep.equal([0.1, 0.1]);
    expect(variance.data[2].line?.dash).to.equal('dash');
    expect(lr.data[0].y).to.deep.equal([1e-4, 2e-4, 3e-4]);
    expect(tau.data[0].y).to.deep.equal([0.999, 0.9992, 0.9994]);
    expect(tau.layout.title.text).to.contain('τ');
    expect(throughput.data[0]).to.deep.include({ name: 'samples_per_sec', y: [120, 130, null] });
    for (const f of figs) for (const t of f.data.slice(0, f.id === 'variance' ? 2 : 1)) expect(t.x).to.have.length(3);
  });

  it('uses the collapse threshold passed in', () => {
    const variance = trainingFigures(rows, { collapseThreshold: 0.01 }).find((f) => f.id === 'variance');
    expect(variance?.data[2].name).to.equal('collapse threshold (0.01)');
    expect(variance?.data[2].y).to.deep.equal([0.01, 0.01]);
  });

  it('skips figures whose columns are absent or all NaN, and uses the row number without step', () => {
    const partial: MetricRow[] = [
      { loss: 1, pred_var: 0.4, lr: NaN },
      { loss: 0.5, pred_var: 0.3, lr: NaN },
    ];
    const figs = trainingFigures(partial);
    expect(figs.map((f) => f.id)).to.deep.equal(['loss', 'variance']);
    expect(figs[0].data[0].x).to.deep.equal([0, 1]);
    expect(figs[0].layout.xaxis.title.text).to.equal('row');
    expect(figs[1].data.map((t) => t.name)).to.deep.equal(['pred_var', 'collapse threshold (0.1)']);
    expect(trainingFigures([])).to.deep.equal([]);
    expect(trainingFigures([{ step: 1 }, { step: 2 }])).to.deep.equal([]);
  });
});
