#!/usr/bin/env python3
"""Reference timings for the Rust criterion benches: the same two-layer ReLU² training step
as `benches/train_step.rs`, written with numpy and with JAX (jit, CPU), float64, one thread.

The step (src/train.rs, src/models/two_layer.rs, src/loss.rs, src/optim/):

    H = X Wᵀ (m×k), P = max(H, 0), f = (P∘P) u, q = y∘f                    margins
    log L = logsumexp(−q);  c = max(−q);  w = exp(−q − c)                  exponential loss, log domain
    a = w∘y;  ∇u = (P∘P)ᵀ a;  B = (2P)∘(a uᵀ);  ∇W = Bᵀ X                 s = Σ w_i y_i ∇f(x_i)
    ĝ = −s / max|s|,  ∇L = e^{c + ln max|s|} ĝ                               ScaledGrad
    Δθ from the optimizer;  θ ← θ + Δθ

with the optimizers in the crate's log-domain form (momentum / second moment stored as
e^{scale}·v, so nothing underflows): `ngd` (Δ = −η ĝ/‖ĝ‖₂), `signum` (EMA momentum,
Δ = −η sign m), `adam` (ε = 0, bias-corrected, second moment stored as a root buffer),
`muon` (EMA momentum; W block: −η U_r V_rᵀ from the thin SVD of m_W/max|m_W| with the
singular values ≤ σ₁·max(k, d)·ε dropped; u block: −η m_u/‖m_u‖₂) and `muon_ns`
(Newton–Schulz-5 instead of the SVD).

Sizes (as in benches/common/mod.rs): small m=40, d=10, k=16 (seeded Gaussian, unit rows);
digits m=1797, d=64, k=64 (fixtures/datasets/digits_even_odd.csv); large m=2048, d=784,
k=128 (seeded Gaussian x ~ N(0, I/d), y = sign⟨w*, x⟩). The Gaussian sizes use numpy's RNG,
not the crate's ChaCha stream: the values differ, the shapes and the work do not.

Also times the raw GEMMs of the step (fwd X Wᵀ, bwd Bᵀ X) with numpy (BLAS) and jax.

One thread: the environment variables below are set before numpy/jax are imported, and
the process is pinned to one CPU (os.sched_setaffinity). The pin is needed: XLA's CPU
backend ignores the flags for part of its work — measured 2026-11-23 on the large step,
JAX-jit took 14.1 ms unpinned (CPU/wall ≈ 1.4) and 22.1 ms pinned to one core. The JSON
reports the pinned CPU set and, per backend, process CPU time / wall time (≈ 1.0 when
single-threaded). `--no-pin` measures without the pin.

Usage:  python3 step_reference.py [--sizes small,digits,large] [--backends numpy,jax]
                                  [--optimizers ngd,signum,adam,muon,muon_ns] [--out FILE]
Prints a JSON document (ms per step, median over rounds, and the min).
"""

import os
import sys

# Pin every threading runtime to one thread before numpy / jax load their libraries.
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"
os.environ["XLA_FLAGS"] = (
    "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)
os.environ.setdefault("JAX_PLATFORMS", "cpu")
# Pin to one CPU before any library starts a thread (threads inherit the affinity).
if "--no-pin" not in sys.argv and hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DIGITS_CSV = ROOT / "fixtures" / "datasets" / "digits_even_odd.csv"
LR = 1e-3
BETA = 0.9
BETA1, BETA2 = 0.9, 0.999
NS_COEFFS = (3.4445, -4.7750, 2.0315)
OPTIMIZERS = ["ngd", "signum", "adam", "muon", "muon_ns"]


# --------------------------------------------------------------------------------------
# Data and initialization
# --------------------------------------------------------------------------------------


def gaussian_data(m, d, seed, unit_rows=False):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, d)) / math.sqrt(d)
    if unit_rows:
        x /= np.linalg.norm(x, axis=1, keepdims=True)
    w = rng.standard_normal(d)
    y = np.where(x @ w >= 0.0, 1.0, -1.0)
    return x, y


def load_digits():
    raw = np.loadtxt(DIGITS_CSV, delimiter=",", skiprows=1)
    return np.ascontiguousarray(raw[:, 1:]), np.ascontiguousarray(raw[:, 0])


def sizes(names):
    out = {}
    for name in names:
        if name == "small":
            x, y = gaussian_data(40, 10, 1, unit_rows=True)
            out[name] = (x, y, 16)
        elif name == "digits":
            x, y = load_digits()
            out[name] = (x, y, 64)
        elif name == "large":
            x, y = gaussian_data(2048, 784, 7)
            out[name] = (x, y, 128)
        else:
            raise SystemExit(f"unknown size {name}")
    return out


