//! The optimizer battery: properties every [`Optimizer`] must have, plus the
//! properties it *declares* ([`Declared`]).
//!
//! Gradient sequences are drawn as (log-scale c, direction ĝ) per step with ĝ entries mostly
//! in [−1, 1] and frequent exact zeros and ones (ties, dead coordinates); the optimizer runs
//! from θ = 0 with θ ← θ + Δ after each step and learning rate η = [`LR`].
//!
//! Always checked:
//! * **determinism and finiteness**: two runs are bitwise equal and every Δ is finite, also
//!   with every log-scale shifted by −5000 and −10⁴ (losses like e^{−5000});
//! * **Δ depends only on g = e^{c}ĝ**: (c, ĝ) and (c − k ln 2, 2^k ĝ) give the same steps,
//!   k ∈ [−600, 600] — far outside the trainer's max|ĝ| ≈ 1 normalization, so buffers must
//!   rescale themselves. The only rounding is in c − k·ln 2 (|c| ≤ 600·ln 2 ≈ 416: ulp ≈
//!   6e-14) and its propagation through e^{c − s}: measured ≲ 1e-12·η on the crate's
//!   optimizers; the tolerance is 1e-10 of max(max|Δ|, η);
//! * **argument errors, not panics**: a direction of the wrong length, a NaN or +∞
//!   log-scale, a NaN direction entry, a negative learning rate and a state created by
//!   something else are errors; a zero gradient (log-scale −∞) is valid and gives Δ = 0.
//!
//! Checked when declared:
//! * `scale_invariant` — shifting every log-scale by the same k ∈ [−5000, 50] leaves the Δ
//!   sequence unchanged: bitwise for momentum-free normalized methods (they never look at
//!   c), else within 1e-10·max(max|Δ|, η) (log-scales near −5000 carry an absolute rounding of
//!   ulp(5000) ≈ 1e-12 in the EMA factors e^{s−s'}; measured worst case over 400 random
//!   cases: 1.4e-12·η, RMSProp; Muon's orthogonalization 8e-13·η);
//! * `normalized` — N(Δ) = η in the optimizer's [`Optimizer::step_norm`] whenever Δ ≠ 0
//!   (tolerance 64·p·ε·η: a normalized vector has relative error ≲ p·ε in ℓ2/ℓ3 and the
//!   SVD-based orthogonalization ≲ max(k, d)·ε per singular value), and Δ = 0 only for a zero
//!   gradient when also `momentum_free`;
//! * `momentum_free` — the Δ sequence equals, bitwise (or within `steepest_descent_tol`), that
//!   of [`SteepestDescent`]`{ norm: implicit_norm(layout, None), normalized }` with the declared
//!   `normalized` (\[M\] eq. 3 / \[F\] eq. 1).

use super::layouts::LayoutFamily;
use super::support::{ensure, run_property, IntoBoxedOptimizer};
use crate::error::Result as CrateResult;
use crate::norms::NormSpec;
use crate::optim::{OptState, Optimizer, ScaledGrad, SteepestDescent, Step};
use crate::params::Layout;
use proptest::prelude::*;

/// The learning rate of every battery run.
pub const LR: f64 = 0.37;

/// A gradient sequence: (log-scale c, direction ĝ) per step.
pub type Grads = Vec<(f64, Vec<f64>)>;

/// A Δθ sequence.
pub type Steps = Vec<Vec<f64>>;

/// What an optimizer claims about itself (fields settable from
/// [`optimizer_conformance!`](crate::optimizer_conformance)); see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    /// Steps do not depend on a common shift of the gradients' log-scales.
    pub scale_invariant: bool,
    /// N(Δ) = η in [`Optimizer::step_norm`] whenever Δ ≠ 0.
    pub normalized: bool,
    /// No state that changes the step: equals steepest descent of its implicit norm.
    pub momentum_free: bool,
    /// Tolerance of the `momentum_free` comparison, relative to max(max|Δ|, η): 0 (the
    /// default) demands bitwise equality, as for every built-in optimizer; an optimizer
    /// whose norm is a re-implementation of a built-in one (same norm, other rounding) states
    /// its rounding here.
    pub steepest_descent_tol: f64,
    /// Layout families to run on (one proptest run each). Default: one family drawing
    /// `[theta: n ≤ 8]` or `[W: k×d, u: k]` with k, d ≤ 5.
    pub layouts: Vec<LayoutFamily>,
    /// Proptest cases per property and family (default 128).
    pub cases: u32,
}

