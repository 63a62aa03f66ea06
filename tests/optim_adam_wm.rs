//! Tests of `adam_wm`, Adam (w/m) of [A] eq. 3 (conditioner h_M: ε inside the square root,
//! bias-corrected second moment, no first moment). The generic conformance battery runs on it
//! through the roster of `tests/optim.rs` (`adam_wm`, `adam_wm_eps0`); here:
//! * step for step against a plain-f64 implementation of [A] eq. 3 (h_M) at moderate scales;
//! * its relations to the siblings: ε = 0 is `adam_no_momentum` with ε = 0; for every ε the
//!   step is `rms_prop`'s once βᵗ is below rounding, and for ε = 0 it is exactly √(1 − βᵗ)
//!   times `rms_prop`'s at every t (the bias correction is a scalar on v);
//! * the ε-scale covariance (c, ε) → (c + k, e^{2k}ε) far outside plain f64's range;
//! * training past L = 1e-300 without NaN/∞, and the GD-regime step at L ≈ 1e-304;
//! * bad hyper-parameters are errors naming the field, never panics;
//! * its claims (ℓ2 for ε > 0, ℓ∞ for ε = 0), name and defaults.

use implicit_bias::data::generators;
use implicit_bias::error::Error;
use implicit_bias::loss::Loss;
use implicit_bias::models::Linear;
use implicit_bias::norms::NormSpec;
use implicit_bias::optim::{
    Adam, AdamWm, Optimizer, OptimizerConfig, RmsProp, Schedule, ScheduleClass, UpdateRule,
};
use implicit_bias::params::Layout;
use implicit_bias::testing::optimizer::{self as battery, run, Grads, LR};
use implicit_bias::testing::LayoutFamily;
use implicit_bias::train::{train, StopReason, TrainConfig};
use proptest::prelude::*;

/// [A] eq. 3 with h_M, plain f64: v ← βv + (1−β)g², v̂ = v/(1 − βᵗ), Δ = −η g/√(ε + v̂)
/// (0 where the denominator is 0). The bias correction is computed independently of the
/// crate's expm1/ln_1p, and without the cancellation of a literal 1 − βᵗ (which loses
/// log₂(1/(1 − βᵗ)) bits, 10 at β = 0.999, t = 1): 1 − βᵗ = (1 − β)·Σ_{i<t} βⁱ, where 1 − β
/// is exact in f64 for β ∈ [½, 1) (Sterbenz) and the sum has only positive terms.
fn adam_wm_ref(grads: &Grads, beta: f64, eps: f64, lr: f64) -> Vec<Vec<f64>> {
    let p = grads[0].1.len();
    let mut v = vec![0.0; p];
    let mut out = vec![];
    let (mut geo, mut pow) = (0.0, 1.0);
    for (c, gd) in grads {
        geo += pow;
        pow *= beta;
        let bc = (1.0 - beta) * geo;
        let mut d = vec![0.0; p];
        for j in 0..p {
            let g = c.exp() * gd[j];
            v[j] = beta * v[j] + (1.0 - beta) * g * g;
            let den = (eps + v[j] / bc).sqrt();
            d[j] = if den > 0.0 { -lr * g / den } else { 0.0 };
        }
        out.push(d);
    }
    out
}

/// Coordinate-wise relative agreement: |a_j − b_j| ≤ tol·|b_j| (exact zeros must match).
fn assert_rel(name: &str, a: &[Vec<f64>], b: &[Vec<f64>], tol: f64) {
    assert_eq!(a.len(), b.len(), "{name}");
    for (t, (x, y)) in a.iter().zip(b).enumerate() {
        for (j, (p, q)) in x.iter().zip(y).enumerate() {
            assert!(
                (p - q).abs() <= tol * q.abs(),
                "{name}: step {} coordinate {j}: {p:e} vs {q:e} (rel {:e})",
                t + 1,
                ((p - q) / q).abs()
            );
        }
    }
}

