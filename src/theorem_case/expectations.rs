//! Evaluating a case's `[expect]` block against its outcome: one human-readable sentence
//! per violated expectation ([`TheoremCase::expectation_failures`]).
//!
//! Upper-bound statements ("own κ ≤ x") use the achieved gap `kappa`; lower-bound statements
//! ("other κ ≥ x", separation ratios, floors) use the certified `kappa_lower_bound` and skip
//! `coincident` norms (module docs of [`crate::theorem_case`]). A NaN fails every statement.

use super::run::CaseOutcome;
use super::schema::TheoremCase;
use crate::kkt::Certificate;

/// a ≥ b, false when either is NaN (so a NaN number fails every expectation).
fn ge(a: f64, b: f64) -> bool {
    a >= b
}

impl TheoremCase {
    /// Evaluate `[expect]` against an outcome (also checks separation and checker errors).
    pub fn expectation_failures(&self, o: &CaseOutcome) -> Vec<String> {
        let e = &self.expect;
        let mut f = Vec::new();
        let own = o.own.as_deref();
        if o.run.stop.is_failure() {
            f.push(format!("training failed: {:?}", o.run.stop));
        }
        if let Some(s) = &e.stop {
            if o.run.stop.as_str() != s {
                f.push(format!(
                    "stop reason {} (expected {s}) after {} steps, log L = {:.4e}",
                    o.run.stop.as_str(),
                    o.run.steps,
                    o.run.log_loss
                ));
            }
        }
        if let Some(want) = &e.implicit_norm {
            let got = o.run.implicit_norm.as_ref().map(|n| n.to_string());
            if got.as_deref() != Some(want.as_str()) {
                f.push(format!(
                    "the optimizer reports implicit norm {got:?}, expected `{want}`"
                ));
            }
        }
        if !o.run.trace.last().is_some_and(|p| p.q_min > 0.0) {
            f.push("the final θ does not separate the data".into());
        }
        for p in &o.points {
            if let Some(err) = &p.error {
                f.push(format!("checker error at {}: {err}", p.label));
            }
        }
        let Some(last) = o.points.last() else {
            f.push("no point was checked".into());
            return f;
        };
        // Verdicts.
        for (key, allowed) in &e.verdicts {
            let certs: Vec<&Certificate> = match key.as_str() {
                "own" => last.own.iter().collect(),
                "others" => last
                    .certificates
                    .iter()
                    .filter(|c| Some(c.norm.as_str()) != own)
                    .collect(),
                n => last.cert(n).into_iter().collect(),
            };
            if certs.is_empty() && key != "others" {
                f.push(format!("no certificate for `{key}` at {}", last.label));
            }
            for c in certs {
                if !allowed.contains(&c.verdict) {
                    f.push(format!(
                        "verdict for `{}` ({key}) is {} (κ = {:.3e}, lower bound {:.3e}); allowed {:?}",
                        c.norm, c.verdict, c.kappa, c.kappa_lower_bound, allowed
                    ));
                }
            }
        }
        let own_kappa = last.own.as_ref().map(|c| c.kappa);
        if let Some(mx) = e.max_own_kappa {
            match own_kappa {
                Some(k) if k <= mx => {}
                k => f.push(format!("own κ = {k:?} at {} exceeds {mx}", last.label)),
            }
        }
        if let Some(mn) = e.min_other_kappa {
            for c in last.others(own) {
                if !ge(c.kappa_lower_bound, mn) {
                    f.push(format!(
                        "`{}` certified κ lower bound {:.3e} < {mn} at {}",
                        c.norm, c.kappa_lower_bound, last.label
                    ));
                }
            }
        }
        if let Some(sep) = e.min_separation {
            match own_kappa {
                Some(k) => {
                    for c in last.others(own) {
                        let ratio = c.kappa_lower_bound / k;
                        if !ge(ratio, sep) {
                            f.push(format!(
                                "separation `{}` lower bound {:.3e} ÷ own κ {k:.3e} = {ratio:.3} < {sep}",
                                c.norm, c.kappa_lower_bound
                            ));
                        }
                    }
                }
                None => f.push("separation: no own certificate".into()),
            }
        }
        for (n, mn) in &e.min_margin_ratio {
            match o.margin_ratios.get(n) {
                Some(r) if *r >= *mn => {}
                r => f.push(format!("margin ratio γ_{n}/γ*_{n} = {r:?} < {mn}")),
            }
        }
        for (n, mx) in &e.max_margin_ratio {
            match o.margin_ratios.get(n) {
                Some(r) if *r <= *mx => {}
                r => f.push(format!("margin ratio γ_{n}/γ*_{n} = {r:?} > {mx}")),
            }
        }
        let kappas = o.own_kappas();
        if let Some(fac) = e.own_kappa_step_factor {
            for (i, w) in kappas.windows(2).enumerate() {
                if !ge(fac * w[0], w[1]) {
                    f.push(format!(
                        "own κ trend: {:.3e} at {} after {:.3e} at {} (allowed factor {fac})",
                        w[1],
                        o.points[i + 1].label,
                        w[0],
                        o.points[i].label
                    ));
                }
            }
        }
        if let Some(fac) = e.own_kappa_final_over_first {
            if kappas.len() < 2 {
                f.push("own κ trend needs at least two checked points".into());
            } else {
                let (a, b) = (kappas[0], kappas[kappas.len() - 1]);
                if !ge(fac * a, b) {
                    f.push(format!("own κ final {b:.3e} > {fac} × first {a:.3e}"));
                }
            }
        }
        if let Some(floor) = e.other_kappa_floor {
            for p in &o.points {
                for c in p.others(own) {
                    if !ge(c.kappa_lower_bound, floor) {
                        f.push(format!(
                            "`{}` lower bound {:.3e} below the floor {floor} at {}",
                            c.norm, c.kappa_lower_bound, p.label
                        ));
                    }
                }
            }
        }
        f
    }
}
