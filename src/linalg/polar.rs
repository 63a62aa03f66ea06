//! Muon's orthogonalization, the polar factor of a row-major matrix,
//!
//! ```text
//!   G = U Σ Vᵀ  ↦  U_k V_kᵀ      (k = #{σ > σ₁·max(rows, cols)·ε})
//! ```
//!
//! by a Gram eigendecomposition with one Newton–Schulz polishing step when G is well
//! conditioned ([`GRAM_MIN_EIG_RATIO`]), else by the thin SVD; and the quintic Newton–Schulz
//! iteration X ← aX + (b·XXᵀ + c·(XXᵀ)²)X of practical Muon ([`newton_schulz5`]), its SVD-free
//! approximation.

use super::svd::faer_svd;
use super::{check, clear_upper_simd_state, matmul};
use crate::error::{Error, Result};
use crate::params::{max_abs, norm2};
use faer::{Accum, Mat, MatMut, MatRef, Par};

/// Smallest eigenvalue ratio λ_min/λ_max of the Gram matrix for which [`orthogonalize`]
/// takes the Gram route (σ_min/σ_max ≥ 10⁻²); below it, the SVD route.
///
/// The Gram matrix G = A Aᵀ carries an absolute rounding error of order c·ε·λ_max (c = the
/// long side), so a polar factor computed from it loses accuracy like ε·κ(A)². Measured
/// (2026-11-23) on A = U diag(σ) Vᵀ with random orthogonal U, V, max-entry error of the
/// computed U Vᵀ against the exact one, worst over 3 000 random matrices (2×2 … 5×8 and
/// 64×200, σ log-uniform with σ_max/σ_min ∈ [1, 10²]): Gram route without the polishing
/// step 4.2e-13, **with it 6.4e-14**, SVD route 9.8e-15; with a geometric spectrum at
/// 128×784: κ = 10³ → 8e-13 and κ = 10⁴ → 5e-11 before polishing. The cut-off 10⁻⁴ keeps
/// the route within ≈ 10× of the SVD's rounding and far above the Gram matrix's rounding
/// floor, so every singular value it keeps is one the SVD route keeps (that route drops
/// only σ ≤ σ_max·max(r, c)·ε). Where it applies (measured in the `train_step` bench):
/// Muon's 128×784 momentum at the large size (Gaussian data; κ = 15–60 on 90 % of steps);
/// not the digits nets (their momentum is rank-deficient even after removing zero rows
/// and columns) and not most steps at the small size (κ ≥ 10⁴).
pub const GRAM_MIN_EIG_RATIO: f64 = 1e-4;

/// Inverse-power steps of the Gram route's conditioning pre-test.
const INVERSE_POWER_STEPS: usize = 6;

