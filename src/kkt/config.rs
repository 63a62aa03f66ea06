//! [`CheckConfig`]: the tolerances and solver choices of the KKT checker.
//!
//! Every number that influences a verdict lives here and is copied into the certificate
//! (`tolerances`), so a verdict can always be traced back to the thresholds it used:
//!
//! ```text
//!   ∂_τN(θ̃) = { v : N_*(v) ≤ 1, ⟨v, θ̃⟩ ≥ (1 − τ)N(θ̃) },   τ = CheckConfig::tau_for(N)
//!   verdict = kkt if κ ≤ κ_kkt;  not_kkt if κ_lb ≥ κ_not;  inconclusive otherwise
//! ```

use crate::error::{Error, Result};
use crate::norms::{Composition, NormSpec, ResolvedNorm};
use serde::{Deserialize, Serialize};

/// The LP solver used for the κ LP (a good_lp backend; both are pure Rust).
///
/// Measured on this machine (2 shared cores, release build) on the checker's own LPs, primal
/// form, wall time of a whole [`super::check`] without the trajectory certificate (for
/// microlp this includes the second solve of the dual LP that provides the dual prices).
/// "Two-layer" is a ReLU net f = uᵀReLU(Wx) with labels from a random teacher θ (not a KKT
/// point, so every norm has κ ≈ 0.05–1):
///
/// | problem | LP rows × cols | Clarabel | microlp |
/// |---|---|---|---|
/// | linear, m = 40, p = 10, ℓ2 | 21 × 41 | 0.6 ms | 0.4 ms |
/// | linear, m = 40, p = 10, ℓ1 / ℓ∞ | 22 × 51 / 23 × 61 | 0.7 / 0.7 ms | 0.8 / 0.6 ms |
/// | two-layer k = 16, d = 10 (p = 176), m = 30, ℓ2 | 353 × 31 | 6 ms | 8 ms |
/// | same, ℓ1 / ℓ∞ | 354 × 207 / 355 × 383 | 8 / 15 ms | 31 / 13 ms |
/// | same, max-spectral (7 column-generation rounds) | 357 × 47 | 56 ms | 40 ms |
/// | two-layer k = 64, d = 62 (p = 4 032), m = 512, ℓ2 (4 screening rounds, 196 samples in the LP) | 8 065 × 196 | 8.1 s | 239 s |
/// | same, ℓ∞ | 8 067 × 8 129 | 2.9 s | 3.0 s |
/// | same, max-spectral (22 rounds) | 8 069 × 217 | 57 s | 185 s |
///
/// (The m = 512 rows are the plain LP, [`Strategy::Plain`], measured 2026-11-22 on a shared
/// machine. The default [`Strategy::Auto`] runs row generation there; `benches/checker.rs`
/// on a quiet machine, 2026-11-23, m = 512, p = 4 032, Clarabel: ℓ2 1.7 s (final LP
/// 1 219 × 281), ℓ∞ 1.1 s (315 × 593), max-spectral 4.7 s (979 × 301, 10 rounds); the
/// current numbers for every backend are in `benches/README.md`.)
///
/// Clarabel is the default: as fast on the small LPs, 3–30× faster on the large ones, and it
/// returns the dual prices (needed by column generation and by the certified lower bound) in
/// the same solve. microlp is the retry backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LpBackend {
    /// good_lp's Clarabel backend: interior point, returns duals (λ may come back as
    /// ≈ −10⁻¹²: clamped and re-verified).
    Clarabel,
    /// good_lp's microlp backend: dense simplex, vertex solutions, no duals.
    Microlp,
    /// good_lp's HiGHS backend (native C++; cargo feature `highs`, needs cmake and
    /// libclang to build): for large cases.
    #[cfg(feature = "highs")]
    Highs,
}

impl LpBackend {
    /// The other backend (used for the retry).
    pub fn other(self) -> LpBackend {
        match self {
            LpBackend::Clarabel => LpBackend::Microlp,
            LpBackend::Microlp => LpBackend::Clarabel,
            #[cfg(feature = "highs")]
            LpBackend::Highs => LpBackend::Clarabel,
        }
    }
    /// `"clarabel"` / `"microlp"`.
    pub fn name(self) -> &'static str {
        match self {
            LpBackend::Clarabel => "clarabel",
            LpBackend::Microlp => "microlp",
            #[cfg(feature = "highs")]
            LpBackend::Highs => "highs",
        }
    }
}

