//! Training-loop tests: the log domain, determinism, failure detection and bad input.
//!
//! The log-domain tests train far past f64's smallest normal number: a loss of e^{−2000}
//! is ≈ 10^{−869}, so every recorded quantity must come from log-domain arithmetic.

mod common;
use implicit_bias::data::{generators, Dataset};
use implicit_bias::error::Error;
use implicit_bias::experiment::ExperimentConfig;
use implicit_bias::loss::Loss;
use implicit_bias::margin::{check_separation, hard_margin};
use implicit_bias::models::{Linear, Model};
use implicit_bias::norms::NormSpec;
use implicit_bias::optim::{OptimizerConfig, Schedule};
use implicit_bias::train::{train, StopReason, TrainConfig, TrainResult};

fn linear_data() -> Dataset {
    generators::linear_teacher_with_margin(40, 8, None, 0.05, 11).unwrap()
}

fn run_to(
    opt: &str,
    schedule: Schedule,
    target: f64,
    max_steps: u64,
) -> (Linear, Dataset, TrainResult) {
    let data = linear_data();
    let model = Linear::new(data.d());
    let opt = match opt {
        // Adam(ε = 0) can lower log L by at most ≈ −ln(β2)/2 per step once gradients decay
        // geometrically (v̂ remembers the larger past gradients): with β2 = 0.999 that is
        // ≈ 5e-4 per step (measured: log L ≈ −105 after 2·10⁵ steps), so reaching −2000 takes
        // millions of steps. β2 = 0.95 (rate ≈ 0.026) keeps this test fast; β1 ≤ β2 as [M] assumes.
        "adam_fast_beta2" => {
            toml::from_str::<OptimizerConfig>("type = \"adam\"\nbeta2 = 0.95").unwrap()
        }
        other => OptimizerConfig::parse_name(other).unwrap(),
    }
    .build()
    .unwrap();
    let cfg = TrainConfig {
        schedule,
        max_steps,
        target_log_loss: Some(target),
        trace_norms: vec![NormSpec::L2, NormSpec::Linf, NormSpec::L1],
        trace_per_decade: 10,
        checkpoint_log_losses: vec![-10.0, -100.0, -1000.0],
        ..TrainConfig::default()
    };
    let res = train(
        &model,
        &data,
        Loss::Exponential,
        opt.as_ref(),
        &cfg,
        vec![0.0; data.d()],
    )
    .unwrap();
    (model, data, res)
}

fn assert_all_finite(res: &TrainResult) {
    assert!(res.theta.iter().all(|v| v.is_finite()));
    assert!(res.log_loss.is_finite());
    for p in &res.trace {
        assert!(
            p.log10_loss.is_finite(),
            "step {}: log10 loss {}",
            p.step,
            p.log10_loss
        );
        assert!(p.lr.is_finite() && p.q_min.is_finite() && p.train_accuracy.is_finite());
        // Margins are undefined only at θ = 0 (step 0 here).
        if p.step > 0 {
            for v in p.margins.iter().chain(&p.soft_margins) {
                assert!(v.is_finite(), "step {}: margin {v}", p.step);
            }
            if let Some(a) = p.alignment {
                assert!(a.is_finite() && a.abs() <= 1.0 + 1e-9, "alignment {a}");
            }
        }
    }
    for c in &res.checkpoints {
        assert!(c.theta.iter().all(|v| v.is_finite()));
    }
}

