//! Parameter vectors with named blocks.
//!
//! A model's parameters θ ∈ ℝ^p are stored as one flat `Vec<f64>`; a [`Layout`] names
//! contiguous blocks inside it, each either a vector `Vector(n)` or a row-major matrix
//! `Matrix { rows, cols }`. Block-structured norms (spectral, max-spectral, hybrid
//! max-norms of \[M\] Cor. 3.5 / Thm 3.7) and composite optimizers (`Partition`) read the
//! layout; everything else treats θ as a flat vector.
//!
//! **Convention.** Matrix blocks are row-major: entry (r, c) of a `rows × cols` block
//! starting at `offset` is `data[offset + r * cols + c]`.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Shape of one parameter block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockShape {
    /// A vector of length n. For matrix norms (spectral) it counts as a 1×n matrix.
    Vector(usize),
    /// A row-major `rows × cols` matrix.
    Matrix {
        /// Number of rows.
        rows: usize,
        /// Number of columns.
        cols: usize,
    },
}

impl BlockShape {
    /// Number of scalar entries.
    pub fn len(&self) -> usize {
        match *self {
            BlockShape::Vector(n) => n,
            BlockShape::Matrix { rows, cols } => rows * cols,
        }
    }
    /// Number of entries, or `None` when rows × cols overflows `usize`.
    pub fn checked_len(&self) -> Option<usize> {
        match *self {
            BlockShape::Vector(n) => Some(n),
            BlockShape::Matrix { rows, cols } => rows.checked_mul(cols),
        }
    }
    /// True when the block has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// `(rows, cols)` when viewed as a matrix; a vector of length n is `(1, n)`.
    pub fn as_matrix(&self) -> (usize, usize) {
        match *self {
            BlockShape::Vector(n) => (1, n),
            BlockShape::Matrix { rows, cols } => (rows, cols),
        }
    }
    /// True for `Matrix` blocks.
    pub fn is_matrix(&self) -> bool {
        matches!(self, BlockShape::Matrix { .. })
    }
    /// Shape as a list of dimensions (`[n]` or `[rows, cols]`), as used in JSON files.
    pub fn dims(&self) -> Vec<usize> {
        match *self {
            BlockShape::Vector(n) => vec![n],
            BlockShape::Matrix { rows, cols } => vec![rows, cols],
        }
    }
}

/// One named block of a [`Layout`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Block name (e.g. `"W"`, `"u"`, `"theta"`, `"W1"`).
    pub name: String,
    /// Shape of the block.
    pub shape: BlockShape,
    /// Offset of the first entry in the flat vector.
    pub offset: usize,
}

impl Block {
    /// Index range of this block in the flat vector.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.shape.len()
    }
}

/// Ordered, contiguous, non-overlapping named blocks covering `0..len()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    blocks: Vec<Block>,
    len: usize,
}

impl Layout {
    /// Build a layout from `(name, shape)` pairs laid out in order.
    ///
    /// Errors on duplicate or empty names and on empty blocks.
    pub fn new<S: Into<String>>(blocks: impl IntoIterator<Item = (S, BlockShape)>) -> Result<Self> {
        let mut out = Vec::new();
        let mut names = std::collections::HashSet::new();
        let mut offset = 0;
        for (name, shape) in blocks {
            let name = name.into();
            if name.is_empty() {
                return Err(Error::Params("block name must not be empty".into()));
            }
            let Some(n) = shape.checked_len() else {
                return Err(Error::Params(format!(
                    "block `{name}` of shape {:?} has more entries than fit in memory",
                    shape.dims()
                )));
            };
            if n == 0 {
                return Err(Error::Params(format!("block `{name}` has no entries")));
            }
            if !names.insert(name.clone()) {
                return Err(Error::Params(format!("duplicate block name `{name}`")));
            }
            out.push(Block {
                name,
                shape,
                offset,
            });
            offset = offset.checked_add(n).ok_or_else(|| {
                Error::Params(format!(
                    "the layout's size overflows at block `{}`",
                    out.last().map_or("?", |b: &Block| b.name.as_str())
                ))
            })?;
        }
        if out.is_empty() {
            return Err(Error::Params("a layout needs at least one block".into()));
        }
        // A Vec<f64> of this length must be addressable (isize::MAX bytes).
        if offset > isize::MAX as usize / 8 {
            return Err(Error::Params(format!(
                "a layout of {offset} parameters cannot be allocated"
            )));
        }
        Ok(Layout {
            blocks: out,
            len: offset,
        })
    }

    /// A layout with one vector block (used by linear models and plain vectors).
    pub fn vector(name: &str, n: usize) -> Result<Self> {
        Layout::new([(name, BlockShape::Vector(n))])
    }

