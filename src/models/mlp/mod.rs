//! Bias-free multilayer perceptron f(x; θ) = uᵀσ(W_D σ(⋯ σ(W_1 x))) with D ≥ 1 hidden layers.
//!
//! Blocks `W1` (k_1×d), `W2` (k_2×k_1), …, `WD` (k_D×k_{D−1}), all row-major, and the output
//! vector `u` (k_D): one matrix block per layer (\[M\] Cor. 3.4's K blocks, here D + 1). With
//! h_0 = x, z_l = W_l h_{l−1} and h_l = σ(z_l), f = ⟨u, h_D⟩.
//!
//! **Degree.** σ is positively homogeneous of degree a = deg σ (1 for ReLU and leaky ReLU,
//! q for ReLU^q, 2 for z²). If h_{l−1} has degree g_{l−1} in θ, then z_l = W_l h_{l−1} has
//! degree g_{l−1} + 1 and h_l degree a(g_{l−1} + 1); with g_0 = 0,
//!
//! ```text
//!     g_D = a + a² + ⋯ + a^D,      L = 1 + g_D = 1 + a + a² + ⋯ + a^D
//! ```
//!
//! (the degrees multiply through the layers): L = D + 1 for ReLU, 1 + 2 + 4 = 7 for a
//! ReLU² net with two hidden layers, and L = deg σ + 1 for D = 1 (the two-layer net).
//! Euler's identity ⟨θ, ∇f⟩ = L f holds layer by layer and is checked by the model
//! conformance battery (`testing::model`).
//!
//! **Gradients** (backpropagation). δ_D = u ⊙ σ'(z_D), δ_{l−1} = (W_lᵀ δ_l) ⊙ σ'(z_{l−1});
//! ∇_{W_l} f = δ_l h_{l−1}ᵀ, ∇_u f = h_D, with the fixed kink subgradient of
//! [`Activation::derivative`] (σ'(0) = 0 for ReLU, a for leaky ReLU).
//!
//! **Batched path.** With X ∈ ℝ^{m×d} column-major and each row-major k_l×k_{l−1} block W_l
//! read as the column-major matrix W_lᵀ (no copy):
//!
//! ```text
//! margins:            Z_l = H_{l−1} W_lᵀ (GEMM, m×k_l),  H_l = σ(Z_l),  q = y ⊙ (H_D u)
//! weighted_gradient:  a = w ⊙ y;  Δ_D = σ'(Z_D) ⊙ (a uᵀ);  ∇u = H_Dᵀ a;
//!                     ∇W_l (column-major k_{l−1}×k_l = row-major k_l×k_{l−1}) = H_{l−1}ᵀ Δ_l,
//!                     Δ_{l−1} = (Δ_l W_l) ⊙ σ'(Z_{l−1})                       (GEMMs)
//! ```
//!
//! The workspace holds Z_l, H_l and Δ_l for every layer (3·m·Σ k_l numbers) and the m-vector
//! a; `margins` caches Z and H for the following `weighted_gradient`, which does not modify
//! them. The GEMMs go through faer like the two-layer net's.
//!
//! **Kinks (ReLU, leaky ReLU).** Unit j of layer l is *near its kink* at x when
//! |z_{l,j}| ≤ tol·‖w_{l,j}‖₂‖h_{l−1}‖₂ (always when the row w_{l,j} is 0); only there may the
//! slope s_{l,j} = σ'(z_{l,j}) take any value in [σ'(0⁻), σ'(0⁺)]. [`Model::clarke_gradient`]
//! returns a set {base + Σ_k α_k d_k : α_k ∈ [0, 1]} that contains every gradient reachable by
//! those slope choices, hence the Clarke subdifferential (by the chain rule's inclusion):
//!
//! * near-kinks in **one layer** l* only (always the case for D = 1): the gradient is
//!   *affine* in the slopes of that layer (δ_{l*} is linear in them, every lower δ linear in
//!   δ_{l*}, the values h continuous), so base = the gradient at the left slopes and one
//!   direction per near-kink unit — d_j = the change of ∇f when s_{l*,j} alone moves to
//!   σ'(0⁺) — give the set *exactly*, as for the two-layer net;
//! * near-kinks in **two or more layers**: the gradient is multilinear in the slopes (products
//!   across layers), which no such affine set represents exactly. The returned set is an
//!   interval hull instead: δ_l is propagated as an interval vector [δ_l^lo, δ_l^hi] (interval
//!   arithmetic over the slope boxes), and since row r of ∇_{W_l} f is δ_{l,r}·h_{l−1}ᵀ with
//!   h_{l−1} fixed, base row = δ_{l,r}^lo h_{l−1}ᵀ and one direction (δ_{l,r}^hi − δ_{l,r}^lo)·h_{l−1}ᵀ
//!   per row with a non-trivial interval. This contains the exact set (so the checker's lower
//!   bound stays certified) but is larger, so a `kkt` verdict is easier to reach there:
//!   [`Mlp::kink_layers`] reports, per sample, how many layers have near-kinks, and the
//!   checker's near-kink count covers every layer.
//!
//! The theorem suite's deep cases use smooth activations (ReLU², where there are no kinks).
//!
//! **C outputs** (multiclass data, [`Mlp::try_new_multiclass`]): the output block `u` is the
//! row-major C×k_D matrix U and f(x) = U h_D ∈ ℝ^C. A margin row q = Σ_c s_c f_c = ⟨Uᵀs, h_D⟩
//! is the scalar MLP with output vector u_s = Uᵀs, so every per-sample formula above holds
//! with u → u_s, except ∇_U q = s h_Dᵀ. Batched: F = H_D Uᵀ (m×C GEMM), the pair margins
//! from F, and from the output weights G (m×C, `models::outputs`) ∇U = (H_Dᵀ G)ᵀ,
//! Δ_D = σ'(Z_D) ⊙ (G U) (two more GEMMs). The two-layer family on multiclass data is this
//! net with D = 1 and the block names `W`, `u` ([`Mlp::two_layer_multiclass`]).

