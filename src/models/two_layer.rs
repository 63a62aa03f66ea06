//! One-hidden-layer network without biases, f(x; W, u) = uᵀσ(Wx) = Σ_j u_j σ(⟨w_j, x⟩).
//!
//! * Trained output layer: θ = (W, u), layout `[W: k×d (row-major, row j = w_j), u: k]`,
//!   homogeneous of degree L = deg σ + 1 (L = 2 for ReLU, q + 1 for ReLU^q — \[M\] §6 uses
//!   ReLU and squared ReLU; \[F\] eq. 13 gives its γ1, γ2, γ∞ margins).
//! * Frozen output layer (\[F\] §4.3, App. C.2): θ = W only, u is a fixed model constant drawn
//!   at initialization; L = deg σ. Shampoo without accumulation is then steepest descent for
//!   the spectral norm of W.
//!
//! Gradients: ∂f/∂u_j = σ(⟨w_j, x⟩), ∂f/∂w_j = u_j σ'(⟨w_j, x⟩) x, with the fixed kink
//! subgradient of [`Activation::derivative`].
//!
//! **Batched path** (what training runs). With X ∈ ℝ^{m×d} (column-major) and the row-major
//! k×d block W, which *is* the column-major d×k matrix Wᵀ (no copy):
//!
//! ```text
//! margins:            H = X Wᵀ (GEMM, m×k);  one read-only pass over the columns j of H:
//!                     f_i += u_j σ(H_ij);   q_i = y_i f_i
//! weighted_gradient:  a_i = w_i y_i;  per column j of H (in L1):
//!                     ∇u_j = Σ_i a_i σ(H_ij) = (1/deg σ) Σ_i H_ij σ'(H_ij) a_i  (Euler for σ),
//!                     H_ij ← B_ij = σ'(H_ij) a_i u_j
//!                     ∇W (row-major k×d = column-major d×k) = Xᵀ B  (GEMM into `out`)
//! ```
//!
//! All buffers live in the [`Workspace`] (one m×k matrix, one m-vector); a call allocates
//! nothing. Both GEMMs go through faer (`Par::Seq`), which reads Xᵀ through a transposed
//! view, followed by `vzeroupper` (see `crate::linalg::clear_upper_simd_state`). Measured on this machine
//! (AMD EPYC, 1 thread, shared with other jobs; m = 1797, d = 64, k = 64, 14.7 MFLOP per
//! product):
//!
//! | product | nalgebra `gemm` | faer `matmul` | nalgebra `gemm_tr` | nalgebra `gemm`, strided Xᵀ view |
//! |---|---|---|---|---|
//! | H = X Wᵀ | 307–347 µs | 309–316 µs | — | — |
//! | Xᵀ B | — | 304–313 µs | 4100–4750 µs | 336–390 µs |
//!
//! `gemm_tr` is a loop of column GEMVs (15× slower). Each GEMM runs at ≈ 48 GFLOP/s, about one
//! core's FMA peak, so a full step (margins + weighted gradient) is GEMM-bound: 650–700 µs for
//! ReLU/ReLU²/leaky ReLU (≈ 630 µs frozen), of which the elementwise passes are ≈ 60–80 µs;
//! ReLU^q for other q pays for `sqrt`/`powf` (q = 1.5: ≈ 1 ms).

use super::activation::with_activation;
use super::linear::{ensure_vecs, signed_weights};
use super::{Activation, Model, Workspace};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::params::{BlockShape, Layout};
use faer::{MatMut, MatRef};
use nalgebra::DMatrix;

/// f(x) = uᵀσ(Wx) with W ∈ ℝ^{k×d}, u ∈ ℝ^k, no biases; u trained or frozen.
#[derive(Debug, Clone)]
pub struct TwoLayer {
    act: Activation,
    k: usize,
    d: usize,
    layout: Layout,
    frozen_u: Option<Vec<f64>>,
}

impl TwoLayer {
    /// Width-k net on ℝ^d with trained output layer; layout `[W: k×d, u: k]`, L = deg σ + 1.
    ///
    /// # Panics
    /// If k = 0, d = 0 or the activation's parameter is invalid (a programming error); use
    /// [`TwoLayer::try_new`] for user-supplied values.
    pub fn new(act: Activation, k: usize, d: usize) -> Self {
        TwoLayer::try_new(act, k, d).unwrap_or_else(|e| panic!("TwoLayer::new: {e}"))
    }

