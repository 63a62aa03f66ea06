//! Deep linear network f(x) = wᵀ W_{D−1} ⋯ W_1 x of depth D ≥ 2, homogeneous of degree L = D.
//!
//! Blocks: `W1` (k×d), `W2` … `W{D−1}` (k×k), `w` (k), all row-major; hidden width k
//! defaults to d. Every layer enters linearly, so f(x; cθ) = c^D f(x; θ).
//!
//! Gradients by the chain rule. With r_0 = x, r_l = W_l r_{l−1} (forward activations) and
//! v_{D−1} = w, v_{l−1} = W_lᵀ v_l (backward signals),
//!
//! ```text
//!     f = v_lᵀ W_l r_{l−1}  for every l,   ∇_{W_l} f = v_l r_{l−1}ᵀ,   ∇_w f = r_{D−1}.
//! ```
//!
//! **Batched path.** The output is a scalar, so every backward signal is one vector v_l and
//! the batched products collapse: f(x_i) = ⟨β, x_i⟩ with the end-to-end vector β = v_0, and
//! Σ_i a_i ∇_{W_l} f(x_i) = v_l (W_{l−1} ⋯ W_1 Xᵀa)ᵀ. So margins are one GEMV with X after
//! D − 1 matrix–vector products, and the weighted gradient is one transposed GEMV with X
//! (r_0 = Xᵀa), D − 2 matrix–vector products and D − 1 outer products — O(md + Dk²) instead
//! of the O(mDk²) of propagating m×k activations, with the same result up to rounding.

use super::linear::{ensure_vecs, mat_t_vec, signed_weights, x_times, xt_times};
use super::{Model, Workspace};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::params::{BlockShape, Layout};

/// f(x) = wᵀ W_{D−1} ⋯ W_1 x, depth D ≥ 2, hidden width k; L = D.
#[derive(Debug, Clone)]
pub struct DeepLinear {
    depth: usize,
    d: usize,
    k: usize,
    layout: Layout,
}

impl DeepLinear {
    /// Depth-D network on ℝ^d with hidden width `width` (default d). Errors ([`Error::Spec`])
    /// when D < 2, d = 0 or k = 0.
    pub fn new(depth: usize, d: usize, width: Option<usize>) -> Result<Self> {
        let k = width.unwrap_or(d);
        let spec = match width {
            Some(k) => format!("deep_linear:{depth}:k={k}"),
            None => format!("deep_linear:{depth}"),
        };
        if depth < 2 {
            return Err(Error::spec(spec, "depth D must be ≥ 2 (D = 1 is `linear`)"));
        }
        if d == 0 {
            return Err(Error::spec(spec, "input dimension d must be ≥ 1"));
        }
        if k == 0 {
            return Err(Error::spec(spec, "hidden width k must be ≥ 1"));
        }
        // Memory estimate before anything is built: k·d + (D−2)·k² + k parameters (8 bytes
        // each) plus ~256 bytes of layout bookkeeping (name, shape, offset, index) per block.
        let (k2, d2, depth2) = (k as u128, d as u128, depth as u128);
        let params = (k2 * d2)
            .saturating_add((depth2 - 2).saturating_mul(k2 * k2))
            .saturating_add(k2);
        crate::resources::reserve(
            &format!("the layout of `{spec}` ({depth} blocks, {params} parameters)"),
            crate::resources::f64_bytes(params).saturating_add((depth as u128).saturating_mul(256)),
        )?;
        let mut blocks = vec![("W1".to_string(), BlockShape::Matrix { rows: k, cols: d })];
        for l in 2..depth {
            blocks.push((format!("W{l}"), BlockShape::Matrix { rows: k, cols: k }));
        }
        blocks.push(("w".to_string(), BlockShape::Vector(k)));
        Ok(DeepLinear {
            depth,
            d,
            k,
            layout: Layout::new(blocks)?,
        })
    }

    /// Depth D (number of weight layers, including the output vector w).
    pub fn depth(&self) -> usize {
        self.depth
    }
    /// Hidden width k.
    pub fn width(&self) -> usize {
        self.k
    }

