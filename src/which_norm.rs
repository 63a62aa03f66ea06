//! Implicit-norm discovery: "which margin does *my* optimizer maximize?"
//!
//! [`which_norm`] trains a given optimizer on a fixed set of small **standard cases**
//! ([`standard_cases`]) and runs the independent KKT checker ([`check_many`], DESIGN §4) on
//! every final direction against a **panel** of candidate norms ([`default_panel`]: ℓ1, ℓ2,
//! ℓ∞, ℓ3, spectral, max-spectral, hybrid max{‖W‖_msp, ‖u‖_∞}). The checker is *not* told the
//! optimizer's norm (`own = None`) and the optimizer's [`Optimizer::implicit_norm`] is never
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
//! coincide on *every* case where both apply ([`same_norm_on`]) cannot be told apart by any
//! certificate here; the report lists both.
//!
//! The outcome is [`Answer::Named`] (one or more norms), [`Answer::Inconclusive`] (no norm
//! named but some undecided: typically training too short for the KKT tolerance, as for
//! Adam(ε = 0) with β2 = 0.999, DESIGN "measured fact"), or [`Answer::NoneOfPanel`] (every
//! norm rejected: the optimizer's implicit norm is not in the panel, e.g. AdaGrad's weighted
//! ℓ2, [A] Thm 6, or the optimizer does not converge in direction).
//!
//! # Schedules
//!
//! Each case carries one learning-rate schedule per [`ScheduleClass`] the optimizer reports:
//! `Nsd` (normalized steepest descent, Σ η = ∞, [M] LR-NSD) and `Msd`/`Adam`/`None` (momentum
//! and adaptive methods, η = o(t^{1/L−1}), [M] LR-MSD). The values are the ones the theorem
//! suite calibrated (fixtures/cases). [`WhichNormConfig::schedule`] overrides them for every
//! case.

use crate::data::{generators, Dataset};
use crate::error::{Error, Result};
use crate::kkt::{check_many, same_norm_on, Certificate, CheckConfig, Verdict};
use crate::loss::Loss;
use crate::models::{Init, ModelSpec};
use crate::norms::NormSpec;
use crate::numfmt::kappa_with_bound;
use crate::optim::{Optimizer, Schedule, ScheduleClass};
use crate::params::Layout;
use crate::train::{train, TrainConfig};
use serde::{Deserialize, Serialize};

/// One standard case: data, model, step budget, schedules and checker tolerances.
#[derive(Debug, Clone)]
pub struct StandardCase {
    /// Short name (`linear`, `frozen_relu2`, `relu2`).
    pub name: &'static str,
    /// One-line description (data, model, why it is in the set).
    pub description: &'static str,
    /// The dataset (seeded generator).
    pub data: fn() -> Result<Dataset>,
    /// A [`ModelSpec`] string.
    pub model: &'static str,
    /// Initialization (the seed is `init_seed`).
    pub init: Init,
    /// Initialization seed.
    pub init_seed: u64,
    /// Step cap.
    pub max_steps: u64,
    /// Stop early at this natural-log loss (None: run to `max_steps`).
    pub target_log_loss: Option<f64>,
    /// Schedule for [`ScheduleClass::Nsd`] optimizers.
    pub nsd_schedule: Schedule,
    /// Schedule for every other class (momentum, adaptive).
    pub msd_schedule: Schedule,
    /// Checker tolerances.
    pub check: CheckConfig,
}

impl StandardCase {
    /// The schedule for an optimizer of class `class`.
    pub fn schedule_for(&self, class: ScheduleClass) -> Schedule {
        match class {
            ScheduleClass::Nsd => self.nsd_schedule,
            _ => self.msd_schedule,
        }
    }
}

fn linear_data() -> Result<Dataset> {
    generators::linear_teacher(40, 30, None, 1)
}

fn relu2_data() -> Result<Dataset> {
    generators::quadratic_rank4(30, 10, false, 4)
}

