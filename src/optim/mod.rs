//! Optimizers, one file per update rule, optax-style: a serde config with defaults,
//! `init(layout) -> State` and `update(grad, &mut State, &Step, Δθ)` over a typed state
//! ([`UpdateRule`]), claims about the theory in their own trait with defaults ([`Claims`]),
//! and one object-safe wrapper ([`Optimizer`], [`OptState`]) that validates every step once
//! for all rules ([`checks`]).
//!
//! **Adding an optimizer** is one file (the rule, its config, its catalogue rows
//! `ENTRIES`) plus one line in the `rules!` table below (and one roster line in
//! `tests/optim.rs`); `lion.rs` is the example.
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
//! | `gd` | Δ = −η g | ℓ2 (\[F\] Thm 3.4) |
//! | `ngd` | Δ = −η g/‖g‖₂ | ℓ2 (\[M\] Thm 3.2) |
//! | `sign_gd` | Δ = −η sign(g) | ℓ∞ (\[M\] Thm 3.2) |
//! | `coordinate_descent` | Δ = −η ‖g‖_∞ e_{argmax} (ties split) | ℓ1 (\[F\] Thm 3.4) |
//! | `spectral_descent` | W ← W − η U Vᵀ per block (\[F\] App. C.2) | spectral / max-spectral |
//! | `steepest_descent` | \[F\] eq. 1 / \[M\] eq. 3 for any norm | that norm |
//! | `momentum_gd` | m ← βm + (1−β)g; Δ = −η m | ℓ2 (\[M\] Thm 3.3) |
//! | `normalized_momentum_gd` | Δ = −η m/‖m‖₂ | ℓ2 (\[M\] Thm 3.3) |
//! | `signum` | Δ = −η sign(m) | ℓ∞ (\[M\] Thm 3.3) |
//! | `muon` | Δ_b = −η U Vᵀ of m_b per block (exact SVD) | max-spectral (\[M\] Cor. 3.4) |
//! | `muon_ns` | Newton–Schulz-5 orthogonalization | (approximate) max-spectral |
//! | `adam` | \[M\] eq. 20 | ℓ∞ for ε = 0 (\[M\] Thm 3.6); ℓ2 for fixed ε > 0 (\[A\] Thm 7) |
//! | `adam_no_momentum` | β1 = 0 | as Adam |
//! | `rms_prop` | \[A\] eq. 3 (alias: rmsprop) | ℓ2 for ε > 0 (\[A\] Thm 7) |
//! | `adam_wm` | \[A\] eq. 3, h_M: Δ = −η g/√(ε + v/(1−βᵗ)) (Adam (w/m)) | ℓ2 for ε > 0 (\[A\] Thm 7); ℓ∞ for ε = 0 |
//! | `ada_grad` | \[A\] eq. 3 (alias: adagrad) | weighted ℓ2 ‖h∞^{-1/2}⊙θ‖ (\[A\] Thm 6) |
//! | `lion` | Δ = −η sign(β1 m + (1−β1) g), m ← β2 m + (1−β2) g | ℓ∞ (argument of \[M\] Thm 3.3) |
//! | `muon_signum`, `muon_adam` | [`Partition`] of Muon on matrix blocks (`@matrix`) + Signum/Adam on vector blocks (`@vector`) | hybrid max-norms (\[M\] Cor. 3.5, Thm 3.7) |
//!
//! (`implicit-bias list` prints the catalogue with every default; a test checks that this
//! table and the README's list the same names.)

pub mod catalogue;
pub mod checks;
mod config;
pub mod kernels;
mod optimizer;
mod root_buf;
mod rule;
mod scaled_buf;
pub mod schedule;

pub use catalogue::{OptimizerEntry, OptimizerParams, ParamTable};
pub use config::OptimizerConfig;
pub use optimizer::{OptState, Optimizer};
pub use root_buf::RootBuf;
pub use rule::{Claims, Step, UpdateRule};
pub use scaled_buf::ScaledBuf;
pub use schedule::{Schedule, ScheduleClass};

/// The optimizer catalogue: one line per rule module, `module => [public types]`. Each
/// module's `ENTRIES` are its catalogue rows (names, aliases, summary, parameters with
/// defaults), in this order.
macro_rules! rules {
    ($($module:ident => [$($export:ident),* $(,)?]),* $(,)?) => {
        $(mod $module; pub use $module::{$($export),*};)*
        /// Every rule module's catalogue rows, in catalogue order.
        pub(crate) const RULES: &[&[OptimizerEntry]] = &[$($module::ENTRIES),*];
    };
}

rules! {
    steepest => [SteepestDescent, SdState, GdParams, NgdParams, SignGdParams, CoordinateDescentParams, SpectralDescentParams, SteepestDescentParams],
    momentum => [MomentumGd, NormalizedMomentumGd, MomentumState],
    signum => [Signum],
    muon => [Muon, Orthogonalization, MuonParams, MuonNsParams],
    adam => [Adam, AdamState, AdamNoMomentumParams],
    rmsprop => [RmsProp],
    adam_wm => [AdamWm],
    adagrad => [AdaGrad, AdaGradState],
    partition => [Partition, PartitionGroup, PartitionState, MuonSignumParams, MuonAdamParams],
    lion => [Lion, LionState],
}

/// The loss gradient in the log domain: ∇L(θ) = e^{log_scale}·dir.
#[derive(Debug, Clone, Copy)]
pub struct ScaledGrad<'a> {
    /// Log-scale c (natural log).
    pub log_scale: f64,
    /// Direction ĝ (same length as θ); the trainer normalizes so that max_j |ĝ_j| ≤ 1-ish,
    /// but optimizers must not rely on a particular normalization.
    pub dir: &'a [f64],
}
