//! The cheap **trajectory certificate** (\[F\] Prop. A.13).
//!
//! Along steepest-descent trajectories with the exponential loss, \[F\] Prop. A.13 certifies
//! θ̃_t = θ_t / q_min^{1/L} as an (ε, δ)-approximate KKT point with the explicit multipliers
//!
//! ```text
//!   λ_i = ‖θ_t‖ / ‖g_t*‖_* · q_min^{1 − 2/L} · e^{−y_i f(x_i; θ_t)}   ∝   −ℓ'(q_i(θ_t)) = e^{−q_i(θ_t)},
//! ```
//!
//! i.e. λ is the loss-gradient weight vector up to one scalar. Here the weights are computed
//! in the log domain, w_i = e^{−(q_i − q_min)} ∈ (0, 1] (so nothing underflows at the largest
//! weight), and the scalar c ≥ 0 is fitted by the same κ LP with λ_i = c·w_i: one generator
//! column a = Σ_i w_i y_i h̃_i with c_a = Σ_i w_i (q̃_i − 1), Clarke columns 0 ≤ β_k ≤ w_i·c,
//! and v ∈ ∂_τN(θ̃) free. The reported κ is recomputed from (c, β, v) exactly like the main
//! certificate. It is good on linear models late in training and weak on nets, where the
//! weights become one-hot at extreme losses.

use super::colgen::{assemble, solve_refined};
use super::config::CheckConfig;
use super::gens::{GenSet, KinkCol};
use super::kappa_lp::KappaData;
use super::subdiff::Encoding;

/// The loss-gradient weights w_i = e^{−(q_i − q_min)} ∈ (0, 1] of margins `q` of the
/// *original* θ (whose scale sets the weights).
pub(crate) fn weights(q: &[f64]) -> Vec<f64> {
    let q_min = q.iter().cloned().fold(f64::INFINITY, f64::min);
    q.iter().map(|qi| (-(qi - q_min)).exp()).collect()
}

/// κ of the trajectory certificate on the problem `data` (one generator per sample), with
/// the weights `w` of [`weights`] and the precomputed sum `wsum` = Σ_i w_i a_i (from the
/// first sweep over the samples), or the reason it failed.
pub(crate) fn trajectory_kappa(
    data: &KappaData,
    w: &[f64],
    wsum: &[f64],
    enc: &mut Encoding,
    cfg: &CheckConfig,
    rowgen: bool,
) -> Result<f64, String> {
    let p = data.theta.len();
    let comp: f64 = w.iter().zip(&data.gens.comp).map(|(wi, c)| wi * c).sum();
    let kinks = data
        .gens
        .kinks
        .iter()
        .map(|k| KinkCol {
            gen: 0,
            factor: k.factor * w[k.gen],
            entries: k.entries.clone(),
        })
        .collect();
    let gens = GenSet::from_vectors(p, vec![wsum.to_vec()], vec![comp], data.theta, kinks);
    let traj = KappaData {
        l: data.l,
        n: data.n,
        theta: data.theta,
        gens: &gens,
    };
    let refined = solve_refined(&traj, enc, cfg, rowgen, Some(wsum))?;
    let best = refined
        .best
        .ok_or_else(|| "the trajectory LP gave no verifiable certificate".to_string())?;
    // Re-assemble once more from the clamped values (identical numbers; keeps the formula
    // in one place).
    let rec = assemble(&traj, best.lambda, best.beta, best.v, best.v_repair);
    Ok(rec.kappa)
}
