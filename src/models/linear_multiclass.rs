//! The multiclass linear model f(x; W) = W x ∈ ℝ^C, homogeneous of degree L = 1: the spec
//! `linear` on data with C classes.
//!
//! One matrix block `W` (C×d, row-major, row c = the weights of class c). A margin row
//! q = Σ_c s_c f_c(x) = ⟨Wᵀs, x⟩ = ⟨W, s xᵀ⟩ has gradient s xᵀ: for the pair (i, c),
//! (e_{y_i} − e_c) x_iᵀ — the Kesler construction that makes every max-margin problem of this
//! model a binary linear one on m(C−1) lifted rows in ℝ^{C·d} (`maxmargin`). Norms act on W
//! as a matrix: ℓ2 is the Frobenius norm, ℓ1 / ℓ∞ are entrywise, and `spectral` is the
//! largest singular value (Muon / spectral descent, \[F\] eq. 77).
//!
//! **Batched path.** F = X Wᵀ (GEMM m×d·d×C; the row-major C×d block *is* the column-major
//! d×C matrix Wᵀ), the pair margins from F, and ∇W = Gᵀ X, computed as the column-major
//! d×C matrix Xᵀ G (GEMM), with the output weights G of `models::outputs`.

use super::{Model, Workspace};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::params::{dot, BlockShape, Layout};
use faer::{MatMut, MatRef};
use nalgebra::DMatrix;

/// f(x; W) = W x with W ∈ ℝ^{C×d}, C ≥ 2; L = 1.
#[derive(Debug, Clone)]
pub struct LinearMulticlass {
    d: usize,
    c: usize,
    layout: Layout,
}

impl LinearMulticlass {
    /// The C-class linear model on ℝ^d; [`Error::Spec`] when d = 0 or C < 2.
    pub fn try_new(d: usize, classes: usize) -> Result<Self> {
        if d == 0 {
            return Err(Error::spec("linear", "input dimension d must be ≥ 1"));
        }
        if classes < 2 {
            return Err(Error::spec(
                "linear",
                "a multiclass model needs C ≥ 2 outputs",
            ));
        }
        crate::resources::reserve(
            &format!("the layout of `linear` ({classes}×{d} parameters)"),
            crate::resources::f64_bytes(classes as u128 * d as u128),
        )?;
        Ok(LinearMulticlass {
            d,
            c: classes,
            layout: Layout::new([(
                "W",
                BlockShape::Matrix {
                    rows: classes,
                    cols: d,
                },
            )])?,
        })
    }

    fn ensure_ws(&self, ws: &mut Workspace, m: usize) {
        let ok = ws.mats.len() == 2
            && ws
                .mats
                .iter()
                .all(|a| a.nrows() == m && a.ncols() == self.c);
        if !ok {
            ws.mats = vec![DMatrix::zeros(m, self.c), DMatrix::zeros(m, self.c)];
        }
    }
}

impl Model for LinearMulticlass {
    fn name(&self) -> String {
        "linear".into()
    }
    fn layout(&self) -> &Layout {
        &self.layout
    }
    fn input_dim(&self) -> usize {
        self.d
    }
    fn degree(&self) -> f64 {
        1.0
    }
    fn outputs(&self) -> usize {
        self.c
    }
    /// f_0(x) = ⟨W_0, x⟩ (the first output).
    fn forward(&self, theta: &[f64], x: &[f64]) -> f64 {
        dot(&theta[..self.d], x)
    }
    /// ∇f_0 = e_0 xᵀ.
    fn gradient(&self, _theta: &[f64], x: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        out[..self.d].copy_from_slice(x);
    }
    /// Σ_c s_c ⟨W_c, x⟩.
    fn combo_forward(&self, theta: &[f64], x: &[f64], s: &[f64]) -> f64 {
        theta
            .chunks_exact(self.d)
            .zip(s)
            .filter(|(_, sc)| **sc != 0.0)
            .map(|(wc, sc)| sc * dot(wc, x))
            .sum()
    }
    /// s xᵀ (row c = s_c x).
    fn combo_gradient(&self, _theta: &[f64], x: &[f64], s: &[f64], out: &mut [f64]) {
        for (row, sc) in out.chunks_exact_mut(self.d).zip(s) {
            for (o, xv) in row.iter_mut().zip(x) {
                *o = sc * xv;
            }
        }
    }
    /// Buffers: F (m×C) and G (m×C).
    fn workspace(&self, m: usize) -> Workspace {
        let mut ws = Workspace::default();
        self.ensure_ws(&mut ws, m);
        ws
    }
    fn margins(&self, theta: &[f64], data: &Dataset, ws: &mut Workspace, q: &mut [f64]) {
        let m = data.m();
        self.ensure_ws(ws, m);
        let f = ws.mats[0].as_mut_slice();
        crate::linalg::matmul_threaded(
            MatMut::from_column_major_slice_mut(f, m, self.c),
            MatRef::from_column_major_slice(data.x.as_slice(), m, self.d),
            MatRef::from_column_major_slice(theta, self.d, self.c),
        );
        super::outputs::pair_margins(data, f, q);
    }
    fn weighted_gradient(
        &self,
        _theta: &[f64],
        data: &Dataset,
        w: &[f64],
        ws: &mut Workspace,
        out: &mut [f64],
    ) {
        let m = data.m();
        self.ensure_ws(ws, m);
        let g = ws.mats[1].as_mut_slice();
        super::outputs::pair_output_weights(data, w, g);
        crate::linalg::matmul_threaded(
            MatMut::from_column_major_slice_mut(out, self.d, self.c),
            MatRef::from_column_major_slice(data.x.as_slice(), m, self.d).transpose(),
            MatRef::from_column_major_slice(g, m, self.c),
        );
    }
}
