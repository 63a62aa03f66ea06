//! Criterion bench: `maxmargin::max_margin` (solve + certificate), single thread.
//!
//! * `maxmargin_small/<norm>` — m = 40, d = 5 (the regression data of
//!   tests/maxmargin_scaling.rs), every norm;
//! * `maxmargin_wide/<norm>/<d>` — m = 10 rows of `linear_teacher(10, d, None, 7)`: ℓ∞ at
//!   d = 5 000 and 10 000, ℓ1 and ℓ2 at d = 40 000.
//!
//! Ratio to keep in mind (2026-12-02, shared 2-core machine at load ≈ 2.5, release): the
//! solver before certification took 30.2 s (ℓ∞, d = 5 000), 124 s (ℓ∞, d = 10 000; its
//! primal and dual also disagreed by 8.6e-9), 0.86 s (ℓ1, d = 40 000) and 0.29 s (ℓ2,
//! d = 40 000) — one probe each; this bench: 0.35 s, 1.6 s, 0.28 s, 0.30 s, i.e. ℓ∞ ≈ 75×
//! faster at d = 10 000 (its LP now has m rows instead of 2d + m) and ℓ1 / ℓ2 unchanged
//! within the machine's noise, certificate included.
//! `cargo bench --bench maxmargin` (≈ 1 min).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use implicit_bias::data::generators;
use implicit_bias::maxmargin::{max_margin, MaxMarginNorm};
use std::hint::black_box;
use std::time::Duration;

fn bench_maxmargin(c: &mut Criterion) {
    let mut group = c.benchmark_group("maxmargin_small");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    let data = generators::linear_teacher(40, 5, None, 0).unwrap();
    for norm in [MaxMarginNorm::L1, MaxMarginNorm::L2, MaxMarginNorm::Linf] {
        group.bench_function(norm.name(), |b| {
            b.iter(|| black_box(max_margin(black_box(&data), norm).unwrap()))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("maxmargin_wide");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(5));
    for (norm, d) in [
        (MaxMarginNorm::Linf, 5_000usize),
        (MaxMarginNorm::Linf, 10_000),
        (MaxMarginNorm::L1, 40_000),
        (MaxMarginNorm::L2, 40_000),
    ] {
        let data = generators::linear_teacher(10, d, None, 7).unwrap();
        group.bench_with_input(BenchmarkId::new(norm.name(), d), &data, |b, data| {
            b.iter(|| black_box(max_margin(black_box(data), norm).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_maxmargin);
criterion_main!(benches);
