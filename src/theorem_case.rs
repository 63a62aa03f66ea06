//! Theorem cases: one TOML file = one (data × model × optimizer × schedule) run, the norms
//! to check its direction against, and the expectations the theory implies.
//!
//! The theorem regression suite (`tests/theorems/`) loads every `fixtures/cases/*.toml`
//! through this module, so a new case needs no Rust: drop a file with `suite = "extra"`
//! (or the name of an existing suite) next to the others. The runner is a library module so
//! that CLI subcommands can reuse it.
//!
//! # File format
//!
//! ```toml
//! suite = "linear_steepest"              # which test module runs it ("extra": the generic one)
//! theorem = "[F] Thm 3.4 (L = 1)"         # citation shown in reports
//! note = "optional free text"
//!
//! [data]                                 # as in experiment configs: a file or a generator
//! generator = { type = "linear_teacher", m = 40, d = 30, min_margin = 0.1, seed = 3 }
//!
//! [model]
//! spec = "linear"                        # any ModelSpec string
//! init = { type = "kaiming_normal", scale = 0.01 }
//! seed = 0                               # initialization seed
//!
//! [train]
//! loss = "exponential"
//! max_steps = 300000
//! target_log_loss = -1000.0              # natural log; optional
//! checkpoints = [-10.0, -100.0, -1000.0] # also check θ when log L first crosses these
//!
//! [optimizer]                            # an OptimizerConfig (serde tag `type`)
//! type = "ngd"
//!
//! [schedule]
//! type = "constant"
//! eta0 = 0.1
//!
//! [check]
//! norms = ["l1", "l2", "linf"]           # norms to certify (spec strings)
//! own = "l2"                             # the expected own norm, or "implicit"
//! kappa_kkt = 0.01                       # optional CheckConfig overrides (also tau,
//! kappa_not = 0.03                       # kink_tol, max_colgen_iters, colgen_tol)
//!
//! [expect]                               # all optional; see `Expectations`
//! stop = "target_reached"                # or "max_steps"
//! implicit_norm = "l2"                   # what the optimizer must report as its norm
//! verdicts = { own = ["kkt"], others = ["not_kkt"] }   # keys: own, others, a norm
//! max_own_kappa = 0.005                  # final own κ ≤
//! min_other_kappa = 0.03                 # final other-norm certified lower bounds ≥
//! min_separation = 10.0                  # other lower bound ÷ own κ ≥
//! min_margin_ratio = { l2 = 0.99 }       # γ_N(θ_T)/γ*_N ≥ (linear models)
//! max_margin_ratio = { l1 = 0.95 }       # γ_N(θ_T)/γ*_N ≤ (linear models)
//! own_kappa_step_factor = 0.5            # trend: κ_k ≤ 0.5·κ_(k−1) over the checked points
//! own_kappa_final_over_first = 0.1       # trend: final own κ ≤ 0.1 × the first one
//! other_kappa_floor = 0.03               # others' lower bounds ≥ this at every point
//! ```
//!
//! `own = "implicit"` takes the norm the optimizer reports with its final state
//! ([`Optimizer::implicit_norm`]; e.g. AdaGrad's weighted ℓ2 norm of [A] Thm 6).
//!
//! # What a run does
//!
//! [`TheoremCase::run`] generates or loads the data, instantiates the model with its seed,
//! trains (saving θ when log L first crosses each checkpoint level), runs the KKT checker
//! ([`check_set`], DESIGN §4) at every checkpoint and at the final θ, computes the exact
//! max-margin references γ*_N for linear models ([`crate::maxmargin`], DESIGN §5) with the
//! margin ratios γ_N(θ_T)/γ*_N, and evaluates the expectations into human-readable
//! failures ([`CaseOutcome::failures`]). Bad files are [`Error::Config`]; nothing panics.
//!
//! # Which κ is compared with which
//!
//! Every upper-bound statement ("own κ ≤ x") uses the achieved gap `kappa` of an explicit
//! certificate; every lower-bound statement ("other κ ≥ x", separation ratios) uses the
//! *certified* lower bound `kappa_lower_bound`, so a passing separation is a proof that the
//! other norm's KKT conditions fail by at least that much (for the stated relaxation).
//! Norms reported `coincident` are excluded from lower-bound statements (DESIGN §4 step 7).

