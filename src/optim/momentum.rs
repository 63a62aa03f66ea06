//! Gradient descent with momentum, unnormalized and normalized (ℓ2).
//!
//! Momentum is the exponential moving average of \[M\] eq. 19,
//!
//! ```text
//!     m_n = β m_{n−1} + (1 − β) g_n,   m_0 = 0,
//! ```
//!
//! stored as a [`ScaledBuf`] m = e^{s}·m̃ so that it follows gradients of any magnitude.
//!
//! * [`MomentumGd`]: Δθ = −η m — momentum steepest descent (\[M\] eq. 5) with ‖·‖ = ℓ2
//!   (for ℓ2 the steepest step of size ‖m‖_* is m itself). The step carries the true scale
//!   e^{s} and underflows with it.
//! * [`NormalizedMomentumGd`]: Δθ = −η m/‖m‖₂ — normalized momentum steepest descent
//!   (\[M\] eq. 6) with ℓ2; ‖Δθ‖₂ = η and the step is scale-free.
//!
//! **Convention.** PyTorch's SGD momentum is m ← βm + g (no 1 − β), which is (1 − β)^{-1}
//! times the EMA above: PyTorch's momentum GD with learning rate η equals this one with
//! learning rate η/(1 − β). The normalized variant is unaffected by the factor.
//!
//! Implicit bias: ℓ2 max-margin KKT direction, \[M\] Thm 3.3, under (LR-MSD).
//! With β = 0, [`MomentumGd`] is GD and [`NormalizedMomentumGd`] is NGD.

use super::catalogue::{OptimizerEntry, OptimizerParams};
use super::checks::check_beta;
use super::kernels::{normalize_l2, scale_in_place};
use super::{Claims, Optimizer, ScaledBuf, ScaledGrad, ScheduleClass, Step, UpdateRule};
use crate::error::Result;
use crate::norms::NormSpec;
use crate::params::Layout;
use serde::{Deserialize, Serialize};

/// Momentum GD: m ← βm + (1−β)g (\[M\] eq. 19), Δθ = −η m (\[M\] eq. 5 with ℓ2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MomentumGd {
    /// Momentum parameter β ∈ [0, 1) (default 0.9, \[M\] App. D).
    pub beta: f64,
}

/// Normalized momentum GD: m ← βm + (1−β)g, Δθ = −η m/‖m‖₂ (\[M\] eq. 6 with ℓ2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NormalizedMomentumGd {
    /// Momentum parameter β ∈ [0, 1) (default 0.9, \[M\] App. D).
    pub beta: f64,
}

impl Default for MomentumGd {
    fn default() -> Self {
        MomentumGd { beta: 0.9 }
    }
}

impl Default for NormalizedMomentumGd {
    fn default() -> Self {
        NormalizedMomentumGd { beta: 0.9 }
    }
}

/// The state of the momentum methods of this module, [`super::Signum`] and
/// [`super::Muon`]: the momentum buffer m = e^{s}·m̃.
#[derive(Debug, Clone)]
pub struct MomentumState {
    pub(super) m: ScaledBuf,
}

impl MomentumState {
    /// m = 0 for `layout`.
    pub(super) fn new(layout: &Layout) -> Self {
        MomentumState {
            m: ScaledBuf::zeros(layout.len()),
        }
    }

    /// m ← βm + (1−β)·e^{c}ĝ.
    pub(super) fn push(&mut self, beta: f64, grad: &ScaledGrad<'_>) {
        self.m
            .ema(beta, 1.0 - beta, grad.log_scale, grad.dir, false);
    }
}

impl UpdateRule for MomentumGd {
    type State = MomentumState;

    fn name(&self) -> String {
        "momentum_gd".into()
    }

    fn init(&self, layout: &Layout) -> Result<MomentumState> {
        Ok(MomentumState::new(layout))
    }

    fn update(
        &self,
        grad: ScaledGrad<'_>,
        st: &mut MomentumState,
        step: &Step<'_>,
        delta: &mut [f64],
    ) -> Result<()> {
        st.push(self.beta, &grad);
        delta.copy_from_slice(&st.m.v);
        scale_in_place("momentum_gd", step.lr, st.m.log_scale, delta)
    }
}

impl Claims for MomentumGd {
    fn implicit_norm(&self, _layout: &Layout, _state: Option<&MomentumState>) -> Option<NormSpec> {
        Some(NormSpec::L2)
    }

    fn theorem(&self) -> &'static str {
        "[M] Thm 3.3: momentum steepest descent (eq. 5) with ℓ2 under (LR-MSD) converges in \
         direction to a KKT point of the ℓ2 max-margin problem"
    }

    fn schedule_class(&self) -> ScheduleClass {
        ScheduleClass::Msd
    }
}

impl UpdateRule for NormalizedMomentumGd {
    type State = MomentumState;

    fn name(&self) -> String {
        "normalized_momentum_gd".into()
    }

    fn init(&self, layout: &Layout) -> Result<MomentumState> {
        Ok(MomentumState::new(layout))
    }

    fn update(
        &self,
        grad: ScaledGrad<'_>,
        st: &mut MomentumState,
        step: &Step<'_>,
        delta: &mut [f64],
    ) -> Result<()> {
        st.push(self.beta, &grad);
        normalize_l2(&st.m.v, step.lr, delta);
        Ok(())
    }
}

impl Claims for NormalizedMomentumGd {
    fn implicit_norm(&self, _layout: &Layout, _state: Option<&MomentumState>) -> Option<NormSpec> {
        Some(NormSpec::L2)
    }

    fn theorem(&self) -> &'static str {
        "[M] Thm 3.3: normalized momentum steepest descent (eq. 6) with ℓ2 under (LR-MSD) \
         converges in direction to a KKT point of the ℓ2 max-margin problem"
    }

    fn schedule_class(&self) -> ScheduleClass {
        ScheduleClass::Msd
    }
}

impl OptimizerParams for MomentumGd {
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        check_beta("momentum_gd", "beta", self.beta)?;
        Ok(Box::new(*self))
    }
}

impl OptimizerParams for NormalizedMomentumGd {
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        check_beta("normalized_momentum_gd", "beta", self.beta)?;
        Ok(Box::new(*self))
    }
}

/// The catalogue rows of this file.
pub(crate) const ENTRIES: &[OptimizerEntry] = &[
    OptimizerEntry::new::<MomentumGd>(
        "momentum_gd",
        &[],
        "m ← βm + (1−β)g, Δ = −η m; implicit ℓ2 ([M] Thm 3.3)",
    ),
    OptimizerEntry::new::<NormalizedMomentumGd>(
        "normalized_momentum_gd",
        &[],
        "Δ = −η m/‖m‖₂; implicit ℓ2 ([M] Thm 3.3)",
    ),
];
