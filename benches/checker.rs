//! Criterion bench: the KKT checker (`kkt::check`, whose cost is its LP) at
//! (m, p) ∈ {(40, 200), (512, 4 032), (2048, 100 480)} for ℓ2, ℓ∞ and max-spectral (and ℓ1 at
//! the small point), per LP backend and formulation. This replaces the `#[ignore]`d
//! `lp_timings_small` / `lp_timings_large` tests that produced the tables in the docs of
//! `LpBackend` and `LpForm`.
//!
//! | point | m | model (p = k(d + 1)) | default configurations |
//! |---|---|---|---|
//! | small | 40 | ReLU, k = 20, d = 9 (p = 200) | every norm × {Clarabel primal, Clarabel dual, microlp, HiGHS with `--features highs`} |
//! | mid | 512 | ReLU, k = 64, d = 62 (p = 4 032) | Clarabel primal (all backends with `IB_BENCH_CHECKER_FULL=1`) |
//! | large | 2048 | ReLU, k = 128, d = 784 (p = 100 480) | only with `IB_BENCH_LARGE_CHECKER=1` |
//!
//! **Inputs.** Data with labels from a random ReLU teacher of the same shape (|f| > 0.1, as in
//! the old timing tests), and θ = that teacher θ0 (which separates the data by construction)
//! trained further by 2000 steps of NGD with η = 0.01·‖θ0‖₂: a trained direction on its way
//! to a KKT point, like the θ the checker sees in experiments. (A student trained from the
//! small default initialization did not separate the m = 512 data in 10⁴ NGD steps.) If the
//! trained θ stops separating, the teacher θ0 is used (printed).
//!
//! **Budget.** Every configuration is first run once (the *probe*; it prints the LP size,
//! rounds, κ, the lower bound and the verdict). A configuration whose probe takes longer
//! than `IB_BENCH_CHECKER_BUDGET_SECS` (default 1 s) is reported from that single run only
//! — criterion needs ≥ 10 runs, i.e. ~10 min for a one-minute LP — and listed as
//! `single-shot` in the summary table printed at the end (copy it into benches/README.md).
//!
//! The large point is opt-in because it takes ≈ 4 minutes (≈ 100 s of them training θ): with
//! the current (row-generating) checker it ran, on a loaded machine, in 22 s (ℓ2), 6 s (ℓ∞) and
//! 103 s (max-spectral), 141 MB peak RSS (benches/README.md).
//!
//! `cargo bench --bench checker` (≈ 1–2 min today); `cargo bench --bench checker -- small`
//! for the small point only (probes honour a plain substring filter).

mod common;

use common::env_flag;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use implicit_bias::data::Dataset;
use implicit_bias::kkt::{check, CheckConfig, LpBackend, LpForm};
use implicit_bias::loss::Loss;
use implicit_bias::models::{Activation, Model, TwoLayer};
use implicit_bias::norms::NormSpec;
use implicit_bias::optim::{OptimizerConfig, Schedule};
use implicit_bias::train::{train, TrainConfig};
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

/// One (m, p) point of the bench.
struct Point {
    name: &'static str,
    m: usize,
    k: usize,
    d: usize,
}

const POINTS: [Point; 3] = [
    Point {
        name: "small",
        m: 40,
        k: 20,
        d: 9,
    },
    Point {
        name: "mid",
        m: 512,
        k: 64,
        d: 62,
    },
    Point {
        name: "large",
        m: 2048,
        k: 128,
        d: 784,
    },
];

/// Data labelled by a random ReLU teacher of the student's shape (|f| > 0.1), and the
/// teacher θ (separates the data by construction).
fn teacher_net(model: &TwoLayer, m: usize, d: usize, seed: u64) -> (Dataset, Vec<f64>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut normal = || rng.sample::<f64, _>(rand_distr::StandardNormal);
    let theta: Vec<f64> = (0..model.layout().len()).map(|_| normal()).collect();
    let (mut rows, mut y) = (Vec::new(), Vec::new());
    while rows.len() < m {
        let x: Vec<f64> = (0..d).map(|_| normal()).collect();
        let f = model.forward(&theta, &x);
        if f.abs() > 0.1 {
            y.push(f.signum());
            rows.push(x);
        }
    }
    (Dataset::from_rows(&rows, y).expect("teacher data"), theta)
}

