//! The experiment config schema: the sections of an experiment TOML file (module docs of
//! [`crate::experiment`] show the format), parsing with errors that name the key, and the
//! semantic checks beyond the schema ([`ExperimentConfig::validate`]).

use crate::data::DataConfig;
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::models::{Init, ModelSpec};
use crate::norms::NormSpec;
use crate::optim::{OptimizerConfig, Schedule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// `[model]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Model spec string (see [`ModelSpec`]); or give several in `specs`.
    #[serde(default)]
    pub spec: String,
    /// Several model specs (e.g. the same net with ReLU and ReLU²): every run × seed is
    /// trained on each. Use either `spec` or `specs`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub specs: Vec<String>,
    /// Initialization (default Kaiming-normal × 0.01, \[M\] App. D).
    #[serde(default)]
    pub init: Init,
}

impl ModelConfig {
    /// The model specs of the grid (`specs`, or the single `spec`).
    pub fn all_specs(&self) -> Vec<String> {
        if self.specs.is_empty() {
            vec![self.spec.clone()]
        } else {
            self.specs.clone()
        }
    }
}

fn default_max_steps() -> u64 {
    100_000
}
fn default_per_decade() -> u32 {
    20
}
fn default_seeds() -> Vec<u64> {
    vec![0]
}

/// `[train]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSection {
    /// `"exponential"` (default) or `"logistic"`.
    #[serde(default)]
    pub loss: Loss,
    /// Stop at L ≤ target_loss (plain value, > 0).
    #[serde(default)]
    pub target_loss: Option<f64>,
    /// Stop at log L ≤ target_log_loss (natural log), for targets below 1e-308.
    #[serde(default)]
    pub target_log_loss: Option<f64>,
    /// Step cap per run.
    #[serde(default = "default_max_steps")]
    pub max_steps: u64,
    /// Wall-clock cap per run, seconds.
    #[serde(default)]
    pub time_limit_secs: Option<f64>,
    /// Seeds (each run is repeated per seed; the seed drives the initialization).
    #[serde(default = "default_seeds")]
    pub seeds: Vec<u64>,
    /// Norms to trace margins under (written as spec strings, e.g. `"l2"`, `"hybrid:1:1"`).
    #[serde(default)]
    pub norms: Vec<NormSpec>,
    /// Trace points per decade of steps.
    #[serde(default = "default_per_decade")]
    pub trace_per_decade: u32,
    /// Mini-batch size b for every run (absent: full batch). The sampler is seeded by the
    /// run's seed (`crate::minibatch`); default labels gain `_b<b>` and `gd` becomes `sgd`.
    #[serde(default)]
    pub batch_size: Option<usize>,
}

/// `[check]` section: the KKT checker on every final θ. Optional; by default
/// every traced norm is checked with the checker's default tolerances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSection {
    /// Run the checker on the final θ of every run.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Norms to check (spec strings; default: the traced norms `[train].norms`).
    #[serde(default)]
    pub norms: Option<Vec<NormSpec>>,
    /// Check only the runs with these seeds (default: every seed). The checker costs seconds
    /// to a minute per norm at m ≈ 500, p ≈ 4 000, so large grids check a subset.
    #[serde(default)]
    pub seeds: Option<Vec<u64>>,
    /// Checker configuration (τ, kink tolerance, κ thresholds, backend, …); fields not given
    /// keep their defaults (see `kkt::CheckConfig`).
    #[serde(default)]
    pub config: crate::kkt::CheckConfig,
}

fn default_true() -> bool {
    true
}

impl Default for CheckSection {
    fn default() -> Self {
        CheckSection {
            enabled: true,
            norms: None,
            seeds: None,
            config: crate::kkt::CheckConfig::default(),
        }
    }
}

/// One `[[runs]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Label used in file names and tables (default: the optimizer name).
    #[serde(default)]
    pub label: Option<String>,
    /// The optimizer.
    pub optimizer: OptimizerConfig,
    /// The learning-rate schedule.
    pub schedule: Schedule,
    /// Per-model overrides of `schedule` (model spec → schedule), for grids over several
    /// model specs whose step sizes differ (e.g. ReLU vs ReLU² nets).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub schedules: BTreeMap<String, Schedule>,
    /// Mini-batch size of this run, overriding `[train] batch_size` (e.g. one SGD run next
    /// to full-batch ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<usize>,
}

impl RunConfig {
    /// The schedule for model spec `spec`.
    pub fn schedule_for(&self, spec: &str) -> Schedule {
        self.schedules.get(spec).copied().unwrap_or(self.schedule)
    }

