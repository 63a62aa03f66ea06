//! The theorem-case file format (see [`crate::theorem_case`] for an annotated example):
//! [`TheoremCase`] and its sections, parsing with errors that name the case, loading a
//! directory of case files, and the semantic checks beyond the schema
//! ([`TheoremCase::validate`]).

use super::assumptions::{AssumptionCheck, Status, TheoremId};
use crate::data::DataConfig;
use crate::error::{Error, Result};
use crate::kkt::{CheckConfig, TauSearchMode, Verdict};
use crate::loss::Loss;
use crate::maxmargin::MaxMarginNorm;
use crate::models::{Init, ModelSpec};
use crate::norms::NormSpec;
use crate::optim::{OptimizerConfig, Schedule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `[model]` of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseModel {
    /// Model spec string ([`ModelSpec`]).
    pub spec: String,
    /// Initialization (default Kaiming-normal × 0.01, \[M\] App. D).
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
    /// Mini-batch size (absent: full batch; see [`crate::train::TrainConfig::batch_size`]).
    #[serde(default)]
    pub batch_size: Option<usize>,
    /// Seed of the mini-batch sampler (default 0).
    #[serde(default)]
    pub batch_seed: u64,
}

/// `[check]` of a case: the norms and the checker's tolerances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseCheck {
    /// Norms to certify (written as spec strings).
    pub norms: Vec<NormSpec>,
    /// The expected own norm: a spec string, or `"implicit"` for the optimizer's
    /// [`crate::optim::Optimizer::implicit_norm`] read from its final state. `None`: no own norm.
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
    /// Override of [`CheckConfig::tau_search`] at every checked point. Unset: `off` at the
    /// checkpoints (the suite checks every checkpoint of every case, and the search would
    /// multiply the time of each polyhedral-norm certificate by ≈ 6 on the two-layer cases,
    /// `TauSearchMode`) and `auto` at the final θ, so every final certificate where the
    /// search is cheap reports its τ_kkt.
    #[serde(default)]
    pub tau_search: Option<TauSearchMode>,
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
    /// ([`crate::optim::Optimizer::implicit_norm`]).
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
    /// ([`crate::optim::Optimizer::implicit_norm`]): a regression check of the optimizer's own claim.
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
    /// The largest relative decrease of the own-norm soft margin γ̃ between consecutive trace
    /// points (after L < ℓ(0)) that the soft-margin suite (`tests/theorems/
    /// soft_margin_monotone.rs`) accepts for this case; unset: its default 1e-9 (rounding
    /// only). \[F\] Thm 3.1 / \[M\] Thm 3.1 are about the *flow*; a case whose discrete steps
    /// measurably lower γ̃ states the measured drop and its reason next to this key.
    #[serde(default)]
    pub soft_margin_tolerance: Option<f64>,
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
    /// The theorem this case instantiates (citation shown in reports).
    pub theorem: String,
    /// The theorem whose assumptions the case must satisfy ([`TheoremId`]; table in
    /// `theorem_case/assumptions.rs`).
    pub theorem_id: TheoremId,
    /// Set (to the reason) when the case is a deliberate contrast outside its theorem's
    /// assumptions: a violated assumption is then reported instead of refused.
    #[serde(default)]
    pub outside: Option<String>,
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

/// The exact max-margin problem of a linear model under this norm, if there is one
/// (`l1`, `l2`, `linf`, and `max_spectral` / `spectral`: σ_max of the single block).
pub(super) fn mm_norm(spec: &str) -> Option<MaxMarginNorm> {
    match spec {
        "l1" => Some(MaxMarginNorm::L1),
        "l2" => Some(MaxMarginNorm::L2),
        "linf" => Some(MaxMarginNorm::Linf),
        // On a linear model's single block: σ_max(W) for C classes, ℓ2 for the binary θ.
        "max_spectral" | "spectral" => Some(MaxMarginNorm::Spectral),
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
        c.model.init = c.model.init.relative_to(base);
        c.validate()?;
        Ok(c)
    }

    /// Load one case file (name = file stem).
    pub fn load(path: &Path) -> Result<TheoremCase> {
        let text = crate::read_file::read_text(path, "theorem case file")?;
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

    /// The static assumptions of the case's theorem, checked on its method,
    /// hyper-parameters, schedule, loss and model ([`TheoremId::check`]).
    pub fn assumption_checks(&self) -> Result<Vec<AssumptionCheck>> {
        let spec = ModelSpec::parse(&self.model.spec)?;
        let mut checks =
            self.theorem_id
                .check(&self.optimizer, &self.schedule, self.train.loss, &spec);
        // Every theorem here is about full-batch (deterministic) dynamics.
        if let Some(b) = self.train.batch_size {
            checks.push(AssumptionCheck::new(
                "full batch",
                false,
                format!(
                    "the theorems of [F], [M] and [A] are about the full-batch iteration; the \
                     case trains with mini-batches of {b}"
                ),
            ));
        }
        Ok(checks)
    }

    /// Refuse a case that violates an assumption of its theorem unless it is marked
    /// `outside`, and a case marked `outside` that satisfies every assumption that can be
    /// checked before training and has none left for the run.
    fn check_assumptions(&self) -> Result<()> {
        let checks = self.assumption_checks()?;
        let failed: Vec<String> = checks
            .iter()
            .filter(|c| c.status == Status::Fails)
            .map(|c| c.to_string())
            .collect();
        let at_run = checks
            .iter()
            .any(|c| c.status == Status::AtRun && c.name != "(R1)");
        match (&self.outside, failed.is_empty()) {
            (None, false) => Err(Error::Config(format!(
                "case `{}`: the case violates an assumption of {} ({}): {}; fix the setting or mark the \
                 case as a deliberate contrast with `outside = \"<why>\"`",
                self.name,
                self.theorem_id.citation(),
                self.theorem_id,
                failed.join("; ")
            ))),
            (Some(_), true) if !at_run => Err(Error::Config(format!(
                "case `{}`: the case is marked `outside` but satisfies every assumption of {} ({}); \
                 remove the marker",
                self.name,
                self.theorem_id.citation(),
                self.theorem_id
            ))),
            _ => Ok(()),
        }
    }

    /// Semantic checks beyond the schema (every spec parses, thresholds are sane, the
    /// theorem's assumptions hold or the case is marked `outside`).
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
        self.check_assumptions()?;
        Ok(())
    }

    /// The checker configuration (defaults with this case's overrides).
    pub fn check_config(&self) -> CheckConfig {
        let mut cfg = CheckConfig {
            trajectory: self.check.trajectory,
            tau_search: self.check.tau_search.unwrap_or(TauSearchMode::Off),
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

    /// The checker configuration at the final θ: [`Self::check_config`] with
    /// `tau_search = auto` unless the case sets it.
    pub fn final_check_config(&self) -> CheckConfig {
        CheckConfig {
            tau_search: self.check.tau_search.unwrap_or(TauSearchMode::Auto),
            ..self.check_config()
        }
    }

    /// The spec strings of the checked norms, in order.
    pub fn norm_names(&self) -> Vec<String> {
        self.check.norms.iter().map(|n| n.to_string()).collect()
    }
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
