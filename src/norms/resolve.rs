//! [`ResolvedNorm`]: a [`NormSpec`] resolved on a [`Layout`] into per-block terms — the one
//! place where a norm's block structure is worked out. The KKT checker's subdifferential
//! encoding and its canonical form (coincidence), [`crate::optim::Partition`]'s per-block
//! implicit norms, the hybrid constructor [`super::MaxBlock::hybrid`] and the choice of the
//! relaxation τ all read this instead of matching on the spec themselves.
//!
//! Every built-in norm is one of three compositions:
//!
//! | composition | N(θ) | specs |
//! |---|---|---|
//! | [`Composition::Entrywise`] | w·‖θ‖_kind over all p coordinates (one term, named `all`) | `l1`, `l2`, `linf`, `lp:<p>` |
//! | [`Composition::MaxOverBlocks`] | max_b w_b·‖θ_b‖_{kind_b}, one term per layout block, in layout order | `spectral` (one block), `max_spectral`, `hybrid:…`, `max_block:…` |
//! | [`Composition::Weighted`] | ‖h ⊙ θ‖₂ (no terms) | `weighted_l2` |
//!
//! **Smoothness** ([`ResolvedNorm::smooth`]) decides the checker's τ: a norm is smooth when
//! its subdifferential at every θ ≠ 0 is a single point — ℓ2, ℓp and weighted ℓ2, and a max
//! over a *single* ℓ2/ℓp term. The spectral kind counts as non-smooth even on a 1×n block
//! (where it equals ℓ2; the checker reports such pairs `coincident`), so that τ is a property
//! of the norm family and does not change with the layout.

use super::{BlockNormKind, NormSpec};
use crate::error::{Error, Result};
use crate::params::{BlockShape, Layout};
use std::ops::Range;

/// One term w·‖θ_range‖_kind of a resolved norm.
#[derive(Debug, Clone, PartialEq)]
pub struct NormTerm {
    /// Layout block name, or `"all"` for the single term of an entrywise norm.
    pub name: String,
    /// Index of the block in `layout.blocks()` (`None` for the whole vector).
    pub block: Option<usize>,
    /// Coordinates of θ the term measures.
    pub range: Range<usize>,
    /// Shape of those coordinates (`Vector(p)` for the whole vector).
    pub shape: BlockShape,
    /// The block norm.
    pub kind: BlockNormKind,
    /// Weight w > 0.
    pub weight: f64,
}

impl NormTerm {
    /// The term w·‖θ_b‖_kind of block `i` of `layout`.
    fn block(layout: &Layout, i: usize, kind: BlockNormKind, weight: f64) -> NormTerm {
        let b = &layout.blocks()[i];
        NormTerm {
            name: b.name.clone(),
            block: Some(i),
            range: b.range(),
            shape: b.shape,
            kind,
            weight,
        }
    }
}

/// How the terms of a [`ResolvedNorm`] combine (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub enum Composition {
    /// One term over all coordinates.
    Entrywise,
    /// The maximum of the weighted block terms.
    MaxOverBlocks,
    /// ‖h ⊙ θ‖₂ with these weights (one per parameter, all finite and > 0).
    Weighted(Vec<f64>),
}

/// A norm resolved on a layout: its terms, how they combine, and whether it is smooth.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedNorm {
    /// The terms (empty for [`Composition::Weighted`]).
    pub terms: Vec<NormTerm>,
    /// How they combine.
    pub composition: Composition,
    /// Whether the subdifferential at every θ ≠ 0 is a single point (see the module docs).
    pub smooth: bool,
}

impl ResolvedNorm {
    /// The norm as a max over the layout's blocks, when it is one: the terms of a
    /// [`Composition::MaxOverBlocks`] norm; an entrywise ℓ∞ split into one ℓ∞ term per block
    /// (max_j |θ_j| = max_b ‖θ_b‖_∞); an entrywise norm of a single-block layout as that
    /// block's term. `None` otherwise (ℓ1/ℓ2/ℓp over several blocks, weighted ℓ2): such
    /// norms are not max-decomposable (\[M\] App. C.6).
    pub fn max_over_blocks(&self, layout: &Layout) -> Option<Vec<NormTerm>> {
        let block_term =
            |i: usize, kind: BlockNormKind, weight: f64| NormTerm::block(layout, i, kind, weight);
        match &self.composition {
            Composition::MaxOverBlocks => Some(self.terms.clone()),
            Composition::Weighted(_) => None,
            Composition::Entrywise => {
                let t = self.terms.first()?;
                match (t.kind, layout.blocks().len()) {
                    (BlockNormKind::Linf, n) => {
                        Some((0..n).map(|i| block_term(i, t.kind, t.weight)).collect())
                    }
                    (kind, 1) => Some(vec![block_term(0, kind, t.weight)]),
                    _ => None,
                }
            }
        }
    }
}