/// Normalized methods: ‖θ_t‖ grows linearly (‖Δ‖ = η), so log L ≈ −γ‖θ‖ reaches −2000 in
/// a few thousand steps with η = 1 on this data.
#[test]
fn log_domain_ngd_signum_adam_reach_loss_e_minus_2000() {
    for (name, sched) in [
        ("ngd", Schedule::Constant { eta0: 1.0 }),
        ("signum", Schedule::Constant { eta0: 0.5 }),
        ("adam_fast_beta2", Schedule::Constant { eta0: 0.5 }),
    ] {
        let (model, data, res) = run_to(name, sched, -2000.0, 200_000);
        assert_eq!(
            res.stop,
            StopReason::TargetReached,
            "{name}: {:?}",
            res.stop
        );
        assert!(res.log_loss <= -2000.0, "{name}: log L = {}", res.log_loss);
        assert_all_finite(&res);
        // Every checkpoint level was crossed, in order, with finite θ.
        let levels: Vec<f64> = res.checkpoints.iter().map(|c| c.level).collect();
        assert_eq!(levels, vec![-10.0, -100.0, -1000.0], "{name}");
        // The margin is positive and finite at the end (data separated).
        check_separation(&model, &data, &res.theta).unwrap();
        let l2 = NormSpec::L2.build(model.layout()).unwrap();
        let g = hard_margin(&model, &data, &res.theta, l2.as_ref()).unwrap();
        assert!(g > 0.0 && g.is_finite(), "{name}: γ = {g}");
        // Soft margin ≤ hard margin (log-sum-exp ≥ max), both finite at e^{-2000}.
        let last = res.trace.last().unwrap();
        assert!(last.soft_margins[0] <= last.margins[0] + 1e-12);
    }
}

#[test]
fn training_is_bit_identical_for_the_same_config() {
    let a = run_to(
        "signum",
        Schedule::Power {
            eta0: 0.3,
            decay: 0.5,
        },
        -50.0,
        20_000,
    )
    .2;
    let b = run_to(
        "signum",
        Schedule::Power {
            eta0: 0.3,
            decay: 0.5,
        },
        -50.0,
        20_000,
    )
    .2;
    assert_eq!(a.steps, b.steps);
    assert_eq!(a.theta, b.theta);
    // NaN ≠ NaN (margins at θ = 0), so compare the exact printed form.
    assert_eq!(format!("{:?}", a.trace), format!("{:?}", b.trace));
}

/// XOR-like labels are not linearly separable: training stops at the step cap with a
/// misclassified sample, and the separation check says so clearly.
#[test]
fn non_separable_data_is_reported_not_hidden() {
    let data = common::xor_data();
    let model = Linear::new(2);
    let opt = OptimizerConfig::parse_name("gd").unwrap().build().unwrap();
    let cfg = TrainConfig {
        max_steps: 500,
        target_log_loss: Some(-10.0),
        ..TrainConfig::default()
    };
    let res = train(
        &model,
        &data,
        Loss::Logistic,
        opt.as_ref(),
        &cfg,
        vec![0.1, -0.2],
    )
    .unwrap();
    assert!(matches!(
        res.stop,
        StopReason::MaxSteps | StopReason::ZeroGradient { .. }
    ));
    let err = check_separation(&model, &data, &res.theta).unwrap_err();
    assert!(matches!(err, Error::NotSeparable(_)));
    assert!(err.to_string().contains("misclassifies"), "{err}");
}

#[test]
fn all_units_dead_is_detected() {
    // A two-layer ReLU net with W = 0 has zero gradient everywhere: stuck, reported.
    use implicit_bias::models::{Activation, TwoLayer};
    let data = linear_data();
    let model = TwoLayer::new(Activation::Relu, 4, data.d());
    let opt = OptimizerConfig::parse_name("ngd").unwrap().build().unwrap();
    let cfg = TrainConfig {
        max_steps: 100,
        ..TrainConfig::default()
    };
    let theta0 = vec![0.0; model.layout().len()];
    let res = train(&model, &data, Loss::Exponential, opt.as_ref(), &cfg, theta0).unwrap();
    assert!(res.stop.is_failure(), "{:?}", res.stop);
    assert_eq!(res.steps, 0);
}

