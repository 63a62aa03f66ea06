//! The certificate: a max-margin answer (θ, w) checked by weak duality in the original
//! coordinates, independently of the solver that produced it.
//!
//! For any θ ≠ 0 and any w ∈ Δ_m (w_i ≥ 0, Σ w_i = 1), with z_i = y_i x_i,
//!
//! ```text
//!     p(θ) = min_i ⟨z_i, θ⟩ / N(θ)  ≤  γ*  ≤  D(w) = N_*(Σ_i w_i z_i),
//! ```
//!
//! since min_i ⟨z_i, θ⟩ ≤ Σ_i w_i ⟨z_i, θ⟩ = ⟨Σ_i w_i z_i, θ⟩ ≤ N(θ)·N_*(Σ_i w_i z_i)
//! (Hölder). So a pair with a small relative gap (D − p)/max(|p|, |D|) proves that p is the
//! max margin to that relative accuracy and that θ/N(θ) is a max-margin direction up to it;
//! and Σ_i w_i z_i ≈ 0 in every coordinate (relative to Σ_i w_i |z_ij|, with a floor at
//! rounding level of the largest entry: [`SEPARABILITY_TOL`]) proves that the data are not
//! separable (γ* ≤ D(w); Σ_i w_i z_i = 0 exactly iff no θ separates the data).
//!
//! Both values are recomputed here from the data, θ and w in plain Rust: every row is
//! scaled by its own power of two and every column of the dual sum by its own (exact), the
//! f64 sums are taken on order-1 numbers, and the exponents are carried separately (an i64 exponent per value), so
//! features at 1e-300 or 1e300 neither underflow nor overflow. Each value comes with an
//! a-priori bound on its rounding error (the inner-product bound |fl(aᵀb) − aᵀb| ≤
//! γ_n |a|ᵀ|b|, γ_n = nu/(1 − nu), u = 2^-53, Higham, *Accuracy and Stability of Numerical
//! Algorithms*, §3.1).
//!
//! **The spectral norm** ([`MaxMarginNorm::Spectral`], multiclass data lifted by Kesler's
//! construction, θ = vec W of the C×d matrix W): N(θ) = ‖W‖₂ = σ_max(W) and N_*(g) = ‖G‖_* =
//! Σ_i σ_i(G), the same Hölder inequality ⟨G, W⟩ ≤ ‖W‖₂‖G‖_* giving p ≤ γ* ≤ D. The sums are
//! formed exactly as above; the singular values come from an f64 SVD of W (scaled to
//! max |W_ij| ∈ [½, 1)) and of G (its entries brought to one exponent), and the rounding
//! bounds add the SVD's a-priori error `svd_error` (|σ̂_i − σ_i| ≤ 16(C + d)u‖·‖₂: relative
//! on ‖W‖₂, r·that on ‖G‖_*, r = min(C, d)) and bound the effect of the entries' errors E on
//! the nuclear norm by ‖E‖_* ≤ √r‖E‖_F. The non-separability test is the entrywise one above
//! on the lifted coordinates (separability does not depend on the norm). Spectral answers
//! are held to the same tolerance as the others: the certified gaps measured on 795
//! generated problems are ≤ 2.8e-13 (`maxmargin::spectral`).
//!
//! **Tolerance.** The gap is accepted when
//!
//! ```text
//!     (D − p)/max(|p|, |D|)  ≤  GAP_TOL + 4·(e_p + e_D)/max(|p|, |D|),   GAP_TOL = 1e-9,
//! ```
//!
//! and (D − p) ≥ −(the same bound) (weak duality, up to rounding). e_p and e_D are the
//! rounding bounds of p and D just described: they grow with m and d (γ_n ≈ n·u) and with
//! the cancellation in the sums (Σ|terms| / |Σ terms|), which is what makes the tolerance
//! size-scaled; the factor 4 is a safety margin on a bound that is already a worst case.
//! GAP_TOL is what the answer is held to beyond rounding: the solvers stop at relative
//! tolerances of 1e-10 (microlp's pivot and feasibility tolerance) to 1e-12 (Clarabel's
//! gap), and the gaps measured on the tests' data are ≤ 3e-13 after polishing, ≤ 1.3e-11
//! with features at 1e6 and 1e-6 side by side (tests/maxmargin_scaling.rs), and 2.5e-15 at
//! m = 10, d = 10 000 — so 1e-9 leaves two orders of magnitude of headroom while
//! still guaranteeing a reference correct to nine digits — far finer than any use of it
//! (the theorem suite compares trained margins with these references through ratio
//! thresholds of 0.42–0.95 and records the ratios to four digits).
//!
//! The rounding term is capped: an answer whose tolerance would exceed [`MAX_TOLERANCE`]
//! (1e-6) is refused, because then f64 cannot evaluate its certificate to six digits
//! (heavy cancellation: e.g. columns of sizes 1e6 and 1e-6 whose large part cancels to
//! 1e-12 of itself at the optimum — the dual sum's rounding alone is then ≈ 1e-4 of the
//! margin), and a reference that is only known to a few digits would be mistaken for an
//! exact one.