impl NormSpec {
    /// Resolve this norm on `layout` (see the module docs).
    ///
    /// Errors ([`Error::Config`]): `spectral` on a layout with several blocks; a `max_block`
    /// norm that leaves a block unassigned, names a block twice or names one the layout does
    /// not have; weights that are not finite and > 0; weighted ℓ2 with a weight count other
    /// than p.
    pub fn resolve(&self, layout: &Layout) -> Result<ResolvedNorm> {
        let p = layout.len();
        let blocks = layout.blocks();
        let positive = |what: &str, w: f64| -> Result<()> {
            if w > 0.0 && w.is_finite() {
                Ok(())
            } else {
                Err(Error::Config(format!(
                    "norm `{self}`: weight of {what} is {w}; weights must be finite and > 0"
                )))
            }
        };
        let entrywise = |kind: BlockNormKind| ResolvedNorm {
            terms: vec![NormTerm {
                name: "all".into(),
                block: None,
                range: 0..p,
                shape: BlockShape::Vector(p),
                kind,
                weight: 1.0,
            }],
            composition: Composition::Entrywise,
            smooth: kind.is_smooth(),
        };
        let per_block = |assign: &dyn Fn(usize) -> Result<(BlockNormKind, f64)>| {
            let terms = (0..blocks.len())
                .map(|i| {
                    let (kind, weight) = assign(i)?;
                    Ok(NormTerm::block(layout, i, kind, weight))
                })
                .collect::<Result<Vec<_>>>()?;
            let smooth = matches!(terms.as_slice(), [t] if t.kind.is_smooth());
            Ok(ResolvedNorm {
                terms,
                composition: Composition::MaxOverBlocks,
                smooth,
            })
        };
        match self {
            NormSpec::L1 => Ok(entrywise(BlockNormKind::L1)),
            NormSpec::L2 => Ok(entrywise(BlockNormKind::L2)),
            NormSpec::Linf => Ok(entrywise(BlockNormKind::Linf)),
            NormSpec::Lp(q) => {
                super::lp::check_p(*q)?;
                Ok(entrywise(BlockNormKind::Lp(*q)))
            }
            NormSpec::Spectral => {
                if blocks.len() != 1 {
                    return Err(Error::Config(format!(
                        "the spectral norm is defined on a single block, but the layout has {} \
                         ({}); use `max_spectral` (or a `hybrid` / `max_block` norm) for \
                         several blocks",
                        blocks.len(),
                        layout.describe()
                    )));
                }
                per_block(&|_| Ok((BlockNormKind::Spectral, 1.0)))
            }
            NormSpec::MaxSpectral => per_block(&|_| Ok((BlockNormKind::Spectral, 1.0))),
            NormSpec::Hybrid { w_matrix, w_vector } => {
                positive("the matrix blocks (w_M)", *w_matrix)?;
                positive("the vector blocks (w_v)", *w_vector)?;
                per_block(&|i| {
                    Ok(if blocks[i].shape.is_matrix() {
                        (BlockNormKind::Spectral, *w_matrix)
                    } else {
                        (BlockNormKind::Linf, *w_vector)
                    })
                })
            }
            NormSpec::MaxBlock(entries) => {
                // Hash the names once: layouts can have very many blocks.
                let in_layout: std::collections::HashSet<&str> =
                    blocks.iter().map(|b| b.name.as_str()).collect();
                let mut by_name = std::collections::HashMap::with_capacity(entries.len());
                for (name, kind, w) in entries {
                    if by_name.insert(name.as_str(), (*kind, *w)).is_some() {
                        return Err(Error::Config(format!(
                            "norm `{self}`: block `{name}` is assigned twice"
                        )));
                    }
                    if !in_layout.contains(name.as_str()) {
                        return Err(Error::Config(format!(
                            "norm `{self}` names block `{name}`, which is not in layout {}",
                            layout.describe()
                        )));
                    }
                    positive(&format!("block `{name}`"), *w)?;
                    if let BlockNormKind::Lp(q) = kind {
                        super::lp::check_p(*q)?;
                    }
                }
                per_block(&|i| {
                    let b = &blocks[i];
                    by_name.get(b.name.as_str()).copied().ok_or_else(|| {
                        Error::Config(format!(
                            "norm `{self}` does not assign a norm to block `{}` of layout {}",
                            b.name,
                            layout.describe()
                        ))
                    })
                })
            }
            NormSpec::WeightedL2(h) => {
                if h.len() != p {
                    return Err(Error::Config(format!(
                        "weighted_l2 has {} weights for {p} parameters ({})",
                        h.len(),
                        layout.describe()
                    )));
                }
                if let Some(j) = h.iter().position(|v| !(*v > 0.0 && v.is_finite())) {
                    return Err(Error::Config(format!(
                        "weighted_l2: weight {j} is {}; weights must be finite and > 0",
                        h[j]
                    )));
                }
                Ok(ResolvedNorm {
                    terms: Vec::new(),
                    composition: Composition::Weighted(h.clone()),
                    smooth: true,
                })
            }
        }
    }
}
