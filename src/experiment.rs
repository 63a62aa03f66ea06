//! TOML experiment configs and the `run` command (DESIGN §6).
//!
//! A config names the data, the model(s), the loss, the stopping rule, the norms to trace,
//! the seeds and a list of runs (optimizer + schedule). The grid is every
//! (model spec × run × seed); `implicit-bias run CONFIG --out DIR` trains it in parallel
//! ([`run_grid`]) and writes `DIR/runs/<file stem>.json` ([`Job::file_stem`]), `DIR/trace.csv`,
//! `DIR/config.toml` and the report ([`crate::report`]).
//!
//! ```toml
//! title = "optional title"
//!
//! [data]
//! path = "../datasets/digits_even_odd.csv"   # relative to the config file
//! rows = 512                                   # optional: first n rows
//! # optional held-out set (same keys), e.g. fresh teacher samples:
//! # test = { generator = { type = "relu_teacher", … } }
//!
//! [model]
//! spec = "two_layer:relu_pow:2:k=64"           # or specs = ["…", "…"] for a grid
//! init = { type = "kaiming_normal", scale = 0.01 }
//!
//! [train]
//! loss = "exponential"
//! target_loss = 1e-8        # or target_log_loss = -2000 (natural log)
//! max_steps = 100000
//! seeds = [0, 1, 2, 3, 4]   # the seed drives the initialization
//! norms = ["l2", "linf", "max_spectral"]
//!
//! [[runs]]
//! label = "ngd"
//! optimizer = { type = "normalized_momentum_gd", beta = 0.9 }
//! schedule = { type = "power", eta0 = 1.8, decay = 0.8 }
//! # per-model override: schedules = { "two_layer:relu:k=64" = { type = "power", … } }
//!
//! [check]                   # optional: KKT checks of the final directions
//! norms = ["l2", "linf"]    # default: the traced norms
//! seeds = [0]               # default: every seed
//! config = { trajectory = false }
//!
//! [report]                  # optional: orderings the report tests ([M] Fig. 1)
//! expect_top = { l2 = ["ngd"], linf = ["signum", "adam"] }
//! ```
//!
//! Data sources: `path` (CSV or JSON), `path` + `labels` with `format = "idx"` (MNIST IDX,
//! even = +1), or `generator = { type = "linear_teacher" | "relu_teacher" |
//! "two_clusters_2d" | "quadratic_rank4", … }`.

pub use crate::data::{DataConfig, GeneratorConfig};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::models::{Init, ModelSpec};
use crate::norms::NormSpec;
use crate::numfmt::csv_num;
use crate::optim::{OptimizerConfig, Schedule};
use crate::params::{Layout, Params};
use crate::train::{StopReason, TracePoint, TrainConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    /// Initialization (default Kaiming-normal × 0.01, [M] App. D).
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
}

/// `[check]` section: the KKT checker on every final θ (DESIGN §4). Optional; by default
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
}

impl RunConfig {
    /// The schedule for model spec `spec`.
    pub fn schedule_for(&self, spec: &str) -> Schedule {
        self.schedules.get(spec).copied().unwrap_or(self.schedule)
    }

