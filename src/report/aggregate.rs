//! The report's numbers: statistics over seeds per (model, run, norm) — margins with 95%
//! confidence intervals, KKT verdict counts, the `[report] expect_top` claims, cosines to the
//! last iterate, schedules and wall times ([`build`] → [`Report`]).

use crate::error::{Error, Result};
use crate::experiment::{ExperimentConfig, RunRecord};
use crate::plots::mean_ci95;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The experiment's setting, as far as the runs and config tell.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Setting {
    /// Title of the config, if any.
    pub title: Option<String>,
    /// Data description (path or generator, as JSON).
    pub data: String,
    /// Samples.
    pub m: usize,
    /// Input dimension.
    pub d: usize,
    /// Model specs, in order.
    pub models: Vec<String>,
    /// Loss.
    pub loss: String,
    /// Natural-log target loss, if any.
    pub target_log_loss: Option<f64>,
    /// Step cap.
    pub max_steps: Option<u64>,
    /// Seeds seen.
    pub seeds: Vec<u64>,
    /// Traced norms.
    pub norms: Vec<String>,
    /// Number of completed runs.
    pub runs: usize,
}

/// Margin statistics of one (model, run, norm).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MarginCell {
    /// Model spec.
    pub model: String,
    /// Run label.
    pub label: String,
    /// Norm spec.
    pub norm: String,
    /// Mean over seeds of γ_N(θ_T).
    pub mean: f64,
    /// 95% CI half-width (NaN for one seed).
    pub ci95: f64,
    /// Seeds whose final θ separates the data (the statistics use only these).
    pub n: usize,
    /// Largest mean for this (model, norm).
    pub best: bool,
}

/// KKT statistics of one (model, run, checked norm).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerdictCell {
    /// Model spec.
    pub model: String,
    /// Run label.
    pub label: String,
    /// Norm spec.
    pub norm: String,
    /// Whether this is the optimizer's own (implicit) norm.
    pub own: bool,
    /// Seeds checked.
    pub n: usize,
    /// Mean ε_rel.
    pub eps_rel_mean: f64,
    /// Largest achieved κ.
    pub kappa_max: f64,
    /// Smallest certified lower bound on κ.
    pub kappa_lower_bound_min: f64,
    /// Largest τ_kkt ([`crate::kkt::Certificate::tau_kkt`]: the smallest τ at which the
    /// certificate is `kkt`) over the seeds whose certificate ran the τ search; +∞ when one
    /// of them is not `kkt` even at τ_max; `None` when none ran it (older records included).
    #[serde(default, with = "crate::json_f64::option")]
    pub tau_kkt_max: Option<f64>,
    /// Verdict counts (`kkt`, `not_kkt`, `inconclusive`, `coincident`).
    pub verdicts: BTreeMap<String, usize>,
}

impl VerdictCell {
    /// `kkt`, `not_kkt`, … when all seeds agree, else `mixed`.
    pub fn verdict(&self) -> String {
        if self.verdicts.len() == 1 {
            self.verdicts.keys().next().cloned().unwrap_or_default()
        } else {
            "mixed".into()
        }
    }
}

/// One `[report] expect_top` claim evaluated for one model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Expectation {
    /// Model spec.
    pub model: String,
    /// Norm spec.
    pub norm: String,
    /// Labels expected to have the largest mean margins.
    pub expected: Vec<String>,
    /// The actual top labels (as many as expected) with their mean margins.
    pub actual: Vec<(String, f64)>,
    /// Whether the sets agree.
    pub holds: bool,
}

/// Per (model, run) summary: stops, cosine to the last iterate, test accuracy, wall time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSummary {
    /// Model spec.
    pub model: String,
    /// Run label.
    pub label: String,
    /// Optimizer type tag.
    pub optimizer: String,
    /// The optimizer's implicit norm per theory (first seed), if any.
    pub implicit_norm: Option<String>,
    /// Seeds.
    pub n: usize,
    /// Seeds whose final θ separates the data.
    pub separated: usize,
    /// Stop reasons with counts.
    pub stops: BTreeMap<String, usize>,
    /// Mean steps.
    pub steps_mean: f64,
    /// Mean final log10 L.
    pub final_log10_loss_mean: f64,
    /// Mean cosine to the last iterate at t/T = 0.5.
    pub cosine_half: f64,
    /// Mean cosine to the last iterate at t/T = 0.9.
    pub cosine_90: f64,
    /// Mean test accuracy (if a test set was given).
    pub test_accuracy: Option<f64>,
    /// Schedule assumption, whether it holds, detail (first seed).
    pub schedule: (String, bool, String),
    /// Mean wall time per run, seconds.
    pub wall_mean: f64,
    /// Sum of wall times, seconds.
    pub wall_total: f64,
}

