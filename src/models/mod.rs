//! Homogeneous models f(x; θ) with f(x; cθ) = c^L f(x; θ) for c > 0 (one file each).
//!
//! | model | spec | L |
//! |---|---|---|
//! | [`Linear`] f = ⟨θ, x⟩ | `linear` | 1 |
//! | [`TwoLayer`] f = uᵀσ(Wx), σ ∈ {ReLU, ReLU^q, z², leaky ReLU} | `two_layer:<act>:k=<k>` | 2, q+1, 3, 2 |
//! | [`TwoLayer`] with u frozen (only W trained, \[F\] §4.3) | `two_layer_frozen:<act>:k=<k>` | deg σ |
//! | [`DeepLinear`] f = w_Dᵀ W_{D−1} ⋯ W_1 x | `deep_linear:<D>` | D |
//! | [`DiagonalLinear`] f = ⟨u⊙u − v⊙v, x⟩ | `diagonal_linear` | 2 |
//! | [`Mlp`] f = uᵀσ(W_D σ(⋯ σ(W_1 x))) | `mlp:<act>:k=<k1>,…,<kD>` | 1 + a + ⋯ + a^D, a = deg σ |
//!
//! **Multiclass.** On data with C ≥ 2 classes ([`crate::data::Dataset`]) the specs `linear`,
//! `two_layer:<act>:k=<k>` and `mlp:<act>:k=…` build C-output models ([`ModelSpec::build_for`]):
//! [`LinearMulticlass`] f = W x (block `W`: C×d), and [`Mlp`] with its output block `u` a
//! C×k_D matrix (the two-layer net keeps the block names `W`, `u`). The degree is the scalar
//! model's. A margin row is q_{i,c} = f_{y_i}(x_i) − f_c(x_i) ([`Model::combo_forward`]); the
//! other families (`diagonal_linear`, `deep_linear`, `two_layer_frozen`) are binary only.
//!
//! The training loop only needs the *batched* path ([`Model::margins`] and
//! [`Model::weighted_gradient`]), which the two-layer net computes with matrix–matrix
//! products (faer GEMM), as does the MLP; the per-sample path ([`Model::forward`], [`Model::gradient`]) is
//! the reference the property suites compare against.
//!
//! **Kinks.** ReLU and leaky ReLU are not differentiable at 0. The crate uses the fixed
//! subgradient σ'(0) = 0 for ReLU and σ'(0) = a (the left slope) for leaky ReLU everywhere
//! (model gradients, training); the KKT checker instead relaxes to the full Clarke set.

use crate::data::Dataset;
use crate::error::Result;
use crate::params::Layout;
use std::fmt::Debug;

mod activation;
mod deep_linear;
mod diagonal_linear;
pub mod init;
mod linear;
mod linear_multiclass;
mod mlp;
mod outputs;
mod spec;
mod two_layer;

pub use activation::Activation;
pub use deep_linear::DeepLinear;
pub use diagonal_linear::DiagonalLinear;
pub use init::Init;
pub use linear::Linear;
pub use linear_multiclass::LinearMulticlass;
pub use mlp::Mlp;
pub use spec::ModelSpec;
pub use two_layer::TwoLayer;

/// v ← s·v (a no-op for s = 1).
fn scale_in_place(v: &mut [f64], s: f64) {
    if s != 1.0 {
        for x in v.iter_mut() {
            *x *= s;
        }
    }
}

/// Reusable buffers for the batched path, so that a training step allocates nothing.
/// Created by [`Model::workspace`] for a given number of samples; contents are
/// model-specific and opaque to callers.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// Matrix buffers (model-specific meaning).
    pub mats: Vec<nalgebra::DMatrix<f64>>,
    /// Vector buffers (model-specific meaning).
    pub vecs: Vec<Vec<f64>>,
}

/// One extra direction of the Clarke relaxation at a near-kink (see
/// [`Model::clarke_gradient`]): a sparse vector over θ's coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct KinkDirection {
    /// The hidden unit whose pre-activation is near 0.
    pub unit: usize,
    /// (coordinate index, value) pairs of the direction.
    pub entries: Vec<(usize, f64)>,
}

