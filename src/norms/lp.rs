//! The ℓp norm N(θ) = (Σ_j |θ_j|^p)^{1/p} for 1 < p < ∞ (the limits are [`super::L1`] and
//! [`super::Linf`]); steepest descent w.r.t. it is a case of \[F\] eq. 1.
//!
//! With the conjugate exponent q = p/(p−1) (1/p + 1/q = 1):
//! * dual: N_*(g) = ‖g‖_q;
//! * steepest direction (unique, the equality case of Hölder):
//!   d_j = sign(g_j)·|g_j|^{q−1} / ‖g‖_q^{q−1}, so ‖d‖_p = 1 and ⟨g, d⟩ = ‖g‖_q;
//! * subgradient (the gradient for θ ≠ 0): s_j = sign(θ_j)·|θ_j|^{p−1} / ‖θ‖_p^{p−1}.
//!
//! Everything is computed on |x_j|/max_k|x_k| and |x_j|/‖x‖ (ratios ≤ 1), so no power
//! overflows or underflows spuriously for any finite input.

use super::entrywise::{max_abs, sign};
use super::{Norm, NormSpec};
use crate::error::{Error, Result};
use crate::params::Layout;

/// The ℓp norm, 1 < p < ∞; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lp {
    p: f64,
    q: f64,
}

/// Check 1 < p < ∞.
pub(crate) fn check_p(p: f64) -> Result<()> {
    if p > 1.0 && p.is_finite() {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "ℓp norm: p = {p} must satisfy 1 < p < ∞ (use l1 / linf for the limits)"
        )))
    }
}

/// The conjugate exponent q = p/(p−1).
pub(crate) fn conjugate(p: f64) -> f64 {
    p / (p - 1.0)
}

/// ‖x‖_p = s·(Σ_j (|x_j|/s)^p)^{1/p} with s = max_j |x_j|.
pub(crate) fn value(x: &[f64], p: f64) -> f64 {
    let s = max_abs(x);
    if s == 0.0 || !s.is_finite() {
        return s;
    }
    let sum: f64 = x.iter().map(|v| (v.abs() / s).powf(p)).sum();
    s * sum.powf(1.0 / p)
}

/// The duality map of ℓr: out_j = sign(x_j)(|x_j|/‖x‖_r)^{r−1} (0 for x = 0).
/// With r = q it is the ℓp-steepest direction of g; with r = p the ℓp subgradient at x.
pub(crate) fn duality_map(x: &[f64], r: f64, out: &mut [f64]) {
    let n = value(x, r);
    if n == 0.0 {
        out.fill(0.0);
        return;
    }
    for (o, v) in out.iter_mut().zip(x) {
        *o = sign(*v) * (v.abs() / n).powf(r - 1.0);
    }
}

impl Lp {
    /// The ℓp norm; errors ([`Error::Config`]) unless 1 < p < ∞.
    pub fn new(p: f64) -> Result<Lp> {
        check_p(p)?;
        Ok(Lp { p, q: conjugate(p) })
    }
    /// The exponent p.
    pub fn p(&self) -> f64 {
        self.p
    }
    /// The conjugate exponent q = p/(p−1) of the dual norm.
    pub fn q(&self) -> f64 {
        self.q
    }
}

impl Norm for Lp {
    fn name(&self) -> String {
        NormSpec::Lp(self.p).to_string()
    }
    fn value(&self, _layout: &Layout, x: &[f64]) -> f64 {
        value(x, self.p)
    }
    fn dual(&self, _layout: &Layout, g: &[f64]) -> f64 {
        value(g, self.q)
    }
    fn steepest(&self, _layout: &Layout, g: &[f64], out: &mut [f64]) {
        duality_map(g, self.q, out)
    }
    fn subgradient(&self, _layout: &Layout, x: &[f64], out: &mut [f64]) {
        duality_map(x, self.p, out)
    }
}
