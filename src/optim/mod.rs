//! Optimizers (DESIGN §3), one file per update rule, optax-style: a validated config,
//! `init(layout) -> State`, `update(grad, &mut state, θ, step, η) -> Δθ`.
//!
//! **Gradients in the log domain.** The trainer passes the *loss* gradient as a
//! [`ScaledGrad`] `(c, ĝ)` with ∇L(θ) = e^{c}·ĝ and max_j |ĝ_j| of order one, so that
//! scale-free methods (normalized steepest descent, sign methods, Muon, Adam with ε = 0)
//! never see an underflowed gradient, however small the loss. Momentum and second-moment
//! buffers are stored relative to a running log-scale ([`ScaledBuf`]) and rescaled when it
//! changes; Adam/RMSProp/AdaGrad compare their ε against the *true* scale.
//!
//! Every update writes Δθ (the step to *add* to θ) into `delta`.
//!
//! | name | rule | implicit norm (theory) |
//! |---|---|---|
//! | `gd` | Δ = −η g | ℓ2 ([F] Thm 3.4) |
//! | `ngd` | Δ = −η g/‖g‖₂ | ℓ2 ([M] Thm 3.2) |
//! | `sign_gd` | Δ = −η sign(g) | ℓ∞ ([M] Thm 3.2) |
//! | `coordinate_descent` | Δ = −η ‖g‖_∞ e_{argmax} (ties split) | ℓ1 ([F] Thm 3.4) |
//! | `spectral_descent` | W ← W − η U Vᵀ per block ([F] App. C.2) | spectral / max-spectral |
//! | `steepest_descent` | [F] eq. 1 / [M] eq. 3 for any norm | that norm |
//! | `momentum_gd` | m ← βm + (1−β)g; Δ = −η m | ℓ2 ([M] Thm 3.3) |
//! | `normalized_momentum_gd` | Δ = −η m/‖m‖₂ | ℓ2 ([M] Thm 3.3) |
//! | `signum` | Δ = −η sign(m) | ℓ∞ ([M] Thm 3.3) |
//! | `muon` | Δ_b = −η U Vᵀ of m_b per block (exact SVD) | max-spectral ([M] Cor. 3.4) |
//! | `muon_ns` | Newton–Schulz-5 orthogonalization | (approximate) max-spectral |
//! | `adam` | [M] eq. 20 | ℓ∞ for ε = 0 ([M] Thm 3.6); ℓ2 for fixed ε > 0 ([A] Thm 7) |
//! | `adam_no_momentum` | β1 = 0 | as Adam |
//! | `rms_prop` (alias `rmsprop`) | [A] eq. 3 | ℓ2 for ε > 0 ([A] Thm 7) |
//! | `ada_grad` (alias `adagrad`) | [A] eq. 3 | weighted ℓ2 ‖h∞^{-1/2}⊙θ‖ ([A] Thm 6) |
//! | `muon_signum`, `muon_adam` | [`Partition`] of Muon on matrix blocks (`@matrix`) + Signum/Adam on vector blocks (`@vector`) | hybrid max-norms ([M] Cor. 3.5, Thm 3.7) |

use crate::error::Result;
use crate::norms::NormSpec;
use crate::params::Layout;
use std::any::Any;
use std::fmt::Debug;

mod scaled_buf;
pub mod schedule;
pub use scaled_buf::ScaledBuf;
pub use schedule::{Schedule, ScheduleClass};

mod adagrad;
mod adam;
mod config;
mod momentum;
mod muon;
mod partition;
mod rmsprop;
mod signum;
mod steepest;

pub use adagrad::AdaGrad;
pub use adam::Adam;
pub use config::OptimizerConfig;
pub use momentum::{MomentumGd, NormalizedMomentumGd};
pub use muon::{Muon, Orthogonalization};
pub use partition::{Partition, PartitionGroup};
pub use rmsprop::RmsProp;
pub use signum::Signum;
pub use steepest::SteepestDescent;

/// The loss gradient in the log domain: ∇L(θ) = e^{log_scale}·dir.
#[derive(Debug, Clone, Copy)]
pub struct ScaledGrad<'a> {
    /// Log-scale c (natural log).
    pub log_scale: f64,
    /// Direction ĝ (same length as θ); the trainer normalizes so that max_j |ĝ_j| ≤ 1-ish,
    /// but optimizers must not rely on a particular normalization.
    pub dir: &'a [f64],
}

/// Optimizer state, created by [`Optimizer::init`] and owned by the caller (optax-style).
/// Each optimizer downcasts to its own concrete type.
pub type State = Box<dyn Any + Send + Sync>;

/// An update rule. Implementations are stateless configs; all mutable state lives in
/// [`State`].
pub trait Optimizer: Send + Sync + Debug {
    /// Stable name (`"ngd"`, `"signum"`, …).
    fn name(&self) -> String;
    /// Fresh state for parameters with this layout.
    fn init(&self, layout: &Layout) -> Result<State>;
    /// Compute Δθ for step `step` (1-based) with learning rate `lr` = η(step), writing it to
    /// `delta`. `theta` is the current θ (used only by methods that need it).
    ///
    /// Never produces NaN. Adam/RMSProp with ε = 0 skip (Δ_j = 0) a coordinate whose second
    /// moment is exactly zero (its gradient was always exactly 0, the case [M] assumption
    /// (A1) excludes). Errors for a state of another optimizer, a layout mismatch, or a true
    /// step that overflows f64 (reported by the trainer as divergence).
    #[allow(clippy::too_many_arguments)]
    fn update(
        &self,
        grad: ScaledGrad<'_>,
        state: &mut State,
        theta: &[f64],
        layout: &Layout,
        step: u64,
        lr: f64,
        delta: &mut [f64],
    ) -> Result<()>;
    /// The norm whose max-margin problem the theory says this optimizer's direction converges
    /// to a KKT point of (None where there is no claim). `state` lets trajectory-dependent
    /// norms (AdaGrad's h∞) be read off the final state.
    fn implicit_norm(&self, layout: &Layout, state: Option<&State>) -> Option<NormSpec>;
    /// The theorem behind [`Optimizer::implicit_norm`] (a short citation).
    fn theorem(&self) -> &'static str;
    /// Which learning-rate assumption of [M] §2.3 its theorem needs.
    fn schedule_class(&self) -> ScheduleClass;
    /// The norm in which each step is normalized (‖Δ‖ = η), if the method is normalized
    /// steepest descent; used for the trace's alignment ⟨θ/‖θ‖, −g/‖g‖_*⟩.
    fn step_norm(&self, layout: &Layout) -> Option<NormSpec> {
        self.implicit_norm(layout, None)
    }
}

/// Downcast helper used by implementations: a clear error instead of a panic when a state
/// of another optimizer is passed in.
pub(crate) fn state_mut<'a, T: 'static>(state: &'a mut State, who: &str) -> Result<&'a mut T> {
    state.downcast_mut::<T>().ok_or_else(|| {
        crate::error::Error::Config(format!("state passed to `{who}` was not created by it"))
    })
}

/// Shared-reference version of [`state_mut`].
pub(crate) fn state_ref<'a, T: 'static>(state: &'a State, who: &str) -> Result<&'a T> {
    state.downcast_ref::<T>().ok_or_else(|| {
        crate::error::Error::Config(format!("state passed to `{who}` was not created by it"))
    })
}
