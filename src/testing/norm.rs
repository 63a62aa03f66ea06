//! The norm battery: the laws every [`Norm`] must satisfy.
//!
//! For a norm N with dual N_*, steepest direction d = steepest(g) and subgradient
//! s = subgradient(x) (see [`crate::norms`]):
//!
//! * N(x), N_*(g) finite and ≥ 0; N(0) = N_*(0) = 0;
//! * Hölder ⟨g, x⟩ ≤ N_*(g)·N(x), and ⟨x, steepest(g)⟩ ≤ N_*(x);
//! * ⟨g, steepest(g)⟩ = N_*(g) and N(steepest(g)) = 1 for g ≠ 0; steepest(0) = 0;
//! * ⟨s, x⟩ = N(x), N_*(s) ≤ 1, and (dual of the dual) N_*(s) = 1 for x ≠ 0, so that
//!   ⟨x, s⟩/N_*(s) = N(x) attains max_{N_*(v) ≤ 1} ⟨x, v⟩; subgradient(0) = 0;
//! * ⟨x, g⟩/N_*(g) ≤ N(x) (no dual-ball element beats the subgradient);
//! * homogeneity N(cx) = |c|N(x) and the triangle inequality N(x + y) ≤ N(x) + N(y), for N
//!   and for N_*.
//!
//! **Tolerances.** Every quantity is a sum of at most p = layout.len() rounded terms or comes
//! from a backward-stable SVD whose error is O(max(rows, cols)·ε·σ_max); the relative
//! tolerance [`tol`]`(p) = 64·(p + 4)·ε` covers both with a safety factor of ~10 while still
//! failing on any real mistake (a wrong dual, a missing factor 1/|J|, a dropped weight all
//! produce relative errors ≥ 1e-3).
//!
//! **Inputs.** Vectors of p entries times 10^e, e ∈ {−100, 0, 100} (overflow/underflow
//! safety); entries mostly continuous in [−10, 10], sometimes small integers, and one time in
//! four all small integers, so ties at the max |entry| (the ℓ1 / ℓ∞ tie-breaks), between
//! blocks (max-block tie-breaks), zeros and rank deficiency are frequent.

use super::layouts::LayoutFamily;
use super::support::{ensure, run_property, IntoBoxedNorm};
use crate::norms::Norm;
use crate::params::{dot, Layout};
use proptest::prelude::*;

/// Cases per layout family for [`run_laws`].
pub const LAW_CASES: u32 = 64;
/// Cases per layout family for [`run_homogeneity_and_triangle`].
pub const HOMOGENEITY_CASES: u32 = 200;

/// The default families: vectors(8), nets(4, 5), matrices(5, 5).
pub fn default_families() -> Vec<LayoutFamily> {
    vec![
        LayoutFamily::vectors(8),
        LayoutFamily::nets(4, 5),
        LayoutFamily::matrices(5, 5),
    ]
}

/// Relative tolerance for a problem with p parameters (see the module docs).
pub fn tol(p: usize) -> f64 {
    64.0 * (p as f64 + 4.0) * f64::EPSILON
}

/// Σ_j |a_j b_j|: the natural rounding scale of ⟨a, b⟩.
fn abs_dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x * y).abs()).sum()
}

/// a ≈ b within `t` relative to `scale`.
fn close(a: f64, b: f64, scale: f64, t: f64, what: &str) -> Result<(), TestCaseError> {
    ensure((a - b).abs() <= t * scale.max(f64::MIN_POSITIVE), || {
        format!(
            "{what}: {a} vs {b} (|diff| = {:e}, allowed {:e})",
            (a - b).abs(),
            t * scale
        )
    })
}

/// a ≤ b up to `t` relative to `scale`.
fn le(a: f64, b: f64, scale: f64, t: f64, what: &str) -> Result<(), TestCaseError> {
    ensure(a <= b + t * scale, || {
        format!(
            "{what}: {a} > {b} (excess {:e}, allowed {:e})",
            a - b,
            t * scale
        )
    })
}

