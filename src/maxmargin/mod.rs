//! Exact, self-certifying max-margin solutions for linear models.
//!
//! **Problem.** For f(x; θ) = ⟨θ, x⟩, signed rows z_i = y_i x_i and a norm N ∈ {ℓ1, ℓ2, ℓ∞},
//!
//! ```text
//!     γ* = max_{N(θ) ≤ 1} min_i ⟨z_i, θ⟩            (primal)
//!        = min_{w ∈ Δ_m} N_*(Σ_i w_i z_i)            (dual; Δ_m = {w ≥ 0, Σ w_i = 1})
//! ```
//!
//! by the minimax theorem (the objective is bilinear, both sets compact and convex), with
//! N_* the dual norm (ℓ∞ for ℓ1, ℓ2 for ℓ2, ℓ1 for ℓ∞). Equivalently θ* = θ̂/γ* solves
//! min ½N(θ)² s.t. ⟨z_i, θ⟩ ≥ 1, whose multipliers are λ = w/γ*² (\[F\] Def. 3.3 with
//! L = 1: Σ_i λ_i z_i ∈ N(θ*)·∂N(θ*)). γ* > 0 iff the data are linearly separable, and
//! γ* = 0 iff some w ∈ Δ_m has Σ_i w_i z_i = 0 — for every norm.
//!
//! **Multiclass** data (C classes) are the C×d model f(x; W) = W x with the m(C − 1) pair
//! margins ⟨W_{y_i} − W_c, x_i⟩ = ⟨vec W, z_{i,c}⟩ (`kesler.rs`: the binary problem on the
//! lifted rows z_{i,c}, θ = vec W row-major). ℓ1, ℓ2 (Frobenius) and ℓ∞ are entrywise on vec W;
//! the **spectral norm** N(W) = ‖W‖₂ = σ_max(W) ([`MaxMarginNorm::Spectral`]) depends on the
//! C×d shape, with dual the nuclear norm:
//!
//! ```text
//!     γ*_spec = max_{‖W‖₂ ≤ 1} min_{i,c} ⟨(e_{y_i} − e_c) x_iᵀ, W⟩ = min_{w ∈ Δ} ‖Σ w_ic (e_{y_i} − e_c) x_iᵀ‖_*,
//!     γ*_F ≤ γ*_spec ≤ √min(C, d) γ*_F        (‖W‖₂ ≤ ‖W‖_F ≤ √min(C, d) ‖W‖₂).
//! ```
//!
//! On binary data (W = θᵀ, one row) it is ℓ2 and is solved as such.
//!
//! **Solvers** (on the scaled data below):
//! * ℓ1, ℓ∞ (`lp.rs`): the primal LP with the norm ball as variable bounds (m rows whatever d
//!   is, so wide data stay fast), then the dual weights by constraint generation over
//!   coordinates seeded by complementary slackness, then a primal recovery from the dual
//!   (θ_j = sign g_j for ℓ∞, supp θ ⊆ argmax |g_j| for ℓ1, g = Σ_i w_i z_i) with a
//!   restricted LP on the ties — microlp (pure-Rust simplex, vertex solutions).
//! * ℓ2 (`l2.rs`): the QP min ½‖θ‖² s.t. ⟨z_i, θ⟩ ≥ 1 with Clarabel, polished by an exact
//!   active-set solve of its KKT system G_S μ_S = 1; when the QP is infeasible, the weights
//!   come from the ℓ1 dual LP, whose minimum is 0 (Σ_i w_i z_i = 0) exactly then.
//! * spectral (`spectral/`): the SDP max γ s.t. ⟨A_r, W⟩ ≥ γ, [[I, W], [Wᵀ, I]] ⪰ 0 (C·d + 1
//!   variables, one (C + d)×(C + d) block) by a primal–dual interior-point method (HKM
//!   direction, Mehrotra predictor–corrector; `spectral/ipm.rs`), polished by Gauss–Newton on
//!   its optimality conditions at the active rows and the multiplicity of σ_max
//!   (`spectral/polish.rs`); W is centred (W − 𝟙𝟙ᵀW/C changes no pair margin and does not
//!   increase ‖W‖₂), which makes the direction unique where only that gauge was free. When
//!   no W separates, the weights come from the ℓ1 dual LP as for ℓ2. Measured: certified gaps
//!   ≤ 2.8e-13 on 795 generated problems (interior point alone: 1e-15 – 1.3e-8); γ* inside
//!   the bracket cvxpy + Clarabel's own answers certify, |Δγ*|/γ* ≤ 8.8e-9 against its
//!   value (`tests/maxmargin_spectral.rs`); 0.3 s for C = 10, d = 20, m = 200 (1800 pair
//!   rows), 2.5 s for m = 2048 — O(n(C·d)² + (C·d)³) per iteration, 9–54 iterations.
//!
//! Every candidate (θ, w) goes to the certificate, which keeps the one with the smallest gap.
//!
//! **Scaling** (`scaling.rs`): the solvers see z_i·2^k, with the power of two 2^k bringing the
//! largest |z_ij| into [½, 1). This is exact — the maximizers are unchanged and the margin
//! is multiplied by 2^k, which is all that data of order 1e±300 need. Rows are rescaled
//! inside the LPs (both sides of each constraint, exact); columns are not, because a
//! per-column scale changes the norm's geometry (the reasons are in `scaling.rs`:
//! where it would matter, f64 cannot evaluate the certificate accurately anyway).
//!
//! **Certificate** ([`certificate`]). Every answer is checked in the original coordinates,
//! from the returned direction θ̂ and weights w alone, by weak duality:
//! p = min_i ⟨z_i, θ̂⟩/N(θ̂) ≤ γ* ≤ D = N_*(Σ_i w_i z_i). Both are recomputed in plain Rust
//! with per-row and per-column powers of two and an extended exponent, so nothing overflows
//! or underflows, together with a-priori rounding bounds e_p, e_D. [`max_margin`] returns an
//! answer only if
//!
//! ```text
//!     |D − p| / max(|p|, |D|)  ≤  GAP_TOL + 4 (e_p + e_D)/max(|p|, |D|),   GAP_TOL = 1e-9,
//! ```
//!
//! (the tolerance and its justification: [`certificate`]). It refuses with
//! [`Error::Numerical`], naming the gap, when no candidate passes, when the tolerance would
//! exceed [`MAX_TOLERANCE`] = 1e-6 (f64 cannot evaluate that certificate more accurately),
//! and when the certified margin is outside (2^-1024, f64::MAX) (below, θ* = θ̂/γ* is not
//! representable). It reports [`Error::NotSeparable`] only when the weights *prove* it:
//! |Σ_i w_i z_ij| ≤ 1e-9 × Σ_i w_i |z_ij| + 1e-14 × max |z| in every coordinate j, i.e. the
//! data are within that entrywise perturbation of data no θ separates. [`certify`] runs the
//! same check on any (θ, w).
//!
//! Exit statuses of `implicit-bias maxmargin` (`Error::exit_status`): not separable is a
//! property of the input, **2** (as for other bad input); a refused certificate or an
//! unrepresentable margin is a numerical failure, **1**.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::params::{max_abs, norm2};
use serde::{Deserialize, Serialize};