    /// The label (explicit or the optimizer's name).
    pub fn label(&self) -> String {
        self.label.clone().unwrap_or_else(|| self.optimizer.name())
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

    /// Read and parse a file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text).map_err(|e| match e {
            Error::Config(msg) => Error::Config(format!("{}: {msg}", path.display())),
            other => other,
        })
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
        if let Some(t) = self.train.target_loss {
            if !(t > 0.0 && t.is_finite()) {
                return Err(Error::Config(format!(
                    "[train]: target_loss must be > 0, got {t}"
                )));
            }
        }
        if self.train.target_loss.is_some() && self.train.target_log_loss.is_some() {
            return Err(Error::Config(
                "[train]: give target_loss or target_log_loss, not both".into(),
            ));
        }
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
                        r.label()
                    )));
                }
            }
            let l = r.label();
            if l.is_empty() || l.contains(['/', '\\']) {
                return Err(Error::Config(format!(
                    "run label `{l}` is not a valid file name"
                )));
            }
            if !labels.insert(l.clone()) {
                return Err(Error::Config(format!("duplicate run label `{l}`")));
            }
        }
        for (n, labels) in &self.report.expect_top {
            for l in labels {
                if !self.runs.iter().any(|r| &r.label() == l) {
                    return Err(Error::Config(format!(
                        "[report] expect_top.{n}: no run labelled `{l}`"
                    )));
                }
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

/// Everything saved about one finished run (`DIR/runs/<label>-<seed>.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// Run label.
    pub label: String,
    /// Seed.
    pub seed: u64,
    /// Optimizer config.
    pub optimizer: OptimizerConfig,
    /// Schedule.
    pub schedule: Schedule,
    /// Model spec string.
    pub model: String,
    /// Model degree L.
    pub degree: f64,
    /// Loss.
    pub loss: Loss,
    /// Data description.
    pub data: DataConfig,
    /// Samples and dimension.
    pub m: usize,
    /// Input dimension.
    pub d: usize,
    /// Final parameters with their layout.
    pub theta: Params,
    /// Frozen output weights (frozen two-layer nets only).
    pub frozen_u: Option<Vec<f64>>,
    /// Steps taken.
    pub steps: u64,
    /// Final log10 loss.
    pub final_log10_loss: f64,
    /// Why the run stopped.
    pub stop: StopReason,
    /// Whether the final θ separates the training data (all y_i f(x_i; θ) > 0). When false
    /// the margins are non-positive and no implicit-bias theorem applies.
    pub separated: bool,
    /// Final hard margins per traced norm (norm spec → γ_N).
    pub margins: BTreeMap<String, f64>,
    /// The optimizer's implicit norm (spec string) per theory, if any.
    pub implicit_norm: Option<String>,
    /// Whether the schedule meets the theorem's assumption for this model degree.
    pub schedule_check: crate::optim::schedule::ScheduleCheck,
    /// KKT certificates of the final θ per checked norm (norm spec → certificate), with the
    /// optimizer's implicit norm as the own norm for `coincident` detection. Empty when
    /// checking is disabled or the data are not separated (`check_error` then says why).
    pub check: BTreeMap<String, crate::kkt::Certificate>,
    /// Why the check could not run, if it could not.
    pub check_error: Option<String>,
    /// Norm order of the trace's margin columns.
    pub trace_norms: Vec<String>,
    /// The log-spaced trace.
    pub trace: Vec<TracePoint>,
    /// Cosine similarity ⟨θ_t, θ_T⟩/(‖θ_t‖₂‖θ_T‖₂) of each trace point's θ_t with the final
    /// θ_T, as (step, cosine) ([M] Fig. 1b). NaN where θ_t = 0.
    #[serde(default)]
    pub cosine_to_last: Vec<(u64, f64)>,
    /// Accuracy of the final θ on `[data.test]`, if given.
    #[serde(default)]
    pub test_accuracy: Option<f64>,
    /// AdaGrad only: the final preconditioner h∞^{−1/2} = 1/(√G + ε) per parameter, whose
    /// direction defines the implicit weighted ℓ2 norm ([A] Thm 6, Fig. 2).
    #[serde(default)]
    pub adagrad_h_inv_sqrt: Option<Vec<f64>>,
    /// Wall time, seconds.
    pub wall_seconds: f64,
}

impl RunRecord {
    /// Whether training completed (not interrupted).
    pub fn completed(&self) -> bool {
        !matches!(self.stop, StopReason::Interrupted { .. })
    }
}

/// One (model spec × run × seed) job of an experiment grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Index of the model spec in [`ModelConfig::all_specs`].
    pub spec_index: usize,
    /// The model spec string.
    pub spec: String,
    /// Index of the run in `[[runs]]`.
    pub run_index: usize,
    /// The run label.
    pub label: String,
    /// The seed.
    pub seed: u64,
    /// File stem of the run's JSON (`<label>-<seed>`, or `<label>-<model>-<seed>` when the
    /// config has several model specs; characters other than `[A-Za-z0-9._-]` become `_`).
    pub file_stem: String,
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl ExperimentConfig {
    /// The grid in a fixed order: model spec, then run, then seed. Results and files follow
    /// this order whatever the number of threads.
    pub fn jobs(&self) -> Vec<Job> {
        let specs = self.model.all_specs();
        let multi = specs.len() > 1;
        let mut out = Vec::new();
        for (si, spec) in specs.iter().enumerate() {
            for (ri, run) in self.runs.iter().enumerate() {
                for &seed in &self.train.seeds {
                    let label = run.label();
                    let file_stem = if multi {
                        format!("{label}-{}-{seed}", sanitize(spec))
                    } else {
                        format!("{label}-{seed}")
                    };
                    out.push(Job {
                        spec_index: si,
                        spec: spec.clone(),
                        run_index: ri,
                        label,
                        seed,
                        file_stem,
                    });
                }
            }
        }
        out
    }
}

/// cos(θ_t, θ_T) for every kept iterate.
fn cosines_to_last(iterates: &[(u64, Vec<f64>)], last: &[f64]) -> Vec<(u64, f64)> {
    let nl = crate::params::norm2(last);
    iterates
        .iter()
        .map(|(t, th)| {
            let n = crate::params::norm2(th);
            let c = if n > 0.0 && nl > 0.0 {
                (crate::params::dot(th, last) / (n * nl)).clamp(-1.0, 1.0)
            } else {
                f64::NAN
            };
            (*t, c)
        })
        .collect()
}

/// Run one job of an experiment on already-loaded data (`test`: the `[data.test]` set).
/// `observer` sees (step, log L) every [`crate::train::OBSERVE_EVERY`] steps and may stop the
/// run (the record then has [`StopReason::Interrupted`] and is not checked).
pub fn run_one(
    cfg: &ExperimentConfig,
    data: &Dataset,
    test: Option<&Dataset>,
    job: &Job,
    observer: &mut dyn FnMut(u64, f64) -> bool,
) -> Result<RunRecord> {
    let run = cfg
        .runs
        .get(job.run_index)
        .ok_or_else(|| Error::Config(format!("no run with index {}", job.run_index)))?;
    let seed = job.seed;
    let spec = ModelSpec::parse(&job.spec)?;
    let (model, theta0) = spec.instantiate(data.d(), &cfg.model.init, seed)?;
    let opt = run.optimizer.build()?;
    let norms = &cfg.train.norms;
    let schedule = run.schedule_for(&job.spec);
    let tc = TrainConfig {
        schedule,
        max_steps: cfg.train.max_steps,
        target_log_loss: cfg.target_log_loss(),
        time_limit_secs: cfg.train.time_limit_secs,
        trace_norms: norms.clone(),
        trace_per_decade: cfg.train.trace_per_decade,
        checkpoint_log_losses: Vec::new(),
        keep_iterates: true,
    };
    let mut res = crate::train::train_observed(
        model.as_ref(),
        data,
        cfg.train.loss,
        opt.as_ref(),
        &tc,
        theta0,
        observer,
    )?;
    let cosine_to_last = cosines_to_last(&res.iterates, &res.theta);
    res.iterates = Vec::new();
    let interrupted = matches!(res.stop, StopReason::Interrupted { .. });
    let test_accuracy = match test {
        Some(t) if !interrupted => {
            model.validate_data(t)?;
            let mut ws = model.workspace(t.m());
            let mut q = vec![0.0; t.m()];
            model.margins(&res.theta, t, &mut ws, &mut q);
            Some(q.iter().filter(|&&v| v > 0.0).count() as f64 / t.m() as f64)
        }
        _ => None,
    };
    let adagrad_h_inv_sqrt = match run.optimizer {
        OptimizerConfig::AdaGrad { .. } => crate::optim::AdaGrad::h_inv_sqrt(&res.state).ok(),
        _ => None,
    };
    let layout: Layout = model.layout().clone();
    let last = res.trace.last();
    let mut margins = BTreeMap::new();
    for (i, n) in norms.iter().enumerate() {
        if let Some(p) = last {
            margins.insert(n.to_string(), p.margins[i]);
        }
    }
    let frozen_u = model.frozen_output().map(|u| u.to_vec());
    let mut check = BTreeMap::new();
    let mut check_error = None;
    let check_this_seed = match &cfg.check.seeds {
        None => true,
        Some(v) => v.contains(&seed),
    };
    if cfg.check.enabled && !interrupted && check_this_seed {
        let check_norms: &[NormSpec] = cfg.check.norms.as_deref().unwrap_or(norms);
        if !check_norms.is_empty() {
            // The optimizer's own norm is always certified too (under its spec string, e.g.
            // AdaGrad's `weighted_l2` with the final state's weights), so the report can show
            // the own-norm verdict even when it is not among the requested norms.
            match crate::kkt::check_set(
                model.as_ref(),
                data,
                &res.theta,
                check_norms,
                res.implicit_norm.as_ref(),
                &cfg.check.config,
            ) {
                // Non-separated data, θ = 0, …: recorded, not fatal for the experiment.
                Err(e) => check_error = Some(e.to_string()),
                Ok(set) => {
                    for (n, c) in check_norms.iter().zip(set.certs) {
                        check.insert(n.to_string(), c);
                    }
                    if let Some(c) = set.own {
                        check.entry(c.norm.clone()).or_insert(c);
                    }
                }
            }
        }
    }
    Ok(RunRecord {
        label: run.label(),
        seed,
        optimizer: run.optimizer.clone(),
        schedule,
        model: spec.to_string(),
        degree: model.degree(),
        loss: cfg.train.loss,
        data: cfg.data.clone(),
        m: data.m(),
        d: data.d(),
        theta: Params::new(layout, res.theta.clone())?,
        frozen_u,
        steps: res.steps,
        final_log10_loss: res.log_loss / std::f64::consts::LN_10,
        stop: res.stop.clone(),
        separated: last.is_some_and(|p| p.q_min > 0.0),
        margins,
        check,
        check_error,
        implicit_norm: res.implicit_norm.as_ref().map(|n| n.to_string()),
        schedule_check: schedule.check(opt.schedule_class(), model.degree()),
        trace_norms: norms.iter().map(|n| n.to_string()).collect(),
        trace: res.trace,
        cosine_to_last,
        test_accuracy,
        adagrad_h_inv_sqrt,
        wall_seconds: res.wall_seconds,
    })
}

/// Write `DIR/runs/<file_stem>.json` atomically (a temporary file renamed into place, so an
/// interrupted experiment never leaves a half-written run).
pub fn write_run(dir: &Path, file_stem: &str, rec: &RunRecord) -> Result<PathBuf> {
    let runs = dir.join("runs");
    std::fs::create_dir_all(&runs).map_err(|e| Error::io(&runs, e))?;
    let path = runs.join(format!("{file_stem}.json"));
    let tmp = runs.join(format!(".{file_stem}.json.tmp"));
    let text = serde_json::to_string_pretty(rec).map_err(|e| Error::Json(e.to_string()))?;
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// Read every `DIR/runs/*.json` (sorted by file name). Errors name the bad file.
pub fn read_runs(dir: &Path) -> Result<Vec<RunRecord>> {
    let runs = dir.join("runs");
    let rd = std::fs::read_dir(&runs).map_err(|e| Error::io(&runs, e))?;
    let mut paths: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    paths.sort();
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
        let rec: RunRecord = serde_json::from_str(&text)
            .map_err(|e| Error::Json(format!("{}: {e}", p.display())))?;
        out.push(rec);
    }
    Ok(out)
}

/// Write `DIR/trace.csv`: one row per (run, seed, trace point).
///
/// Columns: `label,optimizer,seed,step,log10_loss,lr,train_accuracy,q_min,alignment`, then
/// `margin_<norm>` and `soft_margin_<norm>` for each traced norm.
pub fn write_trace_csv(dir: &Path, records: &[RunRecord]) -> Result<PathBuf> {
    let path = dir.join("trace.csv");
    let norms: Vec<String> = records
        .first()
        .map(|r| r.trace_norms.clone())
        .unwrap_or_default();
    let mut out =
        String::from("label,optimizer,seed,step,log10_loss,lr,train_accuracy,q_min,alignment");
    for n in &norms {
        out.push_str(&format!(",margin_{n}"));
    }
    for n in &norms {
        out.push_str(&format!(",soft_margin_{n}"));
    }
    out.push('\n');
    for r in records {
        for p in &r.trace {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{}",
                r.label,
                r.optimizer.name(),
                r.seed,
                p.step,
                csv_num(p.log10_loss),
                csv_num(p.lr),
                csv_num(p.train_accuracy),
                csv_num(p.q_min),
                p.alignment.map(csv_num).unwrap_or_default()
            ));
            for v in p.margins.iter().chain(&p.soft_margins) {
                out.push(',');
                out.push_str(&csv_num(*v));
            }
            out.push('\n');
        }
    }
    std::fs::write(&path, out).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// Callbacks of [`run_grid`] (all called from worker threads).
