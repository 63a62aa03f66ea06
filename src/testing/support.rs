//! Support shared by the batteries: the boxing helpers that let the macros accept concrete
//! components or trait objects, and running one property ([`run_property`], [`ensure`]).

use crate::models::Model;
use crate::norms::Norm;
use crate::optim::Optimizer;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestError, TestRunner};
use std::fmt::Debug;

/// A norm, concrete or boxed.
pub trait IntoBoxedNorm {
    /// Box it.
    fn into_boxed_norm(self) -> Box<dyn Norm>;
}

impl<T: Norm + 'static> IntoBoxedNorm for T {
    fn into_boxed_norm(self) -> Box<dyn Norm> {
        Box::new(self)
    }
}

impl IntoBoxedNorm for Box<dyn Norm> {
    fn into_boxed_norm(self) -> Box<dyn Norm> {
        self
    }
}

/// A model, concrete or boxed.
pub trait IntoBoxedModel {
    /// Box it.
    fn into_boxed_model(self) -> Box<dyn Model>;
}

impl<T: Model + 'static> IntoBoxedModel for T {
    fn into_boxed_model(self) -> Box<dyn Model> {
        Box::new(self)
    }
}

impl IntoBoxedModel for Box<dyn Model> {
    fn into_boxed_model(self) -> Box<dyn Model> {
        self
    }
}

/// An optimizer, concrete or boxed.
pub trait IntoBoxedOptimizer {
    /// Box it.
    fn into_boxed_optimizer(self) -> Box<dyn Optimizer>;
}

impl<T: Optimizer + 'static> IntoBoxedOptimizer for T {
    fn into_boxed_optimizer(self) -> Box<dyn Optimizer> {
        Box::new(self)
    }
}

impl IntoBoxedOptimizer for Box<dyn Optimizer> {
    fn into_boxed_optimizer(self) -> Box<dyn Optimizer> {
        self
    }
}

// -------------------------------------------------------------------------------------
// Running a property
// -------------------------------------------------------------------------------------

/// `Err(TestCaseError::fail(msg))` unless `cond` (the batteries' `prop_assert!`).
pub fn ensure(cond: bool, msg: impl FnOnce() -> String) -> Result<(), TestCaseError> {
    if cond {
        Ok(())
    } else {
        Err(TestCaseError::fail(msg()))
    }
}

/// Run `test` on `cases` inputs drawn from `strategy`; panic with `what`, the reason and the
/// minimal failing input (after shrinking) on failure. No regression file is written.
pub fn run_property<S>(
    what: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    match runner.run(&strategy, test) {
        Ok(()) => {}
        Err(TestError::Fail(reason, value)) => {
            panic!("{what}: property failed: {reason}\nminimal failing input: {value:#?}")
        }
        Err(TestError::Abort(reason)) => panic!("{what}: aborted: {reason}"),
    }
}
