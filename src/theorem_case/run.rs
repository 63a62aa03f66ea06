//! Running a theorem case: data, model and training configuration ([`CaseSetup`]),
//! training (θ saved when log L first crosses each checkpoint level), the KKT checker at
//! every checkpoint and at the final θ ([`CasePoint`]), the exact max-margin references of
//! linear models, and the expectations evaluated into failures ([`CaseOutcome`]).

use super::assumptions::{AssumptionCheck, Status, TheoremId};
use super::schema::{mm_norm, OwnNorm, TheoremCase};
use crate::data::Dataset;
use crate::error::Result;
use crate::kkt::{check_set, kink_tol_flip, Certificate, KinkScan, Verdict};
use crate::margin::hard_margin;
use crate::maxmargin::max_margin;
use crate::models::{Model, ModelSpec};
use crate::norms::NormSpec;
use crate::optim::Optimizer;
use crate::train::{train, TrainConfig, TrainResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// The theorem whose assumptions were checked.
    pub theorem_id: TheoremId,
    /// The case's `outside` marker (a deliberate contrast outside the assumptions).
    pub outside: Option<String>,
    /// The theorem's assumptions: the static ones as checked at load, the run-time ones
    /// ((R1), (A1), (T3)) resolved on this run.
    pub assumptions: Vec<AssumptionCheck>,
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
    /// Kink-tolerance sensitivity of the own certificate at the final θ
    /// ([`crate::kkt::kink_tol_flip`]: near-kink counts and verdicts over 10⁻⁹…10⁻¹, and the
    /// largest tolerance at which the verdict flips), for models with kinks (ReLU, leaky
    /// ReLU); `None` for smooth models or when the final θ could not be checked.
    pub kink_scan: Option<KinkScan>,
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
}

/// One θ of a run to certify: (label, checkpoint level, step, log L, θ).
type Target<'a> = (String, Option<f64>, u64, f64, &'a [f64]);

impl TheoremCase {
    /// Data, model, θ0 and the training configuration.
    pub fn setup(&self) -> Result<CaseSetup> {
        let data = self.data.load(&self.base)?;
        let spec = ModelSpec::parse(&self.model.spec)?;
        let (model, theta0) = crate::params_io::instantiate(
            &spec,
            data.d(),
            data.outputs(),
            &self.model.init,
            self.model.seed,
        )?;
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
            batch_size: self.train.batch_size,
            batch_seed: self.train.batch_seed,
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
        let thetas: Vec<&[f64]> = targets.iter().map(|t| t.4).collect();
        let n_targets = targets.len();
        let final_cfg = self.final_check_config();
        for (k, (label, level, step, log_loss, theta)) in targets.into_iter().enumerate() {
            let cfg = if k + 1 == n_targets { &final_cfg } else { &cfg };
            // Certificates in the order of the checked norms; a checker error (θ does not
            // separate the data, …) is recorded in the point, not returned.
            let (certificates, own, error) =
                match check_set(model, data, theta, &setup.norms, own_spec.as_ref(), cfg) {
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

        // How much the final own verdict rests on the Clarke relaxation at kinks.
        let has_kinks =
            data.m() > 0 && model.activation_pattern(&run.theta, &data.row(0)).is_some();
        let kink_scan = match (&own_spec, has_kinks) {
            (Some(own), true) => kink_tol_flip(model, data, &run.theta, own, &final_cfg).ok(),
            _ => None,
        };

        // The theorem's assumptions, the run-time ones resolved on this run.
        let spec = ModelSpec::parse(&self.model.spec)?;
        let mut assumptions = self.assumption_checks()?;
        let support = points
            .last()
            .and_then(|p| p.own.as_ref())
            .map(|c| c.support.clone());
        super::run_checks::resolve(
            &mut assumptions,
            self.theorem_id,
            &spec,
            model,
            data,
            self.train.loss,
            &setup.theta0,
            run.log_loss,
            &thetas,
            support.as_deref(),
        );
        let violated: Vec<String> = assumptions
            .iter()
            .filter(|a| a.status == Status::Fails)
            .map(|a| a.to_string())
            .collect();
        match (&self.outside, violated.is_empty()) {
            (None, false) => failures.push(format!(
                "an assumption of {} fails on the run: {}",
                self.theorem_id.citation(),
                violated.join("; ")
            )),
            (Some(_), true) => failures.push(format!(
                "the case is marked `outside` but every assumption of {} held on the run",
                self.theorem_id.citation()
            )),
            _ => {}
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
            theorem_id: self.theorem_id,
            outside: self.outside.clone(),
            assumptions,
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
            kink_scan,
            failures,
        };
        let more = self.expectation_failures(&out);
        out.failures.extend(more);
        Ok(out)
    }
}
