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
//!   κ, largest κ and the verdict counts over the checked seeds;
//! * **expected orderings** — the `[report] expect_top` claims of the config (e.g. \[M\] Fig. 1:
//!   NGD has the largest ℓ2 margin), each marked as shown or not shown by these data;
//! * **directional convergence** — cosine of θ_t with the last iterate θ_T at normalized time
//!   t/T = 0.5 and 0.9 (\[M\] Fig. 1b);
//! * **schedule assumptions** — (LR-NSD)/(LR-MSD)/(LR-Adam) of \[M\] §2.3 per run;
//! * **wall times** and stop reasons;
//! * **figures** (SVG, in the directory itself) — `margin_<model>_<norm>.svg`
//!   (margin vs loss, log loss axis, one line per run with a 95% band, \[M\] Fig. 1a/2),
//!   `cosine_<model>.svg` (cosine to the last iterate vs t/T, \[M\] Fig. 1b) and, for AdaGrad
//!   runs, `adagrad_h_<model>.svg` (the direction of h∞^{−1/2} across seeds, \[A\] Fig. 2).
//!
//! # Files
//!
//! * `aggregate.rs` — the statistics over seeds ([`build`] → [`Report`] and its cells);
//! * `markdown.rs` — `report.md` ([`Report::markdown`]);
//! * `figures.rs` — the SVG figures ([`Report::render_figures`]);
//! * `compare.rs` — differences between two reports ([`compare`]);
//! * this file — writing a report and loading an experiment directory ([`write()`],
//!   [`load_dir`], [`regenerate`]).

mod aggregate;
mod compare;
mod figures;
mod markdown;

pub use aggregate::{build, Expectation, MarginCell, Report, RunSummary, Setting, VerdictCell};
pub use compare::{compare, Difference};

use crate::error::{Error, Result};
use crate::experiment::{read_runs, ExperimentConfig, RunRecord};
use std::path::Path;

/// Build and write `report.md`, `report.json` and the figures for `records` into `dir`.
pub fn write(dir: &Path, cfg: Option<&ExperimentConfig>, records: &[RunRecord]) -> Result<Report> {
    let mut rep = build(cfg, records)?;
    rep.render_figures(dir, records)?;
    let md = dir.join("report.md");
    crate::write_file::write_atomic(&md, rep.markdown().as_bytes())?;
    let js = dir.join("report.json");
    let text = serde_json::to_string_pretty(&rep).map_err(|e| Error::Json(e.to_string()))?;
    crate::write_file::write_atomic(&js, text.as_bytes())?;
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
    if !dir.join("runs").is_dir() {
        return Err(Error::Config(format!(
            "{} has no runs/ directory (not a result directory of `implicit-bias run`)",
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
    let labels: Vec<String> = cfg.runs.iter().map(|r| r.label_for(&cfg.train)).collect();
    let pos = |v: &[String], x: &str| v.iter().position(|y| y == x).unwrap_or(usize::MAX);
    records.sort_by_key(|r| (pos(&specs, &r.model), pos(&labels, &r.label), r.seed));
}

/// Regenerate the report of an experiment directory from its saved runs.
pub fn regenerate(dir: &Path) -> Result<Report> {
    let (cfg, records) = load_dir(dir)?;
    write(dir, cfg.as_ref(), &records)
}
