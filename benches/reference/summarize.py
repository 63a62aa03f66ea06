#!/usr/bin/env python3
"""Turn the latest criterion results and a step_reference.py JSON into the markdown tables
of benches/README.md (targets with their measured ratios, train_step, gemm, svd, reference).

Usage (after `cargo bench` and `python3 benches/reference/step_reference.py --out FILE`,
ideally back to back on a quiet machine):

    python3 benches/reference/summarize.py --reference FILE [--criterion target/criterion]

Criterion numbers are its point estimate (the slope for linearly sampled benches, else the
mean), read from target/criterion/<group>/<id>/new/estimates.json. Standard library only.
"""

import argparse
import json
from pathlib import Path

SIZES = ["small", "digits", "large"]
REF_OPTS = ["ngd", "signum", "adam", "muon", "muon_ns"]
FLOPS = {"small": 4 * 40 * 10 * 16, "digits": 4 * 1797 * 64 * 64, "large": 4 * 2048 * 784 * 128}


def load_estimates(root):
    """{'group/id': seconds} for every benchmark under `root`."""
    out = {}
    for est in Path(root).glob("**/new/estimates.json"):
        rel = est.parent.parent.relative_to(root).as_posix()
        if rel.startswith("report") or "/report" in rel:
            continue
        e = json.loads(est.read_text())
        key = "slope" if e.get("slope") else "mean"
        out[rel] = e[key]["point_estimate"] * 1e-9
    return out


def fmt_t(s):
    if s is None:
        return "—"
    if s < 1e-3:
        return f"{s * 1e6:.2f} µs"
    if s < 1.0:
        return f"{s * 1e3:.3f} ms"
    return f"{s:.2f} s"


def fmt_r(r):
    return "—" if r is None else f"{r:.2f}×"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--criterion", default="target/criterion")
    ap.add_argument("--reference", required=True)
    a = ap.parse_args()
    est = load_estimates(a.criterion)
    ref = json.loads(Path(a.reference).read_text())
    step = {b: v for b, v in ref.get("step_ms", {}).items() if "error" not in v}

    def rust(size, opt):
        return est.get(f"train_step_{size}/{opt}")

    def refs(backend, size, opt):
        try:
            return step[backend][size][opt]["ms_per_step"] * 1e-3
        except KeyError:
            return None

    def gemm(size, prod, lib="faer"):
        return est.get(f"gemm_{size}/{prod}/{lib}")

    def ratio(a_, b_):
        return a_ / b_ if (a_ is not None and b_ is not None and b_ > 0) else None

    lines = ["### Targets", "", "| target | measured | ratio | goal | met |", "|---|---|---|---|---|"]
    for opt in REF_OPTS:
        r = ratio(refs("numpy", "small", opt), rust("small", opt))
        lines.append(
            f"| small, `{opt}`: numpy / Rust | {fmt_t(refs('numpy', 'small', opt))} / "
            f"{fmt_t(rust('small', opt))} | {fmt_r(r)} | ≥ 20× | {'yes' if r and r >= 20 else 'no'} |"
        )
    for opt in REF_OPTS:
        r = ratio(refs("jax", "digits", opt), rust("digits", opt))
        lines.append(
            f"| digits, `{opt}`: JAX-jit / Rust | {fmt_t(refs('jax', 'digits', opt))} / "
            f"{fmt_t(rust('digits', opt))} | {fmt_r(r)} | ≥ 1.5× | {'yes' if r and r >= 1.5 else 'no'} |"
        )
    pair = gemm("large", "pair")
    for opt in REF_OPTS:
        r = ratio(rust("large", opt), pair)
        lines.append(
            f"| large, `{opt}`: Rust step / GEMM pair (faer) | {fmt_t(rust('large', opt))} / "
            f"{fmt_t(pair)} | {fmt_r(r)} | ≤ 1.25× | {'yes' if r and r <= 1.25 else 'no'} |"
        )
    for size in SIZES:
        for m in ("muon", "muon_ns"):
            n, mu = rust(size, "ngd"), rust(size, m)
            extra = ratio(mu - n, n) if (mu is not None and n is not None) else None
            lines.append(
                f"| {size}: `{m}` extra cost over `ngd` | {fmt_t(mu)} vs {fmt_t(n)} | "
                f"{'—' if extra is None else f'{100 * extra:+.0f} %'} | ≤ +30 % | "
                f"{'yes' if extra is not None and extra <= 0.30 else 'no'} |"
            )
    lines += ["", "### train_step (Rust, per step; GEMM-GFLOP/s = 4mdk / time)", ""]
    opts = sorted(
        {k.split("/", 1)[1] for k in est if k.startswith("train_step_")},
        key=lambda o: (o not in REF_OPTS, o),
    )
    lines.append("| optimizer | " + " | ".join(SIZES) + " |")
    lines.append("|---|" + "---|" * len(SIZES))
    for opt in opts:
        cells = []
        for size in SIZES:
            t = rust(size, opt)
            cells.append("—" if t is None else f"{fmt_t(t)} ({FLOPS[size] / t * 1e-9:.1f} GF/s)")
        lines.append(f"| `{opt}` | " + " | ".join(cells) + " |")
    lines += ["", "### gemm (one thread; GFLOP/s in parentheses)", ""]
    lines.append("| size | product | faer 0.24 | nalgebra 0.35 | numpy (OpenBLAS) | JAX |")
    lines.append("|---|---|---|---|---|---|")
    gref = ref.get("gemm_ms", {})
    for size in SIZES:
        for prod in ("fwd", "bwd", "pair"):
            fl = FLOPS[size] // (1 if prod == "pair" else 2)
            cells = []
            for lib in ("faer", "nalgebra"):
                t = gemm(size, prod, lib)
                cells.append("—" if t is None else f"{fmt_t(t)} ({fl / t * 1e-9:.1f})")
            for b in ("numpy", "jax"):
                try:
                    g = gref[b][size]
                    t = (g["fwd"]["ms"] + g["bwd"]["ms"] if prod == "pair" else g[prod]["ms"]) * 1e-3
                    cells.append(f"{fmt_t(t)} ({fl / t * 1e-9:.1f})")
                except KeyError:
                    cells.append("—")
            lines.append(f"| {size} | {prod} | " + " | ".join(cells) + " |")
    lines += ["", "### svd", "", "| bench | time |", "|---|---|"]
    for k in sorted(k for k in est if k.startswith("svd/")):
        lines.append(f"| `{k[4:]}` | {fmt_t(est[k])} |")
    lines += ["", "### Reference: numpy and JAX (ms per step, one thread) vs Rust", ""]
    lines.append("| size | optimizer | numpy | JAX-jit | Rust | numpy / Rust | JAX / Rust |")
    lines.append("|---|---|---|---|---|---|---|")
    for size in SIZES:
        for opt in REF_OPTS:
            n, j, r = refs("numpy", size, opt), refs("jax", size, opt), rust(size, opt)
            lines.append(
                f"| {size} | `{opt}` | {fmt_t(n)} | {fmt_t(j)} | {fmt_t(r)} | "
                f"{fmt_r(ratio(n, r))} | {fmt_r(ratio(j, r))} |"
            )
    checker = sorted(k for k in est if k.startswith("checker_"))
    if checker:
        lines += ["", "### checker (criterion-timed configurations)", "", "| bench | time |", "|---|---|"]
        for k in checker:
            lines.append(f"| `{k}` | {fmt_t(est[k])} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