def init_params(k, d, seed=0):
    """Kaiming normal × 0.01 (the crate's default Init): W ~ N(0, 0.01²/d), u ~ N(0, 0.01²/k)."""
    rng = np.random.default_rng(seed)
    w = 0.01 / math.sqrt(d) * rng.standard_normal((k, d))
    u = 0.01 / math.sqrt(k) * rng.standard_normal(k)
    return w, u


# --------------------------------------------------------------------------------------
# numpy
# --------------------------------------------------------------------------------------


def np_grad(W, u, X, y):
    """(log L, log-scale, ĝ_W, ĝ_u) with ∇L = e^{log-scale}·ĝ and max|ĝ| = 1."""
    H = X @ W.T
    P = np.maximum(H, 0.0)
    S = P * P
    q = y * (S @ u)
    lv = -q
    mx = lv.max()
    log_l = mx + math.log(np.exp(lv - mx).sum())
    c = mx
    w = np.exp(lv - c)
    a = w * y
    gu = S.T @ a
    # P ∘ (2a uᵀ): the chained form (2P)∘a[:, None]∘u[None, :] hits a slow path of numpy
    # 2.4's temporary elision (measured 1.5 ms instead of 0.17 ms at m = 1797, k = 64).
    B = P * ((2.0 * a)[:, None] * u[None, :])
    gW = B.T @ X
    smax = max(np.abs(gW).max(), np.abs(gu).max(), np.finfo(float).tiny)
    return log_l, c + math.log(smax), gW * (-1.0 / smax), gu * (-1.0 / smax)


def np_ema(buf, a, b, c, x):
    """ScaledBuf.ema: e^{s}v ← a e^{s}v + b e^{c}x."""
    s, v = buf
    la = math.log(a) + s if (a > 0 and math.isfinite(s)) else -math.inf
    lb = math.log(b) + c
    s2 = max(la, lb)
    return s2, math.exp(la - s2) * v + math.exp(lb - s2) * x


def np_root_accumulate(buf, a, b, c, x):
    """RootBuf.accumulate: √v = e^{s} r, v ← a v + b (e^{c} x)²."""
    s, r = buf
    la = 0.5 * math.log(a) + s if (a > 0 and math.isfinite(s)) else -math.inf
    lb = 0.5 * math.log(b) + c
    s2 = max(la, lb)
    r = np.hypot(math.exp(la - s2) * r, math.exp(lb - s2) * x)
    mx = r.max()
    if mx > 0 and not (2.0**-200 <= mx <= 2.0**200):
        e = round(math.log2(mx))
        r = r * 2.0**-e
        s2 += e * math.log(2.0)
    return s2, r


def np_orthogonalize(M):
    rows, cols = M.shape
    scale = np.abs(M).max()
    if scale == 0.0:
        return np.zeros_like(M)
    U, s, Vt = np.linalg.svd(M / scale, full_matrices=False)
    r = int((s > s[0] * max(rows, cols) * np.finfo(float).eps).sum())
    out = U[:, :r] @ Vt[:r]
    out[~M.any(axis=1), :] = 0.0
    out[:, ~M.any(axis=0)] = 0.0
    return out


def np_newton_schulz(M, steps=5):
    a, b, c = NS_COEFFS
    fro = np.linalg.norm(M)
    if fro == 0.0:
        return np.zeros_like(M)
    X = M / fro
    transposed = X.shape[0] > X.shape[1]
    if transposed:
        X = X.T
    for _ in range(steps):
        A = X @ X.T
        Bm = b * A + c * (A @ A)
        X = a * X + Bm @ X
    return X.T if transposed else X


def np_unit(v):
    n = np.linalg.norm(v)
    return v / n if n > 0 else np.zeros_like(v)


