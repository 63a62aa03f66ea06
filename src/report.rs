//! Experiment reports: `report.md`, `report.json` and SVG figures from the saved runs of an
//! experiment directory (`implicit-bias run` writes them at the end; `implicit-bias report
//! DIR` regenerates them from `DIR/runs/*.json` and `DIR/config.toml`; `implicit-bias compare
//! A B` diffs two directories).
//!
//! Contents (grouped by model spec, then run label; statistics over seeds):
//!
//! * **setting** — data, model(s), loss, stopping rule, seeds, norms;
//! * **margins** — final normalized hard margin γ_N(θ_T) = min_i y_i f(x_i; θ_T)/N(θ_T)^L per
//!   norm: mean ± 95% confidence half-width (Student t over seeds, [`crate::plots::mean_ci95`]);
//!   the best mean per (model, norm) in bold;
//! * **KKT verdicts** — per (run, checked norm): mean ε_rel, smallest certified lower bound on
//!   κ, largest κ and the verdict counts over the checked seeds (DESIGN §4);
//! * **expected orderings** — the `[report] expect_top` claims of the config (e.g. [M] Fig. 1:
//!   NGD has the largest ℓ2 margin), each marked as shown or not shown by these data;
//! * **directional convergence** — cosine of θ_t with the last iterate θ_T at normalized time
//!   t/T = 0.5 and 0.9 ([M] Fig. 1b);
//! * **schedule assumptions** — (LR-NSD)/(LR-MSD)/(LR-Adam) of [M] §2.3 per run;
//! * **wall times** and stop reasons;
//! * **figures** (SVG, in the directory itself as DESIGN §6 says) — `margin_<model>_<norm>.svg`
//!   (margin vs loss, log loss axis, one line per run with a 95% band, [M] Fig. 1a/2),
//!   `cosine_<model>.svg` (cosine to the last iterate vs t/T, [M] Fig. 1b) and, for AdaGrad
//!   runs, `adagrad_h_<model>.svg` (the direction of h∞^{−1/2} across seeds, [A] Fig. 2).

