#!/usr/bin/env python3
"""PyTorch CPU reference for the trainer's speed, the same models as the
trainer's: the paper's mocap MLP (186 -> 680 -> 680 -> 93, SiLU, Adam 5e-4)
and the CPU-default Transformer (joints as 31 tokens, a learned per-joint
embedding, 4 pre-norm blocks of width 64, 4 heads, feed-forward 128 with
GELU, a final layer norm, a per-token head; Adam 3e-4), batch 12, on the
same running data, centred and scaled the same way. Timed for plain steps
and for REMUL steps (the batch and a rotated copy in one forward pass,
alpha = beta = 1), and for plain steps on the batch twice over: a REMUL
step's 24 rows without its rotations and second loss.

`--paper-size` makes the Transformer the paper's (10 blocks, width 384,
8 heads, feed-forward 1536), `--device cuda` runs on the GPU.

Run by hand or through benches/cpu_speed.sh and benches/cuda_check.sh
(never in CI):
    pip install torch numpy
    python3 benches/torch_reference.py [DATA_DIR] [--model mlp|transformer|both]
        [--paper-size] [--device cpu|cuda] [--threads 1] [--steps 2000] [--json FILE]
"""
import argparse
import json
import os
import pickle
import time

import numpy as np
import torch

TRAIN_CASES = [1, 2, 5, 6, 10]  # running, GMN protocol
DELTA_T = 30


def running_train_split(data_dir):
    with open(os.path.join(data_dir, "mocap", "motion_run.pkl"), "rb") as f:
        _edges, trials = pickle.load(f, encoding="latin1")
    with open(os.path.join(data_dir, "mocap", "split_run.pkl"), "rb") as f:
        train_map, _val, _test = pickle.load(f)
    each = 200 // len(TRAIN_CASES)
    xs, ys = [], []
    for case in TRAIN_CASES:
        X = np.asarray(trials[case])
        V = X[1:] - X[:-1]
        X = X[:-1]
        for t in list(train_map[case])[:each]:
            xs.append(np.concatenate([X[t], V[t]], axis=1).reshape(-1))
            ys.append(X[t + DELTA_T].reshape(-1))
    return np.asarray(xs, np.float32), np.asarray(ys, np.float32)


def normalise(x, y):
    """Centre positions on the input centroid, one RMS scale per kind."""
    pos, vel = x.reshape(-1, 31, 6)[:, :, :3], x.reshape(-1, 31, 6)[:, :, 3:]
    c = pos.mean(axis=1, keepdims=True)
    ps, vs = np.sqrt(((pos - c) ** 2).mean()), np.sqrt((vel ** 2).mean())
    xn = np.concatenate([(pos - c) / ps, vel / vs], axis=2).reshape(len(x), -1)
    yn = ((y.reshape(-1, 31, 3) - c) / ps).reshape(len(y), -1)
    return xn.astype(np.float32), yn.astype(np.float32)


def random_rotations(n, gen):
    q = torch.randn(n, 4, generator=gen)
    q = q / q.norm(dim=1, keepdim=True)
    w, x, y, z = q.unbind(1)
    return torch.stack([
        1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
        2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
        2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
    ], dim=1).reshape(n, 3, 3)


def rotate(rows, R, per_joint):
    b = rows.shape[0]
    v = rows.reshape(b, 31, per_joint // 3, 3)
    return torch.einsum("bij,bkcj->bkci", R, v).reshape(b, -1)


class Transformer(torch.nn.Module):
    """The trainer's `TransformerConfig::cpu(true)` for mocap."""

    def __init__(self, tokens=31, w_in=6, w_out=3, d=64, heads=4, d_ff=128, blocks=4):
        super().__init__()
        self.tokens = tokens
        self.embed = torch.nn.Linear(w_in, d)
        self.entity = torch.nn.Parameter(0.02 * torch.randn(tokens, d))
        layer = lambda: torch.nn.TransformerEncoderLayer(
            d, heads, d_ff, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
        self.blocks = torch.nn.ModuleList([layer() for _ in range(blocks)])
        self.norm = torch.nn.LayerNorm(d)
        self.head = torch.nn.Linear(d, w_out)

    def forward(self, x):
        b = x.shape[0]
        h = self.embed(x.reshape(b, self.tokens, -1)) + self.entity
        for block in self.blocks:
            h = block(h)
        return self.head(self.norm(h)).reshape(b, -1)


def mlp():
    return torch.nn.Sequential(
        torch.nn.Linear(186, 680), torch.nn.SiLU(),
        torch.nn.Linear(680, 680), torch.nn.SiLU(),
        torch.nn.Linear(680, 93))


def paper_transformer():
    return Transformer(d=384, heads=8, d_ff=1536, blocks=10)


MODELS = {"mlp": (mlp, 5e-4), "transformer": (Transformer, 3e-4),
          "paper-transformer": (paper_transformer, 3e-4)}


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def time_steps(model, mode, x, y, gen, a):
    """ms per step over a.steps steps after a.warmup untimed ones."""
    make, lr = MODELS[model]
    net = make().to(a.device)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    order = torch.randperm(len(x), generator=gen)
    t0, done = time.perf_counter(), 0
    while done < a.warmup + a.steps:
        for i in range(0, len(x), 12):
            if done == a.warmup:
                sync(a.device)
                t0 = time.perf_counter()
            idx = order[i:i + 12]
            xb, yb = x[idx], y[idx]
            if mode == "plain-24rows":  # a REMUL step's rows, no rotations, one loss
                xb, yb = torch.cat([xb, xb]), torch.cat([yb, yb])
            if mode == "remul":
                R = random_rotations(len(idx), gen)
                xb = torch.cat([xb, rotate(xb, R, 6)])
                yb = torch.cat([yb, rotate(yb, R, 3)])
            xb, yb = xb.to(a.device), yb.to(a.device)
            pred = net(xb)
            n = len(idx) if mode == "remul" else len(xb)
            loss = ((pred[:n] - yb[:n]) ** 2).mean()
            if mode == "remul":
                loss = loss + ((pred[n:] - yb[n:]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            done += 1
            if done >= a.warmup + a.steps:
                break
    sync(a.device)
    return 1000 * (time.perf_counter() - t0) / a.steps


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data_dir", nargs="?", default=os.environ.get("REMUL_DATA_DIR", "../shared/data"))
    p.add_argument("--model", choices=["mlp", "transformer", "both"], default="both")
    p.add_argument("--paper-size", action="store_true", help="the paper's Transformer")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--warmup", type=int, default=200, help="untimed steps first")
    p.add_argument("--json", help="also write the ms/step figures to this file")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(1)
    x, y = normalise(*running_train_split(a.data_dir))
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    models = ["mlp", "transformer"] if a.model == "both" else [a.model]
    if a.paper_size:
        models = ["paper-transformer" if m == "transformer" else m for m in models]
    results = {}
    for model in models:
        for mode in ["plain", "remul", "plain-24rows"]:
            ms = time_steps(model, mode, x, y, gen, a)
            results[f"{model}/{mode}"] = ms
            print(f"torch {torch.__version__} {a.device} {model:17s} {mode:12s} threads={a.threads}: "
                  f"{ms:.2f} ms/step", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"torch": torch.__version__, "device": a.device, "threads": a.threads,
                       "ms_per_step": results}, f)


if __name__ == "__main__":
    main()
