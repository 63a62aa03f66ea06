//! Adam (\[M\] eq. 20; Kingma & Ba, 2015), with ε ≥ 0 **including exactly 0**:
//!
//! ```text
//!     m_n = β1 m_{n−1} + (1 − β1) g_n,      v_n = β2 v_{n−1} + (1 − β2) g_n²
//!     m̂_n = m_n/(1 − β1ⁿ),                   v̂_n = v_n/(1 − β2ⁿ)
//!     Δθ_n = −η_n m̂_n/(√v̂_n + ε)
//! ```
//!
//! (ε **outside** the square root, unlike RMSProp/AdaGrad of \[A\] eq. 3.) `step` n is
//! 1-based; the bias corrections are computed as 1 − βⁿ = −expm1(n ln β).
//!
//! **Log domain.** m = e^{s_m}·m̃ is a [`super::ScaledBuf`]; the second moment is a root
//! buffer √v = e^{s_r}·r (a [`super::RootBuf`], i.e. s_r is half the log-scale of
//! the squared gradient; storing the root keeps coordinates whose gradient is 10⁻²⁰⁰ times
//! the largest from underflowing to a zero second moment). With k = max(s_r, ln ε)
//! (k = s_r when ε = 0),
//!
//! ```text
//!     Δθ_j = −η · e^{s_m − k} · (m̃_j/bc1) / ( e^{s_r − k}·r_j/√bc2 + e^{ln ε − k} ),
//! ```
//!
//! where every exponential is ≤ 1 or O(1), so nothing overflows. With ε = 0 the step
//! depends only on s_m − s_r and is scale-free (any loss scale, e.g. e^{−10⁴}); with ε > 0
//! the factor e^{s_m − ln ε} carries the true scale once gradients fall below ε (the GD
//! regime), and the step underflows only when the true step does.
//!
//! **Zero second moment (ε = 0).** A coordinate whose gradient has always been exactly 0
//! has v_j = 0 and m_j = 0. Its step is *defined* as Δθ_j = 0 (a skip — \[M\] assumption
//! (A1) is what excludes this case from the theorem), never NaN. More generally, any
//! coordinate with a zero denominator gets Δθ_j = 0.
//!
//! **Implicit bias.**
//! * ε = 0: ℓ∞ max-margin KKT direction, \[M\] Thm 3.6 (β1 ≤ β2, (LR-Adam), (A1)).
//! * ε > 0: ℓ2 — \[A\] Thm 7: once the gradients are ≪ ε the conditioner is ≈ 1/ε and Adam
//!   turns into (momentum) GD. This is an *asymptotic* statement: with a tiny ε such as
//!   10⁻²⁰ (\[M\] App. D) the gradients stay far above ε for any practical run and the
//!   trajectory is in the ℓ∞ (sign-like) regime throughout. `implicit_norm` returns the
//!   theorem's statement (ℓ2 for every ε > 0); note also that \[A\] proves it for Adam without
//!   momentum with ε inside the square root, a close relative of this update, which is
//!   built in as `adam_wm` ([`super::AdamWm`]).

use super::catalogue::{OptimizerEntry, OptimizerParams};
use super::checks::{check_beta, check_eps};
use super::kernels::{ln_pos, step_factor};
use super::root_buf::RootBuf;
use super::{Claims, Optimizer, ScaledBuf, ScaledGrad, ScheduleClass, Step, UpdateRule};
use crate::error::Result;
use crate::norms::NormSpec;
use crate::params::Layout;
use serde::{Deserialize, Serialize};

/// Adam (\[M\] eq. 20) with bias correction; ε ≥ 0 (ε = 0 allowed).
///
/// **Defaults** β1 = 0.9, β2 = 0.999 (PyTorch's) and **ε = 0** — the ε = 0 regime of
/// \[M\] Thm 3.6, *not* PyTorch's 1e-8.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Adam {
    /// First-moment decay β1 ∈ [0, 1) (0: no momentum).
    pub beta1: f64,
    /// Second-moment decay β2 ∈ [0, 1).
    pub beta2: f64,
    /// ε ≥ 0, added to √v̂ (outside the square root).
    pub eps: f64,
}

impl Default for Adam {
    fn default() -> Self {
        Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 0.0,
        }
    }
}

impl Adam {
    /// `"adam"`, or `"adam_no_momentum"` for β1 = 0.
    fn tag(&self) -> &'static str {
        if self.beta1 == 0.0 {
            "adam_no_momentum"
        } else {
            "adam"
        }
    }

    /// Adam without momentum (β1 = 0): Δθ = −η g/(√v̂ + ε).
    pub fn no_momentum(beta2: f64, eps: f64) -> Self {
        Adam {
            beta1: 0.0,
            beta2,
            eps,
        }
    }
}

/// Adam state: first moment and the root of the second moment.
#[derive(Debug, Clone)]
pub struct AdamState {
    m: ScaledBuf,
    v: RootBuf,
}

/// 1 − βⁿ computed as −expm1(n ln β) (1 for β = 0).
pub(super) fn bias_correction(beta: f64, n: u64) -> f64 {
    if beta == 0.0 {
        1.0
    } else {
        -(n as f64 * beta.ln()).exp_m1()
    }
}

impl UpdateRule for Adam {
    type State = AdamState;

