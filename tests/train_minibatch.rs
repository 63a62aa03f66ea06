//! Mini-batch training (`crate::minibatch`, `TrainConfig::batch_size`): the sampler's epochs,
//! bit-identical reruns, b ≥ m = full batch, every optimizer usable, the log domain, and the
//! experiment config's `[train] batch_size` with its `sgd_b<b>` labels through the CLI.

mod common;
use common::{bin, write};
use implicit_bias::data::{generators, Dataset};
use implicit_bias::loss::Loss;
use implicit_bias::minibatch::BatchSampler;
use implicit_bias::models::{Linear, Model, ModelSpec, TwoLayer};
use implicit_bias::optim::{OptimizerConfig, Schedule};
use implicit_bias::train::{train, StopReason, TrainConfig, TrainResult};
use std::collections::BTreeSet;

fn data() -> Dataset {
    generators::linear_teacher_with_margin(40, 8, None, 0.05, 11).unwrap()
}

fn run(model: &dyn Model, data: &Dataset, opt: &str, cfg: &TrainConfig) -> TrainResult {
    let opt = OptimizerConfig::parse_name(opt).unwrap().build().unwrap();
    let theta0 = vec![0.01; model.layout().len()];
    train(model, data, Loss::Exponential, opt.as_ref(), cfg, theta0).unwrap()
}

fn cfg(batch: Option<usize>, seed: u64) -> TrainConfig {
    TrainConfig {
        schedule: Schedule::Constant { eta0: 0.1 },
        max_steps: 3000,
        batch_size: batch,
        batch_seed: seed,
        ..TrainConfig::default()
    }
}

#[test]
fn every_epoch_is_a_fresh_permutation_in_batches_of_b() {
    for (m, b) in [(40, 8), (41, 8), (10, 10), (7, 1)] {
        let mut s = BatchSampler::new(m, b, 5).unwrap();
        let per_epoch = m / b;
        let mut epochs = Vec::new();
        for _ in 0..4 {
            let mut seen = BTreeSet::new();
            for _ in 0..per_epoch {
                let batch = s.next_batch().to_vec();
                assert_eq!(batch.len(), b);
                assert!(batch.windows(2).all(|w| w[0] < w[1]), "sorted, distinct");
                for i in batch {
                    assert!(i < m);
                    assert!(
                        seen.insert(i),
                        "m = {m}, b = {b}: sample {i} twice in an epoch"
                    );
                }
            }
            assert_eq!(seen.len(), per_epoch * b);
            epochs.push(seen);
        }
        assert_eq!(s.epochs(), 4);
        if m % b != 0 {
            // The dropped leftovers differ between epochs (a reshuffle, not a fixed split).
            assert!(epochs.windows(2).any(|w| w[0] != w[1]), "m = {m}, b = {b}");
        }
        // Same seed, same stream; another seed, another one.
        let mut a = BatchSampler::new(m, b, 5).unwrap();
        let mut c = BatchSampler::new(m, b, 6).unwrap();
        let mut s2 = BatchSampler::new(m, b, 5).unwrap();
        let (mut same, mut differ) = (true, false);
        for _ in 0..20 {
            let x = a.next_batch().to_vec();
            same &= x == s2.next_batch();
            differ |= x != c.next_batch();
        }
        assert!(same);
        assert!(differ || b == m, "m = {m}, b = {b}");
    }
    assert!(BatchSampler::new(10, 0, 0).is_err());
    assert!(BatchSampler::new(10, 11, 0).is_err());
}

