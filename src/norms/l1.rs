//! The ℓ1 norm N(θ) = Σ_j |θ_j| — the implicit norm of coordinate descent (\[F\] §3, the
//! ℓ1 instance of steepest descent eq. 1).
//!
//! * dual: N_*(g) = ‖g‖_∞ = max_j |g_j|;
//! * steepest direction: with J = {j : |g_j| = max_k |g_k|},
//!   d_j = sign(g_j)/|J| for j ∈ J and 0 elsewhere. **Tie-break:** ties are split evenly,
//!   which makes coordinate descent deterministic and permutation-equivariant
//!   (‖d‖₁ = 1 and ⟨g, d⟩ = ‖g‖_∞);
//! * subgradient: s = sign(θ) with sign(0) = 0 (‖s‖_∞ ≤ 1, ⟨s, θ⟩ = ‖θ‖₁).
//!
//! The layout is ignored: on a matrix block this is the entrywise ℓ1 norm Σ_rc |W_rc|.

use super::entrywise::{max_abs, sign_into, split_over_argmax, sum_abs};
use super::Norm;
use crate::params::Layout;

/// The ℓ1 norm Σ_j |θ_j| (entrywise on matrix blocks); see the module docs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct L1;

/// Σ_j |x_j|.
pub(crate) fn value(x: &[f64]) -> f64 {
    sum_abs(x)
}

/// Dual of ℓ1: max_j |g_j|.
pub(crate) fn dual(g: &[f64]) -> f64 {
    max_abs(g)
}

/// ℓ1-steepest direction: sign(g_j)/|J| on the argmax set J of |g|, 0 elsewhere.
pub(crate) fn steepest(g: &[f64], out: &mut [f64]) {
    split_over_argmax(g, out);
}

/// Subgradient of ℓ1: sign(x) with sign(0) = 0.
pub(crate) fn subgradient(x: &[f64], out: &mut [f64]) {
    sign_into(x, out)
}

impl Norm for L1 {
    fn name(&self) -> String {
        "l1".into()
    }
    fn value(&self, _layout: &Layout, x: &[f64]) -> f64 {
        value(x)
    }
    fn dual(&self, _layout: &Layout, g: &[f64]) -> f64 {
        dual(g)
    }
    fn steepest(&self, _layout: &Layout, g: &[f64], out: &mut [f64]) {
        steepest(g, out)
    }
    fn subgradient(&self, _layout: &Layout, x: &[f64], out: &mut [f64]) {
        subgradient(x, out)
    }
}
