//! Steepest descent with respect to any norm, unnormalized and normalized.
//!
//! With the loss gradient g = ∇L(θ) = e^{c}·ĝ (a [`ScaledGrad`]) and a norm N with dual N_*:
//!
//! * **unnormalized** ([F] eq. 1): Δθ = −η·N_*(g)·steepest_N(g), i.e. the minimizer of ⟨u, g⟩
//!   over ‖u‖ ≤ ‖g‖_*, scaled by η. Since `steepest` is scale-free and N_* is 1-homogeneous,
//!   Δθ = −η·e^{c}·N_*(ĝ)·steepest_N(ĝ). The factor e^{c} is the *true* gradient scale: the
//!   step is computed as exp(ln η + c + ln N_*(ĝ)) and underflows to 0 exactly when the true
//!   step does (then the underflow is genuine, not an artefact).
//! * **normalized** ([M] eq. 3): Δθ = −η·steepest_N(ĝ), so N(Δθ) = η and the step does not
//!   depend on c at all (scale-free: it works for losses like e^{−10⁴}).
//!
//! Named instances (DESIGN §3):
//!
//! | constructor | norm | normalized | rule |
//! |---|---|---|---|
//! | [`SteepestDescent::gd`] | ℓ2 | no | Δ = −η g |
//! | [`SteepestDescent::ngd`] | ℓ2 | yes | Δ = −η g/‖g‖₂ |
//! | [`SteepestDescent::sign_gd`] | ℓ∞ | yes | Δ = −η sign(g) |
//! | [`SteepestDescent::coordinate_descent`] | ℓ1 | no | Δ = −η ‖g‖_∞ · (ties split evenly over argmax_j \|g_j\|) |
//! | [`SteepestDescent::spectral_descent`] | max-spectral | yes | Δ_b = −η U_b V_bᵀ per block |
//!
//! Spectral descent is Shampoo with accumulation turned off ([F] App. C.2): for each block
//! with gradient G_b = U_b Σ_b V_bᵀ the step is −η U_b V_bᵀ, i.e. normalized steepest descent
//! for ‖θ‖ = max_b σ_max(W_b). On a two-layer net with a frozen second layer the layout has
//! one matrix block W, and max-spectral = spectral.
//!
//! Implicit bias: any limit direction is a KKT direction of the max-margin problem of N —
//! [F] Thm 3.4 (steepest flow, unnormalized) and [M] Thm 3.2 (normalized steepest descent
//! with a (LR-NSD) schedule).
//!
//! This file also holds the small helpers shared by the other update rules (argument
//! checks, the scaled step −e^{ln η + s}·x).

use super::{state_mut, Optimizer, ScaledGrad, ScheduleClass, State};
use crate::error::{Error, Result};
use crate::norms::{Norm, NormSpec};
use crate::params::Layout;

/// Steepest descent for the norm `norm`: unnormalized ([F] eq. 1) or normalized ([M] eq. 3).
#[derive(Debug, Clone, PartialEq)]
pub struct SteepestDescent {
    /// The norm N whose steepest direction is followed (and whose margin is maximized).
    pub norm: NormSpec,
    /// `true`: Δ = −η·steepest(ĝ) with N(Δ) = η ([M] eq. 3); `false`: Δ = −η·N_*(g)·steepest(g)
    /// ([F] eq. 1).
    pub normalized: bool,
}

/// State: the norm built (and validated) once for the layout.
#[derive(Debug)]
struct SdState {
    norm: Box<dyn Norm>,
    layout: Layout,
}