use crate::data::{DataConfig, Dataset};
use crate::error::{Error, Result};
use crate::kkt::{check_set, Certificate, CheckConfig, Verdict};
use crate::loss::Loss;
use crate::margin::hard_margin;
use crate::maxmargin::{max_margin, MaxMarginNorm};
use crate::models::{Init, Model, ModelSpec};
use crate::norms::NormSpec;
use crate::numfmt::{sig3, sig3_floor};
use crate::optim::{Optimizer, OptimizerConfig, Schedule};
use crate::train::{train, TrainConfig, TrainResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `[model]` of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseModel {
    /// Model spec string ([`ModelSpec`]).
    pub spec: String,
    /// Initialization (default Kaiming-normal × 0.01, [M] App. D).
    #[serde(default)]
    pub init: Init,
    /// Initialization seed.
    #[serde(default)]
    pub seed: u64,
}

fn d_per_decade() -> u32 {
    20
}
fn d_true() -> bool {
    true
}

/// `[train]` of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseTrain {
    /// Loss (default exponential).
    #[serde(default)]
    pub loss: Loss,
    /// Step budget.
    pub max_steps: u64,
    /// Stop once log L ≤ this (natural log).
    #[serde(default)]
    pub target_log_loss: Option<f64>,
    /// Natural-log loss levels at which θ is saved and checked (e.g. −10, −100, −1000).
    #[serde(default)]
    pub checkpoints: Vec<f64>,
    /// Trace points per decade of steps.
    #[serde(default = "d_per_decade")]
    pub trace_per_decade: u32,
    /// Extra norms to trace margins under (the checked norms are always traced).
    #[serde(default)]
    pub trace_norms: Vec<NormSpec>,
}

/// `[check]` of a case: the norms and the checker's tolerances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseCheck {
    /// Norms to certify (written as spec strings).
    pub norms: Vec<NormSpec>,
    /// The expected own norm: a spec string, or `"implicit"` for the optimizer's
    /// [`Optimizer::implicit_norm`] read from its final state. `None`: no own norm.
    #[serde(default)]
    pub own: Option<OwnNorm>,
    /// Override of [`CheckConfig::kappa_kkt`].
    #[serde(default)]
    pub kappa_kkt: Option<f64>,
    /// Override of [`CheckConfig::kappa_not`].
    #[serde(default)]
    pub kappa_not: Option<f64>,
    /// Override of [`CheckConfig::tau`] (non-smooth norms).
    #[serde(default)]
    pub tau: Option<f64>,
    /// Override of [`CheckConfig::kink_tol`].
    #[serde(default)]
    pub kink_tol: Option<f64>,
    /// Override of [`CheckConfig::max_colgen_iters`] (column-generation rounds for spectral
    /// and hybrid norms; fewer rounds = faster, the reported bounds stay certified).
    #[serde(default)]
    pub max_colgen_iters: Option<usize>,
    /// Override of [`CheckConfig::colgen_tol`].
    #[serde(default)]
    pub colgen_tol: Option<f64>,
    /// Also check θ at every checkpoint (default true).
    #[serde(default = "d_true")]
    pub at_checkpoints: bool,
    /// Compute the trajectory certificate too (default false).
    #[serde(default)]
    pub trajectory: bool,
}

/// The expected own norm of a case (`[check] own`): a norm, or the keyword `"implicit"`.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnNorm {
    /// `"implicit"`: the norm the optimizer reports with its final state
    /// ([`Optimizer::implicit_norm`]).
    Implicit,
    /// A fixed norm (its spec string).
    Norm(NormSpec),
}

impl OwnNorm {
    /// The norm for a run whose optimizer reports `implicit` as its implicit norm.
    pub fn resolve(&self, implicit: Option<&NormSpec>) -> Option<NormSpec> {
        match self {
            OwnNorm::Implicit => implicit.cloned(),
            OwnNorm::Norm(n) => Some(n.clone()),
        }
    }
}

