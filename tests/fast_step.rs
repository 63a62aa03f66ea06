//! The fast training step (issue #6 item 2) computes the same numbers as the plain
//! formulas it replaced:
//!
//! * exponential-loss weights with one `exp` per sample — bit-identical to log-sum-exp +
//!   `grad_weights`;
//! * `params::norm2` / `max_abs` / `all_finite` — bit-identical to the plain folds;
//! * the fused NGD update — bit-identical to −η·(ĝ_j/‖ĝ‖₂);
//! * opt-in GEMM threading — deterministic (same bits on every run) and within a few ulps
//!   of the single-threaded product.

use approx::abs_diff_eq;
use implicit_bias::data::Dataset;
use implicit_bias::linalg;
use implicit_bias::loss::{log_sum_exp, Loss};
use implicit_bias::models::init::initialize;
use implicit_bias::models::{Activation, Init, Model, TwoLayer};
use implicit_bias::optim::{OptimizerConfig, ScaledGrad, Step};
use implicit_bias::params::{all_finite, max_abs, norm2, Layout};
use nalgebra::DMatrix;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The formula `norm2` had before it was split into passes.
fn norm2_reference(a: &[f64]) -> f64 {
    let s = a.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if s == 0.0 || !s.is_finite() {
        return s;
    }
    s * a.iter().map(|v| (v / s) * (v / s)).sum::<f64>().sqrt()
}

/// Margins with magnitudes from 1e-3 to 1e3 (both signs), as training produces.
fn margins() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        (-3.0_f64..3.0, prop::bool::ANY).prop_map(|(e, neg)| {
            if neg {
                -(10f64.powf(e))
            } else {
                10f64.powf(e)
            }
        }),
        1..200,
    )
}

/// Directions with entries of mixed scales, some exact zeros.
fn directions() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![Just(0.0), -1e3_f64..1e3, -1e-200_f64..1e-200],
        1..300,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Exponential loss: (log L, c, w) equal, bit for bit, to log-sum-exp of −q and
    /// `grad_weights` (the two-exp path).
    #[test]
    fn exp_loss_weights_bit_identical(q in margins()) {
        let loss = Loss::Exponential;
        let mut w = vec![0.0; q.len()];
        let (log_l, c) = loss.log_loss_and_weights(&q, &mut w);
        let neg: Vec<f64> = q.iter().map(|v| -v).collect();
        let mut w_ref = vec![0.0; q.len()];
        let c_ref = loss.grad_weights(&q, &mut w_ref);
        prop_assert_eq!(log_l.to_bits(), log_sum_exp(&neg).to_bits());
        prop_assert_eq!(c.to_bits(), c_ref.to_bits());
        for (a, b) in w.iter().zip(&w_ref) {
            prop_assert_eq!(a.to_bits(), b.to_bits());
        }
    }

    /// norm2, max_abs and all_finite agree exactly with the plain folds.
    #[test]
    fn norm_helpers_bit_identical(g in directions()) {
        prop_assert_eq!(norm2(&g).to_bits(), norm2_reference(&g).to_bits());
        let mx = g.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        prop_assert_eq!(max_abs(&g).to_bits(), mx.to_bits());
        prop_assert!(all_finite(&g));
    }

    /// The fused NGD update equals −η·(ĝ_j/‖ĝ‖₂) entry by entry, bit for bit, for any scale
    /// of ĝ (max |ĝ_j| = 1 as the trainer passes it, or not).
    #[test]
    fn ngd_update_bit_identical(g in directions(), lr in 1e-4_f64..10.0, log_scale in -50.0_f64..50.0) {
        let layout = Layout::vector("theta", g.len()).unwrap();
        let opt = OptimizerConfig::parse_name("ngd").unwrap().build().unwrap();
        let mut state = opt.init(&layout).unwrap();
        let theta = vec![0.0; g.len()];
        let mut delta = vec![f64::NAN; g.len()];
        let grad = ScaledGrad { log_scale, dir: &g };
        let step = Step { theta: &theta, layout: &layout, t: 1, lr };
        opt.update(grad, &mut state, &step, &mut delta).unwrap();
        let n = norm2_reference(&g);
        for (d, v) in delta.iter().zip(&g) {
            let want = if n == 0.0 { 0.0 * -lr } else { (v / n) * -lr };
            prop_assert_eq!(d.to_bits(), want.to_bits());
        }
    }
}

