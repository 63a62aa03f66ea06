//! The run-time assumption checks of a case (the [`Status::AtRun`] rows of
//! [`TheoremId::check`]), resolved on the trained run:
//!
//! * (R1) / \[F\] (A3) / \[A\] Assumption 1.III: log L(θ_T) < log ℓ(0);
//! * (A1) (\[M\] Thm 3.6/3.7, Adam without ε): every coordinate of ∇L(θ0) is non-zero, i.e.
//!   v_0[j] > 0 (reported: min_j |g_j| / max_j |g_j|);
//! * (T3) (\[M\] §4, non-smooth model under a theorem that needs (M1)): the normalized
//!   subgradients of the support samples of the final own certificate ({i : λ_i > 0})
//!   settle — see `t3` for the criterion; the activation-pattern changes and the
//!   subgradient changes between consecutive checked points are reported.

use super::assumptions::{needs_a1, needs_t3, AssumptionCheck, Status, TheoremId};
use crate::data::Dataset;
use crate::loss::Loss;
use crate::models::{Model, ModelSpec};

fn resolved(name: &str, holds: bool, detail: String) -> AssumptionCheck {
    AssumptionCheck {
        name: name.to_string(),
        status: if holds { Status::Holds } else { Status::Fails },
        detail,
    }
}

/// (R1): the final loss is below ℓ(0).
pub(super) fn r1(loss: Loss, final_log_loss: f64) -> AssumptionCheck {
    let bound = loss.at_zero().ln();
    resolved(
        "(R1)",
        final_log_loss < bound,
        format!("log L(θ_T) = {final_log_loss:.4e} < log ℓ(0) = {bound:.4}"),
    )
}

/// (A1): every coordinate of ∇L(θ0) is non-zero.
pub(super) fn a1(model: &dyn Model, data: &Dataset, loss: Loss, theta0: &[f64]) -> AssumptionCheck {
    let rows = data.margin_rows();
    let mut ws = model.workspace(data.m());
    let mut q = vec![0.0; rows];
    model.margins(theta0, data, &mut ws, &mut q);
    let mut w = vec![0.0; rows];
    loss.log_loss_and_weights_grouped(&q, &mut w, data.rows_per_sample());
    let mut g = vec![0.0; theta0.len()];
    model.weighted_gradient(theta0, data, &w, &mut ws, &mut g);
    let max = g.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
    let min = g.iter().fold(f64::INFINITY, |a, v| a.min(v.abs()));
    let zeros = g.iter().filter(|v| **v == 0.0).count();
    resolved(
        "(A1)",
        zeros == 0 && max > 0.0,
        format!(
            "∇L(θ0) has {zeros} zero coordinates of {}; min/max |g_j| = {:.2e}",
            g.len(),
            if max > 0.0 { min / max } else { 0.0 }
        ),
    )
}

/// Largest relative change of the support samples' normalized subgradients allowed between
/// the last two checked points when their activation pattern still changes: 1 %, the size of
/// the two-layer κ_kkt (0.02) halved — a change of the constraint gradients by δ moves the
/// KKT residual by at most δ relative, so flips that move h̃ by less than 1 % cannot decide a
/// verdict at κ_kkt.
pub const T3_TOL: f64 = 0.01;

/// (T3): h(x_i; θ_t)/‖θ_t‖^{L−1} = ∇f(x_i; θ̃_t) (θ̃ = θ/‖θ‖₂, homogeneity of ∇f of degree
/// L − 1) converges for the support samples. Checked on the checked θ's (in order, the final
/// θ last; `support` is the final own certificate's support): it holds when the activation
/// pattern of the support samples is identical at the last two points, or when the largest
/// relative change max_i ‖h̃_i(t_K) − h̃_i(t_{K−1})‖₂/‖h̃_i(t_K)‖₂ is ≤ [`T3_TOL`] (flips only
/// on units that carry a negligible part of f, or that sit on their kink).
pub(super) fn t3(
    model: &dyn Model,
    data: &Dataset,
    thetas: &[&[f64]],
    support: &[usize],
) -> AssumptionCheck {
    if thetas.len() < 2 {
        return resolved(
            "(T3)",
            false,
            "needs at least two checked points (checkpoints + final) to compare".into(),
        );
    }
    // Support margin rows → (x_i, s_r) (the row's sample and output combination).
    let rows: Vec<(Vec<f64>, Vec<f64>)> = support
        .iter()
        .map(|&r| {
            let mut s = vec![0.0; data.outputs()];
            let i = data.row_combo(r, &mut s);
            (data.row(i), s)
        })
        .collect();
    let pattern = |theta: &[f64]| -> Vec<bool> {
        rows.iter()
            .flat_map(|(x, _)| model.activation_pattern(theta, x).unwrap_or_default())
            .collect()
    };
    let grads = |theta: &[f64]| -> Vec<Vec<f64>> {
        let n = crate::params::norm2(theta);
        let unit: Vec<f64> = theta.iter().map(|v| v / n).collect();
        rows.iter()
            .map(|(x, s)| {
                let mut g = vec![0.0; theta.len()];
                model.combo_gradient(&unit, x, s, &mut g);
                g
            })
            .collect()
    };
    let patterns: Vec<Vec<bool>> = thetas.iter().map(|t| pattern(t)).collect();
    let changes: Vec<usize> = patterns
        .windows(2)
        .map(|w| w[0].iter().zip(&w[1]).filter(|(a, b)| a != b).count())
        .collect();
    let hs: Vec<Vec<Vec<f64>>> = thetas.iter().map(|t| grads(t)).collect();
    let moves: Vec<f64> = hs
        .windows(2)
        .map(|w| {
            w[0].iter()
                .zip(&w[1])
                .map(|(a, b)| {
                    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
                    crate::params::norm2(&d) / crate::params::norm2(b).max(f64::MIN_POSITIVE)
                })
                .fold(0.0, f64::max)
        })
        .collect();
    let last = *changes.last().expect("two or more points");
    let last_move = *moves.last().expect("two or more points");
    resolved(
        "(T3)",
        last == 0 || last_move <= T3_TOL,
        format!(
            "support samples: {} ((sample, unit) pairs {}); activation-pattern changes between \
             consecutive checked points {changes:?}; largest relative change of h̃_i = \
             ∇f(x_i; θ/‖θ‖) {:?}; holds when the last pattern change is 0 or the last h̃ \
             change ≤ {T3_TOL}",
            support.len(),
            patterns[0].len(),
            moves
                .iter()
                .map(|v| crate::numfmt::sig3(*v))
                .collect::<Vec<_>>()
        ),
    )
}

/// Resolve the [`Status::AtRun`] rows of `checks` on a run.
#[allow(clippy::too_many_arguments)]
pub(super) fn resolve(
    checks: &mut [AssumptionCheck],
    id: TheoremId,
    spec: &ModelSpec,
    model: &dyn Model,
    data: &Dataset,
    loss: Loss,
    theta0: &[f64],
    run_log_loss: f64,
    thetas: &[&[f64]],
    support: Option<&[usize]>,
) {
    for c in checks.iter_mut() {
        if c.status != Status::AtRun {
            continue;
        }
        *c = match c.name.as_str() {
            "(R1)" => r1(loss, run_log_loss),
            "(A1)" if needs_a1(id) => a1(model, data, loss, theta0),
            "(T3)" if needs_t3(id, spec) => match support {
                Some(s) => t3(model, data, thetas, s),
                None => resolved(
                    "(T3)",
                    false,
                    "no own-norm certificate at the final θ: no support set to check".into(),
                ),
            },
            _ => continue,
        };
    }
}
