//! Kesler's construction: the multiclass max-margin problem of the linear model
//! f(x; W) = W x (W ∈ ℝ^{C×d}) as a binary linear one.
//!
//! The pair margin of sample i against class c ≠ y_i is
//!
//! ```text
//!     q_{i,c}(W) = ⟨W_{y_i} − W_c, x_i⟩ = ⟨vec W, z_{i,c}⟩,   z_{i,c} = (e_{y_i} − e_c) ⊗ x_i ∈ ℝ^{C·d},
//! ```
//!
//! with vec W row-major (index c·d + j). So max_{N(W) ≤ 1} min_{i,c} q_{i,c}(W) is the binary
//! problem on the m(C−1) lifted rows z_{i,c} with all labels +1, for every norm on vec W:
//! ℓ2 (Frobenius), ℓ1 and ℓ∞ (entrywise) go to the binary solvers unchanged. The spectral
//! norm ‖W‖₂ depends on the C×d shape, not on the coordinates alone: its solver
//! (`spectral/`) and certificate take the same lifted rows together with C, reading each
//! z_{i,c} as the C×d matrix A_(i,c) = (e_{y_i} − e_c) x_iᵀ. The lifted rows follow the
//! margin-row order of [`crate::data::Dataset::row_pair`], so support indices and weights are
//! per pair.

use crate::data::Dataset;
use crate::error::Result;
use nalgebra::DMatrix;

/// The lifted binary dataset (rows z_{i,c}, labels +1) of multiclass `data` (module docs).
/// Errors when its m(C−1)·C·d entries exceed the memory budget.
pub(super) fn lift(data: &Dataset) -> Result<Dataset> {
    let (m, d, c) = (data.m(), data.d(), data.classes);
    let n = data.margin_rows();
    let cd = c * d;
    crate::resources::reserve(
        &format!(
            "the lifted multiclass max-margin problem ({n} pair rows × {cd} = {c}·{d} columns)"
        ),
        crate::resources::f64_bytes(n as u128 * cd as u128),
    )?;
    let mut x = DMatrix::zeros(n, cd);
    for r in 0..n {
        let (i, other) = data.row_pair(r);
        let y = data.label(i);
        for j in 0..d {
            let v = data.x[(i, j)];
            x[(r, y * d + j)] = v;
            x[(r, other * d + j)] = -v;
        }
    }
    debug_assert_eq!(n, m * (c - 1));
    Dataset::new(x, vec![1.0; n])
}
