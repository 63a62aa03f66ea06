//! Diagonal linear network f(x; u, v) = ⟨u⊙u − v⊙v, x⟩, homogeneous of degree L = 2.
//!
//! The end-to-end predictor β = u⊙u − v⊙v is linear in x, yet the parametrization is
//! quadratic, which changes the implicit bias of gradient descent (from ℓ2 towards ℓ1 on β).
//! Gradients: ∇_u f = 2u⊙x, ∇_v f = −2v⊙x, so ⟨θ, ∇f⟩ = 2⟨u⊙u − v⊙v, x⟩ = 2f (Euler).
//!
//! Batched path: f = Xβ (one GEMV); Σ_i a_i ∇f(x_i) from r = Xᵀa (one transposed GEMV):
//! ∇_u = 2u⊙r, ∇_v = −2v⊙r.

use super::linear::{ensure_vecs, signed_weights, x_times, xt_times};
use super::{Model, Workspace};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::params::{BlockShape, Layout};

/// f(x) = ⟨u⊙u − v⊙v, x⟩ with vector blocks `u`, `v` of length d; L = 2.
#[derive(Debug, Clone)]
pub struct DiagonalLinear {
    d: usize,
    layout: Layout,
}

impl DiagonalLinear {
    /// The diagonal linear network on ℝ^d.
    ///
    /// # Panics
    /// If d = 0 (a programming error); use [`DiagonalLinear::try_new`] for user input.
    pub fn new(d: usize) -> Self {
        DiagonalLinear::try_new(d).expect("DiagonalLinear::new: d must be ≥ 1")
    }

    /// The diagonal linear network on ℝ^d, or [`Error::Spec`] when d = 0.
    pub fn try_new(d: usize) -> Result<Self> {
        if d == 0 {
            return Err(Error::spec(
                "diagonal_linear",
                "input dimension d must be ≥ 1",
            ));
        }
        Ok(DiagonalLinear {
            d,
            layout: Layout::new([("u", BlockShape::Vector(d)), ("v", BlockShape::Vector(d))])?,
        })
    }

    /// The end-to-end vector β = u⊙u − v⊙v.
    pub fn end_to_end(&self, theta: &[f64], beta: &mut [f64]) {
        let (u, v) = theta.split_at(self.d);
        for ((b, ui), vi) in beta.iter_mut().zip(u).zip(v) {
            *b = ui * ui - vi * vi;
        }
    }
}

impl Model for DiagonalLinear {
    fn name(&self) -> String {
        "diagonal_linear".into()
    }
    fn layout(&self) -> &Layout {
        &self.layout
    }
    fn input_dim(&self) -> usize {
        self.d
    }
    fn degree(&self) -> f64 {
        2.0
    }
    fn forward(&self, theta: &[f64], x: &[f64]) -> f64 {
        let (u, v) = theta.split_at(self.d);
        u.iter()
            .zip(v)
            .zip(x)
            .map(|((ui, vi), xi)| (ui * ui - vi * vi) * xi)
            .sum()
    }
    fn gradient(&self, theta: &[f64], x: &[f64], out: &mut [f64]) {
        let (u, v) = theta.split_at(self.d);
        let (gu, gv) = out.split_at_mut(self.d);
        for j in 0..self.d {
            gu[j] = 2.0 * u[j] * x[j];
            gv[j] = -2.0 * v[j] * x[j];
        }
    }
    /// Buffers: a = w ⊙ y (m), β (d), r = Xᵀa (d).
    fn workspace(&self, m: usize) -> Workspace {
        let mut ws = Workspace::default();
        ensure_vecs(&mut ws, &[m, self.d, self.d]);
        ws
    }
    fn margins(&self, theta: &[f64], data: &Dataset, ws: &mut Workspace, q: &mut [f64]) {
        ensure_vecs(ws, &[data.m(), self.d, self.d]);
        let beta = &mut ws.vecs[1];
        self.end_to_end(theta, beta);
        x_times(data, beta, q);
        for (qi, yi) in q.iter_mut().zip(&data.y) {
            *qi *= yi;
        }
    }
    fn weighted_gradient(
        &self,
        theta: &[f64],
        data: &Dataset,
        w: &[f64],
        ws: &mut Workspace,
        out: &mut [f64],
    ) {
        ensure_vecs(ws, &[data.m(), self.d, self.d]);
        let (a, rest) = ws.vecs.split_at_mut(1);
        let r = &mut rest[1];
        signed_weights(w, &data.y, &mut a[0]);
        xt_times(data, &a[0], r);
        let (u, v) = theta.split_at(self.d);
        let (gu, gv) = out.split_at_mut(self.d);
        for j in 0..self.d {
            gu[j] = 2.0 * u[j] * r[j];
            gv[j] = -2.0 * v[j] * r[j];
        }
    }
}