use super::extended::{exponent, ldexp, Ext};
use super::MaxMarginNorm;
use crate::data::Dataset;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Relative duality gap accepted beyond the rounding bounds (module docs).
pub const GAP_TOL: f64 = 1e-9;
/// Non-separability is certified when, beyond rounding, every coordinate j of the weighted
/// sum satisfies |Σ_i w_i z_ij| ≤ `SEPARABILITY_TOL` × Σ_i w_i |z_ij| +
/// [`SEPARABILITY_FLOOR`] × max_ik |z_ik|: then an entrywise perturbation |Δz_ij| ≤
/// 1e-9·|z_ij| + 1e-14·max |z| of the data makes Σ_i w_i z_i = 0, which no θ separates.
pub const SEPARABILITY_TOL: f64 = 1e-9;
/// The absolute part of the non-separability test, relative to the largest |z_ij|: the LP
/// solvers cancel Σ_i w_i z_ij to an absolute, not a per-column, accuracy (on the bundled
/// digits data, 3e-17 of the largest entry, in columns whose Σ_i w_i |z_ij| is itself tiny),
/// so a purely entrywise-relative test would refuse exact cancellations in sparse columns.
/// 1e-14 (≈ 45 ulps of the largest entry) still leaves features 1e-12 below the largest
/// able to separate the data (tests/maxmargin_scaling.rs).
pub const SEPARABILITY_FLOOR: f64 = 1e-14;
/// Smallest margin returned: 2^-1024 ≈ 5.6e-309. Above it θ* = θ̂/γ* (|θ̂_j| ≤ 1) stays below
/// 2^1024, i.e. finite, and γ* as an f64 (subnormal below 2.2e-308) keeps ≥ 50 of its 53 bits.
pub const MIN_MARGIN: f64 = 5.562684646268003e-309;
/// Largest tolerance an answer is accepted with (module docs): beyond it the certificate
/// cannot be evaluated accurately enough in f64 and the answer is refused.
pub const MAX_TOLERANCE: f64 = 1e-6;
/// Safety factor on the a-priori rounding bounds.
const ROUNDING_SAFETY: f64 = 4.0;

/// γ_n = nu/(1 − nu), u = 2^-53.
fn gamma(n: usize) -> f64 {
    let nu = n as f64 * f64::EPSILON / 2.0;
    nu / (1.0 - nu)
}

/// A checked duality certificate of a max-margin answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    /// Primal value p = min_i y_i⟨x_i, θ⟩ / N(θ) of the returned direction (a lower bound
    /// on γ*), recomputed from the data.
    pub primal: f64,
    /// Dual value D = N_*(Σ_i w_i y_i x_i) of the returned weights (an upper bound on γ*,
    /// weak duality), recomputed from the data.
    pub dual: f64,
    /// |D − p| / max(|p|, |D|).
    pub relative_gap: f64,
    /// The bound the gap was held to: [`GAP_TOL`] + 4 × `rounding`.
    pub tolerance: f64,
    /// Relative a-priori bound (e_p + e_D)/max(|p|, |D|) on the rounding error of p and D as
    /// computed.
    pub rounding: f64,
    /// N(θ) of the direction certified (1 up to rounding for [`super::MaxMargin`]'s
    /// `direction`; primal feasibility N(θ/N(θ)) ≤ 1 holds by construction).
    pub primal_norm: f64,
    /// The dual weights w_i ≥ 0, Σ w_i = 1 (dual feasibility): w = λ/Σλ for the
    /// multipliers λ of [`super::MaxMargin::lambda`].
    pub weights: Vec<f64>,
}

