//! The **entrywise** ℓ∞ norm N(θ) = max_j |θ_j| — the implicit norm of sign GD, Signum and
//! Adam without ε (\[M\] Thm 3.4, 3.6; \[F\] §3).
//!
//! **Warning.** On a matrix block this is max_rc |W_rc|, *not* the induced ℓ∞→ℓ∞ norm and
//! *not* the spectral norm σ_max(W) (use [`super::Spectral`] / [`super::MaxSpectral`] for
//! that). E.g. for W = [[1, 1], [1, 1]] the entrywise ℓ∞ norm is 1 while σ_max(W) = 2.
//!
//! * dual: N_*(g) = ‖g‖₁;
//! * steepest direction: d = sign(g) with sign(0) = 0 (‖d‖_∞ = 1 for g ≠ 0, ⟨g, d⟩ = ‖g‖₁);
//! * subgradient: with J = {j : |θ_j| = max_k |θ_k|}, s_j = sign(θ_j)/|J| on J and 0
//!   elsewhere. **Tie-break:** split evenly over the argmax set (‖s‖₁ = 1, ⟨s, θ⟩ = ‖θ‖_∞).

use super::entrywise::{max_abs, sign_into, split_over_argmax, sum_abs};
use super::Norm;
use crate::params::Layout;

/// The entrywise ℓ∞ norm max_j |θ_j| (not the spectral norm of a matrix block); see the
/// module docs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Linf;

/// max_j |x_j| (0 for an empty slice).
pub(crate) fn value(x: &[f64]) -> f64 {
    max_abs(x)
}

/// Dual of ℓ∞: Σ_j |g_j|.
pub(crate) fn dual(g: &[f64]) -> f64 {
    sum_abs(g)
}

/// ℓ∞-steepest direction sign(g) (sign(0) = 0).
pub(crate) fn steepest(g: &[f64], out: &mut [f64]) {
    sign_into(g, out)
}

/// Subgradient of ℓ∞: sign(x_j)/|J| on the argmax set J of |x|.
pub(crate) fn subgradient(x: &[f64], out: &mut [f64]) {
    split_over_argmax(x, out)
}

impl Norm for Linf {
    fn name(&self) -> String {
        "linf".into()
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
