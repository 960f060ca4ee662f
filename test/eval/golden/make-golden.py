"""Reference values for test/eval/golden.test.ts, computed with PyTorch (float64).

- kNN: DINO's `knn_classifier` (eval_knn.py): L2-normalised features, cosine
  similarity, top-k, votes exp(sim / T), argmax.
- Linear probe: the minimum of mean cross-entropy + (wd / 2)·‖W‖² on features
  standardised with the train split's mean and population std, found by
  torch.optim.LBFGS (strong Wolfe) to a gradient tolerance of 1e-10.

Run: /usr/bin/python3 make-golden.py > probes.json
"""
import json

import numpy as np
import torch

rng = np.random.default_rng(7)
n_train, n_test, dim, classes = 240, 60, 5, 3
centres = rng.normal(0, 1.5, size=(classes, dim))
scales = np.array([1.0, 10.0, 0.1, 3.0, 1.0])  # unequal feature scales, so standardisation matters
offsets = np.array([0.0, 5.0, -2.0, 0.0, 1.0])


def sample(n):
    y = rng.integers(0, classes, size=n)
    x = (centres[y] + rng.normal(0, 1.0, size=(n, dim))) * scales + offsets
    return np.round(x, 4).astype(np.float32), y


xtr, ytr = sample(n_train)
xte, yte = sample(n_test)

k, T = 7, 0.07
trf = torch.nn.functional.normalize(torch.tensor(xtr, dtype=torch.float64), dim=1, p=2)
tef = torch.nn.functional.normalize(torch.tensor(xte, dtype=torch.float64), dim=1, p=2)
sim, idx = (tef @ trf.t()).topk(k, largest=True, sorted=True)
votes = torch.nn.functional.one_hot(torch.tensor(ytr)[idx], classes).double() * (sim / T).exp().unsqueeze(2)
knn_pred = votes.sum(1).argmax(1).numpy()

wd = 0.05
x64 = xtr.astype(np.float64)
mean, std = x64.mean(0), x64.std(0)
X = torch.tensor((x64 - mean) / std)
Xt = torch.tensor((xte.astype(np.float64) - mean) / std)
Y = torch.tensor(ytr)
W = torch.zeros(dim, classes, dtype=torch.float64, requires_grad=True)
b = torch.zeros(classes, dtype=torch.float64, requires_grad=True)
opt = torch.optim.LBFGS([W, b], lr=1, max_iter=5000, tolerance_grad=1e-10, tolerance_change=1e-14,
                        history_size=20, line_search_fn='strong_wolfe')


def closure():
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(X @ W + b, Y) + 0.5 * wd * (W ** 2).sum()
    loss.backward()
    return loss


opt.step(closure)
loss = closure().item()
with torch.no_grad():
    lp_pred = (Xt @ W + b).argmax(1).numpy()

print(json.dumps({
    'numClasses': classes, 'dim': dim, 'k': k, 'temperature': T, 'weightDecay': wd,
    'train': {'x': [float(v) for v in xtr.ravel()], 'y': ytr.tolist()},
    'test': {'x': [float(v) for v in xte.ravel()], 'y': yte.tolist()},
    'knnPredictions': knn_pred.tolist(),
    'probeLoss': loss,
    'probePredictions': lp_pred.tolist(),
    'probeWeights': W.detach().numpy().ravel().tolist(),
    'probeBias': b.detach().numpy().tolist(),
}))