impl Serialize for OwnNorm {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            OwnNorm::Implicit => ser.serialize_str("implicit"),
            OwnNorm::Norm(n) => n.serialize(ser),
        }
    }
}

impl<'de> Deserialize<'de> for OwnNorm {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Keyword(String),
            Norm(NormSpec),
        }
        match Repr::deserialize(de)? {
            Repr::Keyword(k) if k == "implicit" => Ok(OwnNorm::Implicit),
            Repr::Keyword(s) => NormSpec::parse(&s)
                .map(OwnNorm::Norm)
                .map_err(serde::de::Error::custom),
            Repr::Norm(n) => Ok(OwnNorm::Norm(n)),
        }
    }
}

/// `[expect]`: what the theory implies for this case. Every field is optional; a missing
/// field asserts nothing. "Final" means the last checked θ (the final iterate).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// Required stop reason: `"target_reached"` or `"max_steps"`.
    #[serde(default)]
    pub stop: Option<String>,
    /// The spec string the optimizer must report as its implicit norm with its final state
    /// ([`Optimizer::implicit_norm`]): a regression check of the optimizer's own claim.
    #[serde(default)]
    pub implicit_norm: Option<String>,
    /// Allowed final verdicts per norm. Keys: a checked norm's spec string, `"own"`, or
    /// `"others"` (every checked norm other than the own norm).
    #[serde(default)]
    pub verdicts: BTreeMap<String, Vec<Verdict>>,
    /// Final own-norm κ ≤ this.
    #[serde(default)]
    pub max_own_kappa: Option<f64>,
    /// Final certified lower bound of every other (non-coincident) norm ≥ this.
    #[serde(default)]
    pub min_other_kappa: Option<f64>,
    /// Final separation ratio: other-norm certified lower bound ÷ own κ ≥ this, for every
    /// other non-coincident norm.
    #[serde(default)]
    pub min_separation: Option<f64>,
    /// γ_N(θ_T)/γ*_N ≥ this (linear models; keys `l1`, `l2`, `linf`).
    #[serde(default)]
    pub min_margin_ratio: BTreeMap<String, f64>,
    /// γ_N(θ_T)/γ*_N ≤ this (linear models): the run does *not* maximize that margin.
    #[serde(default)]
    pub max_margin_ratio: BTreeMap<String, f64>,
    /// Trend over the checked points (checkpoints, then final): own κ at each point ≤ this
    /// factor × own κ at the previous point (1.0 = non-increasing).
    #[serde(default)]
    pub own_kappa_step_factor: Option<f64>,
    /// Trend: final own κ ≤ this × own κ at the first checked point.
    #[serde(default)]
    pub own_kappa_final_over_first: Option<f64>,
    /// Trend: at every checked point, every other non-coincident norm's certified lower
    /// bound ≥ this floor.
    #[serde(default)]
    pub other_kappa_floor: Option<f64>,
}

/// One theorem case (see the module docs for the file format).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TheoremCase {
    /// Case name (the file stem when loaded from a file).
    #[serde(default)]
    pub name: String,
    /// The suite (test module) that runs it; `"extra"` for the generic runner.
    pub suite: String,
    /// The theorem this case instantiates (citation).
    pub theorem: String,
    /// Free text.
    #[serde(default)]
    pub note: Option<String>,
    /// Data source.
    pub data: DataConfig,
    /// Model.
    pub model: CaseModel,
    /// Training.
    pub train: CaseTrain,
    /// Optimizer.
    pub optimizer: OptimizerConfig,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Checker settings.
    pub check: CaseCheck,
    /// Expectations.
    #[serde(default)]
    pub expect: Expectations,
    /// Directory that relative data paths are resolved against.
    #[serde(skip)]
    pub base: PathBuf,
}

/// Everything a case needs before training.
pub struct CaseSetup {
    /// The dataset.
    pub data: Dataset,
    /// The model.
    pub model: Box<dyn Model>,
    /// θ0.
    pub theta0: Vec<f64>,
    /// Training configuration (schedule, budget, checkpoints, trace norms).
    pub train: TrainConfig,
    /// The checked norms, parsed.
    pub norms: Vec<NormSpec>,
}