#[test]
fn reruns_are_bit_identical_and_the_seed_matters() {
    let data = data();
    let model = Linear::new(data.d());
    for opt in ["ngd", "signum", "adam", "muon", "gd"] {
        // GD's step is η·∇L of the *sum* loss (m = 40 terms): a smaller η.
        let eta = if opt == "gd" { 1e-3 } else { 0.1 };
        let cf = |seed| TrainConfig {
            schedule: Schedule::Constant { eta0: eta },
            ..cfg(Some(8), seed)
        };
        let a = run(&model, &data, opt, &cf(1));
        let b = run(&model, &data, opt, &cf(1));
        assert_eq!(a.theta, b.theta, "{opt}");
        assert_eq!(a.log_loss.to_bits(), b.log_loss.to_bits(), "{opt}");
        let c = run(&model, &data, opt, &cf(2));
        assert_ne!(
            a.theta, c.theta,
            "{opt}: another sampler seed, another trajectory"
        );
        assert!(!a.stop.is_failure(), "{opt}: {:?}", a.stop);
        // The loss is the full-data loss: it falls below its start.
        assert!(a.log_loss < (data.m() as f64).ln(), "{opt}: {}", a.log_loss);
    }
}

#[test]
fn a_batch_of_at_least_m_is_the_full_batch_bit_for_bit() {
    let data = data();
    let model = TwoLayer::new(implicit_bias::models::Activation::ReluPow(2.0), 4, data.d());
    for opt in ["ngd", "adam"] {
        let full = run(&model, &data, opt, &cfg(None, 0));
        for b in [data.m(), data.m() + 5] {
            let r = run(&model, &data, opt, &cfg(Some(b), 9));
            assert_eq!(r.theta, full.theta, "{opt}, b = {b}");
            assert_eq!(r.trace.len(), full.trace.len());
        }
    }
    let opt = OptimizerConfig::parse_name("ngd").unwrap().build().unwrap();
    let err = train(
        &model,
        &data,
        Loss::Exponential,
        opt.as_ref(),
        &cfg(Some(0), 0),
        vec![0.01; model.layout().len()],
    )
    .unwrap_err();
    assert!(err.to_string().contains("batch_size must be ≥ 1"), "{err}");
}

/// Mini-batch training stays in the log domain: normalized SGD drives the full loss far
/// below f64's range (e^{−2000} ≈ 10^{−869}) and reports it exactly.
#[test]
fn minibatch_training_goes_past_underflow() {
    let data = data();
    let model = Linear::new(data.d());
    let c = TrainConfig {
        schedule: Schedule::Constant { eta0: 0.5 },
        max_steps: 400_000,
        target_log_loss: Some(-2000.0),
        batch_size: Some(8),
        ..TrainConfig::default()
    };
    let r = run(&model, &data, "ngd", &c);
    assert_eq!(r.stop, StopReason::TargetReached);
    assert!(r.log_loss <= -2000.0 && r.log_loss.is_finite());
    assert!(r.trace.iter().all(|p| p.log10_loss.is_finite()));
}

#[test]
fn experiment_configs_take_batch_size_and_name_sgd() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "mb.toml",
        r#"
[data]
generator = { type = "linear_teacher", m = 30, d = 5, seed = 3 }
[model]
spec = "linear"
[train]
target_log_loss = -20
max_steps = 20000
seeds = [0]
norms = ["l2"]
batch_size = 6
[[runs]]
optimizer = { type = "gd" }
schedule = { type = "constant", eta0 = 0.01 }
[[runs]]
optimizer = { type = "ngd" }
schedule = { type = "constant", eta0 = 0.1 }
"#,
    );
    let out_dir = dir.path().join("out");
    let o = bin()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["sgd_b6-0.json", "ngd_b6-0.json"] {
        assert!(out_dir.join("runs").join(f).exists(), "{f}");
    }
    let report = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(report.contains("sgd_b6"), "{report}");
    // Reruns are identical.
    let out2 = dir.path().join("out2");
    let o = bin()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--out",
            out2.to_str().unwrap(),
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let a = std::fs::read_to_string(out_dir.join("runs/sgd_b6-0.json")).unwrap();
    let b = std::fs::read_to_string(out2.join("runs/sgd_b6-0.json")).unwrap();
    let strip = |s: &str| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_str(s).unwrap();
        v.as_object_mut().unwrap().remove("wall_seconds");
        v
    };
    assert_eq!(strip(&a)["theta"], strip(&b)["theta"]);
    let _ = ModelSpec::parse("linear").unwrap();
}
