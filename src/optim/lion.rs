//! Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of an
//! interpolation between the momentum and the fresh gradient, then a momentum update with a
//! second decay:
//!
//! ```text
//!     u_t = sign(β1·m_{t−1} + (1 − β1)·g_t),    Δθ_t = −η_t·u_t
//!     m_t = β2·m_{t−1} + (1 − β2)·g_t
//! ```
//!
//! (no weight decay: with decoupled weight decay λ Lion solves an ℓ∞-*constrained* problem,
//! ‖θ‖_∞ ≤ 1/λ, which is not the max-margin setting). Every coordinate of the step is ±η or
//! 0 (sign(0) = 0), so Lion is normalized steepest descent for ℓ∞ along the direction
//! β1 m + (1 − β1) g, a convex combination of past gradients with exponentially decaying
//! weights like Signum's momentum (\[M\] eq. 19) — an *approximate* normalized momentum
//! steepest descent for ℓ∞ in the sense of \[M\] §5 / App. C.4. That is an argument, not a
//! theorem of \[M\]; the claim ℓ∞ is checked by `which-norm` and the theorem suite, not
//! assumed. Both buffers are [`super::ScaledBuf`]s (log domain), so the step is scale-free.

use super::catalogue::{OptimizerEntry, OptimizerParams};
use super::checks::check_beta;
use super::kernels::neg_sign;
use super::{Claims, Optimizer, ScaledBuf, ScaledGrad, ScheduleClass, Step, UpdateRule};
use crate::error::Result;
use crate::norms::NormSpec;
use crate::params::Layout;
use serde::{Deserialize, Serialize};

/// Lion: Δθ = −η·sign(β1·m + (1 − β1)·g), then m ← β2·m + (1 − β2)·g.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Lion {
    /// Weight of the momentum in the update direction, β1 ∈ [0, 1) (default 0.9).
    pub beta1: f64,
    /// Momentum decay, β2 ∈ [0, 1) (default 0.99).
    pub beta2: f64,
}

impl Default for Lion {
    /// The paper's defaults β1 = 0.9, β2 = 0.99.
    fn default() -> Self {
        Lion {
            beta1: 0.9,
            beta2: 0.99,
        }
    }
}

/// Lion's state: the momentum and a scratch buffer for the interpolation.
#[derive(Debug, Clone)]
pub struct LionState {
    m: ScaledBuf,
    interp: ScaledBuf,
}

impl UpdateRule for Lion {
    type State = LionState;

    fn name(&self) -> String {
        "lion".into()
    }

    fn init(&self, layout: &Layout) -> Result<LionState> {
        check_beta("lion", "beta1", self.beta1)?;
        check_beta("lion", "beta2", self.beta2)?;
        Ok(LionState {
            m: ScaledBuf::zeros(layout.len()),
            interp: ScaledBuf::zeros(layout.len()),
        })
    }

    fn update(
        &self,
        grad: ScaledGrad<'_>,
        st: &mut LionState,
        step: &Step<'_>,
        delta: &mut [f64],
    ) -> Result<()> {
        let (c, g) = (grad.log_scale, grad.dir);
        st.interp.log_scale = st.m.log_scale;
        st.interp.v.copy_from_slice(&st.m.v);
        st.interp.ema(self.beta1, 1.0 - self.beta1, c, g, false);
        neg_sign(&st.interp.v, step.lr, delta);
        st.m.ema(self.beta2, 1.0 - self.beta2, c, g, false);
        Ok(())
    }
}

impl Claims for Lion {
    fn implicit_norm(&self, _layout: &Layout, _state: Option<&LionState>) -> Option<NormSpec> {
        Some(NormSpec::Linf)
    }

    fn theorem(&self) -> &'static str {
        "not a theorem of [M]: Lion is approximate normalized momentum steepest descent for ℓ∞ \
         ([M] §5, App. C.4), by the argument of [M] Thm 3.3 for Signum; checked empirically"
    }

    fn schedule_class(&self) -> ScheduleClass {
        ScheduleClass::Msd
    }
}

impl OptimizerParams for Lion {
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        check_beta("lion", "beta1", self.beta1)?;
        check_beta("lion", "beta2", self.beta2)?;
        Ok(Box::new(*self))
    }
}

/// The catalogue row of this file.
pub(crate) const ENTRIES: &[OptimizerEntry] = &[OptimizerEntry::new::<Lion>(
    "lion",
    &[],
    "Δ = −η sign(β1 m + (1−β1) g), m ← β2 m + (1−β2) g (Chen et al. 2023); implicit ℓ∞ (by [M] Thm 3.3's argument, checked)",
)];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::which_norm::{which_norm, Answer, WhichNormConfig};

    /// `which-norm`, not told Lion's claim, names ℓ∞ on the three standard cases (linear,
    /// frozen-output ReLU², two-layer ReLU²) with the (LR-MSD) schedules of its
    /// `schedule_class`.
    #[test]
    fn which_norm_names_linf() {
        let r = which_norm(&Lion::default(), &WhichNormConfig::default()).unwrap();
        assert_eq!(r.answer, Answer::Named(vec!["linf".into()]), "{}", r.table());
    }
}
