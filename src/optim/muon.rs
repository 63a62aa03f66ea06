//! Muon: momentum, then per-block orthogonalization (Jordan et al., 2024; [M] §2.2).
//!
//! ```text
//!     m_n = β m_{n−1} + (1 − β) g_n                         ([M] eq. 19, per block)
//!     matrix block b with m_b = U Σ Vᵀ:   Δθ_b = −η U Vᵀ     ([M] eq. 6 with ‖·‖ = spectral)
//!     vector block b (a 1×n matrix):      Δθ_b = −η m_b/‖m_b‖₂
//! ```
//!
//! Exact orthogonalization ([`Orthogonalization::Exact`], the setting of [M], "UΣVᵀ ↦ UVᵀ")
//! goes through [`crate::linalg::orthogonalize`] (U Vᵀ from a Gram eigendecomposition when
//! σ_max/σ_min ≤ 10², else from the SVD; both within ≈ 6e-14 of the exact map): singular values σ ≤ σ_max·max(rows, cols)·
//! ε_machine are dropped, so a zero row of m_b (a dead neuron) gives a zero row of the step
//! and m_b = 0 gives a zero step; every other singular value of the step is η (up to
//! rounding).
//! Vector blocks follow [M] §6 / App. D, "treating the output layer as a matrix with a
//! single row": the orthogonalization of a 1×n matrix is m_b/‖m_b‖₂ (computed in closed
//! form also for the Newton–Schulz variant, where it is exact).
//!
//! [`Orthogonalization::NewtonSchulz`] replaces the SVD by the quintic Newton–Schulz
//! iteration [`crate::linalg::newton_schulz5`] with coefficients (3.4445, −4.7750, 2.0315)
//! (practical Muon). Each singular value σ of m_b becomes η·p⁵(σ/‖m_b‖_F) with
//! p(x) = 3.4445x − 4.7750x³ + 2.0315x⁵ (checked in `tests/optim.rs`): a band
//! [0.68, 1.21]·η for σ ≥ 3·10⁻³·‖m_b‖_F (scalar map measured on [3·10⁻³, 1]: min 0.6818,
//! max 1.2024), and smaller σ stay small. So this variant is only approximately normalized
//! steepest descent.
//!
//! Implicit bias ([M] Cor. 3.4): Muon run on each block with the same schedule is normalized
//! momentum steepest descent for ‖θ‖_msp = max_b σ_max(θ_b) (vectors as 1×n matrices), and
//! [M] Thm 3.3 applies under (LR-MSD). The momentum buffer is shared by all blocks with one
//! log-scale; the orthogonalization is scale-free, so the step does not depend on the
//! gradient's log-scale. With β = 0 and exact orthogonalization Muon is spectral descent.

use super::momentum::{momentum_step, normalize_l2, MomentumState};
use super::{Optimizer, ScaledGrad, ScheduleClass, State};
use crate::error::{Error, Result};
use crate::linalg;
use crate::norms::NormSpec;
use crate::params::{BlockShape, Layout};

/// How Muon orthogonalizes a matrix block's momentum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orthogonalization {
    /// U Vᵀ from the SVD (numerically-zero singular values dropped), as in [M].
    Exact,
    /// `steps` iterations of the quintic Newton–Schulz map (practical Muon; approximate).
    NewtonSchulz {
        /// Number of iterations (≥ 1; 5 is standard).
        steps: usize,
    },
}

/// Muon: momentum m ← βm + (1−β)g, then Δθ_b = −η·orth(m_b) per block ([M] Cor. 3.4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Muon {
    /// Momentum parameter β ∈ [0, 1).
    pub beta: f64,
    /// Exact SVD-based orthogonalization or Newton–Schulz.
    pub orthogonalization: Orthogonalization,
}

impl Muon {
    /// Muon with exact orthogonalization.
    pub fn exact(beta: f64) -> Self {
        Muon {
            beta,
            orthogonalization: Orthogonalization::Exact,
        }
    }
    /// Muon with `steps` Newton–Schulz iterations.
    pub fn newton_schulz(beta: f64, steps: usize) -> Self {
        Muon {
            beta,
            orthogonalization: Orthogonalization::NewtonSchulz { steps },
        }
    }
}

impl Optimizer for Muon {
    fn name(&self) -> String {
        match self.orthogonalization {
            Orthogonalization::Exact => "muon".into(),
            Orthogonalization::NewtonSchulz { .. } => "muon_ns".into(),
        }
    }

    fn init(&self, layout: &Layout) -> Result<State> {
        if let Orthogonalization::NewtonSchulz { steps: 0 } = self.orthogonalization {
            return Err(Error::Config(
                "muon_ns: steps must be ≥ 1 (got 0)".to_string(),
            ));
        }
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
        let who = self.name();
        let st = momentum_step(&who, self.beta, &grad, state, layout, lr, delta)?;
        for block in layout.blocks() {
            let range = block.range();
            let m = &st.m.v[range.clone()];
            let out = &mut delta[range];
            match block.shape {
                BlockShape::Matrix { rows, cols } => {
                    match self.orthogonalization {
                        Orthogonalization::Exact => {
                            linalg::orthogonalize(rows, cols, m, out)?;
                        }
                        Orthogonalization::NewtonSchulz { steps } => {
                            linalg::newton_schulz5(rows, cols, m, steps, out);
                        }
                    }
                    out.iter_mut().for_each(|d| *d *= -lr);
                }
                BlockShape::Vector(_) => normalize_l2(m, lr, out),
            }
        }
        if let Some(j) = delta.iter().position(|d| !d.is_finite()) {
            return Err(Error::Numerical(format!(
                "{who}: orthogonalized step has a non-finite entry at {j}"
            )));
        }
        Ok(())
    }

    fn implicit_norm(&self, _layout: &Layout, _state: Option<&State>) -> Option<NormSpec> {
        Some(NormSpec::MaxSpectral)
    }

    fn theorem(&self) -> &'static str {
        match self.orthogonalization {
            Orthogonalization::Exact => {
                "[M] Cor. 3.4 (with Thm 3.3): Muon with exact orthogonalization is normalized \
                 momentum steepest descent for the max-spectral norm; under (LR-MSD) its \
                 direction converges to a KKT point of the max-spectral max-margin problem"
            }
            Orthogonalization::NewtonSchulz { .. } => {
                "approximate: [M] Cor. 3.4 is proved for exact orthogonalization; Newton–Schulz \
                 only maps singular values into a band around 1, so the max-spectral claim is \
                 an approximation for this variant"
            }
        }
    }

    fn schedule_class(&self) -> ScheduleClass {
        ScheduleClass::Msd
    }
}
