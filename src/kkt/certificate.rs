//! [`Certificate`] and [`Verdict`]: what the checker reports for one norm (the JSON
//! contract of `docs/contracts.md` §3).
//!
//! All numbers are recomputed in plain Rust from the LP's λ and v (see [`super`]); the JSON
//! field names `norm, margin, kappa, kappa_lower_bound, eps_rel, eps2, eps_inf, delta,
//! delta_rel, tau, support, lambda, block_balance, verdict` are a stable contract (`tau_kkt`
//! and `tau_search` were added later and read back as `null` from older records). Values
//! that could not be computed (an `inconclusive` certificate after every solve failed) are
//! NaN in Rust and `null` in JSON.

use super::config::{LpBackend, LpForm, Strategy};
use super::tau_search::TauSearch;
use serde::{Deserialize, Serialize};

/// The verdict for one norm.
///
/// * `Kkt` — the recomputed κ of an explicit certificate is ≤ κ_kkt;
/// * `NotKkt` — the certified lower bound is ≥ κ_not: **no** certificate in the relaxed set
///   does better;
/// * `Inconclusive` — neither (or the LP could not be solved; `reason` says which);
/// * `Coincident` — the norm coincides with the optimizer's own norm on this layout, or passes
///   at the same θ as the own norm, so the certificate cannot tell them apart
///   ([`super::check_many`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// KKT point within κ_kkt.
    Kkt,
    /// Certified not to be a KKT point within κ_not.
    NotKkt,
    /// Neither decided nor refuted.
    Inconclusive,
    /// Indistinguishable from the own norm.
    Coincident,
}

impl Verdict {
    /// `"kkt"`, `"not_kkt"`, `"inconclusive"`, `"coincident"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Kkt => "kkt",
            Verdict::NotKkt => "not_kkt",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Coincident => "coincident",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The tolerances a certificate was computed with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tolerances {
    /// τ of the relaxed subdifferential actually used (0 for ℓ2 / weighted ℓ2).
    pub tau: f64,
    /// Relative near-kink tolerance.
    pub kink_tol: f64,
    /// Whether the Clarke relaxation was used.
    pub clarke: bool,
    /// `kkt` threshold on κ.
    pub kappa_kkt: f64,
    /// `not_kkt` threshold on the certified lower bound.
    pub kappa_not: f64,
    /// Backend tried first.
    pub backend: LpBackend,
    /// LP form handed to the solver.
    pub form: LpForm,
    /// Plain LP or row generation (same certificate either way).
    #[serde(default)]
    pub strategy: Strategy,
}

/// LP statistics of a certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LpStats {
    /// Rows of the last κ LP (2 per residual row plus the others).
    pub rows: usize,
    /// Columns of the last κ LP.
    pub cols: usize,
    /// Wall time of all LP builds and solves (seconds).
    #[serde(with = "crate::json_f64::scalar")]
    pub solve_seconds: f64,
    /// Backend that produced the last solution (None if every solve failed).
    pub backend_used: Option<LpBackend>,
    /// Solver status of the last solve.
    pub status: String,
    /// Column-generation rounds.
    pub rounds: usize,
    /// Column-generation atoms (rank-one matrices, ℓq-sphere points) in the final encoding.
    pub atoms: usize,
    /// Whether the refinement converged.
    pub converged: bool,
    /// The last LP's optimal value (an upper bound on κ* under column generation, κ* itself
    /// otherwise, up to the solver's tolerance — reported for comparison; the certified
    /// numbers are `kappa` and `kappa_lower_bound`).
    #[serde(with = "crate::json_f64::scalar")]
    pub lp_value: f64,
    /// Largest change |v − v_LP| made when projecting v onto the exact set.
    #[serde(with = "crate::json_f64::scalar")]
    pub v_repair: f64,
    /// Number of near-kink (sample, unit) pairs relaxed.
    pub kinks: usize,
    /// Whether row generation over coordinates ran (`kkt/rowgen.rs`).
    #[serde(default)]
    pub row_generation: bool,
    /// Residual rows (coordinates) in the last κ LP: p for the plain LP, |J| under row
    /// generation.
    #[serde(default)]
    pub residual_rows: usize,
    /// Extra sweeps over the samples (per-sample gradient recomputations) made for this
    /// norm's row generation, not counting the first sweep shared by all norms.
    #[serde(default)]
    pub gradient_sweeps: usize,
    /// Retries, repairs, convergence remarks.
    pub notes: Vec<String>,
}