impl Default for Declared {
    fn default() -> Self {
        Declared {
            scale_invariant: false,
            normalized: false,
            momentum_free: false,
            steepest_descent_tol: 0.0,
            layouts: vec![LayoutFamily::either(
                LayoutFamily::vectors(8),
                LayoutFamily::nets(5, 5),
            )],
            cases: 128,
        }
    }
}

/// Gradient entries: mostly in [−1, 1], with exact zeros and ones (ties / dead coordinates).
fn entry() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(0.0), 1 => Just(1.0), 6 => -1.0f64..1.0]
}

/// A layout of the family and a gradient sequence of 1..=steps steps with log-scales in
/// [−c_max, c_max].
pub fn case(
    family: &LayoutFamily,
    steps: usize,
    c_max: f64,
) -> impl Strategy<Value = (Layout, Grads)> {
    family.strategy().prop_flat_map(move |layout| {
        let p = layout.len();
        (
            Just(layout),
            prop::collection::vec(
                (-c_max..=c_max, prop::collection::vec(entry(), p)),
                1..=steps,
            ),
        )
    })
}

/// Run `opt` from θ = 0 over the gradient sequence (θ ← θ + Δ each step); return the Δ
/// sequence and the final state.
pub fn run_state(
    opt: &dyn Optimizer,
    layout: &Layout,
    grads: &Grads,
    lr: f64,
) -> CrateResult<(Steps, OptState)> {
    let mut st = opt.init(layout)?;
    let mut theta = vec![0.0; layout.len()];
    let mut out = Vec::with_capacity(grads.len());
    for (t, (c, g)) in grads.iter().enumerate() {
        let mut d = vec![f64::NAN; layout.len()];
        let grad = ScaledGrad {
            log_scale: *c,
            dir: g,
        };
        let step = Step {
            theta: &theta,
            layout,
            t: t as u64 + 1,
            lr,
        };
        opt.update(grad, &mut st, &step, &mut d)?;
        theta.iter_mut().zip(&d).for_each(|(th, dd)| *th += dd);
        out.push(d);
    }
    Ok((out, st))
}

/// [`run_state`] without the state; panics (with the optimizer's name) on an error.
pub fn run(opt: &dyn Optimizer, layout: &Layout, grads: &Grads, lr: f64) -> Steps {
    run_state(opt, layout, grads, lr)
        .unwrap_or_else(|e| panic!("{}: {e}", opt.name()))
        .0
}

/// [`run_state`] without the state, as a proptest result.
fn try_run(
    opt: &dyn Optimizer,
    layout: &Layout,
    grads: &Grads,
    lr: f64,
) -> Result<Steps, TestCaseError> {
    run_state(opt, layout, grads, lr)
        .map(|r| r.0)
        .map_err(|e| TestCaseError::fail(format!("{} on {}: {e}", opt.name(), layout.describe())))
}

/// max_j |a_j| — the crate's one kernel, [`crate::params::max_abs`].
pub use crate::params::max_abs;

/// max_j |a_j − b_j| ≤ tol · max(max_j |b_j|, floor).
pub fn close(a: &[f64], b: &[f64], tol: f64, floor: f64) -> bool {
    let scale = max_abs(b).max(floor);
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol * scale)
}

/// Every step of `a` is [`close`] to that of `b`.
pub fn check_seq_close(
    name: &str,
    a: &[Vec<f64>],
    b: &[Vec<f64>],
    tol: f64,
    floor: f64,
) -> Result<(), TestCaseError> {
    ensure(a.len() == b.len(), || {
        format!("{name}: {} vs {} steps", a.len(), b.len())
    })?;
    for (t, (x, y)) in a.iter().zip(b).enumerate() {
        ensure(close(x, y, tol, floor), || {
            format!(
                "{name}: step {} differs beyond {tol:e}:\n  {x:?}\n  {y:?}",
                t + 1
            )
        })?;
    }
    Ok(())
}

/// [`check_seq_close`], panicking.
pub fn assert_seq_close(name: &str, a: &[Vec<f64>], b: &[Vec<f64>], tol: f64, floor: f64) {
    if let Err(e) = check_seq_close(name, a, b, tol, floor) {
        panic!("{e}");
    }
}

