//! Max-margin references on data far from scale 1, and their certificates.
//!
//! Scaling all data by c > 0 keeps the maximizer and multiplies the margin by c, so every
//! scaled answer is compared with the unscaled one. Each of the first tests is a defect of
//! the solver before certification (measured on that code, data `linear_teacher(40, 5, None,
//! 0)` unless said otherwise): ℓ2 at ×1e8 was 27 % low with all 40 points reported as
//! support; ℓ∞ / ℓ1 at ×1e10 were 64 % / 49 % low; ℓ2 at ×1e-6 and below, ℓ∞ at ×1e-12 and
//! ℓ1 at ×1e12 said "not separable"; 1e6 / 1e-6 column scales made ℓ2 3.8e-5 low; rows at
//! 1e-308 that θ = (1, 1) separates were "not separable" for ℓ2 and ℓ∞.
//!
//! Tolerances: every answer is certified to a relative duality gap ≤ 1e-9 (+ rounding), so
//! two certified margins of the same problem agree to ≤ 2e-9 plus the rounding of c·x
//! (≤ 2^-53 per entry); the tests allow 3e-9 (measured on these data and scales 1e-300 ..
//! 1e300: ratios within 5.2e-14 of c, gaps ≤ 2.2e-13). Directions are compared to 1e-8 per
//! entry of θ/N(θ): the optima here are unique (vertices for ℓ1/ℓ∞), measured differences
//! ≤ 2.3e-14.

mod common;
use approx::{assert_relative_eq, relative_eq};
use implicit_bias::data::{generators, Dataset};
use implicit_bias::error::Error;
use implicit_bias::maxmargin::{certify, max_margin, MaxMargin, MaxMarginNorm, GAP_TOL};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

const NORMS: [MaxMarginNorm; 3] = [MaxMarginNorm::L1, MaxMarginNorm::L2, MaxMarginNorm::Linf];
/// Two certified margins of the same problem (module docs).
const MARGIN_RTOL: f64 = 3e-9;
/// Entries of two max-margin directions of the same problem (module docs).
const DIRECTION_TOL: f64 = 1e-8;

fn scaled(data: &Dataset, c: f64) -> Dataset {
    Dataset::new(data.x.map(|v| v * c), data.y.clone()).unwrap()
}

fn base_data() -> Dataset {
    generators::linear_teacher(40, 5, None, 0).unwrap()
}

/// θ/N(θ) (only the fields every version of `MaxMargin` has).
fn unit(mm: &MaxMargin) -> Vec<f64> {
    let n = mm.norm.value(&mm.theta);
    mm.theta.iter().map(|v| v / n).collect()
}

/// The answer on c·data is the answer on data with the margin times c.
fn assert_scales(data: &Dataset, c: f64, norm: MaxMarginNorm) {
    let base = max_margin(data, norm).unwrap();
    let mm = max_margin(&scaled(data, c), norm).unwrap_or_else(|e| panic!("{norm:?} ×{c:e}: {e}"));
    assert!(
        relative_eq!(mm.margin, c * base.margin, max_relative = MARGIN_RTOL),
        "{norm:?} ×{c:e}: margin {:e} vs c·γ* = {:e} (ratio {})",
        mm.margin,
        c * base.margin,
        mm.margin / (c * base.margin)
    );
    for (a, b) in unit(&mm).iter().zip(unit(&base)) {
        assert!(
            (a - b).abs() <= DIRECTION_TOL,
            "{norm:?} ×{c:e}: direction {:?} vs {:?}",
            unit(&mm),
            unit(&base)
        );
    }
    assert_eq!(mm.support, base.support, "{norm:?} ×{c:e}: support");
}

#[test]
fn l2_times_1e8() {
    assert_scales(&base_data(), 1e8, MaxMarginNorm::L2);
}

#[test]
fn linf_and_l1_times_1e10() {
    assert_scales(&base_data(), 1e10, MaxMarginNorm::Linf);
    assert_scales(&base_data(), 1e10, MaxMarginNorm::L1);
}

#[test]
fn l2_times_1e_minus_6_and_below() {
    for c in [1e-6, 1e-8, 1e-12, 1e-100] {
        assert_scales(&base_data(), c, MaxMarginNorm::L2);
    }
}

#[test]
fn linf_times_1e_minus_12() {
    assert_scales(&base_data(), 1e-12, MaxMarginNorm::Linf);
}

#[test]
fn l1_times_1e12() {
    assert_scales(&base_data(), 1e12, MaxMarginNorm::L1);
}

