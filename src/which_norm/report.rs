//! The evidence of a `which-norm` run (one [`CaseEvidence`] per standard case, one [`Cell`]
//! per panel norm), the decision rule of the module docs of [`crate::which_norm`] applied to
//! it, and the resulting [`WhichNormReport`] with its plain-text table.

use crate::kkt::{same_norm_on, Certificate, Verdict};
use crate::norms::NormSpec;
use crate::numfmt::kappa_with_bound;
use crate::optim::Schedule;
use crate::params::Layout;
use serde::{Deserialize, Serialize};

/// A panel norm's result on one case.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cell {
    /// The norm's spec string.
    pub norm: String,
    /// The certificate (None: the norm does not fit this case's layout).
    pub certificate: Option<Certificate>,
}

impl Cell {
    /// `kkt`, `not_kkt`, `inconclusive` or `n/a`.
    pub fn verdict_str(&self) -> &'static str {
        self.certificate
            .as_ref()
            .map_or("n/a", |c| c.verdict.as_str())
    }
}

/// The evidence from one standard case.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseEvidence {
    /// Case name.
    pub case: String,
    /// Case description.
    pub description: String,
    /// The schedule used.
    pub schedule: Schedule,
    /// Steps taken.
    pub steps: u64,
    /// Why training stopped (`target_reached`, `max_steps`, …).
    pub stop: String,
    /// Final log10 L.
    pub final_log10_loss: f64,
    /// Training wall time (s).
    pub train_seconds: f64,
    /// Checker wall time for the whole panel (s).
    pub check_seconds: f64,
    /// One cell per panel norm, in panel order.
    pub cells: Vec<Cell>,
    /// Training or checker failure (then `cells` are all `n/a`).
    pub error: Option<String>,
}

/// Per-norm summary over the cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormStatus {
    /// `kkt` on every case where the norm applies.
    Named,
    /// `not_kkt` on at least one case.
    Rejected,
    /// Neither.
    Undecided,
}

/// One row of the summary: a panel norm, its status and its worst κ.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NormRow {
    /// Spec string.
    pub norm: String,
    /// Named / rejected / undecided.
    pub status: NormStatus,
    /// Cases where the norm applies.
    pub cases_applicable: usize,
    /// Largest achieved κ over the applicable cases (NaN if none).
    pub max_kappa: f64,
    /// Largest certified lower bound on κ over the applicable cases.
    pub max_kappa_lower_bound: f64,
    /// The largest τ_kkt over the applicable cases: at every τ ≥ this the norm is `kkt` on
    /// every case ([`Certificate::tau_kkt`]). `None` when some applicable certificate did not
    /// run the τ search or found no τ ≤ τ_max = 0.5 (see [`Self::tau_searched`]).
    #[serde(with = "crate::json_f64::option")]
    pub tau_kkt: Option<f64>,
    /// Whether every applicable certificate ran the τ search (then `tau_kkt = None` means
    /// some case is not `kkt` at any τ ≤ 0.5).
    pub tau_searched: bool,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "norms", rename_all = "snake_case")]
pub enum Answer {
    /// These norms are KKT on every case (more than one only when the certificates cannot
    /// tell them apart on these cases).
    Named(Vec<String>),
    /// No norm named, some undecided.
    Inconclusive,
    /// Every panel norm rejected.
    NoneOfPanel,
}

/// The answer at a relaxed τ ([`WhichNormReport::relaxed`]): the norm that is `kkt` on every
/// case at the smallest relaxation, and how far the next norm is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelaxedAnswer {
    /// The norm with the smallest [`NormRow::tau_kkt`].
    pub norm: String,
    /// Its τ_kkt: `kkt` on every case at every τ ≥ this.
    pub tau: f64,
    /// The next norm by τ_kkt among the searched ones, with its τ_kkt (`None`: no τ ≤ 0.5).
    #[serde(default)]
    pub runner_up: Option<(String, Option<f64>)>,
    /// Panel norms whose τ_kkt is unknown on some case (the search did not run there:
    /// `--tau-search on` runs it).
    pub not_searched: Vec<String>,
}

/// Result of [`crate::which_norm::which_norm`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WhichNormReport {
    /// The optimizer's name.
    pub optimizer: String,
    /// Panel spec strings.
    pub panel: Vec<String>,
    /// Evidence per case.
    pub cases: Vec<CaseEvidence>,
    /// Per-norm summary, in panel order.
    pub norms: Vec<NormRow>,
    /// The answer.
    pub answer: Answer,
    /// One or two sentences explaining the answer.
    pub explanation: String,
    /// When no norm is named at the configured τ: the norm that becomes `kkt` on every case
    /// at the smallest relaxation τ (module docs of [`crate::which_norm`]); `None` when a
    /// norm is named or no searched norm is `kkt` everywhere at any τ ≤ 0.5. A diagnostic,
    /// not an answer: it says how much relaxation the directions need, and by how much the
    /// next norm needs more.
    #[serde(default)]
    pub relaxed: Option<RelaxedAnswer>,
}

