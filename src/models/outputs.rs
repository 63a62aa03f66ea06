//! Multiclass output heads: the pair margins from a C-output model's output matrix, and the
//! output weights that turn margin-row weights into one backward pass (shared by the
//! C-output models: [`super::LinearMulticlass`], [`super::Mlp`]).
//!
//! With the m×C output matrix F_{ic} = f_c(x_i; θ) and the margin rows of
//! [`Dataset::row_pair`], q_{(i,c)} = F_{i,y_i} − F_{i,c}. For weights w_r on the rows,
//!
//! ```text
//!     Σ_r w_r ∇q_r = Σ_i Σ_c G_{ic} ∇f_c(x_i),   G_{i,y_i} = Σ_{c≠y_i} w_{(i,c)},  G_{i,c} = −w_{(i,c)},
//! ```
//!
//! so the backward pass of a C-output model takes G as its upstream gradient (the binary
//! case is the m×1 matrix G_i = y_i w_i). Both matrices are column-major (column c holds
//! f_c at every sample), as faer's GEMMs write them.

use crate::data::Dataset;

/// q_r = F_{i,y_i} − F_{i,c} for every margin row of multiclass `data` (F column-major m×C).
pub(super) fn pair_margins(data: &Dataset, f: &[f64], q: &mut [f64]) {
    let (m, c) = (data.m(), data.classes);
    debug_assert_eq!(f.len(), m * c);
    debug_assert_eq!(q.len(), data.margin_rows());
    let mut r = 0;
    for i in 0..m {
        let y = data.label(i);
        let fy = f[y * m + i];
        for k in (0..c).filter(|&k| k != y) {
            q[r] = fy - f[k * m + i];
            r += 1;
        }
    }
}

/// The output weights G (column-major m×C, module docs) of margin-row weights `w`.
pub(super) fn pair_output_weights(data: &Dataset, w: &[f64], g: &mut [f64]) {
    let (m, c) = (data.m(), data.classes);
    debug_assert_eq!(g.len(), m * c);
    debug_assert_eq!(w.len(), data.margin_rows());
    let mut r = 0;
    for i in 0..m {
        let y = data.label(i);
        let mut total = 0.0;
        for k in (0..c).filter(|&k| k != y) {
            g[k * m + i] = -w[r];
            total += w[r];
            r += 1;
        }
        g[y * m + i] = total;
    }
}