/// Primal and dual values of (θ, w) in extended range, with rounding bounds.
#[derive(Debug, Clone)]
pub(crate) struct Evaluation {
    /// min_i ⟨z_i, θ⟩.
    pub q: Ext,
    /// N(θ).
    pub norm: Ext,
    /// p = q / N(θ) (0 for θ = 0).
    pub primal: Ext,
    /// Rounding bound e_p of p.
    pub primal_err: Ext,
    /// D = N_*(Σ w̄_i z_i), w̄ = w/Σw.
    pub dual: Ext,
    /// Rounding bound e_D of D.
    pub dual_err: Ext,
    /// max_j (|g_j| − rounding) / (1e-9·Σ_i w̄_i |z_ij| + 1e-14·max |z|), g = Σ_i w̄_i z_i:
    /// ≤ 1 iff the weights certify non-separability ([`SEPARABILITY_TOL`]).
    pub cancellation: f64,
    /// w̄ = w/Σw.
    pub weights: Vec<f64>,
}

/// "1.234e-5", also beyond the f64 range.
pub(crate) fn fmt_ext(x: Ext) -> String {
    if x.is_zero() {
        return "0".into();
    }
    let v = x.to_f64();
    if v.is_finite() && v.abs() >= f64::MIN_POSITIVE {
        return format!("{v:.6e}");
    }
    let l = x.abs().log10();
    let e = l.floor();
    let sign = if x < Ext::ZERO { "-" } else { "" };
    format!("{sign}{:.6}e{e}", 10f64.powf(l - e))
}

/// A-priori bound on the absolute error of each computed singular value of an r×c matrix
/// A, relative to ‖A‖₂: |σ̂_i − σ_i| ≤ `svd_error(r, c)`·‖A‖₂.
///
/// A backward-stable SVD (faer's: Householder bidiagonalization, then an orthogonal
/// iteration) returns the exact singular values of A + E with ‖E‖₂ ≤ p(r, c)·u·‖A‖₂ for a
/// modestly growing p (LAPACK Users' Guide §4.9; Demmel, *Applied Numerical Linear
/// Algebra*, §5.2), and |σ̂_i − σ_i| ≤ ‖E‖₂ by Weyl's inequality. We take p = 16(r + c) —
/// the scaling to max |A_ij| = 1 and back (`crate::linalg`) included. Measured on Gaussian,
/// row-graded (1 … 1e-12) and nearly rank-3 matrices of 10×20 to 30×30 against 40-digit
/// references (`scripts/check_spectral_maxmargin.py --svd`, test
/// `maxmargin::spectral::tests::svd_error_bound_is_conservative`): max |σ̂_i − σ_i|/‖A‖₂ ≤
/// 2.7e-15, ≤ 1/20 of this bound (5.3e-14 at 10×20).
pub(crate) fn svd_error(rows: usize, cols: usize) -> f64 {
    gamma(16 * (rows + cols))
}

/// The shape of the norm's argument: θ = vec W, W ∈ ℝ^{outputs × d/outputs} row-major for
/// the spectral norm (ignored by the entrywise norms).
fn shape(norm: MaxMarginNorm, outputs: usize, d: usize) -> Result<(usize, usize)> {
    let rows = if norm == MaxMarginNorm::Spectral {
        outputs.max(1)
    } else {
        1
    };
    if !d.is_multiple_of(rows) {
        return Err(Error::Numerical(format!(
            "max-margin certificate: {d} parameters are not a {rows}-row matrix"
        )));
    }
    Ok((rows, d / rows))
}

/// ‖G‖_* of the row-major rows×cols matrix with extended-range entries: the entries are
/// brought to one exponent (the largest; entries 2^1074 below it vanish, an error the
/// rounding bound's `tiny` term covers) and the SVD runs in f64 (`crate::linalg`).
fn nuclear_ext(rows: usize, cols: usize, g: &[Ext]) -> Result<Ext> {
    let Some(top) = g
        .iter()
        .filter(|x| !x.is_zero())
        .map(|x| x.exponent())
        .max()
    else {
        return Ok(Ext::ZERO);
    };
    let scaled: Vec<f64> = g.iter().map(|x| x.scale_to_f64(-top)).collect();
    let v = crate::linalg::nuclear_norm(rows, cols, &scaled)?;
    Ok(Ext::scaled(v, top))
}

