//! # How fast κ → 0
//!
//! None of the papers reports a rate for the KKT gap. For every case the own κ at the loss
//! checkpoints and the final θ is fitted by least squares in log–log coordinates against the
//! loss level and against the step:
//!
//! κ ≈ c·(log 1/L)^{−p_L},  κ ≈ c'·t^{−p_t},
//!
//! over the checked points with κ above the checker's noise floor (`KAPPA_FLOOR`). The table
//! (printed with `--nocapture`, snapshot `theorems__kappa_rates`, and in the README) is the
//! measured answer; the assertion is the trend the theorems imply for every case inside its
//! theorem's assumptions: the own κ at the final θ is below the own κ at the first checked
//! point (p_L > 0). Cases marked `outside` are listed but not asserted (their theorem does
//! not apply), and so are cases whose first checked κ is already at the noise floor.
//!
//! Two more columns are recorded, not asserted: **τ_kkt** of the own certificate at the final
//! θ (the smallest τ at which it is `kkt`, `kkt::tau_search`; "–" where the `auto` search is
//! skipped as too expensive — smooth norms on the nets — and ">5.0e-1" where no τ ≤ τ_max is
//! `kkt`), and for models with kinks the **kink flip**: the largest kink tolerance of
//! 10⁻⁹…10⁻¹ at which the final own verdict differs from the one at the configured 10⁻⁶
//! (`kkt::kink_tol_flip`; "none" when it never does).

use crate::common::*;
use implicit_bias::theorem_case::{CaseOutcome, KAPPA_FLOOR};
use std::collections::BTreeMap;

/// Least-squares slope of y against x (`common::affine`'s b).
fn slope(pts: &[(f64, f64)]) -> f64 {
    let (xs, ys): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
    affine(&xs, &ys).1
}

/// (p_L, p_t) of a case's own κ, or None with fewer than two usable points.
pub fn rates(o: &CaseOutcome) -> Option<(f64, f64)> {
    let pts: Vec<(f64, f64, f64)> = o
        .points
        .iter()
        .filter_map(|p| {
            let k = p.own.as_ref()?.kappa;
            (k > KAPPA_FLOOR && p.log_loss < 0.0 && p.step > 0)
                .then(|| ((-p.log_loss).ln(), (p.step as f64).ln(), k.ln()))
        })
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let pl = -slope(&pts.iter().map(|p| (p.0, p.2)).collect::<Vec<_>>());
    let pt = -slope(&pts.iter().map(|p| (p.1, p.2)).collect::<Vec<_>>());
    Some((pl, pt))
}

#[test]
fn own_kappa_falls_inside_the_assumptions_and_its_rate_is_recorded() {
    let cases = all_cases();
    let outs = run_cases(&cases);
    let mut table: BTreeMap<String, BTreeMap<&str, String>> = BTreeMap::new();
    let mut md = String::from(
        "| case | theorem | optimizer | model | own | κ first → final | p_L | p_t | τ_kkt (final) | kink flip |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut bad = Vec::new();
    for o in &outs {
        let ks: Vec<f64> = o.own_kappas();
        let (Some(first), Some(last)) = (ks.first(), ks.last()) else {
            continue;
        };
        let r = rates(o);
        let fmt = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "–".into());
        let mark = if o.outside.is_some() {
            " (outside)"
        } else {
            ""
        };
        let summary = o.summary();
        let own_tau = summary.points.last().and_then(|p| {
            let own = o.own.as_deref()?;
            p.norms
                .get(own)
                .or_else(|| p.norms.get(&format!("own:{own}")))?
                .tau_kkt
                .clone()
        });
        let kink = summary.kink_flip.clone();
        md.push_str(&format!(
            "| {}{mark} | {} | {} | {} | {} | {:.1e} → {:.1e} | {} | {} | {} | {} |\n",
            o.name,
            o.theorem_id,
            o.optimizer,
            o.model,
            o.own.clone().unwrap_or_default(),
            first,
            last,
            fmt(r.map(|r| r.0)),
            fmt(r.map(|r| r.1)),
            own_tau.clone().unwrap_or_else(|| "–".into()),
            kink.clone().unwrap_or_else(|| "–".into()),
        ));
        let mut row = BTreeMap::new();
        row.insert("theorem", o.theorem_id.to_string());
        row.insert("outside", o.outside.is_some().to_string());
        row.insert("kappa_first", log_kappa(*first));
        row.insert("kappa_final", log_kappa(*last));
        row.insert("p_log_loss", format!("{:.1}", r.map_or(f64::NAN, |r| r.0)));
        if let Some(t) = own_tau {
            row.insert("tau_kkt", t);
        }
        if let Some(k) = kink {
            row.insert("kink_flip", k);
        }
        table.insert(o.name.clone(), row);
        if o.outside.is_none()
            && *first > KAPPA_FLOOR
            && last.partial_cmp(first) != Some(std::cmp::Ordering::Less)
        {
            bad.push(format!(
                "{}: own κ {first:.3e} at the first checked point → {last:.3e} at the final θ \
                 (not falling)",
                o.name
            ));
        }
    }
    println!("{md}");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    insta_settings().bind(|| insta::assert_yaml_snapshot!("theorems__kappa_rates", table));
}