/// Columns scaled by 1e6 (a 3-feature teacher) and 1e-6 (2 noise features). Adding columns
/// c_i of size ≤ s to the rows can raise the margin by at most max_i N_*(c_i) (θ restricted
/// to the old columns is still feasible, and ⟨c_i, θ⟩ ≤ N_*(c_i) for N(θ) ≤ 1), so
/// 1e6·γ*(teacher columns) ≤ γ* ≤ that + max_i N_*(noise part of z_i): a bracket of relative
/// width ≈ 2e-11 here, checked with the certificate's 3e-9 on the lower side.
#[test]
fn columns_scaled_1e6_and_1e_minus_6() {
    for seed in 0..4u64 {
        let teacher = generators::linear_teacher(40, 3, None, seed).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(100 + seed);
        let x = nalgebra::DMatrix::from_fn(40, 5, |i, j| {
            if j < 3 {
                teacher.x[(i, j)] * 1e6
            } else {
                rng.random_range(-1.0..1.0) * 1e-6
            }
        });
        let data = Dataset::new(x, teacher.y.clone()).unwrap();
        for norm in NORMS {
            let lower = 1e6 * max_margin(&teacher, norm).unwrap().margin;
            let slack = (0..40)
                .map(|i| norm.dual_value(&[data.x[(i, 3)], data.x[(i, 4)]]))
                .fold(0.0, f64::max);
            let mm = max_margin(&data, norm).unwrap_or_else(|e| panic!("{norm:?}: {e}"));
            assert!(
                mm.margin >= lower * (1.0 - MARGIN_RTOL)
                    && mm.margin <= (lower + slack) * (1.0 + MARGIN_RTOL),
                "seed {seed} {norm:?}: γ* = {:e} outside [{lower:e}, {:e}]",
                mm.margin,
                lower + slack
            );
        }
    }
}

/// The 40×5 teacher data with columns alternately ×1e6 and ×1e-6: the three large columns
/// alone do not separate it, so the margin comes from the 1e-12-relative columns. It is
/// separable (column scaling never changes that): the answer must never be "not separable",
/// and whatever is returned must pass an independent weak-duality check.
#[test]
fn columns_scaled_alternately_are_never_called_non_separable() {
    for seed in 0..3u64 {
        let mut data = generators::linear_teacher(40, 5, None, seed).unwrap();
        for j in 0..5 {
            let s = if j % 2 == 0 { 1e6 } else { 1e-6 };
            for i in 0..40 {
                data.x[(i, j)] *= s;
            }
        }
        for norm in NORMS {
            match max_margin(&data, norm) {
                Ok(mm) => assert_independently_certified(&data, &mm),
                Err(Error::Numerical(msg)) => assert!(msg.contains("gap"), "{msg}"),
                Err(e) => panic!("seed {seed} {norm:?}: {e}"),
            }
        }
    }
}

/// p = min_i y_i⟨x_i, θ⟩/N(θ) ≤ D = N_*(Σ w_i y_i x_i), recomputed here in f64 (the data of
/// these tests are within f64 range at unit scale).
fn assert_independently_certified(data: &Dataset, mm: &MaxMargin) {
    let norm = mm.norm;
    let th = &mm.direction;
    let p = (0..data.m())
        .map(|i| data.y[i] * (0..data.d()).map(|j| data.x[(i, j)] * th[j]).sum::<f64>())
        .fold(f64::INFINITY, f64::min)
        / norm.value(th);
    let w = &mm.certificate.weights;
    let g: Vec<f64> = (0..data.d())
        .map(|j| {
            (0..data.m())
                .map(|i| w[i] * data.y[i] * data.x[(i, j)])
                .sum()
        })
        .collect();
    let dv = norm.dual_value(&g) / w.iter().sum::<f64>();
    assert!(
        p > 0.0 && relative_eq!(p, dv, max_relative = 10.0 * GAP_TOL),
        "{norm:?}: primal {p:e}, dual {dv:e}"
    );
    assert_relative_eq!(p, mm.margin, max_relative = 10.0 * GAP_TOL);
}

#[test]
fn rows_at_1e_minus_308_separated_by_ones() {
    // z_i = y_i x_i = (3, 1), (1, 2), (2, 2): θ = (1, 1) separates them.
    let rows = vec![vec![3.0, 1.0], vec![-1.0, -2.0], vec![2.0, 2.0]];
    let data = Dataset::from_rows(&rows, vec![1.0, -1.0, 1.0]).unwrap();
    for norm in NORMS {
        assert_scales(&data, 1e-308, norm);
        let mm = max_margin(&scaled(&data, 1e-308), norm).unwrap();
        assert!(mm.theta.iter().all(|v| v.is_finite() && *v > 0.0));
    }
}

