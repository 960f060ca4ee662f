"""PyTorch peer of one data2vec 1.0 image pretraining update, on the shapes of
bench/update-compare.ts (spec Appendix A, image v1): patch embedding, mask token,
CLS, pre-LN blocks with layer scale and one shared relative position bias, final
LN; the EMA teacher on the unmasked images without gradients, targets = layer-
normalised average of the top-K end-of-block outputs, layer-normalised again; a
linear regression head; smooth L1 (beta 2) at masked patches; AdamW step with
global-norm clipping; EMA update. Also one pre-LN block alone (forward +
backward) at a given width.

    /usr/bin/python3 bench/peer/update_peer.py '{"threads": 1, "cases": [...]}'

Prints one JSON object: torch version, threads, BLAS, seconds per update.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio, layer_scale):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, mlp_ratio * dim)
        self.fc2 = nn.Linear(mlp_ratio * dim, dim)
        self.g1 = nn.Parameter(torch.full((dim,), layer_scale))
        self.g2 = nn.Parameter(torch.full((dim,), layer_scale))

    def forward(self, x, bias=None):
        b, t, d = x.shape
        h = self.heads
        q, k, v = self.qkv(self.norm1(x)).reshape(b, t, 3, h, d // h).permute(2, 0, 3, 1, 4)
        logits = (q @ k.transpose(-2, -1)) / math.sqrt(d // h)
        if bias is not None:
            logits = logits + bias
        a = (logits.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.g1 * self.proj(a)
        return x + self.g2 * self.fc2(F.gelu(self.fc1(self.norm2(x))))


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        p, dim = c["patch"], c["dim"]
        self.grid = c["image"] // p
        self.patch = nn.Linear(p * p * c["channels"], dim)
        self.mask_token = nn.Parameter(torch.zeros(dim))
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        t = self.grid * self.grid + 1
        self.rel_bias = nn.Parameter(torch.zeros(c["heads"], t, t))
        self.blocks = nn.ModuleList(Block(dim, c["heads"], c["mlp_ratio"], c["layer_scale"]) for _ in range(c["depth"]))
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.p = p

    def forward(self, images, mask=None):
        b, ch, hh, ww = images.shape
        p = self.p
        x = images.reshape(b, ch, hh // p, p, ww // p, p).permute(0, 2, 4, 3, 5, 1).reshape(b, -1, p * p * ch)
        x = self.patch(x)
        if mask is not None:
            x = torch.where(mask.unsqueeze(-1), self.mask_token.expand_as(x), x)
        x = torch.cat([self.cls.expand(b, -1, -1), x], 1)
        layers = []
        for blk in self.blocks:
            x = blk(x, self.rel_bias)
            layers.append(x)
        return self.norm(x), layers


def update_case(c, reps):
    torch.manual_seed(0)
    student = Encoder(c)
    head = nn.Linear(c["dim"], c["dim"])
    teacher = Encoder(c)
    teacher.load_state_dict(student.state_dict())
    for q in teacher.parameters():
        q.requires_grad_(False)
    params = list(student.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.05)
    b = c["batch"]
    images = torch.randn(b, c["channels"], c["image"], c["image"])
    patches = (c["image"] // c["patch"]) ** 2
    mask = torch.rand(b, patches) < 0.6

    def step():
        with torch.no_grad():
            _, layers = teacher(images)
            top = [F.layer_norm(l[:, 1:].float(), l.shape[-1:]) for l in layers[-c["top_k"]:]]
            y = F.layer_norm(sum(top) / len(top), top[0].shape[-1:])
        out, _ = student(images, mask)
        pred = head(out[:, 1:])[mask]
        loss = F.smooth_l1_loss(pred, y[mask], beta=2.0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 3.0)
        opt.step()
        with torch.no_grad():
            for t_p, s_p in zip(teacher.parameters(), student.parameters()):
                t_p.mul_(0.999).add_(s_p, alpha=0.001)

    return timed(step, reps)


def layer_case(c, reps):
    torch.manual_seed(0)
    blk = Block(c["dim"], c["heads"], c["mlp_ratio"], 0.1)
    x = torch.randn(c["batch"], c["tokens"], c["dim"], requires_grad=True)

    def step():
        blk.zero_grad(set_to_none=True)
        blk(x).square().mean().backward()

    return timed(step, reps)


def timed(step, reps):
    """Medians of wall seconds and of process CPU seconds (all threads) per step."""
    step()  # warm-up
    walls, cpus = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    walls.sort()
    cpus.sort()
    return walls[len(walls) // 2], cpus[len(cpus) // 2]


def blas_name():
    """The BLAS library this process loaded (Debian's torch calls libblas.so.3, an alternative)."""
    torch.randn(64, 64) @ torch.randn(64, 64)
    try:
        with open("/proc/self/maps") as maps:
            libs = sorted({line.split()[-1] for line in maps if "blas" in line.lower() and line.split()[-1].startswith("/")})
    except OSError:
        libs = []
    import os
    return ", ".join(os.path.realpath(lib) for lib in libs) or "unknown"


def matmul_gflops(n=1024, reps=5):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n ** 3 * reps / (time.perf_counter() - t0) / 1e9


def main():
    spec = json.loads(sys.argv[1])
    torch.set_num_threads(spec["threads"])
    results, cpu_results = {}, {}
    for c in spec["cases"]:
        fn = layer_case if c["kind"] == "layer" else update_case
        results[c["name"]], cpu_results[c["name"]] = fn(c, spec.get("reps", 3))
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": blas_name(),
        "matmul_1024_gflops": matmul_gflops(),
        "seconds": results,
        "cpu_seconds": cpu_results,
    }))


if __name__ == "__main__":
    main()
