//! The spectral-norm max-margin SDP solved by a primal–dual interior-point method.
//!
//! **The pair of problems.** With y = (vec W, γ) ∈ ℝ^{M}, M = C·d + 1, the rows
//! b_r = (vec A_r, −1) of B ∈ ℝ^{n×M} and 𝒲(W) = [[0, W], [Wᵀ, 0]] ∈ S^{C+d},
//!
//! ```text
//!   (P)  max γ        s.t.  s = B y ≥ 0,            S = I + 𝒲(W) ⪰ 0         (‖W‖₂ ≤ 1)
//!   (D)  min tr X     s.t.  λ ≥ 0,  X ⪰ 0,   Σ_r λ_r = 1,   X₁₂ = −½ Σ_r λ_r A_r
//! ```
//!
//! (the dual's value is min_{λ∈Δ} ‖Σ_r λ_r A_r‖_*, since min{tr X : X ⪰ 0, X₁₂ = −G/2} =
//! ‖G‖_*). Weak duality: tr X − γ = λᵀs + ⟨X, S⟩ ≥ 0 for feasible pairs.
//!
//! **Method.** The primal slacks are *always recomputed* from y (s = B y, S = I + 𝒲(W)), so
//! the primal iterates are exactly feasible and only (D) is allowed to be infeasible
//! (r_D = e_γ + Bᵀλ + 𝒲*(X), 𝒲*(X)_{aj} = 2X_{a,C+j}; it shrinks by the factor 1 − α_d of
//! every dual step). The direction is HKM's (Helmberg–Rendl–Vanderbei–Wolkowicz 1996;
//! Kojima–Shindoh–Hara 1997; Monteiro 1997): the linearized complementarity λ∘s = σμ,
//! XS = σμI is solved for ΔX = σμS⁻¹ − X − XΔS S⁻¹ (then symmetrized), which reduces the
//! Newton system to the Schur complement
//!
//! ```text
//!   (Bᵀ diag(λ/s) B + H) Δy = e_γ + Bᵀ(σμ/s − Δλ_aΔs_a/s) + 𝒲*((σμI − ΔX_aΔS_a) S⁻¹),
//!   H_{(a,j),(a',j')} = tr(F_{aj} X F_{a'j'} S⁻¹)
//!                     = X_{pa'}V_{p'a} + X_{pp'}V_{a'a} + X_{aa'}V_{p'p} + X_{ap'}V_{a'p}
//! ```
//!
//! (V = S⁻¹, p = C + j, p' = C + j', F_{aj} = ∂𝒲/∂W_{aj}), with Mehrotra's predictor–corrector
//! (σ = (μ_aff/μ)³, the Δ·_a terms are the predictor's). The matrix has size C·d + 1 whatever
//! n is; forming Bᵀ diag(λ/s) B costs n·M² flops (faer GEMM) and dominates for n ≫ M. Steps
//! go to 98 % (90 % in the first iterations) of the distance to the boundary of each cone,
//! separately for y and (λ, X). Start: W = 0, γ = −1, λ = 1/n, X = I/n — exactly on the
//! central path (λ_r s_r = 1/n, XS = I/n) with Σ λ = 1.
//!
//! Every iterate is scored by its own certificate on the scaled data (p = min_r ⟨A_r, W⟩/‖W‖₂,
//! D = ‖Σ_r λ_r A_r‖_*/Σλ, SVDs recomputed) and the best one is kept; the loop stops at a
//! relative gap of [`TARGET`], after [`MAX_ITER`] iterations, when none of the gap, the
//! cancellation ratio below and μ has halved in [`STALL`] iterations, or when the weights prove γ* = 0 to rounding
//! (‖Σ λ_r A_r‖_* ≤ 1e-15 Σ λ_r ‖A_r‖_F). Measured (`tests::sweep`): 9–54 iterations, mostly
//! 20–40, reaching gaps of 1e-15 – 1.3e-8; the last digits come from the polish
//! (`polish.rs`).

use crate::error::{Error, Result};
use crate::linalg::{matmul, nuclear_norm, spectral_norm};
use faer::{Accum, MatMut, MatRef};
use nalgebra::{DMatrix, DVector};

/// Interior-point iterations at most.
pub(super) const MAX_ITER: usize = 100;
/// Stop below this relative gap (rounding level of the scaled data).
pub(super) const TARGET: f64 = 1e-15;
/// Stop when none of the best gap, the best cancellation ratio and μ has halved for this
/// many iterations.
pub(super) const STALL: usize = 10;

/// The SDP data: B = [A | −1] (n × (C·d + 1), column-major) on the scaled rows.
pub(super) struct Problem {
    /// Rows (vec A_r, −1), column-major n × (C·d + 1).
    pub b: DMatrix<f64>,
    /// Rows C of W.
    pub c: usize,
    /// Columns d of W.
    pub d: usize,
    /// ‖A_r‖_F (for the non-separability ratio).
    row_norm: Vec<f64>,
}