pub trait GridHooks: Sync {
    /// A job starts.
    fn start(&self, _index: usize, _job: &Job) {}
    /// Progress of a running job: (step, natural-log loss).
    fn progress(&self, _index: usize, _step: u64, _log_loss: f64) {}
    /// A job finished (completed or interrupted).
    fn finish(&self, _index: usize, _record: &RunRecord) {}
}

/// Hooks that do nothing.
pub struct NoHooks;
impl GridHooks for NoHooks {}

/// Options of [`run_grid`].
#[derive(Debug, Clone, Default)]
pub struct GridOptions {
    /// Worker threads (0 = one per core). Results do not depend on it: every job is
    /// independent and single-threaded, and outputs follow the grid order ([`ExperimentConfig::jobs`]).
    pub jobs: usize,
    /// Set to stop: running jobs end at their next observation point and are discarded,
    /// jobs not yet started are skipped; completed runs stay written.
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

/// Result of [`run_grid`].
#[derive(Debug)]
pub struct GridOutcome {
    /// Completed runs, in grid order.
    pub records: Vec<RunRecord>,
    /// Whether the grid was cancelled before every job completed.
    pub interrupted: bool,
    /// Wall time of the whole grid, seconds.
    pub wall_seconds: f64,
}

/// Run every job of an experiment in parallel (rayon, `opts.jobs` threads), writing each
/// completed run's JSON atomically as soon as it finishes, then `DIR/trace.csv` and a copy
/// of the config (`DIR/config.toml`, for `implicit-bias report`).
pub fn run_grid(
    cfg: &ExperimentConfig,
    base: &Path,
    out: &Path,
    opts: &GridOptions,
    hooks: &dyn GridHooks,
) -> Result<GridOutcome> {
    use rayon::prelude::*;
    use std::sync::atomic::Ordering;
    let t0 = std::time::Instant::now();
    let data = cfg.data.load(base)?;
    let test = cfg.data.load_test(base)?;
    // Fail fast on a model/data mismatch before any training.
    for sp in cfg.model.all_specs() {
        let (model, _) = ModelSpec::parse(&sp)?.instantiate(data.d(), &cfg.model.init, 0)?;
        model.validate_data(&data)?;
        if let Some(t) = &test {
            model.validate_data(t)?;
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let cfg_text = toml::to_string_pretty(cfg).map_err(|e| Error::Config(e.to_string()))?;
    let cfg_path = out.join("config.toml");
    std::fs::write(&cfg_path, cfg_text).map_err(|e| Error::io(&cfg_path, e))?;
    let jobs = cfg.jobs();
    let cancelled = || {
        opts.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::SeqCst))
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .map_err(|e| Error::Config(format!("thread pool: {e}")))?;
    let results: Vec<Result<Option<RunRecord>>> = pool.install(|| {
        jobs.par_iter()
            .enumerate()
            .map(|(i, job)| {
                if cancelled() {
                    return Ok(None);
                }
                hooks.start(i, job);
                let mut obs = |step: u64, ll: f64| {
                    hooks.progress(i, step, ll);
                    !cancelled()
                };
                let rec = run_one(cfg, &data, test.as_ref(), job, &mut obs)?;
                hooks.finish(i, &rec);
                if !rec.completed() {
                    return Ok(None);
                }
                write_run(out, &job.file_stem, &rec)?;
                Ok(Some(rec))
            })
            .collect()
    });
    let mut records = Vec::with_capacity(jobs.len());
    for r in results {
        if let Some(rec) = r? {
            records.push(rec);
        }
    }
    write_trace_csv(out, &records)?;
    Ok(GridOutcome {
        interrupted: records.len() < jobs.len(),
        records,
        wall_seconds: t0.elapsed().as_secs_f64(),
    })
}

/// Run a whole experiment sequentially (one thread), calling `progress` before each job with
/// (index, total, label, seed); see [`run_grid`] for the parallel version.
pub fn run_experiment(
    cfg: &ExperimentConfig,
    base: &Path,
    out: &Path,
    progress: impl Fn(usize, usize, &str, u64) + Sync,
) -> Result<Vec<RunRecord>> {
    struct P<F>(F, usize);
    impl<F: Fn(usize, usize, &str, u64) + Sync> GridHooks for P<F> {
        fn start(&self, i: usize, job: &Job) {
            (self.0)(i, self.1, &job.label, job.seed)
        }
    }
    let total = cfg.jobs().len();
    let o = run_grid(
        cfg,
        base,
        out,
        &GridOptions {
            jobs: 1,
            cancel: None,
        },
        &P(progress, total),
    )?;
    Ok(o.records)
}