/// Recompute p(θ) and D(w) (module docs) in the original coordinates; `outputs` is the number
/// of rows C of W = θ reshaped (row-major) for the spectral norm, ignored otherwise.
pub(crate) fn evaluate(
    data: &Dataset,
    norm: MaxMarginNorm,
    outputs: usize,
    theta: &[f64],
    weights: &[f64],
) -> Result<Evaluation> {
    let (m, d) = (data.m(), data.d());
    if theta.len() != d || weights.len() != m {
        return Err(Error::Numerical(format!(
            "max-margin certificate: θ has {} entries for d = {d}, w has {} for m = {m}",
            theta.len(),
            weights.len()
        )));
    }
    let (wr, wc) = shape(norm, outputs, d)?;
    let spectral = norm == MaxMarginNorm::Spectral;
    // Relative rounding bound of N(θ) as computed, and of N_* beyond its entries' errors.
    let norm_err = if spectral {
        svd_error(wr, wc)
    } else {
        gamma(d + 2)
    };
    if let Some(j) = theta.iter().position(|v| !v.is_finite()) {
        return Err(Error::Numerical(format!(
            "max-margin certificate: θ_{j} = {} is not finite",
            theta[j]
        )));
    }
    if let Some(i) = weights.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(Error::Numerical(format!(
            "max-margin certificate: dual weight w_{i} = {} is not ≥ 0 (dual infeasible)",
            weights[i]
        )));
    }
    let wsum: f64 = weights.iter().sum();
    if !(wsum > 0.0 && wsum.is_finite()) {
        return Err(Error::Numerical(
            "max-margin certificate: the dual weights sum to 0 (dual infeasible)".into(),
        ));
    }
    let w: Vec<f64> = weights.iter().map(|v| v / wsum).collect();
    // Subnormal flushes in the scaled copies: at most 2^-1073 per term on order-1 sums.
    let tiny = |n: usize| n as f64 * ldexp(1.0, -1073);

    // Primal: θ scaled to max |θ_j| ∈ [½, 1), each row to max |z_ij| ∈ [½, 1).
    let tmax = theta.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
    let b = if tmax > 0.0 { -exponent(tmax) } else { 0 };
    let ts: Vec<f64> = theta.iter().map(|&v| ldexp(v, b)).collect();
    let nrm_scaled = norm.value_shaped(&ts, wr);
    if !nrm_scaled.is_finite() {
        return Err(Error::Numerical(format!(
            "max-margin certificate: N(θ) could not be evaluated ({nrm_scaled})"
        )));
    }
    let nrm = Ext::scaled(nrm_scaled, -b);
    let mut q = None::<Ext>;
    let mut q_lo = None::<Ext>;
    let mut zs = vec![0.0; d];
    for i in 0..m {
        let rmax = (0..d).fold(0.0_f64, |a, j| a.max(data.x[(i, j)].abs()));
        let a = if rmax > 0.0 { -exponent(rmax) } else { 0 };
        for (j, zj) in zs.iter_mut().enumerate() {
            *zj = ldexp(data.y[i] * data.x[(i, j)], a);
        }
        let (mut s, mut s_abs) = (0.0, 0.0);
        for (z, t) in zs.iter().zip(&ts) {
            let p = z * t;
            s += p;
            s_abs += p.abs();
        }
        let qi = Ext::scaled(s, -a - b);
        let ei = Ext::scaled(gamma(d) * s_abs + tiny(d), -a - b);
        q = Some(q.map_or(qi, |v| v.min(qi)));
        q_lo = Some(q_lo.map_or(qi - ei, |v| v.min(qi - ei)));
    }
    let (q, q_lo) = (q.unwrap_or(Ext::ZERO), q_lo.unwrap_or(Ext::ZERO));
    let (primal, primal_err) = if nrm.is_zero() {
        // θ = 0: margin 0 (the value of the feasible point θ = 0).
        (Ext::ZERO, Ext::ZERO)
    } else {
        let p = q / nrm;
        // N(θ) itself is computed with relative error ≤ γ_{d+2} (entrywise norms) or
        // svd_error (σ_max); the division adds one rounding.
        let e = (q - q_lo) / nrm + p.abs() * Ext::from_f64(2.0 * (norm_err + gamma(2)));
        (p, e)
    };

    // Dual: column j of Σ w̄_i z_i scaled by its own power of two.
    let mut g = Vec::with_capacity(d);
    let mut g_abs = Vec::with_capacity(d);
    for j in 0..d {
        let col = data.x.column(j);
        let cmax = col.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
        let c = if cmax > 0.0 { -exponent(cmax) } else { 0 };
        let (mut s, mut s_abs) = (0.0, 0.0);
        for i in 0..m {
            let p = w[i] * ldexp(data.y[i] * col[i], c);
            s += p;
            s_abs += p.abs();
        }
        g.push(Ext::scaled(s, -c));
        g_abs.push(Ext::scaled(s_abs, -c));
    }
    let dual_norm = |v: &[Ext]| -> Result<Ext> {
        Ok(match norm {
            // ℓ1's dual is ℓ∞, ℓ∞'s is ℓ1, ℓ2 is self-dual, the spectral norm's is nuclear.
            MaxMarginNorm::L1 => v.iter().fold(Ext::ZERO, |a, x| a.max(x.abs())),
            MaxMarginNorm::L2 => Ext::norm2(v),
            MaxMarginNorm::Linf => Ext::sum(&v.iter().map(|x| x.abs()).collect::<Vec<_>>()),
            MaxMarginNorm::Spectral => nuclear_ext(wr, wc, v)?,
        })
    };
    let zmax = data.x.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
    let floor = Ext::from_f64(zmax) * Ext::from_f64(SEPARABILITY_FLOOR);
    let mut cancellation = 0.0_f64;
    for (gj, tj) in g.iter().zip(&g_abs) {
        // |g_j| beyond its rounding bound γ_m T_j (+ tiny), against the allowed perturbation.
        let excess = gj.abs() - *tj * Ext::from_f64(gamma(m)) - Ext::scaled(tiny(m), 0);
        if excess.is_positive() {
            let allowed = *tj * Ext::from_f64(SEPARABILITY_TOL) + floor;
            cancellation = cancellation.max((excess / allowed).to_f64());
        }
    }
    let dual = dual_norm(&g)?;
    // Each g_j is off by ≤ γ_m·(Σ_i w̄_i|z_ij|) + tiny: an error E with |E_j| ≤ γ_m T_j,
    // T = Σ_i w̄_i |z_i|, changes D by ≤ N_*(E) ≤ γ_m N_*(T) for the entrywise norms (they
    // are monotone in |·|) and by ≤ ‖E‖_* ≤ √r ‖E‖_F ≤ γ_m √r ‖T‖_F for the nuclear norm
    // (r = min(C, d)); w̄ sums to 1 within γ_m; evaluating N_* adds ≤ γ_{d+2} relative (entrywise)
    // or, from the SVD, ≤ r·svd_error relative (each of the r singular values is off by
    // ≤ svd_error·‖G‖₂ ≤ svd_error·D).
    let (dual_size, eval_err) = if spectral {
        let r = wr.min(wc);
        (
            Ext::norm2(&g_abs) * Ext::from_f64((r as f64).sqrt()),
            r as f64 * svd_error(wr, wc),
        )
    } else {
        (dual_norm(&g_abs)?, gamma(d + 2))
    };
    let dual_err =
        dual_size * Ext::from_f64(gamma(m) + tiny(m)) + dual * Ext::from_f64(gamma(m) + eval_err);
    Ok(Evaluation {
        q,
        norm: nrm,
        primal,
        primal_err,
        dual,
        dual_err,
        cancellation,
        weights: w,
    })
}

