//! [`Optimizer`]: the object-safe face of every update rule, and [`OptState`], its
//! type-erased state.
//!
//! One blanket impl turns every `R: UpdateRule + Claims` into an `Optimizer`. It does,
//! once for every rule, what each rule would otherwise repeat: validate the arguments of a
//! step ([`checks::check_update`]: lengths, a finite η ≥ 0, a log-scale that is finite or −∞,
//! a finite direction, t ≥ 1), downcast the state with a clear error when it belongs to
//! another rule, and check that the step's layout is the one the state was created for.
//! The trainer, experiment grids, the conformance batteries and `which-norm` hold
//! `&dyn Optimizer` / `Box<dyn Optimizer>`.

use super::checks;
use super::rule::{Claims, Step, UpdateRule};
use super::{ScaledGrad, ScheduleClass};
use crate::error::{Error, Result};
use crate::norms::NormSpec;
use crate::params::Layout;
use std::any::Any;
use std::fmt::Debug;

/// The state of an optimizer run: the rule's typed state behind `dyn Any`, with the layout
/// it was created for and the rule's name (for error messages).
pub struct OptState {
    layout: Layout,
    rule: String,
    inner: Box<dyn Any + Send + Sync>,
}

impl Debug for OptState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OptState")
            .field("rule", &self.rule)
            .field("layout", &self.layout.describe())
            .finish_non_exhaustive()
    }
}

impl OptState {
    /// Wrap a rule's state created for `layout`.
    pub fn new<S: Send + Sync + 'static>(
        rule: impl Into<String>,
        layout: Layout,
        state: S,
    ) -> Self {
        OptState {
            layout,
            rule: rule.into(),
            inner: Box::new(state),
        }
    }

    /// The layout the state was created for.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The name of the rule that created it.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The typed state, if it is an `S`.
    pub fn downcast_ref<S: 'static>(&self) -> Option<&S> {
        self.inner.downcast_ref::<S>()
    }

    /// The typed state, mutably, if it is an `S`.
    pub fn downcast_mut<S: 'static>(&mut self) -> Option<&mut S> {
        self.inner.downcast_mut::<S>()
    }

    /// The typed state, or [`Error::Config`] naming both rules when it is not an `S`.
    pub fn typed<S: 'static>(&self, who: &str) -> Result<&S> {
        let rule = &self.rule;
        self.inner.downcast_ref::<S>().ok_or_else(|| {
            Error::Config(format!(
                "state passed to `{who}` was not created by it (it belongs to `{rule}`)"
            ))
        })
    }
}

/// An optimizer as the trainer sees it (object-safe). Implemented for every
/// `R: UpdateRule + Claims`; see the module docs.
pub trait Optimizer: Send + Sync + Debug {
    /// Stable name (`"ngd"`, `"signum"`, …).
    fn name(&self) -> String;
    /// Fresh state for parameters with this layout.
    fn init(&self, layout: &Layout) -> Result<OptState>;
    /// Validate the step, then write Δθ into `delta` (see [`UpdateRule::update`]).
    ///
    /// Errors for invalid arguments, a state of another optimizer or layout, and a true
    /// step that overflows f64 (reported by the trainer as divergence). Never NaN.
    fn update(
        &self,
        grad: ScaledGrad<'_>,
        state: &mut OptState,
        step: &Step<'_>,
        delta: &mut [f64],
    ) -> Result<()>;
    /// [`Claims::implicit_norm`], with the state read back from an [`OptState`] (a state of
    /// another rule counts as no state).
    fn implicit_norm(&self, layout: &Layout, state: Option<&OptState>) -> Option<NormSpec>;
    /// [`Claims::theorem`].
    fn theorem(&self) -> &'static str;
    /// [`Claims::schedule_class`].
    fn schedule_class(&self) -> ScheduleClass;
    /// [`Claims::step_norm`].
    fn step_norm(&self, layout: &Layout) -> Option<NormSpec>;
}

impl<R: UpdateRule + Claims> Optimizer for R {
    fn name(&self) -> String {
        UpdateRule::name(self)
    }

    fn init(&self, layout: &Layout) -> Result<OptState> {
        let state = UpdateRule::init(self, layout)?;
        Ok(OptState::new(UpdateRule::name(self), layout.clone(), state))
    }

    fn update(
        &self,
        grad: ScaledGrad<'_>,
        state: &mut OptState,
        step: &Step<'_>,
        delta: &mut [f64],
    ) -> Result<()> {
        if !checks::update_is_valid(&grad, step, delta) {
            // Rare: the detailed check names the problem.
            checks::check_update(&UpdateRule::name(self), &grad, step, delta)?;
        }
        if state.layout != *step.layout {
            let who = UpdateRule::name(self);
            return checks::check_layout(&who, &state.layout, step.layout);
        }
        let Some(st) = state.inner.downcast_mut::<R::State>() else {
            return Err(Error::Config(format!(
                "state passed to `{}` was not created by it (it belongs to `{}`)",
                UpdateRule::name(self),
                state.rule
            )));
        };
        UpdateRule::update(self, grad, st, step, delta)
    }

    fn implicit_norm(&self, layout: &Layout, state: Option<&OptState>) -> Option<NormSpec> {
        let typed = state.and_then(|s| s.downcast_ref::<R::State>());
        Claims::implicit_norm(self, layout, typed)
    }

    fn theorem(&self) -> &'static str {
        Claims::theorem(self)
    }

    fn schedule_class(&self) -> ScheduleClass {
        Claims::schedule_class(self)
    }

    fn step_norm(&self, layout: &Layout) -> Option<NormSpec> {
        Claims::step_norm(self, layout)
    }
}