#[test]
fn divergence_is_detected() {
    // Unnormalized GD on the exponential loss from a θ0 that misclassifies samples by
    // margins ≈ −10³: −ℓ'(q) = e^{10³} overflows, so the true step is infinite.
    let data = linear_data();
    let model = Linear::new(data.d());
    let opt = OptimizerConfig::parse_name("gd").unwrap().build().unwrap();
    let cfg = TrainConfig {
        schedule: Schedule::Constant { eta0: 1.0 },
        max_steps: 100,
        ..TrainConfig::default()
    };
    let theta0 = vec![1e3; data.d()];
    let res = train(
        &model,
        &data,
        Loss::Exponential,
        opt.as_ref(),
        &cfg,
        theta0.clone(),
    )
    .unwrap();
    assert!(
        matches!(res.stop, StopReason::Diverged { .. }),
        "{:?}",
        res.stop
    );
    // The last finite θ is returned, not an overflowed one.
    assert!(res.theta.iter().all(|v| v.is_finite()));
    assert_eq!(res.theta, theta0);
}

#[test]
fn bad_inputs_are_clear_errors() {
    // NaN in data.
    let err = Dataset::from_rows(&[vec![1.0, f64::NAN]], vec![1.0]).unwrap_err();
    assert!(err.to_string().contains("not finite"), "{err}");
    // θ0 of the wrong length.
    let data = linear_data();
    let model = Linear::new(data.d());
    let opt = OptimizerConfig::parse_name("ngd").unwrap().build().unwrap();
    let err = train(
        &model,
        &data,
        Loss::Exponential,
        opt.as_ref(),
        &TrainConfig::default(),
        vec![0.0; 3],
    )
    .unwrap_err();
    assert!(matches!(err, Error::Params(_)), "{err}");
    // Data of the wrong dimension.
    let model3 = Linear::new(3);
    let err = train(
        &model3,
        &data,
        Loss::Exponential,
        opt.as_ref(),
        &TrainConfig::default(),
        vec![0.0; 3],
    )
    .unwrap_err();
    assert!(matches!(err, Error::Data(_)), "{err}");
    // Bad schedule.
    let cfg = TrainConfig {
        schedule: Schedule::Constant { eta0: -1.0 },
        ..TrainConfig::default()
    };
    let err = train(
        &model,
        &data,
        Loss::Exponential,
        opt.as_ref(),
        &cfg,
        vec![0.0; data.d()],
    )
    .unwrap_err();
    assert!(err.to_string().contains("eta0"), "{err}");
}

#[test]
fn malformed_configs_are_clear_errors() {
    let good = include_str!("../fixtures/experiments/sample_digits.toml");
    ExperimentConfig::parse(good).unwrap();
    let cases = [
        (
            good.replace(
                "spec = \"two_layer:relu_pow:2:k=64\"",
                "spec = \"two_layer:relu_pow:2\"",
            ),
            "two_layer",
        ),
        (
            good.replace("type = \"signum\"", "type = \"sigmoid\""),
            "sigmoid",
        ),
        (
            good.replace(
                "beta = 0.9 }\nschedule = { type = \"power\", eta0 = 0.06",
                "beta = 1.5 }\nschedule = { type = \"power\", eta0 = 0.06",
            ),
            "beta",
        ),
        (good.replace("eta0 = 0.32", "eta0 = -0.32"), "eta0"),
        (good.replace("norms = [\"l2\"", "norms = [\"l7\""), "l7"),
        (
            good.replace("target_loss = 1e-8", "target_loss = 0"),
            "target_loss",
        ),
        (good.replace("[data]", "[data]\nbogus = 1"), "bogus"),
        (
            good.replace("label = \"adam\"", "label = \"signum\""),
            "duplicate",
        ),
        ("this is not toml = = =".to_string(), "TOML"),
    ];
    for (text, needle) in cases {
        assert_ne!(text, good, "test case did not change the config ({needle})");
        let err = ExperimentConfig::parse(&text).unwrap_err();
        assert!(
            err.to_string().contains(needle),
            "expected `{needle}` in: {err}"
        );
    }
}