    fn name(&self) -> String {
        self.tag().into()
    }

    fn init(&self, layout: &Layout) -> Result<AdamState> {
        Ok(AdamState {
            m: ScaledBuf::zeros(layout.len()),
            v: RootBuf::zeros(layout.len()),
        })
    }

    fn update(
        &self,
        grad: ScaledGrad<'_>,
        st: &mut AdamState,
        step: &Step<'_>,
        delta: &mut [f64],
    ) -> Result<()> {
        st.m.ema(
            self.beta1,
            1.0 - self.beta1,
            grad.log_scale,
            grad.dir,
            false,
        );
        st.v.accumulate(self.beta2, 1.0 - self.beta2, grad.log_scale, grad.dir);

        let ln_eps = ln_pos(self.eps);
        let k = st.v.log_scale.max(ln_eps);
        if st.m.log_scale == f64::NEG_INFINITY || !k.is_finite() {
            // m = 0 (and, for ε = 0, v = 0): every coordinate is a zero step.
            delta.fill(0.0);
            return Ok(());
        }
        let bc1 = bias_correction(self.beta1, step.t);
        let bc2 = bias_correction(self.beta2, step.t);
        let a = step_factor(self.tag(), step.lr, st.m.log_scale - k)?;
        let b = (st.v.log_scale - k).exp() / bc2.sqrt();
        let e = (ln_eps - k).exp();
        for ((d, &m), &r) in delta.iter_mut().zip(&st.m.v).zip(&st.v.r) {
            let den = b * r + e;
            *d = if den > 0.0 {
                -a * ((m / bc1) / den)
            } else {
                0.0
            };
        }
        Ok(())
    }
}

impl Claims for Adam {
    /// ε = 0: ℓ∞ (\[M\] Thm 3.6). ε > 0: ℓ2 (\[A\] Thm 7, asymptotic) — except that, given
    /// the final state, a run whose largest second-moment root max_j √v_j (true scale, without
    /// bias correction, a lower bound on √v̂_j) still exceeds 10³·ε has never left the
    /// sign-like regime: ε is negligible "with respect to gradient norm values" (\[M\] §6, where
    /// ε = 1e-20) and \[M\] Thm 3.6's ℓ∞ claim is the one that describes the run.
    fn implicit_norm(&self, _layout: &Layout, state: Option<&AdamState>) -> Option<NormSpec> {
        if self.eps == 0.0 {
            return Some(NormSpec::Linf);
        }
        if let Some(st) = state {
            let margin = 1e3_f64.ln();
            let le = self.eps.ln();
            let rmax = st.v.r.iter().cloned().fold(0.0_f64, f64::max);
            if rmax > 0.0 && rmax.ln() + st.v.log_scale - le >= margin {
                return Some(NormSpec::Linf);
            }
        }
        Some(NormSpec::L2)
    }

    fn theorem(&self) -> &'static str {
        if self.eps == 0.0 {
            "[M] Thm 3.6: Adam with ε = 0, β1 ≤ β2 under (LR-Adam) and (A1) converges in \
             direction to a KKT point of the ℓ∞ max-margin problem"
        } else {
            "[A] Thm 7 (asymptotic): with a fixed ε > 0 the conditioner tends to 1/ε and the \
             direction converges to a KKT point of the ℓ2 max-margin problem (proved for Adam \
             without momentum, ε inside the root); with tiny ε the ℓ∞ regime of [M] Thm 3.6 \
             holds for any practical run"
        }
    }

    fn schedule_class(&self) -> ScheduleClass {
        if self.eps == 0.0 {
            ScheduleClass::Adam
        } else {
            ScheduleClass::None
        }
    }
}

/// Config of `adam_no_momentum`: Adam with β1 = 0 (defaults β2 = 0.999, ε = 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdamNoMomentumParams {
    /// β2 ∈ [0, 1).
    pub beta2: f64,
    /// ε ≥ 0 (outside the square root).
    pub eps: f64,
}

impl Default for AdamNoMomentumParams {
    fn default() -> Self {
        AdamNoMomentumParams {
            beta2: 0.999,
            eps: 0.0,
        }
    }
}

impl OptimizerParams for Adam {
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        check_beta("adam", "beta1", self.beta1)?;
        check_beta("adam", "beta2", self.beta2)?;
        check_eps("adam", self.eps)?;
        Ok(Box::new(*self))
    }
}

impl OptimizerParams for AdamNoMomentumParams {
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        check_beta("adam_no_momentum", "beta2", self.beta2)?;
        check_eps("adam_no_momentum", self.eps)?;
        Ok(Box::new(Adam::no_momentum(self.beta2, self.eps)))
    }
}

/// The catalogue rows of this file.
pub(crate) const ENTRIES: &[OptimizerEntry] = &[
    OptimizerEntry::new::<Adam>(
        "adam",
        &[],
        "[M] eq. 20 (ε outside the root, bias-corrected; default ε = 0, PyTorch: 1e-8); implicit ℓ∞ for ε = 0 ([M] Thm 3.6), ℓ2 for fixed ε > 0 ([A] Thm 7, asymptotic)",
    ),
    OptimizerEntry::new::<AdamNoMomentumParams>(
        "adam_no_momentum",
        &[],
        "Adam with β1 = 0; as Adam",
    ),
];