/// Which of the two LP-dual formulations is handed to the solver.
///
/// `Primal` is the κ LP as written in the module docs of [`super`] (2p + O(1) rows, one column
/// per sample plus the subdifferential's variables); `Dual` is its LP dual, built
/// mechanically (rows ↔ columns: m + O(1) rows for ℓ2), from which λ and v are read back as
/// the dual's shadow prices. A measurement (docs/contracts.md §5) found the dual form 5–20× faster for every
/// backend on dense *random* instances; on the checker's own LPs with Clarabel (same
/// problems as [`LpBackend`]) the primal form is faster every time:
///
/// | problem | Primal | Dual |
/// |---|---|---|
/// | linear m = 40, p = 10: ℓ2 / ℓ1 / ℓ∞ | 0.57 / 0.66 / 0.71 ms | 0.60 / 0.76 / 0.73 ms |
/// | two-layer m = 30, p = 176: ℓ2 / ℓ1 / ℓ∞ / max-spectral | 6 / 8 / 15 / 56 ms | 7 / 12 / 17 / 69 ms |
/// | two-layer m = 512, p = 4 032: ℓ2 / ℓ∞ / max-spectral | 8.1 / 2.9 / 57 s | 32.7 / 5.5 / 221 s |
/// | same, ℓ2 without sample screening (all 512 samples) | 23.5 s | 58.8 s |
///
/// (Plain LP, 2026-11-22, shared machine; the `checker` bench's `clarabel_dual` rows compare
/// the forms on current code: at m = 40, p = 200 the primal is still 5–30 % faster.)
/// (An interior-point method factors a KKT matrix containing both the LP and its dual, so
/// transposing the LP does not shrink its work the way it shrinks a simplex basis; with
/// microlp the dual form only yields the dual prices, so λ still needs the primal solve.)
/// `Primal` is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LpForm {
    /// Solve the κ LP itself.
    Primal,
    /// Solve its LP dual and read λ, v back from the dual prices (Clarabel only; with
    /// microlp this falls back to `Primal`).
    Dual,
}

/// How the κ LP's p residual rows are handled (`CheckConfig::strategy`).
///
/// Every strategy computes the **same certificate**: the achieved κ is recomputed over all p
/// coordinates and the lower bound over all samples and all of ∂_τN(θ̃) whatever ran, and
/// row generation only stops when no dropped row is violated, i.e. at the plain LP's
/// optimum (the argument is in `kkt/rowgen.rs`; `tests/kkt_scaling.rs` compares the paths).
/// They differ in time and memory only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Row generation when p ≥ [`Strategy::ROWGEN_MIN_P`], the plain LP otherwise (the
    /// default); for ℓ1 the plain LP up to p ≤ [`Strategy::L1_PLAIN_MAX_P`] (see
    /// [`Strategy::row_generation_for`]).
    #[default]
    Auto,
    /// Every residual row in every LP, the per-sample gradients stored densely (m·p floats):
    /// the reference formulation.
    Plain,
    /// Row generation over coordinates ([`super`] module docs, `kkt/rowgen.rs`): LPs with the
    /// residual rows of a growing coordinate set J, gradients recomputed per sweep and only
    /// the rows in J stored (|J|·m floats).
    RowGeneration,
}

impl Strategy {
    /// Smallest p for which `Auto` uses row generation.
    pub const ROWGEN_MIN_P: usize = 1000;

    /// Largest p for which `Auto` keeps the plain LP for the ℓ1 norm.
    pub const L1_PLAIN_MAX_P: usize = 20_000;

    /// Whether this strategy runs row generation on a problem with p coordinates (for a
    /// norm other than ℓ1, see [`Strategy::row_generation_for`]).
    pub fn row_generation(self, p: usize) -> bool {
        match self {
            Strategy::Auto => p >= Self::ROWGEN_MIN_P,
            Strategy::Plain => false,
            Strategy::RowGeneration => true,
        }
    }

    /// Whether this strategy runs row generation for `norm` on p coordinates. `Auto` keeps
    /// the plain LP for ℓ1 up to [`Strategy::L1_PLAIN_MAX_P`]: its τ-relaxed subdifferential
    /// forces v ≈ sign θ̃ on almost every coordinate of a dense θ̃, so nearly every residual
    /// row binds and row generation ends with ≈ 90 % of them after extra rounds (measured on
    /// the digits nets, m = 512, p = 4 160: plain 4.8–6.4 s, row generation 7–16 s).
    pub fn row_generation_for(self, p: usize, norm: &NormSpec) -> bool {
        match (self, norm) {
            (Strategy::Auto, NormSpec::L1) => p > Self::L1_PLAIN_MAX_P,
            _ => self.row_generation(p),
        }
    }

