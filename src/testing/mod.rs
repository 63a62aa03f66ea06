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

#[allow(unused_imports)] // for the intra-doc links of the macro docs
use crate::{models::Model, norms::Norm, optim::Optimizer, params::Layout};

mod layouts;
pub mod model;
pub mod norm;
pub mod optimizer;
mod support;

pub use layouts::{matrix_layout, net_layout, vector_layout, IntoLayoutFamilies, LayoutFamily};
pub use support::{ensure, run_property, IntoBoxedModel, IntoBoxedNorm, IntoBoxedOptimizer};

pub use model::ModelChecks;
pub use optimizer::Declared;

/// Re-export of the proptest crate the batteries are built on (so downstream tests that
/// call the battery functions directly need no separate dependency on it).
pub use proptest;

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
