//! Criterion bench: the raw matrix products of one two-layer training step — the ceiling of
//! `train_step` — at the three sizes of `benches/common`, with faer 0.24 (what the crate
//! uses, `Par::Seq`) and nalgebra 0.35 (`gemm` = matrixmultiply), single thread.
//!
//! With X ∈ ℝ^{m×d} column-major and W ∈ ℝ^{k×d} row-major (= Wᵀ column-major d×k):
//!
//! * `fwd`:  H = X Wᵀ          (m×d · d×k, 2mdk flops; the margins GEMM)
//! * `bwd`:  ∇W = Xᵀ B         (d×m · m×k, 2mdk flops; the gradient GEMM, Xᵀ read through a
//!   transposed view — faer `.transpose()`, nalgebra a strided `DMatrixView`, no copy)
//! * `pair`: `fwd` then `bwd`  (4mdk flops): the GEMM time of one step, the ceiling that
//!   `train_step` is compared with.
//!
//! Throughput is in flops: criterion's "elem/s" is GFLOP/s.
//! `cargo bench --bench gemm` (≈ 40 s); one size: `cargo bench --bench gemm -- large`.

mod common;

use common::{clear_upper_simd_state, gaussian, Size};
use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use faer::{Accum, MatMut, MatRef, Par};
use nalgebra::{DMatrix, DMatrixView};
use std::hint::black_box;
use std::time::Duration;

/// Preallocated operands of the two products of a step.
struct Operands {
    m: usize,
    d: usize,
    k: usize,
    x: DMatrix<f64>,
    wt: DMatrix<f64>,
    b: DMatrix<f64>,
    h: DMatrix<f64>,
    gw: DMatrix<f64>,
}

impl Operands {
    fn new(size: &Size) -> Self {
        let (m, d, k) = (size.data.m(), size.data.d(), size.k);
        Operands {
            m,
            d,
            k,
            x: size.data.x.clone(),
            wt: gaussian(d, k, 0.1, 11),
            b: gaussian(m, k, 1.0, 12),
            h: DMatrix::zeros(m, k),
            gw: DMatrix::zeros(d, k),
        }
    }

    fn faer_fwd(&mut self) {
        let (m, d, k) = (self.m, self.d, self.k);
        faer::linalg::matmul::matmul(
            MatMut::from_column_major_slice_mut(self.h.as_mut_slice(), m, k),
            Accum::Replace,
            MatRef::from_column_major_slice(self.x.as_slice(), m, d),
            MatRef::from_column_major_slice(self.wt.as_slice(), d, k),
            1.0,
            Par::Seq,
        );
        clear_upper_simd_state();
    }

    fn faer_bwd(&mut self) {
        let (m, d, k) = (self.m, self.d, self.k);
        faer::linalg::matmul::matmul(
            MatMut::from_column_major_slice_mut(self.gw.as_mut_slice(), d, k),
            Accum::Replace,
            MatRef::from_column_major_slice(self.x.as_slice(), m, d).transpose(),
            MatRef::from_column_major_slice(self.b.as_slice(), m, k),
            1.0,
            Par::Seq,
        );
        clear_upper_simd_state();
    }

    fn nalgebra_fwd(&mut self) {
        self.h.gemm(1.0, &self.x, &self.wt, 0.0);
    }

    fn nalgebra_bwd(&mut self) {
        // Xᵀ as a d×m view of X's column-major storage: row stride m, column stride 1.
        let xt = DMatrixView::from_slice_with_strides(self.x.as_slice(), self.d, self.m, self.m, 1);
        self.gw.gemm(1.0, &xt, &self.b, 0.0);
    }
}

/// Relative difference of the two libraries' results (sanity check before timing).
fn check_agreement(ops: &mut Operands) {
    ops.faer_fwd();
    ops.faer_bwd();
    let (h, gw) = (ops.h.clone(), ops.gw.clone());
    ops.nalgebra_fwd();
    ops.nalgebra_bwd();
    let rel = |a: &DMatrix<f64>, b: &DMatrix<f64>| (a - b).abs().max() / b.abs().max();
    let (e1, e2) = (rel(&h, &ops.h), rel(&gw, &ops.gw));
    // Both compute the same dot products of length d (fwd) or m (bwd) in different orders:
    // agreement to ~len·ε relative to the largest entry.
    let tol = 1e-12 * (ops.m.max(ops.d) as f64);
    assert!(
        e1 <= tol && e2 <= tol,
        "faer vs nalgebra: {e1:.2e}, {e2:.2e}"
    );
}

fn bench_gemm(c: &mut Criterion) {
    for size in common::sizes() {
        let mut ops = Operands::new(&size);
        check_agreement(&mut ops);
        let one = 2 * (ops.m * ops.d * ops.k) as u64;
        let mut group = c.benchmark_group(format!("gemm_{}", size.name));
        if size.name == "large" {
            group.sample_size(10).sampling_mode(SamplingMode::Flat);
        } else {
            group.sample_size(20);
        }
        group
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_millis(1500));
        for lib in ["faer", "nalgebra"] {
            let faer = lib == "faer";
            group.throughput(Throughput::Elements(one));
            group.bench_function(BenchmarkId::new("fwd", lib), |b| {
                b.iter(|| {
                    if faer {
                        ops.faer_fwd()
                    } else {
                        ops.nalgebra_fwd()
                    }
                    black_box(&ops.h);
                })
            });
            group.bench_function(BenchmarkId::new("bwd", lib), |b| {
                b.iter(|| {
                    if faer {
                        ops.faer_bwd()
                    } else {
                        ops.nalgebra_bwd()
                    }
                    black_box(&ops.gw);
                })
            });
            group.throughput(Throughput::Elements(2 * one));
            group.bench_function(BenchmarkId::new("pair", lib), |b| {
                b.iter(|| {
                    if faer {
                        ops.faer_fwd();
                        ops.faer_bwd();
                    } else {
                        ops.nalgebra_fwd();
                        ops.nalgebra_bwd();
                    }
                    black_box((&ops.h, &ops.gw));
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_gemm);
criterion_main!(benches);
