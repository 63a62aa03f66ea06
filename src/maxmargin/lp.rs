//! The ℓ1 and ℓ∞ max-margin problems as linear programs (good_lp's `microlp`, a pure-Rust
//! bounded simplex method: vertex solutions, exact up to rounding).
//!
//! **Primal** (θ only; its margin is recomputed by the certificate):
//!
//! ```text
//!     ℓ∞:  max γ'  s.t.  r_i⟨z_i, θ⟩ − (r_i/R) γ' ≥ 0 (i = 1..m),  −1 ≤ θ_j ≤ 1,  0 ≤ γ' ≤ ū
//!     ℓ1:  max γ'  s.t.  r_i⟨z_i, a − b⟩ − (r_i/R) γ' ≥ 0,  Σ_j (a_j + b_j) ≤ 1,
//!                         0 ≤ a_j, b_j ≤ 1,  0 ≤ γ' ≤ ū        (θ = a − b)
//! ```
//!
//! with r_i = 2^{a_i} the power of two that brings max_j |r_i z_ij| into [½, 1), R = max_i r_i
//! and γ = γ'/R: multiplying both sides of ⟨z_i, θ⟩ ≥ γ by r_i > 0 is exact, so this is the
//! max-margin LP itself with every row of order 1. The norm ball enters as variable bounds
//! (ℓ∞: a box; ℓ1: one extra row), so the LP has m (+1) rows whatever d is — the simplex
//! basis is m × m, which keeps wide data (d ≫ m) fast. It is always feasible (θ = 0, γ' = 0)
//! and bounded (ū = min_i (R/r_i) N_*(r_i z_i) ≥ Rγ), and starting γ' at its upper bound
//! makes the initial basis dual feasible.
//!
//! **Dual weights** w ∈ Δ_m minimize D(w) = N_*(Σ_i w_i z_i) (the dual norm: ℓ∞ for ℓ1, ℓ1
//! for ℓ∞). Written out, that LP has 2d rows; it is solved instead by *constraint generation
//! over coordinates*, seeded by the primal solution through complementary slackness:
//!
//! * ℓ1 (dual ‖g‖_∞, g = Σ_i w_i z_i): min t s.t. −t ≤ g_j ≤ t for j ∈ J, w ∈ Δ_m, starting
//!   from J = supp θ (where |g_j| = γ* at the optimum); every coordinate outside J with
//!   |g_j| > t is added and the LP re-solved. Each restricted LP is a lower bound on D*, and
//!   when no coordinate is violated its w attains it, so the loop stops at an optimum.
//! * ℓ∞ (dual ‖g‖_1): for a sign vector σ, Σ_j σ_j g_j ≤ ‖g‖_1 with equality iff σ_j g_j ≥ 0
//!   for all j. With J = {j : |θ_j| < 1} (the coordinates not at their bound, where g_j = 0
//!   at the optimum; at most m at a vertex) and σ_j = sign θ_j elsewhere (θ_j = sign g_j at
//!   the optimum), solve min Σ_{j∈J} t_j + Σ_{j∉J} σ_j g_j s.t. t_j ≥ ±g_j, w ∈ Δ_m, and move
//!   every j ∉ J with σ_j g_j < 0 into J. Again each LP is a lower bound and the final one is
//!   exact, so the dual LP has m + |J| variables and 2|J| + 1 rows instead of m + d and
//!   2d + 1.

use super::scaling::Rows;
use super::MaxMarginNorm;
use crate::error::{Error, Result};
use good_lp::{
    microlp, variable, Expression, ProblemVariables, ResolutionError, Solution, SolverModel,
    Variable,
};

/// Constraint-generation rounds before giving up (the last weights are then handed to the
/// certificate, which decides).
const MAX_ROUNDS: usize = 200;
/// Coordinates added per round at most (the most violated first).
const ADD_PER_ROUND: usize = 256;
/// A violation must exceed this (on data scaled to max |z_ij| ∈ [½, 1)) to count: below it
/// the gap it leaves is within rounding of the certificate.
const VIOLATION: f64 = 1e-14;

fn lp_error(what: &str, e: ResolutionError) -> Error {
    Error::Numerical(format!("microlp failed on the {what}: {e}"))
}

