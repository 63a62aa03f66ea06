//! Criterion bench: Muon's orthogonalization UΣVᵀ ↦ UVᵀ ([M] §2.2) of a k×d weight block at
//! the digits shape 64×64 and the large shape 128×784 (row-major, as in the two-layer layout
//! `W: k×d`), single thread:
//!
//! * `orthogonalize` — `linalg::orthogonalize`, exact Muon's implementation: the Gram route
//!   (eigendecomposition of the r×r matrix A Aᵀ + one polishing step) when
//!   σ_max/σ_min ≤ 10², else the SVD route (the bench prints which one this input takes);
//! * `orthogonalize_svd` — the SVD route alone (faer thin SVD + U_r V_rᵀ);
//! * `orthogonalize_gram` — the Gram route alone (also timed when it declines: then it is
//!   the cost of the test, an r×r eigendecomposition wasted before the SVD);
//! * `newton_schulz5` — `linalg::newton_schulz5` with 5 steps: `muon_ns`;
//! * `svd_faer` — `linalg::svd` (thin SVD with vectors, copied to row-major);
//! * `svd_nalgebra` / `svd_nalgebra_tall` — nalgebra 0.35 `SVD::new` on the matrix and on its
//!   transpose (nalgebra is much slower on wide matrices; docs/contracts.md §5), for the choice of
//!   faer for SVDs.
//!
//! Inputs are seeded Gaussian matrices (full rank, like a momentum buffer early in training).
//! `cargo bench --bench svd` (≈ 30 s).

mod common;

use common::gaussian;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use implicit_bias::linalg;
use nalgebra::DMatrix;
use std::hint::black_box;
use std::time::Duration;

fn bench_svd(c: &mut Criterion) {
    let mut group = c.benchmark_group("svd");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for (rows, cols) in [(64usize, 64usize), (128, 784)] {
        let shape = format!("{rows}x{cols}");
        // Row-major data of a rows×cols matrix (the column-major cols×rows matrix = its transpose).
        let g: Vec<f64> = gaussian(cols, rows, 1.0, 21).as_slice().to_vec();
        let mut out = vec![0.0; rows * cols];
        let rank = linalg::orthogonalize(rows, cols, &g, &mut out).expect("orthogonalize");
        assert_eq!(rank, rows.min(cols), "a Gaussian matrix has full rank");
        group.bench_function(BenchmarkId::new("orthogonalize", &shape), |b| {
            b.iter(|| linalg::orthogonalize(rows, cols, black_box(&g), &mut out).expect("svd"))
        });
        group.bench_function(BenchmarkId::new("orthogonalize_svd", &shape), |b| {
            b.iter(|| linalg::orthogonalize_svd(rows, cols, black_box(&g), &mut out).expect("svd"))
        });
        let took_gram = linalg::orthogonalize_gram(rows, cols, &g, &mut out)
            .expect("gram")
            .is_some();
        eprintln!(
            "svd/{shape}: orthogonalize takes the {} route on this input",
            if took_gram { "Gram" } else { "SVD" }
        );
        group.bench_function(BenchmarkId::new("orthogonalize_gram", &shape), |b| {
            b.iter(|| {
                linalg::orthogonalize_gram(rows, cols, black_box(&g), &mut out).expect("gram")
            })
        });
        group.bench_function(BenchmarkId::new("newton_schulz5", &shape), |b| {
            b.iter(|| linalg::newton_schulz5(rows, cols, black_box(&g), 5, &mut out))
        });
        group.bench_function(BenchmarkId::new("svd_faer", &shape), |b| {
            b.iter(|| linalg::svd(rows, cols, black_box(&g)).expect("svd"))
        });
        let a = DMatrix::from_row_slice(rows, cols, &g);
        group.bench_function(BenchmarkId::new("svd_nalgebra", &shape), |b| {
            b.iter(|| nalgebra::SVD::new(black_box(a.clone()), true, true))
        });
        if rows != cols {
            let at = a.transpose();
            group.bench_function(BenchmarkId::new("svd_nalgebra_tall", &shape), |b| {
                b.iter(|| nalgebra::SVD::new(black_box(at.clone()), true, true))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_svd);
criterion_main!(benches);
