#!/usr/bin/env python3
"""Independent reference for `implicit-bias maxmargin --norm spectral` (src/maxmargin/spectral).

For the multiclass linear model f(x; W) = W x (W ∈ R^{C×d}) and C-class data, solve with cvxpy
(SDPs solved by Clarabel), written directly in W — no Kesler lift —

    γ*_spec = max_{‖W‖₂ ≤ 1} min_{i, c ≠ y_i} (W_{y_i} − W_c)ᵀ x_i               (primal)
            = 1 / min{‖V‖₂ : all pair margins of V ≥ 1}                             (min-norm form)
            = min_{w ≥ 0, Σ w = 1} ‖Σ_{i, c≠y_i} w_ic (e_{y_i} − e_c) x_iᵀ‖_*        (dual, nuclear norm)

three independent formulations (their spread is the accuracy of the reference, recorded as
`forms_rel_spread`), and the Frobenius γ*_F = max_{‖W‖_F ≤ 1} min pair margin for comparison
(γ*_F ≤ γ*_spec ≤ √min(C, d) γ*_F).

Writes `fixtures/maxmargin_spectral/<name>.csv` (class index, then features, 6 decimals — the
values the Rust test reads are exactly these) and `fixtures/maxmargin_spectral/reference.json`
(γ*_spec of each formulation, their spread, the bracket [gamma_lower, gamma_upper] that
cvxpy's own W and dual weights certify when recomputed in numpy, γ*_F, solve times). `tests/maxmargin_spectral.rs`
compares; it needs no Python.

With `--svd`, also writes `fixtures/maxmargin_spectral/svd_reference.json`: a few matrices
with their singular values to 40 digits (mpmath), against which the crate's test checks
faer's singular values and the a-priori SVD error bound of the certificate.

Usage: pip install numpy cvxpy clarabel mpmath; python3 scripts/check_spectral_maxmargin.py [--svd]
"""
import json
import os
import sys
import time

import cvxpy as cp
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "maxmargin_spectral")
TOL = dict(tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12, max_iter=500)

# (name, kind, samples, d, classes, seed).
#   teacher: Gaussian x, labels argmax of a Gaussian linear teacher (separable);
#   onehot:  x_i = 3 e_{y_i} + small noise, d = C — W* ≈ a multiple of I, where the spectral
#            margin is ≈ √(C−1) times the Frobenius one (the two optima clearly differ).
DATASETS = [
    ("s_c3_d4_m20", "teacher", 20, 4, 3, 21),
    ("s_c4_d10_m30", "teacher", 30, 10, 4, 22),
    ("s_c5_d2_m40", "teacher", 40, 2, 5, 23),
    ("s_c3_d40_m15", "teacher", 15, 40, 3, 24),
    ("s_c10_d20_m100", "teacher", 100, 20, 10, 25),
    ("s_onehot_c4_m40", "onehot", 40, 4, 4, 26),
]


def make(kind, m, d, c, seed):
    rng = np.random.default_rng(seed)
    if kind == "teacher":
        w = rng.standard_normal((c, d))
        x = np.round(rng.standard_normal((m, d)), 6)
        y = np.argmax(x @ w.T, axis=1)
    else:
        y = np.arange(m) % c
        x = np.round(3.0 * np.eye(c)[y] + 0.3 * rng.standard_normal((m, d)), 6)
        # Labels of the class means' teacher W = I (argmax of x): separable by construction.
        y = np.argmax(x, axis=1)
    return x, y


def pair_margins(W, x, y, c):
    rows = []
    for i in range(x.shape[0]):
        for k in range(c):
            if k != y[i]:
                rows.append((W[y[i], :] - W[k, :]) @ x[i])
    return cp.hstack(rows)


def margins_np(W, x, y, c):
    return np.array([(W[y[i]] - W[k]) @ x[i] for i in range(x.shape[0]) for k in range(c) if k != y[i]])