    /// `"auto"` / `"plain"` / `"row_generation"`.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Auto => "auto",
            Strategy::Plain => "plain",
            Strategy::RowGeneration => "row_generation",
        }
    }
}

/// Whether a certificate also reports the smallest τ at which it would be `kkt`
/// (`CheckConfig::tau_search`; the search is in `kkt/tau_search.rs`, the result in
/// [`super::Certificate::tau_kkt`] and [`super::Certificate::tau_search`]).
///
/// The search re-solves the κ LP at up to 9 other values of τ (each a full refinement loop
/// with everything but τ fixed; cap [`super::TAU_MAX_SOLVES`]). Measured (release, 2 shared
/// cores, Clarabel, time added to one certificate):
///
/// | problem | polyhedral norms (ℓ1, ℓ∞) | column-generation norms (ℓ2 at τ > 0, spectral, max-spectral, hybrid) |
/// |---|---|---|
/// | linear m = 40, p = 10 | +10–30 ms (×2–20) | ℓ2 +50–60 ms |
/// | two-layer ReLU² k = 16, d = 10 (p = 176), m = 30, Adam(ε = 0) iterate, 20-round cap | ℓ∞ +0.36 s (×6) | ℓ2 +7 s, max-spectral +9.4 s, hybrid +10.6 s (×40–250: every τ > 0 runs into the round cap) |
///
/// So `Auto` searches where that is cheap: with the plain LP (never under row generation,
/// which is chosen for p ≥ 1000 precisely because one LP is already expensive), and
/// m·p ≤ [`TauSearchMode::AUTO_MAX_MP`] for polyhedral encodings, m·p ≤
/// [`TauSearchMode::AUTO_MAX_MP_COLGEN`] when the encoding at τ > 0 needs column generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TauSearchMode {
    /// Search when cheap (see above; the default).
    #[default]
    Auto,
    /// Always search.
    On,
    /// Never search (`tau_kkt` and `tau_search` are `None`).
    Off,
}

impl TauSearchMode {
    /// Largest m·p (samples × parameters) for which `Auto` searches a norm whose encoding is
    /// polyhedral (every block ℓ1 or ℓ∞): 10⁵, about 20× the two-layer case above (+0.4 s).
    pub const AUTO_MAX_MP: usize = 100_000;
    /// Largest m·p for which `Auto` searches a norm that needs column generation at τ > 0:
    /// 10³, between the linear case (m·p = 400, +60 ms) and the two-layer one (5 280, +7–11 s).
    pub const AUTO_MAX_MP_COLGEN: usize = 1_000;

    /// Whether to search a certificate on m samples and p parameters that did
    /// (`row_generation`) or did not run row generation, for a norm whose encoding at τ > 0
    /// does (`column_generation`) or does not need column generation.
    pub fn enabled(
        self,
        row_generation: bool,
        m: usize,
        p: usize,
        column_generation: bool,
    ) -> bool {
        let cap = if column_generation {
            Self::AUTO_MAX_MP_COLGEN
        } else {
            Self::AUTO_MAX_MP
        };
        match self {
            TauSearchMode::Auto => !row_generation && m.saturating_mul(p) <= cap,
            TauSearchMode::On => true,
            TauSearchMode::Off => false,
        }
    }

    /// Parse `"auto"`, `"on"` or `"off"` (the CLI's `--tau-search`); any other string is a
    /// config error naming the three.
    pub fn parse(s: &str) -> Result<TauSearchMode> {
        match s {
            "auto" => Ok(TauSearchMode::Auto),
            "on" => Ok(TauSearchMode::On),
            "off" => Ok(TauSearchMode::Off),
            _ => Err(crate::error::Error::Config(format!(
                "unknown τ search mode `{s}` (auto, on, off)"
            ))),
        }
    }

    /// `"auto"` / `"on"` / `"off"`.
    pub fn name(self) -> &'static str {
        match self {
            TauSearchMode::Auto => "auto",
            TauSearchMode::On => "on",
            TauSearchMode::Off => "off",
        }
    }
}

