//! TOML experiment configs and the `run` command (DESIGN §6).
//!
//! A config names the data, the model, the loss, the stopping rule, the norms to trace,
//! the seeds and a list of runs (optimizer + schedule). `implicit-bias run CONFIG --out DIR`
//! trains every (run × seed) and writes `DIR/runs/<label>-<seed>.json` and `DIR/trace.csv`.
//!
//! ```toml
//! [data]
//! path = "../datasets/digits_even_odd.csv"   # relative to the config file
//! rows = 512                                   # optional: first n rows
//!
//! [model]
//! spec = "two_layer:relu_pow:2:k=64"
//! init = { type = "kaiming_normal", scale = 0.01 }
//!
//! [train]
//! loss = "exponential"
//! target_loss = 1e-8        # or target_log_loss = -2000 (natural log)
//! max_steps = 100000
//! seeds = [0]
//! norms = ["l2", "linf", "max_spectral"]
//!
//! [[runs]]
//! label = "ngd"
//! optimizer = { type = "normalized_momentum_gd", beta = 0.9 }
//! schedule = { type = "power", eta0 = 1.8, decay = 0.8 }
//! ```
//!
//! Data sources: `path` (CSV or JSON), `path` + `labels` with `format = "idx"` (MNIST IDX,
//! even = +1), or `generator = { type = "linear_teacher" | "relu_teacher" |
//! "two_clusters_2d" | "quadratic_rank4", … }`.

use crate::data::{self, generators, Dataset};
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::models::{Init, ModelSpec};
use crate::norms::NormSpec;
use crate::optim::{OptimizerConfig, Schedule};
use crate::params::{Layout, Params};
use crate::train::{train, StopReason, TracePoint, TrainConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A data generator (all seeded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum GeneratorConfig {
    /// Gaussian inputs labelled by a random (optionally sparse) linear teacher.
    LinearTeacher {
        /// Samples.
        m: usize,
        /// Dimension.
        d: usize,
        /// Number of non-zero teacher coordinates (None = dense).
        #[serde(default)]
        sparsity: Option<usize>,
        /// Minimum normalized teacher margin |⟨w*/‖w*‖, x⟩| (0 = no rejection).
        #[serde(default)]
        min_margin: f64,
        /// Seed.
        seed: u64,
    },
    /// Sparse ReLU teacher of [F] eq. 14.
    ReluTeacher {
        /// Samples.
        m: usize,
        /// Dimension.
        d: usize,
        /// Teacher width.
        k: usize,
        /// Non-zero incoming weights per teacher neuron.
        active_per_neuron: usize,
        /// Seed of the teacher.
        teacher_seed: u64,
        /// Seed of the samples.
        seed: u64,
    },
    /// The 100-point 2-D dataset of [A] App. F.3.
    #[serde(rename = "two_clusters_2d", alias = "two_clusters2d")]
    TwoClusters2d {
        /// Seed.
        seed: u64,
    },
    /// y = sign(x1² + x2² − x3² − x4²), Gaussian inputs.
    QuadraticRank4 {
        /// Samples.
        m: usize,
        /// Dimension (≥ 4).
        d: usize,
        /// ℓ2-normalize rows.
        #[serde(default)]
        normalize: bool,
        /// Seed.
        seed: u64,
    },
}

impl GeneratorConfig {
    /// Generate the dataset.
    pub fn generate(&self) -> Result<Dataset> {
        match *self {
            GeneratorConfig::LinearTeacher {
                m,
                d,
                sparsity,
                min_margin,
                seed,
            } => {
                if min_margin > 0.0 {
                    generators::linear_teacher_with_margin(m, d, sparsity, min_margin, seed)
                } else {
                    generators::linear_teacher(m, d, sparsity, seed)
                }
            }
            GeneratorConfig::ReluTeacher {
                m,
                d,
                k,
                active_per_neuron,
                teacher_seed,
                seed,
            } => generators::ReluTeacher::sparse(d, k, active_per_neuron, teacher_seed)?
                .sample(m, seed),
            GeneratorConfig::TwoClusters2d { seed } => generators::two_clusters_2d(seed),
            GeneratorConfig::QuadraticRank4 {
                m,
                d,
                normalize,
                seed,
            } => generators::quadratic_rank4(m, d, normalize, seed),
        }
    }
}

/// `[data]` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// Data file (CSV/JSON, or IDX images with `format = "idx"`), relative to the config file.
    #[serde(default)]
    pub path: Option<String>,
    /// IDX labels file (with `format = "idx"`).
    #[serde(default)]
    pub labels: Option<String>,
    /// `"csv"`, `"json"` or `"idx"`; default from the extension.
    #[serde(default)]
    pub format: Option<String>,
    /// ℓ2-normalize rows (IDX only).
    #[serde(default)]
    pub normalize_rows: bool,
    /// Use only the first n rows.
    #[serde(default)]
    pub rows: Option<usize>,
    /// A generator instead of a file.
    #[serde(default)]
    pub generator: Option<GeneratorConfig>,
}

impl DataConfig {
    /// Load or generate the dataset; relative paths are resolved against `base`.
    pub fn load(&self, base: &Path) -> Result<Dataset> {
        let ds = match (&self.path, &self.generator) {
            (Some(_), Some(_)) => {
                return Err(Error::Config(
                    "[data]: give either `path` or `generator`, not both".into(),
                ))
            }
            (None, None) => {
                return Err(Error::Config("[data]: needs `path` or `generator`".into()))
            }
            (None, Some(g)) => g.generate()?,
            (Some(p), None) => {
                let path = base.join(p);
                match self.format.as_deref() {
                    Some("idx") => {
                        let labels = self.labels.as_ref().ok_or_else(|| {
                            Error::Config("[data]: format = \"idx\" needs `labels`".into())
                        })?;
                        data::load_idx(&path, base.join(labels), self.normalize_rows)?
                    }
                    Some("csv") => data::load_csv(&path)?,
                    Some("json") => data::load_json(&path)?,
                    Some(f) => {
                        return Err(Error::Config(format!(
                            "[data]: unknown format `{f}` (csv, json, idx)"
                        )))
                    }
                    None => data::load(&path)?,
                }
            }
        };
        Ok(match self.rows {
            Some(0) => return Err(Error::Config("[data]: rows must be ≥ 1".into())),
            Some(n) => ds.head(n),
            None => ds,
        })
    }
}

/// `[model]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Model spec string (see [`ModelSpec`]).
    pub spec: String,
    /// Initialization (default Kaiming-normal × 0.01, [M] App. D).
    #[serde(default)]
    pub init: Init,
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
    /// Norms to trace margins under (spec strings).
    #[serde(default)]
    pub norms: Vec<String>,
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
    /// Norms to check (default: the traced norms `[train].norms`).
    #[serde(default)]
    pub norms: Option<Vec<String>>,
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
}