def np_make_step(opt, k, d):
    """Return (state, step(W, u, state, t) -> (W, u, state))."""
    p = k * d + k
    if opt == "ngd":
        state = None

        def step(W, u, X, y, st, t):
            _, _, gW, gu = np_grad(W, u, X, y)
            n = math.sqrt((gW * gW).sum() + (gu * gu).sum())
            return W - LR * gW / n, u - LR * gu / n, st

    elif opt == "signum":
        state = (-math.inf, np.zeros(p))

        def step(W, u, X, y, st, t):
            _, c, gW, gu = np_grad(W, u, X, y)
            st = np_ema(st, BETA, 1 - BETA, c, np.concatenate([gW.ravel(), gu]))
            dl = -LR * np.sign(st[1])
            return W + dl[: k * d].reshape(k, d), u + dl[k * d :], st

    elif opt == "adam":
        state = ((-math.inf, np.zeros(p)), (-math.inf, np.zeros(p)))

        def step(W, u, X, y, st, t):
            _, c, gW, gu = np_grad(W, u, X, y)
            g = np.concatenate([gW.ravel(), gu])
            m = np_ema(st[0], BETA1, 1 - BETA1, c, g)
            v = np_root_accumulate(st[1], BETA2, 1 - BETA2, c, g)
            kk = v[0]  # ε = 0: k = s_r
            bc1 = -math.expm1(t * math.log(BETA1))
            bc2 = -math.expm1(t * math.log(BETA2))
            af = LR * math.exp(m[0] - kk)
            bf = math.exp(v[0] - kk) / math.sqrt(bc2)
            den = bf * v[1]
            with np.errstate(divide="ignore", invalid="ignore"):
                dl = np.where(den > 0, -af * ((m[1] / bc1) / den), 0.0)
            return W + dl[: k * d].reshape(k, d), u + dl[k * d :], (m, v)

    elif opt in ("muon", "muon_ns"):
        state = (-math.inf, np.zeros(p))
        orth = np_orthogonalize if opt == "muon" else np_newton_schulz

        def step(W, u, X, y, st, t):
            _, c, gW, gu = np_grad(W, u, X, y)
            st = np_ema(st, BETA, 1 - BETA, c, np.concatenate([gW.ravel(), gu]))
            mW = st[1][: k * d].reshape(k, d)
            mu = st[1][k * d :]
            return W - LR * orth(mW), u - LR * np_unit(mu), st

    else:
        raise SystemExit(f"unknown optimizer {opt}")
    return state, step


# --------------------------------------------------------------------------------------
# JAX
# --------------------------------------------------------------------------------------


def jax_module():
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax


