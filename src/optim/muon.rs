//! Muon: momentum, then per-block orthogonalization (Jordan et al., 2024; \[M\] §2.2).
//!
//! ```text
//!     m_n = β m_{n−1} + (1 − β) g_n                         ([M] eq. 19, per block)
//!     matrix block b with m_b = U Σ Vᵀ:   Δθ_b = −η U Vᵀ     ([M] eq. 6 with ‖·‖ = spectral)
//!     vector block b (a 1×n matrix):      Δθ_b = −η m_b/‖m_b‖₂
//! ```
//!
//! Exact orthogonalization ([`Orthogonalization::Exact`], the setting of \[M\], "UΣVᵀ ↦ UVᵀ")
//! goes through [`crate::linalg::orthogonalize`] (U Vᵀ from a Gram eigendecomposition when
//! σ_max/σ_min ≤ 10², else from the SVD; both within ≈ 6e-14 of the exact map): singular values σ ≤ σ_max·max(rows, cols)·
//! ε_machine are dropped, so a zero row of m_b (a dead neuron) gives a zero row of the step
//! and m_b = 0 gives a zero step; every other singular value of the step is η (up to
//! rounding).
//! Vector blocks follow \[M\] §6 / App. D, "treating the output layer as a matrix with a
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
//! Implicit bias (\[M\] Cor. 3.4): Muon run on each block with the same schedule is normalized
//! momentum steepest descent for ‖θ‖_msp = max_b σ_max(θ_b) (vectors as 1×n matrices), and
//! \[M\] Thm 3.3 applies under (LR-MSD). The momentum buffer is shared by all blocks with one
//! log-scale; the orthogonalization is scale-free, so the step does not depend on the
//! gradient's log-scale. With β = 0 and exact orthogonalization Muon is spectral descent.

use super::catalogue::{OptimizerEntry, OptimizerParams};
use super::checks::check_beta;
use super::kernels::normalize_l2;
use super::momentum::MomentumState;
use super::{Claims, Optimizer, ScaledGrad, ScheduleClass, Step, UpdateRule};
use crate::error::{Error, Result};
use crate::linalg;
use crate::norms::NormSpec;
use crate::params::{BlockShape, Layout};
use serde::{Deserialize, Serialize};

/// How Muon orthogonalizes a matrix block's momentum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orthogonalization {
    /// U Vᵀ from the SVD (numerically-zero singular values dropped), as in \[M\].
    Exact,
    /// `steps` iterations of the quintic Newton–Schulz map (practical Muon; approximate).
    NewtonSchulz {
        /// Number of iterations (≥ 1; 5 is standard).
        steps: usize,
    },
}

/// Muon: momentum m ← βm + (1−β)g, then Δθ_b = −η·orth(m_b) per block (\[M\] Cor. 3.4).
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

impl Muon {
    /// `"muon"` or `"muon_ns"`.
    fn tag(&self) -> &'static str {
        match self.orthogonalization {
            Orthogonalization::Exact => "muon",
            Orthogonalization::NewtonSchulz { .. } => "muon_ns",
        }
    }
}

impl UpdateRule for Muon {
    type State = MomentumState;

    fn name(&self) -> String {
        self.tag().into()
    }

    fn init(&self, layout: &Layout) -> Result<MomentumState> {
        if let Orthogonalization::NewtonSchulz { steps: 0 } = self.orthogonalization {
            return Err(Error::Config(
                "muon_ns: steps must be ≥ 1 (got 0)".to_string(),
            ));
        }
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
        let lr = step.lr;
        for block in step.layout.blocks() {
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
                "{}: orthogonalized step has a non-finite entry at {j}",
                self.tag()
            )));
        }
        Ok(())
    }
}

impl Claims for Muon {
    fn implicit_norm(&self, _layout: &Layout, _state: Option<&MomentumState>) -> Option<NormSpec> {
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

/// Config of `muon`: momentum β (default 0.9, \[M\] App. D), exact orthogonalization.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MuonParams {
    /// β ∈ [0, 1).
    pub beta: f64,
}

impl Default for MuonParams {
    fn default() -> Self {
        MuonParams { beta: 0.9 }
    }
}

impl OptimizerParams for MuonParams {
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        check_beta("muon", "beta", self.beta)?;
        Ok(Box::new(Muon::exact(self.beta)))
    }
}

/// Config of `muon_ns`: momentum β (default 0.9) and the Newton–Schulz iterations (≥ 1,
/// default 5: standard Newton–Schulz-5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MuonNsParams {
    /// β ∈ [0, 1).
    pub beta: f64,
    /// Newton–Schulz iterations (≥ 1).
    pub steps: usize,
}

impl Default for MuonNsParams {
    fn default() -> Self {
        MuonNsParams {
            beta: 0.9,
            steps: 5,
        }
    }
}

impl OptimizerParams for MuonNsParams {
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        check_beta("muon_ns", "beta", self.beta)?;
        if self.steps == 0 {
            return Err(Error::Config(
                "optimizer `muon_ns`: steps must be ≥ 1, got 0".into(),
            ));
        }
        Ok(Box::new(Muon::newton_schulz(self.beta, self.steps)))
    }
}

/// The catalogue rows of this file.
pub(crate) const ENTRIES: &[OptimizerEntry] = &[
    OptimizerEntry::new::<MuonParams>(
        "muon",
        &[],
        "Δ_b = −η U Vᵀ of the momentum per block (exact SVD); implicit max-spectral ([M] Cor. 3.4)",
    ),
    OptimizerEntry::new::<MuonNsParams>(
        "muon_ns",
        &[],
        "Muon with Newton–Schulz-5; implicit max-spectral (approximate)",
    ),
];
