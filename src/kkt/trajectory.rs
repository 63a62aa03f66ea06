//! The cheap **trajectory certificate** (DESIGN §4 step 8, [F] Prop. A.13).
//!
//! Along steepest-descent trajectories with the exponential loss, [F] Prop. A.13 certifies
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
//! weights become one-hot at extreme losses (DESIGN §4).

use super::colgen::{assemble, solve_refined};
use super::config::CheckConfig;
use super::lp::{Generator, KappaData, KinkCol};
use super::subdiff::Encoding;

/// κ of the trajectory certificate for margins `q` (of the *original* θ, whose scale sets
/// the weights) on the problem `data` (one generator per sample), or the reason it failed.
pub(crate) fn trajectory_kappa(
    data: &KappaData,
    q: &[f64],
    enc: &mut Encoding,
    cfg: &CheckConfig,
) -> Result<f64, String> {
    let q_min = q.iter().cloned().fold(f64::INFINITY, f64::min);
    let w: Vec<f64> = q.iter().map(|qi| (-(qi - q_min)).exp()).collect();
    let p = data.theta.len();
    let mut a = vec![0.0; p];
    let mut comp = 0.0;
    for (gen, wi) in data.gens.iter().zip(&w) {
        if *wi == 0.0 {
            continue;
        }
        for (aj, gj) in a.iter_mut().zip(&gen.a) {
            *aj += wi * gj;
        }
        comp += wi * gen.comp;
    }
    let kinks = data
        .kinks
        .iter()
        .map(|k| KinkCol {
            gen: 0,
            factor: k.factor * w[k.gen],
            entries: k.entries.clone(),
        })
        .collect();
    let traj = KappaData {
        l: data.l,
        n: data.n,
        theta: data.theta.clone(),
        gens: vec![Generator { a, comp }],
        kinks,
    };
    let refined = solve_refined(&traj, enc, cfg)?;
    let best = refined
        .best
        .ok_or_else(|| "the trajectory LP gave no verifiable certificate".to_string())?;
    // Re-assemble once more from the clamped values (identical numbers; keeps the formula
    // in one place).
    let rec = assemble(&traj, best.lambda, best.beta, best.v, best.v_repair);
    Ok(rec.kappa)
}