pub mod certificate;
mod extended;
mod kesler;
mod l2;
mod lp;
mod scaling;
mod spectral;

pub use certificate::{
    certify, Certificate, GAP_TOL, MAX_TOLERANCE, MIN_MARGIN, SEPARABILITY_FLOOR, SEPARABILITY_TOL,
};
use extended::Ext;

/// Which norm's max-margin problem to solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxMarginNorm {
    /// ℓ1 (coordinate descent's implicit norm).
    L1,
    /// ℓ2 (gradient descent's).
    L2,
    /// ℓ∞ (sign descent's, Adam with ε = 0).
    Linf,
    /// The spectral norm ‖W‖₂ = σ_max(W) of the C×d weight matrix of a multiclass linear
    /// model (spectral descent's / Muon's), θ = vec W row-major; its dual is the nuclear norm.
    /// On binary data (W = θᵀ, one row) it is ℓ2.
    Spectral,
}

impl MaxMarginNorm {
    /// Parse `l1`, `l2`, `linf`, `spectral` (alias `max_spectral`, the checker's name for the
    /// spectral norm of a single weight block).
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "l1" => Ok(Self::L1),
            "l2" => Ok(Self::L2),
            "linf" => Ok(Self::Linf),
            "spectral" | "max_spectral" => Ok(Self::Spectral),
            _ => Err(Error::spec(
                s,
                "maxmargin supports l1, l2, linf, spectral (spectral: the largest singular \
                 value of W, for multiclass linear models; on binary data it is l2)",
            )),
        }
    }
    /// Spec string.
    pub fn name(&self) -> &'static str {
        match self {
            Self::L1 => "l1",
            Self::L2 => "l2",
            Self::Linf => "linf",
            Self::Spectral => "spectral",
        }
    }
    /// N(θ) of a flat θ. For [`MaxMarginNorm::Spectral`] this is **NaN**: the spectral norm
    /// depends on the C×d shape of W, which a flat θ does not carry — use
    /// [`MaxMarginNorm::value_shaped`].
    pub fn value(&self, theta: &[f64]) -> f64 {
        match self {
            Self::Spectral => f64::NAN,
            _ => self.value_shaped(theta, 1),
        }
    }
    /// N(θ) for θ = vec W, W with `outputs` rows (row-major; `outputs` = C for a multiclass
    /// model, 1 for a binary one): ‖W‖₂ = σ_max(W) for [`MaxMarginNorm::Spectral`] (NaN when
    /// `outputs` does not divide θ's length or θ is not finite), the entrywise norm of θ
    /// otherwise (`outputs` ignored).
    pub fn value_shaped(&self, theta: &[f64], outputs: usize) -> f64 {
        match self {
            Self::L1 => theta.iter().map(|v| v.abs()).sum(),
            Self::L2 => norm2(theta),
            Self::Linf => max_abs(theta),
            Self::Spectral => matrix(theta, outputs)
                .and_then(|(r, c)| crate::linalg::spectral_norm(r, c, theta).ok())
                .unwrap_or(f64::NAN),
        }
    }
    /// The dual norm N_*(g) = max_{N(θ) ≤ 1} ⟨g, θ⟩ of a flat g: ‖g‖_∞ for ℓ1, ‖g‖₂ for ℓ2,
    /// ‖g‖₁ for ℓ∞; **NaN** for [`MaxMarginNorm::Spectral`] (shape needed: use
    /// [`MaxMarginNorm::dual_value_shaped`]).
    pub fn dual_value(&self, g: &[f64]) -> f64 {
        match self {
            Self::Spectral => f64::NAN,
            _ => self.dual_value_shaped(g, 1),
        }
    }
    /// N_*(g) for g = vec G with `outputs` rows: the nuclear norm ‖G‖_* = Σ_i σ_i(G) for
    /// [`MaxMarginNorm::Spectral`] (NaN as in [`MaxMarginNorm::value_shaped`]), the entrywise
    /// dual norm otherwise.
    pub fn dual_value_shaped(&self, g: &[f64], outputs: usize) -> f64 {
        match self {
            Self::L1 => max_abs(g),
            Self::L2 => norm2(g),
            Self::Linf => g.iter().map(|v| v.abs()).sum(),
            Self::Spectral => matrix(g, outputs)
                .and_then(|(r, c)| crate::linalg::nuclear_norm(r, c, g).ok())
                .unwrap_or(f64::NAN),
        }
    }
}