impl WhichNormReport {
    /// The named norms (empty unless [`Answer::Named`]).
    pub fn named(&self) -> Vec<String> {
        match &self.answer {
            Answer::Named(v) => v.clone(),
            _ => Vec::new(),
        }
    }

    /// The certificate of `norm` on `case`, if it was checked.
    pub fn cert(&self, case: &str, norm: &str) -> Option<&Certificate> {
        let c = self.cases.iter().find(|c| c.case == case)?;
        c.cells
            .iter()
            .find(|x| x.norm == norm)?
            .certificate
            .as_ref()
    }

    /// A plain-text table: one row per norm, one column per case with κ / lower bound /
    /// verdict, then the answer.
    pub fn table(&self) -> String {
        let mut s = format!("which-norm: {}\n", self.optimizer);
        for c in &self.cases {
            s.push_str(&format!(
                "  case {:<13} {} steps, log10 L = {:.1} ({}), schedule {}, train {:.1}s, check {:.1}s{}\n",
                c.case,
                c.steps,
                c.final_log10_loss,
                c.stop,
                schedule_str(&c.schedule),
                c.train_seconds,
                c.check_seconds,
                c.error.as_ref().map(|e| format!(", ERROR: {e}")).unwrap_or_default()
            ));
        }
        s.push_str(&format!("{:<13}", "norm"));
        for c in &self.cases {
            s.push_str(&format!(" {:>38}", c.case));
        }
        s.push_str("  status\n");
        for (i, row) in self.norms.iter().enumerate() {
            s.push_str(&format!("{:<13}", row.norm));
            for c in &self.cases {
                let cell = &c.cells[i];
                let txt = match &cell.certificate {
                    Some(k) => format!(
                        "{} {}{}",
                        kappa_with_bound(k.kappa, k.kappa_lower_bound),
                        k.verdict.as_str(),
                        match (&k.tau_search, k.tau_kkt) {
                            (None, _) => String::new(),
                            (Some(_), Some(t)) => format!(" τ{t:.1e}"),
                            (Some(_), None) => " τ>0.5".to_string(),
                        }
                    ),
                    None => "n/a".to_string(),
                };
                s.push_str(&format!(" {txt:>38}"));
            }
            s.push_str(&format!("  {:?}\n", row.status).to_lowercase());
        }
        s.push_str(
            "(cells: κ (certified lower bound) verdict, and τ_kkt — the smallest τ at which the \
             certificate is kkt — where the τ search ran)\n",
        );
        s.push_str(&format!("answer: {}\n", self.explanation));
        s
    }
}

/// `constant(0.1)` / `power(0.1, 0.7)`.
pub fn schedule_str(s: &Schedule) -> String {
    match s {
        Schedule::Constant { eta0 } => format!("η={eta0}"),
        Schedule::Power { eta0, decay } => format!("η={eta0}·t^-{decay}"),
    }
}