/// The KKT certificate of θ for one norm N.
///
/// Notation: θ̃ = θ/q_min^{1/L}, q̃_i = q_i/q_min ≥ 1, h̃_i = ∇f(x_i; θ̃) (Clarke-relaxed),
/// N = N(θ̃), r = Σ_i λ_i y_i h̃_i (+ Clarke terms) − N·v with v ∈ ∂_τN(θ̃).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    /// Spec string of the norm.
    pub norm: String,
    /// γ_N(θ) = q_min / N(θ)^L = 1/N(θ̃)^L.
    #[serde(with = "crate::json_f64::scalar")]
    pub margin: f64,
    /// The KKT gap achieved by the explicit certificate below:
    /// max(‖r‖_∞/N, L·Σλ_i(q̃_i − 1)/N²). An upper bound on the optimal gap κ*.
    #[serde(with = "crate::json_f64::scalar")]
    pub kappa: f64,
    /// Certified lower bound on κ* over the relaxed set (τ, Clarke tolerance): no
    /// certificate does better. Computed from the LP's dual prices in plain Rust.
    #[serde(with = "crate::json_f64::scalar")]
    pub kappa_lower_bound: f64,
    /// ‖r‖₂ / N (scale-free).
    #[serde(with = "crate::json_f64::scalar")]
    pub eps_rel: f64,
    /// ε = ‖r‖₂ (\[M\] Def. C.4, \[F\] Def. A.12 condition 1).
    #[serde(with = "crate::json_f64::scalar")]
    pub eps2: f64,
    /// ‖r‖_∞.
    #[serde(with = "crate::json_f64::scalar")]
    pub eps_inf: f64,
    /// δ = Σ λ_i (q̃_i − 1) (\[M\] Def. C.4 condition 2).
    #[serde(with = "crate::json_f64::scalar")]
    pub delta: f64,
    /// L·δ / N² (scale-free).
    #[serde(with = "crate::json_f64::scalar")]
    pub delta_rel: f64,
    /// τ used.
    pub tau: f64,
    /// The smallest τ ∈ [0, τ_max] (τ_max = [`super::TAU_MAX`] = 0.5) at which this
    /// certificate would be `kkt` — the same θ, norm, kink tolerance and thresholds, only τ
    /// of ∂_τN(θ̃) = {v : N_*(v) ≤ 1, ⟨v, θ̃⟩ ≥ (1−τ)N(θ̃)} changed — to the resolution of
    /// [`TauSearch`]: κ(τ_kkt) ≤ κ_kkt, and κ > κ_kkt at the largest τ tried below it
    /// ([`TauSearch::tau_below`], at most a factor 1 + 2⁻⁴ smaller, or below 10⁻⁴).
    /// `None` when the search did not run (`tau_search` is `None`) or found no τ ≤ τ_max
    /// with κ ≤ κ_kkt (`tau_search` says which). `Some(0.0)`: `kkt` with the exact
    /// subdifferential. Computed from κ before coincidence: a `coincident` certificate
    /// reports the τ of its own κ.
    #[serde(default, with = "crate::json_f64::option")]
    pub tau_kkt: Option<f64>,
    /// The τ search behind `tau_kkt`: every τ tried with its κ and certified lower bound,
    /// and what is certified below `tau_kkt` (`None` when it did not run,
    /// [`super::CheckConfig::tau_search`]).
    #[serde(default)]
    pub tau_search: Option<TauSearch>,
    /// {i : λ_i > 10⁻⁹ max λ}.
    pub support: Vec<usize>,
    /// λ_i ≥ 0, one per sample.
    #[serde(with = "crate::json_f64::vec")]
    pub lambda: Vec<f64>,
    /// Each block's weighted norm ÷ the max (max-block, max-spectral, hybrid norms).
    #[serde(with = "crate::json_f64::option_pairs")]
    pub block_balance: Option<Vec<(String, f64)>>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why the verdict is what it is (always set for `inconclusive` and `coincident`).
    pub reason: Option<String>,
    /// κ of the trajectory certificate λ_i ∝ e^{−q_i(θ)} (\[F\] Prop. A.13), if computed.
    #[serde(with = "crate::json_f64::option")]
    pub trajectory_kappa: Option<f64>,
    /// What the lower bound is certified for (relaxation, encodings).
    pub relaxation: String,
    /// Tolerances used.
    pub tolerances: Tolerances,
    /// LP size, time and solver details.
    pub lp: LpStats,
}