/// A scored point: W (any scale) and weights λ ≥ 0 (any positive scale), with its
/// certificate on the scaled data (D = ‖Σ_r λ_r A_r‖_* / Σ_r λ_r enters `rel` and `cancel`).
#[derive(Debug, Clone)]
pub(super) struct Scored {
    /// W, row-major C×d.
    pub w: Vec<f64>,
    /// λ, one per row.
    pub lam: Vec<f64>,
    /// p = min_r ⟨A_r, W⟩ / ‖W‖₂ (0 for W = 0).
    pub p: f64,
    /// |D − p| / max(|p|, |D|) (∞ when undefined).
    pub rel: f64,
    /// D / (Σ_r λ_r ‖A_r‖_F / Σλ): small when the weights nearly cancel (γ* ≈ 0).
    pub cancel: f64,
}

/// What the interior-point method returns.
#[derive(Debug, Clone)]
pub(super) struct Outcome {
    /// The iterate with the smallest relative gap.
    pub best: Scored,
    /// The iterate with the smallest cancellation ratio (for a proof of γ* = 0).
    pub sep: Scored,
    /// Iterations run.
    pub iterations: usize,
}

impl Problem {
    /// The problem of the rows `z` (row-major n × C·d, already scaled to order 1).
    pub(super) fn new(z: &[f64], n: usize, c: usize, d: usize) -> Result<Problem> {
        let cd = c * d;
        if n == 0 || cd == 0 || z.len() != n * cd {
            return Err(Error::Numerical(format!(
                "spectral max-margin: {} entries for {n} rows of C·d = {c}·{d}",
                z.len()
            )));
        }
        crate::resources::reserve(
            &format!(
                "the spectral max-margin interior point ({n} rows × {} columns)",
                cd + 1
            ),
            crate::resources::f64_bytes(
                2 * n as u128 * (cd as u128 + 1) + 4 * (cd as u128 + 1) * (cd as u128 + 1),
            ),
        )?;
        let b = DMatrix::from_fn(n, cd + 1, |r, k| if k < cd { z[r * cd + k] } else { -1.0 });
        let row_norm = (0..n)
            .map(|r| crate::params::norm2(&z[r * cd..(r + 1) * cd]))
            .collect();
        Ok(Problem { b, c, d, row_norm })
    }

    /// Number of rows n.
    pub(super) fn n(&self) -> usize {
        self.b.nrows()
    }

    /// C·d.
    pub(super) fn cd(&self) -> usize {
        self.c * self.d
    }

    /// Row r's entry k of vec A_r.
    pub(super) fn a(&self, r: usize, k: usize) -> f64 {
        self.b[(r, k)]
    }

    /// ⟨A_r, W⟩ for every row.
    pub(super) fn margins(&self, w: &[f64]) -> Vec<f64> {
        let mut y = DVector::zeros(self.cd() + 1);
        y.as_mut_slice()[..self.cd()].copy_from_slice(w);
        (&self.b * y).as_slice().to_vec()
    }

    /// Σ_r λ_r A_r / Σ_r λ_r, row-major C×d.
    pub(super) fn combine(&self, lam: &[f64]) -> Vec<f64> {
        let total: f64 = lam.iter().sum();
        let l = DVector::from_column_slice(lam);
        let g = self.b.tr_mul(&l);
        g.as_slice()[..self.cd()]
            .iter()
            .map(|v| v / total)
            .collect()
    }

    /// δI + 𝒲(W).
    fn block(&self, w: &[f64], diag: f64) -> DMatrix<f64> {
        let (c, d) = (self.c, self.d);
        DMatrix::from_fn(c + d, c + d, |i, j| match (i < c, j < c) {
            (true, false) => w[i * d + j - c],
            (false, true) => w[j * d + i - c],
            _ if i == j => diag,
            _ => 0.0,
        })
    }

    /// v[..C·d] += 𝒲*(M), 𝒲*(M)_{aj} = M_{a,C+j} + M_{C+j,a}.
    fn add_wstar(&self, m: &DMatrix<f64>, v: &mut DVector<f64>) {
        let (c, d) = (self.c, self.d);
        for a in 0..c {
            for j in 0..d {
                v[a * d + j] += m[(a, c + j)] + m[(c + j, a)];
            }
        }
    }