/// A positively homogeneous model of degree L in its parameters.
pub trait Model: Send + Sync + Debug {
    /// Stable spec string (`"linear"`, `"two_layer:relu:k=16"`, …).
    fn name(&self) -> String;
    /// Parameter layout (named blocks).
    fn layout(&self) -> &Layout;
    /// Input dimension d.
    fn input_dim(&self) -> usize;
    /// Homogeneity degree L: f(x; cθ) = c^L f(x; θ) for c > 0.
    fn degree(&self) -> f64;
    /// f(x; θ) for one input `x` (length d).
    fn forward(&self, theta: &[f64], x: &[f64]) -> f64;
    /// ∇_θ f(x; θ) for one input, written to `out` (length p). At kinks the documented
    /// fixed subgradient is used.
    fn gradient(&self, theta: &[f64], x: &[f64], out: &mut [f64]);
    /// Buffers for the batched path on `m` samples.
    fn workspace(&self, m: usize) -> Workspace {
        let _ = m;
        Workspace::default()
    }
    /// All margins q_r, written to `q` (length [`Dataset::margin_rows`]: q_i = y_i f(x_i; θ)
    /// for binary data, the m(C−1) pair margins f_{y_i}(x_i) − f_c(x_i) for multiclass data).
    /// May cache intermediate results in `ws` for a following [`Model::weighted_gradient`]
    /// call with the same θ.
    fn margins(&self, theta: &[f64], data: &Dataset, ws: &mut Workspace, q: &mut [f64]);
    /// Σ_r w_r ∇_θ q_r(θ) (Σ_i w_i y_i ∇_θ f(x_i; θ) for binary data), written to `out`
    /// (length p); `w` has one weight per margin row. Must be called right after
    /// [`Model::margins`] with the same θ, data and workspace.
    fn weighted_gradient(
        &self,
        theta: &[f64],
        data: &Dataset,
        w: &[f64],
        ws: &mut Workspace,
        out: &mut [f64],
    );
    /// Fixed (non-trained) output weights of a frozen two-layer net (\[F\] §4.3); `None` for
    /// every model whose parameters are all in θ.
    fn frozen_output(&self) -> Option<&[f64]> {
        None
    }
    /// Clarke relaxation at kinks, used by the KKT checker.
    ///
    /// Writes a *base* gradient to `base` and returns extra directions d_k such that the
    /// Clarke subdifferential of f(x; ·) at θ (relaxed at near-kinks) is contained in
    /// { base + Σ_k α_k d_k : α_k ∈ [0, 1] }. A unit j is *near a kink* when its
    /// pre-activation satisfies |z_j| ≤ `rel_tol`·‖w_j‖₂‖x‖₂; for such units `base` uses the
    /// left slope σ'(0⁻) and d_j is the change of ∇f when the slope moves to σ'(0⁺).
    /// Smooth models return no directions and `base` = ∇f (the default).
    fn clarke_gradient(
        &self,
        theta: &[f64],
        x: &[f64],
        rel_tol: f64,
        base: &mut [f64],
    ) -> Vec<KinkDirection> {
        let _ = rel_tol;
        self.gradient(theta, x, base);
        Vec::new()
    }
    /// The activation pattern of input `x` at θ: for a net with non-smooth activations, one
    /// entry per hidden unit, `true` when its pre-activation is > 0 (the side of the kink the
    /// unit is on). `None` for models without kinks (the default). Used to check \[M\] §4's
    /// (T3) on a run: the pattern of the support samples must stop changing.
    fn activation_pattern(&self, theta: &[f64], x: &[f64]) -> Option<Vec<bool>> {
        let _ = (theta, x);
        None
    }
    /// Number of outputs C: 1 for a scalar model (binary data), C for a multiclass model
    /// f(x; θ) ∈ ℝ^C (data with C classes).
    fn outputs(&self) -> usize {
        1
    }
    /// The margin-row value Σ_c s_c f_c(x; θ) for a combination `s` of the outputs (length
    /// [`Model::outputs`]; [`Dataset::row_combo`] gives (y_i) or e_{y_i} − e_c). The default
    /// is s_0·f(x; θ) for a scalar model.
    fn combo_forward(&self, theta: &[f64], x: &[f64], s: &[f64]) -> f64 {
        s[0] * self.forward(theta, x)
    }
    /// ∇_θ Σ_c s_c f_c(x; θ) written to `out` (default: s_0·∇f for a scalar model, exact for
    /// s_0 = ±1).
    fn combo_gradient(&self, theta: &[f64], x: &[f64], s: &[f64], out: &mut [f64]) {
        self.gradient(theta, x, out);
        scale_in_place(out, s[0]);
    }
    /// The Clarke relaxation ([`Model::clarke_gradient`]) of Σ_c s_c f_c(x; ·): `base` and
    /// directions with α_k ∈ [0, 1]. Default: for a scalar model s_0 times its relaxation
    /// (for s_0 = −1 that flips base and every direction — the same set, negated); for a
    /// C-output model [`Model::combo_gradient`] with no directions (a smooth model; C-output
    /// models with kinks must override this).
    fn combo_clarke_gradient(
        &self,
        theta: &[f64],
        x: &[f64],
        s: &[f64],
        rel_tol: f64,
        base: &mut [f64],
    ) -> Vec<KinkDirection> {
        if self.outputs() != 1 {
            self.combo_gradient(theta, x, s, base);
            return Vec::new();
        }
        let mut dirs = self.clarke_gradient(theta, x, rel_tol, base);
        scale_in_place(base, s[0]);
        if s[0] != 1.0 {
            for d in &mut dirs {
                for e in &mut d.entries {
                    e.1 *= s[0];
                }
            }
        }
        dirs
    }
    /// Check that the model accepts this dataset (input dimension, and one output per class:
    /// a scalar model needs binary data, a C-output model data with C classes).
    fn validate_data(&self, data: &Dataset) -> Result<()> {
        if data.d() != self.input_dim() {
            return Err(crate::error::Error::Data(format!(
                "model `{}` expects {} features, data have {}",
                self.name(),
                self.input_dim(),
                data.d()
            )));
        }
        if data.outputs() != self.outputs() {
            let has = if data.is_multiclass() {
                format!("{} classes", data.classes)
            } else {
                "binary (±1) labels".to_string()
            };
            return Err(crate::error::Error::Data(format!(
                "model `{}` has {} output(s), the data have {has}",
                self.name(),
                self.outputs()
            )));
        }
        Ok(())
    }
}
