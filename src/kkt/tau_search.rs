//! The **τ search**: the smallest τ at which a certificate would be `kkt`
//! ([`super::Certificate::tau_kkt`], details in [`TauSearch`]).
//!
//! # Why κ(τ) is non-increasing — and convex
//!
//! τ enters the κ LP in exactly one place: the right-hand side of the row
//! ⟨v, θ̃⟩/N ≥ 1 − τ of the encoding of
//!
//! ```text
//!     ∂_τN(θ̃) = { v : N_*(v) ≤ 1,  ⟨v, θ̃⟩ ≥ (1 − τ) N(θ̃) }        (kkt/subdiff.rs)
//! ```
//!
//! Everything else — θ̃, N = N(θ̃), the generators y_i h̃_i, the Clarke columns (the kink
//! tolerance is fixed), the complementarity coefficients q̃_i − 1 — does not depend on τ.
//! For τ ≤ τ' the set ∂_τN(θ̃) ⊆ ∂_τ'N(θ̃), so the feasible set of (λ, β, v, s) grows and the
//! optimal gap κ*(τ) = min s is **non-increasing**. It is also **convex**: the constraint
//! ⟨v, θ̃⟩ ≥ (1 − τ)N is jointly linear in (v, τ), so {(x, τ) : x feasible at τ} is convex,
//! and the minimum of s over the slices of a convex set is a convex function of τ. The
//! certified lower bound behaves accordingly: κ_lb(τ') ≤ κ*(τ') ≤ κ*(τ) for τ ≤ τ', so a
//! bound above κ_kkt at one τ rules out a `kkt` certificate at every smaller τ.
//!
//! **What τ means.** For a norm, ∂_τN(θ̃) is exactly the ε-subdifferential
//! {v : N(θ') ≥ N(θ̃) + ⟨v, θ' − θ̃⟩ − ε ∀θ'} with ε = τ·N(θ̃). On a linear model (a convex
//! max-margin problem) a certificate with κ = 0 at τ proves γ_N(θ) ≥ (1 − τ)·γ*_N: for any
//! θ' with margins ≥ 1, N·N(θ') ≥ ⟨Σλ_i y_i x_i, θ'⟩ ≥ Σλ_i = ⟨Σλ_i y_i x_i, θ̃⟩ = N⟨v, θ̃⟩ ≥
//! (1 − τ)N², i.e. N(θ') ≥ (1 − τ)N(θ̃). So τ_kkt is a certified relative margin
//! suboptimality there (up to the O(κ_kkt) slack), and on nets its local analogue.
//!
//! # Where the searched function can fail to be monotone
//!
//! The verdict compares the **achieved** κ of an explicit certificate with κ_kkt, not κ*:
//!
//! * polyhedral encodings (ℓ1, ℓ∞, and block norms of ℓ1/ℓ∞ blocks) are solved exactly, so
//!   the achieved κ equals κ* up to the LP tolerance (`lp_tol`) and the projection of v —
//!   monotone to ≈ 10⁻⁹;
//! * sample screening and row generation only stop at the full LP's optimum (`kkt/colgen.rs`,
//!   `kkt/rowgen.rs`): no effect;
//! * the smooth dual balls (spectral/nuclear, and ℓ2/ℓp at τ > 0: the sphere cone) are
//!   inner approximations grown by column generation, which stops when LP value − certified
//!   bound ≤ colgen_tol·max(LP value, 0.01): the achieved κ(τ) then exceeds κ*(τ) by at most
//!   about that much, and by an unknown amount when the round cap `max_colgen_iters` stops it.
//!   So κ(τ) can *rise* with τ within that band, and "κ(τ) ≤ κ_kkt" can be non-monotone when
//!   κ* is within the band around κ_kkt. (At τ = 0 a smooth norm uses its single-point
//!   subdifferential, exactly; at τ > 0 the sphere cone starts from that same point, so its
//!   first round already achieves κ(0).)
//!
//! Handled honestly: `tau_kkt` is always a τ at which a real check — the same computation as
//! [`super::check`] with `tau` and `tau_smooth` set to it, so re-checking reproduces κ — gave
//! `kkt`, and [`TauSearch::tau_below`] one at which it did not. Every τ tried is kept in
//! [`TauSearch::points`], and an increase of κ between two of them beyond rounding
//! (10⁻⁶ relative + 10⁻⁹) is written to [`TauSearch::notes`]. [`TauSearch::certified_below`]
//! states what is proven below `tau_kkt` whatever the approximation did.
//!
//! # The search
//!
//! From the certificate's own τ₀ (no solve): if it is `kkt`, downward — check τ = 0 (then
//! τ_kkt = 0), else bisect on (0, τ₀]; if it is not, upward — check τ = [`TAU_MAX`] (not `kkt`
//! there: τ_kkt = `None`), else bisect on (τ₀, τ_max]. Bisection is geometric (the
//! interesting values span 10⁻⁴…10⁻¹) on the bracket (lo, hi] with κ(lo) > κ_kkt ≥ κ(hi),
//! lo replaced by [`TAU_FLOOR`] below it, until hi ≤ (1 + [`TAU_REL`])·lo or hi ≤ TAU_FLOOR.
//! From the widest bracket [10⁻⁴, 0.5] that is ⌈log₂(ln 5000 / ln(1 + 2⁻⁴))⌉ = 8 solves, plus
//! the endpoint: at most 9 solves, capped at [`TAU_MAX_SOLVES`].
//!
//! **Resolution** 2⁻⁴ relative (≈ 6 %): τ_kkt is a diagnostic of the size of the relaxation
//! a direction needs, quoted to one or two digits; each halving of the resolution costs one
//! more full solve per certificate. Below 10⁻⁴ the resolution is absolute (10⁻⁴ is 10⁵ times
//! the verification slack of v, and 100 times below the default τ = 10⁻²).
//!
//! **τ_max = 0.5**: on a linear model a `kkt` certificate at τ proves only γ ≥ (1 − τ)γ*, and
//! at τ = 1 every separating θ is `kkt` (v = Σλ_i y_i h̃_i/N on the support satisfies
//! ⟨v, θ̃⟩ > 0), so beyond one half the statement says little. `None` with a search means:
//! no certificate with κ ≤ κ_kkt was found even when v may lose half its alignment with θ̃ —
//! certified (no such certificate exists) when `certified_below`.
//!
//! **Reuse.** Every solve reuses the prepared problem — θ̃, margins, the per-sample gradient
//! rows (all m·p for the plain LP) and the Clarke columns — and builds a fresh encoding, so a
//! solve at τ is exactly the certificate `check` would give at τ (warm-starting the atoms of
//! column generation from another τ would be valid but would make it differ from a fresh
//! check by up to the column-generation tolerance). The trajectory certificate is not
//! recomputed.

