//! The linear model f(x; θ) = ⟨θ, x⟩, homogeneous of degree L = 1.
//!
//! Its max-margin problems have exact solutions, which makes it the reference
//! model of every theorem suite. The two batched kernels here (f = Xβ and Xᵀa) are shared by
//! the other linear-in-x models ([`super::DiagonalLinear`], [`super::DeepLinear`]), whose
//! predictors are ⟨β(θ), x⟩ for an end-to-end vector β(θ).

use super::{Model, Workspace};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::params::Layout;
use nalgebra::{DVectorView, DVectorViewMut};

/// f(x; θ) = ⟨θ, x⟩ with one vector block `"theta"` of length d; L = 1.
#[derive(Debug, Clone)]
pub struct Linear {
    d: usize,
    layout: Layout,
}

impl Linear {
    /// The linear model on ℝ^d.
    ///
    /// # Panics
    /// If d = 0 (a programming error); use [`Linear::try_new`] for user-supplied sizes.
    pub fn new(d: usize) -> Self {
        Linear::try_new(d).expect("Linear::new: d must be ≥ 1")
    }

    /// The linear model on ℝ^d, or [`Error::Spec`] when d = 0.
    pub fn try_new(d: usize) -> Result<Self> {
        if d == 0 {
            return Err(Error::spec("linear", "input dimension d must be ≥ 1"));
        }
        Ok(Linear {
            d,
            layout: Layout::vector("theta", d)?,
        })
    }
}

impl Model for Linear {
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
    fn forward(&self, theta: &[f64], x: &[f64]) -> f64 {
        crate::params::dot(theta, x)
    }
    fn gradient(&self, _theta: &[f64], x: &[f64], out: &mut [f64]) {
        out.copy_from_slice(x);
    }
    /// One buffer: a = w ⊙ y (length m).
    fn workspace(&self, m: usize) -> Workspace {
        Workspace {
            mats: Vec::new(),
            vecs: vec![vec![0.0; m]],
        }
    }
    /// q = y ⊙ (Xθ), one GEMV.
    fn margins(&self, theta: &[f64], data: &Dataset, _ws: &mut Workspace, q: &mut [f64]) {
        x_times(data, theta, q);
        for (qi, yi) in q.iter_mut().zip(&data.y) {
            *qi *= yi;
        }
    }
    /// Σ_i a_i x_i = Xᵀa with a_i = w_i y_i, one transposed GEMV.
    fn weighted_gradient(
        &self,
        _theta: &[f64],
        data: &Dataset,
        w: &[f64],
        ws: &mut Workspace,
        out: &mut [f64],
    ) {
        ensure_vecs(ws, &[data.m()]);
        let a = &mut ws.vecs[0];
        signed_weights(w, &data.y, a);
        xt_times(data, a, out);
    }
}

/// out = X β (length m) for the m×d data matrix X.
pub(super) fn x_times(data: &Dataset, beta: &[f64], out: &mut [f64]) {
    let m = data.m();
    let b = DVectorView::from_slice(beta, data.d());
    DVectorViewMut::from_slice(out, m).gemv(1.0, &data.x, &b, 0.0);
}

/// out = Xᵀ a (length d) for the m×d data matrix X (dot products of X's contiguous columns).
pub(super) fn xt_times(data: &Dataset, a: &[f64], out: &mut [f64]) {
    let av = DVectorView::from_slice(a, data.m());
    DVectorViewMut::from_slice(out, data.d()).gemv_tr(1.0, &data.x, &av, 0.0);
}

/// a_i = w_i y_i: the per-sample coefficients of Σ_i w_i y_i ∇f(x_i; θ).
#[inline]
pub(super) fn signed_weights(w: &[f64], y: &[f64], a: &mut [f64]) {
    for ((ai, wi), yi) in a.iter_mut().zip(w).zip(y) {
        *ai = wi * yi;
    }
}

/// out = Mᵀ v for a row-major matrix M with `v.len()` rows and `out.len()` columns.
pub(super) fn mat_t_vec(mat: &[f64], v: &[f64], out: &mut [f64]) {
    out.fill(0.0);
    for (row, vi) in mat.chunks_exact(out.len()).zip(v) {
        for (o, mc) in out.iter_mut().zip(row) {
            *o += vi * mc;
        }
    }
}

/// Make `ws.vecs` hold buffers of exactly these lengths. A workspace made by the model's
/// own `workspace(m)` already does, so this allocates only when a caller passes a foreign
/// or default workspace (correct results either way).
pub(super) fn ensure_vecs(ws: &mut Workspace, lens: &[usize]) {
    let ok = ws.vecs.len() == lens.len() && ws.vecs.iter().zip(lens).all(|(v, &n)| v.len() == n);
    if !ok {
        ws.vecs = lens.iter().map(|&n| vec![0.0; n]).collect();
    }
}
