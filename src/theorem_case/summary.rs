//! Rounded, serializable summaries of case outcomes for the snapshots of the theorem suite.

use super::run::{CaseOutcome, CasePoint};
use crate::kkt::{Certificate, Verdict};
use crate::numfmt::{sig3, sig3_floor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

impl CaseOutcome {
    /// A rounded, serializable summary for snapshots (3 significant digits; κ and its
    /// bound below 10⁻⁶ print as `<1e-6`, which is solver noise at these sizes).
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
        }
    }
}

/// Rounded per-norm numbers of one certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NormSummary {
    /// γ_N(θ).
    pub margin: String,
    /// κ (achieved).
    pub kappa: String,
    /// Certified lower bound on κ.
    pub kappa_lb: String,
    /// ε_rel = ‖r‖₂/N.
    pub eps_rel: String,
    /// Verdict.
    pub verdict: Verdict,
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
            margin: sig3(c.margin),
            kappa: sig3_floor(c.kappa, 1e-6),
            kappa_lb: sig3_floor(c.kappa_lower_bound, 1e-6),
            eps_rel: sig3_floor(c.eps_rel, 1e-6),
            verdict: c.verdict,
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
}
