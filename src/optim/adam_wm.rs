//! Adam (w/m) — "Adam without momentum" exactly as \[A\] writes it (eq. 3, conditioner h_M):
//! ε **inside** the square root, the bias-corrected second moment, no first moment:
//!
//! ```text
//!     v_t = β v_{t−1} + (1 − β) g_t²,   v_0 = 0,   v̂_t = v_t/(1 − βᵗ)
//!     Δθ_t = −η g_t / √(ε + v̂_t)
//!     (h_M(t)^{-1} = √( ε 1_p + Σ_{τ≤t} (1−β) β^{t−τ} g_τ² / (1 − βᵗ) ))
//! ```
//!
//! (\[A\] calls the decay b.) Steps t are 1-based, so the weights (1−β)β^{t−τ} of
//! v_t sum to 1 − βᵗ and v̂_t is a weighted *average* of the squared gradients, as in Adam.
//! The siblings differ in one place each: `rms_prop` is h_R (no bias correction);
//! `adam_no_momentum` is \[M\] eq. 20 with β1 = 0 (ε **outside** the root, −η g/(√v̂ + ε)).
//! With ε = 0, `adam_wm` and `adam_no_momentum` are the same rule, −η g/√v̂.
//!
//! **Log domain.** √v = e^{s}·r is a [`super::RootBuf`] (the accumulation of `rms_prop`); the
//! bias correction is a scalar factor on v, i.e. a shift of the root's log-scale,
//! √v̂ = e^{s + σ}·r with σ = −½ ln(1 − βᵗ) = −½ ln_1p(−e^{t ln β}) ≥ 0 (σ = 0 for β = 0, and
//! exactly 0 once βᵗ underflows). The step is the shared \[A\] eq. 3 step of `root_buf.rs` on
//! that shifted root: with k = max(s + σ, ½ ln ε),
//!
//! ```text
//!     Δθ_j = −η e^{c−k} ĝ_j / √( e^{ln ε − 2k} + (e^{s+σ−k} r_j)² ),
//! ```
//!
//! every exponential ≤ 1 or bounded, so nothing overflows, the ε = 0 step is scale-free at any
//! loss (e^{−10⁴} included), and in the ε-dominated (GD) regime the step underflows only when
//! the true step does. A coordinate whose denominator is exactly 0 (ε = 0 and a gradient that
//! has always been exactly 0 there) gets Δθ_j = 0 (a skip, never NaN).
//!
//! **Implicit bias.**
//! * ε > 0: ℓ2 — \[A\] Thm 7 (flow; Thm 8 for the discrete update under Assumption 2: a smooth
//!   model and a step size bounded below and by C(t) of \[A\] App. D). h_M(t) → ε^{-1/2}·1
//!   (\[A\] Thm 5): once v̂ ≪ ε the method is GD with step η/√ε. That is an asymptotic
//!   statement; the direction then converges only like 1/log t (GD on separable data).
//! * ε = 0: −η g/√v̂ is a sign-like method, Adam with β1 = 0 and ε = 0: the ℓ∞ claim is that
//!   of \[M\] Thm 3.6 (β1 = 0 ≤ β2, (LR-Adam), (A1)); `implicit_norm` returns ℓ∞ then.

use super::catalogue::{OptimizerEntry, OptimizerParams};
use super::checks::{check_beta, check_eps};
use super::root_buf::{rms_step_shifted, RootBuf};
use super::{Claims, Optimizer, ScaledGrad, ScheduleClass, Step, UpdateRule};
use crate::error::Result;
use crate::norms::NormSpec;
use crate::params::Layout;
use serde::{Deserialize, Serialize};

/// Adam (w/m) of \[A\] eq. 3 (h_M): v ← βv + (1−β)g², Δθ = −η g/√(ε + v/(1 − βᵗ)).
///
/// **Defaults** β = 0.999 (Adam's β2, PyTorch) and ε = 1e-8 (inside the root, as for
/// `rms_prop` and `ada_grad`; \[A\] needs ε > 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdamWm {
    /// Decay β ∈ [0, 1) of the second-moment EMA (\[A\]'s b).
    pub beta: f64,
    /// ε ≥ 0, added to the bias-corrected v̂ **inside** the square root.
    pub eps: f64,
}

impl Default for AdamWm {
    fn default() -> Self {
        AdamWm {
            beta: 0.999,
            eps: 1e-8,
        }
    }
}

impl AdamWm {
    /// The log-scale shift σ = −½ ln(1 − βᵗ) ≥ 0 of the bias correction (√v̂ = e^{σ}√v),
    /// computed as −½ ln_1p(−e^{t ln β}) (0 for β = 0 and once βᵗ underflows).
    pub fn bias_shift(beta: f64, t: u64) -> f64 {
        if beta == 0.0 {
            return 0.0;
        }
        let bt = (t as f64 * beta.ln()).exp();
        if bt == 0.0 {
            0.0
        } else {
            -0.5 * (-bt).ln_1p()
        }
    }
}

impl UpdateRule for AdamWm {
    type State = RootBuf;

    fn name(&self) -> String {
        "adam_wm".into()
    }

    fn init(&self, layout: &Layout) -> Result<RootBuf> {
        check_beta("adam_wm", "beta", self.beta)?;
        check_eps("adam_wm", self.eps)?;
        Ok(RootBuf::zeros(layout.len()))
    }

    fn update(
        &self,
        grad: ScaledGrad<'_>,
        v: &mut RootBuf,
        step: &Step<'_>,
        delta: &mut [f64],
    ) -> Result<()> {
        v.accumulate(self.beta, 1.0 - self.beta, grad.log_scale, grad.dir);
        let shift = AdamWm::bias_shift(self.beta, step.t);
        rms_step_shifted("adam_wm", v, shift, self.eps, &grad, step.lr, delta)
    }
}

impl Claims for AdamWm {
    fn implicit_norm(&self, _layout: &Layout, _state: Option<&RootBuf>) -> Option<NormSpec> {
        if self.eps > 0.0 {
            Some(NormSpec::L2)
        } else {
            Some(NormSpec::Linf)
        }
    }

    fn theorem(&self) -> &'static str {
        if self.eps > 0.0 {
            "[A] Thm 7 (Thm 8 discrete): Adam (w/m) with ε > 0 inside the root converges in \
             direction to a KKT point of the ℓ2 max-margin problem (h_M tends to ε^{-1/2}·1)"
        } else {
            "ε = 0: Adam (w/m) is Adam with β1 = 0 and ε = 0; the ℓ∞ claim is that of \
             [M] Thm 3.6"
        }
    }

    fn schedule_class(&self) -> ScheduleClass {
        if self.eps > 0.0 {
            ScheduleClass::None
        } else {
            ScheduleClass::Adam
        }
    }
}

impl OptimizerParams for AdamWm {
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        check_beta("adam_wm", "beta", self.beta)?;
        check_eps("adam_wm", self.eps)?;
        Ok(Box::new(*self))
    }
}

/// The catalogue row of this file.
pub(crate) const ENTRIES: &[OptimizerEntry] = &[OptimizerEntry::new::<AdamWm>(
    "adam_wm",
    &[],
    "Adam (w/m) of [A] eq. 3: Δ = −η g/√(ε + v/(1−βᵗ)) (ε inside the root, bias-corrected, no momentum); implicit ℓ2 for ε > 0 ([A] Thm 7), ℓ∞ for ε = 0",
)];
