//! The thin singular value decomposition of a row-major `rows × cols` matrix through faer
//! (single-threaded), and what is read off it:
//!
//! ```text
//!   A = U diag(σ) Vᵀ   (r = min(rows, cols) triplets, σ₁ ≥ … ≥ σ_r ≥ 0)
//!   ‖A‖₂ = σ₁ (spectral norm),   ‖A‖_nuc = Σᵢ σᵢ (its dual),   (σ₁, u₁, v₁) with A v₁ = σ₁ u₁
//! ```
//!
//! The factorization runs on A / max|A_rc| (no overflow or underflow); vector-shaped and
//! zero matrices take closed forms.

use super::{check, clear_upper_simd_state};
use crate::error::{Error, Result};
use crate::params::{max_abs, norm2};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{self as fsvd, ComputeSvdVectors};
use faer::{Mat, Par};

/// A thin singular value decomposition A = U diag(s) Vᵀ of a `rows × cols` matrix,
/// with r = min(rows, cols) singular triplets.
#[derive(Debug, Clone, PartialEq)]
pub struct Svd {
    /// Left singular vectors, `rows × r`, row-major (column i is u_i).
    pub u: Vec<f64>,
    /// Singular values σ_1 ≥ σ_2 ≥ … ≥ σ_r ≥ 0.
    pub s: Vec<f64>,
    /// Right singular vectors transposed, `r × cols`, row-major (row i is v_iᵀ).
    pub vt: Vec<f64>,
    /// Number of rows of A.
    pub rows: usize,
    /// Number of columns of A.
    pub cols: usize,
}

impl Svd {
    /// r = min(rows, cols), the number of singular triplets.
    pub fn rank_bound(&self) -> usize {
        self.s.len()
    }
}

/// The thin SVD of a general (not vector-shaped, non-zero, finite) matrix through faer,
/// computed on A / max|A_rc| so that no intermediate overflows or underflows.
/// Returns (U: rows×r, σ (already rescaled), V: cols×r), column-major faer matrices.
pub(super) fn faer_svd(
    rows: usize,
    cols: usize,
    data: &[f64],
    vectors: bool,
) -> Result<(Mat<f64>, Vec<f64>, Mat<f64>)> {
    let scale = max_abs(data);
    let a = Mat::<f64>::from_fn(rows, cols, |i, j| data[i * cols + j] / scale);
    let r = rows.min(cols);
    let (nu, nv, compute) = if vectors {
        (r, r, ComputeSvdVectors::Thin)
    } else {
        (0, 0, ComputeSvdVectors::No)
    };
    let mut u = Mat::<f64>::zeros(rows, nu);
    let mut v = Mat::<f64>::zeros(cols, nv);
    let mut s = faer::diag::Diag::<f64>::zeros(r);
    let par = Par::Seq;
    let mut buf = MemBuffer::new(fsvd::svd_scratch::<f64>(
        rows,
        cols,
        compute,
        compute,
        par,
        Default::default(),
    ));
    let stack = MemStack::new(&mut buf);
    let (uo, vo) = if vectors {
        (Some(u.as_mut()), Some(v.as_mut()))
    } else {
        (None, None)
    };
    let res = fsvd::svd(
        a.as_ref(),
        s.as_mut(),
        uo,
        vo,
        par,
        stack,
        Default::default(),
    )
    .map_err(|e| Error::Numerical(format!("SVD of a {rows}×{cols} matrix failed: {e:?}")));
    clear_upper_simd_state();
    res?;
    let sv: Vec<f64> = (0..r).map(|i| s.column_vector()[i] * scale).collect();
    if sv.iter().any(|x| !x.is_finite()) {
        return Err(Error::Numerical(format!(
            "SVD of a {rows}×{cols} matrix produced non-finite singular values"
        )));
    }
    Ok((u, sv, v))
}

