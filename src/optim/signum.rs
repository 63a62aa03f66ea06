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
//! Implicit bias: ℓ∞ max-margin KKT direction, \[M\] Thm 3.3, under (LR-MSD).

use super::catalogue::{OptimizerEntry, OptimizerParams};
use super::checks::check_beta;
use super::kernels::neg_sign;
use super::momentum::MomentumState;
use super::{Claims, Optimizer, ScaledGrad, ScheduleClass, Step, UpdateRule};
use crate::error::Result;
use crate::norms::NormSpec;
use crate::params::Layout;
use serde::{Deserialize, Serialize};

/// Signum: m ← βm + (1−β)g, Δθ = −η sign(m) (\[M\] eq. 6 with ℓ∞).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Signum {
    /// Momentum parameter β ∈ [0, 1) (default 0.9, \[M\] App. D).
    pub beta: f64,
}

impl Default for Signum {
    fn default() -> Self {
        Signum { beta: 0.9 }
    }
}

impl UpdateRule for Signum {
    type State = MomentumState;

    fn name(&self) -> String {
        "signum".into()
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
        neg_sign(&st.m.v, step.lr, delta);
        Ok(())
    }
}

impl Claims for Signum {
    fn implicit_norm(&self, _layout: &Layout, _state: Option<&MomentumState>) -> Option<NormSpec> {
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

impl OptimizerParams for Signum {
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        check_beta("signum", "beta", self.beta)?;
        Ok(Box::new(*self))
    }
}

/// The catalogue row of this file.
pub(crate) const ENTRIES: &[OptimizerEntry] = &[OptimizerEntry::new::<Signum>(
    "signum",
    &[],
    "Δ = −η sign(m); implicit ℓ∞ ([M] Thm 3.3)",
)];