/// (rows, cols) of a flat matrix with `rows` rows, if that divides its length.
fn matrix(v: &[f64], rows: usize) -> Option<(usize, usize)> {
    (rows > 0 && !v.is_empty() && v.len().is_multiple_of(rows)).then(|| (rows, v.len() / rows))
}

/// An exact, certified max-margin solution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaxMargin {
    /// The norm.
    pub norm: MaxMarginNorm,
    /// θ* = θ̂/min_i y_i⟨θ̂, x_i⟩, scaled so that min_i y_i⟨θ*, x_i⟩ = 1 (then N(θ*) = 1/γ*).
    /// Multiclass: vec W* row-major (C×d), the minimum over the pair margins.
    pub theta: Vec<f64>,
    /// The max-margin direction θ̂ = θ*/N(θ*), N(θ̂) = 1 (representable whatever the scale of
    /// the data; for [`MaxMarginNorm::Spectral`] on multiclass data, ‖W‖₂ = 1 and W centred:
    /// every column of W sums to 0 up to rounding).
    pub direction: Vec<f64>,
    /// γ* = min_i y_i⟨θ̂, x_i⟩ / N(θ̂) (the certificate's primal value).
    pub margin: f64,
    /// N_*(Σ_i w_i y_i x_i) of the certificate's weights (the dual value; equal to `margin`
    /// within the certified relative gap).
    pub dual_margin: f64,
    /// Multipliers λ_i = w_i/γ*² ≥ 0 of the ½N(θ)² form (Σ_i λ_i y_i x_i ∈ N(θ*)·∂N(θ*)).
    /// They scale like 1/γ*²: for γ* outside ≈ [1e-154, 1e154] entries overflow to +∞ or
    /// underflow to 0 (written as `"inf"` in JSON); `certificate.weights` is the scale-free
    /// form.
    #[serde(with = "crate::json_f64::vec")]
    pub lambda: Vec<f64>,
    /// Indices with w_i > 1e-9 · max_k w_k (multiclass: pair rows, in the order of
    /// [`Dataset::row_pair`]).
    pub support: Vec<usize>,
    /// The duality certificate the answer passed ([`certify`]).
    pub certificate: Certificate,
}

