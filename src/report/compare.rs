//! `implicit-bias compare A B`: margin and verdict differences between two reports.

use super::aggregate::Report;
use serde::{Deserialize, Serialize};

/// One difference between two reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Difference {
    /// Model spec.
    pub model: String,
    /// Run label.
    pub label: String,
    /// Norm spec.
    pub norm: String,
    /// Mean margin in A (NaN if missing).
    pub margin_a: f64,
    /// Mean margin in B.
    pub margin_b: f64,
    /// (B − A)/|A|.
    pub relative_change: f64,
    /// Verdict in A (`-` if not checked).
    pub verdict_a: String,
    /// Verdict in B.
    pub verdict_b: String,
}

/// Margin and verdict differences between two reports, for every (model, run, norm) in
/// either; `tol` is the relative margin change below which a row counts as unchanged.
pub fn compare(a: &Report, b: &Report, tol: f64) -> (Vec<Difference>, Vec<Difference>) {
    let mut keys: Vec<(String, String, String)> = Vec::new();
    for c in a.margins.iter().chain(&b.margins) {
        let k = (c.model.clone(), c.label.clone(), c.norm.clone());
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    for c in a.verdicts.iter().chain(&b.verdicts) {
        let k = (c.model.clone(), c.label.clone(), c.norm.clone());
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let mut changed = Vec::new();
    let mut same = Vec::new();
    for (model, label, norm) in keys {
        let ma = a.margin(&model, &label, &norm).map_or(f64::NAN, |c| c.mean);
        let mb = b.margin(&model, &label, &norm).map_or(f64::NAN, |c| c.mean);
        let va = a
            .verdict(&model, &label, &norm)
            .map_or("-".to_string(), |v| v.verdict());
        let vb = b
            .verdict(&model, &label, &norm)
            .map_or("-".to_string(), |v| v.verdict());
        let rel = (mb - ma) / ma.abs();
        let d = Difference {
            model,
            label,
            norm,
            margin_a: ma,
            margin_b: mb,
            relative_change: rel,
            verdict_a: va.clone(),
            verdict_b: vb.clone(),
        };
        let margin_same = (ma.is_nan() && mb.is_nan()) || rel.abs() <= tol || ma == mb;
        if margin_same && va == vb {
            same.push(d);
        } else {
            changed.push(d);
        }
    }
    (changed, same)
}