    /// The label (explicit or the optimizer's name) of a full-batch run.
    pub fn label(&self) -> String {
        self.label_with_batch(None)
    }

    /// The run's mini-batch size: its own `batch_size`, else `[train] batch_size`.
    pub fn batch(&self, train: &TrainSection) -> Option<usize> {
        self.batch_size.or(train.batch_size)
    }

    /// The run's label in an experiment with `train` ([`Self::label_with_batch`] of
    /// [`Self::batch`]).
    pub fn label_for(&self, train: &TrainSection) -> String {
        self.label_with_batch(self.batch(train))
    }

    /// The label of the run with mini-batch size `batch` (`[train] batch_size`): an explicit
    /// label as given; otherwise the optimizer's name, with `gd` named `sgd` and the suffix
    /// `_b<b>` when batching (e.g. `sgd_b32`, `ngd_b32`).
    pub fn label_with_batch(&self, batch: Option<usize>) -> String {
        if let Some(l) = &self.label {
            return l.clone();
        }
        let name = self.optimizer.name();
        match batch {
            None => name,
            Some(b) if name == "gd" => format!("sgd_b{b}"),
            Some(b) => format!("{name}_b{b}"),
        }
    }
}

/// `[report]` section: what the report should test about the results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSection {
    /// Expected orderings from the paper: norm spec → the run labels expected to have the
    /// largest mean margins under that norm (the top-k labels, k = list length, must be
    /// exactly these, in any order), checked per model. E.g.
    /// `expect_top = { l2 = ["ngd"], linf = ["signum", "adam"], max_spectral = ["muon"] }`.
    /// The report states for each whether the data show it, with the numbers.
    #[serde(default)]
    pub expect_top: BTreeMap<String, Vec<String>>,
}

/// A whole experiment file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig {
    /// Optional title.
    #[serde(default)]
    pub title: Option<String>,
    /// Data.
    pub data: DataConfig,
    /// Model.
    pub model: ModelConfig,
    /// Training settings shared by all runs.
    pub train: TrainSection,
    /// KKT checks of the final directions.
    #[serde(default)]
    pub check: CheckSection,
    /// Report expectations.
    #[serde(default)]
    pub report: ReportSection,
    /// The runs.
    pub runs: Vec<RunConfig>,
}