    /// W_l for l = 1 … D−1 as a row-major slice (k × d for l = 1, k × k otherwise).
    fn layer<'a>(&self, theta: &'a [f64], l: usize) -> &'a [f64] {
        &theta[self.layout.blocks()[l - 1].range()]
    }
    /// The output vector w.
    fn out_vec<'a>(&self, theta: &'a [f64]) -> &'a [f64] {
        &theta[self.layout.blocks()[self.depth - 1].range()]
    }

    /// Backward signals: v[D−1] = w, v[l−1] = W_lᵀ v[l]; v[0] = β has length d.
    fn backward_signals(&self, theta: &[f64], v: &mut [Vec<f64>]) {
        v[self.depth - 1].copy_from_slice(self.out_vec(theta));
        for l in (1..self.depth).rev() {
            let (lo, hi) = v.split_at_mut(l);
            mat_t_vec(self.layer(theta, l), &hi[0], &mut lo[l - 1]);
        }
    }

    /// Forward activations r[l] = W_l r[l−1] for l = 1 … D−1, given r[0].
    fn forward_signals(&self, theta: &[f64], r: &mut [Vec<f64>]) {
        for l in 1..self.depth {
            let (lo, hi) = r.split_at_mut(l);
            mat_vec(self.layer(theta, l), &lo[l - 1], &mut hi[0]);
        }
    }

    /// Signal buffers: D vectors, the first of length d, the others of length k.
    fn signal_bufs(&self) -> Vec<Vec<f64>> {
        (0..self.depth)
            .map(|l| vec![0.0; if l == 0 { self.d } else { self.k }])
            .collect()
    }

    /// Write Σ-form gradient blocks from signals: ∇W_l = v_l r_{l−1}ᵀ, ∇w = r_{D−1}.
    fn write_gradient(&self, r: &[Vec<f64>], v: &[Vec<f64>], out: &mut [f64]) {
        for l in 1..self.depth {
            let g = &mut out[self.layout.blocks()[l - 1].range()];
            let cols = r[l - 1].len();
            for (row, vi) in g.chunks_exact_mut(cols).zip(&v[l]) {
                for (gc, rc) in row.iter_mut().zip(&r[l - 1]) {
                    *gc = vi * rc;
                }
            }
        }
        out[self.layout.blocks()[self.depth - 1].range()].copy_from_slice(&r[self.depth - 1]);
    }

    /// Workspace layout: vecs = [a (m), r_0 … r_{D−1}, v_0 … v_{D−1}].
    fn lens(&self, m: usize) -> Vec<usize> {
        let mut lens = vec![m];
        for _ in 0..2 {
            lens.push(self.d);
            lens.extend(std::iter::repeat_n(self.k, self.depth - 1));
        }
        lens
    }
}

/// out = M z for a row-major matrix M with `z.len()` columns.
fn mat_vec(mat: &[f64], z: &[f64], out: &mut [f64]) {
    for (o, row) in out.iter_mut().zip(mat.chunks_exact(z.len())) {
        *o = crate::params::dot(row, z);
    }
}

impl Model for DeepLinear {
    fn name(&self) -> String {
        if self.k == self.d {
            format!("deep_linear:{}", self.depth)
        } else {
            format!("deep_linear:{}:k={}", self.depth, self.k)
        }
    }
    fn layout(&self) -> &Layout {
        &self.layout
    }
    fn input_dim(&self) -> usize {
        self.d
    }
    fn degree(&self) -> f64 {
        self.depth as f64
    }
    fn forward(&self, theta: &[f64], x: &[f64]) -> f64 {
        let mut r = self.signal_bufs();
        r[0].copy_from_slice(x);
        self.forward_signals(theta, &mut r);
        crate::params::dot(self.out_vec(theta), &r[self.depth - 1])
    }
    fn gradient(&self, theta: &[f64], x: &[f64], out: &mut [f64]) {
        let mut r = self.signal_bufs();
        let mut v = self.signal_bufs();
        r[0].copy_from_slice(x);
        self.forward_signals(theta, &mut r);
        self.backward_signals(theta, &mut v);
        self.write_gradient(&r, &v, out);
    }
    fn workspace(&self, m: usize) -> Workspace {
        let mut ws = Workspace::default();
        ensure_vecs(&mut ws, &self.lens(m));
        ws
    }
    /// q = y ⊙ (Xβ) with β = W_1ᵀ ⋯ W_{D−1}ᵀ w.
    fn margins(&self, theta: &[f64], data: &Dataset, ws: &mut Workspace, q: &mut [f64]) {
        ensure_vecs(ws, &self.lens(data.m()));
        let v = &mut ws.vecs[1 + self.depth..];
        self.backward_signals(theta, v);
        x_times(data, &v[0], q);
        for (qi, yi) in q.iter_mut().zip(&data.y) {
            *qi *= yi;
        }
    }
    /// r_0 = Xᵀa (a = w ⊙ y), r_l = W_l r_{l−1}; ∇W_l = v_l r_{l−1}ᵀ, ∇w = r_{D−1}.
    fn weighted_gradient(
        &self,
        theta: &[f64],
        data: &Dataset,
        w: &[f64],
        ws: &mut Workspace,
        out: &mut [f64],
    ) {
        ensure_vecs(ws, &self.lens(data.m()));
        let (a, rest) = ws.vecs.split_at_mut(1);
        let (r, v) = rest.split_at_mut(self.depth);
        signed_weights(w, &data.y, &mut a[0]);
        xt_times(data, &a[0], &mut r[0]);
        self.forward_signals(theta, r);
        self.backward_signals(theta, v);
        self.write_gradient(r, v, out);
    }
}
