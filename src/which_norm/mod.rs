//! Implicit-norm discovery: "which margin does *my* optimizer maximize?"
//!
//! [`which_norm`] trains a given optimizer on a fixed set of small **standard cases**
//! ([`standard_cases`]) and runs the independent KKT checker ([`crate::kkt::check_many`]) on
//! every final direction against a **panel** of candidate norms ([`default_panel`]: ℓ1, ℓ2,
//! ℓ∞, ℓ3, spectral, max-spectral, hybrid max{‖W‖_msp, ‖u‖_∞}). The checker is *not* told the
//! optimizer's norm (`own = None`) and the optimizer's [`crate::optim::Optimizer::implicit_norm`] is never
//! read: the answer comes from the trained directions alone.
//!
//! # Decision rule
//!
//! For each case and each panel norm that fits the case's parameter layout the checker gives
//! a verdict (`kkt`: κ ≤ κ_kkt, `not_kkt`: certified lower bound ≥ κ_not, else
//! `inconclusive`). A norm that does not fit a layout (`spectral` needs a single block) is
//! `n/a` there. Then, per norm:
//!
//! * **named** — `kkt` on every case where it applies: the final directions satisfy its KKT
//!   conditions everywhere (the answer to the question);
//! * **rejected** — `not_kkt` on at least one case (certified: some trained direction is not a
//!   KKT point of that norm's max-margin problem, by at least κ_not);
//! * **undecided** — otherwise.
//!
//! The cases are chosen so that the panel norms differ somewhere: on the linear model
//! `spectral` ≡ ℓ2 and `hybrid` ≡ ℓ∞ (a single vector block), on the frozen-output net
//! (a single matrix block) `max_spectral` ≡ `spectral` and `hybrid` ≡ `spectral`, and only the
//! two-block net separates `max_spectral` and `hybrid` from the rest. Two named norms that
//! coincide on *every* case where both apply ([`crate::kkt::same_norm_on`]) cannot be told apart by any
//! certificate here; the report lists both.
//!
//! Every certificate also carries τ_kkt, the smallest τ at which it would be `kkt`
//! ([`crate::kkt::Certificate::tau_kkt`]; searched where cheap unless
//! [`WhichNormConfig::tau_search`] says otherwise), and each norm's row the largest τ_kkt over
//! the cases ([`NormRow::tau_kkt`]). The answer stays the one at the configured τ; when no norm
//! is named, [`WhichNormReport::relaxed`] names the norm that is `kkt` on every case at the
//! smallest τ and the runner-up's τ. Measured for Adam(ε = 0, β2 = 0.95), default 2·10⁵
//! steps, `--tau-search on`: ℓ∞ from τ = 0.036 (rejected at τ = 0.01 on the two-layer net,
//! κ 0.092), next ℓ3 from τ = 0.070, ℓ2 0.48, max-spectral 0.23, hybrid 0.42, ℓ1 none ≤ 0.5.
//!
//! The outcome is [`Answer::Named`] (one or more norms), [`Answer::Inconclusive`] (no norm
//! named but some undecided: typically training too short for the KKT tolerance, as for
//! Adam(ε = 0) with β2 = 0.999, measured), or [`Answer::NoneOfPanel`] (every
//! norm rejected: the optimizer's implicit norm is not in the panel, e.g. AdaGrad's weighted
//! ℓ2, \[A\] Thm 6, or the optimizer does not converge in direction).
//!
//! # Schedules
//!
//! Each case carries one learning-rate schedule per [`crate::optim::ScheduleClass`] the optimizer reports:
//! `Nsd` (normalized steepest descent, Σ η = ∞, \[M\] LR-NSD) and `Msd`/`Adam`/`None` (momentum
//! and adaptive methods, η = o(t^{1/L−1}), \[M\] LR-MSD). The values are the ones the theorem
//! suite calibrated (fixtures/cases). [`WhichNormConfig::schedule`] overrides them for every
//! case.
//!
//! # Files
//!
//! * `cases.rs` — the standard cases ([`standard_cases`]) and the default panel
//!   ([`default_panel`]);
//! * `report.rs` — the evidence, the decision rule and the answer ([`WhichNormReport`]);
//! * this file — what to run ([`WhichNormConfig`]) and running it ([`which_norm`],
//!   [`run_case`]).

mod cases;
mod report;

pub use cases::{default_panel, standard_cases, StandardCase};
pub use report::{
    schedule_str, Answer, CaseEvidence, Cell, NormRow, NormStatus, RelaxedAnswer, WhichNormReport,
};

use report::decide;

use crate::error::{Error, Result};
use crate::kkt::{check_many, TauSearchMode};
use crate::loss::Loss;
use crate::models::ModelSpec;
use crate::norms::NormSpec;
use crate::optim::{Optimizer, Schedule};
use crate::params::Layout;
use crate::train::{train, TrainConfig};

/// What to run.
#[derive(Debug, Clone)]
pub struct WhichNormConfig {
    /// The cases (default: [`standard_cases`]).
    pub cases: Vec<StandardCase>,
    /// Candidate norms (default: [`default_panel`]).
    pub panel: Vec<NormSpec>,
    /// Use this schedule on every case instead of the case's per-class schedule.
    pub schedule: Option<Schedule>,
    /// Multiply every case's step cap by this factor (> 0; default 1).
    pub steps_factor: f64,
    /// Override every case's τ search mode (default: the cases' own, `auto` — the search
    /// runs where it is cheap: every polyhedral norm, and the column-generation norms on the
    /// linear case; `on` adds spectral/max-spectral/hybrid on the nets at +7–11 s each).
    pub tau_search: Option<TauSearchMode>,
}