/// The two-layer checker settings of the theorem suite (fixtures/cases/tl_*.toml):
/// κ_kkt = 0.02 (the smooth ReLU² nets reach 2e-3 to 1.4e-2 within 2·10⁵ steps), column
/// generation capped at 20 rounds with a 10 % relative tolerance.
fn two_layer_check() -> CheckConfig {
    CheckConfig {
        kappa_kkt: 0.02,
        kappa_not: 0.03,
        max_colgen_iters: 20,
        colgen_tol: 0.1,
        ..CheckConfig::default()
    }
}

/// The standard cases, in order:
///
/// 1. `linear` — linear model on 40 Gaussian points in d = 30 labelled by a random linear
///    teacher (seed 1), from θ0 ≈ 0, to L = e^{−1000} (≤ 4·10⁵ steps) — the setting of
///    [F] Thm 3.4 / [M] Thm 3.2–3.3 with L = 1, where ℓ1, ℓ2, ℓ∞ and ℓ3 are sharply separated;
/// 2. `frozen_relu2` — two-layer ReLU² net, width 16, fixed ±1/k output layer (one matrix
///    block W, [F] §4.3), on `quadratic_rank4` data (m = 30, d = 10, seed 4), 2·10⁵ steps —
///    separates `spectral` from ℓ2 / ℓ∞;
/// 3. `relu2` — the same net with trained output layer (blocks W and u), 2·10⁵ steps —
///    separates `max_spectral` and `hybrid` from each other and from ℓ2 / ℓ∞.
///
/// Schedules (LR-MSD for L = 2 needs decay > 1/2):
///
/// | case | NSD class | other classes |
/// |---|---|---|
/// | linear | η = 0.03 | 0.05·t^{−0.3} |
/// | frozen_relu2 | 1·t^{−0.55} | 1·t^{−0.55} |
/// | relu2 | 0.1·t^{−0.5} | 0.1·t^{−0.65} |
///
/// Calibrated (2026-11-23) so that NGD, normalized momentum GD, sign GD, Signum, Muon,
/// Muon-Signum, spectral descent and Adam(ε = 0, β2 = 0.95) all separate the data and their
/// own-norm κ is within the case's κ_kkt wherever the theory applies — except two measured
/// limits: Adam(ε = 0) on `relu2` (κ ≈ 0.09, the theorem suite's open case) and sign GD on
/// `relu2`, which reaches ℓ∞ KKT only with η = 0.1·t^{−0.7} (κ 3.6e-3) and stalls at
/// κ ≈ 0.17–0.47 with every larger step tried (0.1·t^{−0.5}, 0.1·t^{−0.6}, 0.5·t^{−0.7}).
/// The relu2 momentum schedule is a compromise: at 0.1·t^{−0.7} normalized momentum GD only
/// reaches log10 L ≈ −14 (not KKT), at 0.1·t^{−0.55} Muon and Muon-Signum stay above κ_kkt;
/// at 0.1·t^{−0.65} Signum (κ 7.0e-3), Muon (2.7e-3), Muon-Signum (5.2e-3, hybrid) and
/// normalized momentum GD (1.3e-2) all pass.
/// The theorem suite's linear sign-GD case uses η = 0.01; η = 0.1 cycles (κ 0.086).
pub fn standard_cases() -> Vec<StandardCase> {
    vec![
        StandardCase {
            name: "linear",
            description: "linear model, linear teacher m=40 d=30 (seed 1), to L = e^-1000",
            data: linear_data,
            model: "linear",
            init: Init::default(),
            init_seed: 0,
            max_steps: 400_000,
            target_log_loss: Some(-1000.0),
            nsd_schedule: Schedule::Constant { eta0: 0.03 },
            msd_schedule: Schedule::Power {
                eta0: 0.05,
                decay: 0.3,
            },
            check: CheckConfig::default(),
        },
        StandardCase {
            name: "frozen_relu2",
            description: "two-layer ReLU^2 net k=16, frozen output (one matrix block), \
                          quadratic_rank4 m=30 d=10 (seed 4), 2e5 steps",
            data: relu2_data,
            model: "two_layer_frozen:relu_pow:2:k=16",
            init: Init::default(),
            init_seed: 0,
            max_steps: 200_000,
            target_log_loss: None,
            nsd_schedule: Schedule::Power {
                eta0: 1.0,
                decay: 0.55,
            },
            msd_schedule: Schedule::Power {
                eta0: 1.0,
                decay: 0.55,
            },
            check: two_layer_check(),
        },
        StandardCase {
            name: "relu2",
            description: "two-layer ReLU^2 net k=16 (blocks W, u), quadratic_rank4 m=30 d=10 \
                          (seed 4), 2e5 steps",
            data: relu2_data,
            model: "two_layer:relu_pow:2:k=16",
            init: Init::default(),
            init_seed: 0,
            max_steps: 200_000,
            target_log_loss: None,
            nsd_schedule: Schedule::Power {
                eta0: 0.1,
                decay: 0.5,
            },
            msd_schedule: Schedule::Power {
                eta0: 0.1,
                decay: 0.65,
            },
            check: two_layer_check(),
        },
    ]
}