use crate::error::{Error, Result};
use crate::experiment::{read_runs, ExperimentConfig, RunRecord};
use crate::numfmt::num;
use crate::plots::{aggregate_series, mean_ci95, LineChart, ScatterChart, XAxis};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

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
fn order(records: &[RunRecord]) -> (Vec<String>, Vec<String>) {
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

fn short_model(model: &str) -> String {
    model
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
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

    /// The Markdown report.
    pub fn markdown(&self) -> String {
        let s = &self.setting;
        let mut o = String::new();
        o.push_str(&format!(
            "# {}\n\n",
            s.title
                .clone()
                .unwrap_or_else(|| "Experiment report".into())
        ));
        o.push_str("## Setting\n\n");
        o.push_str(&format!(
            "- data: `{}` (m = {}, d = {})\n",
            s.data, s.m, s.d
        ));
        o.push_str(&format!(
            "- models: {}\n",
            s.models
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        o.push_str(&format!("- loss: {}", s.loss));
        if let Some(t) = s.target_log_loss {
            o.push_str(&format!(
                ", target L ≤ 1e{:.1}",
                t / std::f64::consts::LN_10
            ));
        }
        if let Some(ms) = s.max_steps {
            o.push_str(&format!(", at most {ms} steps"));
        }
        o.push('\n');
        o.push_str(&format!(
            "- seeds: {:?} ({} completed runs)\n- margins: γ_N(θ) = min_i y_i f(x_i; θ) / N(θ)^L, mean ± 95% CI over the seeds whose final θ separates the data (Student t); **bold** = largest mean per model and norm\n\n",
            s.seeds, s.runs
        ));
        for model in &s.models {
            o.push_str(&format!("## Margins — `{model}`\n\n| run | seeds |"));
            for n in &s.norms {
                o.push_str(&format!(" γ[{n}] |"));
            }
            o.push_str(" stop | log10 L | separated |\n|---|---|");
            for _ in &s.norms {
                o.push_str("---|");
            }
            o.push_str("---|---|---|\n");
            for r in self.runs.iter().filter(|r| &r.model == model) {
                o.push_str(&format!("| {} | {} |", r.label, r.n));
                for n in &s.norms {
                    let c = self.margin(model, &r.label, n);
                    let txt = match c {
                        Some(c) if c.n > 1 => format!("{} ± {}", num(c.mean), num(c.ci95)),
                        Some(c) => num(c.mean),
                        None => "–".into(),
                    };
                    if c.is_some_and(|c| c.best) {
                        o.push_str(&format!(" **{txt}** |"));
                    } else {
                        o.push_str(&format!(" {txt} |"));
                    }
                }
                let stops: Vec<String> = r.stops.iter().map(|(k, v)| format!("{k} ×{v}")).collect();
                o.push_str(&format!(
                    " {} | {} | {}/{} |\n",
                    stops.join(", "),
                    num(r.final_log10_loss_mean),
                    r.separated,
                    r.n
                ));
            }
            o.push('\n');
        }
        if !self.expectations.is_empty() {
            o.push_str("## Expected orderings\n\n| model | norm | expected largest | measured largest | shown |\n|---|---|---|---|---|\n");
            for e in &self.expectations {
                let actual: Vec<String> = e
                    .actual
                    .iter()
                    .map(|(l, v)| format!("{l} ({})", num(*v)))
                    .collect();
                o.push_str(&format!(
                    "| `{}` | {} | {} | {} | {} |\n",
                    e.model,
                    e.norm,
                    e.expected.join(", "),
                    actual.join(", "),
                    if e.holds { "yes" } else { "**no**" }
                ));
            }
            o.push('\n');
        }
        if !self.verdicts.is_empty() {
            o.push_str("## KKT verdicts of the final directions\n\nEach cell: mean ε_rel / smallest certified lower bound on κ / verdict (counts over the checked seeds; own = the optimizer's implicit norm, marked ★). κ_kkt and κ_not are the checker's thresholds (DESIGN §4).\n\n");
            let mut norms: Vec<String> = Vec::new();
            for v in &self.verdicts {
                if !norms.contains(&v.norm) {
                    norms.push(v.norm.clone());
                }
            }
            for model in &s.models {
                if !self.verdicts.iter().any(|v| &v.model == model) {
                    continue;
                }
                o.push_str(&format!("`{model}`\n\n| run |"));
                for n in &norms {
                    o.push_str(&format!(" {n} |"));
                }
                o.push_str("\n|---|");
                for _ in &norms {
                    o.push_str("---|");
                }
                o.push('\n');
                for r in self.runs.iter().filter(|r| &r.model == model) {
                    o.push_str(&format!("| {} |", r.label));
                    for n in &norms {
                        match self.verdict(model, &r.label, n) {
                            Some(v) => {
                                let counts: Vec<String> = v
                                    .verdicts
                                    .iter()
                                    .map(|(k, c)| format!("{k} {c}/{}", v.n))
                                    .collect();
                                o.push_str(&format!(
                                    " {}{} / {} / {} |",
                                    if v.own { "★ " } else { "" },
                                    num(v.eps_rel_mean),
                                    num(v.kappa_lower_bound_min),
                                    counts.join(", ")
                                ));
                            }
                            None => o.push_str(" – |"),
                        }
                    }
                    o.push('\n');
                }
                o.push('\n');
            }
        }
        o.push_str("## Directional convergence, schedules, wall times\n\n| model | run | implicit norm | cos(θ_t, θ_T) at t/T = 0.5 | at 0.9 | test acc. | schedule assumption | holds | mean steps | wall / run (s) |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for r in &self.runs {
            o.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.model,
                r.label,
                r.implicit_norm.clone().unwrap_or_else(|| "–".into()),
                num(r.cosine_half),
                num(r.cosine_90),
                r.test_accuracy.map(num).unwrap_or_else(|| "–".into()),
                r.schedule.0,
                if r.schedule.1 { "yes" } else { "**no**" },
                num(r.steps_mean),
                num(r.wall_mean)
            ));
        }
        let total: f64 = self.runs.iter().map(|r| r.wall_total).sum();
        o.push_str(&format!(
            "\nTotal training + checking time over all runs: {} s (summed over runs; the grid runs them in parallel).\n\n",
            num(total)
        ));
        if self.runs.iter().any(|r| !r.schedule.1) {
            o.push_str("Schedule details where the assumption fails:\n\n");
            for r in self.runs.iter().filter(|r| !r.schedule.1) {
                o.push_str(&format!(
                    "- {} (`{}`): {}\n",
                    r.label, r.model, r.schedule.2
                ));
            }
            o.push('\n');
        }
        if !self.figures.is_empty() {
            o.push_str("## Figures\n\n");
            for f in &self.figures {
                o.push_str(&format!("![{f}]({f})\n\n"));
            }
        }
        o
    }

    /// Render the figures into `dir/figures/` and record their paths.
    pub fn render_figures(&mut self, dir: &Path, records: &[RunRecord]) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut figs = Vec::new();
        let (models, labels) = order(records);
        for model in &models {
            let tag = short_model(model);
            for (ni, norm) in self.setting.norms.iter().enumerate() {
                let mut series = Vec::new();
                for label in &labels {
                    let curves: Vec<Vec<(f64, f64)>> = records
                        .iter()
                        .filter(|r| &r.model == model && &r.label == label)
                        .map(|r| {
                            let mut c: Vec<(f64, f64)> = r
                                .trace
                                .iter()
                                .filter_map(|p| {
                                    let y = *p.margins.get(ni)?;
                                    (p.log10_loss.is_finite() && y.is_finite() && y > 0.0)
                                        .then_some((p.log10_loss, y))
                                })
                                .collect();
                            c.sort_by(|a, b| a.0.total_cmp(&b.0));
                            c.dedup_by(|a, b| a.0 == b.0);
                            c
                        })
                        .filter(|c| c.len() >= 2)
                        .collect();
                    if !curves.is_empty() {
                        series.push(aggregate_series(label, &curves, 60));
                    }
                }
                if series.is_empty() {
                    continue;
                }
                let chart = LineChart {
                    title: format!("normalized {norm} margin vs loss — {model}"),
                    x_label: "training loss L (log scale)".into(),
                    y_label: format!("γ[{norm}] = min_i y_i f(x_i; θ) / ‖θ‖^L"),
                    x_axis: XAxis::Log10Values,
                    // Margins of different optimizers differ by orders of magnitude under
                    // one norm (e.g. ℓ∞: Signum ≈ 5, NGD ≈ 0.03), so the y axis is log too.
                    y_log: true,
                    series,
                };
                let name = format!("margin_{tag}_{}.svg", short_model(norm));
                crate::plots::write_line_chart(&chart, &dir.join(&name))?;
                figs.push(name);
            }
            let mut series = Vec::new();
            for label in &labels {
                let curves: Vec<Vec<(f64, f64)>> = records
                    .iter()
                    .filter(|r| &r.model == model && &r.label == label)
                    .map(|r| {
                        let t_end = r.steps.max(1) as f64;
                        r.cosine_to_last
                            .iter()
                            .filter(|(_, c)| c.is_finite())
                            .map(|(t, c)| (*t as f64 / t_end, *c))
                            .collect::<Vec<_>>()
                    })
                    .filter(|c| c.len() >= 2)
                    .collect();
                if !curves.is_empty() {
                    series.push(aggregate_series(label, &curves, 60));
                }
            }
            if !series.is_empty() {
                let chart = LineChart {
                    title: format!("cosine similarity to the last iterate — {model}"),
                    x_label: "normalized time t / T".into(),
                    y_label: "cos(θ_t, θ_T)".into(),
                    x_axis: XAxis::Linear,
                    y_log: false,
                    series,
                };
                let name = format!("cosine_{tag}.svg");
                crate::plots::write_line_chart(&chart, &dir.join(&name))?;
                figs.push(name);
            }
            let mut groups = Vec::new();
            for label in &labels {
                let hs: Vec<Vec<f64>> = records
                    .iter()
                    .filter(|r| &r.model == model && &r.label == label)
                    .filter_map(|r| r.adagrad_h_inv_sqrt.clone())
                    .filter(|h| h.len() >= 2)
                    .collect();
                if hs.is_empty() {
                    continue;
                }
                // Each h∞^{−1/2} is normalized to unit ℓ2 norm over all p coordinates, then
                // its first two coordinates are plotted (inside the unit circle when p > 2).
                // A zero or non-finite h (impossible for ε > 0) has no direction: no point.
                let pts = crate::plots::project_directions(
                    &hs,
                    &crate::plots::Projection::Coordinates(0, 1),
                )
                .unwrap_or_default();
                if !pts.is_empty() {
                    groups.push((label.clone(), pts));
                }
            }
            if !groups.is_empty() {
                let chart = ScatterChart {
                    title: format!("direction of h∞^(-1/2) across seeds — {model}"),
                    x_label: "coordinate 0 of h∞^(-1/2) / ‖h∞^(-1/2)‖₂".into(),
                    y_label: "coordinate 1 of h∞^(-1/2) / ‖h∞^(-1/2)‖₂".into(),
                    groups,
                    unit_circle: true,
                };
                let name = format!("adagrad_h_{tag}.svg");
                crate::plots::write_scatter(&chart, &dir.join(&name))?;
                figs.push(name);
            }
        }
        self.figures = figs;
        Ok(())
    }
}