impl ExperimentConfig {
    /// Parse TOML text; errors name the offending key/line.
    pub fn parse(text: &str) -> Result<Self> {
        let cfg: ExperimentConfig =
            toml::from_str(text).map_err(|e| Error::Config(format!("TOML: {e}")))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Read and parse a file. A relative `[model] init = { type = "file", path = … }` is
    /// taken relative to the file's directory, like the data paths.
    pub fn load(path: &Path) -> Result<Self> {
        let text = crate::read_file::read_text(path, "config file")?;
        let mut cfg = Self::parse(&text).map_err(|e| match e {
            Error::Config(msg) => Error::Config(format!("{}: {msg}", path.display())),
            other => other,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        cfg.model.init = cfg.model.init.relative_to(base);
        Ok(cfg)
    }

    /// Semantic checks beyond the TOML schema.
    pub fn validate(&self) -> Result<()> {
        if self.runs.is_empty() {
            return Err(Error::Config("no [[runs]] given".into()));
        }
        if self.train.seeds.is_empty() {
            return Err(Error::Config("[train]: seeds must not be empty".into()));
        }
        if self.model.spec.is_empty() == self.model.specs.is_empty() {
            return Err(Error::Config(
                "[model]: give exactly one of `spec` (a string) or `specs` (a list)".into(),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for sp in self.model.all_specs() {
            ModelSpec::parse(&sp)?;
            if !seen.insert(sp.clone()) {
                return Err(Error::Config(format!("[model]: duplicate spec `{sp}`")));
            }
        }
        for n in self.report.expect_top.keys() {
            NormSpec::parse(n)?;
        }
        self.check.config.validate()?;
        self.validate_train()?;
        let mut labels = std::collections::BTreeSet::new();
        for r in &self.runs {
            r.optimizer.build()?;
            r.schedule.validate()?;
            let specs = self.model.all_specs();
            for (sp, sch) in &r.schedules {
                sch.validate()?;
                if !specs.contains(sp) {
                    return Err(Error::Config(format!(
                        "run `{}`: `schedules` names model `{sp}`, which is not in [model]",
                        r.label_for(&self.train)
                    )));
                }
            }
            let l = r.label_for(&self.train);
            check_label(&l)?;
            if !labels.insert(l.clone()) {
                return Err(Error::Config(format!("duplicate run label `{l}`")));
            }
        }
        for (n, labels) in &self.report.expect_top {
            for l in labels {
                if !self.runs.iter().any(|r| &r.label_for(&self.train) == l) {
                    return Err(Error::Config(format!(
                        "[report] expect_top.{n}: no run labelled `{l}`"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The `[train]` checks: a step cap ≥ 1, a time limit that is finite and > 0, distinct
    /// seeds, and a target that lies below ℓ(0) — the loss of one sample at margin 0 (1 for
    /// the exponential loss, ln 2 for the logistic) — so that reaching it implies every
    /// margin is positive (L = Σ ℓ(q_i) < ℓ(0) ⇒ ℓ(q_i) < ℓ(0) ⇒ q_i > 0): a run that stops at
    /// a higher loss has not entered the regime any implicit-bias theorem is about (and a
    /// target above L(θ0), such as `target_loss = 1e9`, stops every run at step 0).
    fn validate_train(&self) -> Result<()> {
        let t = &self.train;
        if t.max_steps == 0 {
            return Err(Error::Config(
                "[train]: max_steps must be ≥ 1 (0 would train nothing)".into(),
            ));
        }
        if let Some(s) = t.time_limit_secs {
            if !(s > 0.0 && s.is_finite()) {
                return Err(Error::Config(format!(
                    "[train]: time_limit_secs must be finite and > 0, got {s}"
                )));
            }
        }
        if t.target_loss.is_some() && t.target_log_loss.is_some() {
            return Err(Error::Config(
                "[train]: give target_loss or target_log_loss, not both".into(),
            ));
        }
        if let Some(v) = t.target_loss {
            if !(v > 0.0 && v.is_finite()) {
                return Err(Error::Config(format!(
                    "[train]: target_loss must be finite and > 0, got {v}"
                )));
            }
        }
        if let Some(v) = t.target_log_loss {
            if !v.is_finite() {
                return Err(Error::Config(format!(
                    "[train]: target_log_loss must be finite, got {v}"
                )));
            }
        }
        if let Some(log_t) = self.target_log_loss() {
            let log_l0 = t.loss.log_value(0.0);
            if log_t >= log_l0 {
                return Err(Error::Config(format!(
                    "[train]: the target loss {:.4e} is not below ℓ(0) = {:.4e} of the {} \
                     loss: reaching it does not imply that the data are separated (every \
                     run would stop before the implicit-bias regime)",
                    log_t.exp(),
                    log_l0.exp(),
                    t.loss.name()
                )));
            }
        }
        let mut seeds = std::collections::BTreeSet::new();
        for s in &t.seeds {
            if !seeds.insert(s) {
                return Err(Error::Config(format!(
                    "[train]: seed {s} is listed twice (each (run, seed) job writes one record)"
                )));
            }
        }
        Ok(())
    }

    /// Natural-log target loss, if any.
    pub fn target_log_loss(&self) -> Option<f64> {
        self.train
            .target_log_loss
            .or(self.train.target_loss.map(f64::ln))
    }
}

/// Longest run label (labels become file names and table cells).
pub const MAX_LABEL_LEN: usize = 64;

/// A run label is a file stem: 1 to 64 (`MAX_LABEL_LEN`) characters from `[A-Za-z0-9._-]`,
/// starting with a letter or digit (a leading `.` would hide the record from `report`, a
/// leading `-` reads as a command-line flag).
pub fn check_label(label: &str) -> Result<()> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let shown: String = label
        .chars()
        .take(MAX_LABEL_LEN)
        .flat_map(char::escape_default)
        .collect();
    if label.is_empty() {
        return Err(Error::Config("run label is empty".into()));
    }
    if label.chars().count() > MAX_LABEL_LEN {
        return Err(Error::Config(format!(
            "run label `{shown}…` has {} characters; at most {MAX_LABEL_LEN}",
            label.chars().count()
        )));
    }
    if let Some(c) = label.chars().find(|c| !ok_char(*c)) {
        return Err(Error::Config(format!(
            "run label `{shown}` contains {:?}; labels use only A–Z, a–z, 0–9, `.`, `_`, `-`",
            c
        )));
    }
    if !label.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(Error::Config(format!(
            "run label `{shown}` must start with a letter or digit"
        )));
    }
    Ok(())
}
