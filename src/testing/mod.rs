//! Public conformance suites (cargo feature `testing`): the property batteries every
//! built-in norm, model and optimizer of this crate passes, packaged so that a
//! downstream crate can run them on its own components with one line of test code.
//!
//! | macro | battery | what it checks |
//! |---|---|---|
//! | [`norm_conformance!`](crate::norm_conformance) | [`norm`] | Hölder, ⟨g, steepest(g)⟩ = N_*(g), N(steepest(g)) = 1, subgradient pairing, dual of the dual, homogeneity, triangle inequality |
//! | [`model_conformance!`](crate::model_conformance) | [`model`] | homogeneity f(cθ) = c^L f(θ), Euler ⟨θ, ∇f⟩ = L f, finite differences, batched = per-sample, workspace reuse |
//! | [`optimizer_conformance!`](crate::optimizer_conformance) | [`optimizer`] | determinism, finiteness at tiny losses, argument errors, dependence on g only, and the declared claims (scale invariance, normalized steps, = steepest descent of the implicit norm) |
//!
//! Each macro expands to a module of `#[test]` functions that call the public functions of
//! the battery modules (so the batteries can also be called directly, e.g. from a custom
//! proptest). The crate's own test files (`tests/norms.rs`, `tests/models.rs`,
//! `tests/optim.rs`) invoke the same macros for every built-in component: there is one
//! battery, not two copies.
//!
//! # Using it from another crate
//!
//! ```toml
//! [dev-dependencies]
//! implicit-bias = { version = "0.1", features = ["testing"] }
//! ```
//!
//! ```text
//! use implicit_bias::testing::LayoutFamily;
//!
//! // A norm: the constructor gets the case's layout and p random weights in [0.1, 10].
//! implicit_bias::norm_conformance!(my_norm, |_layout, _weights| MyNorm::new(),
//!     LayoutFamily::vectors(8), LayoutFamily::nets(4, 5));
//! // A model (any `impl Model` or `Box<dyn Model>`), with optional settings.
//! implicit_bias::model_conformance!(my_model, MyModel::new(3), cases = 64);
//! // An optimizer and the properties it claims.
//! implicit_bias::optimizer_conformance!(my_opt, MyOpt::default(),
//!     scale_invariant = true, normalized = true);
//! ```
//!
//! Failures panic with the property, the optimizer/norm/model name and proptest's minimal
//! failing input. Randomness comes from proptest's default (fresh) seed, as with `proptest!`;
//! no regression files are written (the minimal input is printed instead).

use crate::models::Model;
use crate::norms::Norm;
use crate::optim::Optimizer;
use crate::params::{BlockShape, Layout};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestError, TestRunner};
use std::fmt::Debug;

pub mod model;
pub mod norm;
pub mod optimizer;

pub use model::ModelChecks;
pub use optimizer::Declared;

/// Re-export of the proptest crate the batteries are built on (so downstream tests that
/// call the battery functions directly need no separate dependency on it).
pub use proptest;

// -------------------------------------------------------------------------------------
// Layouts
// -------------------------------------------------------------------------------------

/// The single-vector layout `[theta: n]` (linear models).
///
/// # Panics
/// For n = 0 (a test-setup error).
pub fn vector_layout(n: usize) -> Layout {
    Layout::vector("theta", n).expect("vector_layout: n ≥ 1")
}

/// The two-layer layout `[W: k×d, u: k]` (matrix block, then vector block).
///
/// # Panics
/// For k = 0 or d = 0 (a test-setup error).
pub fn net_layout(k: usize, d: usize) -> Layout {
    Layout::new([
        ("W", BlockShape::Matrix { rows: k, cols: d }),
        ("u", BlockShape::Vector(k)),
    ])
    .expect("net_layout: k, d ≥ 1")
}

/// The single-matrix layout `[M: rows×cols]`.
///
/// # Panics
/// For a zero dimension (a test-setup error).
pub fn matrix_layout(rows: usize, cols: usize) -> Layout {
    Layout::new([("M", BlockShape::Matrix { rows, cols })]).expect("matrix_layout: dims ≥ 1")
}

/// A family of layouts a battery draws from (one proptest run per family).
#[derive(Debug, Clone, PartialEq)]
pub enum LayoutFamily {
    /// `[theta: n]` with 1 ≤ n ≤ `max_len`.
    Vectors {
        /// Largest n.
        max_len: usize,
    },
    /// `[W: k×d, u: k]` with 1 ≤ k ≤ `max_k`, 1 ≤ d ≤ `max_d`.
    Nets {
        /// Largest k.
        max_k: usize,
        /// Largest d.
        max_d: usize,
    },
    /// `[M: r×c]` with 1 ≤ r ≤ `max_rows`, 1 ≤ c ≤ `max_cols`.
    Matrices {
        /// Largest r.
        max_rows: usize,
        /// Largest c.
        max_cols: usize,
    },
    /// Exactly this layout.
    Fixed(Layout),
    /// A layout drawn from either family with equal probability (one proptest run).
    Either(Box<LayoutFamily>, Box<LayoutFamily>),
}