impl Default for WhichNormConfig {
    fn default() -> Self {
        WhichNormConfig {
            cases: standard_cases(),
            panel: default_panel(),
            schedule: None,
            steps_factor: 1.0,
            tau_search: None,
        }
    }
}

impl WhichNormConfig {
    /// Keep only the named cases (error for an unknown name or an empty list).
    pub fn select_cases(&mut self, names: &[String]) -> Result<()> {
        if names.is_empty() {
            return Err(Error::Config("no cases selected".into()));
        }
        let all = std::mem::take(&mut self.cases);
        for n in names {
            match all.iter().find(|c| c.name == n.as_str()) {
                Some(c) => self.cases.push(c.clone()),
                None => {
                    let known: Vec<&str> = all.iter().map(|c| c.name).collect();
                    return Err(Error::Config(format!(
                        "unknown case `{n}`; expected one of {}",
                        known.join(", ")
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Train `opt` on one case and certify the final direction against the panel.
pub fn run_case(
    opt: &dyn Optimizer,
    case: &StandardCase,
    panel: &[NormSpec],
    schedule: Option<Schedule>,
    steps_factor: f64,
) -> Result<CaseEvidence> {
    let data = (case.data)()?;
    let spec = ModelSpec::parse(case.model)?;
    let (model, theta0) =
        spec.instantiate_for(data.d(), data.outputs(), &case.init, case.init_seed)?;
    model.validate_data(&data)?;
    let schedule = schedule.unwrap_or_else(|| case.schedule_for(opt.schedule_class()));
    schedule.validate()?;
    let max_steps = ((case.max_steps as f64) * steps_factor).round().max(1.0) as u64;
    let cfg = TrainConfig {
        schedule,
        max_steps,
        target_log_loss: case.target_log_loss,
        trace_per_decade: 0,
        ..TrainConfig::default()
    };
    let empty_cells = || -> Vec<Cell> {
        panel
            .iter()
            .map(|n| Cell {
                norm: n.to_string(),
                certificate: None,
            })
            .collect()
    };
    let mut ev = CaseEvidence {
        case: case.name.to_string(),
        description: case.description.to_string(),
        schedule,
        steps: 0,
        stop: String::new(),
        final_log10_loss: f64::NAN,
        train_seconds: 0.0,
        check_seconds: 0.0,
        cells: empty_cells(),
        error: None,
    };
    let run = match train(model.as_ref(), &data, Loss::Exponential, opt, &cfg, theta0) {
        Ok(r) => r,
        Err(e) => {
            ev.error = Some(format!("training failed: {e}"));
            return Ok(ev);
        }
    };
    ev.steps = run.steps;
    ev.stop = run.stop.as_str().to_string();
    ev.final_log10_loss = run.log_loss / std::f64::consts::LN_10;
    ev.train_seconds = run.wall_seconds;
    if run.stop.is_failure() {
        ev.error = Some(format!("training stopped: {:?}", run.stop));
        return Ok(ev);
    }
    let layout = model.layout();
    let fits: Vec<bool> = panel.iter().map(|n| fits_layout(n, layout)).collect();
    let checked: Vec<NormSpec> = panel
        .iter()
        .zip(&fits)
        .filter(|(_, f)| **f)
        .map(|(n, _)| n.clone())
        .collect();
    let t = std::time::Instant::now();
    match check_many(
        model.as_ref(),
        &data,
        &run.theta,
        &checked,
        None,
        &case.check,
    ) {
        Ok(certs) => {
            let mut it = certs.into_iter();
            for (cell, f) in ev.cells.iter_mut().zip(&fits) {
                if *f {
                    cell.certificate = it.next();
                }
            }
        }
        Err(e) => ev.error = Some(format!("checker failed: {e}")),
    }
    ev.check_seconds = t.elapsed().as_secs_f64();
    Ok(ev)
}

/// Whether a norm can be built on a layout (`spectral` needs a single block; `weighted_l2`
/// one weight per parameter).
fn fits_layout(n: &NormSpec, layout: &Layout) -> bool {
    n.build(layout).is_ok()
}

/// Train `opt` on every case of `cfg` (in parallel, one thread per case up to the machine's
/// parallelism; results do not depend on the thread count) and decide which panel norm's KKT
/// conditions its final directions satisfy (module docs: decision rule).
pub fn which_norm(opt: &dyn Optimizer, cfg: &WhichNormConfig) -> Result<WhichNormReport> {
    if cfg.cases.is_empty() {
        return Err(Error::Config("which-norm needs at least one case".into()));
    }
    if cfg.panel.is_empty() {
        return Err(Error::Config(
            "which-norm needs at least one panel norm".into(),
        ));
    }
    if !(cfg.steps_factor > 0.0 && cfg.steps_factor.is_finite()) {
        return Err(Error::Config(format!(
            "steps factor must be finite and > 0, got {}",
            cfg.steps_factor
        )));
    }
    if let Some(s) = &cfg.schedule {
        s.validate()?;
    }
    use rayon::prelude::*;
    let mut standard = cfg.cases.clone();
    if let Some(mode) = cfg.tau_search {
        for c in &mut standard {
            c.check.tau_search = mode;
        }
    }
    let cases: Vec<CaseEvidence> = standard
        .par_iter()
        .map(|c| run_case(opt, c, &cfg.panel, cfg.schedule, cfg.steps_factor))
        .collect::<Result<Vec<_>>>()?;
    let layouts: Vec<Option<Layout>> = cfg
        .cases
        .iter()
        .map(|c| {
            let data = (c.data)().ok()?;
            let spec = ModelSpec::parse(c.model).ok()?;
            let (model, _) = spec
                .instantiate_for(data.d(), data.outputs(), &c.init, c.init_seed)
                .ok()?;
            Some(model.layout().clone())
        })
        .collect();
    Ok(decide(opt.name(), &cfg.panel, cases, &layouts))
}