fn min_margin(model: &TwoLayer, data: &Dataset, theta: &[f64]) -> f64 {
    let mut ws = model.workspace(data.m());
    let mut q = vec![0.0; data.m()];
    model.margins(theta, data, &mut ws, &mut q);
    q.iter().cloned().fold(f64::INFINITY, f64::min)
}

/// θ = the teacher θ0 trained further by NGD with η = 0.01·‖θ0‖₂ for `STEPS` steps (see the
/// module docs); the teacher itself if the trained θ does not separate the data.
fn trained_theta(model: &TwoLayer, data: &Dataset, teacher: Vec<f64>) -> (Vec<f64>, String) {
    const STEPS: u64 = 2000;
    let opt = OptimizerConfig::parse_name("ngd")
        .expect("ngd")
        .build()
        .expect("ngd");
    let norm = teacher.iter().map(|v| v * v).sum::<f64>().sqrt();
    let cfg = TrainConfig {
        schedule: Schedule::Constant { eta0: 0.01 * norm },
        max_steps: STEPS,
        trace_per_decade: 0,
        ..TrainConfig::default()
    };
    let r = train(
        model,
        data,
        Loss::Exponential,
        opt.as_ref(),
        &cfg,
        teacher.clone(),
    )
    .expect("train");
    if !r.stop.is_failure() && min_margin(model, data, &r.theta) > 0.0 {
        let how = format!(
            "teacher θ0 + {} NGD steps (log L {:.3e} → {:.3e})",
            r.steps,
            r.trace
                .first()
                .map_or(f64::NAN, |t| t.log10_loss * std::f64::consts::LN_10),
            r.log_loss
        );
        (r.theta, how)
    } else {
        (teacher, format!("teacher θ0 (NGD stopped: {:?})", r.stop))
    }
}

/// (backend, form) pairs to run at a point.
fn solvers(all: bool) -> Vec<(LpBackend, LpForm)> {
    let mut v = vec![(LpBackend::Clarabel, LpForm::Primal)];
    if all {
        v.push((LpBackend::Clarabel, LpForm::Dual));
        v.push((LpBackend::Microlp, LpForm::Primal));
        #[cfg(feature = "highs")]
        v.push((LpBackend::Highs, LpForm::Primal));
    }
    v
}

fn solver_name(backend: LpBackend, form: LpForm) -> String {
    match form {
        LpForm::Primal => backend.name().to_string(),
        LpForm::Dual => format!("{}_dual", backend.name()),
    }
}

fn norm_id(norm: &NormSpec) -> &'static str {
    match norm {
        NormSpec::L2 => "l2",
        NormSpec::L1 => "l1",
        NormSpec::Linf => "linf",
        NormSpec::MaxSpectral => "max_spectral",
        _ => "other",
    }
}

/// A plain substring filter from the command line (criterion's own filter is a regex; a
/// filter with other regex syntax disables this pre-filter, and criterion still applies its
/// own to the timed part).
fn cli_filter() -> Option<String> {
    const WITH_VALUE: &[&str] = &[
        "--save-baseline",
        "--baseline",
        "--baseline-lenient",
        "--load-baseline",
        "--sample-size",
        "--warm-up-time",
        "--measurement-time",
        "--nresamples",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--profile-time",
        "--output-format",
        "--plotting-backend",
        "--color",
        "--format",
        "--logfile",
    ];
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if WITH_VALUE.contains(&a.as_str()) {
            i += 2;
            continue;
        }
        if !a.starts_with('-') {
            let f = a.trim_start_matches('^').trim_end_matches('$');
            let plain = f.chars().all(|c| c.is_alphanumeric() || "_/-".contains(c));
            return plain.then(|| f.to_string());
        }
        i += 1;
    }
    None
}