use super::certificate::{Certificate, Verdict};
use super::config::{CheckConfig, TauSearchMode};
use super::{certify, Prepared};
use crate::norms::{BlockNormKind, Composition, NormSpec};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Largest τ searched (see the module docs: a `kkt` certificate at τ = 0.5 proves only half
/// the optimal margin on a linear model).
pub const TAU_MAX: f64 = 0.5;
/// Relative resolution of the bisection: it stops when hi ≤ (1 + 2⁻⁴)·lo.
pub const TAU_REL: f64 = 1.0 / 16.0;
/// Below this τ the resolution is absolute: the bisection never tries a τ in (0, 10⁻⁴).
pub const TAU_FLOOR: f64 = 1e-4;
/// Cap on the solves of one search (9 suffice for the widest bracket).
pub const TAU_MAX_SOLVES: usize = 12;

/// Slack of the monotonicity audit: κ(τ') > κ(τ)·(1 + 10⁻⁶) + 10⁻⁸ for τ < τ' is reported.
/// The LPs are solved to 10⁻¹⁰ relative; at exact KKT points the recomputed κ was measured
/// between 10⁻¹³ and 2·10⁻⁹ (linear, m = 40, over τ ∈ [0, 0.5]), noise that 10⁻⁸ absorbs
/// (the `EXACT` tolerance of `tests/kkt.rs`).
const AUDIT_REL: f64 = 1e-6;
/// See [`AUDIT_REL`].
const AUDIT_ABS: f64 = 1e-8;

/// One τ tried by the search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TauPoint {
    /// τ of ∂_τN(θ̃).
    pub tau: f64,
    /// The achieved κ at τ (NaN when the solve failed).
    #[serde(with = "crate::json_f64::scalar")]
    pub kappa: f64,
    /// The certified lower bound on κ*(τ).
    #[serde(with = "crate::json_f64::scalar")]
    pub kappa_lower_bound: f64,
    /// Whether the refinement converged at this τ (see [`super::LpStats::converged`]).
    pub converged: bool,
}