/// The default candidate norms: `l1`, `l2`, `linf`, `lp:3`, `spectral`, `max_spectral`,
/// `hybrid:1:1`.
pub fn default_panel() -> Vec<NormSpec> {
    vec![
        NormSpec::L1,
        NormSpec::L2,
        NormSpec::Linf,
        NormSpec::Lp(3.0),
        NormSpec::Spectral,
        NormSpec::MaxSpectral,
        NormSpec::Hybrid {
            w_matrix: 1.0,
            w_vector: 1.0,
        },
    ]
}

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
}

impl Default for WhichNormConfig {
    fn default() -> Self {
        WhichNormConfig {
            cases: standard_cases(),
            panel: default_panel(),
            schedule: None,
            steps_factor: 1.0,
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

/// A panel norm's result on one case.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cell {
    /// The norm's spec string.
    pub norm: String,
    /// The certificate (None: the norm does not fit this case's layout).
    pub certificate: Option<Certificate>,
}

impl Cell {
    /// `kkt`, `not_kkt`, `inconclusive` or `n/a`.
    pub fn verdict_str(&self) -> &'static str {
        self.certificate
            .as_ref()
            .map_or("n/a", |c| c.verdict.as_str())
    }
}

/// The evidence from one standard case.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseEvidence {
    /// Case name.
    pub case: String,
    /// Case description.
    pub description: String,
    /// The schedule used.
    pub schedule: Schedule,
    /// Steps taken.
    pub steps: u64,
    /// Why training stopped (`target_reached`, `max_steps`, …).
    pub stop: String,
    /// Final log10 L.
    pub final_log10_loss: f64,
    /// Training wall time (s).
    pub train_seconds: f64,
    /// Checker wall time for the whole panel (s).
    pub check_seconds: f64,
    /// One cell per panel norm, in panel order.
    pub cells: Vec<Cell>,
    /// Training or checker failure (then `cells` are all `n/a`).
    pub error: Option<String>,
}

/// Per-norm summary over the cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormStatus {
    /// `kkt` on every case where the norm applies.
    Named,
    /// `not_kkt` on at least one case.
    Rejected,
    /// Neither.
    Undecided,
}

/// One row of the summary: a panel norm, its status and its worst κ.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NormRow {
    /// Spec string.
    pub norm: String,
    /// Named / rejected / undecided.
    pub status: NormStatus,
    /// Cases where the norm applies.
    pub cases_applicable: usize,
    /// Largest achieved κ over the applicable cases (NaN if none).
    pub max_kappa: f64,
    /// Largest certified lower bound on κ over the applicable cases.
    pub max_kappa_lower_bound: f64,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "norms", rename_all = "snake_case")]
