//! Rounded, serializable summaries of case outcomes for the snapshots of the theorem suite
//! (`snapshots/theorems__*.snap`, insta YAML).
//!
//! A snapshot records what the theory is about — verdicts — and numbers only as coarsely as
//! they are stable, so that a harmless change of the linear algebra (1e-14 rounding, which
//! the LPs and polar factors amplify to the 2nd–3rd digit of κ) does not re-accept them:
//!
//! | field | format | example |
//! |---|---|---|
//! | `verdict` | the checker's verdict | `kkt` |
//! | `log10_kappa`, `log10_kappa_lb`, `log10_eps_rel` | log10 of κ, of its certified lower bound and of ε_rel, one decimal ([`log10_1_floor`]); below 10⁻⁶ (solver noise at these sizes) `"<-6"` | `"-2.3"` |
//! | `margin`, `margin_ratios` | 3 significant digits ([`sig3`]): margins are trained quantities and do not move with the checker's rounding | `"9.83e-1"` |
//! | `steps`, `stop` | exact | `200000`, `max_steps` |
//! | `final_log10_loss`, `log10_loss` | log10 L, 3 significant digits | `"-1.00e3"` |
//! | `tau_kkt` (certificates that ran the τ search: the final θ's, where it is cheap) | 2 significant digits; `"0"` when `kkt` at τ = 0, `">5.0e-1"` when no τ ≤ τ_max is | `"3.6e-2"` |
//! | `kink_flip` (models with kinks) | the largest kink tolerance of 10⁻⁹…10⁻¹ at which the final own verdict flips, or `"none"` | `"1e-5"` |
//!
//! A tenth of a decade is a factor 1.26, so κ that jitters by a few per cent keeps its string
//! except next to a rounding boundary; a verdict change always shows.

use super::run::{CaseOutcome, CasePoint};
use crate::kkt::{Certificate, Verdict};
use crate::numfmt::{log10_1_floor, sig3};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

impl CaseOutcome {
    /// A rounded, serializable summary for snapshots (format: module docs of
    /// `theorem_case/summary.rs`).
    pub fn summary(&self) -> CaseSummary {
        CaseSummary {
            case: self.name.clone(),
            optimizer: self.optimizer.clone(),
            own: self.own.clone(),
            steps: self.run.steps,
            stop: self.run.stop.as_str().to_string(),
            final_log10_loss: sig3(self.final_log10_loss()),
            margin_ratios: self
                .margin_ratios
                .iter()
                .map(|(k, v)| (k.clone(), sig3(*v)))
                .collect(),
            points: self.points.iter().map(PointSummary::from_point).collect(),
            kink_flip: self.kink_scan.as_ref().map(|k| match k.flip {
                Some(t) => format!("1e{}", t.log10().round()),
                None => "none".into(),
            }),
        }
    }
}

/// κ-like numbers (gaps, lower bounds, residuals) below this print as `"<-6"`.
pub const KAPPA_FLOOR: f64 = 1e-6;

/// Rounded per-norm numbers of one certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NormSummary {
    /// Verdict.
    pub verdict: Verdict,
    /// γ_N(θ), 3 significant digits.
    pub margin: String,
    /// log10 κ (achieved gap), one decimal.
    pub log10_kappa: String,
    /// log10 of the certified lower bound on κ, one decimal.
    pub log10_kappa_lb: String,
    /// log10 ε_rel (ε_rel = ‖r‖₂/N), one decimal.
    pub log10_eps_rel: String,
    /// The smallest τ at which the certificate is `kkt`, 2 significant digits (`None`: the
    /// τ search did not run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tau_kkt: Option<String>,
}

/// Rounded summary of one checked point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointSummary {
    /// Label of the point.
    pub at: String,
    /// Step.
    pub step: u64,
    /// log10 L.
    pub log10_loss: String,
    /// Per checked norm (and `own:<spec>` when the own norm is not among them).
    pub norms: BTreeMap<String, NormSummary>,
    /// Checker error, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl PointSummary {
    fn from_point(p: &CasePoint) -> PointSummary {
        let mut norms: BTreeMap<String, NormSummary> = p
            .certificates
            .iter()
            .map(|c| (c.norm.clone(), NormSummary::from_cert(c)))
            .collect();
        if let Some(o) = &p.own {
            if !norms.contains_key(&o.norm) {
                norms.insert(format!("own:{}", o.norm), NormSummary::from_cert(o));
            }
        }
        PointSummary {
            at: p.label.clone(),
            step: p.step,
            log10_loss: sig3(p.log_loss / std::f64::consts::LN_10),
            norms,
            error: p.error.clone(),
        }
    }
}

impl NormSummary {
    /// Round one certificate.
    pub fn from_cert(c: &Certificate) -> NormSummary {
        NormSummary {
            verdict: c.verdict,
            margin: sig3(c.margin),
            log10_kappa: log10_1_floor(c.kappa, KAPPA_FLOOR),
            log10_kappa_lb: log10_1_floor(c.kappa_lower_bound, KAPPA_FLOOR),
            log10_eps_rel: log10_1_floor(c.eps_rel, KAPPA_FLOOR),
            tau_kkt: c.tau_search.as_ref().map(|_| match c.tau_kkt {
                Some(0.0) => "0".into(),
                Some(t) => format!("{t:.1e}"),
                None => format!(">{:.1e}", crate::kkt::TAU_MAX),
            }),
        }
    }
}

/// Rounded summary of a case (one snapshot row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseSummary {
    /// Case name.
    pub case: String,
    /// Optimizer.
    pub optimizer: String,
    /// Own norm.
    pub own: Option<String>,
    /// Steps.
    pub steps: u64,
    /// Stop reason.
    pub stop: String,
    /// Final log10 L.
    pub final_log10_loss: String,
    /// γ_N(θ_T)/γ*_N (linear models).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub margin_ratios: BTreeMap<String, String>,
    /// Checked points.
    pub points: Vec<PointSummary>,
    /// The largest kink tolerance at which the final own verdict flips (models with kinks;
    /// `"none"`: no flip on 10⁻⁹…10⁻¹).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kink_flip: Option<String>,
}
