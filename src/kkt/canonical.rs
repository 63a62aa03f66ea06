//! The **canonical form** of a norm on a layout, up to a positive factor — the structural
//! test behind `coincident` ([`super::check_set`]) and [`same_norm_on`]. Two norms with the
//! same canonical form are c·N and N for some c > 0 on this layout, so they have the same
//! max-margin directions and KKT points and no certificate can tell them apart.
//!
//! It is computed from the norm resolved on the layout ([`NormSpec::resolve`]), so every
//! block structure is read in one place:
//!
//! ```text
//!   entrywise w·‖θ‖_kind                  →  kind  (ℓ1, ℓ2, ℓ∞, ℓp)
//!   ‖h ⊙ θ‖₂                              →  weighted ℓ2 with h/max h  (ℓ2 when h is constant)
//!   max_b w_b‖θ_b‖_{kind_b}               →  (kind_b, w_b / max_b w_b) per block, with
//!       spectral on a 1×n or n×1 block    →  ℓ2 of it,
//!       a single block                    →  that block's norm (its kind),
//!       all blocks ℓ∞ with equal weights  →  entrywise ℓ∞
//! ```
//!
//! (so a hybrid norm on a layout without matrix blocks is weighted ℓ∞, and `spectral` = `l2`
//! on a vector-shaped block). A norm that does not fit the layout has no canonical form.

use crate::norms::{BlockNormKind, Composition, NormSpec, ResolvedNorm};
use crate::params::{BlockShape, Layout};

/// Whether `a` and `b` are the same norm on `layout` up to a positive factor (the structural
/// test behind `coincident` in [`super::check_set`]: e.g. `spectral` = `l2` on a vector-shaped
/// block, `hybrid:1:1` = `linf` on a layout without matrix blocks). Such norms have the same
/// max-margin directions and KKT points on this layout, so no certificate can tell them
/// apart. False when either norm does not fit the layout.
pub fn same_norm_on(a: &NormSpec, b: &NormSpec, layout: &Layout) -> bool {
    match (canonical(a, layout), canonical(b, layout)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Canonical structure of a norm on a layout, up to a positive scale (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Canon {
    /// Entrywise ℓ1.
    L1,
    /// Entrywise ℓ2.
    L2,
    /// Entrywise ℓ∞.
    Linf,
    /// Entrywise ℓp.
    Lp(f64),
    /// ‖h ⊙ θ‖₂ with max h = 1 (h not constant).
    WeightedL2(Vec<f64>),
    /// max_b w_b‖θ_b‖_{kind_b} with max w_b = 1, one entry per layout block.
    Blocks(Vec<(BlockNormKind, f64)>),
}

/// The canonical form of `spec` on `layout` (None when the norm does not fit the layout).
pub(crate) fn canonical(spec: &NormSpec, layout: &Layout) -> Option<Canon> {
    canonical_of(&spec.resolve(layout).ok()?)
}

/// The canonical form of a resolved norm (None for weights that are not positive).
fn canonical_of(r: &ResolvedNorm) -> Option<Canon> {
    let kind_canon = |k: BlockNormKind| match k {
        BlockNormKind::L1 => Some(Canon::L1),
        BlockNormKind::L2 => Some(Canon::L2),
        BlockNormKind::Linf => Some(Canon::Linf),
        BlockNormKind::Lp(p) => Some(Canon::Lp(p)),
        BlockNormKind::Spectral => None,
    };
    match &r.composition {
        Composition::Weighted(h) => {
            let mx = h.iter().cloned().fold(0.0, f64::max);
            if h.is_empty() || !(mx > 0.0) {
                return None;
            }
            let hn: Vec<f64> = h.iter().map(|v| v / mx).collect();
            if hn.iter().all(|v| (v - 1.0).abs() <= 1e-12) {
                return Some(Canon::L2);
            }
            return Some(Canon::WeightedL2(hn));
        }
        Composition::Entrywise => {
            if let Some(c) = r.terms.first().and_then(|t| kind_canon(t.kind)) {
                return Some(c);
            }
        }
        Composition::MaxOverBlocks => {}
    }
    let vector_like = |s: BlockShape| {
        let (r, c) = s.as_matrix();
        r == 1 || c == 1
    };
    let mx = r.terms.iter().map(|t| t.weight).fold(0.0, f64::max);
    if !(mx > 0.0) {
        return None;
    }
    let norm: Vec<(BlockNormKind, f64)> = r
        .terms
        .iter()
        .map(|t| {
            let k = match t.kind {
                BlockNormKind::Spectral if vector_like(t.shape) => BlockNormKind::L2,
                other => other,
            };
            (k, t.weight / mx)
        })
        .collect();
    if norm.len() == 1 {
        return Some(kind_canon(norm[0].0).unwrap_or(Canon::Blocks(norm)));
    }
    if norm
        .iter()
        .all(|(k, w)| *k == BlockNormKind::Linf && (w - 1.0).abs() <= 1e-12)
    {
        return Some(Canon::Linf);
    }
    Some(Canon::Blocks(norm))
}