/// Run every family of `declared` with `cases` cases.
fn per_family<S, F>(what: &str, declared: &Declared, strategy: impl Fn(&LayoutFamily) -> S, test: F)
where
    S: Strategy,
    F: Fn(S::Value) -> Result<(), TestCaseError>,
{
    for fam in &declared.layouts {
        run_property(
            &format!("{what} on {}", fam.describe()),
            declared.cases,
            strategy(fam),
            &test,
        );
    }
}

/// Deterministic (bitwise) and finite at log-scale shifts 0, −5000, −10⁴.
pub fn check_deterministic_and_finite(
    opt: &dyn Optimizer,
    layout: &Layout,
    grads: &Grads,
) -> Result<(), TestCaseError> {
    let a = try_run(opt, layout, grads, LR)?;
    let b = try_run(opt, layout, grads, LR)?;
    ensure(a == b, || format!("{} is not deterministic", opt.name()))?;
    for d in &a {
        ensure(d.iter().all(|x| x.is_finite()), || {
            format!("{}: non-finite Δ {d:?}", opt.name())
        })?;
    }
    Ok(())
}

/// The `deterministic_and_finite` test of [`optimizer_conformance!`](crate::optimizer_conformance).
pub fn run_deterministic_and_finite<O: IntoBoxedOptimizer>(
    name: &str,
    opt: O,
    declared: &Declared,
) {
    let opt = opt.into_boxed_optimizer();
    per_family(
        &format!("optimizer `{name}`: deterministic and finite"),
        declared,
        |fam| {
            (
                case(fam, 5, 20.0),
                prop_oneof![Just(0.0), Just(-5000.0), Just(-10_000.0)],
            )
        },
        |((layout, grads), shift)| {
            let grads: Grads = grads.iter().map(|(c, g)| (c + shift, g.clone())).collect();
            check_deterministic_and_finite(opt.as_ref(), &layout, &grads)
        },
    );
}

/// (c, ĝ) and (c − k ln 2, 2^k ĝ) give the same steps (module docs).
pub fn check_steps_depend_only_on_the_gradient(
    opt: &dyn Optimizer,
    layout: &Layout,
    grads: &Grads,
    k: i32,
) -> Result<(), TestCaseError> {
    let f = 2f64.powi(k);
    let split: Grads = grads
        .iter()
        .map(|(c, g)| {
            (
                c - f64::from(k) * std::f64::consts::LN_2,
                g.iter().map(|x| x * f).collect(),
            )
        })
        .collect();
    let a = try_run(opt, layout, grads, LR)?;
    let b = try_run(opt, layout, &split, LR)?;
    check_seq_close(&opt.name(), &b, &a, 1e-10, LR)
}

/// The `steps_depend_only_on_the_gradient` test.
pub fn run_steps_depend_only_on_the_gradient<O: IntoBoxedOptimizer>(
    name: &str,
    opt: O,
    declared: &Declared,
) {
    let opt = opt.into_boxed_optimizer();
    per_family(
        &format!("optimizer `{name}`: steps depend only on the gradient"),
        declared,
        |fam| (case(fam, 6, 5.0), -600i32..600),
        |((layout, grads), k)| {
            check_steps_depend_only_on_the_gradient(opt.as_ref(), &layout, &grads, k)
        },
    );
}

/// A state type no optimizer creates.
#[derive(Debug)]
struct ForeignState;

