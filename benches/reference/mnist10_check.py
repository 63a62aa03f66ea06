#!/usr/bin/env python3
"""Issue #15, target 3, end to end through the CLI: `implicit-bias check` of a 10-class
two-layer ReLU² net (`two_layer:relu_pow:2:k=128`, p = 128·784 + 10·128 = 101 632) on the
bundled 2048 MNIST images (18 432 pair constraints), for ℓ2 and ℓ∞ with the default backend
(Clarabel, row generation). Goal: under 60 s each.

Steps (standard library only):

1. MNIST → `mnist10.csv` (label 0–9, then the 784 pixels / 255, written with round-trip
   precision: the CSV parses to exactly the features of `load_idx_as(…, Classes)`).
2. θ: `implicit-bias run` on a small config — Adam (η = 0.01 constant, β = (0.9, 0.999),
   ε = 1e-8), multiclass exponential loss, default init (Kaiming normal × 0.01, seed 0),
   3 000 full-batch steps (train accuracy 1.0 from step ≤ 126; log10 L ≈ −1.6 at the end;
   ≈ 1–1.5 min). The final θ is written to `theta.json` as {"theta": [...]}.
3. `implicit-bias check --data mnist10.csv --classes 10 --model two_layer:relu_pow:2:k=128
   --params theta.json --norm <N> --json` for N = l2, linf, and both in one call, each timed
   (wall and CPU time of the child); a markdown table with LP sizes, rounds, sweeps, κ and
   verdicts is printed at the end and written to `summary.md`.

Usage:
    python3 benches/reference/mnist10_check.py [--out DIR] [--bin PATH] [--steps N]
                                               [--repeat R]

Without --bin it runs `cargo build --release --bin implicit-bias` (honouring
CARGO_TARGET_DIR). `benches/deep_multiclass.rs` (IB_BENCH_MC_CHECK=1) times the same checks
through the library.
"""

import argparse
import gzip
import json
import os
import resource
import struct
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MNIST = os.path.join(ROOT, "fixtures", "datasets", "mnist")
IMAGES = os.path.join(MNIST, "mnist-train-first2048-images.idx3-ubyte.gz")
LABELS = os.path.join(MNIST, "mnist-train-first2048-labels.idx1-ubyte.gz")
MODEL = "two_layer:relu_pow:2:k=128"


def write_csv(path):
    img = gzip.open(IMAGES).read()
    lab = gzip.open(LABELS).read()
    magic, n, rows, cols = struct.unpack(">IIII", img[:16])
    lmagic, ln = struct.unpack(">II", lab[:8])
    assert magic == 0x803 and lmagic == 0x801 and n == ln, "unexpected IDX headers"
    d = rows * cols
    with open(path, "w") as f:
        for i in range(n):
            px = img[16 + i * d : 16 + (i + 1) * d]
            f.write(
                str(lab[8 + i])
                + ","
                + ",".join("0" if p == 0 else repr(p / 255) for p in px)
                + "\n"
            )
    return n, d


CONFIG = """title = "issue 15 target 3: theta for the 10-class MNIST check"

[data]
path = "{images}"
labels = "{labels}"
format = "idx"
labels_as = "classes"

[model]
spec = "{model}"
init = {{ type = "kaiming_normal", scale = 0.01 }}

[train]
loss = "exponential"
max_steps = {steps}
seeds = [0]
norms = ["l2"]
trace_per_decade = 10

[[runs]]
label = "adam"
optimizer = {{ type = "adam", beta1 = 0.9, beta2 = 0.999, eps = 1e-8 }}
schedule = {{ type = "constant", eta0 = 0.01 }}

[check]
enabled = false
"""


def timed(cmd, stdout=None):
    """Run cmd; return (wall seconds, child CPU seconds, child max RSS in MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=stdout)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "ib-mnist10-check"))
    ap.add_argument("--bin", default=None, help="implicit-bias binary (default: cargo build --release)")
    ap.add_argument("--steps", type=int, default=3000, help="Adam steps for θ (default 3000)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each check (default 1)")
    ap.add_argument("--theta", default=None, help="use this θ file instead of training")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    binary = args.bin
    if binary is None:
        subprocess.run(["cargo", "build", "--release", "--bin", "implicit-bias"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        binary = os.path.join(target, "release", "implicit-bias")

    csv = os.path.join(args.out, "mnist10.csv")
    if not os.path.exists(csv):
        m, d = write_csv(csv)
        print(f"wrote {csv}: m = {m}, d = {d}", flush=True)

    theta = args.theta
    lines = []
    if theta is None:
        cfg = os.path.join(args.out, "train.toml")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(images=IMAGES, labels=LABELS, model=MODEL, steps=args.steps))
        run_dir = os.path.join(args.out, "run")
        wall, cpu, _ = timed([binary, "run", cfg, "--out", run_dir, "--quiet", "--jobs", "1"],
                             stdout=subprocess.DEVNULL)
        rec = json.load(open(os.path.join(run_dir, "runs", "adam-0.json")))
        theta = os.path.join(args.out, "theta.json")
        with open(theta, "w") as f:
            json.dump({"theta": rec["theta"]["data"]}, f)
        acc = rec["trace"][-1]["train_accuracy"]
        line = (f"θ: Adam, {rec['steps']} steps ({rec['stop']['reason']}), log10 L = "
                f"{rec['final_log10_loss']:.3f}, train accuracy {acc}, separated {rec['separated']} "
                f"(run: {wall:.1f} s wall, {cpu:.1f} s CPU)")
        print(line, flush=True)
        lines.append(line)
        if acc != 1.0:
            sys.exit("θ does not separate every pair: train longer (--steps)")

    header = ("| norms | run | wall | CPU | max RSS | norm | last LP rows × cols | residual rows | "
              "rounds | extra sweeps | refinement loop (`lp.solve_seconds`: LPs + extra sweeps) | support | κ | lower bound | "
              "trajectory κ | verdict |")
    rows = [header, "|" + "---|" * 16]
    for norms in (["l2"], ["linf"], ["l2", "linf"]):
        for rep in range(args.repeat):
            out_json = os.path.join(args.out, f"check_{'_'.join(norms)}_{rep}.json")
            cmd = [binary, "check", "--data", csv, "--classes", "10", "--model", MODEL,
                   "--params", theta, "--json"]
            for n in norms:
                cmd += ["--norm", n]
            with open(out_json, "w") as f:
                wall, cpu, rss = timed(cmd, stdout=f)
            certs = json.load(open(out_json))
            for c in certs:
                lp = c["lp"]
                rows.append(
                    f"| {'+'.join(norms)} | {rep + 1} | {wall:.2f} s | {cpu:.2f} s | {rss:.0f} MB | "
                    f"{c['norm']} | {lp['rows']} × {lp['cols']} | {lp['residual_rows']} | "
                    f"{lp['rounds']} | {lp['gradient_sweeps']} | {lp['solve_seconds']:.2f} s | "
                    f"{len(c['support'])} | {c['kappa']:.3e} | {c['kappa_lower_bound']:.3e} | "
                    f"{c['trajectory_kappa'] if c['trajectory_kappa'] is None else format(c['trajectory_kappa'], '.3e')} | "
                    f"{c['verdict']} |")
            print(rows[-1], flush=True)
    summary = "\n".join(lines + [""] + rows) + "\n"
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(summary)
    print("\n" + summary)


if __name__ == "__main__":
    main()
