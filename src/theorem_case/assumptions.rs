//! The theorems a case may name (`theorem_id`) and their assumptions, checked when the case
//! loads ([`TheoremId::check`]) and, for the trajectory assumptions, after it ran
//! ([`super::TheoremCase::evaluate`]).
//!
//! A case that violates an assumption of its theorem fails to load with a message that names
//! the assumption, unless it is marked as a deliberate contrast outside the assumptions
//! (`outside = "why"` in the case file); then every report of the case says so. A case marked
//! `outside` whose assumptions all hold is refused as well (a stale marker would hide a
//! regression).
//!
//! | id | theorem | methods | schedule | hyper-parameters | model |
//! |---|---|---|---|---|---|
//! | `F3.1` | \[F\] Thm 3.1: soft margin non-decreasing after (A3) | steepest flows (`gd`, `coordinate_descent`, unnormalized `steepest_descent`) and normalized steepest descent ([M] Thm 3.1) | none (a flow, Euler-discretized) | — | (A1) locally Lipschitz, (A2) L-homogeneous |
//! | `F3.4` | \[F\] Thm 3.4: steepest flow → KKT of its norm | steepest flows | none | — | (A1), (A2) |
//! | `M3.2` | \[M\] Thm 3.2: normalized steepest descent → KKT | `ngd`, `sign_gd`, `spectral_descent`, normalized `steepest_descent` | (LR-NSD) | — | (M1-Weak), (M2-Weak) L > 0 |
//! | `M3.3` | \[M\] Thm 3.3: momentum steepest descent → KKT | `momentum_gd`, `normalized_momentum_gd`, `signum` | (LR-MSD) | β ∈ \[0, 1) | (M1) C¹ (or (T3) at run time, \[M\] §4), (M2) L ≥ 1 |
//! | `M3.4` | \[M\] Cor. 3.4: Muon → max-spectral | `muon` | (LR-MSD) | β ∈ \[0, 1) | as M3.3 |
//! | `M3.5` | \[M\] Cor. 3.5: Muon-Signum → max{‖W‖_msp, ‖u‖∞} | `muon_signum` | (LR-MSD) | β ∈ \[0, 1) | as M3.3 |
//! | `M3.6` | \[M\] Thm 3.6: Adam (ε = 0) → ℓ∞ | `adam`, `adam_no_momentum` | (LR-Adam) | ε = 0, β1 ≤ β2 (c1 ≥ c2); (A1) at run time | as M3.3 |
//! | `M3.7` | \[M\] Thm 3.7: Muon-Adam → max{(η_A/η_M)‖W‖_msp, ‖u‖∞} | `muon_adam` | (LR-Adam) | ε = 0, β1 ≤ β2; (A1) at run time | as M3.3 |
//! | `A6` | \[A\] Thm 6 (+ Thm 8): AdaGrad → weighted ℓ2 | `ada_grad` | constant (Assumption 2.II: η bounded below) | ε > 0 | Assumption 1 (locally Lipschitz, homogeneous); 2.I (C²) for the discrete Thm 8 |
//! | `A7` | \[A\] Thm 7 (+ Thm 8): RMSProp / Adam (w/m) with ε > 0 → ℓ2 | `rms_prop`, `adam_wm` | constant | ε > 0, no momentum | as A6 |
//!
//! Run-time checks (recorded in [`super::CaseOutcome::assumptions`], a violation is a case
//! failure unless the case is marked `outside`): (R1)/(A3) for every theorem (log L below
//! log ℓ(0) at the end); (A1) for M3.6/M3.7 (every coordinate of ∇L(θ0) non-zero); (T3) for
//! M3.3–M3.7 on a non-smooth model (the activation pattern of the support samples is the same
//! at the last two checked points). (T1) and (T2) are not checkable at finite time and are not
//! claimed.