    /// Score (W, λ) (struct docs of [`Scored`]).
    pub(super) fn score(&self, w: &[f64], lam: &[f64]) -> Scored {
        let (c, d) = (self.c, self.d);
        let nw = spectral_norm(c, d, w).unwrap_or(f64::NAN);
        let q = self.margins(w).into_iter().fold(f64::INFINITY, f64::min);
        let p = if nw > 0.0 { q / nw } else { 0.0 };
        let total: f64 = lam.iter().sum();
        let dual = nuclear_norm(c, d, &self.combine(lam)).unwrap_or(f64::NAN);
        let big = p.abs().max(dual.abs());
        let rel = if big > 0.0 {
            (dual - p).abs() / big
        } else {
            0.0
        };
        let mass: f64 = lam
            .iter()
            .zip(&self.row_norm)
            .map(|(l, a)| l * a)
            .sum::<f64>()
            / total;
        Scored {
            w: w.to_vec(),
            lam: lam.to_vec(),
            p,
            rel: if rel.is_finite() { rel } else { f64::INFINITY },
            cancel: if mass > 0.0 {
                dual / mass
            } else {
                f64::INFINITY
            },
        }
    }

    /// Bᵀ diag(dl) B + H(X, V) (module docs), symmetrized.
    fn schur(&self, dl: &DVector<f64>, x: &DMatrix<f64>, v: &DMatrix<f64>) -> DMatrix<f64> {
        let (n, m, c, d) = (self.n(), self.cd() + 1, self.c, self.d);
        let bs = DMatrix::from_fn(n, m, |r, k| dl[r].sqrt() * self.b[(r, k)]);
        let mut o = DMatrix::zeros(m, m);
        {
            let bsr = MatRef::from_column_major_slice(bs.as_slice(), n, m);
            let dst = MatMut::from_column_major_slice_mut(o.as_mut_slice(), m, m);
            matmul(dst, Accum::Replace, bsr.transpose(), bsr, 1.0);
        }
        for a1 in 0..c {
            for j1 in 0..d {
                let (k1, p1) = (a1 * d + j1, c + j1);
                for a2 in 0..c {
                    for j2 in 0..d {
                        let (k2, p2) = (a2 * d + j2, c + j2);
                        o[(k1, k2)] += x[(p1, a2)] * v[(p2, a1)]
                            + x[(p1, p2)] * v[(a2, a1)]
                            + x[(a1, a2)] * v[(p2, p1)]
                            + x[(a1, p2)] * v[(a2, p1)];
                    }
                }
            }
        }
        sym(o)
    }
}

/// (M + Mᵀ)/2.
fn sym(m: DMatrix<f64>) -> DMatrix<f64> {
    (&m + m.transpose()) * 0.5
}

/// Largest α with M + αΔM ⪰ 0, from the Cholesky factor L of M ≻ 0 (0 if a solve fails).
fn step_psd(l: &DMatrix<f64>, dm: &DMatrix<f64>) -> f64 {
    let Some(t1) = l.solve_lower_triangular(dm) else {
        return 0.0;
    };
    let Some(t) = l.solve_lower_triangular(&t1.transpose()) else {
        return 0.0;
    };
    let lmin = sym(t).symmetric_eigenvalues().min();
    if lmin < 0.0 {
        -1.0 / lmin
    } else {
        f64::INFINITY
    }
}

/// Largest α with v + αΔv ≥ 0 (v > 0).
fn step_lp(v: &DVector<f64>, dv: &DVector<f64>) -> f64 {
    v.iter()
        .zip(dv.iter())
        .filter(|(_, &dx)| dx < 0.0)
        .fold(f64::INFINITY, |a, (&x, &dx)| a.min(-x / dx))
}

/// A factored Schur complement with iterative refinement.
struct Factored {
    /// The matrix itself (for the refinement residuals).
    o: DMatrix<f64>,
    /// Cholesky of o with the diagonal scaled by 1 + 1e-14, if it succeeded.
    chol: Option<nalgebra::Cholesky<f64, nalgebra::Dyn>>,
    /// LU otherwise.
    lu: Option<nalgebra::LU<f64, nalgebra::Dyn, nalgebra::Dyn>>,
}

impl Factored {
    /// Factor o (the 1e-14 relative diagonal shift keeps Cholesky going when o is singular to
    /// rounding near the optimum; the refinement removes its effect to that level).
    fn new(o: DMatrix<f64>) -> Factored {
        let mut reg = o.clone();
        for k in 0..reg.nrows() {
            reg[(k, k)] *= 1.0 + 1e-14;
        }
        let chol = reg.clone().cholesky();
        let lu = chol.is_none().then(|| reg.lu());
        Factored { o, chol, lu }
    }

    /// o⁻¹ rhs with two steps of iterative refinement (None when singular or not finite).
    fn solve(&self, rhs: &DVector<f64>) -> Option<DVector<f64>> {
        let raw = |r: &DVector<f64>| match (&self.chol, &self.lu) {
            (Some(ch), _) => Some(ch.solve(r)),
            (None, Some(lu)) => lu.solve(r),
            _ => None,
        };
        let mut x = raw(rhs)?;
        for _ in 0..2 {
            let res = rhs - &self.o * &x;
            x += raw(&res)?;
        }
        x.iter().all(|v| v.is_finite()).then_some(x)
    }
}