    /// As [`TwoLayer::new`], returning [`Error::Spec`] on k = 0, d = 0 or a bad activation.
    pub fn try_new(act: Activation, k: usize, d: usize) -> Result<Self> {
        Self::check_sizes(act, k, d, "two_layer")?;
        let layout = Layout::new([
            ("W", BlockShape::Matrix { rows: k, cols: d }),
            ("u", BlockShape::Vector(k)),
        ])?;
        Ok(TwoLayer {
            act,
            k,
            d,
            layout,
            frozen_u: None,
        })
    }

    /// Net with the output layer frozen at `u` (\[F\] §4.3): layout `[W: k×d]`, L = deg σ.
    /// Errors if `u.len() ≠ k` or u has a non-finite entry.
    pub fn frozen(act: Activation, k: usize, d: usize, u: Vec<f64>) -> Result<Self> {
        Self::check_sizes(act, k, d, "two_layer_frozen")?;
        if u.len() != k {
            return Err(Error::Params(format!(
                "frozen output layer u has {} entries, the width is k = {k}",
                u.len()
            )));
        }
        if let Some(j) = u.iter().position(|v| !v.is_finite()) {
            return Err(Error::Params(format!(
                "frozen output layer entry u[{j}] is not finite ({})",
                u[j]
            )));
        }
        let layout = Layout::new([("W", BlockShape::Matrix { rows: k, cols: d })])?;
        Ok(TwoLayer {
            act,
            k,
            d,
            layout,
            frozen_u: Some(u),
        })
    }

    fn check_sizes(act: Activation, k: usize, d: usize, family: &str) -> Result<()> {
        act.validate()?;
        let spec = format!("{family}:{act}:k={k}");
        if k == 0 {
            return Err(Error::spec(spec, "width k must be ≥ 1"));
        }
        if d == 0 {
            return Err(Error::spec(spec, "input dimension d must be ≥ 1"));
        }
        Ok(())
    }

    /// The activation σ.
    pub fn activation(&self) -> Activation {
        self.act
    }
    /// Hidden width k.
    pub fn width(&self) -> usize {
        self.k
    }
    /// The fixed output layer of a frozen net, `None` when u is trained.
    pub fn frozen_u(&self) -> Option<&[f64]> {
        self.frozen_u.as_deref()
    }

    /// (W row-major k×d, u) for this θ.
    #[inline]
    fn split<'a>(&'a self, theta: &'a [f64]) -> (&'a [f64], &'a [f64]) {
        let kd = self.k * self.d;
        match &self.frozen_u {
            Some(u) => (&theta[..kd], u),
            None => (&theta[..kd], &theta[kd..kd + self.k]),
        }
    }

    /// Make `ws.mats` = [H (m×k)] and `ws.vecs` = [a (m)].
    fn ensure_ws(&self, ws: &mut Workspace, m: usize) {
        let ok = ws.mats.len() == 1 && ws.mats[0].nrows() == m && ws.mats[0].ncols() == self.k;
        if !ok {
            ws.mats = vec![DMatrix::zeros(m, self.k)];
        }
        ensure_vecs(ws, &[m]);
    }
}