/// Orthogonalization, Muon's map `UΣVᵀ ↦ U Vᵀ` (\[M\] §2.2, Lemma C.27): writes
/// `out = U_k V_kᵀ` (row-major, `rows × cols`) where k counts the singular values with
/// σ > σ_max · max(rows, cols) · ε_machine, and returns k.
///
/// Dropping the numerically-zero singular values makes the result deterministic and
/// meaningful on rank-deficient input: an all-zero row (column) of `g`, e.g. a dead neuron,
/// yields an exactly zero row (column) of `out` instead of an arbitrary null-space direction
/// (mathematically those entries of U_k V_kᵀ vanish; the O(ε) noise the SVD leaves there is
/// cleared). `g = 0` gives
/// `out = 0` and rank 0. On full-rank input every singular value of `out` is 1, so
/// ⟨g, out⟩ = ‖g‖_nuc and σ_max(out) = 1: `out` is the steepest direction of the spectral
/// norm. Vector-shaped input: `out = g/‖g‖₂`.
///
/// **Two routes** (chosen by measurement, `benches/svd.rs`). Let A be `g` with its all-zero
/// rows and columns removed, oriented so that it is wide (r ≤ c).
/// * *Gram route*, when λ_min(A Aᵀ) ≥ [`GRAM_MIN_EIG_RATIO`]·λ_max (full rank,
///   σ_max/σ_min ≤ 10²): the eigendecomposition A Aᵀ = Q Λ Qᵀ (r×r) gives
///   X = Q Λ^{-1/2} Qᵀ A, then one Newton–Schulz polishing step X ← 1.5 X − 0.5 X Xᵀ X
///   (it maps each singular value 1 + δ to 1 − 1.5δ² − 0.5δ³, removing the symmetric part
///   of the rounding error), scattered back with exact zeros in the removed rows and
///   columns; k = r. Measured 3.9 vs 5.4 ms at 128×784 (one thread; the r×r
///   eigendecomposition is half of it); within 6.4e-14 per entry of the exact U Vᵀ (see
///   the constant). Gram products use only their lower triangle. A cheap pre-test (Cholesky pivots and six
///   inverse-power steps on the r×r matrix: 56 µs at 64×64) sends ill-conditioned input to
///   the SVD before the eigendecomposition is paid for.
/// * *SVD route* otherwise (rank-deficient or ill-conditioned A, or an eigensolver
///   failure): the thin SVD of `g` through faer and the cut-off above
///   ([`orthogonalize_svd`]).
///
/// `tests/norms.rs` checks both routes against matrices with known polar factors.
///
/// Errors as for [`svd`](super::svd()); `out.len()` must equal `rows * cols` (else [`Error::Params`]).
pub fn orthogonalize(rows: usize, cols: usize, g: &[f64], out: &mut [f64]) -> Result<usize> {
    if let Some(k) = orthogonalize_trivial(rows, cols, g, out)? {
        return Ok(k);
    }
    if let Some(k) = gram_polar(rows, cols, g, out) {
        return Ok(k);
    }
    svd_polar(rows, cols, g, out)
}

/// The SVD route of [`orthogonalize`] alone (same contract; the reference for its Gram
/// route, and for benches).
pub fn orthogonalize_svd(rows: usize, cols: usize, g: &[f64], out: &mut [f64]) -> Result<usize> {
    match orthogonalize_trivial(rows, cols, g, out)? {
        Some(k) => Ok(k),
        None => svd_polar(rows, cols, g, out),
    }
}

/// The Gram route of [`orthogonalize`] alone: `Ok(Some(k))` with `out` written when it
/// applies (see [`GRAM_MIN_EIG_RATIO`]), `Ok(None)` when the matrix is rank-deficient or
/// too ill-conditioned for it (then `out` holds no result). Errors as for [`orthogonalize`].
pub fn orthogonalize_gram(
    rows: usize,
    cols: usize,
    g: &[f64],
    out: &mut [f64],
) -> Result<Option<usize>> {
    match orthogonalize_trivial(rows, cols, g, out)? {
        Some(k) => Ok(Some(k)),
        None => Ok(gram_polar(rows, cols, g, out)),
    }
}

/// Input checks and the closed forms of [`orthogonalize`]: `Some(0)` for g = 0, `Some(1)`
/// for a vector-shaped g (out = g/‖g‖₂), `None` for a matrix that needs a factorization.
fn orthogonalize_trivial(
    rows: usize,
    cols: usize,
    g: &[f64],
    out: &mut [f64],
) -> Result<Option<usize>> {
    check(rows, cols, g)?;
    if out.len() != g.len() {
        return Err(Error::Params(format!(
            "orthogonalize: output has {} entries, expected {}",
            out.len(),
            g.len()
        )));
    }
    if g.is_empty() || max_abs(g) == 0.0 {
        out.fill(0.0);
        return Ok(Some(0));
    }
    if rows == 1 || cols == 1 {
        let n = norm2(g);
        for (o, v) in out.iter_mut().zip(g) {
            *o = v / n;
        }
        return Ok(Some(1));
    }
    Ok(None)
}

