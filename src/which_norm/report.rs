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
            s.push_str(&format!(" {:>30}", c.case));
        }
        s.push_str("  status\n");
        for (i, row) in self.norms.iter().enumerate() {
            s.push_str(&format!("{:<13}", row.norm));
            for c in &self.cases {
                let cell = &c.cells[i];
                let txt = match &cell.certificate {
                    Some(k) => format!(
                        "{} {}",
                        kappa_with_bound(k.kappa, k.kappa_lower_bound),
                        k.verdict.as_str()
                    ),
                    None => "n/a".to_string(),
                };
                s.push_str(&format!(" {txt:>30}"));
            }
            s.push_str(&format!("  {:?}\n", row.status).to_lowercase());
        }
        s.push_str("(cells: κ (certified lower bound) verdict)\n");
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
                    "; closest: {} (largest κ {:.3e}); longer training may decide it",
                    b.norm, b.max_kappa
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
    WhichNormReport {
        optimizer,
        panel: panel.iter().map(|n| n.to_string()).collect(),
        cases,
        norms: rows,
        answer,
        explanation,
    }
}