impl LayoutFamily {
    /// [`LayoutFamily::Vectors`].
    pub fn vectors(max_len: usize) -> Self {
        LayoutFamily::Vectors { max_len }
    }
    /// [`LayoutFamily::Nets`].
    pub fn nets(max_k: usize, max_d: usize) -> Self {
        LayoutFamily::Nets { max_k, max_d }
    }
    /// [`LayoutFamily::Matrices`].
    pub fn matrices(max_rows: usize, max_cols: usize) -> Self {
        LayoutFamily::Matrices { max_rows, max_cols }
    }
    /// [`LayoutFamily::Fixed`].
    pub fn fixed(layout: Layout) -> Self {
        LayoutFamily::Fixed(layout)
    }
    /// [`LayoutFamily::Either`].
    pub fn either(a: LayoutFamily, b: LayoutFamily) -> Self {
        LayoutFamily::Either(Box::new(a), Box::new(b))
    }

    /// The proptest strategy drawing layouts of this family (maxima below 1 count as 1).
    pub fn strategy(&self) -> BoxedStrategy<Layout> {
        match self {
            LayoutFamily::Vectors { max_len } => {
                (1..=(*max_len).max(1)).prop_map(vector_layout).boxed()
            }
            LayoutFamily::Nets { max_k, max_d } => (1..=(*max_k).max(1), 1..=(*max_d).max(1))
                .prop_map(|(k, d)| net_layout(k, d))
                .boxed(),
            LayoutFamily::Matrices { max_rows, max_cols } => {
                (1..=(*max_rows).max(1), 1..=(*max_cols).max(1))
                    .prop_map(|(r, c)| matrix_layout(r, c))
                    .boxed()
            }
            LayoutFamily::Fixed(l) => Just(l.clone()).boxed(),
            LayoutFamily::Either(a, b) => prop_oneof![a.strategy(), b.strategy()].boxed(),
        }
    }

    /// Short description for failure messages.
    pub fn describe(&self) -> String {
        match self {
            LayoutFamily::Vectors { max_len } => format!("vectors(n ≤ {max_len})"),
            LayoutFamily::Nets { max_k, max_d } => format!("nets(k ≤ {max_k}, d ≤ {max_d})"),
            LayoutFamily::Matrices { max_rows, max_cols } => {
                format!("matrices({max_rows}×{max_cols})")
            }
            LayoutFamily::Fixed(l) => format!("fixed({})", l.describe()),
            LayoutFamily::Either(a, b) => format!("{} | {}", a.describe(), b.describe()),
        }
    }
}

/// Anything the macros accept as "layouts": one family, a layout (fixed), or a list.
pub trait IntoLayoutFamilies {
    /// The families.
    fn into_families(self) -> Vec<LayoutFamily>;
}

impl IntoLayoutFamilies for LayoutFamily {
    fn into_families(self) -> Vec<LayoutFamily> {
        vec![self]
    }
}

impl IntoLayoutFamilies for Layout {
    fn into_families(self) -> Vec<LayoutFamily> {
        vec![LayoutFamily::Fixed(self)]
    }
}

impl IntoLayoutFamilies for Vec<LayoutFamily> {
    fn into_families(self) -> Vec<LayoutFamily> {
        self
    }
}

impl<const N: usize> IntoLayoutFamilies for [LayoutFamily; N] {
    fn into_families(self) -> Vec<LayoutFamily> {
        self.into()
    }
}

// -------------------------------------------------------------------------------------
// Boxing helpers: the macros accept concrete components or boxed trait objects.
// -------------------------------------------------------------------------------------

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

// -------------------------------------------------------------------------------------
// Macros
// -------------------------------------------------------------------------------------

/// Run the norm battery ([`testing::norm`](crate::testing::norm)) on a norm, as a module
/// of `#[test]` functions named after the first argument.
///
/// ```text
/// norm_conformance!(name, |layout, weights| constructor, layouts…);
/// ```
///
/// * `constructor`: a closure `Fn(&Layout, &[f64]) -> N` with `N` a concrete [`Norm`] or a
///   `Box<dyn Norm>`. It receives the case's layout and p weights drawn from [0.1, 10] (for
///   weighted norms; ignore them otherwise) and is called once per case.
/// * `layouts…`: zero or more [`LayoutFamily`]s, [`Layout`]s or `Vec<LayoutFamily>`s; each
///   family gets its own proptest run. None given: vectors(8), nets(4, 5), matrices(5, 5).
///
/// Generated tests: `laws` (64 cases per family) and `homogeneity_and_triangle` (200 cases per
/// family); see [`norm::check_laws`](crate::testing::norm::check_laws) and
/// [`norm::check_homogeneity_and_triangle`](crate::testing::norm::check_homogeneity_and_triangle).
#[macro_export]
macro_rules! norm_conformance {
    ($name:ident, $ctor:expr $(, $layouts:expr)* $(,)?) => {
        #[allow(unused_imports, non_snake_case)]
        mod $name {
            use super::*;

            fn __families() -> ::std::vec::Vec<$crate::testing::LayoutFamily> {
                #[allow(unused_mut)]
                let mut v: ::std::vec::Vec<$crate::testing::LayoutFamily> = ::std::vec::Vec::new();
                $( v.extend($crate::testing::IntoLayoutFamilies::into_families($layouts)); )*
                if v.is_empty() {
                    v = $crate::testing::norm::default_families();
                }
                v
            }

            #[test]
            fn laws() {
                $crate::testing::norm::run_laws(stringify!($name), $ctor, &__families());
            }

            #[test]
            fn homogeneity_and_triangle() {
                $crate::testing::norm::run_homogeneity_and_triangle(
                    stringify!($name),
                    $ctor,
                    &__families(),
                );
            }
        }
    };
}