/// Thin SVD A = U diag(s) Vᵀ of the row-major `rows × cols` matrix `data`
/// (r = min(rows, cols) triplets, singular values descending).
///
/// Vector-shaped inputs use the closed form (σ = ‖a‖₂, the other factor is `[1]`); the
/// zero matrix gives σ = 0 with the first canonical basis vectors as singular vectors.
/// Errors: non-finite entries or no convergence ([`Error::Numerical`]), wrong length
/// ([`Error::Params`]).
pub fn svd(rows: usize, cols: usize, data: &[f64]) -> Result<Svd> {
    check(rows, cols, data)?;
    let r = rows.min(cols);
    if r == 0 {
        return Ok(Svd {
            u: vec![],
            s: vec![],
            vt: vec![],
            rows,
            cols,
        });
    }
    let scale = max_abs(data);
    if scale == 0.0 {
        // Zero matrix: σ = 0 (r times), deterministic canonical singular vectors.
        let mut u = vec![0.0; rows * r];
        let mut vt = vec![0.0; r * cols];
        for i in 0..r {
            u[i * r + i] = 1.0;
            vt[i * cols + i] = 1.0;
        }
        return Ok(Svd {
            u,
            s: vec![0.0; r],
            vt,
            rows,
            cols,
        });
    }
    if r == 1 {
        let sigma = norm2(data);
        let unit: Vec<f64> = data.iter().map(|v| v / sigma).collect();
        let (u, vt) = if rows == 1 {
            (vec![1.0], unit)
        } else {
            (unit, vec![1.0])
        };
        return Ok(Svd {
            u,
            s: vec![sigma],
            vt,
            rows,
            cols,
        });
    }
    let (uf, s, vf) = faer_svd(rows, cols, data, true)?;
    let mut u = vec![0.0; rows * r];
    for i in 0..rows {
        for k in 0..r {
            u[i * r + k] = uf[(i, k)];
        }
    }
    let mut vt = vec![0.0; r * cols];
    for k in 0..r {
        for j in 0..cols {
            vt[k * cols + j] = vf[(j, k)];
        }
    }
    Ok(Svd {
        u,
        s,
        vt,
        rows,
        cols,
    })
}

/// The singular values σ_1 ≥ … ≥ σ_r of the row-major matrix (no singular vectors computed).
pub fn singular_values(rows: usize, cols: usize, data: &[f64]) -> Result<Vec<f64>> {
    check(rows, cols, data)?;
    let r = rows.min(cols);
    if r == 0 {
        return Ok(vec![]);
    }
    if max_abs(data) == 0.0 {
        return Ok(vec![0.0; r]);
    }
    if r == 1 {
        return Ok(vec![norm2(data)]);
    }
    Ok(faer_svd(rows, cols, data, false)?.1)
}

/// Spectral norm σ_max(A) = max_{‖v‖₂ = 1} ‖Av‖₂ (the induced ℓ2→ℓ2 norm; 0 for an empty
/// matrix). For a 1×n or n×1 matrix this is the Euclidean norm of its entries.
pub fn spectral_norm(rows: usize, cols: usize, data: &[f64]) -> Result<f64> {
    Ok(singular_values(rows, cols, data)?
        .first()
        .copied()
        .unwrap_or(0.0))
}

/// Nuclear norm ‖A‖_nuc = Σ_i σ_i(A), the dual of the spectral norm
/// (‖G‖_nuc = max_{σ_max(D) ≤ 1} ⟨G, D⟩; \[M\] App. C, "snuc").
pub fn nuclear_norm(rows: usize, cols: usize, data: &[f64]) -> Result<f64> {
    Ok(singular_values(rows, cols, data)?.iter().sum())
}

/// The top singular triplet (σ_1, u_1, v_1) with A v_1 = σ_1 u_1, ‖u_1‖ = ‖v_1‖ = 1.
/// u_1 v_1ᵀ is a subgradient of σ_max at A. For the zero matrix: (0, e_1, e_1).
/// Errors as for [`svd()`]; an empty matrix is an [`Error::Params`].
pub fn top_singular_pair(
    rows: usize,
    cols: usize,
    data: &[f64],
) -> Result<(f64, Vec<f64>, Vec<f64>)> {
    if rows == 0 || cols == 0 {
        return Err(Error::Params(format!(
            "top singular pair of an empty {rows}×{cols} matrix"
        )));
    }
    let d = svd(rows, cols, data)?;
    let r = d.s.len();
    let u1: Vec<f64> = (0..rows).map(|i| d.u[i * r]).collect();
    let v1 = d.vt[..cols].to_vec();
    Ok((d.s[0], u1, v1))
}