/// The norm laws (module docs, all but homogeneity/triangle) for one (norm, layout, x, g).
pub fn check_laws(
    norm: &dyn Norm,
    layout: &Layout,
    x: &[f64],
    g: &[f64],
) -> Result<(), TestCaseError> {
    let p = layout.len();
    let t = tol(p);
    let name = norm.name();
    if let Err(e) = norm.validate(layout) {
        return Err(TestCaseError::fail(format!(
            "{name} rejected {}: {e}",
            layout.describe()
        )));
    }
    let nx = norm.value(layout, x);
    let dg = norm.dual(layout, g);
    ensure(nx.is_finite() && nx >= 0.0, || {
        format!("{name}: N(x) = {nx}")
    })?;
    ensure(dg.is_finite() && dg >= 0.0, || {
        format!("{name}: N_*(g) = {dg}")
    })?;
    let zero = vec![0.0; p];
    let n0 = norm.value(layout, &zero);
    ensure(n0 == 0.0, || format!("{name}: N(0) = {n0}"))?;
    let d0 = norm.dual(layout, &zero);
    ensure(d0 == 0.0, || format!("{name}: N_*(0) = {d0}"))?;

    // Hölder.
    le(
        dot(g, x),
        dg * nx,
        dg * nx + abs_dot(g, x),
        t,
        &format!("{name}: Hölder"),
    )?;

    // Steepest direction.
    let mut d = vec![f64::NAN; p];
    norm.steepest(layout, &zero, &mut d);
    ensure(d.iter().all(|&v| v == 0.0), || {
        format!("{name}: steepest(0) = {d:?}")
    })?;
    norm.steepest(layout, g, &mut d);
    if g.iter().all(|&v| v == 0.0) {
        ensure(d.iter().all(|&v| v == 0.0), || {
            format!("{name}: steepest(0) = {d:?}")
        })?;
    } else {
        close(
            dot(g, &d),
            dg,
            dg + abs_dot(g, &d),
            t,
            &format!("{name}: ⟨g, steepest(g)⟩ = N_*(g)"),
        )?;
        close(
            norm.value(layout, &d),
            1.0,
            1.0,
            t,
            &format!("{name}: N(steepest(g)) = 1"),
        )?;
        let dx = norm.dual(layout, x);
        le(
            dot(x, &d),
            dx,
            dx + abs_dot(x, &d),
            t,
            &format!("{name}: ⟨x, steepest(g)⟩ ≤ N_*(x)"),
        )?;
    }

    // Subgradient and dual of the dual.
    let mut s = vec![f64::NAN; p];
    norm.subgradient(layout, &zero, &mut s);
    ensure(s.iter().all(|&v| v == 0.0), || {
        format!("{name}: subgradient(0) = {s:?}")
    })?;
    norm.subgradient(layout, x, &mut s);
    if x.iter().all(|&v| v == 0.0) {
        ensure(s.iter().all(|&v| v == 0.0), || {
            format!("{name}: subgradient(0) = {s:?}")
        })?;
    } else {
        let ds = norm.dual(layout, &s);
        close(
            dot(&s, x),
            nx,
            nx + abs_dot(&s, x),
            t,
            &format!("{name}: ⟨s, x⟩ = N(x)"),
        )?;
        le(ds, 1.0, 1.0, t, &format!("{name}: N_*(s) ≤ 1"))?;
        close(
            ds,
            1.0,
            1.0,
            t,
            &format!("{name}: N_*(s) = 1 (dual of the dual)"),
        )?;
        close(
            dot(x, &s) / ds,
            nx,
            nx + abs_dot(x, &s),
            2.0 * t,
            &format!("{name}: ⟨x, s⟩/N_*(s) = N(x)"),
        )?;
    }
    if dg > 0.0 {
        le(
            dot(x, g) / dg,
            nx,
            nx + abs_dot(x, g) / dg,
            t,
            &format!("{name}: ⟨x, g⟩/N_*(g) ≤ N(x)"),
        )?;
    }
    Ok(())
}