impl RunConfig {
    /// The label (explicit or the optimizer's name).
    pub fn label(&self) -> String {
        self.label.clone().unwrap_or_else(|| self.optimizer.name())
    }
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
        ModelSpec::parse(&self.model.spec)?;
        for n in self
            .train
            .norms
            .iter()
            .chain(self.check.norms.iter().flatten())
        {
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
    /// Wall time, seconds.
    pub wall_seconds: f64,
}

/// Run one (run × seed) of an experiment on already-loaded data.
pub fn run_one(
    cfg: &ExperimentConfig,
    data: &Dataset,
    run: &RunConfig,
    seed: u64,
) -> Result<RunRecord> {
    let spec = ModelSpec::parse(&cfg.model.spec)?;
    let (model, theta0) = spec.instantiate(data.d(), &cfg.model.init, seed)?;
    let opt = run.optimizer.build()?;
    let norms: Vec<NormSpec> = cfg
        .train
        .norms
        .iter()
        .map(|n| NormSpec::parse(n))
        .collect::<Result<_>>()?;
    let tc = TrainConfig {
        schedule: run.schedule,
        max_steps: cfg.train.max_steps,
        target_log_loss: cfg.target_log_loss(),
        time_limit_secs: cfg.train.time_limit_secs,
        trace_norms: norms.clone(),
        trace_per_decade: cfg.train.trace_per_decade,
        checkpoint_log_losses: Vec::new(),
        keep_iterates: false,
    };
    let res = train(
        model.as_ref(),
        data,
        cfg.train.loss,
        opt.as_ref(),
        &tc,
        theta0,
    )?;
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
    if cfg.check.enabled {
        let check_norms: Vec<NormSpec> = match &cfg.check.norms {
            Some(v) => v
                .iter()
                .map(|n| NormSpec::parse(n))
                .collect::<Result<_>>()?,
            None => norms.clone(),
        };
        if !check_norms.is_empty() {
            match crate::kkt::check_many(
                model.as_ref(),
                data,
                &res.theta,
                &check_norms,
                res.implicit_norm.as_ref(),
                &cfg.check.config,
            ) {
                Ok(certs) => {
                    for (n, c) in check_norms.iter().zip(certs) {
                        check.insert(n.to_string(), c);
                    }
                }
                // Non-separated data, θ = 0, …: recorded, not fatal for the experiment.
                Err(e) => check_error = Some(e.to_string()),
            }
        }
    }
    Ok(RunRecord {
        label: run.label(),
        seed,
        optimizer: run.optimizer.clone(),
        schedule: run.schedule,
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
        schedule_check: run.schedule.check(opt.schedule_class(), model.degree()),
        trace_norms: norms.iter().map(|n| n.to_string()).collect(),
        trace: res.trace,
        wall_seconds: res.wall_seconds,
    })
}

/// Write `DIR/runs/<label>-<seed>.json`.
pub fn write_run(dir: &Path, rec: &RunRecord) -> Result<PathBuf> {
    let runs = dir.join("runs");
    std::fs::create_dir_all(&runs).map_err(|e| Error::io(&runs, e))?;
    let path = runs.join(format!("{}-{}.json", rec.label, rec.seed));
    let text = serde_json::to_string_pretty(rec).map_err(|e| Error::Json(e.to_string()))?;
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

fn csv_num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
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

/// Run a whole experiment: every run × seed, sequentially, writing each run's JSON as soon
/// as it finishes (so an interrupted experiment keeps its completed runs) and then
/// `trace.csv`. `progress` is called before each run with (index, total, label, seed).
pub fn run_experiment(
    cfg: &ExperimentConfig,
    base: &Path,
    out: &Path,
    mut progress: impl FnMut(usize, usize, &str, u64),
) -> Result<Vec<RunRecord>> {
    let data = cfg.data.load(base)?;
    let spec = ModelSpec::parse(&cfg.model.spec)?;
    // Fail fast on a model/data mismatch before any training.
    let (model, _) = spec.instantiate(data.d(), &cfg.model.init, 0)?;
    model.validate_data(&data)?;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let total = cfg.runs.len() * cfg.train.seeds.len();
    let mut records = Vec::with_capacity(total);
    let mut idx = 0;
    for run in &cfg.runs {
        for &seed in &cfg.train.seeds {
            progress(idx, total, &run.label(), seed);
            let rec = run_one(cfg, &data, run, seed)?;
            write_run(out, &rec)?;
            records.push(rec);
            idx += 1;
        }
    }
    write_trace_csv(out, &records)?;
    Ok(records)
}