fn case(steps: usize, c_max: f64) -> impl Strategy<Value = (Layout, Grads)> {
    let family = LayoutFamily::either(LayoutFamily::vectors(8), LayoutFamily::nets(5, 5));
    battery::case(&family, steps, c_max)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Against the plain reference, coordinate by coordinate, to 2.5e-14 relative. Each
    /// coordinate is g_j/√(ε + v̂_j) with v̂_j a sum of positive terms (no cancellation); the
    /// log-domain side re-derives its log-scale every step (exponentials of differences of
    /// logs of size ≤ 7, ulp ≈ 9e-16 each, over ≤ 12 steps). Measured worst over 3000 such
    /// sequences × 12 (β, ε): 8.5e-15; 2.5e-14 is a 3× margin and still catches a missing
    /// bias correction (a factor √(1 − βᵗ) ≈ 0.03 at t = 1 for β = 0.999) or ε outside the
    /// root.
    #[test]
    fn matches_the_plain_reference((layout, grads) in case(12, 3.0)) {
        for beta in [0.0, 0.5, 0.9, 0.999] {
            for eps in [0.0, 1e-3, 1.0] {
                let opt = AdamWm { beta, eps };
                let a = run(&opt, &layout, &grads, LR);
                let r = adam_wm_ref(&grads, beta, eps, LR);
                assert_rel(&format!("adam_wm β={beta} ε={eps}"), &a, &r, 2.5e-14);
            }
        }
    }

    /// ε = 0: Adam (w/m) is Adam with β1 = 0, ε = 0 (√(0 + v̂) = √v̂ + 0), and exactly
    /// √(1 − βᵗ) times RMSProp's step (ε = 0, same v: g/√(v/(1 − βᵗ)) = √(1 − βᵗ)·g/√v) at
    /// every t. Different code paths (hyp(0, x) vs x + 0, the bias correction as a log shift
    /// vs a divisor or a factor): rounding only. Measured worst over 3000 sequences × 3 β:
    /// 1.5e-15 for both; 1e-14 is a 6.6× margin.
    #[test]
    fn relations_to_adam_no_momentum_and_rms_prop((layout, grads) in case(12, 3.0)) {
        for beta in [0.0, 0.5, 0.95] {
            let wm = run(&AdamWm { beta, eps: 0.0 }, &layout, &grads, LR);
            let adam = run(&Adam::no_momentum(beta, 0.0), &layout, &grads, LR);
            assert_rel("adam_wm(ε = 0) vs adam_no_momentum(ε = 0)", &wm, &adam, 1e-14);
            let rms = run(&RmsProp { beta, eps: 0.0 }, &layout, &grads, LR);
            let scaled: Vec<Vec<f64>> = rms.iter().enumerate().map(|(t, d)| {
                let bc = 1.0 - beta.powi(t as i32 + 1);
                d.iter().map(|x| x * bc.sqrt()).collect()
            }).collect();
            assert_rel("adam_wm(ε = 0) vs √(1 − βᵗ)·rms_prop(ε = 0)", &wm, &scaled, 1e-14);
        }
    }
}

/// Once βᵗ is below rounding the bias correction is gone and Adam (w/m) *is* RMSProp (h_M →
/// h_R): with β = 0.5, βᵗ ≤ 2⁻⁶⁰ for t ≥ 60 and the two agree to 1e-15 relative (the shift
/// σ = −½ ln(1 − βᵗ) ≤ 4.4e-19 is far below one ulp of the log-scale; measured: bitwise
/// equal). Early on they differ: at t = 1, ε = 1e-3, RMSProp's step is larger by the factor
/// √(ε + v/(1 − β))/√(ε + v) (v̂ = 2v), measured 1.40–1.41 here, asserted ≥ 1.1 — so the
/// test would fail if `adam_wm` were `rms_prop`.
#[test]
fn equals_rms_prop_once_the_bias_correction_is_negligible() {
    let layout = Layout::vector("theta", 4).unwrap();
    let grads: Grads = (0..80)
        .map(|t| {
            let g = (0..4)
                .map(|j| ((j * 5 + t * 3 + 1) as f64 * 0.77).sin())
                .collect();
            (-0.02 * t as f64, g)
        })
        .collect();
    let (beta, eps) = (0.5, 1e-3);
    let wm = run(&AdamWm { beta, eps }, &layout, &grads, LR);
    let rms = run(&RmsProp { beta, eps }, &layout, &grads, LR);
    assert_rel("t ≥ 60", &wm[59..], &rms[59..], 1e-15);
    for (j, (a, b)) in wm[0].iter().zip(&rms[0]).enumerate() {
        assert!(
            b.abs() >= 1.1 * a.abs(),
            "t = 1, coordinate {j}: {a} vs {b}"
        );
    }
}