def jax_make_step(jax, opt, k, d):
    import jax.numpy as jnp

    p = k * d + k
    ninf = -jnp.inf

    def grad(W, u, X, y):
        H = X @ W.T
        P = jnp.maximum(H, 0.0)
        S = P * P
        q = y * (S @ u)
        lv = -q
        mx = lv.max()
        log_l = mx + jnp.log(jnp.exp(lv - mx).sum())
        w = jnp.exp(lv - mx)
        a = w * y
        gu = S.T @ a
        B = P * ((2.0 * a)[:, None] * u[None, :])
        gW = B.T @ X
        smax = jnp.maximum(jnp.maximum(jnp.abs(gW).max(), jnp.abs(gu).max()), 1e-308)
        return log_l, mx + jnp.log(smax), gW * (-1.0 / smax), gu * (-1.0 / smax)

    def ema(buf, a, b, c, x):
        s, v = buf
        la = jnp.where(jnp.isfinite(s), math.log(a) + s, ninf)
        lb = math.log(b) + c
        s2 = jnp.maximum(la, lb)
        return s2, jnp.exp(la - s2) * v + jnp.exp(lb - s2) * x

    def root_accumulate(buf, a, b, c, x):
        s, r = buf
        la = jnp.where(jnp.isfinite(s), 0.5 * math.log(a) + s, ninf)
        lb = 0.5 * math.log(b) + c
        s2 = jnp.maximum(la, lb)
        r = jnp.hypot(jnp.exp(la - s2) * r, jnp.exp(lb - s2) * x)
        mx = r.max()
        out_of_range = (mx > 0) & ((mx < 2.0**-200) | (mx > 2.0**200))
        e = jnp.where(out_of_range, jnp.round(jnp.log2(jnp.maximum(mx, 1e-308))), 0.0)
        return s2 + e * math.log(2.0), r * jnp.exp2(-e)

    def orthogonalize(M):
        rows, cols = M.shape
        scale = jnp.maximum(jnp.abs(M).max(), 1e-308)
        U, s, Vt = jnp.linalg.svd(M / scale, full_matrices=False)
        keep = (s > s[0] * max(rows, cols) * np.finfo(float).eps).astype(M.dtype)
        out = (U * keep[None, :]) @ Vt
        out = jnp.where(jnp.any(M != 0, axis=1)[:, None], out, 0.0)
        return jnp.where(jnp.any(M != 0, axis=0)[None, :], out, 0.0)

    def newton_schulz(M, steps=5):
        a, b, c = NS_COEFFS
        fro = jnp.maximum(jnp.linalg.norm(M), 1e-308)
        X = M / fro
        transposed = M.shape[0] > M.shape[1]
        if transposed:
            X = X.T
        for _ in range(steps):
            A = X @ X.T
            X = a * X + (b * A + c * (A @ A)) @ X
        return X.T if transposed else X

    def unit(v):
        n = jnp.linalg.norm(v)
        return jnp.where(n > 0, v / jnp.maximum(n, 1e-308), 0.0)

    if opt == "ngd":
        state = jnp.zeros(())

        def step(W, u, X, y, st, t):
            _, _, gW, gu = grad(W, u, X, y)
            n = jnp.sqrt((gW * gW).sum() + (gu * gu).sum())
            return W - LR * gW / n, u - LR * gu / n, st

    elif opt == "signum":
        state = (jnp.asarray(-jnp.inf), jnp.zeros(p))

        def step(W, u, X, y, st, t):
            _, c, gW, gu = grad(W, u, X, y)
            st = ema(st, BETA, 1 - BETA, c, jnp.concatenate([gW.ravel(), gu]))
            dl = -LR * jnp.sign(st[1])
            return W + dl[: k * d].reshape(k, d), u + dl[k * d :], st

    elif opt == "adam":
        state = (
            (jnp.asarray(-jnp.inf), jnp.zeros(p)),
            (jnp.asarray(-jnp.inf), jnp.zeros(p)),
        )

        def step(W, u, X, y, st, t):
            _, c, gW, gu = grad(W, u, X, y)
            g = jnp.concatenate([gW.ravel(), gu])
            m = ema(st[0], BETA1, 1 - BETA1, c, g)
            v = root_accumulate(st[1], BETA2, 1 - BETA2, c, g)
            kk = v[0]
            bc1 = -jnp.expm1(t * math.log(BETA1))
            bc2 = -jnp.expm1(t * math.log(BETA2))
            af = LR * jnp.exp(m[0] - kk)
            bf = jnp.exp(v[0] - kk) / jnp.sqrt(bc2)
            den = bf * v[1]
            dl = jnp.where(den > 0, -af * ((m[1] / bc1) / jnp.where(den > 0, den, 1.0)), 0.0)
            return W + dl[: k * d].reshape(k, d), u + dl[k * d :], (m, v)

    elif opt in ("muon", "muon_ns"):
        state = (jnp.asarray(-jnp.inf), jnp.zeros(p))
        orth = orthogonalize if opt == "muon" else newton_schulz

        def step(W, u, X, y, st, t):
            _, c, gW, gu = grad(W, u, X, y)
            st = ema(st, BETA, 1 - BETA, c, jnp.concatenate([gW.ravel(), gu]))
            mW = st[1][: k * d].reshape(k, d)
            mu = st[1][k * d :]
            return W - LR * orth(mW), u - LR * unit(mu), st

    else:
        raise SystemExit(f"unknown optimizer {opt}")
    return state, jax.jit(step, donate_argnums=(0, 1, 4))


# --------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------


def time_loop(run_n, target_round_s=0.25, rounds=5):
    """run_n(n) runs n steps (and blocks). Returns (median ms/step, min ms/step, cpu/wall)."""
    run_n(2)  # warm-up (and JIT compilation for jax)
    t0 = time.perf_counter()
    run_n(1)
    one = max(time.perf_counter() - t0, 1e-7)
    n = max(1, int(target_round_s / one))
    per = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        t0 = time.perf_counter()
        run_n(n)
        per.append((time.perf_counter() - t0) / n * 1e3)
    cpu_ratio = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    return statistics.median(per), min(per), cpu_ratio


def bench_numpy(data, opts, rounds):
    res, gemm = {}, {}
    for name, (X, y, k) in data.items():
        d = X.shape[1]
        res[name] = {}
        for opt in opts:
            state, step = np_make_step(opt, k, d)
            W0, u0 = init_params(k, d)
            cur = {"W": W0.copy(), "u": u0.copy(), "st": state, "t": 0}

            def run_n(n, cur=cur, step=step, X=X, y=y):
                for _ in range(n):
                    cur["t"] += 1
                    cur["W"], cur["u"], cur["st"] = step(
                        cur["W"], cur["u"], X, y, cur["st"], cur["t"]
                    )

            med, mn, cpu = time_loop(run_n, rounds=rounds)
            res[name][opt] = {"ms_per_step": med, "min_ms": mn, "cpu_over_wall": cpu}
            print(f"numpy {name:6s} {opt:8s} {med:9.4f} ms/step", flush=True)
        W = np.random.default_rng(3).standard_normal((k, d)) * 0.1
        B = np.random.default_rng(4).standard_normal((X.shape[0], k))
        out = {}
        for prod, f in (("fwd", lambda: X @ W.T), ("bwd", lambda: B.T @ X)):

            def run_n(n, f=f):
                for _ in range(n):
                    f()

            med, mn, cpu = time_loop(run_n, rounds=rounds)
            out[prod] = {"ms": med, "min_ms": mn, "cpu_over_wall": cpu}
        gemm[name] = out
        print(f"numpy {name:6s} gemm fwd {out['fwd']['ms']:.4f} ms, bwd {out['bwd']['ms']:.4f} ms")
    return res, gemm