/// The result of the τ search of one certificate (module docs of `kkt/tau_search.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TauSearch {
    /// The smallest τ found with κ(τ) ≤ κ_kkt (copied to
    /// [`super::Certificate::tau_kkt`]); `None` when κ(τ_max) > κ_kkt.
    #[serde(with = "crate::json_f64::option")]
    pub tau_kkt: Option<f64>,
    /// The largest τ tried with κ(τ) > κ_kkt (`None` when `kkt` at τ = 0): the lower end of
    /// the final bracket; τ_max when `tau_kkt` is `None`.
    #[serde(with = "crate::json_f64::option")]
    pub tau_below: Option<f64>,
    /// The certified lower bound κ_lb(tau_below).
    #[serde(with = "crate::json_f64::option")]
    pub kappa_lb_below: Option<f64>,
    /// `kappa_lb_below` > κ_kkt: since κ* is non-increasing in τ, **no** certificate with
    /// κ ≤ κ_kkt exists for any τ ≤ tau_below (so `tau_kkt` is minimal to the resolution, or
    /// none exists up to τ_max). False says only that this was not proven.
    pub certified_below: bool,
    /// Whether the bracket met the resolution (`tau_kkt` and `tau_below` within a factor
    /// 1 + [`TAU_REL`], or `tau_kkt` ≤ [`TAU_FLOOR`], or an endpoint decided it). False when
    /// the solve cap or a failed solve stopped the search.
    pub resolved: bool,
    /// τ_max of this search: [`TAU_MAX`], or 0 when τ is fixed for the norm (weighted ℓ2,
    /// whose subdifferential is always the exact single point).
    pub tau_max: f64,
    /// Every τ tried (including the certificate's own), in the order tried.
    pub points: Vec<TauPoint>,
    /// LP refinements run by the search (not counting the certificate's own).
    pub solves: usize,
    /// Wall time of the search (seconds).
    #[serde(with = "crate::json_f64::scalar")]
    pub seconds: f64,
    /// Skipped searches, failed solves, monotonicity violations.
    pub notes: Vec<String>,
}

/// The state of the search: points tried and the current bracket.
struct State<'a> {
    prep: &'a Prepared<'a>,
    spec: &'a NormSpec,
    cfg: CheckConfig,
    out: TauSearch,
}

impl State<'_> {
    /// Certify at τ (the checker with `tau` = `tau_smooth` = τ, no trajectory certificate,
    /// no nested search); `Some(kkt?)`, or `None` when the checker returned an error.
    fn eval(&mut self, tau: f64) -> Option<bool> {
        self.cfg.tau = tau;
        self.cfg.tau_smooth = tau;
        self.out.solves += 1;
        match certify(self.prep, self.spec, &self.cfg) {
            Ok(c) => {
                self.out.points.push(point(&c));
                Some(c.verdict == Verdict::Kkt)
            }
            Err(e) => {
                self.out
                    .notes
                    .push(format!("check at τ = {tau:e} failed: {e}"));
                None
            }
        }
    }
}

fn point(c: &Certificate) -> TauPoint {
    TauPoint {
        tau: c.tau,
        kappa: c.kappa,
        kappa_lower_bound: c.kappa_lower_bound,
        converged: c.lp.converged,
    }
}

