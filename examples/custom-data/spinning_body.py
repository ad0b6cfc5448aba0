#!/usr/bin/env python3
"""A custom dataset for the REMUL trainer: a spinning, drifting rigid body.

Six markers sit at fixed places on one rigid body. Each sample shows the body
in a random orientation, spinning about a random axis and drifting: per marker
its position and velocity now (the input), and its position DT later (the
target). Rotating or moving the scene rotates or moves the future the same
way, so the targets are exactly SO(3)-equivariant (and translation-
equivariant in the positions), and the model has to work out the spin from
the velocities. Writes DIR/dataset.toml, DIR/data.npz (x_/y_ train, val,
test) and DIR/examples.json (a few test inputs for `trainer predict`).

    python3 spinning_body.py DIR [--seed S]
"""

import argparse
import json
import pathlib

import numpy as np

MARKERS = np.array(  # the body frame, metres
    [[0.3, 0.0, 0.0], [-0.2, 0.1, 0.0], [0.0, 0.25, 0.1],
     [0.0, -0.1, 0.3], [0.1, 0.1, -0.2], [-0.1, -0.2, -0.1]])
BONES = [[0, 1], [0, 2], [0, 3], [1, 4], [2, 5], [3, 5]]
DT = 0.5  # seconds ahead
SIZES = {"train": 512, "val": 128, "test": 128}


def rotation(axis, angle):
    """Rodrigues: the rotation by `angle` about the unit `axis`."""
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * (k @ k)


def unit(rng):
    v = rng.normal(size=3)
    return v / np.linalg.norm(v)


def sample(rng):
    """One moment of the body: (inputs [6, 6], targets [6, 3])."""
    orientation = rotation(unit(rng), rng.uniform(0, 2 * np.pi))
    centre = rng.normal(scale=2.0, size=3)
    drift = rng.normal(scale=0.3, size=3)
    spin_axis, spin_rate = unit(rng), rng.uniform(0.5, 2.0)  # rad/s
    arms = MARKERS @ orientation.T  # markers relative to the centre
    omega = spin_axis * spin_rate
    positions = centre + arms
    velocities = drift + np.cross(omega, arms)
    later = centre + drift * DT + arms @ rotation(spin_axis, spin_rate * DT).T
    return np.hstack([positions, velocities]), later


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=pathlib.Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    arrays = {}
    for split, n in SIZES.items():
        pairs = [sample(rng) for _ in range(n)]
        arrays[f"x_{split}"] = np.stack([x for x, _ in pairs]).astype(np.float32)
        arrays[f"y_{split}"] = np.stack([y for _, y in pairs]).astype(np.float32)
    args.dir.mkdir(parents=True, exist_ok=True)
    np.savez(args.dir / "data.npz", **arrays)
    names = ", ".join(f'"m{i}"' for i in range(len(MARKERS)))
    (args.dir / "dataset.toml").write_text(f"""\
name = "spinning-body"
entities = {len(MARKERS)}
input = ["position", "vector"]   # per marker: where it is, how fast it moves
output = ["position"]            # where it is {DT} s later

[group]
kind = "so3"

[names]
entities = [{names}]
bones = {json.dumps(BONES)}
units = "m"
""")
    examples = arrays["x_test"][:4].reshape(4, -1).tolist()
    (args.dir / "examples.json").write_text(json.dumps(examples))
    print(f"wrote {args.dir}/dataset.toml, data.npz ({', '.join(f'{k} {v.shape}' for k, v in arrays.items())}) and examples.json")


if __name__ == "__main__":
    main()
