//! The GEMM wrapper every faer product of the crate goes through,
//!
//! ```text
//!   C = α·A·B  (Accum::Replace)   or   C += α·A·B  (Accum::Add),
//! ```
//!
//! single-threaded ([`matmul`]) or split over [`gemm_threads`] threads by contiguous column
//! ranges of C ([`matmul_threaded`], opt-in through [`set_gemm_threads`]), and the
//! `vzeroupper` after faer's AVX kernels ([`clear_upper_simd_state`]).

use faer::{Accum, MatMut, MatRef, Par};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Default minimum size, in flops (2·rows·cols·inner), of a product that
/// `matmul_threaded` splits over threads: 4·10⁶ flops ≈ 80 µs on one core here, so the
/// ≈ 5–20 µs cost of handing half of it to a second thread is small. The two-layer step's
/// GEMMs at the digits size (m = 1797, d = k = 64) are 14.7 Mflop each; at m = 40, d = 10,
/// k = 16 (and in every test) they are 12.8 kflop and stay single-threaded.
pub const GEMM_PAR_MIN_FLOPS: usize = 4_000_000;

/// Threads for large GEMMs; 0 = not yet read from the environment.
static GEMM_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Set the number of threads `matmul_threaded` (the two-layer model's two GEMMs) may use
/// for products of at least [`GEMM_PAR_MIN_FLOPS`] flops (`n = 0` is taken as 1).
///
/// **Opt-in, default 1** (or the value of the environment variable `IB_GEMM_THREADS`, read
/// at the first GEMM). The reason for the default: experiment grids already run one
/// training job per core on rayon's global pool, and threading each job's GEMMs as well
/// would only add hand-off overhead there. Use 2 on this 2-core machine for a *single* large
/// run (e.g. digits, m = 1797: ≈ ½ the GEMM time). The split runs on rayon's global pool
/// (`rayon::join`), so inside a busy grid the second half simply runs on the same thread
/// instead of oversubscribing the cores.
///
/// Determinism: the output's columns are cut into `n` fixed contiguous ranges, each computed
/// by one single-threaded faer product, so the result does not depend on which thread runs
/// which range or in what order — the same input gives the same bits every run. It may
/// differ in the last bits from the 1-thread result (faer's blocking depends on the
/// product's width); tested in `tests/fast_step.rs`.
pub fn set_gemm_threads(n: usize) {
    GEMM_THREADS.store(n.max(1), Ordering::Relaxed);
}

/// The current GEMM thread count (see [`set_gemm_threads`]); on first use it is read from
/// `IB_GEMM_THREADS` (a positive integer, capped at 64; anything else means 1).
pub fn gemm_threads() -> usize {
    match GEMM_THREADS.load(Ordering::Relaxed) {
        0 => {
            let n = std::env::var("IB_GEMM_THREADS")
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|&n| n >= 1)
                .map_or(1, |n| n.min(64));
            // A concurrent `set_gemm_threads` wins over the environment.
            let _ = GEMM_THREADS.compare_exchange(0, n, Ordering::Relaxed, Ordering::Relaxed);
            GEMM_THREADS.load(Ordering::Relaxed)
        }
        n => n,
    }
}

/// dst = lhs·rhs, split over [`gemm_threads`] threads by contiguous column ranges of `dst`
/// (and `rhs`) when the product has at least [`GEMM_PAR_MIN_FLOPS`] flops, single-threaded
/// [`matmul`] otherwise. Deterministic; see [`set_gemm_threads`].
pub(crate) fn matmul_threaded(dst: MatMut<'_, f64>, lhs: MatRef<'_, f64>, rhs: MatRef<'_, f64>) {
    let flops = 2usize
        .saturating_mul(dst.nrows())
        .saturating_mul(dst.ncols())
        .saturating_mul(lhs.ncols());
    let threads = if flops >= GEMM_PAR_MIN_FLOPS {
        gemm_threads().min(dst.ncols()).max(1)
    } else {
        1
    };
    matmul_parts(dst, lhs, rhs, threads);
}

/// dst = lhs·rhs with the columns cut into `parts` contiguous ranges (recursively halved:
/// the first ⌊parts/2⌋/parts of the columns, then the rest), run with `rayon::join`.
fn matmul_parts(dst: MatMut<'_, f64>, lhs: MatRef<'_, f64>, rhs: MatRef<'_, f64>, parts: usize) {
    if parts <= 1 {
        matmul(dst, Accum::Replace, lhs, rhs, 1.0);
        return;
    }
    let left = parts / 2;
    let mid = dst.ncols() * left / parts;
    let (d0, d1) = dst.split_at_col_mut(mid);
    let (r0, r1) = rhs.split_at_col(mid);
    rayon::join(
        || matmul_parts(d0, lhs, r0, left),
        || matmul_parts(d1, lhs, r1, parts - left),
    );
}

/// dst = alpha·lhs·rhs (`Accum::Replace`) or dst += alpha·lhs·rhs (`Accum::Add`) through
/// faer, single-threaded (`Par::Seq`), followed by [`clear_upper_simd_state`]. Every faer
/// call in the crate goes through this wrapper or calls that function afterwards.
pub(crate) fn matmul(
    dst: MatMut<'_, f64>,
    accum: Accum,
    lhs: MatRef<'_, f64>,
    rhs: MatRef<'_, f64>,
    alpha: f64,
) {
    faer::linalg::matmul::matmul(dst, accum, lhs, rhs, alpha, Par::Seq);
    clear_upper_simd_state();
}

/// Execute `vzeroupper` when the CPU has AVX.
///
/// faer's x86 GEMM kernels (AVX2/AVX-512, selected at run time) return with the upper
/// halves of the vector registers dirty. The rest of the crate is compiled for baseline
/// x86-64, i.e. legacy-SSE encoded, and every such instruction then pays a state-transition
/// penalty: measured here, the elementwise passes of this file ran 3× slower (38 → 110 µs)
/// for the rest of the process after a single faer call, and ≈ 40 µs returned after
/// `vzeroupper`. Compiler-generated AVX code inserts `vzeroupper` itself; faer's kernels do not.
#[inline]
pub(crate) fn clear_upper_simd_state() {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: the intrinsic's only requirement is AVX support, checked just above.
            // The compiler models `vzeroupper` as clobbering bits 128 and up of the vector
            // registers, and this crate's own (SSE) code never holds values there.
            unsafe { std::arch::x86_64::_mm256_zeroupper() }
        }
    }
}