pub enum Answer {
    /// These norms are KKT on every case (more than one only when the certificates cannot
    /// tell them apart on these cases).
    Named(Vec<String>),
    /// No norm named, some undecided.
    Inconclusive,
    /// Every panel norm rejected.
    NoneOfPanel,
}

/// Result of [`which_norm`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WhichNormReport {
    /// The optimizer's name.
    pub optimizer: String,
    /// Panel spec strings.
    pub panel: Vec<String>,
    /// Evidence per case.
    pub cases: Vec<CaseEvidence>,
    /// Per-norm summary, in panel order.
    pub norms: Vec<NormRow>,
    /// The answer.
    pub answer: Answer,
    /// One or two sentences explaining the answer.
    pub explanation: String,
}

impl WhichNormReport {
    /// The named norms (empty unless [`Answer::Named`]).
    pub fn named(&self) -> Vec<String> {
        match &self.answer {
            Answer::Named(v) => v.clone(),
            _ => Vec::new(),
        }
    }

    /// The certificate of `norm` on `case`, if it was checked.
    pub fn cert(&self, case: &str, norm: &str) -> Option<&Certificate> {
        let c = self.cases.iter().find(|c| c.case == case)?;
        c.cells
            .iter()
            .find(|x| x.norm == norm)?
            .certificate
            .as_ref()
    }

    /// A plain-text table: one row per norm, one column per case with κ / lower bound /
    /// verdict, then the answer.
    pub fn table(&self) -> String {
        let mut s = format!("which-norm: {}\n", self.optimizer);
        for c in &self.cases {
            s.push_str(&format!(
                "  case {:<13} {} steps, log10 L = {:.1} ({}), schedule {}, train {:.1}s, check {:.1}s{}\n",
                c.case,
                c.steps,
                c.final_log10_loss,
                c.stop,
                schedule_str(&c.schedule),
                c.train_seconds,
                c.check_seconds,
                c.error.as_ref().map(|e| format!(", ERROR: {e}")).unwrap_or_default()
            ));
        }
        s.push_str(&format!("{:<13}", "norm"));
        for c in &self.cases {
            s.push_str(&format!(" {:>30}", c.case));
        }
        s.push_str("  status\n");
        for (i, row) in self.norms.iter().enumerate() {
            s.push_str(&format!("{:<13}", row.norm));
            for c in &self.cases {
                let cell = &c.cells[i];
                let txt = match &cell.certificate {
                    Some(k) => format!(
                        "{} {}",
                        kappa_with_bound(k.kappa, k.kappa_lower_bound),
                        k.verdict.as_str()
                    ),
                    None => "n/a".to_string(),
                };
                s.push_str(&format!(" {txt:>30}"));
            }
            s.push_str(&format!("  {:?}\n", row.status).to_lowercase());
        }
        s.push_str("(cells: κ (certified lower bound) verdict)\n");
        s.push_str(&format!("answer: {}\n", self.explanation));
        s
    }
}

