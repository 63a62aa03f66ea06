//! The solvers' view of the data: the signed rows z_i = y_i x_i, multiplied by one power of
//! two 2^k chosen so that max_ij |z_ij|·2^k ∈ [½, 1).
//!
//! **Why this transformation and no other.** Scaling all data by c > 0 maps the max-margin
//! problem max_{N(θ)≤1} min_i ⟨z_i, θ⟩ to itself with the same maximizers θ* and the margin
//! multiplied by c. With c = 2^k the scaled entries are the original ones with a shifted
//! exponent — the solver's problem is *the same numbers* as the original, only of order 1,
//! and nothing has to be mapped back except the exponent of the margin (which the
//! certificate recomputes in the original coordinates anyway). Entries more than 2^1022
//! below the largest become subnormal or 0 in the scaled copy; they cannot change any
//! inner product by more than 2^-1074 of its largest term, which the certificate's rounding
//! bound covers.
//!
//! Per-column scaling x_ij → x_ij s_j is *not* done. It is an exact reformulation only
//! together with the norm: θ_j = s_j φ_j turns N(θ) into the weighted norm N(s ⊙ φ) — for
//! ℓ1 / ℓ∞ a reweighted ball (still an LP: weighted bounds or one weighted row), for ℓ2 the
//! QP with P = diag(s²). It would help only where large columns must cancel to far below
//! their size at the optimum (e.g. columns at 1e6 that do not separate the data next to
//! columns at 1e-6 that do); but there the certificate itself — the dual sum Σ_i w_i z_i,
//! whose large coordinates cancel — cannot be evaluated to better than ≈ 1e-4 of the margin
//! in f64, so such answers are refused whatever the solver ([`super::MAX_TOLERANCE`]).
//! Where the large columns do not cancel, the unscaled solve is already accurate (the
//! 1e6 / 1e-6 columns of tests/maxmargin_scaling.rs are certified to gaps ≤ 1.3e-11). Row
//! scaling is done inside the primal LPs ([`super::lp`]), where it is exact: the constraint
//! ⟨z_i, θ⟩ ≥ γ is multiplied on *both* sides by r_i > 0.

use super::extended::exponent;
use crate::data::Dataset;

/// The signed rows z_i = y_i x_i, row-major, times 2^k.
#[derive(Debug, Clone)]
pub(crate) struct Rows {
    /// Number of rows m.
    pub m: usize,
    /// Number of columns d.
    pub d: usize,
    /// z_ij·2^k, row-major (m × d).
    pub z: Vec<f64>,
}

impl Rows {
    /// The signed rows of `data`, scaled by the power of two 2^k with max |z_ij|·2^k ∈
    /// [½, 1) (k = 0 when every entry is 0).
    pub(crate) fn scaled(data: &Dataset) -> Rows {
        let (m, d) = (data.m(), data.d());
        let amax = data.x.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
        let k = if amax > 0.0 { -exponent(amax) } else { 0 };
        let mut z = Vec::with_capacity(m * d);
        for i in 0..m {
            for j in 0..d {
                z.push(super::extended::ldexp(data.y[i] * data.x[(i, j)], k));
            }
        }
        Rows { m, d, z }
    }

    /// Row i.
    pub(crate) fn row(&self, i: usize) -> &[f64] {
        &self.z[i * self.d..(i + 1) * self.d]
    }

    /// Zᵀw: g_j = Σ_i w_i z_ij.
    pub(crate) fn combine(&self, w: &[f64]) -> Vec<f64> {
        let mut g = vec![0.0; self.d];
        for (i, &wi) in w.iter().enumerate() {
            if wi != 0.0 {
                for (gj, &zij) in g.iter_mut().zip(self.row(i)) {
                    *gj += wi * zij;
                }
            }
        }
        g
    }

    /// Zθ: ⟨z_i, θ⟩ for every row.
    pub(crate) fn apply(&self, theta: &[f64]) -> Vec<f64> {
        (0..self.m)
            .map(|i| crate::params::dot(self.row(i), theta))
            .collect()
    }
}