/// Δ(c, ε) = Δ(c + k, e^{2k}ε): e^{c+k}/√(e^{2k}ε + e^{2(c+k)}ṽ) = e^{c}/√(ε + e^{2c}ṽ).
/// At k = −354 the squared gradients (≈ e^{−714}) are below f64's normal range, at k = 340
/// ε' = e^{2k}ε ≈ e^{689}: plain f64 would lose the first and nearly overflow with the
/// second; the log domain must not. The logs of the scales are ≈ ±350, whose ulp is
/// 5.7e-14, so the exponentials carry relative errors of that size: measured worst 4.3e-14
/// (k = −354, 340), 2.1e-14 (k = ±200); tolerance 2e-13 (4.7×).
#[test]
fn epsilon_scale_covariance_far_outside_plain_f64() {
    let layout = Layout::vector("theta", 5).unwrap();
    let base: Grads = (0..20)
        .map(|t| {
            let g = (0..5)
                .map(|j| ((j * 7 + t * 13 + 3) as f64 * 0.618).sin())
                .collect();
            (-0.1 * t as f64, g)
        })
        .collect();
    for beta in [0.9, 0.999] {
        let eps = 1e4;
        let want = run(&AdamWm { beta, eps }, &layout, &base, LR);
        for k in [-354.0, -200.0, 200.0, 340.0] {
            let shifted: Grads = base.iter().map(|(c, g)| (c + k, g.clone())).collect();
            let eps_k = eps * (2.0 * k).exp();
            assert!(eps_k.is_normal(), "k = {k}");
            let got = run(&AdamWm { beta, eps: eps_k }, &layout, &shifted, LR);
            assert_rel(&format!("β = {beta}, k = {k}"), &got, &want, 2e-13);
        }
    }
}

/// In the GD regime (v̂ ≪ ε) at loss ≈ 1e-304 (g = e^{−700}ĝ, g² ≈ e^{−1400} is 0 in plain
/// f64) the step is the GD step −η g/√ε: v̂/ε ≈ e^{−1400}/1e-300 vanishes, and the log of
/// the scale ≈ −700 has ulp 1.1e-13 (measured error 2.0e-14; tolerance 1e-13, 5×). At
/// e^{−5000} it underflows to exactly 0, as the true step does; never NaN.
#[test]
fn gd_regime_at_tiny_loss() {
    let layout = Layout::vector("theta", 3).unwrap();
    let g = vec![0.5, -1.0, 0.25];
    let eps = 1e-300;
    let opt = AdamWm { beta: 0.9, eps };
    let grads: Grads = (0..5).map(|_| (-700.0, g.clone())).collect();
    let d = run(&opt, &layout, &grads, LR);
    for step in &d {
        for (x, gj) in step.iter().zip(&g) {
            let want = -LR * (-700.0f64).exp() * gj / eps.sqrt();
            assert!(want != 0.0 && want.is_finite());
            assert!((x - want).abs() <= 1e-13 * want.abs(), "{x:e} vs {want:e}");
        }
    }
    let grads: Grads = (0..5).map(|_| (-5000.0, g.clone())).collect();
    let d = run(&opt, &layout, &grads, LR);
    assert!(d.iter().flatten().all(|&x| x == 0.0), "{d:?}");
}

/// Training far past L = 1e-300 (log L = −690.8) on separable linear data: with ε = 0 the
/// method is sign-like and log L falls about linearly; it reaches log L ≤ −2000 (≈ 10^{−869})
/// with finite θ, loss and margins at every trace point. β = 0.95 for the reason given in
/// tests/train.rs for Adam (with β = 0.999, v̂ remembers large past gradients and log L
/// falls by ≈ 5e-4 per step). With ε = 1e-8 the same run is GD after the switch, whose
/// loss falls only like 1/t: it stays finite and its loss keeps decreasing (no NaN, no
/// stall at an underflowed step).
#[test]
fn trains_past_loss_1e_minus_300_without_nan() {
    let data = generators::linear_teacher_with_margin(40, 8, None, 0.05, 11).unwrap();
    let model = Linear::new(data.d());
    let cfg = |target: Option<f64>, steps: u64| TrainConfig {
        schedule: Schedule::Constant { eta0: 0.5 },
        max_steps: steps,
        target_log_loss: target,
        trace_norms: vec![NormSpec::L2, NormSpec::Linf],
        checkpoint_log_losses: vec![-10.0, -100.0, -1000.0],
        ..TrainConfig::default()
    };
    let run_with = |opt: AdamWm, c: &TrainConfig| {
        train(
            &model,
            &data,
            Loss::Exponential,
            &opt,
            c,
            vec![0.0; data.d()],
        )
        .unwrap()
    };
    let res = run_with(
        AdamWm {
            beta: 0.95,
            eps: 0.0,
        },
        &cfg(Some(-2000.0), 200_000),
    );
    assert_eq!(res.stop, StopReason::TargetReached, "{:?}", res.stop);
    assert!(res.log_loss <= -2000.0 && res.log_loss.is_finite());
    assert!(res.theta.iter().all(|v| v.is_finite()));
    let levels: Vec<f64> = res.checkpoints.iter().map(|c| c.level).collect();
    assert_eq!(levels, vec![-10.0, -100.0, -1000.0]);
    for p in res.trace.iter().filter(|p| p.step > 0) {
        assert!(p.log10_loss.is_finite());
        assert!(p
            .margins
            .iter()
            .chain(&p.soft_margins)
            .all(|m| m.is_finite()));
    }
    assert!(res.trace.last().unwrap().q_min > 0.0);

    let res = run_with(
        AdamWm {
            beta: 0.95,
            eps: 1e-8,
        },
        &cfg(None, 20_000),
    );
    assert_eq!(res.stop, StopReason::MaxSteps);
    assert!(res.theta.iter().all(|v| v.is_finite()));
    let tail: Vec<f64> = res
        .trace
        .iter()
        .rev()
        .take(5)
        .map(|p| p.log10_loss)
        .collect();
    assert!(tail.iter().all(|l| l.is_finite()));
    assert!(
        tail.windows(2).all(|w| w[0] < w[1]),
        "loss not decreasing: {tail:?}"
    );
}

