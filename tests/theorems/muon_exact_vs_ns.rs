//! # Muon: exact orthogonalization vs Newton–Schulz
//!
//! **[M] Cor. 3.4**: "If θ = (W_1, …, W_K) is a collection of matrices and Muon is run on each
//! matrix simultaneously with the same schedule η(t), then Muon is a case of normalized
//! momentum steepest descent with ‖·‖ = ‖·‖_msp, and the statement of Theorem 3.3 holds."
//! The corollary needs the *exact* polar factor U Vᵀ of the momentum. Practical Muon uses five
//! Newton–Schulz iterations, whose output has singular values spread over ≈ [0.7, 1.2]: it is
//! not steepest descent for ‖·‖_msp, and nothing guarantees its limit is a max-spectral KKT
//! point (a public reproduction reports ≈ 0.92 vs ≈ 0.998 of the spectral optimum on a linear
//! multiclass model).
//!
//! Setting where the spectral norm matters: the two-layer nets of the two-layer suite (rank-4
//! labels), ReLU² and ReLU, same data, initialization, schedule and budget for both variants
//! (exact: the two-layer suite's `tl_relu2_muon` / `tl_relu_muon`, shared through the test
//! binary's cache; Newton–Schulz: `fixtures/cases/muon_ns_{relu2,relu}.toml`). There is no
//! exact reference for a net, so the margin ratio is taken against the exact run:
//! γ_msp(NS)/γ_msp(exact).

use crate::common::*;
use implicit_bias::numfmt::sig3;
use std::collections::BTreeMap;

/// Thresholds (measured ReLU² / ReLU):
/// * γ_msp(NS)/γ_msp(exact) ≤ 0.9 (measured 0.72 / 0.82): the exact variant reaches a clearly
///   larger max-spectral margin;
/// * the exact run is a max-spectral KKT point (κ ≤ 0.02, case files) and the NS run is
///   certified not to be one (lower bound ≥ κ_not = 0.03; measured 0.079 / 0.155), and its
///   lower bound exceeds the exact run's κ by ≥ 5× (measured ≥ 10×).
#[test]
fn exact_muon_beats_newton_schulz_on_the_max_spectral_margin() {
    let mut cases = suite_cases("muon_exact_vs_ns");
    cases.push(case("tl_relu2_muon"));
    cases.push(case("tl_relu_muon"));
    let outs = run_cases(&cases);
    for o in &outs {
        println!("{}", describe(o));
    }
    assert_no_failures(&outs);
    let cert = |name: &str| {
        outs.iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("case {name}"))
            .last()
            .and_then(|p| p.cert("max_spectral"))
            .cloned()
            .unwrap()
    };
    let mut table = BTreeMap::new();
    for act in ["relu2", "relu"] {
        let ex = cert(&format!("tl_{act}_muon"));
        let ns = cert(&format!("muon_ns_{act}"));
        let ratio = ns.margin / ex.margin;
        println!(
            "{act}: γ_msp exact {:.4e} (κ {:.2e}), NS {:.4e} (κ {:.2e}, lb {:.2e}); ratio {ratio:.3}",
            ex.margin, ex.kappa, ns.margin, ns.kappa, ns.kappa_lower_bound
        );
        assert!(
            ratio <= 0.9,
            "{act}: NS reaches {ratio:.3} of the exact max-spectral margin"
        );
        assert!(
            ns.kappa_lower_bound >= 5.0 * ex.kappa,
            "{act}: NS lower bound {:.3e} vs exact κ {:.3e}",
            ns.kappa_lower_bound,
            ex.kappa
        );
        table.insert(act, BTreeMap::from([("ns_over_exact_margin", sig3(ratio))]));
    }
    insta_settings().bind(|| {
        let rows: Vec<_> = outs.iter().map(|o| o.summary()).collect();
        insta::assert_yaml_snapshot!("theorems__muon_exact_vs_ns", (table, rows));
    });
}