/// Argument errors (module docs) on `layout`.
pub fn check_rejects_bad_arguments(
    opt: &dyn Optimizer,
    layout: &Layout,
) -> Result<(), TestCaseError> {
    let name = opt.name();
    let p = layout.len();
    let init = |opt: &dyn Optimizer| {
        opt.init(layout)
            .map_err(|e| TestCaseError::fail(format!("{name}: init failed: {e}")))
    };
    let mut st = init(opt)?;
    let mut d = vec![0.0; p];
    let th = vec![0.0; p];
    let good: Vec<f64> = (0..p).map(|j| 1.0 + j as f64).collect();
    let mut nan_dir = good.clone();
    nan_dir[p / 2] = f64::NAN;
    let short_theta = vec![0.0; p + 1];
    // (what, log-scale, direction, η, t, θ)
    type BadStep<'a> = (&'a str, f64, Vec<f64>, f64, u64, &'a [f64]);
    let mut bad: Vec<BadStep> = vec![
        (
            "a direction that is too long",
            0.0,
            vec![1.0; p + 1],
            LR,
            1,
            &th,
        ),
        ("a NaN log-scale", f64::NAN, good.clone(), LR, 1, &th),
        ("a +∞ log-scale", f64::INFINITY, good.clone(), LR, 1, &th),
        ("a NaN direction entry", 0.0, nan_dir, LR, 1, &th),
        ("a negative learning rate", 0.0, good.clone(), -1.0, 1, &th),
        ("step 0 (steps are 1-based)", 0.0, good.clone(), LR, 0, &th),
        (
            "a θ of the wrong length",
            0.0,
            good.clone(),
            LR,
            1,
            &short_theta,
        ),
    ];
    if p > 1 {
        bad.push((
            "a direction that is too short",
            0.0,
            vec![1.0; p - 1],
            LR,
            1,
            &th,
        ));
    }
    for (what, c, g, lr, t, theta) in bad {
        let grad = ScaledGrad {
            log_scale: c,
            dir: &g,
        };
        let step = Step {
            theta,
            layout,
            t,
            lr,
        };
        let r = opt.update(grad, &mut st, &step, &mut d);
        ensure(r.is_err(), || {
            format!("{name} accepted {what} (c = {c}, g = {g:?}, lr = {lr}, t = {t})")
        })?;
    }
    let step = Step {
        theta: &th,
        layout,
        t: 1,
        lr: LR,
    };
    // A state created by something else.
    let mut foreign = OptState::new("foreign", layout.clone(), ForeignState);
    let grad = ScaledGrad {
        log_scale: 0.0,
        dir: &good,
    };
    let r = opt.update(grad, &mut foreign, &step, &mut d);
    ensure(r.is_err(), || {
        format!("{name} accepted a state it did not create")
    })?;
    // A zero gradient (log-scale −∞) is valid and gives a zero step.
    let mut st = init(opt)?;
    let g = vec![0.0; p];
    let grad = ScaledGrad {
        log_scale: f64::NEG_INFINITY,
        dir: &g,
    };
    opt.update(grad, &mut st, &step, &mut d)
        .map_err(|e| TestCaseError::fail(format!("{name}: zero gradient rejected: {e}")))?;
    ensure(d.iter().all(|x| *x == 0.0), || {
        format!("{name}: zero gradient gave Δ = {d:?}")
    })?;
    Ok(())
}

/// The `rejects_bad_arguments` test (16 layouts per family).
pub fn run_rejects_bad_arguments<O: IntoBoxedOptimizer>(name: &str, opt: O, declared: &Declared) {
    let opt = opt.into_boxed_optimizer();
    let d = Declared {
        cases: declared.cases.min(16),
        ..declared.clone()
    };
    per_family(
        &format!("optimizer `{name}`: rejects bad arguments"),
        &d,
        |fam| fam.strategy(),
        |layout| check_rejects_bad_arguments(opt.as_ref(), &layout),
    );
}

/// Steps unchanged under a common shift k of every log-scale (module docs).
pub fn check_scale_invariant(
    opt: &dyn Optimizer,
    layout: &Layout,
    grads: &Grads,
    k: f64,
    bitwise: bool,
) -> Result<(), TestCaseError> {
    let shifted: Grads = grads.iter().map(|(c, g)| (c + k, g.clone())).collect();
    let a = try_run(opt, layout, grads, LR)?;
    let b = try_run(opt, layout, &shifted, LR)?;
    if bitwise {
        ensure(a == b, || {
            format!(
                "{}: a momentum-free normalized method changed under a log-scale shift",
                opt.name()
            )
        })?;
    }
    check_seq_close(&opt.name(), &b, &a, 1e-10, LR)
}

fn not_claimed(name: &str, claim: &str) {
    eprintln!("optimizer `{name}`: `{claim}` not declared; nothing to check");
}