/// Build and write `report.md`, `report.json` and the figures for `records` into `dir`.
pub fn write(dir: &Path, cfg: Option<&ExperimentConfig>, records: &[RunRecord]) -> Result<Report> {
    let mut rep = build(cfg, records)?;
    rep.render_figures(dir, records)?;
    let md = dir.join("report.md");
    std::fs::write(&md, rep.markdown()).map_err(|e| Error::io(&md, e))?;
    let js = dir.join("report.json");
    let text = serde_json::to_string_pretty(&rep).map_err(|e| Error::Json(e.to_string()))?;
    std::fs::write(&js, text).map_err(|e| Error::io(&js, e))?;
    Ok(rep)
}

/// Load the runs (and `config.toml`, if present) of an experiment directory.
pub fn load_dir(dir: &Path) -> Result<(Option<ExperimentConfig>, Vec<RunRecord>)> {
    if !dir.is_dir() {
        return Err(Error::Config(format!(
            "{} is not a directory with experiment results",
            dir.display()
        )));
    }
    let cfg_path = dir.join("config.toml");
    let cfg = if cfg_path.is_file() {
        Some(ExperimentConfig::load(&cfg_path)?)
    } else {
        None
    };
    let mut records = read_runs(dir)?;
    if let Some(c) = &cfg {
        sort_like_config(c, &mut records);
    }
    if records.is_empty() {
        return Err(Error::Config(format!(
            "{} has no runs/*.json",
            dir.display()
        )));
    }
    Ok((cfg, records))
}

/// Put records in the grid order of `cfg` (model spec, run, seed), as `run` wrote them, so
/// a regenerated report lists models and runs in the same order. Records the config does not
/// know keep their relative order at the end.
pub fn sort_like_config(cfg: &ExperimentConfig, records: &mut [RunRecord]) {
    let specs: Vec<String> = cfg
        .model
        .all_specs()
        .iter()
        .map(|s| {
            crate::models::ModelSpec::parse(s)
                .map(|m| m.to_string())
                .unwrap_or_else(|_| s.clone())
        })
        .collect();
    let labels: Vec<String> = cfg.runs.iter().map(|r| r.label()).collect();
    let pos = |v: &[String], x: &str| v.iter().position(|y| y == x).unwrap_or(usize::MAX);
    records.sort_by_key(|r| (pos(&specs, &r.model), pos(&labels, &r.label), r.seed));
}

/// Regenerate the report of an experiment directory from its saved runs.
pub fn regenerate(dir: &Path) -> Result<Report> {
    let (cfg, records) = load_dir(dir)?;
    write(dir, cfg.as_ref(), &records)
}

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