fn bench_checker(c: &mut Criterion) {
    let budget: f64 = std::env::var("IB_BENCH_CHECKER_BUDGET_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.0);
    let full = env_flag("IB_BENCH_CHECKER_FULL");
    let filter = cli_filter();
    let mut summary = vec![
        "| point | m | p | norm | solver | probe time | timed by | LP rows × cols | rounds | κ | lower bound | verdict |".to_string(),
        "|---|---|---|---|---|---|---|---|---|---|---|---|".to_string(),
    ];
    for point in &POINTS {
        if point.name == "large" && !env_flag("IB_BENCH_LARGE_CHECKER") {
            eprintln!("checker: skipping the large point (set IB_BENCH_LARGE_CHECKER=1)");
            continue;
        }
        let group_name = format!("checker_{}", point.name);
        let mut norms = vec![NormSpec::L2, NormSpec::Linf, NormSpec::MaxSpectral];
        if point.name == "small" {
            norms.insert(1, NormSpec::L1);
        }
        let mut configs = Vec::new();
        for norm in &norms {
            for (backend, form) in solvers(full || point.name == "small") {
                let id = format!("{}_{}", norm_id(norm), solver_name(backend, form));
                let keep = filter
                    .as_ref()
                    .is_none_or(|f| format!("{group_name}/{id}").contains(f.as_str()));
                if keep {
                    configs.push((norm.clone(), backend, form, id));
                }
            }
        }
        if configs.is_empty() {
            continue;
        }
        let model = TwoLayer::new(Activation::Relu, point.k, point.d);
        let (data, teacher) = teacher_net(&model, point.m, point.d, 1);
        let p = model.layout().len();
        let t0 = Instant::now();
        let (theta, how) = trained_theta(&model, &data, teacher);
        eprintln!(
            "checker {}: m = {}, p = {p}, θ = {how} ({:.1} s)",
            point.name,
            point.m,
            t0.elapsed().as_secs_f64()
        );
        let mut group = c.benchmark_group(&group_name);
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_secs(2));
        for (norm, backend, form, id) in &configs {
            let cfg = CheckConfig {
                backend: *backend,
                form: *form,
                trajectory: false,
                ..CheckConfig::default()
            };
            let t = Instant::now();
            let cert = check(&model, &data, &theta, norm, &cfg).expect("check");
            let wall = t.elapsed().as_secs_f64();
            let timed = wall <= budget;
            eprintln!(
                "checker {group_name}/{id}: {wall:.3} s (LP {:.3} s), LP {} × {}, rounds {}, \
                 κ {:.3e}, lb {:.3e}, {:?}{}",
                cert.lp.solve_seconds,
                cert.lp.rows,
                cert.lp.cols,
                cert.lp.rounds,
                cert.kappa,
                cert.kappa_lower_bound,
                cert.verdict,
                if timed {
                    ""
                } else {
                    " — single-shot (over budget)"
                }
            );
            summary.push(format!(
                "| {} | {} | {p} | {norm} | {} | {} | {} | {} × {} | {} | {:.2e} | {:.2e} | {:?} |",
                point.name,
                point.m,
                solver_name(*backend, *form),
                fmt_secs(wall),
                if timed { "criterion" } else { "single-shot" },
                cert.lp.rows,
                cert.lp.cols,
                cert.lp.rounds,
                cert.kappa,
                cert.kappa_lower_bound,
                cert.verdict
            ));
            if timed {
                // ≥ 10 samples of one run each, with slack: no "unable to complete" warnings.
                group.measurement_time(Duration::from_secs_f64((12.0 * wall).max(2.0)));
                group.bench_function(BenchmarkId::from_parameter(id), |b| {
                    b.iter(|| check(&model, &data, &theta, norm, &cfg).expect("check"))
                });
            }
        }
        group.finish();
    }
    eprintln!("\nchecker summary (probe runs; for `criterion` rows quote criterion's estimate):");
    for line in summary {
        eprintln!("{line}");
    }
}

fn fmt_secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

criterion_group!(benches, bench_checker);
criterion_main!(benches);