/// A whole report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// The setting.
    pub setting: Setting,
    /// Per (model, run).
    pub runs: Vec<RunSummary>,
    /// Margins.
    pub margins: Vec<MarginCell>,
    /// KKT verdicts.
    pub verdicts: Vec<VerdictCell>,
    /// Expected orderings.
    pub expectations: Vec<Expectation>,
    /// Figure files, relative to the directory.
    pub figures: Vec<String>,
}

fn mean(v: &[f64]) -> f64 {
    let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if f.is_empty() {
        f64::NAN
    } else {
        f.iter().sum::<f64>() / f.len() as f64
    }
}

/// Models and labels in first-seen order.
pub(super) fn order(records: &[RunRecord]) -> (Vec<String>, Vec<String>) {
    let mut models = Vec::new();
    let mut labels = Vec::new();
    for r in records {
        if !models.contains(&r.model) {
            models.push(r.model.clone());
        }
        if !labels.contains(&r.label) {
            labels.push(r.label.clone());
        }
    }
    (models, labels)
}

/// cos(θ_t, θ_T) at normalized time `frac` (linear interpolation in t/T).
fn cosine_at(rec: &RunRecord, frac: f64) -> f64 {
    let t_end = rec.steps.max(1) as f64;
    let pts: Vec<(f64, f64)> = rec
        .cosine_to_last
        .iter()
        .map(|(t, c)| (*t as f64 / t_end, *c))
        .filter(|(_, c)| c.is_finite())
        .collect();
    crate::plots::interpolate(&pts, &[frac])
        .first()
        .copied()
        .flatten()
        .unwrap_or(f64::NAN)
}

