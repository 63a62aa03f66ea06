//! Dense linear-algebra helpers on **row-major** slices: thin SVD, exact orthogonalization
//! (Muon's `UΣVᵀ ↦ UVᵀ`, through a Gram eigendecomposition when well conditioned, else an
//! SVD), the quintic Newton–Schulz iteration, spectral and nuclear norms, and the GEMM
//! wrapper every faer product goes through.
//!
//! All matrices are passed as `(rows, cols, data)` with `data[r * cols + c]` = entry (r, c),
//! the convention of [`crate::params`]. SVDs go through faer 0.24, single-threaded
//! (`Par::Seq`), which is 10–25× faster than nalgebra's SVD on the sizes used here
//! (measured; `docs/contracts.md` §5). Vector-shaped matrices (1×n or n×1, i.e. vector blocks viewed as matrices)
//! take a closed-form fast path: σ = ‖v‖₂ and U Vᵀ = v/‖v‖₂.
//!
//! Errors are [`Error::Numerical`] (non-finite input, no SVD convergence) or
//! [`Error::Params`] (a slice whose length is not `rows * cols`); nothing here panics on
//! bad input.

//!
//! | file | what | formula |
//! |---|---|---|
//! | `linalg/svd.rs` | thin SVD, singular values, spectral / nuclear norm, top singular pair | A = U diag(σ) Vᵀ, ‖A‖₂ = σ₁, ‖A‖_nuc = Σᵢ σᵢ |
//! | `linalg/polar.rs` | Muon's orthogonalization (Gram and SVD routes) and the quintic Newton–Schulz iteration | U Σ Vᵀ ↦ U Vᵀ;  X ← aX + (bXXᵀ + c(XXᵀ)²)X |
//! | `linalg/gemm.rs` | single- and multi-threaded GEMM through faer, [`set_gemm_threads`] | C = α·A·B (+ C) |
//!
//! Every item is re-exported here: the paths are `crate::linalg::X` whatever file holds X.

use crate::error::{Error, Result};

mod gemm;
mod polar;
mod svd;

pub(crate) use gemm::{clear_upper_simd_state, matmul, matmul_threaded};
pub use gemm::{gemm_threads, set_gemm_threads, GEMM_PAR_MIN_FLOPS};
pub use polar::{
    newton_schulz5, orthogonalize, orthogonalize_gram, orthogonalize_svd, GRAM_MIN_EIG_RATIO,
    NEWTON_SCHULZ_COEFFS,
};
pub use svd::{nuclear_norm, singular_values, spectral_norm, svd, top_singular_pair, Svd};

/// Check the shape and finiteness of a row-major matrix.
fn check(rows: usize, cols: usize, data: &[f64]) -> Result<()> {
    if rows.checked_mul(cols) != Some(data.len()) {
        return Err(Error::Params(format!(
            "matrix of shape {rows}×{cols} needs {} entries, got {}",
            rows.saturating_mul(cols),
            data.len()
        )));
    }
    if let Some(j) = data.iter().position(|v| !v.is_finite()) {
        return Err(Error::Numerical(format!(
            "matrix entry {j} is not finite ({})",
            data[j]
        )));
    }
    Ok(())
}
