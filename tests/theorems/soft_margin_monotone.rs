//! # Soft-margin monotonicity
//!
//! **[F] Thm 3.1** (soft margin increases): "For almost any t > t0, it holds
//! d log γ̃/dt ≥ L‖dθ/dt‖² (1/(L·L(θ_t) log(1/L(θ_t))) − 1/(‖θ_t‖‖dθ/dt‖)) ≥ 0."
//! **[M] Thm 3.1**: "Let θ_t be a trajectory of normalized steepest descent with respect to a
//! norm ‖·‖. Under (M1-Weak), (M2-Weak), (R1), (LR-NSD), the soft margin γ̃(θ_t) is
//! non-decreasing on [t0, ∞)." Here γ̃(θ) = −log L(θ)/‖θ‖^L under the optimizer's own norm and
//! t0 is the first time L(θ) < ℓ(0) (1 for the exponential, log 2 for the logistic loss; for
//! the logistic loss γ̃ = φ⁻¹(log 1/L)/‖θ‖^L, [F] App. A).
//!
//! The suite has no case files of its own: it checks **every** steepest-descent case of the
//! other suites — normalized (NGD, sign GD, normalized ℓ1 / ℓ3 steepest descent on the linear
//! model, NGD on the ReLU² and ReLU nets, spectral descent on the frozen-output net) and the
//! unnormalized steepest flows of [F] Thm 3.1 (GD, coordinate descent, unnormalized ℓ∞
//! steepest descent, with exponential and logistic loss) — any case a user adds with such an
//! optimizer joins automatically. Runs are shared with the other suites
//! through the test binary's cache, so nothing is trained twice. On the log-spaced trace (20
//! points per decade), after the first point with log L < 0, every point's γ̃ must be ≥ the
//! previous one up to a relative tolerance of 1e-9 ([`TOL`]: measured, the discrete runs never
//! decrease γ̃ at all), and γ̃ must grow overall.

use crate::common::*;
use implicit_bias::numfmt::sig3;
use implicit_bias::optim::OptimizerConfig;
use implicit_bias::theorem_case::TheoremId;
use std::collections::BTreeMap;

/// Relative tolerance for a decrease of γ̃ between consecutive trace points.
///
/// The theorem is about the flow; a discrete step of size η could in principle lower γ̃ by
/// O(η²) terms. Measured on the first twelve runs (eight normalized, four unnormalized flows,
/// two of them with the logistic loss) and on mini-batch NGD (`mb_linear_nsgd`): *no*
/// decrease at all — every consecutive change is an increase (smallest relative increases in
/// the snapshot, ≥ 1e-6). So the tolerance only has to absorb floating-point rounding of log L
/// and ‖θ‖ (≈ 1e-15 relative): 1e-9 leaves six orders of magnitude, and any real decrease of
/// the soft margin (e.g. a steepest direction taken in the wrong norm) fails. The one run
/// with a measured discrete drop (the L = 7 MLP, `mlp3_relu2_ngd`: 1.25e-5) states it and its
/// own tolerance in its `[expect] soft_margin_tolerance`.
const TOL: f64 = 1e-9;

/// The methods [F] Thm 3.1 (steepest flows: GD, coordinate descent, unnormalized steepest
/// descent) and [M] Thm 3.1 (normalized steepest descent) are about.
fn is_steepest(o: &OptimizerConfig) -> bool {
    TheoremId::F31.covers(o)
}

#[test]
fn soft_margin_of_the_own_norm_never_decreases_after_separation() {
    let cases: Vec<_> = all_cases()
        .into_iter()
        .filter(|c| is_steepest(&c.optimizer))
        .collect();
    assert!(
        cases.len() >= 7,
        "only {} steepest-descent cases",
        cases.len()
    );
    let outs = run_cases(&cases);
    let mut table: BTreeMap<String, BTreeMap<&str, String>> = BTreeMap::new();
    let mut bad = Vec::new();
    for (c, o) in cases.iter().zip(&outs) {
        // t0: the first trace point with L < ℓ(0) (1 for the exponential loss, log 2 for the
        // logistic loss).
        let separated = c.train.loss.at_zero().log10();
        // The optimizer's own (step) norm, as it reports it.
        let own = o.run.implicit_norm.as_ref().unwrap().to_string();
        let i = o
            .trace_norms
            .iter()
            .position(|n| *n == own || (own == "max_spectral" && n == "spectral"))
            .unwrap_or_else(|| panic!("{}: own norm {own} not traced", o.name));
        let pts: Vec<(u64, f64)> = o
            .run
            .trace
            .iter()
            .filter(|p| p.log10_loss < separated)
            .map(|p| (p.step, p.soft_margins[i]))
            .collect();
        assert!(
            pts.len() >= 20,
            "{}: only {} trace points after L < 1",
            o.name,
            pts.len()
        );
        // Worst relative change between consecutive trace points (negative = a decrease).
        let (mut worst, mut at) = (f64::INFINITY, 0);
        for w in pts.windows(2) {
            let rel = w[1].1 / w[0].1 - 1.0;
            if rel < worst {
                worst = rel;
                at = w[1].0;
            }
        }
        let (first, last) = (pts[0].1, pts.last().unwrap().1);
        println!(
            "{}: γ̃[{}] {first:.4e} -> {last:.4e} over {} points, worst relative step {worst:.3e} at step {at}",
            o.name,
            o.trace_norms[i],
            pts.len()
        );
        let tol = c.expect.soft_margin_tolerance.unwrap_or(TOL);
        if worst < -tol {
            bad.push(format!(
                "{}: soft margin drops by {:.3e} (relative) at step {at}",
                o.name, -worst
            ));
        }
        if last.partial_cmp(&first) != Some(std::cmp::Ordering::Greater) {
            bad.push(format!(
                "{}: soft margin {first} -> {last} did not increase",
                o.name
            ));
        }
        let mut row = BTreeMap::new();
        row.insert("norm", o.trace_norms[i].clone());
        row.insert("first", sig3(first));
        row.insert("last", sig3(last));
        row.insert("worst_relative_step", sig3(worst));
        row.insert("points", pts.len().to_string());
        table.insert(o.name.clone(), row);
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    insta_settings().bind(|| insta::assert_yaml_snapshot!("theorems__soft_margin_monotone", table));
}
