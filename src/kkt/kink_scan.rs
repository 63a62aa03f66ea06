//! **Kink-tolerance sensitivity** ([`kink_tol_flip`]): how much a verdict depends on the
//! near-kink tolerance of the Clarke relaxation.
//!
//! A (sample i, unit j) pair of a ReLU-type net is a near-kink when
//! |⟨w_j, x_i⟩| ≤ kink_tol·‖w_j‖‖x_i‖ (`Model::clarke_gradient`); the κ LP may then use any
//! slope in [σ'(0⁻), σ'(0⁺)] for it (columns β_k d_k, 0 ≤ β_k ≤ λ_i, `kkt/gens.rs`). The
//! near-kink sets are **nested** in the tolerance (the test is monotone in kink_tol), and each
//! relaxed pair replaces its gradient by a segment that contains it, so the κ LP's feasible
//! set grows with the tolerance and the optimal gap κ* is non-increasing in it; two
//! tolerances with the same near-kink pairs have the same LP and the same certificate, which
//! the scan then reuses (only when the Clarke columns are identical: for a deep net,
//! `models::Mlp`, the relaxation switches to an interval hull — still growing with the
//! tolerance — when near-kinks appear in a second layer). A verdict that changes between the
//! configured tolerance and a nearby one rests on the relaxation at (near-)kinks rather than
//! on the gradients.
//!
//! The scan tries the decades [`KINK_TOL_GRID`] = 10⁻⁹, 10⁻⁸, …, 10⁻¹ (nine tolerances
//! spanning exact ties in floating point to 10 % of ‖w_j‖‖x_i‖, the width at which the
//! relaxation stops being a statement about kinks). A grid rather than a bisection: the
//! verdict is a step function of the near-kink count, which changes only at the finitely
//! many ratios |⟨w_j, x_i⟩|/(‖w_j‖‖x_i‖), so a bisection would chase one such ratio to
//! machine precision without saying more; the decades also report the near-kink count
//! at each tolerance, which costs one gradient sweep. A tolerance whose count equals
//! one already solved reuses that certificate (same LP), so a net without kinks (ReLU²,
//! smooth activations) costs ten sweeps and one solve.

use super::certificate::Verdict;
use super::config::{CheckConfig, TauSearchMode};
use super::{certify, prepare};
use crate::data::Dataset;
use crate::error::Result;
use crate::models::Model;
use crate::norms::NormSpec;
use serde::{Deserialize, Serialize};

/// The tolerances tried by [`kink_tol_flip`]: 10⁻⁹, 10⁻⁸, …, 10⁻¹.
pub const KINK_TOL_GRID: [f64; 9] = [1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1];

/// The certificate at one kink tolerance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KinkPoint {
    /// The near-kink tolerance.
    pub kink_tol: f64,
    /// Near-kink (sample, unit) pairs relaxed at it.
    pub kinks: usize,
    /// Achieved κ.
    #[serde(with = "crate::json_f64::scalar")]
    pub kappa: f64,
    /// Certified lower bound on κ*.
    #[serde(with = "crate::json_f64::scalar")]
    pub kappa_lower_bound: f64,
    /// Verdict (`kkt`, `not_kkt` or `inconclusive`; no coincidence rule).
    pub verdict: Verdict,
    /// True when the certificate was taken from a tolerance with the same near-kink pairs
    /// instead of being solved again.
    pub reused: bool,
}

/// The result of [`kink_tol_flip`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KinkScan {
    /// The certificate at the configured tolerance (`cfg.kink_tol`).
    pub configured: KinkPoint,
    /// The **largest** tolerance of the grid at which the verdict differs from the
    /// configured one (`None`: the same verdict at every tolerance tried).
    #[serde(with = "crate::json_f64::option")]
    pub flip: Option<f64>,
    /// Every grid tolerance other than the configured one, ascending.
    pub points: Vec<KinkPoint>,
}

impl KinkScan {
    /// The grid tolerance nearest to the configured one (in log distance; the smallest one
    /// when the configured tolerance is 0) at which the verdict differs.
    pub fn nearest_flip(&self) -> Option<f64> {
        let t0 = self.configured.kink_tol;
        let differs = self
            .points
            .iter()
            .filter(|p| p.verdict != self.configured.verdict);
        if t0 > 0.0 {
            differs
                .map(|p| p.kink_tol)
                .min_by(|a, b| (a / t0).ln().abs().total_cmp(&(b / t0).ln().abs()))
        } else {
            differs.map(|p| p.kink_tol).reduce(f64::min)
        }
    }
}

/// Scan the kink tolerances [`KINK_TOL_GRID`] for `norm` at θ (everything else as in `cfg`,
/// without the trajectory certificate and the τ search) and return the certificate at
/// `cfg.kink_tol`, the one at every other grid tolerance with its near-kink count, and
/// [`KinkScan::flip`] — the largest tolerance at which the verdict flips (module docs).
///
/// With `cfg.clarke = false` the tolerance is unused and nothing can flip. Errors as
/// [`super::check`] (bad config, data, θ, norm).
pub fn kink_tol_flip(
    model: &dyn Model,
    data: &Dataset,
    theta: &[f64],
    norm: &NormSpec,
    cfg: &CheckConfig,
) -> Result<KinkScan> {
    let base = CheckConfig {
        trajectory: false,
        tau_search: TauSearchMode::Off,
        ..cfg.clone()
    };
    // A certificate is reused only for the *same* Clarke columns (fingerprint of every
    // column's sample and entries), not merely the same count: for a deep net whose relaxation
    // switches from the exact form to the interval hull (`models::Mlp`) two tolerances could
    // relax different sets with equally many columns.
    let at = |kink_tol: f64, solved: &[(u64, KinkPoint)]| -> Result<(u64, KinkPoint)> {
        let c = CheckConfig {
            kink_tol,
            ..base.clone()
        };
        let prep = prepare(model, data, theta, &c)?;
        let kinks = prep.gens.kinks.len();
        let print = fingerprint(&prep.gens.kinks);
        if let Some((_, same)) = solved.iter().find(|(f, p)| *f == print && p.kinks == kinks) {
            return Ok((
                print,
                KinkPoint {
                    kink_tol,
                    reused: true,
                    ..same.clone()
                },
            ));
        }
        let cert = certify(&prep, norm, &c)?;
        Ok((
            print,
            KinkPoint {
                kink_tol,
                kinks,
                kappa: cert.kappa,
                kappa_lower_bound: cert.kappa_lower_bound,
                verdict: cert.verdict,
                reused: false,
            },
        ))
    };
    let (print0, configured) = at(cfg.kink_tol, &[])?;
    let mut solved = vec![(print0, configured.clone())];
    let mut points = Vec::new();
    for &t in KINK_TOL_GRID.iter().filter(|&&t| t != cfg.kink_tol) {
        let (print, p) = at(t, &solved)?;
        if !p.reused {
            solved.push((print, p.clone()));
        }
        points.push(p);
    }
    let flip = points
        .iter()
        .filter(|p| p.verdict != configured.verdict)
        .map(|p| p.kink_tol)
        .reduce(f64::max);
    Ok(KinkScan {
        configured,
        flip,
        points,
    })
}

/// A hash of the Clarke columns (sample index and every (coordinate, value bits) entry).
fn fingerprint(kinks: &[super::gens::KinkCol]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for k in kinks {
        k.gen.hash(&mut h);
        k.factor.to_bits().hash(&mut h);
        for (j, v) in &k.entries {
            j.hash(&mut h);
            v.to_bits().hash(&mut h);
        }
    }
    h.finish()
}