/// The next τ of the geometric bisection of (lo, hi] (see the module docs).
fn next_tau(lo: f64, hi: f64) -> f64 {
    if lo < TAU_FLOOR && hi <= 2.0 * TAU_FLOOR {
        TAU_FLOOR
    } else {
        (lo.max(TAU_FLOOR) * hi).sqrt()
    }
}

/// Whether the bracket (lo, hi] meets the resolution.
fn resolved(lo: f64, hi: f64) -> bool {
    hi <= TAU_FLOOR || hi <= (1.0 + TAU_REL) * lo
}

/// Whether τ can be varied for this norm: `tau_for` follows `tau`/`tau_smooth` (every norm
/// but weighted ℓ2).
fn tau_varies(prep: &Prepared, spec: &NormSpec, cfg: &CheckConfig) -> Result<bool, String> {
    let resolved = spec.resolve(&prep.layout).map_err(|e| e.to_string())?;
    let probe = CheckConfig {
        tau: 0.25,
        tau_smooth: 0.25,
        ..cfg.clone()
    };
    Ok(probe.tau_for(&resolved) == 0.25)
}

/// Whether the encoding of ∂_τN(θ̃) at τ > 0 needs column generation: some block of the
/// norm is ℓ2, ℓp or spectral (their dual balls are curved, `kkt/cones/`). Weighted ℓ2 never
/// does (τ is fixed at 0); a norm that does not resolve on the layout counts as needing it.
pub(crate) fn column_generation(prep: &Prepared, spec: &NormSpec) -> bool {
    match spec.resolve(&prep.layout) {
        Ok(r) => {
            !matches!(r.composition, Composition::Weighted(_))
                && r.terms
                    .iter()
                    .any(|t| !matches!(t.kind, BlockNormKind::L1 | BlockNormKind::Linf))
        }
        Err(_) => true,
    }
}

/// The τ search for the certificate `cert` of `spec` computed with `cfg` on `prep`.
pub(crate) fn search(
    prep: &Prepared,
    spec: &NormSpec,
    cfg: &CheckConfig,
    cert: &Certificate,
) -> TauSearch {
    let t0 = Instant::now();
    let mut st = State {
        prep,
        spec,
        cfg: CheckConfig {
            trajectory: false,
            tau_search: TauSearchMode::Off,
            ..cfg.clone()
        },
        out: TauSearch {
            tau_kkt: None,
            tau_below: None,
            kappa_lb_below: None,
            certified_below: false,
            resolved: false,
            tau_max: TAU_MAX,
            points: vec![point(cert)],
            solves: 0,
            seconds: 0.0,
            notes: Vec::new(),
        },
    };
    run(&mut st, cert);
    audit(&mut st.out);
    let out = &mut st.out;
    if let Some(lo) = out.tau_below {
        out.kappa_lb_below = lb_at(&out.points, lo);
        out.certified_below = out.kappa_lb_below.is_some_and(|lb| lb > cfg.kappa_kkt);
    }
    out.seconds = t0.elapsed().as_secs_f64();
    st.out
}

/// κ_lb at the point with this τ (finite values only).
fn lb_at(points: &[TauPoint], tau: f64) -> Option<f64> {
    points
        .iter()
        .find(|p| p.tau == tau)
        .map(|p| p.kappa_lower_bound)
        .filter(|v| v.is_finite())
}