/// The checker's results at one θ of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CasePoint {
    /// `"log L ≤ <level>"` or `"final"`.
    pub label: String,
    /// The checkpoint level (None for the final θ).
    pub level: Option<f64>,
    /// Step of θ.
    pub step: u64,
    /// log L(θ) (natural log).
    pub log_loss: f64,
    /// One certificate per checked norm (order of [`CaseOutcome::norms`]); empty when the
    /// checker returned an error.
    pub certificates: Vec<Certificate>,
    /// The own norm's certificate (also when the own norm is not in the checked list).
    pub own: Option<Certificate>,
    /// The checker's error, if any (e.g. θ does not separate the data).
    pub error: Option<String>,
}

impl CasePoint {
    /// The certificate of the checked norm with this spec string.
    pub fn cert(&self, norm: &str) -> Option<&Certificate> {
        self.certificates.iter().find(|c| c.norm == norm)
    }

    /// Certificates of the checked norms other than the own norm, excluding `coincident`.
    pub fn others<'a>(&'a self, own: Option<&'a str>) -> impl Iterator<Item = &'a Certificate> {
        self.certificates
            .iter()
            .filter(move |c| Some(c.norm.as_str()) != own && c.verdict != Verdict::Coincident)
    }
}

/// Result of running a case.
#[derive(Debug)]
pub struct CaseOutcome {
    /// Case name.
    pub name: String,
    /// Suite.
    pub suite: String,
    /// Theorem citation.
    pub theorem: String,
    /// Optimizer `type` name.
    pub optimizer: String,
    /// Model spec string.
    pub model: String,
    /// The checked norms (spec strings), in the order of [`CasePoint::certificates`].
    pub norms: Vec<String>,
    /// The own norm's spec string (None when the case names none or the optimizer reports
    /// no implicit norm).
    pub own: Option<String>,
    /// The own norm as a spec (weights included for weighted ℓ2).
    pub own_spec: Option<NormSpec>,
    /// Checked points: the checkpoints in order of decreasing level, then the final θ.
    pub points: Vec<CasePoint>,
    /// γ*_N of the exact max-margin problem (linear models, norms ℓ1/ℓ2/ℓ∞ that are checked).
    pub references: BTreeMap<String, f64>,
    /// γ_N(θ_T)/γ*_N for the same norms.
    pub margin_ratios: BTreeMap<String, f64>,
    /// The training run (final θ, trace, checkpoints, optimizer state).
    pub run: TrainResult,
    /// Order of the trace's margin columns.
    pub trace_norms: Vec<String>,
    /// Violated expectations, one sentence each (empty = the case passes).
    pub failures: Vec<String>,
}

impl CaseOutcome {
    /// The final checked point.
    pub fn last(&self) -> Option<&CasePoint> {
        self.points.last()
    }

    /// Own κ at every checked point (NaN where unavailable), in point order.
    pub fn own_kappas(&self) -> Vec<f64> {
        self.points
            .iter()
            .map(|p| p.own.as_ref().map(|c| c.kappa).unwrap_or(f64::NAN))
            .collect()
    }

    /// Final margin under a traced norm (from the last trace point).
    pub fn final_margin(&self, norm: &str) -> Option<f64> {
        let i = self.trace_norms.iter().position(|n| n == norm)?;
        self.run.trace.last().map(|p| p.margins[i])
    }

    /// Final log10 L.
    pub fn final_log10_loss(&self) -> f64 {
        self.run.log_loss / std::f64::consts::LN_10
    }

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

/// a ≥ b, false when either is NaN (so a NaN number fails every expectation).
fn ge(a: f64, b: f64) -> bool {
    a >= b
}

/// One θ of a run to certify: (label, checkpoint level, step, log L, θ).
type Target<'a> = (String, Option<f64>, u64, f64, &'a [f64]);

fn mm_norm(spec: &str) -> Option<MaxMarginNorm> {
    match spec {
        "l1" => Some(MaxMarginNorm::L1),
        "l2" => Some(MaxMarginNorm::L2),
        "linf" => Some(MaxMarginNorm::Linf),
        _ => None,
    }
}