/// Judge an evaluation: a certified answer, certified non-separability, or a refusal.
pub(crate) fn judge(ev: &Evaluation) -> Result<Certificate> {
    let (p, dv) = (ev.primal, ev.dual);
    let big = p.abs().max(dv.abs());
    let errs = ev.primal_err + ev.dual_err;
    let rounding = if big.is_zero() {
        0.0
    } else {
        (errs / big).to_f64()
    };
    let tolerance = GAP_TOL + ROUNDING_SAFETY * rounding;
    let gap = dv - p;
    let rel_gap = if big.is_zero() {
        0.0
    } else {
        (gap.abs() / big).to_f64()
    };
    // p is certainly > 0 when it exceeds its rounding bound: then some θ separates the data.
    let surely_separable = p > ev.primal_err;
    if surely_separable && rel_gap <= tolerance && tolerance > MAX_TOLERANCE {
        return Err(Error::Numerical(format!(
            "max-margin answer refused: its certificate (relative duality gap {rel_gap:.3e}) \
             cannot be evaluated to {MAX_TOLERANCE:.0e} in f64 on these data — the rounding \
             bound of the primal and dual values is {rounding:.1e} of the margin (heavy \
             cancellation, e.g. features of very different scales)"
        )));
    }
    if surely_separable && rel_gap <= tolerance {
        let (primal, dual) = (p.to_f64(), dv.to_f64());
        if !(primal.is_finite() && dual.is_finite() && primal > MIN_MARGIN) {
            return Err(Error::Numerical(format!(
                "the max margin γ* = {} (certified, relative gap {rel_gap:.1e}) is outside the \
                 range where γ* and θ* = θ̂/γ* are f64 numbers (2^-1024 ≈ 5.6e-309 to 1.8e308)",
                fmt_ext(p)
            )));
        }
        return Ok(Certificate {
            primal,
            dual,
            relative_gap: rel_gap,
            tolerance,
            rounding,
            primal_norm: ev.norm.to_f64(),
            weights: ev.weights.clone(),
        });
    }
    // Non-separability: every coordinate of Σ w̄_i z_i cancels to within the perturbation
    // of SEPARABILITY_TOL / SEPARABILITY_FLOOR.
    if !surely_separable && ev.cancellation <= 1.0 {
        return Err(Error::NotSeparable(format!(
            "no linear classifier separates the data: certified by weights w ≥ 0, Σ w_i = 1 \
             whose sum Σ_i w_i y_i x_i cancels in every coordinate (to {:.2} of the allowed \
             {SEPARABILITY_TOL:.0e}·Σ_i w_i |x_ij| + {SEPARABILITY_FLOOR:.0e}·max |x|: the data \
             are within that entrywise perturbation of data that no θ separates)",
            ev.cancellation
        )));
    }
    Err(Error::Numerical(format!(
        "max-margin answer refused: its certificate does not verify — relative duality gap \
         {rel_gap:.3e} > tolerance {tolerance:.3e} (primal {}, dual {}){}",
        fmt_ext(p),
        fmt_ext(dv),
        if surely_separable {
            ""
        } else {
            "; the primal direction does not separate the data and the dual weights do not \
             prove non-separability"
        }
    )))
}