/// The SVD route (a non-zero, finite, matrix-shaped, checked `g`).
fn svd_polar(rows: usize, cols: usize, g: &[f64], out: &mut [f64]) -> Result<usize> {
    let (u, s, v) = faer_svd(rows, cols, g, true)?;
    let tol = s[0] * rows.max(cols) as f64 * f64::EPSILON;
    let k = s.iter().take_while(|&&x| x > tol).count();
    let mut o = MatMut::from_row_major_slice_mut(out, rows, cols);
    matmul(
        o.as_mut(),
        Accum::Replace,
        u.as_ref().subcols(0, k),
        v.as_ref().subcols(0, k).transpose(),
        1.0,
    );
    // Exact zeros where G has zero rows / columns: mathematically U_k = G V_k Σ_k⁻¹ and
    // V_k = Gᵀ U_k Σ_k⁻¹ vanish there, but the SVD leaves O(ε) noise.
    for i in 0..rows {
        if g[i * cols..(i + 1) * cols].iter().all(|&v| v == 0.0) {
            out[i * cols..(i + 1) * cols].fill(0.0);
        }
    }
    for j in 0..cols {
        if (0..rows).all(|i| g[i * cols + j] == 0.0) {
            for i in 0..rows {
                out[i * cols + j] = 0.0;
            }
        }
    }
    Ok(k)
}

/// alpha·A Aᵀ (n × n, symmetric) from its lower triangle (faer's triangular product, half
/// the flops of a full GEMM), mirrored to the upper one.
fn gram_matrix(a: MatRef<'_, f64>, alpha: f64) -> Mat<f64> {
    use faer::linalg::matmul::triangular::{matmul as tri_matmul, BlockStructure};
    let n = a.nrows();
    let mut gram = Mat::<f64>::zeros(n, n);
    tri_matmul(
        gram.as_mut(),
        BlockStructure::TriangularLower,
        Accum::Replace,
        a,
        BlockStructure::Rectangular,
        a.transpose(),
        BlockStructure::Rectangular,
        alpha,
        Par::Seq,
    );
    clear_upper_simd_state();
    for j in 1..n {
        for i in 0..j {
            gram[(i, j)] = gram[(j, i)];
        }
    }
    gram
}

/// dst = P − ½·(P Pᵀ − I)·P with P = alpha·B·A: the product, then one Newton–Schulz
/// polishing step P ← 1.5 P − 0.5 (P Pᵀ) P.
fn polished_product(b: MatRef<'_, f64>, a: MatRef<'_, f64>, alpha: f64, mut dst: MatMut<'_, f64>) {
    matmul(dst.as_mut(), Accum::Replace, b, a, alpha);
    let ppt = gram_matrix(dst.as_ref(), 1.0);
    let p0 = dst.as_ref().to_owned();
    dst *= faer::Scale(1.5);
    matmul(dst, Accum::Add, ppt.as_ref(), p0.as_ref(), -0.5);
}