impl TheoremCase {
    /// Parse a case from TOML text; `name` and `base` (for relative data paths) are set by
    /// the caller (a `name` in the file wins).
    pub fn parse(text: &str, name: &str, base: &Path) -> Result<TheoremCase> {
        let mut c: TheoremCase =
            toml::from_str(text).map_err(|e| Error::Config(format!("case `{name}`: {e}")))?;
        if c.name.is_empty() {
            c.name = name.to_string();
        }
        c.base = base.to_path_buf();
        c.validate()?;
        Ok(c)
    }

    /// Load one case file (name = file stem).
    pub fn load(path: &Path) -> Result<TheoremCase> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let base = path.parent().unwrap_or(Path::new("."));
        TheoremCase::parse(&text, &name, base)
    }

    /// Load every `*.toml` in `dir`, sorted by name.
    pub fn load_dir(dir: &Path) -> Result<Vec<TheoremCase>> {
        let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut paths: Vec<PathBuf> = Vec::new();
        for entry in rd {
            let p = entry.map_err(|e| Error::io(dir, e))?.path();
            if p.extension().is_some_and(|e| e == "toml") {
                paths.push(p);
            }
        }
        paths.sort();
        paths.iter().map(|p| TheoremCase::load(p)).collect()
    }

    /// Semantic checks beyond the schema (every spec parses, thresholds are sane).
    pub fn validate(&self) -> Result<()> {
        let ctx = |e: Error| Error::Config(format!("case `{}`: {e}", self.name));
        ModelSpec::parse(&self.model.spec).map_err(ctx)?;
        self.model.init.validate().map_err(ctx)?;
        self.optimizer.build().map_err(ctx)?;
        self.schedule.validate().map_err(ctx)?;
        if self.check.norms.is_empty() {
            return Err(ctx(Error::Config(
                "[check]: norms must not be empty".into(),
            )));
        }
        let checked = self.norm_names();
        for key in self.expect.verdicts.keys() {
            if key != "own" && key != "others" && !checked.contains(key) {
                return Err(ctx(Error::Config(format!(
                    "[expect] verdicts: `{key}` is not a checked norm (nor `own` / `others`)"
                ))));
            }
        }
        for key in self
            .expect
            .min_margin_ratio
            .keys()
            .chain(self.expect.max_margin_ratio.keys())
        {
            if mm_norm(key).is_none() || !checked.contains(key) {
                return Err(ctx(Error::Config(format!(
                    "[expect] margin ratio for `{key}`: needs a checked norm among l1, l2, linf"
                ))));
            }
        }
        if let Some(s) = &self.expect.stop {
            if s != "target_reached" && s != "max_steps" {
                return Err(ctx(Error::Config(format!(
                    "[expect] stop = `{s}`: expected `target_reached` or `max_steps`"
                ))));
            }
        }
        for l in &self.train.checkpoints {
            if !l.is_finite() {
                return Err(ctx(Error::Config(
                    "[train] checkpoints must be finite".into(),
                )));
            }
        }
        self.check_config().validate().map_err(ctx)?;
        Ok(())
    }

    /// The checker configuration (defaults with this case's overrides).
    pub fn check_config(&self) -> CheckConfig {
        let mut cfg = CheckConfig {
            trajectory: self.check.trajectory,
            ..CheckConfig::default()
        };
        if let Some(v) = self.check.kappa_kkt {
            cfg.kappa_kkt = v;
        }
        if let Some(v) = self.check.kappa_not {
            cfg.kappa_not = v;
        }
        if let Some(v) = self.check.tau {
            cfg.tau = v;
        }
        if let Some(v) = self.check.kink_tol {
            cfg.kink_tol = v;
        }
        if let Some(v) = self.check.max_colgen_iters {
            cfg.max_colgen_iters = v;
        }
        if let Some(v) = self.check.colgen_tol {
            cfg.colgen_tol = v;
        }
        cfg
    }

    /// The spec strings of the checked norms, in order.
    pub fn norm_names(&self) -> Vec<String> {
        self.check.norms.iter().map(|n| n.to_string()).collect()
    }

    /// Data, model, θ0 and the training configuration.
    pub fn setup(&self) -> Result<CaseSetup> {
        let data = self.data.load(&self.base)?;
        let spec = ModelSpec::parse(&self.model.spec)?;
        let (model, theta0) = spec.instantiate(data.d(), &self.model.init, self.model.seed)?;
        model.validate_data(&data)?;
        let norms = self.check.norms.clone();
        let mut trace_norms = norms.clone();
        let own = match &self.check.own {
            Some(OwnNorm::Norm(n)) => Some(n),
            _ => None,
        };
        for n in self.train.trace_norms.iter().chain(own) {
            if !trace_norms.contains(n) {
                trace_norms.push(n.clone());
            }
        }
        let train = TrainConfig {
            schedule: self.schedule,
            max_steps: self.train.max_steps,
            target_log_loss: self.train.target_log_loss,
            time_limit_secs: None,
            trace_norms,
            trace_per_decade: self.train.trace_per_decade,
            checkpoint_log_losses: self.train.checkpoints.clone(),
            keep_iterates: false,
        };
        Ok(CaseSetup {
            data,
            model,
            theta0,
            train,
            norms,
        })
    }

    /// Train with the case's optimizer and evaluate.
    pub fn run(&self) -> Result<CaseOutcome> {
        let opt = self.optimizer.build()?;
        self.run_with(opt.as_ref())
    }

    /// Train with `opt` instead of the case's optimizer (e.g. a wrapper that records extra
    /// state, or a deliberately modified optimizer) and evaluate.
    pub fn run_with(&self, opt: &dyn Optimizer) -> Result<CaseOutcome> {
        let setup = self.setup()?;
        let run = train(
            setup.model.as_ref(),
            &setup.data,
            self.train.loss,
            opt,
            &setup.train,
            setup.theta0.clone(),
        )?;
        self.evaluate(&setup, run)
    }

    /// Check the run's checkpoints and final θ and evaluate the expectations.
    pub fn evaluate(&self, setup: &CaseSetup, run: TrainResult) -> Result<CaseOutcome> {
        let model = setup.model.as_ref();
        let data = &setup.data;
        let cfg = self.check_config();
        let own_spec: Option<NormSpec> = self
            .check
            .own
            .as_ref()
            .and_then(|o| o.resolve(run.implicit_norm.as_ref()));
        let own_name = own_spec.as_ref().map(|s| s.to_string());
        let mut failures = Vec::new();
        if self.check.own == Some(OwnNorm::Implicit) && own_spec.is_none() {
            failures.push("the optimizer reports no implicit norm for its final state".into());
        }

        // Which θ to check: checkpoints (decreasing level), then the final θ unless it is
        // the last checkpoint's θ.
        let mut targets: Vec<Target> = Vec::new();
        if self.check.at_checkpoints {
            let mut levels = self.train.checkpoints.clone();
            levels.sort_by(|a, b| b.total_cmp(a));
            for l in levels {
                match run.checkpoints.iter().find(|c| c.level == l) {
                    Some(c) => targets.push((
                        format!("log L <= {l}"),
                        Some(l),
                        c.step,
                        c.log_loss,
                        &c.theta,
                    )),
                    None => failures.push(format!(
                        "checkpoint log L ≤ {l} not reached (final log L = {:.4e} after {} steps, {})",
                        run.log_loss,
                        run.steps,
                        run.stop.as_str()
                    )),
                }
            }
        }
        let final_is_checkpoint = targets.last().is_some_and(|t| t.2 == run.steps);
        if !final_is_checkpoint {
            targets.push(("final".into(), None, run.steps, run.log_loss, &run.theta));
        }
        let mut points = Vec::with_capacity(targets.len());
        for (label, level, step, log_loss, theta) in targets {
            // Certificates in the order of the checked norms; a checker error (θ does not
            // separate the data, …) is recorded in the point, not returned.
            let (certificates, own, error) =
                match check_set(model, data, theta, &setup.norms, own_spec.as_ref(), &cfg) {
                    Ok(set) => (set.certs, set.own, None),
                    Err(e) => (Vec::new(), None, Some(e.to_string())),
                };
            points.push(CasePoint {
                label,
                level,
                step,
                log_loss,
                certificates,
                own,
                error,
            });
        }

        // Exact references for linear models.
        let mut references = BTreeMap::new();
        let mut margin_ratios = BTreeMap::new();
        if ModelSpec::parse(&self.model.spec)? == ModelSpec::Linear {
            for spec in &setup.norms {
                let name = spec.to_string();
                if let Some(mm) = mm_norm(&name) {
                    let reference = max_margin(data, mm)?;
                    let norm = spec.build(model.layout())?;
                    let g = hard_margin(model, data, &run.theta, norm.as_ref())?;
                    references.insert(name.clone(), reference.margin);
                    margin_ratios.insert(name, g / reference.margin);
                }
            }
        }

        let trace_norms: Vec<String> = setup
            .train
            .trace_norms
            .iter()
            .map(|n| n.to_string())
            .collect();
        let mut out = CaseOutcome {
            name: self.name.clone(),
            suite: self.suite.clone(),
            theorem: self.theorem.clone(),
            optimizer: self.optimizer.name(),
            model: self.model.spec.clone(),
            norms: self.norm_names(),
            own: own_name,
            own_spec,
            points,
            references,
            margin_ratios,
            run,
            trace_norms,
            failures,
        };
        let more = self.expectation_failures(&out);
        out.failures.extend(more);
        Ok(out)
    }

    /// Evaluate `[expect]` against an outcome (also checks separation and checker errors).
    pub fn expectation_failures(&self, o: &CaseOutcome) -> Vec<String> {
        let e = &self.expect;
        let mut f = Vec::new();
        let own = o.own.as_deref();
        if o.run.stop.is_failure() {
            f.push(format!("training failed: {:?}", o.run.stop));
        }
        if let Some(s) = &e.stop {
            if o.run.stop.as_str() != s {
                f.push(format!(
                    "stop reason {} (expected {s}) after {} steps, log L = {:.4e}",
                    o.run.stop.as_str(),
                    o.run.steps,
                    o.run.log_loss
                ));
            }
        }
        if let Some(want) = &e.implicit_norm {
            let got = o.run.implicit_norm.as_ref().map(|n| n.to_string());
            if got.as_deref() != Some(want.as_str()) {
                f.push(format!(
                    "the optimizer reports implicit norm {got:?}, expected `{want}`"
                ));
            }
        }
        if !o.run.trace.last().is_some_and(|p| p.q_min > 0.0) {
            f.push("the final θ does not separate the data".into());
        }
        for p in &o.points {
            if let Some(err) = &p.error {
                f.push(format!("checker error at {}: {err}", p.label));
            }
        }
        let Some(last) = o.points.last() else {
            f.push("no point was checked".into());
            return f;
        };
        // Verdicts.
        for (key, allowed) in &e.verdicts {
            let certs: Vec<&Certificate> = match key.as_str() {
                "own" => last.own.iter().collect(),
                "others" => last
                    .certificates
                    .iter()
                    .filter(|c| Some(c.norm.as_str()) != own)
                    .collect(),
                n => last.cert(n).into_iter().collect(),
            };
            if certs.is_empty() && key != "others" {
                f.push(format!("no certificate for `{key}` at {}", last.label));
            }
            for c in certs {
                if !allowed.contains(&c.verdict) {
                    f.push(format!(
                        "verdict for `{}` ({key}) is {} (κ = {:.3e}, lower bound {:.3e}); allowed {:?}",
                        c.norm, c.verdict, c.kappa, c.kappa_lower_bound, allowed
                    ));
                }
            }
        }
        let own_kappa = last.own.as_ref().map(|c| c.kappa);
        if let Some(mx) = e.max_own_kappa {
            match own_kappa {
                Some(k) if k <= mx => {}
                k => f.push(format!("own κ = {k:?} at {} exceeds {mx}", last.label)),
            }
        }
        if let Some(mn) = e.min_other_kappa {
            for c in last.others(own) {
                if !ge(c.kappa_lower_bound, mn) {
                    f.push(format!(
                        "`{}` certified κ lower bound {:.3e} < {mn} at {}",
                        c.norm, c.kappa_lower_bound, last.label
                    ));
                }
            }
        }
        if let Some(sep) = e.min_separation {
            match own_kappa {
                Some(k) => {
                    for c in last.others(own) {
                        let ratio = c.kappa_lower_bound / k;
                        if !ge(ratio, sep) {
                            f.push(format!(
                                "separation `{}` lower bound {:.3e} ÷ own κ {k:.3e} = {ratio:.3} < {sep}",
                                c.norm, c.kappa_lower_bound
                            ));
                        }
                    }
                }
                None => f.push("separation: no own certificate".into()),
            }
        }
        for (n, mn) in &e.min_margin_ratio {
            match o.margin_ratios.get(n) {
                Some(r) if *r >= *mn => {}
                r => f.push(format!("margin ratio γ_{n}/γ*_{n} = {r:?} < {mn}")),
            }
        }
        for (n, mx) in &e.max_margin_ratio {
            match o.margin_ratios.get(n) {
                Some(r) if *r <= *mx => {}
                r => f.push(format!("margin ratio γ_{n}/γ*_{n} = {r:?} > {mx}")),
            }
        }
        let kappas = o.own_kappas();
        if let Some(fac) = e.own_kappa_step_factor {
            for (i, w) in kappas.windows(2).enumerate() {
                if !ge(fac * w[0], w[1]) {
                    f.push(format!(
                        "own κ trend: {:.3e} at {} after {:.3e} at {} (allowed factor {fac})",
                        w[1],
                        o.points[i + 1].label,
                        w[0],
                        o.points[i].label
                    ));
                }
            }
        }
        if let Some(fac) = e.own_kappa_final_over_first {
            if kappas.len() < 2 {
                f.push("own κ trend needs at least two checked points".into());
            } else {
                let (a, b) = (kappas[0], kappas[kappas.len() - 1]);
                if !ge(fac * a, b) {
                    f.push(format!("own κ final {b:.3e} > {fac} × first {a:.3e}"));
                }
            }
        }
        if let Some(floor) = e.other_kappa_floor {
            for p in &o.points {
                for c in p.others(own) {
                    if !ge(c.kappa_lower_bound, floor) {
                        f.push(format!(
                            "`{}` lower bound {:.3e} below the floor {floor} at {}",
                            c.norm, c.kappa_lower_bound, p.label
                        ));
                    }
                }
            }
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
suite = "extra"
theorem = "t"
[data]
generator = { type = "linear_teacher", m = 8, d = 3, seed = 1 }
[model]
spec = "linear"
[train]
max_steps = 10
[optimizer]
type = "ngd"
[schedule]
type = "constant"
eta0 = 0.1
[check]
norms = ["l2"]
own = "l2"
"#;

    #[test]
    fn a_minimal_case_parses_and_runs() {
        let c = TheoremCase::parse(MINIMAL, "min", Path::new(".")).unwrap();
        assert_eq!(c.name, "min");
        let o = c.run().unwrap();
        assert_eq!(o.run.steps, 10);
        assert_eq!(o.points.len(), 1);
        assert_eq!(o.points[0].label, "final");
    }

    #[test]
    fn bad_files_are_config_errors_naming_the_case() {
        let bad = [
            MINIMAL.replace("own = \"l2\"", "own = \"l7\""),
            MINIMAL.replace("norms = [\"l2\"]", "norms = []"),
            MINIMAL.replace(
                "[check]",
                "[expect]\nverdicts = { l1 = [\"kkt\"] }\n[check]",
            ),
            MINIMAL.replace(
                "[check]",
                "[expect]\nmin_margin_ratio = { spectral = 1.0 }\n[check]",
            ),
            MINIMAL.replace("[check]", "[expect]\nstop = \"diverged\"\n[check]"),
            MINIMAL.replace("max_steps = 10", "max_steps = 10\nbogus = 1"),
            MINIMAL.replace("type = \"ngd\"", "type = \"ngd\"\nbeta = 0.9"),
        ];
        for (i, text) in bad.iter().enumerate() {
            match TheoremCase::parse(text, "broken", Path::new(".")) {
                Err(Error::Config(msg)) => assert!(msg.contains("broken"), "{i}: {msg}"),
                other => panic!("{i}: expected a config error, got {other:?}"),
            }
        }
    }
}