/// Build the report from completed runs (`cfg`: the experiment config, for the setting and
/// the expected orderings; optional).
pub fn build(cfg: Option<&ExperimentConfig>, records: &[RunRecord]) -> Result<Report> {
    let first = records
        .first()
        .ok_or_else(|| Error::Config("no completed runs to report on".into()))?;
    let (models, labels) = order(records);
    let mut seeds: Vec<u64> = records.iter().map(|r| r.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    let setting = Setting {
        title: cfg.and_then(|c| c.title.clone()),
        data: serde_json::to_string(&first.data).unwrap_or_default(),
        m: first.m,
        d: first.d,
        models: models.clone(),
        loss: format!("{:?}", first.loss).to_lowercase(),
        target_log_loss: cfg.and_then(|c| c.target_log_loss()),
        max_steps: cfg.map(|c| c.train.max_steps),
        seeds,
        norms: first.trace_norms.clone(),
        runs: records.len(),
    };
    let group = |model: &str, label: &str| -> Vec<&RunRecord> {
        records
            .iter()
            .filter(|r| r.model == model && r.label == label)
            .collect()
    };
    let mut runs = Vec::new();
    let mut margins = Vec::new();
    let mut verdicts = Vec::new();
    for model in &models {
        for label in &labels {
            let g = group(model, label);
            let Some(r0) = g.first() else { continue };
            let mut stops = BTreeMap::new();
            for r in &g {
                *stops.entry(r.stop.as_str().to_string()).or_insert(0) += 1;
            }
            let tests: Vec<f64> = g.iter().filter_map(|r| r.test_accuracy).collect();
            let walls: Vec<f64> = g.iter().map(|r| r.wall_seconds).collect();
            runs.push(RunSummary {
                model: model.clone(),
                label: label.clone(),
                optimizer: r0.optimizer.name(),
                implicit_norm: r0.implicit_norm.clone(),
                n: g.len(),
                separated: g.iter().filter(|r| r.separated).count(),
                stops,
                steps_mean: mean(&g.iter().map(|r| r.steps as f64).collect::<Vec<_>>()),
                final_log10_loss_mean: mean(
                    &g.iter().map(|r| r.final_log10_loss).collect::<Vec<_>>(),
                ),
                cosine_half: mean(&g.iter().map(|r| cosine_at(r, 0.5)).collect::<Vec<_>>()),
                cosine_90: mean(&g.iter().map(|r| cosine_at(r, 0.9)).collect::<Vec<_>>()),
                test_accuracy: (!tests.is_empty()).then(|| mean(&tests)),
                schedule: (
                    r0.schedule_check.assumption.clone(),
                    r0.schedule_check.holds,
                    r0.schedule_check.detail.clone(),
                ),
                wall_mean: mean(&walls),
                wall_total: walls.iter().sum(),
            });
            for norm in &setting.norms {
                // Only runs that separate the data have a meaningful margin.
                let vals: Vec<f64> = g
                    .iter()
                    .filter(|r| r.separated)
                    .filter_map(|r| r.margins.get(norm).copied())
                    .collect();
                let (m, ci) = mean_ci95(&vals);
                margins.push(MarginCell {
                    model: model.clone(),
                    label: label.clone(),
                    norm: norm.clone(),
                    mean: m,
                    ci95: ci,
                    n: vals.len(),
                    best: false,
                });
            }
            let mut checked: Vec<String> = Vec::new();
            for r in &g {
                for n in r.check.keys() {
                    if !checked.contains(n) {
                        checked.push(n.clone());
                    }
                }
            }
            for norm in checked {
                let certs: Vec<&crate::kkt::Certificate> =
                    g.iter().filter_map(|r| r.check.get(&norm)).collect();
                let mut counts = BTreeMap::new();
                for c in &certs {
                    *counts.entry(c.verdict.as_str().to_string()).or_insert(0) += 1;
                }
                verdicts.push(VerdictCell {
                    model: model.clone(),
                    label: label.clone(),
                    own: r0.implicit_norm.as_deref() == Some(norm.as_str()),
                    norm: norm.clone(),
                    n: certs.len(),
                    eps_rel_mean: mean(&certs.iter().map(|c| c.eps_rel).collect::<Vec<_>>()),
                    kappa_max: certs.iter().map(|c| c.kappa).fold(f64::NAN, f64::max),
                    kappa_lower_bound_min: certs
                        .iter()
                        .map(|c| c.kappa_lower_bound)
                        .fold(f64::NAN, f64::min),
                    tau_kkt_max: certs
                        .iter()
                        .filter(|c| c.tau_search.is_some())
                        .map(|c| c.tau_kkt.unwrap_or(f64::INFINITY))
                        .reduce(f64::max),
                    verdicts: counts,
                });
            }
        }
    }
    // Best mean per (model, norm).
    for model in &models {
        for norm in &setting.norms {
            let best = margins
                .iter()
                .filter(|c| &c.model == model && &c.norm == norm && c.mean.is_finite())
                .map(|c| c.mean)
                .fold(f64::NEG_INFINITY, f64::max);
            for c in margins
                .iter_mut()
                .filter(|c| &c.model == model && &c.norm == norm)
            {
                c.best = c.mean == best;
            }
        }
    }
    let mut expectations = Vec::new();
    if let Some(cfg) = cfg {
        for model in &models {
            for (norm, expected) in &cfg.report.expect_top {
                let mut cells: Vec<(String, f64)> = margins
                    .iter()
                    .filter(|c| &c.model == model && &c.norm == norm && c.mean.is_finite())
                    .map(|c| (c.label.clone(), c.mean))
                    .collect();
                cells.sort_by(|a, b| b.1.total_cmp(&a.1));
                cells.truncate(expected.len());
                let mut a: Vec<&String> = cells.iter().map(|c| &c.0).collect();
                let mut e: Vec<&String> = expected.iter().collect();
                a.sort();
                e.sort();
                expectations.push(Expectation {
                    model: model.clone(),
                    norm: norm.clone(),
                    expected: expected.clone(),
                    holds: a == e && cells.len() == expected.len(),
                    actual: cells,
                });
            }
        }
    }
    Ok(Report {
        setting,
        runs,
        margins,
        verdicts,
        expectations,
        figures: Vec::new(),
    })
}

impl Report {
    /// The margin cell of (model, label, norm).
    pub fn margin(&self, model: &str, label: &str, norm: &str) -> Option<&MarginCell> {
        self.margins
            .iter()
            .find(|c| c.model == model && c.label == label && c.norm == norm)
    }

    /// The verdict cell of (model, label, norm).
    pub fn verdict(&self, model: &str, label: &str, norm: &str) -> Option<&VerdictCell> {
        self.verdicts
            .iter()
            .find(|c| c.model == model && c.label == label && c.norm == norm)
    }
}