mod batched;
mod clarke;

use super::{Activation, KinkDirection, Model, Workspace};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::params::{dot, norm2, BlockShape, Layout};

/// f(x) = uᵀσ(W_D σ(⋯ σ(W_1 x))) without biases; hidden widths k_1 … k_D; with C outputs
/// f(x) = U σ(⋯).
#[derive(Debug, Clone)]
pub struct Mlp {
    act: Activation,
    widths: Vec<usize>,
    d: usize,
    layout: Layout,
    outputs: usize,
    /// Named like the two-layer family (`two_layer:…`, blocks `W`, `u`).
    two_layer_names: bool,
}

impl Mlp {
    /// MLP on ℝ^d with hidden widths `widths` (D = its length ≥ 1); layout
    /// `[W1: k_1×d, W2: k_2×k_1, …, u: k_D]`. Errors ([`Error::Spec`]) when there is no hidden
    /// layer, a width or d is 0, or the activation's parameter is invalid.
    pub fn try_new(act: Activation, widths: &[usize], d: usize) -> Result<Self> {
        Self::build(act, widths, d, 1, false)
    }

    /// MLP with C = `outputs` ≥ 2 outputs (multiclass data): as [`Mlp::try_new`] with the
    /// output block `u` a C×k_D matrix.
    pub fn try_new_multiclass(
        act: Activation,
        widths: &[usize],
        d: usize,
        outputs: usize,
    ) -> Result<Self> {
        Self::build(act, widths, d, outputs, false)
    }

    /// The two-layer net uᵀσ(Wx) with C = `outputs` outputs: blocks `W` (k×d) and `u` (C×k),
    /// spec `two_layer:<act>:k=<k>`, L = deg σ + 1.
    pub fn two_layer_multiclass(
        act: Activation,
        k: usize,
        d: usize,
        outputs: usize,
    ) -> Result<Self> {
        Self::build(act, &[k], d, outputs, true)
    }

