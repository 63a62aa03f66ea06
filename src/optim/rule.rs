//! The two traits an update rule implements, optax-style (`init` / `update` over a typed
//! state) with argmin's typed solver state:
//!
//! * [`UpdateRule`] — the algorithm: `init(layout) -> State` and
//!   `update(grad, &mut State, &Step, Δ)`, nothing else;
//! * [`Claims`] — what the theory says about it (implicit norm, theorem, schedule
//!   assumption, step norm), every method with a default ("no claim"), so `impl Claims for
//!   MyRule {}` is enough for a rule the theory does not cover.
//!
//! Every `R: UpdateRule + Claims` is an [`super::Optimizer`] through one blanket impl
//! (`optim/optimizer.rs`), which validates the arguments ([`super::checks::check_update`]),
//! downcasts the type-erased state and checks the layout once for every rule. So an
//! `update` implementation may assume: `grad.dir`, `step.theta` and `delta` have
//! `step.layout.len()` entries, `grad.dir` is finite, `grad.log_scale` is finite or −∞ (a
//! zero gradient), `step.lr` is finite and ≥ 0, `step.t ≥ 1`, and `state` was created by
//! `init` for `step.layout`.

use super::{ScaledGrad, ScheduleClass};
use crate::error::Result;
use crate::norms::NormSpec;
use crate::params::Layout;
use std::fmt::Debug;

/// The context of one step: current θ, its layout, the 1-based step number t and the
/// learning rate η(t).
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    /// θ_{t−1}, the parameters the step starts from (`layout.len()` entries).
    pub theta: &'a [f64],
    /// The layout of θ (the one the state was created for).
    pub layout: &'a Layout,
    /// Step number t = 1, 2, … (bias corrections use it).
    pub t: u64,
    /// Learning rate η(t) ≥ 0, finite.
    pub lr: f64,
}

/// An update rule with a typed state; see the module docs for what `update` may assume.
pub trait UpdateRule: Send + Sync + Debug {
    /// Everything that changes from step to step (momentum, second moments, scratch). It
    /// holds no copy of the layout: the wrapper keeps the layout next to it.
    type State: Send + Sync + 'static;

    /// Stable name (`"ngd"`, `"signum"`, …). Default: the type's name in snake_case.
    fn name(&self) -> String {
        snake_case(std::any::type_name::<Self>())
    }

    /// Fresh state for parameters with this layout (errors for a layout the rule does not
    /// support, or invalid hyper-parameters).
    fn init(&self, layout: &Layout) -> Result<Self::State>;

    /// Write Δθ (the step to *add* to θ) for the loss gradient `grad` into `delta`.
    ///
    /// Must never produce NaN; errors ([`crate::error::Error::Numerical`]) for a step whose
    /// true size overflows f64 (the trainer reports divergence).
    fn update(
        &self,
        grad: ScaledGrad<'_>,
        state: &mut Self::State,
        step: &Step<'_>,
        delta: &mut [f64],
    ) -> Result<()>;
}

/// What the theory claims about an update rule. Every method has a default meaning "no
/// claim", so a rule outside the theory implements this trait with an empty body.
pub trait Claims: UpdateRule {
    /// The norm whose max-margin problem the theory says the direction converges to a KKT
    /// point of (`None`: no claim). `state` lets trajectory-dependent norms (AdaGrad's h∞)
    /// be read off the final state.
    fn implicit_norm(&self, layout: &Layout, state: Option<&Self::State>) -> Option<NormSpec> {
        let _ = (layout, state);
        None
    }

    /// The theorem behind [`Claims::implicit_norm`] (a short citation).
    fn theorem(&self) -> &'static str {
        "no theorem claimed"
    }

    /// Which learning-rate assumption of \[M\] §2.3 its theorem needs.
    fn schedule_class(&self) -> ScheduleClass {
        ScheduleClass::None
    }

    /// The norm in which each step is normalized (‖Δ‖ = η), if the method is normalized
    /// steepest descent; used for the trace's alignment ⟨θ/‖θ‖, −g/‖g‖_*⟩. Default: the
    /// implicit norm without a state.
    fn step_norm(&self, layout: &Layout) -> Option<NormSpec> {
        self.implicit_norm(layout, None)
    }
}

/// `my_crate::rules::LionV2<T>` → `lion_v2`.
fn snake_case(type_name: &str) -> String {
    let base = type_name.split('<').next().unwrap_or(type_name);
    let base = base.rsplit("::").next().unwrap_or(base);
    let mut out = String::with_capacity(base.len() + 4);
    for (i, c) in base.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