/// Row exponents a_i (max_j |z_ij 2^{a_i}| ∈ [½, 1); 0 for a zero row) and their maximum.
fn row_exponents(rows: &Rows) -> (Vec<i64>, i64) {
    let a: Vec<i64> = (0..rows.m)
        .map(|i| {
            let mx = rows.row(i).iter().fold(0.0_f64, |a, v| a.max(v.abs()));
            if mx > 0.0 {
                -super::extended::exponent(mx)
            } else {
                0
            }
        })
        .collect();
    let amax = a.iter().copied().max().unwrap_or(0);
    (a, amax)
}

/// The primal LP of the module docs for ℓ1 or ℓ∞; returns θ.
pub(super) fn primal(rows: &Rows, norm: MaxMarginNorm) -> Result<Vec<f64>> {
    let cols: Vec<usize> = (0..rows.d).collect();
    let theta = primal_on(rows, norm, &cols, &vec![0.0; rows.m])?;
    Ok(theta)
}

/// The primal LP over the coordinates `cols` only, the others fixed so that they contribute
/// `offset[i]` to ⟨z_i, θ⟩: max γ s.t. Σ_{j∈cols} z_ij θ_j + offset_i ≥ γ, θ_cols in the
/// ball (box for ℓ∞; for ℓ1 the unit ball — only used with a zero offset). Returns θ on
/// `cols` (in that order).
fn primal_on(rows: &Rows, norm: MaxMarginNorm, cols: &[usize], offset: &[f64]) -> Result<Vec<f64>> {
    use super::extended::ldexp;
    let (a, amax) = row_exponents(rows);
    let plain = offset.iter().all(|&b| b == 0.0);
    // Bounds on γ' = Rγ: γ ≤ min_i (N_*(z_i on cols) + b_i) and, with an offset,
    // γ ≥ min_i (b_i − N_*(z_i on cols)) (the LP is then feasible at θ_cols = 0 too).
    let (mut ub, mut lb) = (f64::INFINITY, f64::INFINITY);
    for (i, &ai) in a.iter().enumerate() {
        let row = rows.row(i);
        let n: f64 = match norm {
            MaxMarginNorm::Linf => cols.iter().map(|&j| ldexp(row[j].abs(), ai)).sum(),
            _ => cols
                .iter()
                .fold(0.0, |x, &j| x.max(ldexp(row[j].abs(), ai))),
        };
        let b = ldexp(offset[i], ai);
        ub = ub.min(ldexp(n + b, amax - ai));
        lb = lb.min(ldexp(b - n, amax - ai));
    }
    let lb = if plain {
        0.0
    } else {
        lb.min(0.0) * (1.0 + 1e-9) - f64::MIN_POSITIVE
    };
    let ub = ub.max(lb);
    let k = cols.len();
    let mut vars = ProblemVariables::new();
    let (pos, neg): (Vec<Variable>, Vec<Variable>) = match norm {
        MaxMarginNorm::Linf => (
            (0..k)
                .map(|_| vars.add(variable().min(-1.0).max(1.0)))
                .collect(),
            Vec::new(),
        ),
        MaxMarginNorm::L1 => (
            (0..k)
                .map(|_| vars.add(variable().min(0.0).max(1.0)))
                .collect(),
            (0..k)
                .map(|_| vars.add(variable().min(0.0).max(1.0)))
                .collect(),
        ),
        MaxMarginNorm::L2 | MaxMarginNorm::Spectral => unreachable!("ℓ2 is a QP, spectral an SDP"),
    };
    let gamma = vars.add(variable().min(lb).max(ub));
    let mut prob = vars.maximise(gamma).using(microlp);
    for (i, &ai) in a.iter().enumerate() {
        let row = rows.row(i);
        let mut e = Expression::with_capacity(2 * k + 1);
        for (c, &j) in cols.iter().enumerate() {
            let v = row[j];
            if v != 0.0 {
                let v = ldexp(v, ai);
                e.add_mul(v, pos[c]);
                if !neg.is_empty() {
                    e.add_mul(-v, neg[c]);
                }
            }
        }
        e.add_mul(-ldexp(1.0, ai - amax), gamma);
        prob.add_constraint(e.geq(-ldexp(offset[i], ai)));
    }
    if norm == MaxMarginNorm::L1 {
        let s: Expression = pos.iter().chain(&neg).map(|&v| Expression::from(v)).sum();
        prob.add_constraint(s.leq(1.0));
    }
    let sol = prob
        .solve()
        .map_err(|e| lp_error("max-margin primal LP", e))?;
    Ok((0..k)
        .map(|c| {
            let p = sol.value(pos[c]);
            if neg.is_empty() {
                p
            } else {
                p - sol.value(neg[c])
            }
        })
        .collect())
}