    fn build(
        act: Activation,
        widths: &[usize],
        d: usize,
        outputs: usize,
        two_layer_names: bool,
    ) -> Result<Self> {
        act.validate()?;
        let spec = Self::spec_string(act, widths, two_layer_names);
        if outputs == 0 {
            return Err(Error::spec(spec, "the number of outputs must be ≥ 1"));
        }
        if widths.is_empty() {
            return Err(Error::spec(spec, "an MLP needs at least one hidden width"));
        }
        if widths.contains(&0) {
            return Err(Error::spec(spec, "every hidden width must be ≥ 1"));
        }
        if d == 0 {
            return Err(Error::spec(spec, "input dimension d must be ≥ 1"));
        }
        // Memory estimate before anything is built: Σ k_l k_{l−1} + k_D parameters plus
        // ~256 bytes of layout bookkeeping per block.
        let mut params: u128 = 0;
        let mut fan = d as u128;
        for &k in widths {
            params = params.saturating_add((k as u128).saturating_mul(fan));
            fan = k as u128;
        }
        params = params.saturating_add(fan.saturating_mul(outputs as u128));
        crate::resources::reserve(
            &format!(
                "the layout of `{spec}` ({} blocks, {params} parameters)",
                widths.len() + 1
            ),
            crate::resources::f64_bytes(params)
                .saturating_add(((widths.len() + 1) as u128).saturating_mul(256)),
        )?;
        let mut blocks = Vec::with_capacity(widths.len() + 1);
        let mut cols = d;
        for (l, &k) in widths.iter().enumerate() {
            let name = if two_layer_names {
                "W".to_string()
            } else {
                format!("W{}", l + 1)
            };
            blocks.push((name, BlockShape::Matrix { rows: k, cols }));
            cols = k;
        }
        let out = if outputs == 1 {
            BlockShape::Vector(cols)
        } else {
            BlockShape::Matrix {
                rows: outputs,
                cols,
            }
        };
        blocks.push(("u".to_string(), out));
        Ok(Mlp {
            act,
            widths: widths.to_vec(),
            d,
            layout: Layout::new(blocks)?,
            outputs,
            two_layer_names: two_layer_names && widths.len() == 1,
        })
    }

    fn spec_string(act: Activation, widths: &[usize], two_layer: bool) -> String {
        let ks: Vec<String> = widths.iter().map(|k| k.to_string()).collect();
        if two_layer && widths.len() == 1 {
            format!("two_layer:{act}:k={}", widths[0])
        } else {
            format!("mlp:{act}:k={}", ks.join(","))
        }
    }