impl Model for TwoLayer {
    fn name(&self) -> String {
        let family = if self.frozen_u.is_some() {
            "two_layer_frozen"
        } else {
            "two_layer"
        };
        format!("{family}:{}:k={}", self.act, self.k)
    }
    fn layout(&self) -> &Layout {
        &self.layout
    }
    fn input_dim(&self) -> usize {
        self.d
    }
    /// deg σ + 1 with u trained, deg σ with u frozen.
    fn degree(&self) -> f64 {
        self.act.degree() + if self.frozen_u.is_some() { 0.0 } else { 1.0 }
    }
    fn forward(&self, theta: &[f64], x: &[f64]) -> f64 {
        let (w, u) = self.split(theta);
        w.chunks_exact(self.d)
            .zip(u)
            .map(|(wj, uj)| uj * self.act.value(crate::params::dot(wj, x)))
            .sum()
    }
    /// For ReLU / leaky ReLU: unit j is "on" when w_jᵀx > 0; `None` for smooth activations.
    fn activation_pattern(&self, theta: &[f64], x: &[f64]) -> Option<Vec<bool>> {
        if self.act.is_smooth() {
            return None;
        }
        let (w, _) = self.split(theta);
        Some(
            w.chunks_exact(self.d)
                .map(|wj| crate::params::dot(wj, x) > 0.0)
                .collect(),
        )
    }
    /// Clarke relaxation: for ReLU / leaky ReLU, unit j is near its kink
    /// when |w_jᵀx| ≤ rel_tol·‖w_j‖₂‖x‖₂ (always when w_j = 0). There the base gradient uses
    /// the left slope σ'(0⁻) (0 for ReLU, a for leaky ReLU) and the extra direction is
    /// (σ'(0⁺) − σ'(0⁻))·u_j·x in row j of W, so ∂f ⊆ base + [0, 1]·direction. The u-part
    /// σ(w_jᵀx) is continuous and kept as is. Smooth activations have no kinks.
    fn clarke_gradient(
        &self,
        theta: &[f64],
        x: &[f64],
        rel_tol: f64,
        base: &mut [f64],
    ) -> Vec<super::KinkDirection> {
        self.gradient(theta, x, base);
        let left = match self.act {
            Activation::Relu => 0.0,
            Activation::LeakyRelu(a) => a,
            _ => return Vec::new(),
        };
        let jump = 1.0 - left;
        let (w, u) = self.split(theta);
        let xn = crate::params::norm2(x);
        let mut dirs = Vec::new();
        for (j, wj) in w.chunks_exact(self.d).enumerate() {
            let h = crate::params::dot(wj, x);
            if h.abs() <= rel_tol * crate::params::norm2(wj) * xn {
                let row = j * self.d;
                for (l, xl) in x.iter().enumerate() {
                    base[row + l] = u[j] * left * xl;
                }
                let entries = x
                    .iter()
                    .enumerate()
                    .filter(|(_, xl)| **xl != 0.0)
                    .map(|(l, xl)| (row + l, jump * u[j] * xl))
                    .collect();
                dirs.push(super::KinkDirection { unit: j, entries });
            }
        }
        dirs
    }
    fn gradient(&self, theta: &[f64], x: &[f64], out: &mut [f64]) {
        let (w, u) = self.split(theta);
        let kd = self.k * self.d;
        let (gw, gu) = out.split_at_mut(kd);
        for (j, (wj, gwj)) in w
            .chunks_exact(self.d)
            .zip(gw.chunks_exact_mut(self.d))
            .enumerate()
        {
            let h = crate::params::dot(wj, x);
            let s = u[j] * self.act.derivative(h);
            for (g, xl) in gwj.iter_mut().zip(x) {
                *g = s * xl;
            }
            if self.frozen_u.is_none() {
                gu[j] = self.act.value(h);
            }
        }
    }
    /// Buffers: H = X Wᵀ (m×k, overwritten by B in the gradient), a = w ⊙ y (m).
    fn workspace(&self, m: usize) -> Workspace {
        let mut ws = Workspace::default();
        self.ensure_ws(&mut ws, m);
        ws
    }
    fn margins(&self, theta: &[f64], data: &Dataset, ws: &mut Workspace, q: &mut [f64]) {
        let m = data.m();
        self.ensure_ws(ws, m);
        let (w, u) = self.split(theta);
        let h = ws.mats[0].as_mut_slice();
        // H = X Wᵀ: the row-major k×d slice of W is the column-major d×k matrix Wᵀ.
        matmul(
            MatMut::from_column_major_slice_mut(h, m, self.k),
            MatRef::from_column_major_slice(data.x.as_slice(), m, self.d),
            MatRef::from_column_major_slice(w, self.d, self.k),
        );
        q.fill(0.0);
        with_activation!(self.act, sig => forward_pass(m, u, h, q, sig));
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
        let m = data.m();
        let (_, u) = self.split(theta);
        self.ensure_ws(ws, m);
        let coef = &mut ws.vecs[0];
        signed_weights(w, &data.y, coef);
        let coef = &ws.vecs[0];
        let b = ws.mats[0].as_mut_slice();
        let (gw, gu) = out.split_at_mut(self.k * self.d);
        let gu = if self.frozen_u.is_some() {
            None
        } else {
            Some(gu)
        };
        let inv_deg = 1.0 / self.act.degree();
        with_activation!(self.act, sig => backward_pass(m, u, coef, b, gu, inv_deg, sig));
        // ∇W as the column-major d×k matrix (= row-major k×d) Xᵀ B.
        matmul(
            MatMut::from_column_major_slice_mut(gw, self.d, self.k),
            MatRef::from_column_major_slice(data.x.as_slice(), m, self.d).transpose(),
            MatRef::from_column_major_slice(b, m, self.k),
        );
    }
    fn frozen_output(&self) -> Option<&[f64]> {
        self.frozen_u()
    }
}