/// The search proper: sets `tau_kkt`, `tau_below`, `resolved` (and `tau_max` for a fixed τ).
fn run(st: &mut State, cert: &Certificate) {
    let tau0 = cert.tau;
    if !cert.kappa.is_finite() {
        st.out
            .notes
            .push("no search: the certificate has no achieved κ (every solve failed)".into());
        return;
    }
    let kkt0 = cert.kappa <= st.cfg.kappa_kkt;
    match tau_varies(st.prep, st.spec, &st.cfg) {
        Ok(true) => {}
        Ok(false) => {
            // Weighted ℓ2: τ is always 0, there is nothing to search.
            st.out.tau_max = 0.0;
            st.out.resolved = true;
            st.out.notes.push(
                "τ is fixed at 0 for this norm (weighted ℓ2: exact single-point \
                 subdifferential); τ_max = 0"
                    .into(),
            );
            if kkt0 {
                st.out.tau_kkt = Some(0.0);
            } else {
                st.out.tau_below = Some(0.0);
            }
            return;
        }
        Err(e) => {
            st.out.notes.push(format!("no search: {e}"));
            return;
        }
    }
    // The bracket (lo, hi]: κ(lo) > κ_kkt ≥ κ(hi).
    let (mut lo, mut hi) = if kkt0 {
        if tau0 == 0.0 {
            st.out.tau_kkt = Some(0.0);
            st.out.resolved = true;
            return;
        }
        match st.eval(0.0) {
            Some(true) => {
                st.out.tau_kkt = Some(0.0);
                st.out.resolved = true;
                return;
            }
            Some(false) => (0.0, tau0),
            None => {
                st.out.tau_kkt = Some(tau0);
                return;
            }
        }
    } else {
        if tau0 >= TAU_MAX {
            st.out.tau_below = Some(tau0);
            st.out.resolved = true;
            return;
        }
        match st.eval(TAU_MAX) {
            Some(true) => (tau0, TAU_MAX),
            Some(false) => {
                st.out.tau_below = Some(TAU_MAX);
                st.out.resolved = true;
                return;
            }
            None => {
                st.out.tau_below = Some(tau0);
                return;
            }
        }
    };
    let mut failed = false;
    while !resolved(lo, hi) && st.out.solves < TAU_MAX_SOLVES {
        let mid = next_tau(lo, hi);
        match st.eval(mid) {
            Some(true) => hi = mid,
            Some(false) => lo = mid,
            None => {
                failed = true;
                break;
            }
        }
    }
    st.out.resolved = !failed && resolved(lo, hi);
    if !st.out.resolved && !failed {
        st.out.notes.push(format!(
            "stopped after {TAU_MAX_SOLVES} solves with τ_kkt in ({lo:e}, {hi:e}]"
        ));
    }
    st.out.tau_kkt = Some(hi);
    st.out.tau_below = Some(lo);
}

/// Report increases of κ with τ beyond rounding, and lower bounds above the achieved κ at a
/// smaller τ (impossible for exact arithmetic: κ_lb(τ') ≤ κ*(τ') ≤ κ*(τ) ≤ κ(τ)).
fn audit(out: &mut TauSearch) {
    let mut pts: Vec<&TauPoint> = out.points.iter().filter(|p| p.kappa.is_finite()).collect();
    pts.sort_by(|a, b| a.tau.total_cmp(&b.tau));
    let mut worst: Option<(f64, f64, f64, f64)> = None;
    let mut lb_bad: Option<(f64, f64, f64, f64)> = None;
    for (i, a) in pts.iter().enumerate() {
        let slack = AUDIT_REL * a.kappa + AUDIT_ABS;
        for b in &pts[i + 1..] {
            if b.tau == a.tau {
                continue;
            }
            let rise = b.kappa - a.kappa;
            if rise > slack && worst.is_none_or(|w| rise > w.3 - w.1) {
                worst = Some((a.tau, a.kappa, b.tau, b.kappa));
            }
            if b.kappa_lower_bound > a.kappa + slack && lb_bad.is_none() {
                lb_bad = Some((a.tau, a.kappa, b.tau, b.kappa_lower_bound));
            }
        }
    }
    if let Some((ta, ka, tb, kb)) = worst {
        out.notes.push(format!(
            "κ not monotone: κ({ta:e}) = {ka:.6e} < κ({tb:e}) = {kb:.6e} (the optimum κ* is \
             non-increasing in τ; the achieved κ exceeds it by up to the column-generation \
             gap, or more when the round cap stopped it)"
        ));
    }
    if let Some((ta, ka, tb, lb)) = lb_bad {
        out.notes.push(format!(
            "lower bound κ_lb({tb:e}) = {lb:.6e} exceeds the achieved κ({ta:e}) = {ka:.6e} at \
             a smaller τ (rounding, or a bug)"
        ));
    }
}