/// The Gram route (a non-zero, finite, matrix-shaped, checked `g`): `Some(r)` with `out`
/// written when the compressed, wide-oriented A (entries divided by max|g|) satisfies λ_min(A Aᵀ) ≥
/// [`GRAM_MIN_EIG_RATIO`]·λ_max; `None` otherwise (the caller then overwrites `out`).
fn gram_polar(rows: usize, cols: usize, g: &[f64], out: &mut [f64]) -> Option<usize> {
    let scale = max_abs(g);
    let keep_r: Vec<usize> = (0..rows)
        .filter(|&i| g[i * cols..(i + 1) * cols].iter().any(|&v| v != 0.0))
        .collect();
    let mut col_nz = vec![false; cols];
    for row in g.chunks_exact(cols) {
        for (nz, &v) in col_nz.iter_mut().zip(row) {
            *nz |= v != 0.0;
        }
    }
    let keep_c: Vec<usize> = (0..cols).filter(|&j| col_nz[j]).collect();
    // Wide orientation: A is n × l with n ≤ l; `transposed` means A = (g restricted)ᵀ.
    let transposed = keep_r.len() > keep_c.len();
    let (n, l) = if transposed {
        (keep_c.len(), keep_r.len())
    } else {
        (keep_r.len(), keep_c.len())
    };
    // A (scaled by 1/max|g| so that no product overflows or underflows): a strided view of
    // `g` itself when nothing was removed and the scale is harmless, else a compressed copy.
    let inv = 1.0 / scale;
    let full = keep_r.len() == rows && keep_c.len() == cols;
    let (owned, alpha) = if full && (1e-100..=1e100).contains(&scale) {
        (None, inv)
    } else if transposed {
        let m = Mat::<f64>::from_fn(n, l, |i, j| g[keep_r[j] * cols + keep_c[i]] * inv);
        (Some(m), 1.0)
    } else {
        let m = Mat::<f64>::from_fn(n, l, |i, j| g[keep_r[i] * cols + keep_c[j]] * inv);
        (Some(m), 1.0)
    };
    let view = MatRef::from_row_major_slice(g, rows, cols);
    let a = match &owned {
        Some(m) => m.as_ref(),
        None if transposed => view.transpose(),
        None => view,
    };
    // G = α² A Aᵀ: only the lower triangle is computed (half the flops), then mirrored.
    let gram = gram_matrix(a, alpha * alpha);
    // Cheap necessary test first (n³/3 flops against ≈ 9n³ for the eigendecomposition): the
    // Cholesky pivots d_i = L_ii² of an SPD matrix lie in [λ_min, λ_max], so
    // λ_min/λ_max ≤ min d/max d; a failed factorization means (numerically) not SPD.
    let llt = gram.llt(faer::Side::Lower);
    clear_upper_simd_state();
    let chol = llt.ok()?;
    let lfac = chol.L();
    let (dmin, dmax) = (0..n)
        .map(|i| lfac[(i, i)] * lfac[(i, i)])
        .fold((f64::INFINITY, 0.0_f64), |(lo, hi), d| {
            (lo.min(d), hi.max(d))
        });
    if dmin.is_nan() || dmin < GRAM_MIN_EIG_RATIO * dmax {
        return None;
    }
    // Sharper: a few inverse-power steps with the factor (2n² flops each) give a Rayleigh
    // quotient ν ≤ 1/λ_min, i.e. λ_min ≤ 1/ν; with λ_max ≥ max d this rejects most
    // ill-conditioned matrices before the eigendecomposition (never a well-conditioned one).
    let mut v = faer::Col::<f64>::from_fn(n, |i| 1.0 + ((i * 7919) % 13) as f64 / 13.0);
    let mut nu = 0.0_f64;
    for _ in 0..INVERSE_POWER_STEPS {
        let vn = v.norm_l2();
        v /= vn;
        let w = faer::linalg::solvers::Solve::solve(&chol, &v);
        nu = (0..n).map(|i| v[i] * w[i]).sum::<f64>();
        v = w;
    }
    clear_upper_simd_state();
    if !(nu.is_finite() && nu > 0.0 && 1.0 / nu >= GRAM_MIN_EIG_RATIO * dmax) {
        return None;
    }
    let eig = gram.self_adjoint_eigen(faer::Side::Lower);
    clear_upper_simd_state();
    let eig = eig.ok()?;
    let (q, lam) = (eig.U(), eig.S().column_vector());
    let lmax = (0..n).map(|i| lam[i]).fold(0.0_f64, f64::max);
    let lmin = (0..n).map(|i| lam[i]).fold(f64::INFINITY, f64::min);
    if !(lmax.is_finite() && lmax > 0.0 && lmin >= GRAM_MIN_EIG_RATIO * lmax) {
        return None;
    }
    // B = Q Λ^{-1/2} Qᵀ (n × n), then U Vᵀ = B A (n × l).
    let qs = Mat::<f64>::from_fn(n, n, |i, j| q[(i, j)] / lam[j].sqrt());
    let mut b = Mat::<f64>::zeros(n, n);
    matmul(b.as_mut(), Accum::Replace, qs.as_ref(), q.transpose(), 1.0);
    if full {
        // Write straight into `out` (row-major rows × cols; its transpose when A = gᵀ).
        let view = MatMut::from_row_major_slice_mut(out, rows, cols);
        let dst = if transposed {
            view.transpose_mut()
        } else {
            view
        };
        polished_product(b.as_ref(), a, alpha, dst);
    } else {
        let mut p = Mat::<f64>::zeros(n, l);
        polished_product(b.as_ref(), a, alpha, p.as_mut());
        out.fill(0.0);
        for i in 0..n {
            for j in 0..l {
                let (r, c) = if transposed {
                    (keep_r[j], keep_c[i])
                } else {
                    (keep_r[i], keep_c[j])
                };
                out[r * cols + c] = p[(i, j)];
            }
        }
    }
    if out.iter().all(|v| v.is_finite()) {
        Some(n)
    } else {
        None
    }
}