impl SteepestDescent {
    /// Gradient descent Δ = −η g (unnormalized steepest descent for ℓ2).
    pub fn gd() -> Self {
        SteepestDescent {
            norm: NormSpec::L2,
            normalized: false,
        }
    }
    /// Normalized gradient descent Δ = −η g/‖g‖₂.
    pub fn ngd() -> Self {
        SteepestDescent {
            norm: NormSpec::L2,
            normalized: true,
        }
    }
    /// Sign gradient descent Δ = −η sign(g) (normalized steepest descent for ℓ∞; sign(0) = 0).
    pub fn sign_gd() -> Self {
        SteepestDescent {
            norm: NormSpec::Linf,
            normalized: true,
        }
    }
    /// Coordinate descent Δ = −η‖g‖_∞·(−sign(g_j) split evenly over the ties of max_j |g_j|)
    /// (unnormalized steepest descent for ℓ1).
    pub fn coordinate_descent() -> Self {
        SteepestDescent {
            norm: NormSpec::L1,
            normalized: false,
        }
    }
    /// Spectral descent Δ_b = −η U_b V_bᵀ per block (normalized steepest descent for the
    /// max-spectral norm; Shampoo without accumulation, [F] App. C.2).
    pub fn spectral_descent() -> Self {
        SteepestDescent {
            norm: NormSpec::MaxSpectral,
            normalized: true,
        }
    }
}

impl Optimizer for SteepestDescent {
    fn name(&self) -> String {
        match (&self.norm, self.normalized) {
            (NormSpec::L2, false) => "gd".into(),
            (NormSpec::L2, true) => "ngd".into(),
            (NormSpec::Linf, true) => "sign_gd".into(),
            (NormSpec::L1, false) => "coordinate_descent".into(),
            (NormSpec::MaxSpectral, true) => "spectral_descent".into(),
            (n, false) => format!("steepest_descent:{n}"),
            (n, true) => format!("normalized_steepest_descent:{n}"),
        }
    }

    fn init(&self, layout: &Layout) -> Result<State> {
        let norm = self.norm.build(layout)?;
        Ok(Box::new(SdState {
            norm,
            layout: layout.clone(),
        }))
    }

    fn update(
        &self,
        grad: ScaledGrad<'_>,
        state: &mut State,
        _theta: &[f64],
        layout: &Layout,
        _step: u64,
        lr: f64,
        delta: &mut [f64],
    ) -> Result<()> {
        if self.normalized && self.norm == NormSpec::L2 {
            return ngd_update(grad, state, layout, lr, delta);
        }
        let who = self.name();
        check_update(&who, &grad, layout, lr, delta)?;
        let st = state_mut::<SdState>(state, &who)?;
        check_layout(&who, &st.layout, layout)?;
        st.norm.steepest(layout, grad.dir, delta);
        if let Some(j) = delta.iter().position(|d| !d.is_finite()) {
            return Err(Error::Numerical(format!(
                "{who}: steepest direction of {} is not finite at {j} (SVD failure?)",
                st.norm.name()
            )));
        }
        if self.normalized {
            delta.iter_mut().for_each(|d| *d *= -lr);
            return Ok(());
        }
        let dual = st.norm.dual(layout, grad.dir);
        scale_in_place(&who, lr, grad.log_scale + ln_pos(dual), delta)
    }

    fn implicit_norm(&self, _layout: &Layout, _state: Option<&State>) -> Option<NormSpec> {
        Some(self.norm.clone())
    }

    fn theorem(&self) -> &'static str {
        if self.normalized {
            "[M] Thm 3.2: normalized steepest descent (eq. 3) under (LR-NSD) converges in \
             direction to a KKT point of the max-margin problem of its norm"
        } else {
            "[F] Thm 3.4: steepest flow (eq. 1) converges in direction to a KKT point of the \
             max-margin problem of its norm"
        }
    }

    fn schedule_class(&self) -> ScheduleClass {
        ScheduleClass::Nsd
    }
}

