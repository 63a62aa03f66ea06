//! The Euclidean norm N(θ) = ‖θ‖₂ = (Σ_j θ_j²)^{1/2} — the implicit norm of GD, normalized
//! GD and momentum GD (\[M\] Thm 3.3; \[F\] Thm 3.4; Lyu & Li 2020), and of RMSProp / Adam with
//! a fixed ε > 0 (\[A\] Thm 7).
//!
//! On a matrix block this is the **Frobenius** norm ‖W‖_F, not the spectral norm σ_max(W)
//! (σ_max ≤ ‖W‖_F ≤ √rank·σ_max).
//!
//! * dual: N_*(g) = ‖g‖₂ (self-dual);
//! * steepest direction: d = g/‖g‖₂ (unique; 0 for g = 0);
//! * subgradient: s = θ/‖θ‖₂ (the gradient; 0 at θ = 0).
//!
//! Norms are computed with max-scaling ([`crate::params::norm2`]), so no overflow or
//! underflow for any finite input.

use super::Norm;
use crate::params::{norm2, Layout};

/// The Euclidean norm (Frobenius on matrix blocks); see the module docs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct L2;

/// ‖x‖₂ (overflow-safe).
pub(crate) fn value(x: &[f64]) -> f64 {
    norm2(x)
}

/// x/‖x‖₂, or 0 when x = 0. Serves as the steepest direction and the subgradient.
pub(crate) fn normalize(x: &[f64], out: &mut [f64]) {
    let n = norm2(x);
    if n == 0.0 {
        out.fill(0.0);
        return;
    }
    for (o, v) in out.iter_mut().zip(x) {
        *o = v / n;
    }
}

impl Norm for L2 {
    fn name(&self) -> String {
        "l2".into()
    }
    fn value(&self, _layout: &Layout, x: &[f64]) -> f64 {
        value(x)
    }
    fn dual(&self, _layout: &Layout, g: &[f64]) -> f64 {
        value(g)
    }
    fn steepest(&self, _layout: &Layout, g: &[f64], out: &mut [f64]) {
        normalize(g, out)
    }
    fn subgradient(&self, _layout: &Layout, x: &[f64], out: &mut [f64]) {
        normalize(x, out)
    }
}