/// Apply the decision rule to the evidence (`layouts[i]` is case i's layout, used to tell
/// aliases apart).
pub(super) fn decide(
    optimizer: String,
    panel: &[NormSpec],
    cases: Vec<CaseEvidence>,
    layouts: &[Option<Layout>],
) -> WhichNormReport {
    let mut rows = Vec::new();
    for (i, n) in panel.iter().enumerate() {
        let certs: Vec<&Certificate> = cases
            .iter()
            .filter_map(|c| c.cells[i].certificate.as_ref())
            .collect();
        let any_error = cases.iter().any(|c| c.error.is_some());
        let status = if certs.iter().any(|c| c.verdict == Verdict::NotKkt) {
            NormStatus::Rejected
        } else if !certs.is_empty() && !any_error && certs.iter().all(|c| c.verdict == Verdict::Kkt)
        {
            NormStatus::Named
        } else {
            NormStatus::Undecided
        };
        rows.push(NormRow {
            norm: n.to_string(),
            status,
            cases_applicable: certs.len(),
            max_kappa: certs.iter().map(|c| c.kappa).fold(f64::NAN, f64::max),
            max_kappa_lower_bound: certs
                .iter()
                .map(|c| c.kappa_lower_bound)
                .fold(f64::NAN, f64::max),
            tau_kkt: if certs.is_empty() {
                None
            } else {
                certs
                    .iter()
                    .map(|c| c.tau_kkt)
                    .try_fold(0.0_f64, |m, t| t.map(|t| m.max(t)))
            },
            tau_searched: !certs.is_empty() && certs.iter().all(|c| c.tau_search.is_some()),
        });
    }
    let named: Vec<usize> = (0..panel.len())
        .filter(|&i| rows[i].status == NormStatus::Named)
        .collect();
    let (answer, explanation) = if !named.is_empty() {
        let names: Vec<String> = named.iter().map(|&i| rows[i].norm.clone()).collect();
        let mut expl = format!(
            "{} — KKT (κ ≤ κ_kkt) for every trained direction",
            names.join(", ")
        );
        if named.len() > 1 {
            // Are the named norms structurally identical wherever both apply?
            let alias = |a: usize, b: usize| {
                layouts.iter().zip(&cases).all(|(l, c)| {
                    match (&c.cells[a].certificate, &c.cells[b].certificate, l) {
                        (Some(_), Some(_), Some(l)) => same_norm_on(&panel[a], &panel[b], l),
                        _ => true,
                    }
                })
            };
            let all_alias = named.iter().all(|&a| named.iter().all(|&b| alias(a, b)));
            if all_alias {
                expl.push_str("; these norms coincide on every case where both apply, so no certificate here can tell them apart");
            } else {
                expl.push_str("; the certificates could not separate them on these cases");
            }
        }
        let rejected: Vec<&str> = rows
            .iter()
            .filter(|r| r.status == NormStatus::Rejected)
            .map(|r| r.norm.as_str())
            .collect();
        if !rejected.is_empty() {
            expl.push_str(&format!("; certified not KKT: {}", rejected.join(", ")));
        }
        (Answer::Named(names), expl)
    } else if rows.iter().any(|r| r.status == NormStatus::Undecided) {
        let best = rows
            .iter()
            .filter(|r| r.status == NormStatus::Undecided && r.max_kappa.is_finite())
            .min_by(|a, b| a.max_kappa.total_cmp(&b.max_kappa));
        (
            Answer::Inconclusive,
            format!(
                "inconclusive — no panel norm is KKT on every case{}",
                best.map(|b| format!(
                    "; closest: {} (largest κ {:.3e}{}); longer training may decide it",
                    b.norm,
                    b.max_kappa,
                    b.tau_kkt
                        .map(|t| format!(", kkt on every case from τ = {t:.2e}"))
                        .unwrap_or_default()
                ))
                .unwrap_or_default()
            ),
        )
    } else {
        (
            Answer::NoneOfPanel,
            "none of the panel — every candidate norm is certified not KKT on some case"
                .to_string(),
        )
    };
    let relaxed = match answer {
        Answer::Named(_) => None,
        _ => relaxed_answer(&rows),
    };
    let mut explanation = explanation;
    if let Some(r) = &relaxed {
        explanation.push_str(&format!(
            "; relaxed: {} is kkt on every case from τ = {:.2e}",
            r.norm, r.tau
        ));
        match &r.runner_up {
            Some((n, Some(t))) => explanation.push_str(&format!(" (next: {n} from τ = {t:.2e})")),
            Some((n, None)) => explanation.push_str(&format!(" (next: {n}, at no τ ≤ 0.5)")),
            None => {}
        }
        if !r.not_searched.is_empty() {
            explanation.push_str(&format!(
                "; τ not searched for {} (--tau-search on)",
                r.not_searched.join(", ")
            ));
        }
    }
    WhichNormReport {
        optimizer,
        panel: panel.iter().map(|n| n.to_string()).collect(),
        cases,
        norms: rows,
        answer,
        explanation,
        relaxed,
    }
}

/// The norm with the smallest τ_kkt over the rows whose search ran on every case, the
/// runner-up and the unsearched norms (`None` when no searched norm has a τ_kkt).
fn relaxed_answer(rows: &[NormRow]) -> Option<RelaxedAnswer> {
    let mut searched: Vec<&NormRow> = rows.iter().filter(|r| r.tau_searched).collect();
    // Ascending τ_kkt, `None` (no τ ≤ 0.5) last.
    searched.sort_by(|a, b| match (a.tau_kkt, b.tau_kkt) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let best = searched.first()?;
    let tau = best.tau_kkt?;
    Some(RelaxedAnswer {
        norm: best.norm.clone(),
        tau,
        runner_up: searched.get(1).map(|r| (r.norm.clone(), r.tau_kkt)),
        not_searched: rows
            .iter()
            .filter(|r| !r.tau_searched && r.cases_applicable > 0)
            .map(|r| r.norm.clone())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(norm: &str, tau_kkt: Option<f64>, searched: bool) -> NormRow {
        NormRow {
            norm: norm.into(),
            status: NormStatus::Rejected,
            cases_applicable: 2,
            max_kappa: 0.1,
            max_kappa_lower_bound: 0.1,
            tau_kkt,
            tau_searched: searched,
        }
    }

    #[test]
    fn the_relaxed_answer_is_the_smallest_searched_tau_and_names_the_rest() {
        let rows = [
            row("l1", None, true),
            row("l2", Some(0.01), false),
            row("lp:3", Some(0.07), true),
            row("linf", Some(0.036), true),
        ];
        let r = relaxed_answer(&rows).unwrap();
        assert_eq!(r.norm, "linf");
        assert_eq!(r.tau, 0.036);
        assert_eq!(r.runner_up, Some(("lp:3".into(), Some(0.07))));
        // l2's τ is unknown on some case: never the answer, listed as not searched.
        assert_eq!(r.not_searched, vec!["l2".to_string()]);
        // No searched norm is kkt at any τ ≤ 0.5: no relaxed answer.
        assert_eq!(
            relaxed_answer(&[row("l1", None, true), row("l2", Some(0.1), false)]),
            None
        );
    }
}
