//! The spectral norm [`Spectral`] (σ_max of a single block) and the block kernels behind
//! [`super::MaxSpectral`]
//! (‖(W_1, …, W_K)‖_msp = max_k σ_max(W_k), \[M\] §2.1 and App. C "msp") — the implicit norm
//! of spectral descent (= Shampoo without accumulation, \[F\] App. C.2) and of Muon with
//! exact orthogonalization (\[M\] Thm 3.5, Lemma C.27).
//!
//! A block is viewed as a matrix through [`BlockShape::as_matrix`]: a `Vector(n)` block is
//! a 1×n matrix, whose spectral norm is its Euclidean norm (this is how \[M\] §6 treats the
//! output layer u under Muon).
//!
//! **Warnings.** The spectral norm σ_max(W) = max_{‖v‖₂=1} ‖Wv‖₂ is neither the entrywise
//! ℓ∞ norm max |W_rc| ([`super::Linf`]) nor the Frobenius norm ([`super::L2`]):
//! max |W_rc| ≤ σ_max(W) ≤ ‖W‖_F ≤ √rank·σ_max(W), with strict inequalities in general
//! (W = [[1, 1], [1, 1]]: 1 < 2 = 2 ≤ 2√1; W = I₂: 1 = 1 < √2).
//!
//! Spectral norm of one block W = U Σ Vᵀ:
//! * dual: the nuclear norm ‖G‖_nuc = Σ_i σ_i(G);
//! * steepest direction: U_r V_rᵀ over the numerically non-zero singular values
//!   ([`linalg::orthogonalize`]; `UΣVᵀ ↦ UVᵀ`, \[M\] §2.2). **Tie-break:** singular values
//!   σ ≤ σ_max·max(rows, cols)·ε are dropped, so zero rows of G stay zero rows;
//! * subgradient: u_1 v_1ᵀ for the top singular pair (0 at W = 0). When σ_1 is repeated the
//!   pair returned by the SVD is used (deterministic for a given input).
//!
//! [`super::MaxSpectral`] composes these per block like [`super::MaxBlock`] (weights 1): dual
//! Σ_b ‖G_b‖_nuc, steepest U_b V_bᵀ in **every** block (each block saturates), subgradient
//! u_1 v_1ᵀ in the first block attaining the max and 0 elsewhere.
//!
//! The [`super::Norm`] methods return plain `f64`: an SVD failure (impossible in practice on
//! finite input) is reported as `NaN` in the value / dual / output, which callers detect with
//! their finiteness checks.

use super::Norm;
use crate::error::{Error, Result};
use crate::linalg;
use crate::params::Layout;

/// The spectral norm σ_max of a **single-block** layout (a vector block counts as a 1×n
/// matrix, where this equals ℓ2). For several blocks use [`super::MaxSpectral`]. See the module docs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spectral;

/// σ_max of a `rows × cols` row-major block (NaN if the SVD fails).
pub(crate) fn value(rows: usize, cols: usize, x: &[f64]) -> f64 {
    linalg::spectral_norm(rows, cols, x).unwrap_or(f64::NAN)
}

/// Nuclear norm Σσ_i of the block (NaN if the SVD fails).
pub(crate) fn dual(rows: usize, cols: usize, g: &[f64]) -> f64 {
    linalg::nuclear_norm(rows, cols, g).unwrap_or(f64::NAN)
}

/// Steepest direction U_r V_rᵀ of the block (NaN-filled if the SVD fails).
pub(crate) fn steepest(rows: usize, cols: usize, g: &[f64], out: &mut [f64]) {
    if linalg::orthogonalize(rows, cols, g, out).is_err() {
        out.fill(f64::NAN);
    }
}

/// Subgradient u_1 v_1ᵀ of σ_max at the block (0 at 0, NaN-filled if the SVD fails).
pub(crate) fn subgradient(rows: usize, cols: usize, x: &[f64], out: &mut [f64]) {
    match linalg::top_singular_pair(rows, cols, x) {
        Ok((s1, u1, v1)) => {
            if s1 == 0.0 {
                out.fill(0.0);
                return;
            }
            for (i, ui) in u1.iter().enumerate() {
                for (j, vj) in v1.iter().enumerate() {
                    out[i * cols + j] = ui * vj;
                }
            }
        }
        Err(_) => out.fill(f64::NAN),
    }
}

impl Spectral {
    /// The single block's matrix shape, or None when the layout has several blocks.
    fn shape(layout: &Layout) -> Option<(usize, usize)> {
        match layout.blocks() {
            [b] => Some(b.shape.as_matrix()),
            _ => None,
        }
    }
}

impl Norm for Spectral {
    fn name(&self) -> String {
        "spectral".into()
    }
    fn value(&self, layout: &Layout, x: &[f64]) -> f64 {
        Spectral::shape(layout).map_or(f64::NAN, |(r, c)| value(r, c, x))
    }
    fn dual(&self, layout: &Layout, g: &[f64]) -> f64 {
        Spectral::shape(layout).map_or(f64::NAN, |(r, c)| dual(r, c, g))
    }
    fn steepest(&self, layout: &Layout, g: &[f64], out: &mut [f64]) {
        match Spectral::shape(layout) {
            Some((r, c)) => steepest(r, c, g, out),
            None => out.fill(f64::NAN),
        }
    }
    fn subgradient(&self, layout: &Layout, x: &[f64], out: &mut [f64]) {
        match Spectral::shape(layout) {
            Some((r, c)) => subgradient(r, c, x, out),
            None => out.fill(f64::NAN),
        }
    }
    fn validate(&self, layout: &Layout) -> Result<()> {
        if layout.blocks().len() == 1 {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "the spectral norm is defined on a single block, but the layout has {} \
                 ({}); use `max_spectral` (or a `hybrid` / `max_block` norm) for several blocks",
                layout.blocks().len(),
                layout.describe()
            )))
        }
    }
}