/// Tolerances and solver choices of [`super::check`].
///
/// Defaults and why:
/// * `tau = 1e-2` — the relaxation ∂_τN(θ̃) = {v : N_*(v) ≤ 1, ⟨v, θ̃⟩ ≥ (1−τ)N(θ̃)} used
///   for the non-smooth norms (ℓ1, ℓ∞, spectral, max-spectral, hybrid, max-block; which
///   norms are smooth is decided by their resolution, [`CheckConfig::tau_for`]). At a
///   finite training time the subgradient that certifies the limit direction is only
///   *approximately* a subgradient at θ_t (e.g. a coordinate with |θ_j| = 0.995·‖θ‖_∞ that
///   will be active in the limit, or a second singular value at 0.995·σ₁); τ = 10⁻² accepts
///   those, and τ is always reported;
/// * `tau_smooth = 0` — τ for the smooth norms ℓ2 and ℓp (1 < p < ∞), and a max over a
///   single ℓ2/ℓp block. Their subdifferential
///   is the single point ∇N(θ̃), which depends continuously on θ̃, so there is no active set
///   to be near and τ = 0 loses nothing; it also makes their LP exact and one-shot. (With
///   τ > 0 the cap of the ℓq ball is generated by column generation, which needs 30–60
///   rounds on a two-layer net with p ≈ 200–700 — measured.) The design text lists ℓp with the
///   non-smooth norms; this default deliberately puts it with ℓ2. Weighted ℓ2 always uses
///   τ = 0 (its dual ball is an ellipsoid, which has no block encoding here);
/// * `kink_tol = 1e-6` — a (sample, unit) pair is a near-kink when
///   |⟨w_j, x_i⟩| ≤ kink_tol·‖w_j‖‖x_i‖; only then may the LP choose the slope in [σ'(0⁻), σ'(0⁺)];
/// * `kappa_kkt = 0.01`, `kappa_not = 0.03` — an independent prototype measured own-norm
///   κ ≈ 10⁻³…4·10⁻³ and other-norm κ ≈ 0.05…0.45 on linear d = 30, m = 40 after 3·10⁵
///   steps, and own κ ≈ 0.01–0.02 vs ≥ 0.1 on the two-layer net. κ_kkt = 0.01
///   sits above the linear own-norm values with a 2.5× margin; κ_not = 0.03 below the
///   smallest wrong-norm value with a 1.7× margin; the band in between is `inconclusive`.
///   Two-layer suites may raise κ_kkt (e.g. to 0.02–0.03 with κ_not = 0.08);
/// * `backend = Clarabel`, `form = Primal` — by measurement, see [`LpBackend`], [`LpForm`];
/// * `max_colgen_iters = 60`, `colgen_tol = 1e-2` — column generation (rank-one atoms for
///   spectral blocks, ℓq-sphere points for ℓp / ℓ2 blocks) stops when LP value − best
///   certified lower bound ≤ colgen_tol·max(LP value, 0.01) (1 % relative, 10⁻⁴ absolute
///   near 0 — below the gap between κ_kkt and κ_not), when no new atom is found, or after
///   this many rounds (which also bound row generation and screening). Both reported
///   numbers stay certified when it stops early;
/// * `lp_tol = 1e-10` — Clarabel's gap and feasibility tolerances (the retry tightens it ×100);
/// * `trajectory = true` — also compute the trajectory certificate (\[F\] Prop. A.13);
/// * `strategy = Auto` — row generation over coordinates for p ≥ 1000, the plain LP below
///   (where an LP takes milliseconds anyway, and every existing suite keeps its exact LP);
///   see [`Strategy`]; `row_batch = 0` — automatic row batches;
/// * `tau_search = Auto` — report [`super::Certificate::tau_kkt`], the smallest τ ∈ [0, 0.5]
///   at which the certificate would be `kkt` (all else fixed; κ*(τ) is non-increasing and
///   convex in τ, so a bisection finds it — `kkt/tau_search.rs`), wherever the extra ≤ 9
///   solves are cheap ([`TauSearchMode`]). The theorem suite turns it off
///   (`theorem_case::CaseCheck::tau_search`) to keep its run time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckConfig {
    /// τ for the non-smooth norms (ℓ1, ℓ∞, spectral, block norms). In [0, 1).
    pub tau: f64,
    /// τ for the smooth norms (ℓ2, ℓp, a max over a single ℓ2/ℓp block). In [0, 1).
    pub tau_smooth: f64,
    /// Relative tolerance of the near-kink test, in [0, 1).
    pub kink_tol: f64,
    /// Use the Clarke relaxation at near-kinks (false: the model's fixed subgradient only).
    pub clarke: bool,
    /// `kkt` when the recomputed κ ≤ kappa_kkt.
    pub kappa_kkt: f64,
    /// `not_kkt` when the certified lower bound ≥ kappa_not (≥ kappa_kkt).
    pub kappa_not: f64,
    /// The LP backend tried first.
    pub backend: LpBackend,
    /// Which formulation is handed to the solver.
    pub form: LpForm,
    /// Maximal rounds of column generation / sample screening.
    pub max_colgen_iters: usize,
    /// Stop column generation when LP value − best certified lower bound so far ≤
    /// colgen_tol·max(LP value, 0.01).
    pub colgen_tol: f64,
    /// Interior-point tolerance (gap and feasibility).
    pub lp_tol: f64,
    /// Compute the trajectory certificate too.
    pub trajectory: bool,
    /// Plain LP or row generation over coordinates ([`Strategy`]; same certificate).
    pub strategy: Strategy,
    /// Row generation only: the size n₀ of each heuristic part of the initial row set and
    /// the minimal number of rows added per round (the batch is max(this, |J|)). 0 =
    /// automatic: n₀ = max(64, 2·active samples), at least 64 rows per round. Affects time
    /// only, never the certificate.
    pub row_batch: usize,
    /// Search for the smallest τ at which the certificate is `kkt` ([`TauSearchMode`]).
    pub tau_search: TauSearchMode,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            tau: 1e-2,
            tau_smooth: 0.0,
            kink_tol: 1e-6,
            clarke: true,
            kappa_kkt: 0.01,
            kappa_not: 0.03,
            backend: LpBackend::Clarabel,
            form: LpForm::Primal,
            max_colgen_iters: 60,
            colgen_tol: 1e-2,
            lp_tol: 1e-10,
            trajectory: true,
            strategy: Strategy::Auto,
            row_batch: 0,
            tau_search: TauSearchMode::Auto,
        }
    }
}