/// Solve the max-margin problem for a linear model and certify the answer (module docs).
///
/// Multiclass data (C classes) are the C×d model W x with pair margins ⟨W_{y_i} − W_c, x_i⟩;
/// θ is vec W row-major. [`MaxMarginNorm::Spectral`] needs that shape: on binary data
/// (W = θᵀ, one row, ‖W‖₂ = ‖θ‖₂) it is the ℓ2 problem, solved as such and returned with
/// `norm` = `Spectral` (the certificate is the same).
///
/// Errors: [`Error::NotSeparable`] when dual weights prove that no linear classifier
/// separates the data; [`Error::Numerical`] when no solver answer passes the certificate
/// (the message names the relative duality gap and the tolerance) or the certified margin is
/// outside the f64 normal range.
pub fn max_margin(data: &Dataset, norm: MaxMarginNorm) -> Result<MaxMargin> {
    if data.is_multiclass() {
        let lifted = kesler::lift(data)?;
        let outputs = if norm == MaxMarginNorm::Spectral {
            data.classes
        } else {
            1
        };
        return solve(&lifted, norm, outputs);
    }
    if norm == MaxMarginNorm::Spectral {
        let mut mm = solve(data, MaxMarginNorm::L2, 1)?;
        mm.norm = MaxMarginNorm::Spectral;
        return Ok(mm);
    }
    solve(data, norm, 1)
}