/// Run the method of the module docs.
pub(super) fn solve(pb: &Problem) -> Outcome {
    let (n, cd) = (pb.n(), pb.cd());
    let nn = pb.c + pb.d;
    let mut e_gamma = DVector::zeros(cd + 1);
    e_gamma[cd] = 1.0;
    let mut y = DVector::zeros(cd + 1);
    y[cd] = -1.0;
    let mut s = &pb.b * &y;
    let mut ss = pb.block(&y.as_slice()[..cd], 1.0);
    let mut lam = DVector::from_element(n, 1.0 / n as f64);
    let mut x = DMatrix::identity(nn, nn) / n as f64;
    let mut best = pb.score(&y.as_slice()[..cd], lam.as_slice());
    let mut sep = best.clone();
    let (mut it, mut since) = (0, 0);
    let mut mark = (best.rel, best.cancel, f64::INFINITY);
    let dim = (n + nn) as f64;
    while it < MAX_ITER {
        it += 1;
        let mu = (lam.dot(&s) + (&x * &ss).trace()) / dim;
        let (Some(chs), Some(chx)) = (ss.clone().cholesky(), x.clone().cholesky()) else {
            break;
        };
        let (ls, lx) = (chs.l(), chx.l());
        let v = chs.inverse();
        let dl = lam.component_div(&s);
        let f = Factored::new(pb.schur(&dl, &x, &v));
        let dirs = |dy: &DVector<f64>| (&pb.b * dy, pb.block(&dy.as_slice()[..cd], 0.0));
        // Predictor (σ = 0).
        let Some(dy_a) = f.solve(&e_gamma) else { break };
        let (ds_a, dss_a) = dirs(&dy_a);
        let dlam_a = -&lam - dl.component_mul(&ds_a);
        let dx_a = sym(-&x - &x * &dss_a * &v);
        let ap = step_lp(&s, &ds_a).min(step_psd(&ls, &dss_a)).min(1.0);
        let ad = step_lp(&lam, &dlam_a).min(step_psd(&lx, &dx_a)).min(1.0);
        let mu_a = ((&lam + &dlam_a * ad).dot(&(&s + &ds_a * ap))
            + ((&x + &dx_a * ad) * (&ss + &dss_a * ap)).trace())
            / dim;
        let smu = (mu_a / mu).clamp(0.0, 1.0).powi(3) * mu;
        // Corrector.
        let lp_t = (DVector::from_element(n, smu) - ds_a.component_mul(&dlam_a)).component_div(&s);
        let sdp_t = (DMatrix::identity(nn, nn) * smu - &dx_a * &dss_a) * &v;
        let mut rhs = &e_gamma + pb.b.tr_mul(&lp_t);
        pb.add_wstar(&sdp_t, &mut rhs);
        let Some(dy) = f.solve(&rhs) else { break };
        let (ds, dss) = dirs(&dy);
        let dlam = &lp_t - &lam - dl.component_mul(&ds);
        let dx = sym(&sdp_t - &x - &x * &dss * &v);
        let tau = if it <= 4 { 0.9 } else { 0.98 };
        let ap = (tau * step_lp(&s, &ds).min(step_psd(&ls, &dss))).min(1.0);
        let ad = (tau * step_lp(&lam, &dlam).min(step_psd(&lx, &dx))).min(1.0);
        if !(ap > 0.0 && ad > 0.0) {
            break;
        }
        let y_new = &y + &dy * ap;
        let s_new = &pb.b * &y_new;
        if s_new.iter().any(|&v| v.is_nan() || v <= 0.0) {
            break;
        }
        y = y_new;
        s = s_new;
        ss = pb.block(&y.as_slice()[..cd], 1.0);
        lam += &dlam * ad;
        x = sym(&x + &dx * ad);
        let cur = pb.score(&y.as_slice()[..cd], lam.as_slice());
        // Progress: the best gap, the best cancellation ratio or μ halved.
        since += 1;
        if cur.rel < 0.5 * mark.0 || cur.cancel < 0.5 * mark.1 || mu < 0.5 * mark.2 {
            since = 0;
            mark = (mark.0.min(cur.rel), mark.1.min(cur.cancel), mark.2.min(mu));
        }
        if cur.cancel < sep.cancel {
            sep = cur.clone();
        }
        if cur.rel < best.rel {
            best = cur;
        }
        if best.rel <= TARGET || since >= STALL || (sep.p <= 0.0 && sep.cancel <= 1e-15) {
            break;
        }
    }
    Outcome {
        best,
        sep,
        iterations: it,
    }
}