/// dst = lhs · rhs through faer: single-threaded unless GEMM threading was opted into
/// (`crate::linalg::set_gemm_threads` / `IB_GEMM_THREADS`) and the product is large; see
/// [`crate::linalg::matmul_threaded`].
fn matmul(dst: MatMut<'_, f64>, lhs: MatRef<'_, f64>, rhs: MatRef<'_, f64>) {
    crate::linalg::matmul_threaded(dst, lhs, rhs);
}

/// Margins pass (H read only): f_i += u_j σ(H_ij) over the columns j of H.
#[inline(always)]
fn forward_pass<F: Fn(f64) -> (f64, f64)>(m: usize, u: &[f64], h: &[f64], f: &mut [f64], sig: F) {
    for (hc, uj) in h.chunks_exact(m).zip(u) {
        for (hv, fv) in hc.iter().zip(f.iter_mut()) {
            *fv += uj * sig(*hv).0;
        }
    }
}

/// Gradient pass over the columns j of H: ∇u_j = Σ_i a_i σ(H_ij) (when `gu` is given), then
/// in place H_ij ← B_ij = σ'(H_ij) a_i u_j.
///
/// ∇u_j is computed as (1/deg σ) Σ_i H_ij σ'(H_ij) a_i — Euler's identity z σ'(z) =
/// deg σ · σ(z) for the activation (exact at the kink too, where both sides are 0) — so only
/// σ' is ever evaluated here, in a read-only dot product with 8 independent accumulators
/// (`[f64; 8]` chunks, so it vectorizes), followed by the in-place pass over the same column
/// while it is still in L1. Per call at m = 1797, k = 64 (ReLU, beyond a 22 µs copy of H,
/// process CPU time): frozen pass alone 38 µs; this form 57 µs; one fused loop with slice
/// chunks 77 µs; separate σ and σ' loops 70 µs; fused with σ and σ' 115 µs.
#[inline(always)]
fn backward_pass<F: Fn(f64) -> (f64, f64)>(
    m: usize,
    u: &[f64],
    a: &[f64],
    h: &mut [f64],
    gu: Option<&mut [f64]>,
    inv_deg: f64,
    sig: F,
) {
    const LANES: usize = 8;
    match gu {
        Some(gu) => {
            for ((hc, uj), g) in h.chunks_exact_mut(m).zip(u).zip(gu.iter_mut()) {
                let hch = hc.chunks_exact(LANES);
                let ach = a.chunks_exact(LANES);
                let mut tail = 0.0;
                for (hv, av) in hch.remainder().iter().zip(ach.remainder()) {
                    tail += hv * sig(*hv).1 * av;
                }
                let mut acc = [0.0_f64; LANES];
                for (hh, aa) in hch.zip(ach) {
                    let hh: &[f64; LANES] = hh.try_into().expect("chunk of LANES");
                    let aa: &[f64; LANES] = aa.try_into().expect("chunk of LANES");
                    for l in 0..LANES {
                        acc[l] += hh[l] * sig(hh[l]).1 * aa[l];
                    }
                }
                *g = (acc.iter().sum::<f64>() + tail) * inv_deg;
                for (hv, av) in hc.iter_mut().zip(a) {
                    *hv = sig(*hv).1 * av * uj;
                }
            }
        }
        None => {
            for (hc, uj) in h.chunks_exact_mut(m).zip(u) {
                for (hv, av) in hc.iter_mut().zip(a) {
                    *hv = sig(*hv).1 * av * uj;
                }
            }
        }
    }
}