/// `constant(0.1)` / `power(0.1, 0.7)`.
pub fn schedule_str(s: &Schedule) -> String {
    match s {
        Schedule::Constant { eta0 } => format!("η={eta0}"),
        Schedule::Power { eta0, decay } => format!("η={eta0}·t^-{decay}"),
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
    let (model, theta0) = spec.instantiate(data.d(), &case.init, case.init_seed)?;
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
    let cases: Vec<CaseEvidence> = cfg
        .cases
        .par_iter()
        .map(|c| run_case(opt, c, &cfg.panel, cfg.schedule, cfg.steps_factor))
        .collect::<Result<Vec<_>>>()?;
    let layouts: Vec<Option<Layout>> = cfg
        .cases
        .iter()
        .map(|c| {
            let data = (c.data)().ok()?;
            let spec = ModelSpec::parse(c.model).ok()?;
            let (model, _) = spec.instantiate(data.d(), &c.init, c.init_seed).ok()?;
            Some(model.layout().clone())
        })
        .collect();
    Ok(decide(opt.name(), &cfg.panel, cases, &layouts))
}

/// Apply the decision rule to the evidence (`layouts[i]` is case i's layout, used to tell
/// aliases apart).
fn decide(
    optimizer: String,
    panel: &[NormSpec],
    cases: Vec<CaseEvidence>,
    layouts: &[Option<Layout>],
) -> WhichNormReport {
    let mut rows = Vec::new();
    for (i, n) in panel.iter().enumerate() {
        let certs: Vec<&Certificate> = cases
            .iter()
            .filter_map(|c| c.cells[i].certificate.as_ref())
            .collect();
        let any_error = cases.iter().any(|c| c.error.is_some());
        let status = if certs.iter().any(|c| c.verdict == Verdict::NotKkt) {
            NormStatus::Rejected
        } else if !certs.is_empty() && !any_error && certs.iter().all(|c| c.verdict == Verdict::Kkt)
        {
            NormStatus::Named
        } else {
            NormStatus::Undecided
        };
        rows.push(NormRow {
            norm: n.to_string(),
            status,
            cases_applicable: certs.len(),
            max_kappa: certs.iter().map(|c| c.kappa).fold(f64::NAN, f64::max),
            max_kappa_lower_bound: certs
                .iter()
                .map(|c| c.kappa_lower_bound)
                .fold(f64::NAN, f64::max),
        });
    }
    let named: Vec<usize> = (0..panel.len())
        .filter(|&i| rows[i].status == NormStatus::Named)
        .collect();
    let (answer, explanation) = if !named.is_empty() {
        let names: Vec<String> = named.iter().map(|&i| rows[i].norm.clone()).collect();
        let mut expl = format!(
            "{} — KKT (κ ≤ κ_kkt) for every trained direction",
            names.join(", ")
        );
        if named.len() > 1 {
            // Are the named norms structurally identical wherever both apply?
            let alias = |a: usize, b: usize| {
                layouts.iter().zip(&cases).all(|(l, c)| {
                    match (&c.cells[a].certificate, &c.cells[b].certificate, l) {
                        (Some(_), Some(_), Some(l)) => same_norm_on(&panel[a], &panel[b], l),
                        _ => true,
                    }
                })
            };
            let all_alias = named.iter().all(|&a| named.iter().all(|&b| alias(a, b)));
            if all_alias {
                expl.push_str("; these norms coincide on every case where both apply, so no certificate here can tell them apart");
            } else {
                expl.push_str("; the certificates could not separate them on these cases");
            }
        }
        let rejected: Vec<&str> = rows
            .iter()
            .filter(|r| r.status == NormStatus::Rejected)
            .map(|r| r.norm.as_str())
            .collect();
        if !rejected.is_empty() {
            expl.push_str(&format!("; certified not KKT: {}", rejected.join(", ")));
        }
        (Answer::Named(names), expl)
    } else if rows.iter().any(|r| r.status == NormStatus::Undecided) {
        let best = rows
            .iter()
            .filter(|r| r.status == NormStatus::Undecided && r.max_kappa.is_finite())
            .min_by(|a, b| a.max_kappa.total_cmp(&b.max_kappa));
        (
            Answer::Inconclusive,
            format!(
                "inconclusive — no panel norm is KKT on every case{}",
                best.map(|b| format!(
                    "; closest: {} (largest κ {:.3e}); longer training may decide it",
                    b.norm, b.max_kappa
                ))
                .unwrap_or_default()
            ),
        )
    } else {
        (
            Answer::NoneOfPanel,
            "none of the panel — every candidate norm is certified not KKT on some case"
                .to_string(),
        )
    };
    WhichNormReport {
        optimizer,
        panel: panel.iter().map(|n| n.to_string()).collect(),
        cases,
        norms: rows,
        answer,
        explanation,
    }
}
