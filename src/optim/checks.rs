//! Argument and hyper-parameter checks shared by every update rule — public, so rules
//! written outside this crate (`examples/lion.rs`) use the same ones.
//!
//! The [`super::Optimizer`] wrapper runs [`check_update`] and [`check_layout`] before every
//! rule's `update`, so a rule never repeats them; [`check_beta`], [`check_eps`] and
//! [`check_positive`] validate hyper-parameters in `init` or in a config's `build`.
//! Every check returns a clear [`Error`] naming the rule and the value, never panics.

use super::rule::Step;
use super::ScaledGrad;
use crate::error::{Error, Result};
use crate::params::Layout;

/// The fast test behind [`check_update`]: true when every condition holds.
pub(crate) fn update_is_valid(grad: &ScaledGrad<'_>, step: &Step<'_>, delta: &[f64]) -> bool {
    let p = step.layout.len();
    grad.dir.len() == p
        && delta.len() == p
        && step.theta.len() == p
        && step.lr >= 0.0
        && step.lr.is_finite()
        && step.t >= 1
        && !grad.log_scale.is_nan()
        && grad.log_scale != f64::INFINITY
        && crate::params::all_finite(grad.dir)
}

/// Validate the arguments of one step of rule `who`: the gradient direction, θ and Δ have
/// `step.layout.len()` entries ([`Error::Params`]); η is finite and ≥ 0 and t ≥ 1 (steps
/// are 1-based: bias corrections 1 − βᵗ vanish at t = 0) ([`Error::Config`]); the gradient
/// log-scale is finite or −∞ (a zero gradient) and the direction is finite
/// ([`Error::Numerical`]).
pub fn check_update(
    who: &str,
    grad: &ScaledGrad<'_>,
    step: &Step<'_>,
    delta: &[f64],
) -> Result<()> {
    let layout = step.layout;
    let p = layout.len();
    if grad.dir.len() != p || delta.len() != p || step.theta.len() != p {
        return Err(Error::Params(format!(
            "{who}: gradient has {} entries, θ {} and delta {} for layout {} ({p} parameters)",
            grad.dir.len(),
            step.theta.len(),
            delta.len(),
            layout.describe()
        )));
    }
    if !(step.lr >= 0.0 && step.lr.is_finite()) {
        return Err(Error::Config(format!(
            "{who}: learning rate must be finite and ≥ 0, got {}",
            step.lr
        )));
    }
    if step.t == 0 {
        return Err(Error::Config(format!(
            "{who}: steps are 1-based (bias correction 1 − β⁰ = 0), got step 0"
        )));
    }
    if grad.log_scale.is_nan() || grad.log_scale == f64::INFINITY {
        return Err(Error::Numerical(format!(
            "{who}: gradient log-scale is {}",
            grad.log_scale
        )));
    }
    if let Some(j) = grad.dir.iter().position(|v| !v.is_finite()) {
        return Err(Error::Numerical(format!(
            "{who}: gradient direction entry {j} is not finite ({})",
            grad.dir[j]
        )));
    }
    Ok(())
}

/// The layout of a step must be the one the state was created for ([`Error::Params`]).
pub fn check_layout(who: &str, init: &Layout, now: &Layout) -> Result<()> {
    if init != now {
        return Err(Error::Params(format!(
            "{who}: state was created for layout {}, update called with {}",
            init.describe(),
            now.describe()
        )));
    }
    Ok(())
}

/// β ∈ [0, 1) ([`Error::Config`] naming the rule and the field otherwise).
pub fn check_beta(who: &str, field: &str, v: f64) -> Result<()> {
    if (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "optimizer `{who}`: {field} must be in [0, 1), got {v}"
        )))
    }
}

/// ε finite and ≥ 0 ([`Error::Config`] otherwise).
pub fn check_eps(who: &str, v: f64) -> Result<()> {
    if v >= 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "optimizer `{who}`: eps must be finite and ≥ 0, got {v}"
        )))
    }
}

/// A factor that must be finite and > 0 (learning-rate ratios, …).
pub fn check_positive(who: &str, field: &str, v: f64) -> Result<()> {
    if v > 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "optimizer `{who}`: {field} must be finite and > 0, got {v}"
        )))
    }
}
