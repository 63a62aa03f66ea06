//! The weighted Euclidean norm N(θ) = ‖h ⊙ θ‖₂ = (Σ_j h_j² θ_j²)^{1/2} with fixed weights
//! h_j > 0. AdaGrad's implicit norm is this norm with h = h_∞^{-1/2}, where h_∞ is the
//! limit of its accumulated squared gradients: \[A\] Thm 6 (KKT point of
//! min ½‖h_∞^{-1/2} ⊙ w‖² s.t. margins ≥ 1).
//!
//! * dual: N_*(g) = ‖g / h‖₂ (entrywise division);
//! * steepest direction (unique): d = (g / h²) / ‖g / h‖₂, so ‖h ⊙ d‖₂ = 1 and
//!   ⟨g, d⟩ = ‖g/h‖₂;
//! * subgradient (the gradient for θ ≠ 0): s = h² ⊙ θ / ‖h ⊙ θ‖₂.
//!
//! All formulas are evaluated on ratios ≤ 1 ((g_j/h_j)/‖g/h‖₂ and (h_jθ_j)/‖h⊙θ‖₂) and norms
//! with max-scaling, so nothing overflows spuriously.

use super::{Norm, NormSpec};
use crate::error::{Error, Result};
use crate::params::{norm2, Layout};

/// ‖h ⊙ θ‖₂ with one weight h_j > 0 per parameter; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedL2 {
    h: Vec<f64>,
}

impl WeightedL2 {
    /// The weighted ℓ2 norm with weights `h`; errors ([`Error::Config`]) if `h` is empty or
    /// some h_j is not finite and > 0.
    pub fn new(h: Vec<f64>) -> Result<WeightedL2> {
        if h.is_empty() {
            return Err(Error::Config("weighted_l2: no weights given".into()));
        }
        if let Some(j) = h.iter().position(|v| !(*v > 0.0 && v.is_finite())) {
            return Err(Error::Config(format!(
                "weighted_l2: weight {j} is {}; weights must be finite and > 0",
                h[j]
            )));
        }
        Ok(WeightedL2 { h })
    }

    /// The weights h.
    pub fn weights(&self) -> &[f64] {
        &self.h
    }

    /// ‖x ⊙ h‖₂ (`mul = true`) or ‖x / h‖₂ (`mul = false`); NaN on a length mismatch.
    fn scaled_norm(&self, x: &[f64], mul: bool) -> f64 {
        if x.len() != self.h.len() {
            return f64::NAN;
        }
        let y: Vec<f64> = x
            .iter()
            .zip(&self.h)
            .map(|(v, h)| if mul { v * h } else { v / h })
            .collect();
        norm2(&y)
    }
}

impl Norm for WeightedL2 {
    fn name(&self) -> String {
        "weighted_l2".into()
    }
    fn value(&self, _layout: &Layout, x: &[f64]) -> f64 {
        self.scaled_norm(x, true)
    }
    fn dual(&self, _layout: &Layout, g: &[f64]) -> f64 {
        self.scaled_norm(g, false)
    }
    fn steepest(&self, _layout: &Layout, g: &[f64], out: &mut [f64]) {
        let n = self.scaled_norm(g, false);
        if n == 0.0 {
            out.fill(0.0);
            return;
        }
        for ((o, v), h) in out.iter_mut().zip(g).zip(&self.h) {
            *o = ((v / h) / n) / h;
        }
        if n.is_nan() {
            out.fill(f64::NAN);
        }
    }
    fn subgradient(&self, _layout: &Layout, x: &[f64], out: &mut [f64]) {
        let n = self.scaled_norm(x, true);
        if n == 0.0 {
            out.fill(0.0);
            return;
        }
        for ((o, v), h) in out.iter_mut().zip(x).zip(&self.h) {
            *o = ((v * h) / n) * h;
        }
        if n.is_nan() {
            out.fill(f64::NAN);
        }
    }
    fn validate(&self, layout: &Layout) -> Result<()> {
        if self.h.len() == layout.len() {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "weighted_l2 has {} weights but layout {} has {} parameters",
                self.h.len(),
                layout.describe(),
                layout.len()
            )))
        }
    }
    fn spec(&self) -> Option<NormSpec> {
        Some(NormSpec::WeightedL2(self.h.clone()))
    }
}
