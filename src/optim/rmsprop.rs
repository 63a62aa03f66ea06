//! RMSProp in the form of \[A\] eq. 3 (ε **inside** the square root, no momentum, no bias
//! correction):
//!
//! ```text
//!     v_k = β v_{k−1} + (1 − β) g_k²,   v_0 = 0
//!     Δθ_k = −η g_k / √(ε + v_k)        (h_R(k)^{-1} = √(ε 1_p + Σ_τ (1−β) β^{k−τ} g_τ²))
//! ```
//!
//! Implicit bias: for ε > 0 the conditioner converges to ε^{-1/2}·1 (gradients vanish) and
//! RMSProp becomes GD: KKT direction of the ℓ2 max-margin problem (\[A\] Thm 7). With ε = 0
//! the step is −η g/√v: this is Adam without momentum (β1 = 0) and without bias correction,
//! a sign-like method, and the ℓ∞ claim of \[M\] Thm 3.6 is the one that applies
//! (`implicit_norm` returns ℓ∞ then).
//!
//! **Log domain.** g = e^{c}ĝ and the second moment is kept as a root buffer
//! √v = e^{s}·r (see [`super::root_buf::RootBuf`]). With k = max(s, ½ ln ε),
//!
//! ```text
//!     Δθ_j = −η e^{c−k} ĝ_j / √( e^{ln ε − 2k} + (e^{s−k} r_j)² ),
//! ```
//!
//! where every exponential is ≤ 1 or bounded (c − k ≤ −½ ln(1−β)), so nothing overflows,
//! and in the ε-dominated (GD) regime the step underflows only when the true step does. A
//! coordinate whose denominator is exactly 0 (ε = 0 and a gradient that has always been
//! exactly 0 there) gets Δθ_j = 0 (a skip, never NaN).
//!
//! The buffer and the step live in `root_buf.rs` ([`RootBuf`], shared with Adam and AdaGrad).

use super::catalogue::{OptimizerEntry, OptimizerParams};
use super::checks::{check_beta, check_eps};
use super::root_buf::{rms_step, RootBuf};
use super::{Claims, Optimizer, ScaledGrad, ScheduleClass, Step, UpdateRule};
use crate::error::Result;
use crate::norms::NormSpec;
use crate::params::Layout;
use serde::{Deserialize, Serialize};

/// RMSProp (\[A\] eq. 3): v ← βv + (1−β)g², Δθ = −η g/√(ε + v).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RmsProp {
    /// Decay β ∈ [0, 1) of the second-moment EMA (default 0.99, PyTorch's RMSprop α).
    pub beta: f64,
    /// ε ≥ 0, added to v **inside** the square root (default 1e-8: \[A\] needs ε > 0).
    pub eps: f64,
}

impl Default for RmsProp {
    fn default() -> Self {
        RmsProp {
            beta: 0.99,
            eps: 1e-8,
        }
    }
}

impl UpdateRule for RmsProp {
    type State = RootBuf;

    fn name(&self) -> String {
        "rms_prop".into()
    }

    fn init(&self, layout: &Layout) -> Result<RootBuf> {
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
        rms_step("rms_prop", v, self.eps, &grad, step.lr, delta)
    }
}

impl Claims for RmsProp {
    fn implicit_norm(&self, _layout: &Layout, _state: Option<&RootBuf>) -> Option<NormSpec> {
        if self.eps > 0.0 {
            Some(NormSpec::L2)
        } else {
            Some(NormSpec::Linf)
        }
    }

    fn theorem(&self) -> &'static str {
        if self.eps > 0.0 {
            "[A] Thm 7: RMSProp flow with ε > 0 converges in direction to a KKT point of the \
             ℓ2 max-margin problem (the conditioner tends to ε^{-1/2}·1)"
        } else {
            "ε = 0: RMSProp is Adam without momentum and without bias correction; the ℓ∞ \
             claim is that of [M] Thm 3.6 (proved there with bias correction)"
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

impl OptimizerParams for RmsProp {
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        check_beta("rms_prop", "beta", self.beta)?;
        check_eps("rms_prop", self.eps)?;
        Ok(Box::new(*self))
    }
}

/// The catalogue row of this file.
pub(crate) const ENTRIES: &[OptimizerEntry] = &[OptimizerEntry::new::<RmsProp>(
    "rms_prop",
    &["rmsprop"],
    "Δ = −η g/√(ε + v) ([A] eq. 3); implicit ℓ2 for ε > 0 ([A] Thm 7), ℓ∞ for ε = 0",
)];
