//! The multiclass `maxmargin` (ℓ1, Frobenius ℓ2, entrywise ℓ∞ through Kesler's construction)
//! against an independent convex solver: `scripts/check_multiclass_maxmargin.py` solves the
//! same problems with cvxpy + Clarabel written directly in W ∈ ℝ^{C×d} (no lift), in two
//! formulations (max γ s.t. pair margins ≥ γ, N(W) ≤ 1; and min ½N(W)² s.t. pair margins ≥ 1),
//! and stores the datasets (`fixtures/maxmargin_multiclass/*.csv`) with its γ* values
//! (`reference.json`). The test needs no Python.
//!
//! Tolerance 1e-8 relative: our answers are certified to a duality gap ≤ 1e-9; the two cvxpy
//! formulations agree to ≤ 2.2e-10 (measured on these datasets, worst `c3_d40_m15` ℓ2), so
//! the reference is good to about that. Measured |Δγ*|/γ* ≤ 7.8e-11 (worst: `c10_d20_m100`, ℓ1).

use implicit_bias::data::load_csv_with;
use implicit_bias::maxmargin::{max_margin, MaxMarginNorm};
use std::path::Path;

#[test]
fn multiclass_maxmargin_agrees_with_cvxpy() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/maxmargin_multiclass");
    let text = std::fs::read_to_string(dir.join("reference.json")).unwrap();
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    let sets = reference.as_object().unwrap();
    assert!(sets.len() >= 5, "reference datasets: {}", sets.len());
    let mut worst = 0.0f64;
    for (name, r) in sets {
        let classes = r["classes"].as_u64().unwrap() as usize;
        let data = load_csv_with(dir.join(format!("{name}.csv")), Some(classes)).unwrap();
        assert_eq!(data.classes, classes, "{name}");
        assert_eq!(data.m(), r["m"].as_u64().unwrap() as usize, "{name}");
        for norm in [MaxMarginNorm::L1, MaxMarginNorm::L2, MaxMarginNorm::Linf] {
            let want = r[norm.name()]["gamma"].as_f64().unwrap();
            let got = max_margin(&data, norm).unwrap_or_else(|e| panic!("{name} {norm:?}: {e}"));
            let rel = (got.margin - want).abs() / want;
            println!(
                "{name:<14} {:<4} γ* = {:.12e}  cvxpy {:.12e}  rel diff {rel:.1e}  (support {} pairs)",
                norm.name(),
                got.margin,
                want,
                got.support.len()
            );
            assert!(
                rel <= 1e-8,
                "{name} {}: {} vs cvxpy {want}",
                norm.name(),
                got.margin
            );
            worst = worst.max(rel);
        }
    }
    println!("worst relative difference {worst:.1e}");
}