impl CheckConfig {
    /// The τ used for a norm, from its resolution on the layout ([`NormSpec::resolve`]):
    /// 0 for weighted ℓ2 (its exact singleton subdifferential, whatever `tau_smooth`),
    /// `tau_smooth` for the other smooth norms ([`ResolvedNorm::smooth`]: ℓ2, ℓp, a max over
    /// a single ℓ2/ℓp block), `tau` for every non-smooth one (ℓ1, ℓ∞, spectral,
    /// max-spectral, hybrid, max-block with several blocks or a non-smooth one).
    pub fn tau_for(&self, norm: &ResolvedNorm) -> f64 {
        match (&norm.composition, norm.smooth) {
            (Composition::Weighted(_), _) => 0.0,
            (_, true) => self.tau_smooth,
            (_, false) => self.tau,
        }
    }

    /// Check every field; [`Error::Config`] names the offending one.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, v: f64, want: &str| {
            Err(Error::Config(format!(
                "check config: `{field}` = {v}, expected {want}"
            )))
        };
        if !(self.tau >= 0.0 && self.tau < 1.0) {
            return bad("tau", self.tau, "0 ≤ τ < 1");
        }
        if !(self.tau_smooth >= 0.0 && self.tau_smooth < 1.0) {
            return bad("tau_smooth", self.tau_smooth, "0 ≤ τ < 1");
        }
        if !(self.kink_tol >= 0.0 && self.kink_tol < 1.0) {
            return bad("kink_tol", self.kink_tol, "0 ≤ kink_tol < 1");
        }
        if !(self.kappa_kkt > 0.0 && self.kappa_kkt.is_finite()) {
            return bad("kappa_kkt", self.kappa_kkt, "a finite number > 0");
        }
        if !(self.kappa_not >= self.kappa_kkt && self.kappa_not.is_finite()) {
            return bad("kappa_not", self.kappa_not, "a finite number ≥ kappa_kkt");
        }
        if self.max_colgen_iters == 0 {
            return bad("max_colgen_iters", 0.0, "≥ 1");
        }
        if !(self.colgen_tol > 0.0 && self.colgen_tol < 1.0) {
            return bad("colgen_tol", self.colgen_tol, "0 < colgen_tol < 1");
        }
        if !(self.lp_tol > 0.0 && self.lp_tol <= 1e-3) {
            return bad("lp_tol", self.lp_tol, "0 < lp_tol ≤ 1e-3");
        }
        Ok(())
    }
}
