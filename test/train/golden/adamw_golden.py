"""Golden numbers for test/train/adamw.test.ts.

Runs torch.optim.AdamW (PyTorch 1.13, Debian python3-torch) on a 2x3 weight with
weight decay and a length-3 bias without, for three updates with fixed gradients
and per-update learning rates. The bias gets no gradient on the second update,
so its own step count lags (bias correction uses it). A second run transcribes
fairseq's `fairseq/optim/adam.py` `Adam.step` update (eps added to the
uncorrected sqrt(v), step size lr*sqrt(1-b2^t)/(1-b1^t)) in float32 torch ops.

Usage: /usr/bin/python3 test/train/golden/adamw_golden.py
Prints TypeScript constants to paste into the test.
"""
import math

import torch

W0 = [[0.5, -0.25, 1.0], [-1.5, 0.75, 0.1]]
B0 = [0.2, -0.1, 0.05]
GRADS_W = [
    [[0.5, -1.0, 2.0], [0.01, -0.3, 0.0]],
    [[-0.2, 0.4, 1.0], [0.3, 0.3, -0.05]],
    [[0.1, -0.1, -3.0], [0.02, -0.6, 0.5]],
]
GRADS_B = [[1.0, -0.5, 0.25], None, [-0.3, 0.2, 0.8]]
LRS = [1e-2, 5e-3, 2e-2]
BETAS = (0.9, 0.98)
EPS = 1e-6
WD = 0.1


def run_torch():
    w = torch.tensor(W0, dtype=torch.float32, requires_grad=True)
    b = torch.tensor(B0, dtype=torch.float32, requires_grad=True)
    opt = torch.optim.AdamW(
        [{"params": [w], "weight_decay": WD}, {"params": [b], "weight_decay": 0.0}],
        lr=LRS[0], betas=BETAS, eps=EPS,
    )
    out = []
    for gw, gb, lr in zip(GRADS_W, GRADS_B, LRS):
        for group in opt.param_groups:
            group["lr"] = lr
        w.grad = torch.tensor(gw, dtype=torch.float32)
        b.grad = None if gb is None else torch.tensor(gb, dtype=torch.float32)
        opt.step()
        out.append((w.detach().clone(), b.detach().clone()))
    return out


def run_fairseq_style():
    w = torch.tensor(W0, dtype=torch.float32)
    b = torch.tensor(B0, dtype=torch.float32)
    state = {"w": [0, torch.zeros_like(w), torch.zeros_like(w)], "b": [0, torch.zeros_like(b), torch.zeros_like(b)]}
    out = []
    for gw, gb, lr in zip(GRADS_W, GRADS_B, LRS):
        for key, p, g, wd in (("w", w, gw, WD), ("b", b, gb, 0.0)):
            if g is None:
                continue
            g = torch.tensor(g, dtype=torch.float32)
            st = state[key]
            st[0] += 1
            st[1].mul_(BETAS[0]).add_(g, alpha=1 - BETAS[0])
            st[2].mul_(BETAS[1]).addcmul_(g, g, value=1 - BETAS[1])
            denom = st[2].sqrt().add(EPS)
            bc1 = 1 - BETAS[0] ** st[0]
            bc2 = 1 - BETAS[1] ** st[0]
            step_size = lr * math.sqrt(bc2) / bc1
            if wd != 0:
                p.add_(p, alpha=-wd * lr)
            p.addcdiv_(st[1], denom, value=-step_size)
        out.append((w.clone(), b.clone()))
    return out


def fmt(t):
    return "[" + ", ".join(repr(float(x)) for x in t.flatten().tolist()) + "]"


for name, results in (("TORCH_ADAMW", run_torch()), ("FAIRSEQ_ADAM", run_fairseq_style())):
    print(f"const {name}: {{ w: number[]; b: number[] }}[] = [")
    for w, b in results:
        print(f"  {{ w: {fmt(w)}, b: {fmt(b)} }},")
    print("];")
print(f"// torch {torch.__version__}")