/// Coefficients (a, b, c) of the quintic Newton–Schulz iteration of Muon (Jordan et al.,
/// 2024): p(σ) = aσ + bσ³ + cσ⁵.
pub const NEWTON_SCHULZ_COEFFS: (f64, f64, f64) = (3.4445, -4.7750, 2.0315);

/// The quintic Newton–Schulz iteration used by practical Muon (Jordan et al., 2024), an
/// SVD-free approximation of [`orthogonalize`]:
///
/// ```text
///   X ← G / ‖G‖_F                       (X = 0 if G = 0)
///   (work on the wide orientation: transpose if rows > cols)
///   repeat `steps` times:  A = X Xᵀ;  B = b·A + c·A·A;  X ← a·X + B·X
///   (transpose back)
/// ```
///
/// with (a, b, c) = [`NEWTON_SCHULZ_COEFFS`]. Each step maps every singular value σ of X
/// to p(σ) = aσ + bσ³ + cσ⁵ while keeping the singular vectors, so the result is
/// U p⁽ˢᵗᵉᵖˢ⁾(Σ/‖G‖_F) Vᵀ. The coefficients trade accuracy for speed: the singular values
/// land in a **band around 1, not exactly 1** — with 5 steps, about [0.68, 1.14] for
/// well-conditioned inputs (measured in `tests/norms.rs`). The quintic's slope at 0 is
/// a ≈ 3.44, so a singular value below ≈ 0.7·a⁻⁵·‖G‖_F ≈ 1.4e-3·‖G‖_F has not reached the
/// band after 5 steps (and exact zeros stay zero). The theory (\[M\] §2.2) assumes the exact
/// map; this is the separate `muon_ns` variant.
///
/// `out` must have `rows * cols` entries; non-finite input propagates NaN into `out`.
pub fn newton_schulz5(rows: usize, cols: usize, g: &[f64], steps: usize, out: &mut [f64]) {
    let n = rows * cols;
    debug_assert_eq!(g.len(), n);
    debug_assert_eq!(out.len(), n);
    let fro = norm2(g);
    if fro == 0.0 || n == 0 {
        out.fill(0.0);
        return;
    }
    let (a, b, c) = NEWTON_SCHULZ_COEFFS;
    let gm = MatRef::from_row_major_slice(g, rows, cols);
    // Wide orientation: m ≤ n so that X Xᵀ is the smaller Gram matrix.
    let transposed = rows > cols;
    let (m, w) = if transposed {
        (cols, rows)
    } else {
        (rows, cols)
    };
    let mut x = Mat::<f64>::from_fn(m, w, |i, j| {
        let v = if transposed { gm[(j, i)] } else { gm[(i, j)] };
        v / fro
    });
    let mut gram = Mat::<f64>::zeros(m, m);
    let mut bmat = Mat::<f64>::zeros(m, m);
    let mut next = Mat::<f64>::zeros(m, w);
    for _ in 0..steps {
        // A = X Xᵀ
        matmul(
            gram.as_mut(),
            Accum::Replace,
            x.as_ref(),
            x.as_ref().transpose(),
            1.0,
        );
        // B = b·A + c·A·A
        matmul(
            bmat.as_mut(),
            Accum::Replace,
            gram.as_ref(),
            gram.as_ref(),
            c,
        );
        for j in 0..m {
            for i in 0..m {
                bmat[(i, j)] += b * gram[(i, j)];
            }
        }
        // X ← a·X + B·X
        for j in 0..w {
            for i in 0..m {
                next[(i, j)] = a * x[(i, j)];
            }
        }
        matmul(next.as_mut(), Accum::Add, bmat.as_ref(), x.as_ref(), 1.0);
        std::mem::swap(&mut x, &mut next);
    }
    for i in 0..rows {
        for j in 0..cols {
            out[i * cols + j] = if transposed { x[(j, i)] } else { x[(i, j)] };
        }
    }
}