/// Run the model battery ([`testing::model`](crate::testing::model)) on a model, as a
/// module of `#[test]` functions named after the first argument.
///
/// ```text
/// model_conformance!(name, constructor_expr);
/// model_conformance!(name, constructor_expr, cases = 32, min_fd_fraction = 0.5);
/// ```
///
/// * `constructor_expr`: an expression giving a concrete [`Model`] or a `Box<dyn Model>`
///   (evaluated once per test function). Data are drawn with `model.input_dim()` features.
/// * options: fields of [`ModelChecks`] (`cases`, `min_fd_fraction`), any order.
///
/// Generated test: `battery` — [`model::check_model`](crate::testing::model::check_model) on
/// random cases, then the check that finite differences were not skipped too often.
#[macro_export]
macro_rules! model_conformance {
    ($name:ident, $ctor:expr $(, $key:ident = $value:expr)* $(,)?) => {
        #[allow(unused_imports, non_snake_case)]
        mod $name {
            use super::*;

            #[test]
            fn battery() {
                let checks = $crate::testing::ModelChecks {
                    $($key: $value,)*
                    ..::core::default::Default::default()
                };
                $crate::testing::model::run_battery(stringify!($name), $ctor, &checks);
            }
        }
    };
}

/// Run the optimizer battery ([`testing::optimizer`](crate::testing::optimizer)) on an
/// optimizer, as a module of `#[test]` functions named after the first argument.
///
/// ```text
/// optimizer_conformance!(name, constructor_expr);
/// optimizer_conformance!(name, constructor_expr,
///     scale_invariant = true, normalized = true, momentum_free = false);
/// ```
///
/// * `constructor_expr`: a concrete [`Optimizer`] or a `Box<dyn Optimizer>` (evaluated
///   once per test function).
/// * claims/options: fields of [`Declared`] in any order — `scale_invariant`, `normalized`,
///   `momentum_free` (all `false` by default), `steepest_descent_tol` (default 0: bitwise),
///   `layouts` (default: vectors(8) or nets(5, 5)), `cases` (default 128).
///
/// Generated tests (always): `deterministic_and_finite`, `steps_depend_only_on_the_gradient`,
/// `rejects_bad_arguments`; (when claimed, otherwise they only print that the claim was not
/// made): `scale_invariant`, `normalized_steps_have_norm_eta`,
/// `equals_steepest_descent_of_implicit_norm`.
#[macro_export]
macro_rules! optimizer_conformance {
    ($name:ident, $ctor:expr $(, $key:ident = $value:expr)* $(,)?) => {
        #[allow(unused_imports, non_snake_case)]
        mod $name {
            use super::*;

            fn __declared() -> $crate::testing::Declared {
                $crate::testing::Declared {
                    $($key: $value,)*
                    ..::core::default::Default::default()
                }
            }

            #[test]
            fn deterministic_and_finite() {
                $crate::testing::optimizer::run_deterministic_and_finite(
                    stringify!($name), $ctor, &__declared());
            }

            #[test]
            fn steps_depend_only_on_the_gradient() {
                $crate::testing::optimizer::run_steps_depend_only_on_the_gradient(
                    stringify!($name), $ctor, &__declared());
            }

            #[test]
            fn rejects_bad_arguments() {
                $crate::testing::optimizer::run_rejects_bad_arguments(
                    stringify!($name), $ctor, &__declared());
            }

            #[test]
            fn scale_invariant() {
                $crate::testing::optimizer::run_scale_invariant(
                    stringify!($name), $ctor, &__declared());
            }

            #[test]
            fn normalized_steps_have_norm_eta() {
                $crate::testing::optimizer::run_normalized_steps(
                    stringify!($name), $ctor, &__declared());
            }

            #[test]
            fn equals_steepest_descent_of_implicit_norm() {
                $crate::testing::optimizer::run_equals_steepest_descent(
                    stringify!($name), $ctor, &__declared());
            }
        }
    };
}