/// ℓ∞ primal recovery from the dual weights w: θ_j = sign(g_j), g = Σ_i w_i z_i, wherever
/// |g_j| is clearly nonzero (complementary slackness: at the optimum |θ_j| = 1 there), and
/// the primal LP restricted to the remaining coordinates — those not at their bound in `theta`
/// and the ties g_j ≈ 0 — for the rest. Repairs coordinates whose reduced cost was below
/// microlp's tolerance and got the wrong sign.
pub(super) fn polish_linf(rows: &Rows, theta: &[f64], w: &[f64]) -> Result<Vec<f64>> {
    let g = rows.combine(w);
    let gmax = g.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
    let free: Vec<usize> = (0..rows.d)
        .filter(|&j| theta[j].abs() < 1.0 - 1e-9 || g[j].abs() <= 1e-9 * gmax)
        .collect();
    let mut out: Vec<f64> = g.iter().map(|v| v.signum()).collect();
    for &j in &free {
        out[j] = 0.0;
    }
    let offset = rows.apply(&out);
    if !free.is_empty() {
        let t = primal_on(rows, MaxMarginNorm::Linf, &free, &offset)?;
        for (&j, v) in free.iter().zip(t) {
            out[j] = v;
        }
    }
    Ok(drop_rounding_noise(out))
}

/// Entries below 1e-14 × max |θ_j| (a vertex's rounding residue, e.g. a_j − b_j of two
/// equal basic values) set to 0; the certificate compares the result with the raw θ.
fn drop_rounding_noise(mut theta: Vec<f64>) -> Vec<f64> {
    let tmax = theta.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
    for v in &mut theta {
        if v.abs() < 1e-14 * tmax {
            *v = 0.0;
        }
    }
    theta
}

/// ℓ1 primal recovery from the dual weights w: at the optimum θ is supported where
/// |g_j| = ‖g‖_∞ (g = Σ_i w_i z_i, complementary slackness), so the primal LP is re-solved on
/// the coordinates with |g_j| ≥ (1 − 1e-9)‖g‖_∞ only — a vertex without the rounding-level
/// entries the full LP leaves elsewhere.
pub(super) fn polish_l1(rows: &Rows, w: &[f64]) -> Result<Vec<f64>> {
    let g = rows.combine(w);
    let gmax = g.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
    let cols: Vec<usize> = (0..rows.d)
        .filter(|&j| gmax > 0.0 && g[j].abs() >= (1.0 - 1e-9) * gmax)
        .collect();
    let mut out = vec![0.0; rows.d];
    if !cols.is_empty() {
        let t = primal_on(rows, MaxMarginNorm::L1, &cols, &vec![0.0; rows.m])?;
        for (&j, v) in cols.iter().zip(t) {
            out[j] = v;
        }
    }
    Ok(drop_rounding_noise(out))
}

/// Weights w ∈ Δ_m minimizing ‖Σ_i w_i z_i‖_∞ (the ℓ1 problem's dual), by constraint
/// generation from the coordinates `seed` (module docs). Also certifies non-separability
/// for every norm: the minimum is 0 iff some w ∈ Δ_m has Σ w_i z_i = 0.
pub(super) fn dual_l1(rows: &Rows, seed: &[usize]) -> Result<Vec<f64>> {
    let (m, d) = (rows.m, rows.d);
    let mut in_j = vec![false; d];
    let mut js: Vec<usize> = Vec::new();
    for &j in seed {
        if !in_j[j] {
            in_j[j] = true;
            js.push(j);
        }
    }
    if js.is_empty() {
        // The column with the largest entry.
        let j = (0..d)
            .max_by(|&a, &b| col_max(rows, a).total_cmp(&col_max(rows, b)))
            .unwrap_or(0);
        in_j[j] = true;
        js.push(j);
    }
    let mut w = vec![1.0 / m as f64; m];
    for _ in 0..MAX_ROUNDS {
        let mut vars = ProblemVariables::new();
        let wv: Vec<Variable> = (0..m).map(|_| vars.add(variable().min(0.0))).collect();
        let t = vars.add(variable().min(0.0));
        let mut prob = vars.minimise(t).using(microlp);
        let s: Expression = wv.iter().map(|&v| Expression::from(v)).sum();
        prob.add_constraint(s.eq(1.0));
        for &j in &js {
            let mut g = Expression::with_capacity(m + 1);
            for (i, &v) in wv.iter().enumerate() {
                let c = rows.z[i * d + j];
                if c != 0.0 {
                    g.add_mul(c, v);
                }
            }
            prob.add_constraint((g.clone() - t).leq(0.0));
            prob.add_constraint((g + t).geq(0.0));
        }
        let sol = prob.solve().map_err(|e| lp_error("ℓ1 dual LP", e))?;
        w = wv.iter().map(|&v| sol.value(v).max(0.0)).collect();
        let tv = sol.value(t);
        let g = rows.combine(&w);
        let viol: Vec<(f64, usize)> = (0..d)
            .filter(|&j| !in_j[j] && g[j].abs() > tv + VIOLATION)
            .map(|j| (g[j].abs() - tv, j))
            .collect();
        let added = add_most_violated(viol, &mut in_j);
        if added.is_empty() {
            break;
        }
        js.extend(added);
    }
    Ok(w)
}