/// Bad hyper-parameters are `Error::Config` naming the rule and field — from a config, from
/// `build`, and from `init` of a struct written by hand — never a panic.
#[test]
fn bad_parameters_are_errors() {
    let layout = Layout::vector("theta", 2).unwrap();
    for (text, field) in [
        ("beta = 1.0", "beta"),
        ("beta = -0.1", "beta"),
        ("beta = nan", "beta"),
        ("eps = -1e-8", "eps"),
        ("eps = nan", "eps"),
        ("eps = inf", "eps"),
    ] {
        let c: OptimizerConfig = toml::from_str(&format!("type = \"adam_wm\"\n{text}")).unwrap();
        match c.build() {
            Err(Error::Config(m)) => assert!(m.contains("adam_wm") && m.contains(field), "{m}"),
            other => panic!("{text}: expected a config error, got {other:?}"),
        }
    }
    for bad in [
        AdamWm {
            beta: 1.0,
            eps: 0.0,
        },
        AdamWm {
            beta: f64::NAN,
            eps: 0.0,
        },
        AdamWm {
            beta: 0.9,
            eps: -1.0,
        },
        AdamWm {
            beta: 0.9,
            eps: f64::NAN,
        },
    ] {
        assert!(
            matches!(UpdateRule::init(&bad, &layout), Err(Error::Config(_))),
            "{bad:?}"
        );
        assert!(
            matches!(Optimizer::init(&bad, &layout), Err(Error::Config(_))),
            "{bad:?}"
        );
    }
    let e = toml::from_str::<OptimizerConfig>("type = \"adam_wm\"\nbeta2 = 0.9").unwrap_err();
    assert!(e.to_string().contains("unknown field"), "{e}");
}

/// Name, defaults (β = 0.999, ε = 1e-8 inside the root), claims: ℓ2 / no schedule assumption
/// for ε > 0 ([A] Thm 7), ℓ∞ / (LR-Adam) for ε = 0 ([M] Thm 3.6); the bias shift.
#[test]
fn name_defaults_claims() {
    let c = OptimizerConfig::parse_name("adam_wm").unwrap();
    let full: OptimizerConfig =
        toml::from_str("type = \"adam_wm\"\nbeta = 0.999\neps = 1e-8").unwrap();
    assert_eq!(c, full);
    let o = c.build().unwrap();
    assert_eq!(o.name(), "adam_wm");
    let v = Layout::vector("theta", 3).unwrap();
    assert_eq!(o.implicit_norm(&v, None), Some(NormSpec::L2));
    assert_eq!(o.schedule_class(), ScheduleClass::None);
    assert!(o.theorem().contains("[A] Thm 7"), "{}", o.theorem());
    let z = AdamWm {
        beta: 0.9,
        eps: 0.0,
    };
    assert_eq!(Optimizer::implicit_norm(&z, &v, None), Some(NormSpec::Linf));
    assert_eq!(Optimizer::schedule_class(&z), ScheduleClass::Adam);
    assert!(Optimizer::theorem(&z).contains("[M] Thm 3.6"));
    // σ = −½ ln(1 − βᵗ) against the plain formula: the plain 1 − βᵗ carries an absolute
    // rounding error ≤ 2⁻⁵³ ≈ 1.1e-16, i.e. ≤ 1.1e-16/(1 − βᵗ) in its log, plus the logs'
    // own rounding (1e-15 relative); 0 for β = 0 and once βᵗ underflows.
    for (beta, t) in [(0.9, 1), (0.999, 1), (0.999, 1000), (0.5, 20)] {
        let bc = 1.0 - f64::powi(beta, t as i32);
        let plain = -0.5 * bc.ln();
        let s = AdamWm::bias_shift(beta, t);
        let tol = 1e-15 * plain.abs() + 2.2e-16 / bc;
        assert!((s - plain).abs() <= tol, "{beta} {t}: {s} vs {plain}");
    }
    assert_eq!(AdamWm::bias_shift(0.0, 1), 0.0);
    assert_eq!(AdamWm::bias_shift(0.5, 2000), 0.0);
}
