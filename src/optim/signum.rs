//! Signum (Bernstein et al., 2018): sign descent on the momentum.
//!
//! ```text
//!     m_n = β m_{n−1} + (1 − β) g_n          ([M] eq. 19)
//!     Δθ_n = −η sign(m_n)                     ([M] eq. 6 with ‖·‖ = ℓ∞)
//! ```
//!
//! Every coordinate of the step is exactly ±η, or exactly 0 where m_j = 0 exactly
//! (sign(0) = 0, the deterministic tie-break of the ℓ∞ steepest direction). The momentum is a
//! [`super::ScaledBuf`], so the step is scale-free: it does not depend on the gradient's
//! log-scale. With β = 0 Signum is sign GD.
//!
//! Implicit bias: ℓ∞ max-margin KKT direction, [M] Thm 3.3, under (LR-MSD).

use super::momentum::{momentum_step, MomentumState};
use super::{Optimizer, ScaledGrad, ScheduleClass, State};
use crate::error::Result;
use crate::norms::NormSpec;
use crate::params::Layout;

/// Signum: m ← βm + (1−β)g, Δθ = −η sign(m) ([M] eq. 6 with ℓ∞).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Signum {
    /// Momentum parameter β ∈ [0, 1).
    pub beta: f64,
}

/// out_j = −η·sign(x_j), with sign(0) = 0 (`f64::signum` would give ±1 for ±0).
pub(super) fn neg_sign(x: &[f64], lr: f64, out: &mut [f64]) {
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

impl Optimizer for Signum {
    fn name(&self) -> String {
        "signum".into()
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
        let st = momentum_step("signum", self.beta, &grad, state, layout, lr, delta)?;
        neg_sign(&st.m.v, lr, delta);
        Ok(())
    }

    fn implicit_norm(&self, _layout: &Layout, _state: Option<&State>) -> Option<NormSpec> {
        Some(NormSpec::Linf)
    }

    fn theorem(&self) -> &'static str {
        "[M] Thm 3.3: normalized momentum steepest descent (eq. 6) with ℓ∞ (Signum) under \
         (LR-MSD) converges in direction to a KKT point of the ℓ∞ max-margin problem"
    }

    fn schedule_class(&self) -> ScheduleClass {
        ScheduleClass::Msd
    }
}