    /// Total number of parameters p.
    pub fn len(&self) -> usize {
        self.len
    }
    /// True when p = 0 (never for a layout built by [`Layout::new`]).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The blocks in order.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }
    /// The block with this name.
    pub fn block(&self, name: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.name == name)
    }
    /// Check that a flat vector fits this layout and is finite.
    pub fn check(&self, theta: &[f64]) -> Result<()> {
        if theta.len() != self.len {
            return Err(Error::Params(format!(
                "expected {} parameters for layout {}, got {}",
                self.len,
                self.describe(),
                theta.len()
            )));
        }
        if let Some(j) = theta.iter().position(|v| !v.is_finite()) {
            return Err(Error::Params(format!(
                "parameter {j} is not finite ({})",
                theta[j]
            )));
        }
        Ok(())
    }
    /// Human-readable description, e.g. `W[16×10], u[16]`.
    ///
    /// At most [`Layout::DESCRIBE_BLOCKS`] blocks are listed (the first ones and the last),
    /// so that error messages stay short for layouts with thousands of blocks.
    pub fn describe(&self) -> String {
        let show = |b: &Block| match b.shape {
            BlockShape::Vector(n) => format!("{}[{}]", b.name, n),
            BlockShape::Matrix { rows, cols } => format!("{}[{}×{}]", b.name, rows, cols),
        };
        let n = self.blocks.len();
        if n <= Self::DESCRIBE_BLOCKS {
            return self.blocks.iter().map(show).collect::<Vec<_>>().join(", ");
        }
        let head: Vec<String> = self.blocks[..Self::DESCRIBE_BLOCKS - 1]
            .iter()
            .map(show)
            .collect();
        format!(
            "{}, … ({} blocks in all), {}",
            head.join(", "),
            n,
            show(&self.blocks[n - 1])
        )
    }

    /// How many blocks [`Layout::describe`] lists.
    pub const DESCRIBE_BLOCKS: usize = 8;
}

/// A parameter vector together with its layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The block structure.
    pub layout: Layout,
    /// The flat values, `layout.len()` of them.
    #[serde(with = "crate::json_f64::vec")]
    pub data: Vec<f64>,
}

impl Params {
    /// Wrap `data` with `layout`, checking length and finiteness.
    pub fn new(layout: Layout, data: Vec<f64>) -> Result<Self> {
        layout.check(&data)?;
        Ok(Params { layout, data })
    }
    /// All-zero parameters.
    pub fn zeros(layout: Layout) -> Self {
        let data = vec![0.0; layout.len()];
        Params { layout, data }
    }
    /// The entries of the named block.
    pub fn block(&self, name: &str) -> Option<&[f64]> {
        self.layout.block(name).map(|b| &self.data[b.range()])
    }
}

/// Euclidean inner product ⟨a, b⟩ = Σ_j a_j b_j.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// max_j |a_j| (0 for an empty slice), NaN entries ignored — the same value as
/// `a.iter().fold(0.0, |m, v| m.max(v.abs()))`, computed with 4 independent running maxima
/// (a maximum does not depend on the order, so this is exact and vectorizes).
pub fn max_abs(a: &[f64]) -> f64 {
    let chunks = a.chunks_exact(4);
    let mut tail = 0.0_f64;
    for v in chunks.remainder() {
        let x = v.abs();
        if x > tail {
            tail = x;
        }
    }
    let mut acc = [0.0_f64; 4];
    for c in chunks {
        for l in 0..4 {
            let x = c[l].abs();
            // `x > acc` is false for NaN, which is therefore skipped like `f64::max` does.
            if x > acc[l] {
                acc[l] = x;
            }
        }
    }
    acc.iter().fold(tail, |m, &v| if v > m { v } else { m })
}

/// Whether every entry of `a` is finite, in one vectorizable pass (v·0 is 0 for finite v
/// and NaN for ±∞ or NaN).
pub fn all_finite(a: &[f64]) -> bool {
    let chunks = a.chunks_exact(4);
    let mut acc = [0.0_f64; 4];
    let mut tail = 0.0_f64;
    for v in chunks.remainder() {
        tail += v * 0.0;
    }
    for c in chunks {
        for l in 0..4 {
            acc[l] += c[l] * 0.0;
        }
    }
    (acc[0] + acc[1] + acc[2] + acc[3] + tail) == 0.0
}

/// Σ_j (a_j/s)², summed sequentially (the order of [`norm2`]); s = 1 skips the exact
/// division by 1.
pub(crate) fn scaled_sum_squares(a: &[f64], s: f64) -> f64 {
    let mut sum = 0.0;
    if s == 1.0 {
        for v in a {
            sum += v * v;
        }
    } else {
        for v in a {
            sum += (v / s) * (v / s);
        }
    }
    sum
}

/// Euclidean norm ‖a‖₂ = s·(Σ_j (a_j/s)²)^{1/2} with s = max_j |a_j|, so that it neither
/// overflows nor underflows. Two passes ([`max_abs`], then a sequential sum of squares);
/// the value is the same, bit for bit, as the plain
/// `s * a.iter().map(|v| (v / s) * (v / s)).sum::<f64>().sqrt()` (tested in
/// `tests/fast_step.rs`).
pub fn norm2(a: &[f64]) -> f64 {
    let s = max_abs(a);
    if s == 0.0 || !s.is_finite() {
        return s;
    }
    s * scaled_sum_squares(a, s).sqrt()
}