/// Homogeneity |N(cx) − |c|N(x)| ≤ t·|c|N(x) and the triangle inequality
/// N(x + y) ≤ (N(x) + N(y))(1 + t), t = [`tol`]`(p)`, for the norm and for its dual.
pub fn check_homogeneity_and_triangle(
    norm: &dyn Norm,
    layout: &Layout,
    x: &[f64],
    y: &[f64],
    c: f64,
) -> Result<(), TestCaseError> {
    let t = tol(layout.len());
    let name = norm.name();
    let cx: Vec<f64> = x.iter().map(|v| c * v).collect();
    let xy: Vec<f64> = x.iter().zip(y).map(|(a, b)| a + b).collect();
    type F<'a> = &'a dyn Fn(&[f64]) -> f64;
    let value = |z: &[f64]| norm.value(layout, z);
    let dual = |z: &[f64]| norm.dual(layout, z);
    for (which, f) in [("N", &value as F), ("N_*", &dual as F)] {
        let (nx, ny, ncx, nxy) = (f(x), f(y), f(&cx), f(&xy));
        ensure((ncx - c.abs() * nx).abs() <= t * c.abs() * nx, || {
            format!(
                "{name}: {which}(cx) = {ncx} vs |c|·{which}(x) = {} (c = {c})",
                c.abs() * nx
            )
        })?;
        ensure(nxy <= (nx + ny) * (1.0 + t), || {
            format!("{name}: triangle inequality for {which}: {nxy} > {nx} + {ny}")
        })?;
    }
    Ok(())
}

/// An entry: mostly continuous, sometimes a small integer (ties, zeros, rank deficiency).
fn entry() -> impl Strategy<Value = f64> {
    prop_oneof![4 => -10.0..10.0f64, 1 => (-2i32..=2).prop_map(f64::from)]
}

/// A vector of p entries times 10^e, e ∈ {−100, 0, 100}; one time in four all entries are
/// small integers (see the module docs).
pub fn scaled_vec(p: usize) -> impl Strategy<Value = Vec<f64>> {
    let v = prop_oneof![
        3 => prop::collection::vec(entry(), p),
        1 => prop::collection::vec((-2i32..=2).prop_map(f64::from), p),
    ];
    (v, prop_oneof![Just(1e-100), Just(1.0), Just(1e100)])
        .prop_map(|(v, s)| v.into_iter().map(|x| x * s).collect())
}

/// Weights for weighted norms: p values in [0.1, 10].
pub fn weights(p: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(0.1..10.0f64, p)
}

/// One law case: a layout of the family and (x, g, weights).
pub fn law_case(
    family: &LayoutFamily,
) -> impl Strategy<Value = (Layout, Vec<f64>, Vec<f64>, Vec<f64>)> {
    family.strategy().prop_flat_map(|layout| {
        let p = layout.len();
        (Just(layout), scaled_vec(p), scaled_vec(p), weights(p))
    })
}

/// One homogeneity case: a layout, x and y with entries k/64 for integers |k| ≤ 2^15 (exact
/// in f64), c = k/8 for an integer |k| ≤ 128, and weights.
pub fn homogeneity_case(
    family: &LayoutFamily,
) -> impl Strategy<Value = (Layout, Vec<f64>, Vec<f64>, f64, Vec<f64>)> {
    family.strategy().prop_flat_map(|layout| {
        let p = layout.len();
        let grid = || prop::collection::vec(any::<i16>().prop_map(|z| f64::from(z) / 64.0), p);
        (
            Just(layout),
            grid(),
            grid(),
            any::<i8>().prop_map(|c| f64::from(c) / 8.0),
            weights(p),
        )
    })
}

/// [`check_laws`] on [`LAW_CASES`] random cases per family; the norm is built per case by
/// `ctor(layout, weights)`. Panics (test failure) with the minimal failing case.
pub fn run_laws<F, N>(name: &str, ctor: F, families: &[LayoutFamily])
where
    F: Fn(&Layout, &[f64]) -> N,
    N: IntoBoxedNorm,
{
    for fam in families {
        run_property(
            &format!("norm `{name}` laws on {}", fam.describe()),
            LAW_CASES,
            law_case(fam),
            |(layout, x, g, h)| {
                let norm = ctor(&layout, &h).into_boxed_norm();
                check_laws(norm.as_ref(), &layout, &x, &g)
            },
        );
    }
}

/// [`check_homogeneity_and_triangle`] on [`HOMOGENEITY_CASES`] random cases per family.
pub fn run_homogeneity_and_triangle<F, N>(name: &str, ctor: F, families: &[LayoutFamily])
where
    F: Fn(&Layout, &[f64]) -> N,
    N: IntoBoxedNorm,
{
    for fam in families {
        run_property(
            &format!("norm `{name}` homogeneity/triangle on {}", fam.describe()),
            HOMOGENEITY_CASES,
            homogeneity_case(fam),
            |(layout, x, y, c, h)| {
                let norm = ctor(&layout, &h).into_boxed_norm();
                check_homogeneity_and_triangle(norm.as_ref(), &layout, &x, &y, c)
            },
        );
    }
}