/// Normalized GD, Δ = −η·ĝ/‖ĝ‖₂ ([M] eq. 3 with ℓ2), fused into three passes over θ
/// (max |ĝ_j| with a finiteness check, the scaled sum of squares, the step) instead of the
/// six of the generic path (argument check, `norm2`'s two passes, normalize, finiteness
/// check of Δ, scaling by −η). Every entry is computed by the same operations in the same
/// order as the generic path — Δ_j = (ĝ_j/‖ĝ‖₂)·(−η), ‖ĝ‖₂ from
/// [`crate::params::norm2`] — so the result is bit-identical (tested in
/// `tests/fast_step.rs`); Δ is finite by construction (|ĝ_j| ≤ ‖ĝ‖₂), so its check is
/// dropped.
fn ngd_update(
    grad: ScaledGrad<'_>,
    state: &mut State,
    layout: &Layout,
    lr: f64,
    delta: &mut [f64],
) -> Result<()> {
    const WHO: &str = "ngd";
    let p = layout.len();
    if grad.dir.len() != p
        || delta.len() != p
        || !(lr >= 0.0 && lr.is_finite())
        || grad.log_scale.is_nan()
        || grad.log_scale == f64::INFINITY
        || !crate::params::all_finite(grad.dir)
    {
        // Rare: let the shared check produce the error message.
        check_update(WHO, &grad, layout, lr, delta)?;
    }
    let st = state_mut::<SdState>(state, WHO)?;
    check_layout(WHO, &st.layout, layout)?;
    let g = grad.dir;
    let s = crate::params::max_abs(g);
    if s == 0.0 {
        // As the generic path: normalize gives 0, then 0·(−η) (a signed zero).
        delta.fill(0.0 * -lr);
        return Ok(());
    }
    let n = s * crate::params::scaled_sum_squares(g, s).sqrt();
    let neg_lr = -lr;
    for (d, v) in delta.iter_mut().zip(g) {
        *d = (v / n) * neg_lr;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Helpers shared by the update rules of this module.
// ---------------------------------------------------------------------------------------

/// ln x for x > 0, −∞ for x = 0 (and for x < 0 or NaN, which callers never pass).
pub(super) fn ln_pos(x: f64) -> f64 {
    if x > 0.0 {
        x.ln()
    } else {
        f64::NEG_INFINITY
    }
}

/// Validate the arguments of an `update` call: lengths, a finite non-negative learning
/// rate, a log-scale that is finite or −∞ (zero gradient), and a finite direction.
pub(super) fn check_update(
    who: &str,
    grad: &ScaledGrad<'_>,
    layout: &Layout,
    lr: f64,
    delta: &[f64],
) -> Result<()> {
    let p = layout.len();
    if grad.dir.len() != p || delta.len() != p {
        return Err(Error::Params(format!(
            "{who}: gradient has {} entries and delta {} for layout {} ({p} parameters)",
            grad.dir.len(),
            delta.len(),
            layout.describe()
        )));
    }
    if !(lr >= 0.0 && lr.is_finite()) {
        return Err(Error::Config(format!(
            "{who}: learning rate must be finite and ≥ 0, got {lr}"
        )));
    }
    if grad.log_scale.is_nan() || grad.log_scale == f64::INFINITY {
        return Err(Error::Numerical(format!(
            "{who}: gradient log-scale is {}",
            grad.log_scale
        )));
    }
    if crate::params::all_finite(grad.dir) {
        return Ok(());
    }
    if let Some(j) = grad.dir.iter().position(|v| !v.is_finite()) {
        return Err(Error::Numerical(format!(
            "{who}: gradient direction entry {j} is not finite ({})",
            grad.dir[j]
        )));
    }
    Ok(())
}

/// The layout passed to `update` must be the one the state was created for.
pub(super) fn check_layout(who: &str, init: &Layout, now: &Layout) -> Result<()> {
    if init != now {
        return Err(Error::Params(format!(
            "{who}: state was created for layout {}, update called with {}",
            init.describe(),
            now.describe()
        )));
    }
    Ok(())
}

/// x ← −e^{ln η + s}·x, computed in the log domain; exact zeros when η = 0 or s = −∞.
/// Errors (instead of ±∞/NaN) when the factor overflows.
pub(super) fn scale_in_place(who: &str, lr: f64, log_scale: f64, x: &mut [f64]) -> Result<()> {
    let f = step_factor(who, lr, log_scale)?;
    x.iter_mut().for_each(|v| *v *= -f);
    Ok(())
}

/// e^{ln η + s} with the conventions of [`scale_in_place`] (0 for η = 0 or s = −∞; exactly η
/// for s = 0).
pub(super) fn step_factor(who: &str, lr: f64, log_scale: f64) -> Result<f64> {
    if log_scale == 0.0 {
        // Exact: e^{ln η} may differ from η in the last bit.
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
