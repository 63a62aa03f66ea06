//! Log-domain step kernels shared by the update rules (public, for rules written outside
//! this crate).
//!
//! The trainer hands every rule the loss gradient as g = e^{c}·ĝ ([`super::ScaledGrad`]),
//! buffers are stored as e^{s}·v ([`super::ScaledBuf`]), and a step that carries the true
//! gradient scale is formed as e^{ln η + s}·x, which underflows to 0 exactly when the true
//! step does and is an error (not ±∞) when it overflows.

use crate::error::{Error, Result};
use crate::params::norm2;

/// ln x for x > 0, −∞ for x = 0 (and for x < 0 or NaN, which callers never pass).
pub fn ln_pos(x: f64) -> f64 {
    if x > 0.0 {
        x.ln()
    } else {
        f64::NEG_INFINITY
    }
}

/// The factor e^{ln η + s} of a scaled step: exactly η for s = 0 (e^{ln η} may differ from η
/// in the last bit), 0 for η = 0 or s = −∞; [`Error::Numerical`] when it overflows.
pub fn step_factor(who: &str, lr: f64, log_scale: f64) -> Result<f64> {
    if log_scale == 0.0 {
        return Ok(lr);
    }
    let l = ln_pos(lr) + log_scale;
    if l == f64::NEG_INFINITY {
        return Ok(0.0);
    }
    let f = l.exp();
    if !f.is_finite() {
        return Err(Error::Numerical(format!(
            "{who}: step overflowed (log of its scale = {l:.4e})"
        )));
    }
    Ok(f)
}

/// x ← −e^{ln η + s}·x ([`step_factor`]; exact zeros when η = 0 or s = −∞).
pub fn scale_in_place(who: &str, lr: f64, log_scale: f64, x: &mut [f64]) -> Result<()> {
    let f = step_factor(who, lr, log_scale)?;
    x.iter_mut().for_each(|v| *v *= -f);
    Ok(())
}

/// out_j = −η·sign(x_j) with sign(0) = 0 (`f64::signum` would give ±1 for ±0) — the
/// normalized ℓ∞ steepest step, every coordinate exactly ±η or 0.
pub fn neg_sign(x: &[f64], lr: f64, out: &mut [f64]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = if v > 0.0 {
            -lr
        } else if v < 0.0 {
            lr
        } else {
            0.0
        };
    }
}

/// out = −η·x/‖x‖₂ (0 when x = 0) — the normalized ℓ2 steepest step; ‖x‖₂ is computed with
/// max-scaling ([`crate::params::norm2`]: no under/overflow).
pub fn normalize_l2(x: &[f64], lr: f64, out: &mut [f64]) {
    let n = norm2(x);
    if n == 0.0 {
        out.fill(0.0);
        return;
    }
    for (o, v) in out.iter_mut().zip(x) {
        *o = -lr * (v / n);
    }
}
