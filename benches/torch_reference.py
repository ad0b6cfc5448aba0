#!/usr/bin/env python3
"""PyTorch CPU reference for the trainer's speed: the paper's mocap MLP
(186 -> 680 -> 680 -> 93, SiLU, Adam 5e-4, batch 12) on the same running
data, centred and scaled the same way, timed for plain steps and for REMUL
steps (the batch and a rotated copy in one forward pass, alpha = beta = 1).

Run by hand (not in CI):
    pip install torch numpy
    python3 benches/torch_mlp_reference.py [DATA_DIR] [--threads 1] [--steps 2000]
and compare its steps/s with `cargo bench -p remul-benches --bench step_cost`
(or the ms/step that `trainer report` prints for a run).
"""
import argparse
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data_dir", nargs="?", default=os.environ.get("REMUL_DATA_DIR", "../shared/data"))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--warmup", type=int, default=200, help="untimed steps first")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(1)
    x, y = normalise(*running_train_split(a.data_dir))
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    for mode in ["plain", "remul"]:
        net = torch.nn.Sequential(
            torch.nn.Linear(186, 680), torch.nn.SiLU(),
            torch.nn.Linear(680, 680), torch.nn.SiLU(),
            torch.nn.Linear(680, 93))
        opt = torch.optim.Adam(net.parameters(), lr=5e-4)
        order = torch.randperm(len(x), generator=gen)
        t0, done = time.perf_counter(), 0
        while done < a.warmup + a.steps:
            for i in range(0, len(x), 12):
                if done == a.warmup:
                    t0 = time.perf_counter()
                idx = order[i:i + 12]
                xb, yb = x[idx], y[idx]
                if mode == "remul":
                    R = random_rotations(len(idx), gen)
                    xb = torch.cat([xb, rotate(xb, R, 6)])
                    yb = torch.cat([yb, rotate(yb, R, 3)])
                pred = net(xb)
                n = len(idx)
                loss = ((pred[:n] - yb[:n]) ** 2).mean()
                if mode == "remul":
                    loss = loss + ((pred[n:] - yb[n:]) ** 2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                done += 1
                if done >= a.warmup + a.steps:
                    break
        dt = time.perf_counter() - t0
        done -= a.warmup
        print(f"torch {torch.__version__} {mode:5s} threads={a.threads}: "
              f"{done / dt:7.1f} steps/s ({1000 * dt / done:.2f} ms/step), final loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