    /// The effective output vector u_s = Uᵀs of the margin row Σ_c s_c f_c (module docs);
    /// u itself (borrowed) for a scalar net and s = (1).
    fn out_combo<'a>(&self, theta: &'a [f64], s: &[f64]) -> std::borrow::Cow<'a, [f64]> {
        let u = self.out_vec(theta);
        if self.outputs == 1 && s[0] == 1.0 {
            return std::borrow::Cow::Borrowed(u);
        }
        let mut out = vec![0.0; self.widths[self.depth() - 1]];
        super::linear::mat_t_vec(u, s, &mut out);
        std::borrow::Cow::Owned(out)
    }

    /// e_0, the combination of [`Model::forward`] / [`Model::gradient`] (the first output).
    fn first_output(&self) -> Vec<f64> {
        let mut s = vec![0.0; self.outputs];
        s[0] = 1.0;
        s
    }

    /// The homogeneity degree 1 + a + a² + ⋯ + a^D of an MLP with D hidden layers and an
    /// activation of degree a (module docs).
    pub fn degree_of(act: Activation, depth: usize) -> f64 {
        let a = act.degree();
        let mut g = 0.0;
        for _ in 0..depth {
            g = a * (g + 1.0);
        }
        1.0 + g
    }

    /// The activation σ.
    pub fn activation(&self) -> Activation {
        self.act
    }
    /// Hidden widths k_1 … k_D.
    pub fn widths(&self) -> &[usize] {
        &self.widths
    }
    /// Number of hidden layers D.
    pub fn depth(&self) -> usize {
        self.widths.len()
    }

    /// W_l (l = 1 … D) as a row-major slice.
    fn layer<'a>(&self, theta: &'a [f64], l: usize) -> &'a [f64] {
        &theta[self.layout.blocks()[l - 1].range()]
    }
    /// The output vector u.
    fn out_vec<'a>(&self, theta: &'a [f64]) -> &'a [f64] {
        &theta[self.layout.blocks()[self.depth()].range()]
    }
    /// Input width of layer l (d for l = 1, k_{l−1} otherwise).
    fn fan_in(&self, l: usize) -> usize {
        if l == 1 {
            self.d
        } else {
            self.widths[l - 2]
        }
    }

    /// Per-sample forward pass: (z_1 … z_D, h_0 = x, h_1 … h_D).
    fn forward_all(&self, theta: &[f64], x: &[f64]) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let mut zs = Vec::with_capacity(self.depth());
        let mut hs = vec![x.to_vec()];
        for l in 1..=self.depth() {
            let w = self.layer(theta, l);
            let z: Vec<f64> = w
                .chunks_exact(self.fan_in(l))
                .map(|row| dot(row, &hs[l - 1]))
                .collect();
            hs.push(z.iter().map(|&v| self.act.value(v)).collect());
            zs.push(z);
        }
        (zs, hs)
    }

    /// Backpropagate from δ_top at layer `top` down to layer 1 with the given slopes
    /// (slopes[l−1][j] = σ'(z_{l,j}) for the layers below `top`), writing ∇W_l = δ_l h_{l−1}ᵀ
    /// for l ≤ top into `out` (other entries untouched).
    fn backprop(
        &self,
        theta: &[f64],
        hs: &[Vec<f64>],
        slopes: &[Vec<f64>],
        top: usize,
        delta_top: Vec<f64>,
        out: &mut [f64],
    ) {
        let mut delta = delta_top;
        for l in (1..=top).rev() {
            let g = &mut out[self.layout.blocks()[l - 1].range()];
            let cols = self.fan_in(l);
            for (row, dv) in g.chunks_exact_mut(cols).zip(&delta) {
                for (gc, hc) in row.iter_mut().zip(&hs[l - 1]) {
                    *gc = dv * hc;
                }
            }
            if l > 1 {
                let mut next = mat_t_vec(self.layer(theta, l), &delta, cols);
                for (n, s) in next.iter_mut().zip(&slopes[l - 2]) {
                    *n *= s;
                }
                delta = next;
            }
        }
    }

    /// δ_l = ∂q/∂z_l at the given slopes for the output vector `u` (u_s of the margin row):
    /// δ_D = u ⊙ s_D, δ_{l−1} = (W_lᵀ δ_l) ⊙ s_{l−1}.
    fn delta_at(&self, theta: &[f64], u: &[f64], slopes: &[Vec<f64>], l: usize) -> Vec<f64> {
        let dd = self.depth();
        let mut delta: Vec<f64> = u.iter().zip(&slopes[dd - 1]).map(|(a, b)| a * b).collect();
        for k in ((l + 1)..=dd).rev() {
            let mut next = mat_t_vec(self.layer(theta, k), &delta, self.fan_in(k));
            for (n, s) in next.iter_mut().zip(&slopes[k - 2]) {
                *n *= s;
            }
            delta = next;
        }
        delta
    }

    /// The gradient of the margin row Σ_c s_c f_c (`s`, module docs) for explicit slopes
    /// s_l = σ'(z_l) (one vector per layer).
    fn gradient_with_slopes(
        &self,
        theta: &[f64],
        hs: &[Vec<f64>],
        slopes: &[Vec<f64>],
        s: &[f64],
        out: &mut [f64],
    ) {
        let dd = self.depth();
        let u = self.out_combo(theta, s);
        let gu = &mut out[self.layout.blocks()[dd].range()];
        if self.outputs == 1 && s[0] == 1.0 {
            gu.copy_from_slice(&hs[dd]);
        } else {
            for (row, sc) in gu.chunks_exact_mut(hs[dd].len()).zip(s) {
                for (g, h) in row.iter_mut().zip(&hs[dd]) {
                    *g = sc * h;
                }
            }
        }
        let delta: Vec<f64> = u.iter().zip(&slopes[dd - 1]).map(|(a, b)| a * b).collect();
        self.backprop(theta, hs, slopes, dd, delta, out);
    }

    /// Near-kink units per layer at x (module docs): `near[l−1]` lists the units j of layer
    /// l with |z_{l,j}| ≤ rel_tol·‖w_{l,j}‖₂‖h_{l−1}‖₂; empty for smooth activations.
    fn near_kinks(
        &self,
        theta: &[f64],
        zs: &[Vec<f64>],
        hs: &[Vec<f64>],
        rel_tol: f64,
    ) -> Vec<Vec<usize>> {
        (1..=self.depth())
            .map(|l| {
                if self.act.is_smooth() {
                    return Vec::new();
                }
                let hn = norm2(&hs[l - 1]);
                self.layer(theta, l)
                    .chunks_exact(self.fan_in(l))
                    .zip(&zs[l - 1])
                    .enumerate()
                    .filter(|(_, (row, z))| z.abs() <= rel_tol * norm2(row) * hn)
                    .map(|(j, _)| j)
                    .collect()
            })
            .collect()
    }

    /// How many hidden layers have a near-kink unit at x (tolerance as in
    /// [`Model::clarke_gradient`]): 0 or 1 means the Clarke relaxation is exact, ≥ 2 that it
    /// is the interval hull (module docs).
    pub fn kink_layers(&self, theta: &[f64], x: &[f64], rel_tol: f64) -> usize {
        let (zs, hs) = self.forward_all(theta, x);
        self.near_kinks(theta, &zs, &hs, rel_tol)
            .iter()
            .filter(|v| !v.is_empty())
            .count()
    }
}