fn col_max(rows: &Rows, j: usize) -> f64 {
    (0..rows.m).fold(0.0_f64, |a, i| a.max(rows.z[i * rows.d + j].abs()))
}

/// Weights w ∈ Δ_m minimizing ‖Σ_i w_i z_i‖_1 (the ℓ∞ problem's dual), by the signed
/// constraint generation of the module docs, seeded by the primal θ.
pub(super) fn dual_linf(rows: &Rows, theta: &[f64]) -> Result<Vec<f64>> {
    let (m, d) = (rows.m, rows.d);
    // At a vertex θ_j = ±1 exactly for nonbasic coordinates; basic ones within rounding.
    let mut in_j: Vec<bool> = theta.iter().map(|v| v.abs() < 1.0 - 1e-9).collect();
    let sigma: Vec<f64> = theta.iter().map(|v| v.signum()).collect();
    let mut w = vec![1.0 / m as f64; m];
    for _ in 0..MAX_ROUNDS {
        let js: Vec<usize> = (0..d).filter(|&j| in_j[j]).collect();
        // c_i = Σ_{j∉J} σ_j z_ij.
        let c: Vec<f64> = (0..m)
            .map(|i| {
                rows.row(i)
                    .iter()
                    .zip(&sigma)
                    .zip(&in_j)
                    .filter(|(_, &inj)| !inj)
                    .map(|((z, s), _)| z * s)
                    .sum()
            })
            .collect();
        let mut vars = ProblemVariables::new();
        let wv: Vec<Variable> = (0..m).map(|_| vars.add(variable().min(0.0))).collect();
        let tv: Vec<Variable> = js.iter().map(|_| vars.add(variable().min(0.0))).collect();
        let mut obj = Expression::with_capacity(m + js.len());
        for (i, &v) in wv.iter().enumerate() {
            obj.add_mul(c[i], v);
        }
        for &v in &tv {
            obj.add_mul(1.0, v);
        }
        let mut prob = vars.minimise(obj).using(microlp);
        let s: Expression = wv.iter().map(|&v| Expression::from(v)).sum();
        prob.add_constraint(s.eq(1.0));
        for (&j, &t) in js.iter().zip(&tv) {
            let mut g = Expression::with_capacity(m + 1);
            for (i, &v) in wv.iter().enumerate() {
                let zij = rows.z[i * d + j];
                if zij != 0.0 {
                    g.add_mul(zij, v);
                }
            }
            prob.add_constraint((Expression::from(t) - g.clone()).geq(0.0));
            prob.add_constraint((Expression::from(t) + g).geq(0.0));
        }
        let sol = prob.solve().map_err(|e| lp_error("ℓ∞ dual LP", e))?;
        w = wv.iter().map(|&v| sol.value(v).max(0.0)).collect();
        let g = rows.combine(&w);
        let viol: Vec<(f64, usize)> = (0..d)
            .filter(|&j| !in_j[j] && sigma[j] * g[j] < -VIOLATION)
            .map(|j| (-sigma[j] * g[j], j))
            .collect();
        if add_most_violated(viol, &mut in_j).is_empty() {
            break;
        }
    }
    Ok(w)
}

/// Column generation's step: mark the (at most) [`ADD_PER_ROUND`] most violated coordinates
/// of `viol` (violation, coordinate) as in the LP and return them, largest violation first.
fn add_most_violated(mut viol: Vec<(f64, usize)>, in_j: &mut [bool]) -> Vec<usize> {
    viol.sort_by(|a, b| b.0.total_cmp(&a.0));
    let added: Vec<usize> = viol.iter().take(ADD_PER_ROUND).map(|&(_, j)| j).collect();
    for &j in &added {
        in_j[j] = true;
    }
    added
}
