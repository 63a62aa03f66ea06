//! Gradient descent with momentum, unnormalized and normalized (ℓ2).
//!
//! Momentum is the exponential moving average of [M] eq. 19,
//!
//! ```text
//!     m_n = β m_{n−1} + (1 − β) g_n,   m_0 = 0,
//! ```
//!
//! stored as a [`ScaledBuf`] m = e^{s}·m̃ so that it follows gradients of any magnitude.
//!
//! * [`MomentumGd`]: Δθ = −η m — momentum steepest descent ([M] eq. 5) with ‖·‖ = ℓ2
//!   (for ℓ2 the steepest step of size ‖m‖_* is m itself). The step carries the true scale
//!   e^{s} and underflows with it.
//! * [`NormalizedMomentumGd`]: Δθ = −η m/‖m‖₂ — normalized momentum steepest descent
//!   ([M] eq. 6) with ℓ2; ‖Δθ‖₂ = η and the step is scale-free.
//!
//! **Convention.** PyTorch's SGD momentum is m ← βm + g (no 1 − β), which is (1 − β)^{-1}
//! times the EMA above: PyTorch's momentum GD with learning rate η equals this one with
//! learning rate η/(1 − β). The normalized variant is unaffected by the factor.
//!
//! Implicit bias: ℓ2 max-margin KKT direction, [M] Thm 3.3, under (LR-MSD).
//! With β = 0, [`MomentumGd`] is GD and [`NormalizedMomentumGd`] is NGD.

use super::steepest::{check_layout, check_update, scale_in_place};
use super::{state_mut, Optimizer, ScaledBuf, ScaledGrad, ScheduleClass, State};
use crate::error::Result;
use crate::norms::NormSpec;
use crate::params::{norm2, Layout};

/// Momentum GD: m ← βm + (1−β)g ([M] eq. 19), Δθ = −η m ([M] eq. 5 with ℓ2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MomentumGd {
    /// Momentum parameter β ∈ [0, 1).
    pub beta: f64,
}

/// Normalized momentum GD: m ← βm + (1−β)g, Δθ = −η m/‖m‖₂ ([M] eq. 6 with ℓ2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormalizedMomentumGd {
    /// Momentum parameter β ∈ [0, 1).
    pub beta: f64,
}

/// State shared by the momentum methods of this module and [`super::Signum`]: the momentum
/// buffer and the layout it was created for.
#[derive(Debug, Clone)]
pub(super) struct MomentumState {
    pub(super) m: ScaledBuf,
    pub(super) layout: Layout,
}

impl MomentumState {
    pub(super) fn new(layout: &Layout) -> Self {
        MomentumState {
            m: ScaledBuf::zeros(layout.len()),
            layout: layout.clone(),
        }
    }

    /// m ← βm + (1−β)·e^{c}ĝ.
    pub(super) fn push(&mut self, beta: f64, grad: &ScaledGrad<'_>) {
        self.m
            .ema(beta, 1.0 - beta, grad.log_scale, grad.dir, false);
    }
}

/// Shared body: validate, downcast, push the gradient into the momentum buffer.
pub(super) fn momentum_step<'a>(
    who: &str,
    beta: f64,
    grad: &ScaledGrad<'_>,
    state: &'a mut State,
    layout: &Layout,
    lr: f64,
    delta: &[f64],
) -> Result<&'a MomentumState> {
    check_update(who, grad, layout, lr, delta)?;
    let st = state_mut::<MomentumState>(state, who)?;
    check_layout(who, &st.layout, layout)?;
    st.push(beta, grad);
    Ok(st)
}

impl Optimizer for MomentumGd {
    fn name(&self) -> String {
        "momentum_gd".into()
    }

    fn init(&self, layout: &Layout) -> Result<State> {
        Ok(Box::new(MomentumState::new(layout)))
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
        let st = momentum_step("momentum_gd", self.beta, &grad, state, layout, lr, delta)?;
        delta.copy_from_slice(&st.m.v);
        scale_in_place("momentum_gd", lr, st.m.log_scale, delta)
    }

    fn implicit_norm(&self, _layout: &Layout, _state: Option<&State>) -> Option<NormSpec> {
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

impl Optimizer for NormalizedMomentumGd {
    fn name(&self) -> String {
        "normalized_momentum_gd".into()
    }

    fn init(&self, layout: &Layout) -> Result<State> {
        Ok(Box::new(MomentumState::new(layout)))
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
        let who = "normalized_momentum_gd";
        let st = momentum_step(who, self.beta, &grad, state, layout, lr, delta)?;
        normalize_l2(&st.m.v, lr, delta);
        Ok(())
    }

    fn implicit_norm(&self, _layout: &Layout, _state: Option<&State>) -> Option<NormSpec> {
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

/// out = −η·x/‖x‖₂ (0 when x = 0); ‖x‖₂ is computed with scaling (no under/overflow).
pub(super) fn normalize_l2(x: &[f64], lr: f64, out: &mut [f64]) {
    let n = norm2(x);
    if n == 0.0 {
        out.fill(0.0);
        return;
    }
    for (o, v) in out.iter_mut().zip(x) {
        *o = -lr * (v / n);
    }
}
