//! [`BlockNormKind`]: the norm applied to one parameter block (ℓ1, ℓ2, ℓ∞, ℓp or spectral)
//! with its dual, steepest direction and subgradient — the per-block math shared by the
//! max-block compositions ([`super::MaxBlock`], [`super::MaxSpectral`], hybrids), the
//! norm resolution ([`super::ResolvedNorm`]) and the KKT checker's encodings.
//!
//! | kind | ‖x‖ | dual ‖g‖_* |
//! |---|---|---|
//! | `l1` | Σ\|x_j\| | max\|g_j\| |
//! | `l2` | Euclidean / Frobenius | itself |
//! | `linf` | max\|x_j\| (**entrywise**, not spectral) | Σ\|g_j\| |
//! | `lp<p>` | (Σ\|x_j\|^p)^{1/p} | ‖g‖_q, q = p/(p−1) |
//! | `spectral` | σ_max of the block as a matrix (a vector is 1×n: its ℓ2 norm) | nuclear Σσ_i |

use super::{l1, l2, linf, lp, spectral};
use crate::error::{Error, Result};
use crate::params::BlockShape;
use std::fmt;

/// The norm applied to one block of a [`super::MaxBlock`] (spec strings `l1`, `l2`, `linf`,
/// `lp<p>` e.g. `lp3`, `spectral`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BlockNormKind {
    /// Σ |θ_j| (entrywise).
    L1,
    /// Euclidean / Frobenius.
    L2,
    /// max |θ_j| (entrywise — not the spectral norm of a matrix block).
    Linf,
    /// (Σ |θ_j|^p)^{1/p}, 1 < p < ∞.
    Lp(f64),
    /// σ_max of the block viewed as a matrix (a vector block is 1×n, so this is its ℓ2 norm).
    Spectral,
}

impl BlockNormKind {
    /// Parse `l1`, `l2`, `linf`, `spectral` or `lp<p>` (e.g. `lp3`, `lp1.5`; 1 < p < ∞).
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        match s {
            "l1" => Ok(BlockNormKind::L1),
            "l2" => Ok(BlockNormKind::L2),
            "linf" => Ok(BlockNormKind::Linf),
            "spectral" => Ok(BlockNormKind::Spectral),
            _ => {
                let rest = s.strip_prefix("lp").ok_or_else(|| {
                    Error::spec(
                        s,
                        "unknown block norm; expected l1, l2, linf, spectral or lp<p> (e.g. lp3)",
                    )
                })?;
                let p: f64 = rest
                    .parse()
                    .map_err(|_| Error::spec(s, format!("p `{rest}` is not a number")))?;
                lp::check_p(p).map_err(|e| Error::spec(s, e.to_string()))?;
                Ok(BlockNormKind::Lp(p))
            }
        }
    }

    /// Whether the unit ball of this block norm is smooth as a *family* (ℓ2, ℓp): then the
    /// subdifferential at x ≠ 0 is one point. ℓ1, ℓ∞ and spectral are not smooth — the
    /// spectral kind counts as non-smooth even on a 1×n block, where it equals ℓ2, so that
    /// a norm's τ never depends on the layout it is evaluated on.
    pub fn is_smooth(&self) -> bool {
        matches!(self, BlockNormKind::L2 | BlockNormKind::Lp(_))
    }

    /// ‖x‖ for a block of this shape.
    pub fn value(&self, shape: BlockShape, x: &[f64]) -> f64 {
        match *self {
            BlockNormKind::L1 => l1::value(x),
            BlockNormKind::L2 => l2::value(x),
            BlockNormKind::Linf => linf::value(x),
            BlockNormKind::Lp(p) => lp::value(x, p),
            BlockNormKind::Spectral => {
                let (r, c) = shape.as_matrix();
                spectral::value(r, c, x)
            }
        }
    }

    /// The dual norm ‖g‖_* (ℓ∞, ℓ2, ℓ1, ℓq, nuclear respectively).
    pub fn dual(&self, shape: BlockShape, g: &[f64]) -> f64 {
        match *self {
            BlockNormKind::L1 => l1::dual(g),
            BlockNormKind::L2 => l2::value(g),
            BlockNormKind::Linf => linf::dual(g),
            BlockNormKind::Lp(p) => lp::value(g, lp::conjugate(p)),
            BlockNormKind::Spectral => {
                let (r, c) = shape.as_matrix();
                spectral::dual(r, c, g)
            }
        }
    }

    /// The steepest direction argmax_{‖d‖ ≤ 1} ⟨g, d⟩ of this block norm (0 at g = 0;
    /// tie-breaks as documented in each norm's module).
    pub fn steepest(&self, shape: BlockShape, g: &[f64], out: &mut [f64]) {
        match *self {
            BlockNormKind::L1 => l1::steepest(g, out),
            BlockNormKind::L2 => l2::normalize(g, out),
            BlockNormKind::Linf => linf::steepest(g, out),
            BlockNormKind::Lp(p) => lp::duality_map(g, lp::conjugate(p), out),
            BlockNormKind::Spectral => {
                let (r, c) = shape.as_matrix();
                spectral::steepest(r, c, g, out)
            }
        }
    }

    /// One subgradient s ∈ ∂‖x‖ of this block norm (0 at x = 0).
    pub fn subgradient(&self, shape: BlockShape, x: &[f64], out: &mut [f64]) {
        match *self {
            BlockNormKind::L1 => l1::subgradient(x, out),
            BlockNormKind::L2 => l2::normalize(x, out),
            BlockNormKind::Linf => linf::subgradient(x, out),
            BlockNormKind::Lp(p) => lp::duality_map(x, p, out),
            BlockNormKind::Spectral => {
                let (r, c) = shape.as_matrix();
                spectral::subgradient(r, c, x, out)
            }
        }
    }
}

impl fmt::Display for BlockNormKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockNormKind::L1 => write!(f, "l1"),
            BlockNormKind::L2 => write!(f, "l2"),
            BlockNormKind::Linf => write!(f, "linf"),
            BlockNormKind::Lp(p) => write!(f, "lp{p}"),
            BlockNormKind::Spectral => write!(f, "spectral"),
        }
    }
}