/// The binary (or lifted multiclass) problem; `outputs` = C for the spectral norm of the
/// C×(d/C) matrix θ, 1 otherwise.
fn solve(data: &Dataset, norm: MaxMarginNorm, outputs: usize) -> Result<MaxMargin> {
    let rows = scaling::Rows::scaled(data);
    if rows.z.iter().all(|&v| v == 0.0) {
        return Err(Error::NotSeparable(
            "every sample is x_i = 0: no linear classifier separates the data".into(),
        ));
    }
    // Solver diagnostics appended to a refusal (spectral only).
    let mut note = String::new();
    let candidates: Vec<(Vec<f64>, Vec<f64>)> = match norm {
        MaxMarginNorm::L2 => {
            let out = l2::solve(&rows)?;
            let mut c = out.candidates;
            if out.infeasible || c.is_empty() {
                c.push((vec![0.0; rows.d], lp::dual_l1(&rows, &[])?));
            }
            c
        }
        MaxMarginNorm::L1 => {
            let theta = lp::primal(&rows, norm)?;
            let tmax = max_abs(&theta);
            let seed: Vec<usize> = (0..rows.d)
                .filter(|&j| theta[j].abs() > 1e-12 * tmax)
                .collect();
            let w = lp::dual_l1(&rows, &seed)?;
            let polished = lp::polish_l1(&rows, &w)?;
            vec![(polished, w.clone()), (theta, w)]
        }
        MaxMarginNorm::Linf => {
            let theta = lp::primal(&rows, norm)?;
            let w = lp::dual_linf(&rows, &theta)?;
            let polished = lp::polish_linf(&rows, &theta, &w)?;
            vec![(polished, w.clone()), (theta, w)]
        }
        MaxMarginNorm::Spectral => {
            let s = spectral::solve(&rows, outputs)?;
            note = format!(
                " [spectral solver: {} interior-point iterations, best interior-point gap \
                 {:.1e}, polished {}]",
                s.iterations,
                s.ipm_gap,
                s.polished_gap.map_or("—".into(), |g| format!("{g:.1e}"))
            );
            s.candidates
        }
    };
    // Rank: a certificate that verifies (smallest gap first), then a proof of
    // non-separability, then a refusal.
    let rank = |v: &Result<Certificate>| match v {
        Ok(_) => 0,
        Err(Error::NotSeparable(_)) => 1,
        Err(_) => 2,
    };
    let mut best: Option<(Result<Certificate>, Vec<f64>, certificate::Evaluation)> = None;
    for (theta, w) in candidates {
        let n = norm.value_shaped(&theta, outputs);
        let direction: Vec<f64> = if n > 0.0 && n.is_finite() {
            theta.iter().map(|v| v / n).collect()
        } else {
            theta
        };
        let ev = certificate::evaluate(data, norm, outputs, &direction, &w)?;
        let verdict = certificate::judge(&ev);
        let better = match &best {
            None => true,
            Some((old, ..)) => match (old, &verdict) {
                (Ok(a), Ok(b)) => b.relative_gap < a.relative_gap,
                _ => rank(&verdict) < rank(old),
            },
        };
        if better {
            best = Some((verdict, direction, ev));
        }
    }
    let (verdict, direction, ev) = best.expect("at least one candidate");
    let cert = match verdict {
        Ok(c) => c,
        Err(Error::Numerical(msg)) if !ev.primal.is_positive() => {
            // No separating direction found and no proof either way yet: weights with
            // Σ w_i z_i = 0 (the ℓ1 dual's cancellation LP) would prove non-separability.
            let w = lp::dual_l1(&rows, &[])?;
            let ev = certificate::evaluate(data, norm, outputs, &vec![0.0; rows.d], &w)?;
            return match certificate::judge(&ev) {
                Err(e @ Error::NotSeparable(_)) => Err(e),
                _ => Err(Error::Numerical(msg + &note)),
            };
        }
        Err(Error::Numerical(msg)) => return Err(Error::Numerical(msg + &note)),
        Err(e) => return Err(e),
    };
    answer(norm, direction, ev, cert)
}

/// θ*, λ and the support from a certified direction.
fn answer(
    norm: MaxMarginNorm,
    direction: Vec<f64>,
    ev: certificate::Evaluation,
    cert: Certificate,
) -> Result<MaxMargin> {
    let theta: Vec<f64> = direction
        .iter()
        .map(|&v| (Ext::from_f64(v) / ev.q).to_f64())
        .collect();
    if theta.iter().any(|v| !v.is_finite()) {
        return Err(Error::Numerical(format!(
            "the max margin γ* = {:.6e} (certified) is too small for θ* = θ̂/γ* to be \
             representable in f64",
            cert.primal
        )));
    }
    let p = Ext::from_f64(cert.primal);
    let lambda: Vec<f64> = cert
        .weights
        .iter()
        .map(|&w| (Ext::from_f64(w) / p / p).to_f64())
        .collect();
    let wmax = cert.weights.iter().cloned().fold(0.0, f64::max);
    let support = (0..cert.weights.len())
        .filter(|&i| cert.weights[i] > 1e-9 * wmax)
        .collect();
    Ok(MaxMargin {
        norm,
        margin: cert.primal,
        dual_margin: cert.dual,
        theta,
        direction,
        lambda,
        support,
        certificate: cert,
    })
}
