//! AdaGrad in the form of \[A\] eq. 3 (ε inside the square root, no momentum):
//!
//! ```text
//!     G_k = G_{k−1} + g_k²,   G_0 = 0
//!     Δθ_k = −η g_k / √(ε + G_k)        (h_A(k)^{-1} = √(ε 1_p + Σ_{τ≤k} g_τ²))
//! ```
//!
//! G is kept as a root buffer √G = e^{s}·r ([`super::RootBuf`] with a = b = 1) and the step
//! is computed exactly like RMSProp's, in the log domain (see `root_buf.rs`).
//!
//! **Implicit bias (\[A\] Thm 6).** The conditioner h_A(k) = (ε + G_k)^{-1/2} is
//! non-increasing and converges to h∞ (G_k converges because Σ‖g‖² < ∞ along the flow),
//! and any limit direction of θ is a KKT direction of
//!
//! ```text
//!     min ½‖h∞^{-1/2} ⊙ θ‖²   s.t.   y_i f(x_i; θ) ≥ 1,
//! ```
//!
//! (\[A\] Thm 1 (1), Thm 6, problem (P_A)). The proof: the substitution v = h∞^{-1/2}⊙θ turns
//! AdaGrad flow into an *adaptive gradient flow* on v (Def. 1) with component learning rate
//! β_A(t) = h∞^{-1}⊙h_A(t) → 1_p (\[A\] Thm 4, which also shows h∞ has no zero component), and
//! limit directions of such flows are KKT points of the ℓ2 problem min ½‖v‖² (\[A\] Thm 2);
//! substituting back gives (P_A). So the
//! implicit norm is the **weighted ℓ2 norm** ‖h ⊙ θ‖₂ with weights
//! h_j = h∞_j^{-1/2} = (ε + G∞_j)^{1/4}, read from the final state — a norm fixed by the
//! trajectory (initialization, step size), which is \[A\]'s point (§4.4, §6.2, App. F.3 and
//! Fig. 2 plot the direction of h∞^{-1/2}). [`AdaGrad::h_inv_sqrt`] returns these weights.
//!
//! The theorem needs ε > 0 (\[A\] eq. 3: "ε is a positive constant"). With ε = 0 the update
//! is still defined (a coordinate whose gradient has always been exactly 0 gets Δθ_j = 0),
//! but `implicit_norm` returns `None`.

use super::catalogue::{OptimizerEntry, OptimizerParams};
use super::checks::check_eps;
use super::root_buf::{hyp, rms_step, RootBuf};
use super::{Claims, OptState, Optimizer, ScaledGrad, Step, UpdateRule};
use crate::error::{Error, Result};
use crate::norms::NormSpec;
use crate::params::Layout;
use serde::{Deserialize, Serialize};

/// AdaGrad (\[A\] eq. 3): G ← G + g², Δθ = −η g/√(ε + G).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdaGrad {
    /// ε ≥ 0 (the theory needs ε > 0), added to G inside the square root (default 1e-8).
    pub eps: f64,
}

impl Default for AdaGrad {
    fn default() -> Self {
        AdaGrad { eps: 1e-8 }
    }
}

/// AdaGrad state: √G as a root buffer and ε (so that [`AdaGrad::h_inv_sqrt`] needs only the
/// state).
#[derive(Debug, Clone)]
pub struct AdaGradState {
    g2: RootBuf,
    eps: f64,
}

impl AdaGrad {
    /// h∞^{-1/2} = (ε + G_j)^{1/4} for every coordinate, read from an AdaGrad state — the
    /// weights of the implicit weighted ℓ2 norm (\[A\] Thm 6) and the vector whose direction
    /// \[A\] Fig. 2 / App. F.3 plot. Computed in the log domain: with √(ε + G_j) = e^{k}·den_j,
    /// (ε + G_j)^{1/4} = e^{(k + ln den_j)/2}.
    ///
    /// A weight is exactly 0 only for ε = 0 and a coordinate whose gradient was always 0.
    ///
    /// Errors: a state not created by AdaGrad; a weight outside the f64 range (possible only
    /// for ε = 0, where G itself can be e^{−1000}-small: the weights are then known only as
    /// logarithms).
    pub fn h_inv_sqrt(state: &OptState) -> Result<Vec<f64>> {
        AdaGrad::weights_of(state.typed::<AdaGradState>("ada_grad")?)
    }

    /// [`AdaGrad::h_inv_sqrt`] on the typed state.
    fn weights_of(st: &AdaGradState) -> Result<Vec<f64>> {
        let Some((k, e, b)) = st.g2.eps_split(st.eps) else {
            // ε = 0 and G = 0: every weight is 0.
            return Ok(vec![0.0; st.g2.r.len()]);
        };
        st.g2
            .r
            .iter()
            .map(|&r| {
                let den = hyp(e, b * r);
                if den == 0.0 {
                    // ε = 0 and a gradient that was always exactly 0: a genuine zero weight.
                    return Ok(0.0);
                }
                let log_h = 0.5 * (k + den.ln());
                let h = log_h.exp();
                if h > 0.0 && h.is_finite() {
                    Ok(h)
                } else {
                    Err(Error::Numerical(format!(
                        "ada_grad: h∞^(-1/2) = e^{log_h:.6e} is outside the f64 range"
                    )))
                }
            })
            .collect()
    }
}

impl UpdateRule for AdaGrad {
    type State = AdaGradState;

    fn name(&self) -> String {
        "ada_grad".into()
    }

    fn init(&self, layout: &Layout) -> Result<AdaGradState> {
        Ok(AdaGradState {
            g2: RootBuf::zeros(layout.len()),
            eps: self.eps,
        })
    }

    fn update(
        &self,
        grad: ScaledGrad<'_>,
        st: &mut AdaGradState,
        step: &Step<'_>,
        delta: &mut [f64],
    ) -> Result<()> {
        st.g2.accumulate(1.0, 1.0, grad.log_scale, grad.dir);
        rms_step("ada_grad", &st.g2, self.eps, &grad, step.lr, delta)
    }
}

impl Claims for AdaGrad {
    /// The weighted ℓ2 norm ‖h ⊙ θ‖₂ with h = (ε + G)^{1/4} from `state` (\[A\] Thm 6);
    /// `None` without a state, for ε = 0, or when a weight is 0 or not finite.
    fn implicit_norm(&self, layout: &Layout, state: Option<&AdaGradState>) -> Option<NormSpec> {
        if self.eps <= 0.0 {
            return None;
        }
        let h = AdaGrad::weights_of(state?).ok()?;
        if h.len() != layout.len() || h.iter().any(|&w| !(w > 0.0 && w.is_finite())) {
            return None;
        }
        Some(NormSpec::WeightedL2(h))
    }

    fn theorem(&self) -> &'static str {
        "[A] Thm 6: AdaGrad flow converges in direction to a KKT point of \
         min ½‖h∞^{-1/2}⊙θ‖² s.t. q_i ≥ 1 (weighted ℓ2 with weights (ε + G∞)^{1/4}, read \
         from the final state; needs ε > 0)"
    }
}

impl OptimizerParams for AdaGrad {
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        check_eps("ada_grad", self.eps)?;
        Ok(Box::new(*self))
    }
}

/// The catalogue row of this file.
pub(crate) const ENTRIES: &[OptimizerEntry] = &[OptimizerEntry::new::<AdaGrad>(
    "ada_grad",
    &["adagrad"],
    "Δ = −η g/√(ε + Σg²) ([A] eq. 3); implicit weighted ℓ2 ‖h∞^{-1/2}⊙θ‖ from its state ([A] Thm 6)",
)];