/// Non-separable data stay certified as such at any scale.
#[test]
fn xor_is_not_separable_at_any_scale() {
    let data = common::xor_data();
    for c in [1e-300, 1e-12, 1.0, 1e12, 1e300] {
        for norm in NORMS {
            let err = max_margin(&scaled(&data, c), norm).unwrap_err();
            assert!(
                matches!(err, Error::NotSeparable(_)),
                "{norm:?} ×{c:e}: {err}"
            );
        }
    }
}

/// A margin that f64 cannot hold next to θ* = θ̂/γ* is refused, saying so.
#[test]
fn margins_outside_f64_range_are_refused() {
    let rows = vec![vec![3.0, 1.0], vec![-1.0, -2.0]];
    let data = Dataset::from_rows(&rows, vec![1.0, -1.0]).unwrap();
    for norm in NORMS {
        let err = max_margin(&scaled(&data, 1e-320), norm).unwrap_err();
        assert!(
            matches!(&err, Error::Numerical(m) if m.contains("range")),
            "{norm:?}: {err}"
        );
        assert_eq!(err.exit_status(), 1);
    }
}

#[test]
fn a_certificate_that_does_not_verify_is_refused() {
    let data = base_data();
    for norm in NORMS {
        let mm = max_margin(&data, norm).unwrap();
        // The answer's own pair verifies.
        let c = certify(&data, norm, &mm.direction, &mm.certificate.weights).unwrap();
        assert!(c.relative_gap <= c.tolerance);
        // Uniform weights: a valid dual point, but far from optimal.
        let uniform = vec![1.0; data.m()];
        let err = certify(&data, norm, &mm.direction, &uniform).unwrap_err();
        assert!(
            matches!(&err, Error::Numerical(m) if m.contains("duality gap")),
            "{norm:?}: {err}"
        );
        // A perturbed direction with the optimal weights.
        let mut th = mm.direction.clone();
        th[0] += 1e-3;
        let err = certify(&data, norm, &th, &mm.certificate.weights).unwrap_err();
        assert!(matches!(&err, Error::Numerical(m) if m.contains("duality gap")));
        // A negative weight is dual infeasible.
        let mut w = mm.certificate.weights.clone();
        w[mm.support[0]] = -1e-3;
        let err = certify(&data, norm, &mm.direction, &w).unwrap_err();
        assert!(matches!(&err, Error::Numerical(m) if m.contains("dual infeasible")));
    }
    // Weights with Σ w_i y_i x_i = 0 certify non-separability; weights that do not cancel
    // prove nothing when θ does not separate either.
    let rows = vec![
        vec![1.0, 1.0],
        vec![-1.0, -1.0],
        vec![1.0, -1.0],
        vec![-1.0, 1.0],
    ];
    let xor = Dataset::from_rows(&rows, vec![1.0, 1.0, -1.0, -1.0]).unwrap();
    let err = certify(&xor, MaxMarginNorm::L2, &[1.0, 0.0], &[1.0; 4]).unwrap_err();
    assert!(matches!(err, Error::NotSeparable(_)), "{err}");
    let err = certify(&xor, MaxMarginNorm::L2, &[1.0, 0.0], &[1.0, 0.0, 0.0, 0.0]).unwrap_err();
    assert!(matches!(err, Error::Numerical(_)), "{err}");
}

/// ℓ∞ on wide data (m = 10, d = 10 000; the dual-seeded LPs of `maxmargin::lp`): certified,
/// and the certificate checks out independently. (Time: ≈ 2 s in release on the 2-core
/// machine; benches/maxmargin.rs measures it.)
#[test]
fn wide_linf_is_certified() {
    let data = generators::linear_teacher(10, 10_000, None, 7).unwrap();
    let mm = max_margin(&data, MaxMarginNorm::Linf).unwrap();
    assert!(mm.certificate.relative_gap <= mm.certificate.tolerance);
    assert!(mm.direction.iter().all(|v| v.abs() <= 1.0));
    assert_independently_certified(&data, &mm);
    let mm = max_margin(&data, MaxMarginNorm::L1).unwrap();
    assert_independently_certified(&data, &mm);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// c = 2^k·u over 1e-297..1e297 (k ∈ [−988, 988], u ∈ [1, 2)): the margin scales by c,
    /// the direction is unchanged.
    #[test]
    fn scale_invariance(k in -988i32..=988, u in 1.0f64..2.0, n in 0usize..3, seed in 0u64..3) {
        let data = generators::linear_teacher(20, 4, None, seed).unwrap();
        let c = 2f64.powi(k) * u;
        assert_scales(&data, c, NORMS[n]);
    }
}