/// Certify a max-margin answer for a linear model: θ (any nonzero scale) and dual weights w
/// (w_i ≥ 0, any positive scale; normalized to Σ w_i = 1 here) for the norm N.
///
/// Recomputes p = min_i y_i⟨x_i, θ⟩ / N(θ) and D = N_*(Σ_i w_i y_i x_i / Σ_i w_i) from the
/// data (module docs of `maxmargin`: extended exponent range, rounding bounds) and returns
/// the [`Certificate`] when the relative gap |D − p| / max(|p|, |D|) is within
/// [`GAP_TOL`] + 4 × the rounding bound (itself at most [`MAX_TOLERANCE`]) and p > 0.
/// Otherwise:
/// [`Error::NotSeparable`] when θ does not separate the data and |Σ_i w_i y_i x_ij| ≤
/// [`SEPARABILITY_TOL`] × Σ_i w_i |x_ij| + [`SEPARABILITY_FLOOR`] × max |x| for every
/// coordinate j (the weights prove that no θ separates the data, up to that entrywise
/// perturbation), else
/// [`Error::Numerical`] naming the gap —
/// the pair proves nothing, whatever produced it. A margin certified but outside the f64
/// normal range is also [`Error::Numerical`].
/// Multiclass data are lifted first (θ = W row-major C×d, one weight per margin row, in the
/// order of [`Dataset::row_pair`]); for [`MaxMarginNorm::Spectral`] N(θ) = ‖W‖₂ and
/// N_* = the nuclear norm of the C×d matrix Σ_r w_r (e_{y_i} − e_c) x_iᵀ. On binary data
/// (W = θᵀ, one row) the spectral norm is ‖θ‖₂ and its certificate is the ℓ2 one.
pub fn certify(
    data: &Dataset,
    norm: MaxMarginNorm,
    theta: &[f64],
    weights: &[f64],
) -> Result<Certificate> {
    if data.is_multiclass() {
        let lifted = super::kesler::lift(data)?;
        return judge(&evaluate(&lifted, norm, data.classes, theta, weights)?);
    }
    judge(&evaluate(data, norm, 1, theta, weights)?)
}