def bench_jax(data, opts, rounds):
    jax = jax_module()
    import jax.numpy as jnp

    res, gemm = {}, {}
    for name, (X, y, k) in data.items():
        d = X.shape[1]
        Xj, yj = jnp.asarray(X), jnp.asarray(y)
        res[name] = {}
        for opt in opts:
            state, step = jax_make_step(jax, opt, k, d)
            W0, u0 = init_params(k, d)
            cur = {"W": jnp.asarray(W0), "u": jnp.asarray(u0), "st": state, "t": 0}

            def run_n(n, cur=cur, step=step):
                for _ in range(n):
                    cur["t"] += 1
                    cur["W"], cur["u"], cur["st"] = step(
                        cur["W"], cur["u"], Xj, yj, cur["st"], float(cur["t"])
                    )
                jax.block_until_ready(cur["W"])

            med, mn, cpu = time_loop(run_n, rounds=rounds)
            res[name][opt] = {"ms_per_step": med, "min_ms": mn, "cpu_over_wall": cpu}
            print(f"jax   {name:6s} {opt:8s} {med:9.4f} ms/step", flush=True)
        W = jnp.asarray(np.random.default_rng(3).standard_normal((k, d)) * 0.1)
        B = jnp.asarray(np.random.default_rng(4).standard_normal((X.shape[0], k)))
        fwd = jax.jit(lambda X, W: X @ W.T)
        bwd = jax.jit(lambda B, X: B.T @ X)
        out = {}
        for prod, f in (("fwd", lambda: fwd(Xj, W)), ("bwd", lambda: bwd(B, Xj))):

            def run_n(n, f=f):
                r = None
                for _ in range(n):
                    r = f()
                jax.block_until_ready(r)

            med, mn, cpu = time_loop(run_n, rounds=rounds)
            out[prod] = {"ms": med, "min_ms": mn, "cpu_over_wall": cpu}
        gemm[name] = out
        print(f"jax   {name:6s} gemm fwd {out['fwd']['ms']:.4f} ms, bwd {out['bwd']['ms']:.4f} ms")
    return res, gemm


def blas_info():
    try:
        cfg = np.show_config(mode="dicts")
        return cfg.get("Build Dependencies", {}).get("blas", {})
    except Exception as e:  # older numpy
        return {"error": str(e)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="small,digits,large")
    ap.add_argument("--backends", default="numpy,jax")
    ap.add_argument("--optimizers", default=",".join(OPTIMIZERS))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", help="also write the JSON here")
    ap.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    args = ap.parse_args()
    pinned = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    data = sizes(args.sizes.split(","))
    opts = args.optimizers.split(",")
    report = {
        "what": "ms per two-layer ReLU² training step (median over rounds), float64, 1 thread",
        "meta": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "blas": blas_info(),
            "machine": platform.machine(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
            "env": {
                k: os.environ.get(k)
                for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "XLA_FLAGS")
            },
            "sizes": {n: {"m": X.shape[0], "d": X.shape[1], "k": k} for n, (X, _, k) in data.items()},
            "lr": LR,
            "pinned_cpus": pinned,
            "cpu_over_wall": {},
        },
        "step_ms": {},
        "gemm_ms": {},
    }
    for backend in args.backends.split(","):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        if backend == "numpy":
            report["step_ms"]["numpy"], report["gemm_ms"]["numpy"] = bench_numpy(
                data, opts, args.rounds
            )
        elif backend == "jax":
            try:
                jax = jax_module()
            except ImportError as e:
                report["step_ms"]["jax"] = {"error": f"jax not installed: {e}"}
                print(f"jax not installed: {e}")
                continue
            report["meta"]["jax"] = jax.__version__
            report["step_ms"]["jax"], report["gemm_ms"]["jax"] = bench_jax(data, opts, args.rounds)
        else:
            raise SystemExit(f"unknown backend {backend}")
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        report["meta"]["cpu_over_wall"][backend] = round(cpu / wall, 3)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