/// Mᵀ v for a row-major matrix M with `v.len()` rows and `cols` columns (a new vector).
fn mat_t_vec(mat: &[f64], v: &[f64], cols: usize) -> Vec<f64> {
    let mut out = vec![0.0; cols];
    super::linear::mat_t_vec(mat, v, &mut out);
    out
}

impl Model for Mlp {
    fn name(&self) -> String {
        Self::spec_string(self.act, &self.widths, self.two_layer_names)
    }
    fn outputs(&self) -> usize {
        self.outputs
    }
    fn layout(&self) -> &Layout {
        &self.layout
    }
    fn input_dim(&self) -> usize {
        self.d
    }
    /// 1 + a + ⋯ + a^D with a = deg σ ([`Mlp::degree_of`]).
    fn degree(&self) -> f64 {
        Self::degree_of(self.act, self.depth())
    }
    /// f (the first output f_0 when C > 1).
    fn forward(&self, theta: &[f64], x: &[f64]) -> f64 {
        self.combo_forward(theta, x, &self.first_output())
    }
    /// ∇f (of the first output when C > 1).
    fn gradient(&self, theta: &[f64], x: &[f64], out: &mut [f64]) {
        self.combo_gradient(theta, x, &self.first_output(), out)
    }
    fn combo_forward(&self, theta: &[f64], x: &[f64], s: &[f64]) -> f64 {
        let (_, hs) = self.forward_all(theta, x);
        dot(&self.out_combo(theta, s), &hs[self.depth()])
    }
    fn combo_gradient(&self, theta: &[f64], x: &[f64], s: &[f64], out: &mut [f64]) {
        let (zs, hs) = self.forward_all(theta, x);
        let slopes: Vec<Vec<f64>> = zs
            .iter()
            .map(|z| z.iter().map(|&v| self.act.derivative(v)).collect())
            .collect();
        self.gradient_with_slopes(theta, &hs, &slopes, s, out);
    }
    fn combo_clarke_gradient(
        &self,
        theta: &[f64],
        x: &[f64],
        s: &[f64],
        rel_tol: f64,
        base: &mut [f64],
    ) -> Vec<KinkDirection> {
        self.clarke(theta, x, s, rel_tol, base)
    }
    /// For ReLU / leaky ReLU: the units of every hidden layer in order (layer 1 first), `true`
    /// when the pre-activation is > 0; `None` for smooth activations.
    fn activation_pattern(&self, theta: &[f64], x: &[f64]) -> Option<Vec<bool>> {
        if self.act.is_smooth() {
            return None;
        }
        let (zs, _) = self.forward_all(theta, x);
        Some(zs.iter().flatten().map(|&z| z > 0.0).collect())
    }
    /// The Clarke relaxation of the module docs: exact (affine in one layer's slopes) when the
    /// near-kinks of x lie in one hidden layer, the interval hull otherwise.
    fn clarke_gradient(
        &self,
        theta: &[f64],
        x: &[f64],
        rel_tol: f64,
        base: &mut [f64],
    ) -> Vec<KinkDirection> {
        self.clarke(theta, x, &self.first_output(), rel_tol, base)
    }
    fn workspace(&self, m: usize) -> Workspace {
        let mut ws = Workspace::default();
        self.ensure_ws(&mut ws, m);
        ws
    }
    fn margins(&self, theta: &[f64], data: &Dataset, ws: &mut Workspace, q: &mut [f64]) {
        self.batched_margins(theta, data, ws, q);
    }
    fn weighted_gradient(
        &self,
        theta: &[f64],
        data: &Dataset,
        w: &[f64],
        ws: &mut Workspace,
        out: &mut [f64],
    ) {
        self.batched_weighted_gradient(theta, data, w, ws, out);
    }
}