use crate::loss::Loss;
use crate::models::{Activation, ModelSpec};
use crate::optim::{OptimizerConfig, Schedule, ScheduleClass};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A theorem a case can name (`theorem_id = "M3.6"`); see the module docs for the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TheoremId {
    /// \[F\] Thm 3.1: the soft margin of a steepest flow is non-decreasing.
    #[serde(rename = "F3.1")]
    F31,
    /// \[F\] Thm 3.4: steepest flow → KKT point of its norm's max-margin problem.
    #[serde(rename = "F3.4")]
    F34,
    /// \[M\] Thm 3.2: normalized steepest descent → KKT.
    #[serde(rename = "M3.2")]
    M32,
    /// \[M\] Thm 3.3: (normalized) momentum steepest descent → KKT.
    #[serde(rename = "M3.3")]
    M33,
    /// \[M\] Cor. 3.4: Muon → max-spectral KKT.
    #[serde(rename = "M3.4")]
    M34,
    /// \[M\] Cor. 3.5: Muon-Signum → hybrid KKT.
    #[serde(rename = "M3.5")]
    M35,
    /// \[M\] Thm 3.6: Adam with ε = 0 → ℓ∞ KKT.
    #[serde(rename = "M3.6")]
    M36,
    /// \[M\] Thm 3.7: Muon-Adam → weighted hybrid KKT.
    #[serde(rename = "M3.7")]
    M37,
    /// \[A\] Thm 6: AdaGrad → weighted ℓ2 KKT.
    #[serde(rename = "A6")]
    A6,
    /// \[A\] Thm 7: RMSProp / Adam (w/m) with ε > 0 → ℓ2 KKT.
    #[serde(rename = "A7")]
    A7,
}

/// Every theorem id, in table order.
pub const ALL_THEOREMS: [TheoremId; 10] = [
    TheoremId::F31,
    TheoremId::F34,
    TheoremId::M32,
    TheoremId::M33,
    TheoremId::M34,
    TheoremId::M35,
    TheoremId::M36,
    TheoremId::M37,
    TheoremId::A6,
    TheoremId::A7,
];

/// How an assumption stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It holds (the detail gives the margin).
    Holds,
    /// It is violated.
    Fails,
    /// It cannot be decided before training; it is checked on the run.
    AtRun,
}

/// One assumption of a theorem, checked on a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssumptionCheck {
    /// The assumption as the paper names it (`"(LR-MSD)"`, `"β1 ≤ β2"`, …).
    pub name: String,
    /// Whether it holds.
    pub status: Status,
    /// The numbers: what is required, what the case has, and the margin.
    pub detail: String,
}

impl AssumptionCheck {
    pub(crate) fn new(name: &str, holds: bool, detail: String) -> Self {
        AssumptionCheck {
            name: name.to_string(),
            status: if holds { Status::Holds } else { Status::Fails },
            detail,
        }
    }

    fn at_run(name: &str, detail: &str) -> Self {
        AssumptionCheck {
            name: name.to_string(),
            status: Status::AtRun,
            detail: detail.to_string(),
        }
    }
}

impl fmt::Display for AssumptionCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self.status {
            Status::Holds => "holds",
            Status::Fails => "FAILS",
            Status::AtRun => "checked on the run",
        };
        write!(f, "{} {s}: {}", self.name, self.detail)
    }
}

/// Which model regularity a theorem needs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Regularity {
    /// Locally Lipschitz with a chain rule (\[F\] (A1), \[M\] (M1-Weak), \[A\] Assumption 1.I):
    /// every built-in model.
    Lipschitz,
    /// C¹ (\[M\] (M1)); a non-smooth model falls back to \[M\] §4's (T3), checked on the run.
    C1,
    /// C² with bounded Hessian (\[A\] Assumption 2.I, needed by the discrete-time Thm 8).
    C2,
}

/// How smooth a built-in model is: (C¹, C²).
fn smoothness(spec: &ModelSpec) -> (bool, bool) {
    let act = |a: &Activation| match *a {
        Activation::Quadratic => (true, true),
        // ReLU^q: σ' = q z^{q−1} is continuous for q > 1; σ'' = q(q−1) z^{q−2} for q > 2.
        Activation::ReluPow(q) => (q > 1.0, q > 2.0),
        Activation::Relu | Activation::LeakyRelu(_) => (false, false),
    };
    match spec {
        ModelSpec::Linear | ModelSpec::DeepLinear { .. } | ModelSpec::DiagonalLinear => {
            (true, true)
        }
        ModelSpec::TwoLayer { activation, .. } | ModelSpec::Mlp { activation, .. } => {
            act(activation)
        }
    }
}

/// The homogeneity degree L of a built-in model, from its spec ([`ModelSpec::degree`]).
pub fn spec_degree(spec: &ModelSpec) -> f64 {
    spec.degree()
}

/// True when the theorem needs (M1) and the model is not C¹: \[M\] §4 then needs (T3).
pub fn needs_t3(id: TheoremId, spec: &ModelSpec) -> bool {
    id.regularity() == Regularity::C1 && !smoothness(spec).0
}