def solve(x, y, c):
    """cvxpy's γ*_spec in three formulations, the bracket [lower, upper] that its own
    answers certify when recomputed in numpy (p(W) = min pair margin / σ_max(W) ≤ γ* ≤
    ‖Σ w A‖_* for the dual weights), and γ*_F."""
    m, d = x.shape
    out = {}
    t = time.time()
    W = cp.Variable((c, d))
    g = cp.Variable()
    p1 = cp.Problem(cp.Maximize(g), [pair_margins(W, x, y, c) >= g, cp.sigma_max(W) <= 1])
    p1.solve(solver=cp.CLARABEL, **TOL)
    out["seconds_primal"] = time.time() - t
    out["gamma"] = float(g.value)
    out["status"] = p1.status
    V = cp.Variable((c, d))
    p2 = cp.Problem(cp.Minimize(cp.sigma_max(V)), [pair_margins(V, x, y, c) >= 1])
    p2.solve(solver=cp.CLARABEL, **TOL)
    out["gamma_min_norm_form"] = 1.0 / float(p2.value)
    # Dual: weights w_ic ≥ 0 on the pairs (c ≠ y_i), Σ w = 1; G = Sᵀ X with
    # S_i = (Σ_c w_ic) e_{y_i} − w_i.
    onehot = np.eye(c)[y]
    mask = 1.0 - onehot
    w = cp.Variable((m, c), nonneg=True)
    wm = cp.multiply(mask, w)
    s = cp.multiply(cp.sum(wm, axis=1, keepdims=True), onehot) - wm
    p3 = cp.Problem(cp.Minimize(cp.normNuc(s.T @ x)), [cp.sum(wm) == 1])
    p3.solve(solver=cp.CLARABEL, **TOL)
    out["gamma_dual_form"] = float(p3.value)
    vals = [out["gamma"], out["gamma_min_norm_form"], out["gamma_dual_form"]]
    out["forms_rel_spread"] = (max(vals) - min(vals)) / max(vals)
    # The bracket cvxpy's answers certify (recomputed in numpy).
    lowers = [margins_np(A.value, x, y, c).min() / np.linalg.svd(A.value, compute_uv=False)[0] for A in (W, V)]
    wv = np.maximum(mask * w.value, 0.0)
    wv /= wv.sum()
    sv = wv.sum(axis=1, keepdims=True) * onehot - wv
    out["gamma_lower"] = float(max(lowers))
    out["gamma_upper"] = float(np.linalg.svd(sv.T @ x, compute_uv=False).sum())
    out["bracket_rel_width"] = (out["gamma_upper"] - out["gamma_lower"]) / out["gamma_upper"]
    F = cp.Variable((c, d))
    gf = cp.Variable()
    cp.Problem(cp.Maximize(gf), [pair_margins(F, x, y, c) >= gf, cp.norm(F, "fro") <= 1]).solve(
        solver=cp.CLARABEL, **TOL
    )
    out["gamma_frobenius"] = float(gf.value)
    return out


def svd_reference():
    """Matrices (row-major lists of f64) and their singular values to 40 digits."""
    import mpmath

    mpmath.mp.dps = 40
    rng = np.random.default_rng(7)
    mats = {
        "gauss_10x20": rng.standard_normal((10, 20)),
        "gauss_20x10": rng.standard_normal((20, 10)),
        "gauss_30x30": rng.standard_normal((30, 30)),
        "graded_10x20": rng.standard_normal((10, 20)) * np.logspace(0, -12, 10)[:, None],
        "rank3_noise_10x20": rng.standard_normal((10, 3)) @ rng.standard_normal((3, 20))
        + 1e-12 * rng.standard_normal((10, 20)),
    }
    ref = {}
    for name, a in mats.items():
        sv = mpmath.svd_r(mpmath.matrix(a.tolist()), compute_uv=False)
        svs = sorted((sv[i] for i in range(len(sv))), reverse=True)
        ref[name] = {
            "rows": a.shape[0],
            "cols": a.shape[1],
            "data": [float(v) for v in a.reshape(-1)],
            "singular_values": [mpmath.nstr(v, 40) for v in svs],
        }
        print("svd %-18s σ_1 = %s" % (name, mpmath.nstr(svs[0], 20)))
    with open(os.path.join(OUT, "svd_reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    if "--svd" in sys.argv[1:]:
        svd_reference()
    ref = {}
    for name, kind, m, d, c, seed in DATASETS:
        x, y = make(kind, m, d, c, seed)
        with open(os.path.join(OUT, name + ".csv"), "w") as f:
            f.write("# generated by scripts/check_spectral_maxmargin.py (%s, seed %d)\n" % (kind, seed))
            for i in range(m):
                f.write("%d,%s\n" % (y[i], ",".join("%.6f" % v for v in x[i])))
        r = solve(x, y, c)
        assert r["forms_rel_spread"] < 1e-6 and r["gamma_lower"] > 0, (name, r)
        r.update({"classes": c, "m": m, "d": d, "kind": kind, "seed": seed})
        ref[name] = r
        print(
            "%-16s γ*_spec = %.12e (min-norm %.12e, dual %.12e; spread %.1e; certified bracket "
            "width %.1e)  γ*_F = %.12e  ratio %.4f  (%.1fs)"
            % (
                name,
                r["gamma"],
                r["gamma_min_norm_form"],
                r["gamma_dual_form"],
                r["forms_rel_spread"],
                r["bracket_rel_width"],
                r["gamma_frobenius"],
                r["gamma"] / r["gamma_frobenius"],
                r["seconds_primal"],
            )
        )
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
