//! # Two-layer nets: which norm's KKT point each optimizer reaches
//!
//! **[M] Thm 3.3**: "Let θ_t be a trajectory of normalized or unnormalized momentum steepest
//! descent with respect to a norm ‖·‖. Under (M1), (M2), (LR-MSD), (T1), (T2), the limit point
//! θ̄ of θ_t/‖θ_t‖ is the direction of a KKT point of Problem (11) with the norm ‖·‖."
//! **[M] Cor. 3.4**: Muon (run on each matrix) is normalized momentum steepest descent with
//! ‖·‖ = ‖·‖_msp. **[M] Cor. 3.5**: Muon on the matrices + Signum on u is the same with
//! ‖θ‖ = max{‖(W_1, …, W_K)‖_msp, ‖u‖∞}. **[M] Thm 3.6**: Adam with ε = 0 → ‖·‖∞.
//! **[M] Thm 3.7**: Muon-Adam → max{(η_A/η_M)‖W‖_msp, ‖u‖∞}. **[M] Thm 3.2** for the
//! momentum-free NGD, and **[F] §4.3, App. C.2**: spectral descent with a frozen output layer
//! → the spectral norm of W. ReLU (not smooth) is the empirical case of [M] §4; the checker
//! uses the Clarke relaxation at kinks for it.
//!
//! Setting (the size the checker thresholds were calibrated at): u ᵀσ(Wx) with k = 16, d = 10, m = 30 samples labelled
//! y = sign(x1² + x2² − x3² − x4²) (rank-4 first layer needed, so ℓ2 and max-spectral do not
//! coincide), ReLU² (L = 3, smooth) and ReLU (L = 2), 2·10⁵ steps (4·10⁵ for NMGD on ReLU²)
//! with the decaying schedules the theorems require. One case file per (activation,
//! optimizer): `fixtures/cases/tl_*.toml`, with every threshold and its measured value.
//!
//! **Thresholds.** κ_kkt = 0.02 and κ_not = 0.03 for all two-layer cases: the own κ of the
//! converging runs measured 1.7·10⁻³ … 1.4·10⁻² (largest: NGD on ReLU, 1.46× below κ_kkt);
//! the other norms' certified lower bounds ≥ 0.046, except ℓ∞ for Muon-Signum (0.030–0.041:
//! ℓ∞ and the hybrid norm share the active u-block) and the hybrid norm for Muon on ReLU²
//! (0.046), where `inconclusive` is allowed and the separation ratio carries the assertion.
//!
//! **Open cases** (conclusion not observable within the budget; trend asserted, numbers
//! recorded): Adam(ε = 0) on ReLU² (ℓ∞ κ 0.092 after 2·10⁵ steps), Muon-Adam on ReLU² (0.037)
//! and on ReLU (0.024). Adam(ε = 0) on ReLU *does* reach its ℓ∞ KKT point here (κ 0.010) —
//! with β2 = 0.95, where the independent prototype checker (β2 = 0.999) saw no convergence.

use crate::common::*;
use implicit_bias::theorem_case::CaseOutcome;
use std::sync::Arc;

/// The final margin of `case` under `norm`.
fn margin(outs: &[Arc<CaseOutcome>], case: &str, norm: &str) -> f64 {
    let o = outs
        .iter()
        .find(|o| o.name == case)
        .unwrap_or_else(|| panic!("case {case}"));
    o.last()
        .and_then(|p| p.cert(norm))
        .map(|c| c.margin)
        .unwrap_or(f64::NAN)
}

/// Names of the cases of one activation (`"relu2"` / `"relu"`), sorted by their final margin
/// under `norm`, largest first.
fn ranking(outs: &[Arc<CaseOutcome>], act: &str, norm: &str) -> Vec<(String, f64)> {
    let prefix = format!("tl_{act}_");
    let mut v: Vec<(String, f64)> = outs
        .iter()
        .filter(|o| o.name.starts_with(&prefix))
        .map(|o| {
            let opt = o.name[prefix.len()..].trim_end_matches("_open").to_string();
            (opt, margin(outs, &o.name, norm))
        })
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v
}

#[test]
fn two_layer_nets_reach_their_own_kkt_points() {
    let cases = suite_cases("two_layer");
    let outs = run_cases(&cases);
    for o in &outs {
        println!("{}", describe(o));
    }
    println!("{}", verdict_matrix(&outs));
    assert_no_failures(&outs);

    // Margin orderings at the final θ ([M] Fig. 1 in miniature), per activation. Measured
    // (ReLU² / ReLU): largest ℓ2 margin NGD 0.0541 / 0.1356 (next non-ℓ2 method 0.030 / 0.0995);
    // top two ℓ∞ margins Adam(ε=0) and Signum 20.9, 10.3 / 8.30, 7.84 (next 6.97 / 2.34);
    // largest max-spectral margin Muon 0.983 / 0.565 (next 0.28 / 0.275); top two hybrid
    // margins Muon-Signum and Muon-Adam 2.86, 1.83 / 2.22, 2.19 (next Muon 0.98 / 0.57).
    for act in ["relu2", "relu"] {
        let l2 = ranking(&outs, act, "l2");
        assert!(
            l2[0].0 == "ngd" || l2[0].0 == "nmgd",
            "{act}: ℓ2 ranking {l2:?}"
        );
        assert!(
            l2[1].0 == "ngd" || l2[1].0 == "nmgd",
            "{act}: ℓ2 ranking {l2:?}"
        );
        let top2 = |r: &[(String, f64)]| -> Vec<String> {
            let mut t = vec![r[0].0.clone(), r[1].0.clone()];
            t.sort();
            t
        };
        let linf = ranking(&outs, act, "linf");
        assert_eq!(
            top2(&linf),
            ["adam_eps0", "signum"],
            "{act}: ℓ∞ ranking {linf:?}"
        );
        let msp = ranking(&outs, act, "max_spectral");
        assert_eq!(msp[0].0, "muon", "{act}: max-spectral ranking {msp:?}");
        let hy = ranking(&outs, act, "hybrid:1:1");
        assert_eq!(
            top2(&hy),
            ["muon_adam", "muon_signum"],
            "{act}: hybrid ranking {hy:?}"
        );
    }

    insta_settings().bind(|| {
        let rows: Vec<_> = outs.iter().map(|o| o.summary()).collect();
        insta::assert_yaml_snapshot!("theorems__two_layer", rows);
    });
}