/// True when the theorem needs (A1) (Adam without ε: every gradient coordinate non-zero at
/// the start).
pub fn needs_a1(id: TheoremId) -> bool {
    matches!(id, TheoremId::M36 | TheoremId::M37)
}

fn param(opt: &OptimizerConfig, key: &str) -> Option<f64> {
    match opt.params().get(key)? {
        toml::Value::Float(v) => Some(*v),
        toml::Value::Integer(v) => Some(*v as f64),
        _ => None,
    }
}

impl TheoremId {
    /// The citation.
    pub fn citation(self) -> &'static str {
        match self {
            TheoremId::F31 => "[F] Thm 3.1",
            TheoremId::F34 => "[F] Thm 3.4",
            TheoremId::M32 => "[M] Thm 3.2",
            TheoremId::M33 => "[M] Thm 3.3",
            TheoremId::M34 => "[M] Cor. 3.4",
            TheoremId::M35 => "[M] Cor. 3.5",
            TheoremId::M36 => "[M] Thm 3.6",
            TheoremId::M37 => "[M] Thm 3.7",
            TheoremId::A6 => "[A] Thm 6 (discrete: Thm 8)",
            TheoremId::A7 => "[A] Thm 7 (discrete: Thm 8)",
        }
    }

    /// The methods (catalogue `type` names) the theorem is about. `steepest_descent` is
    /// listed as `steepest_descent:normalized` / `steepest_descent:unnormalized`.
    pub fn methods(self) -> &'static [&'static str] {
        const FLOWS: &[&str] = &["gd", "coordinate_descent", "steepest_descent:unnormalized"];
        match self {
            TheoremId::F34 => FLOWS,
            TheoremId::F31 => &[
                "gd",
                "coordinate_descent",
                "steepest_descent:unnormalized",
                "ngd",
                "sign_gd",
                "spectral_descent",
                "steepest_descent:normalized",
            ],
            TheoremId::M32 => &[
                "ngd",
                "sign_gd",
                "spectral_descent",
                "steepest_descent:normalized",
            ],
            TheoremId::M33 => &["momentum_gd", "normalized_momentum_gd", "signum"],
            TheoremId::M34 => &["muon"],
            TheoremId::M35 => &["muon_signum"],
            TheoremId::M36 => &["adam", "adam_no_momentum"],
            TheoremId::M37 => &["muon_adam"],
            TheoremId::A6 => &["ada_grad"],
            TheoremId::A7 => &["rms_prop", "adam_wm"],
        }
    }

    fn schedule_class(self) -> Option<ScheduleClass> {
        match self {
            TheoremId::F31 | TheoremId::F34 => None,
            TheoremId::M32 => Some(ScheduleClass::Nsd),
            TheoremId::M33 | TheoremId::M34 | TheoremId::M35 => Some(ScheduleClass::Msd),
            TheoremId::M36 | TheoremId::M37 => Some(ScheduleClass::Adam),
            TheoremId::A6 | TheoremId::A7 => None,
        }
    }

    fn regularity(self) -> Regularity {
        match self {
            TheoremId::F31 | TheoremId::F34 | TheoremId::M32 => Regularity::Lipschitz,
            TheoremId::A6 | TheoremId::A7 => Regularity::C2,
            _ => Regularity::C1,
        }
    }

    /// True when `opt` is one of the theorem's methods ([`TheoremId::methods`]).
    pub fn covers(self, opt: &OptimizerConfig) -> bool {
        self.methods().contains(&Self::method_name(opt).as_str())
    }

    /// The method name of `opt` as listed in [`TheoremId::methods`].
    fn method_name(opt: &OptimizerConfig) -> String {
        let name = opt.name();
        if name == "steepest_descent" {
            let normalized = !matches!(
                opt.params().get("normalized"),
                Some(toml::Value::Boolean(false))
            );
            format!(
                "steepest_descent:{}",
                if normalized {
                    "normalized"
                } else {
                    "unnormalized"
                }
            )
        } else {
            name
        }
    }

    /// Check the theorem's static assumptions on a case's method, hyper-parameters,
    /// schedule, loss and model; the trajectory assumptions come back as
    /// [`Status::AtRun`].
    pub fn check(
        self,
        opt: &OptimizerConfig,
        schedule: &Schedule,
        loss: Loss,
        spec: &ModelSpec,
    ) -> Vec<AssumptionCheck> {
        let mut out = Vec::new();
        let method = Self::method_name(opt);
        out.push(AssumptionCheck::new(
            "method",
            self.methods().contains(&method.as_str()),
            format!(
                "{} is about {}; the case trains `{method}`",
                self.citation(),
                self.methods().join(", ")
            ),
        ));
        // Loss: every theorem covers the exponential loss; [F] (App. A, Φ), [M] (ℓ exp-tailed)
        // and [A] (Assumption 1, e^{−f(q)}) cover the logistic loss too.
        let _ = loss;
        let l = spec_degree(spec);
        let (c1, c2) = smoothness(spec);
        match self.regularity() {
            Regularity::Lipschitz => out.push(AssumptionCheck::new(
                "homogeneity",
                l > 0.0,
                format!("L-homogeneous with L > 0; L = {l}"),
            )),
            Regularity::C1 => {
                out.push(AssumptionCheck::new(
                    "(M2)",
                    l >= 1.0,
                    format!("L-homogeneous with L ≥ 1; L = {l}"),
                ));
                if c1 {
                    out.push(AssumptionCheck::new(
                        "(M1)",
                        true,
                        format!("`{spec}` is C¹"),
                    ));
                } else {
                    out.push(AssumptionCheck::at_run(
                        "(T3)",
                        "the model is not C¹ ((M1) fails); [M] §4 extends the theorem under \
                         (T3): the activation pattern of the support samples must settle",
                    ));
                }
            }
            Regularity::C2 => {
                out.push(AssumptionCheck::new(
                    "Assumption 1.II",
                    l > 0.0,
                    format!("L-homogeneous with L > 0; L = {l}"),
                ));
                out.push(AssumptionCheck::new(
                    "Assumption 2.I",
                    c2,
                    format!(
                        "the discrete-time result (Thm 8) needs a C² model; `{spec}` is {}",
                        if c2 {
                            "C²"
                        } else if c1 {
                            "C¹ but not C²"
                        } else {
                            "not C¹"
                        }
                    ),
                ));
            }
        }
        let a = schedule.decay();
        match self.schedule_class() {
            Some(class) => {
                let c = schedule.check(class, l);
                let thresh = 1.0 - 1.0 / l;
                let margin = match class {
                    ScheduleClass::Nsd => format!("margin {:.3} to a ≤ 1", 1.0 - a),
                    _ => format!(
                        "margins {:.3} above 1 − 1/L and {:.3} below 1",
                        a - thresh,
                        1.0 - a
                    ),
                };
                out.push(AssumptionCheck::new(
                    &format!("({})", c.assumption),
                    c.holds,
                    format!("{}; {margin}", c.detail),
                ));
            }
            None if matches!(self, TheoremId::A6 | TheoremId::A7) => {
                out.push(AssumptionCheck::new(
                    "Assumption 2.II",
                    a == 0.0,
                    format!(
                        "η_k bounded below by η̃ > 0 (a constant step; η_k ≤ C(t) is not checked); \
                         the case has η ∝ t^-{a}"
                    ),
                ));
            }
            None => {}
        }
        let eps = param(opt, "eps");
        match self {
            TheoremId::M36 | TheoremId::M37 => {
                let e = eps.unwrap_or(0.0);
                out.push(AssumptionCheck::new(
                    "ε = 0",
                    e == 0.0,
                    format!("Adam without the stability constant; ε = {e}"),
                ));
                let b1 = if opt.name() == "adam_no_momentum" {
                    0.0
                } else {
                    param(opt, "beta1").unwrap_or(0.9)
                };
                let b2 = param(opt, "beta2").unwrap_or(0.999);
                out.push(AssumptionCheck::new(
                    "β1 ≤ β2",
                    b1 <= b2,
                    format!(
                        "c1 ≥ c2 ⇔ β1 ≤ β2; β1 = {b1}, β2 = {b2}, margin {:.3}",
                        b2 - b1
                    ),
                ));
                out.push(AssumptionCheck::at_run(
                    "(A1)",
                    "every coordinate of ∇L(θ0) non-zero",
                ));
            }
            TheoremId::A6 | TheoremId::A7 => {
                let e = eps.unwrap_or(0.0);
                out.push(AssumptionCheck::new(
                    "ε > 0",
                    e > 0.0,
                    format!("a fixed stability constant inside the root; ε = {e}"),
                ));
            }
            _ => {}
        }
        out.push(AssumptionCheck::at_run(
            "(R1)",
            "the loss falls below ℓ(0) (all samples classified with positive margin)",
        ));
        out
    }
}

impl fmt::Display for TheoremId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        f.write_str(&s)
    }
}
