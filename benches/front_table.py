#!/usr/bin/env python3
"""The accuracy/size front from a `benches/distill_front.sh` runs folder.

    python3 benches/front_table.py RUNS_DIR OUT_DIR

Reads every student's metrics.json (training), eval.txt (`trainer eval` of
its int8 blob: test MSE, rotated-test MSE, E') and model.bin, the firmware
logs (QEMU: flash, RAM, instructions per prediction) and the ensemble's
figures; writes OUT_DIR/front.csv (one row per run), OUT_DIR/front.md (mean
± sd over seeds per student) and, where matplotlib is available (it is
installed with pip when missing and the network allows), PNG plots.
"""

import csv
import json
import re
import statistics
import subprocess
import sys
from pathlib import Path


def eval_figures(path):
    """int8 test MSE, rotated-test MSE (×10⁻²) and E' from `trainer eval`."""
    text = path.read_text()
    test = float(re.search(r"^test\s+MSE \S+\s+\(×10⁻² ([\d.]+)\)", text, re.M).group(1))
    rotated = float(re.search(r"^rotated test MSE \S+\s+\(×10⁻² ([\d.]+)\)", text, re.M).group(1))
    e_prime = float(re.search(r"^test\s+E \S+\s+E' ([\d.]+)", text, re.M).group(1))
    return test, rotated, e_prime


def firmware_figures(path):
    """Flash bytes, RAM bytes and instructions per prediction from a QEMU log."""
    if not path.is_file():
        return None
    text = path.read_text()
    if not re.search(r"^result: PASS", text, re.M):
        return None
    flash = int(re.search(r"^flash: (\d+) B", text, re.M).group(1))
    ram = int(re.search(r"^RAM: .* = (\d+) B", text, re.M).group(1))
    instructions = int(re.search(r"^predict: (\d+) instructions", text, re.M).group(1))
    golden = re.search(r"^golden vectors: (.*)$", text, re.M).group(1)
    return flash, ram, instructions, golden


def runs(root):
    rows = []
    for kind in ("label", "distilled"):
        for run in sorted((root / kind).glob("h*-s*")):
            if not (run / "metrics.json").is_file() or not (run / "eval.txt").is_file():
                continue
            m = json.loads((run / "metrics.json").read_text())
            test, rotated, e_prime = eval_figures(run / "eval.txt")
            hidden, seed = re.match(r"h(\d+)-s(\d+)", run.name).groups()
            rows.append({
                "kind": kind,
                "hidden": int(hidden),
                "seed": int(seed),
                "parameters": m["parameters"],
                "blob_bytes": (run / "model.bin").stat().st_size,
                "val_mse_x100": round(m["val_mse"] * 100, 3),
                "int8_test_mse_x100": test,
                "int8_rotated_test_mse_x100": rotated,
                "int8_e_prime": e_prime,
                "best_epoch": m["best_epoch"],
            })
    return rows


def mean_sd(values):
    if len(values) < 2:
        return values[0], 0.0
    return statistics.mean(values), statistics.stdev(values)


def summary(rows, root):
    groups = {}
    for r in rows:
        groups.setdefault((r["hidden"], r["kind"]), []).append(r)
    out = []
    for (hidden, kind), rs in sorted(groups.items()):
        fw = firmware_figures(root / "firmware" / f"{kind}-h{hidden}.log")
        out.append({
            "hidden": hidden,
            "kind": kind,
            "seeds": len(rs),
            "parameters": rs[0]["parameters"],
            "blob_bytes": rs[0]["blob_bytes"],
            "val": mean_sd([r["val_mse_x100"] for r in rs]),
            "test": mean_sd([r["int8_test_mse_x100"] for r in rs]),
            "rotated": mean_sd([r["int8_rotated_test_mse_x100"] for r in rs]),
            "e_prime": mean_sd([r["int8_e_prime"] for r in rs]),
            "firmware": fw,
        })
    return out


def ensemble_line(root):
    path = root / "ensemble.txt"
    if not path.is_file():
        return None
    text = path.read_text()
    m = re.search(r"^mean: MSE ×10⁻² val ([\d.]+)\s+test ([\d.]+)\s+(?:rotated val [\d.]+\s+)?rotated test ([\d.]+)\s+E ([\d.]+)\s+E' ([\d.]+)", text, re.M)
    params = re.search(r"(\d+) parameters in all", text).group(1)
    return m.groups(), int(params)


def write_markdown(table, root, path):
    pm = lambda v: f"{v[0]:.2f} ± {v[1]:.2f}"
    lines = [
        "| student | parameters | blob | val MSE ×10⁻² | int8 test MSE ×10⁻² | int8 rotated test ×10⁻² | E' | firmware flash | RAM | instructions / prediction |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in table:
        fw = s["firmware"]
        flash, ram, instr = (f"{fw[0]:,} B", f"{fw[1]:,} B", f"{fw[2]:,}") if fw else ("—", "—", "—")
        name = f"MLP h{s['hidden']}, {'distilled' if s['kind'] == 'distilled' else 'labels only'}"
        lines.append(
            f"| {name} ({s['seeds']} seeds) | {s['parameters']:,} | {s['blob_bytes']:,} B | {pm(s['val'])} | "
            f"{pm(s['test'])} | {pm(s['rotated'])} | {pm(s['e_prime'])} | {flash} | {ram} | {instr} |"
        )
    ens = ensemble_line(root)
    if ens:
        (val, test, rotated, _e, e_prime), params = ens
        val, test, rotated, e_prime = (f"{float(v):.2f}" for v in (val, test, rotated, e_prime))
        lines.append(
            f"| teacher ensemble (2 plain + 2 REMUL paper MLPs, f32, host only) | {params:,} | — | {val} | "
            f"{test} | {rotated} | {e_prime} | — | — | — |"
        )
    path.write_text("\n".join(lines) + "\n")


def plots(table, out):
    try:
        import matplotlib
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "matplotlib"], check=False)
        try:
            import matplotlib
        except ImportError:
            print("matplotlib is not available: no plots", file=sys.stderr)
            return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for key, label, name in [
        ("test", "int8 test MSE ×10⁻²", "test-mse.png"),
        ("rotated", "int8 rotated-test MSE ×10⁻²", "rotated-test-mse.png"),
        ("e_prime", "E' (eq. 13)", "e-prime.png"),
    ]:
        fig, ax = plt.subplots(figsize=(6, 4))
        for kind, marker in (("label", "o"), ("distilled", "s")):
            rows = [s for s in table if s["kind"] == kind]
            ax.errorbar(
                [s["blob_bytes"] / 1024 for s in rows],
                [s[key][0] for s in rows],
                yerr=[s[key][1] for s in rows],
                marker=marker,
                capsize=3,
                label="labels only" if kind == "label" else "distilled",
            )
        if key == "test":
            ax.axhline(18.5, color="grey", linestyle="--", linewidth=1, label="paper's best server model")
        ax.set_xscale("log")
        ax.set_xlabel("int8 blob, KiB")
        ax.set_ylabel(label)
        ax.set_title(f"mocap running, MLP students (mean ± sd, 3 seeds)")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / name, dpi=120)
        plt.close(fig)


def main():
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    rows = runs(root)
    if not rows:
        sys.exit(f"no finished students under {root}")
    with open(out / "front.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    table = summary(rows, root)
    write_markdown(table, root, out / "front.md")
    plots(table, out)


if __name__ == "__main__":
    main()
