//! Criterion bench: one full training step (margins, log-domain loss weights, weighted
//! gradient, optimizer update) of a two-layer ReLU² net, per optimizer, at the "small"
//! (m = 40, d = 10, k = 16) and "digits" (m = 1797, d = 64, k = 64; the bundled data) sizes of
//! the performance issue. `cargo bench --bench train_step`.
//!
//! This is the first bench of the crate; the GEMM ceiling, SVD and checker benches and the
//! numpy/JAX reference timings come with the performance work.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use implicit_bias::data::{generators, load_csv, Dataset};
use implicit_bias::loss::Loss;
use implicit_bias::models::{Activation, Init, Model, TwoLayer};
use implicit_bias::optim::{OptimizerConfig, ScaledGrad};
use std::hint::black_box;

fn datasets() -> Vec<(&'static str, Dataset, usize)> {
    let small = generators::quadratic_rank4(40, 10, true, 1).expect("generator");
    let digits = load_csv(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/datasets/digits_even_odd.csv"
    ))
    .expect("bundled digits fixture");
    vec![("small", small, 16), ("digits", digits, 64)]
}

fn bench_train_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("train_step");
    group.sample_size(20);
    for (size, data, k) in datasets() {
        let model = TwoLayer::new(Activation::ReluPow(2.0), k, data.d());
        let layout = model.layout().clone();
        let theta0 =
            implicit_bias::models::init::initialize(&layout, &Init::default(), 0).expect("init");
        for name in ["ngd", "signum", "adam", "muon"] {
            let opt = OptimizerConfig::parse_name(name)
                .expect("name")
                .build()
                .expect("build");
            let mut state = opt.init(&layout).expect("init state");
            let mut ws = model.workspace(data.m());
            let (m, p) = (data.m(), layout.len());
            let (mut q, mut w, mut g, mut delta) =
                (vec![0.0; m], vec![0.0; m], vec![0.0; p], vec![0.0; p]);
            let mut theta = theta0.clone();
            let mut t = 0u64;
            group.bench_with_input(BenchmarkId::new(name, size), &(), |b, _| {
                b.iter(|| {
                    t += 1;
                    model.margins(&theta, &data, &mut ws, &mut q);
                    let (_, c) = Loss::Exponential.log_loss_and_weights(&q, &mut w);
                    model.weighted_gradient(&theta, &data, &w, &mut ws, &mut g);
                    let smax = g
                        .iter()
                        .fold(0.0_f64, |a, v| a.max(v.abs()))
                        .max(f64::MIN_POSITIVE);
                    g.iter_mut().for_each(|v| *v = -*v / smax);
                    let grad = ScaledGrad {
                        log_scale: c + smax.ln(),
                        dir: &g,
                    };
                    opt.update(grad, &mut state, &theta, &layout, t, 1e-3, &mut delta)
                        .expect("update");
                    for (th, d) in theta.iter_mut().zip(&delta) {
                        *th += d;
                    }
                    black_box(&theta);
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_train_step);
criterion_main!(benches);