/// The `scale_invariant` test (only when declared).
pub fn run_scale_invariant<O: IntoBoxedOptimizer>(name: &str, opt: O, declared: &Declared) {
    if !declared.scale_invariant {
        return not_claimed(name, "scale_invariant");
    }
    let opt = opt.into_boxed_optimizer();
    let bitwise = declared.momentum_free && declared.normalized;
    per_family(
        &format!("optimizer `{name}`: scale invariant"),
        declared,
        |fam| (case(fam, 6, 20.0), -5000.0f64..50.0),
        |((layout, grads), k)| check_scale_invariant(opt.as_ref(), &layout, &grads, k, bitwise),
    );
}

/// N(Δ) = η in `norm` whenever Δ ≠ 0; Δ = 0 only for a zero gradient if `momentum_free`.
pub fn check_normalized_steps(
    opt: &dyn Optimizer,
    layout: &Layout,
    grads: &Grads,
    norm: &NormSpec,
    momentum_free: bool,
) -> Result<(), TestCaseError> {
    let n = norm
        .build(layout)
        .map_err(|e| TestCaseError::fail(format!("{norm} on {}: {e}", layout.describe())))?;
    let deltas = try_run(opt, layout, grads, LR)?;
    let tol = 64.0 * layout.len() as f64 * f64::EPSILON * LR;
    for (t, d) in deltas.iter().enumerate() {
        if max_abs(d) == 0.0 {
            ensure(!momentum_free || max_abs(&grads[t].1) == 0.0, || {
                format!("{}: zero step for a non-zero gradient", opt.name())
            })?;
        } else {
            let v = n.value(layout, d);
            ensure((v - LR).abs() <= tol, || {
                format!("{}: {norm}(Δ) = {v}, η = {LR} (step {})", opt.name(), t + 1)
            })?;
        }
    }
    Ok(())
}

/// The `normalized_steps_have_norm_eta` test (only when declared): the norm is
/// `step_norm(layout)`.
pub fn run_normalized_steps<O: IntoBoxedOptimizer>(name: &str, opt: O, declared: &Declared) {
    if !declared.normalized {
        return not_claimed(name, "normalized");
    }
    let opt = opt.into_boxed_optimizer();
    per_family(
        &format!("optimizer `{name}`: normalized steps have norm η"),
        declared,
        |fam| case(fam, 6, 20.0),
        |(layout, grads)| {
            let norm = opt.step_norm(&layout).ok_or_else(|| {
                TestCaseError::fail(format!(
                    "{name} declares `normalized` but step_norm({}) is None",
                    layout.describe()
                ))
            })?;
            check_normalized_steps(opt.as_ref(), &layout, &grads, &norm, declared.momentum_free)
        },
    );
}

/// Equality with `SteepestDescent { implicit_norm(layout, None), normalized }`: bitwise for
/// `tol = 0`, else within `tol`·max(max|Δ|, η) per step.
pub fn check_equals_steepest_descent(
    opt: &dyn Optimizer,
    layout: &Layout,
    grads: &Grads,
    normalized: bool,
    tol: f64,
) -> Result<(), TestCaseError> {
    let norm = opt.implicit_norm(layout, None).ok_or_else(|| {
        TestCaseError::fail(format!(
            "{} declares `momentum_free` but has no implicit norm on {}",
            opt.name(),
            layout.describe()
        ))
    })?;
    let sd = SteepestDescent { norm, normalized };
    let a = try_run(opt, layout, grads, LR)?;
    let b = try_run(&sd, layout, grads, LR)?;
    if tol > 0.0 {
        return check_seq_close(&format!("{} vs {}", opt.name(), sd.name()), &a, &b, tol, LR);
    }
    ensure(a == b, || {
        format!(
            "{} differs from {}:\n  {a:?}\n  {b:?}",
            opt.name(),
            sd.name()
        )
    })
}

/// The `equals_steepest_descent_of_implicit_norm` test (only when `momentum_free`).
pub fn run_equals_steepest_descent<O: IntoBoxedOptimizer>(name: &str, opt: O, declared: &Declared) {
    if !declared.momentum_free {
        return not_claimed(name, "momentum_free");
    }
    let opt = opt.into_boxed_optimizer();
    per_family(
        &format!("optimizer `{name}`: equals steepest descent of its implicit norm"),
        declared,
        |fam| case(fam, 5, 3.0),
        |(layout, grads)| {
            check_equals_steepest_descent(
                opt.as_ref(),
                &layout,
                &grads,
                declared.normalized,
                declared.steepest_descent_tol,
            )
        },
    );
}
