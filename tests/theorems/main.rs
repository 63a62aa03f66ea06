//! # Theorem regression suite
//!
//! Every implicit-bias theorem of the three papers ([M], [F], [A]; see `src/lib.rs`) as a
//! test module whose doc comment quotes the theorem and whose assertions fail if an optimizer,
//! a norm, a model or the KKT checker regresses:
//!
//! | module | theorem |
//! |---|---|
//! | [`linear_steepest`] | [F] Thm 3.4, [M] Thm 3.2/3.3/3.6 with L = 1, against exact max-margin references |
//! | [`adam_regimes`] | [M] Thm 3.6 (ε = 0 → ℓ∞) vs [A] Thm 7 (ε > 0 → ℓ2): the switch in one trace |
//! | [`adagrad_weighted`] | [A] Thm 6, §6.2: AdaGrad's norm depends on the initialization, RMSProp's does not |
//! | [`adaptive_a`] | [A] Thm 6, 7, 8 exactly (RMSProp, Adam (w/m), AdaGrad without momentum): certified other norms, own κ at a logarithmic rate, AdaGrad's weighted optimum far from ℓ2 |
//! | [`two_layer`] | [M] Thm 3.3, Cor. 3.4, 3.5, Thm 3.6, 3.7, [F] §4.3 on two-layer ReLU² / ReLU nets |
//! | [`soft_margin_monotone`] | [F] Thm 3.1, [M] Thm 3.1: the soft margin never decreases |
//! | [`kappa_rates`] | how fast the own κ falls (no paper reports it): fitted rates, trend asserted |
//! | [`muon_exact_vs_ns`] | [M] Cor. 3.4 needs exact orthogonalization: Newton–Schulz falls short |
//! | [`multiclass`] | [M] Thm 3.2, 3.3, Cor. 3.4, Thm 3.6 on the m(C−1) pair margins of 4-class linear and two-layer models |
//!
//! Cases are data: `fixtures/cases/*.toml`, one run per file (format:
//! `implicit_bias::theorem_case`), with the thresholds and what they were calibrated on in
//! comments. A case with `suite = "extra"` is run by [`extra_cases_meet_their_expectations`]
//! without any Rust. Snapshots (insta, YAML, numbers rounded to 3 significant digits) live in
//! the top-level `snapshots/`; pass/fail lives in the assertions.
//!
//! To look at a case (or calibrate a new one):
//! `CASE=fixtures/cases/x.toml cargo test --release --test theorems -- --ignored run_case --nocapture`
//! (several paths separated by `:` run on both cores; `TRACE=1` also prints the traces).

mod adagrad_weighted;
mod adam_regimes;
mod adaptive_a;
mod common;
mod kappa_rates;
mod linear_steepest;
mod multiclass;
mod muon_exact_vs_ns;
mod soft_margin_monotone;
mod two_layer;

use implicit_bias::theorem_case::TheoremCase;
use std::collections::BTreeSet;

/// The suites, i.e. the values `suite` may take in a case file.
/// (The soft-margin suite has no cases of its own: it checks every normalized-steepest-descent
/// case of the other suites.)
const SUITES: [&str; 8] = [
    "linear_steepest",
    "adam_regimes",
    "adagrad_weighted",
    "adaptive_a",
    "two_layer",
    "muon_exact_vs_ns",
    "multiclass",
    "extra",
];

/// Every case file parses (unknown keys are errors), names a known suite — a typo would
/// silently drop the case from every test — and every suite but `extra` has cases.
#[test]
fn every_case_file_parses_and_belongs_to_a_suite() {
    let cases = common::all_cases();
    let mut seen = BTreeSet::new();
    for c in &cases {
        assert!(
            SUITES.contains(&c.suite.as_str()),
            "case `{}` names unknown suite `{}` (known: {SUITES:?})",
            c.name,
            c.suite
        );
        assert!(
            seen.insert(c.name.clone()),
            "duplicate case name `{}`",
            c.name
        );
        assert!(
            !c.theorem.trim().is_empty(),
            "case `{}` cites no theorem",
            c.name
        );
    }
    for s in SUITES.iter().filter(|s| **s != "extra") {
        assert!(
            cases.iter().any(|c| c.suite == *s),
            "suite `{s}` has no cases"
        );
    }
    // A broken file is a clear error, not a panic.
    let err = TheoremCase::parse("suite = 1", "bad", std::path::Path::new(".")).unwrap_err();
    assert!(err.to_string().contains("bad"), "{err}");
}

/// User-added cases (`suite = "extra"`): each must meet the expectations in its own file.
#[test]
fn extra_cases_meet_their_expectations() {
    let cases: Vec<TheoremCase> = common::all_cases()
        .into_iter()
        .filter(|c| c.suite == "extra")
        .collect();
    let outs = common::run_cases(&cases);
    for o in &outs {
        println!("{}", common::describe(o));
    }
    common::assert_no_failures(&outs);
}

/// Run the case files named by `CASE` (paths separated by `:`) on both cores and print their
/// tables (`TRACE=1` also prints the traces). A calibration tool, not a test.
#[test]
#[ignore]
fn run_case() {
    let paths = std::env::var("CASE").expect("set CASE=<path to a case file>[:<path>…]");
    let cases: Vec<TheoremCase> = paths
        .split(':')
        .map(|p| TheoremCase::load(std::path::Path::new(p)).unwrap())
        .collect();
    let t = std::time::Instant::now();
    let outs = common::par_map(&cases, |c| {
        let t = std::time::Instant::now();
        (c.run().unwrap(), t.elapsed().as_secs_f64())
    });
    for (o, secs) in &outs {
        println!("{}  (case total {secs:.2}s)", common::describe(o));
        if std::env::var("TRACE").is_ok() {
            for p in &o.run.trace {
                println!(
                    "  trace step {:>8} log10L {:>10.2} margins {:?} soft {:?} align {:?}",
                    p.step,
                    p.log10_loss,
                    p.margins
                        .iter()
                        .map(|v| format!("{v:.4e}"))
                        .collect::<Vec<_>>(),
                    p.soft_margins
                        .iter()
                        .map(|v| format!("{v:.4e}"))
                        .collect::<Vec<_>>(),
                    p.alignment
                );
            }
        }
    }
    println!("total {:.2}s", t.elapsed().as_secs_f64());
}