/// Edge cases of the one-exp path match the general conventions: +∞ margins (c = −∞,
/// log L = −∞) and an overflowing margin (q = −∞: c = +∞).
#[test]
fn exp_loss_weights_edge_cases() {
    let loss = Loss::Exponential;
    for q in [
        vec![f64::INFINITY, f64::INFINITY],
        vec![1.0, f64::NEG_INFINITY],
        vec![800.0, 900.0],
        vec![-800.0, 0.0],
    ] {
        let mut w = vec![0.0; q.len()];
        let (log_l, c) = loss.log_loss_and_weights(&q, &mut w);
        let neg: Vec<f64> = q.iter().map(|v| -v).collect();
        let mut w_ref = vec![0.0; q.len()];
        let c_ref = loss.grad_weights(&q, &mut w_ref);
        assert_eq!(log_l.to_bits(), log_sum_exp(&neg).to_bits(), "{q:?}");
        assert_eq!(c.to_bits(), c_ref.to_bits(), "{q:?}");
        for (a, b) in w.iter().zip(&w_ref) {
            assert_eq!(a.to_bits(), b.to_bits(), "{q:?}");
        }
    }
}

/// Non-finite entries are still caught: `all_finite`, `norm2` and the NGD update's error.
#[test]
fn non_finite_inputs_are_reported() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let g = vec![1.0, 2.0, bad, 3.0, 4.0, 5.0];
        assert!(!all_finite(&g));
        assert_eq!(norm2(&g).to_bits(), norm2_reference(&g).to_bits(), "{bad}");
        let layout = Layout::vector("theta", g.len()).unwrap();
        let opt = OptimizerConfig::parse_name("ngd").unwrap().build().unwrap();
        let mut state = opt.init(&layout).unwrap();
        let mut delta = vec![0.0; g.len()];
        let grad = ScaledGrad {
            log_scale: 0.0,
            dir: &g,
        };
        let step = Step {
            theta: &g,
            layout: &layout,
            t: 1,
            lr: 0.1,
        };
        let r = opt.update(grad, &mut state, &step, &mut delta);
        assert!(r.is_err(), "{bad}: {r:?}");
    }
}

/// GEMM threading (opt-in): above the size threshold the two-layer net's margins and
/// weighted gradient with 2 threads are identical on every run, and within a few ulps of
/// the 1-thread result. Tolerance: both are sums of d = 64 (fwd) or m = 700 (bwd)
/// products in a possibly different blocking order, so they differ by at most
/// ≈ (inner dimension)·ε·Σ|terms|; we check 8·inner·ε relative to the largest |entry|·scale.
/// All threading checks live in this one test, since the setting is process-global (the
/// other tests here use no GEMM above the threshold).
#[test]
fn threaded_gemm_is_deterministic_and_close() {
    let (m, d, k) = (700, 64, 64);
    assert!(2 * m * d * k >= linalg::GEMM_PAR_MIN_FLOPS);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let x = DMatrix::from_fn(m, d, |_, _| rng.random_range(-1.0..1.0));
    let y: Vec<f64> = (0..m)
        .map(|_| if rng.random_bool(0.5) { 1.0 } else { -1.0 })
        .collect();
    let data = Dataset::new(x, y).unwrap();
    let model = TwoLayer::new(Activation::ReluPow(2.0), k, d);
    let theta = initialize(model.layout(), &Init::default(), 3).unwrap();
    let run = |threads: usize| {
        linalg::set_gemm_threads(threads);
        let mut ws = model.workspace(m);
        let mut q = vec![0.0; m];
        model.margins(&theta, &data, &mut ws, &mut q);
        let mut w = vec![0.0; m];
        Loss::Exponential.log_loss_and_weights(&q, &mut w);
        let mut g = vec![0.0; theta.len()];
        model.weighted_gradient(&theta, &data, &w, &mut ws, &mut g);
        (q, g)
    };
    let (q1, g1) = run(1);
    let (q2a, g2a) = run(2);
    let (q2b, g2b) = run(2);
    let (q3, g3) = run(3);
    linalg::set_gemm_threads(1);
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&q2a), bits(&q2b), "2-thread margins not deterministic");
    assert_eq!(
        bits(&g2a),
        bits(&g2b),
        "2-thread gradient not deterministic"
    );
    let close = |a: &[f64], b: &[f64], inner: usize, what: &str| {
        let scale = max_abs(b).max(f64::MIN_POSITIVE);
        let tol = 8.0 * inner as f64 * f64::EPSILON * scale;
        for (i, (u, v)) in a.iter().zip(b).enumerate() {
            assert!(
                abs_diff_eq!(*u, *v, epsilon = tol),
                "{what}[{i}]: {u} vs {v} (tol {tol:e})"
            );
        }
    };
    // Margins: d-term products, then a k-term sum; gradient: m-term products.
    close(&q2a, &q1, d * k, "margins 2 vs 1 threads");
    close(&g2a, &g1, m, "gradient 2 vs 1 threads");
    close(&q3, &q1, d * k, "margins 3 vs 1 threads");
    close(&g3, &g1, m, "gradient 3 vs 1 threads");
}
