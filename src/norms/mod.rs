//! Norms on parameter vectors, one file per norm.
//!
//! Every norm acts on a flat parameter vector together with its [`Layout`]: entrywise
//! norms (ℓ1, ℓ2, ℓ∞, ℓp, weighted ℓ2) ignore the layout, block norms (spectral,
//! max-spectral, [`MaxBlock`] hybrids) read it.
//!
//! For a norm N the crate uses
//! * the dual norm N_*(g) = max_{N(d) ≤ 1} ⟨g, d⟩;
//! * the steepest direction `steepest(g)` = argmax_{N(d) ≤ 1} ⟨g, d⟩, so that
//!   ⟨g, steepest(g)⟩ = N_*(g) and N(steepest(g)) = 1 (for g ≠ 0; `steepest(0) = 0`), with a
//!   deterministic tie-break documented per norm;
//! * one subgradient s ∈ ∂N(θ): ⟨s, θ⟩ = N(θ) and N_*(s) ≤ 1 (for θ = 0 any s with N_*(s) ≤ 1;
//!   the implementations return 0).
//!
//! **Two norms that are easy to confuse.** For a matrix block, [`Linf`] is the *entrywise*
//! max |W_rc|, whereas [`Spectral`] is the *induced* ℓ2→ℓ2 operator norm σ_max(W). They
//! coincide only for rank-one sign patterns; never use one where the other is meant.
//! Likewise [`L2`] of a matrix block is the Frobenius norm, not the spectral norm.

use crate::error::{Error, Result};
use crate::params::Layout;
use std::fmt::Debug;

mod block_kind;
mod entrywise;
mod l1;
mod l2;
mod linf;
mod lp;
mod max_block;
mod resolve;
mod spec;
mod spectral;
mod weighted_l2;

pub use block_kind::BlockNormKind;
pub use l1::L1;
pub use l2::L2;
pub use linf::Linf;
pub use lp::Lp;
pub use max_block::{MaxBlock, MaxSpectral};
pub use resolve::{Composition, NormTerm, ResolvedNorm};
pub use spec::NormSpec;
pub use spectral::Spectral;
pub use weighted_l2::WeightedL2;

/// A norm on ℝ^p with block structure given by a [`Layout`].
///
/// Implementors must satisfy (checked by the property suites):
/// Hölder ⟨g, d⟩ ≤ N_*(g)·N(d); ⟨g, steepest(g)⟩ = N_*(g); N(steepest(g)) = 1 for g ≠ 0;
/// ⟨s, θ⟩ = N(θ) and N_*(s) ≤ 1 for `s = subgradient(θ)`.
///
/// Slices passed to these methods have length `layout.len()`; implementations may panic
/// on a length mismatch (that is a programming error inside the crate, never user input:
/// user input is validated with [`Layout::check`] first).
pub trait Norm: Send + Sync + Debug {
    /// Stable spec string (`"l2"`, `"linf"`, `"lp:3"`, `"max_spectral"`, …) as used by the CLI.
    fn name(&self) -> String;
    /// N(x).
    fn value(&self, layout: &Layout, x: &[f64]) -> f64;
    /// Dual norm N_*(g) = max_{N(d) ≤ 1} ⟨g, d⟩.
    fn dual(&self, layout: &Layout, g: &[f64]) -> f64;
    /// Writes argmax_{N(d) ≤ 1} ⟨g, d⟩ into `out` (0 when g = 0).
    fn steepest(&self, layout: &Layout, g: &[f64], out: &mut [f64]);
    /// Writes one subgradient s ∈ ∂N(x) into `out`.
    fn subgradient(&self, layout: &Layout, x: &[f64], out: &mut [f64]);
    /// Check that this norm is defined on `layout` (e.g. `Spectral` needs exactly one block,
    /// `WeightedL2` needs one weight per parameter, `MaxBlock` needs every block assigned).
    fn validate(&self, layout: &Layout) -> Result<()> {
        let _ = layout;
        Ok(())
    }
    /// The structural description the KKT checker uses to build its LP encoding of the
    /// relaxed subdifferential. `None` for user norms without one.
    fn spec(&self) -> Option<NormSpec> {
        NormSpec::parse(&self.name()).ok()
    }
}

/// Convenience: validate the norm on the layout, then return N(x).
pub fn checked_value(norm: &dyn Norm, layout: &Layout, x: &[f64]) -> Result<f64> {
    norm.validate(layout)?;
    layout.check(x)?;
    let v = norm.value(layout, x);
    if !v.is_finite() {
        return Err(Error::Numerical(format!(
            "{}-norm is not finite",
            norm.name()
        )));
    }
    Ok(v)
}
