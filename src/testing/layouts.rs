//! The layouts the conformance batteries draw from: fixed layouts (`[theta: n]`,
//! `[W: k×d, u: k]`, `[M: r×c]`) and the families ([`LayoutFamily`]) a proptest run samples.

use crate::params::{BlockShape, Layout};
use proptest::prelude::*;

/// The single-vector layout `[theta: n]` (linear models).
///
/// # Panics
/// For n = 0 (a test-setup error).
pub fn vector_layout(n: usize) -> Layout {
    Layout::vector("theta", n).expect("vector_layout: n ≥ 1")
}

/// The two-layer layout `[W: k×d, u: k]` (matrix block, then vector block).
///
/// # Panics
/// For k = 0 or d = 0 (a test-setup error).
pub fn net_layout(k: usize, d: usize) -> Layout {
    Layout::new([
        ("W", BlockShape::Matrix { rows: k, cols: d }),
        ("u", BlockShape::Vector(k)),
    ])
    .expect("net_layout: k, d ≥ 1")
}

/// The single-matrix layout `[M: rows×cols]`.
///
/// # Panics
/// For a zero dimension (a test-setup error).
pub fn matrix_layout(rows: usize, cols: usize) -> Layout {
    Layout::new([("M", BlockShape::Matrix { rows, cols })]).expect("matrix_layout: dims ≥ 1")
}

/// A family of layouts a battery draws from (one proptest run per family).
#[derive(Debug, Clone, PartialEq)]
pub enum LayoutFamily {
    /// `[theta: n]` with 1 ≤ n ≤ `max_len`.
    Vectors {
        /// Largest n.
        max_len: usize,
    },
    /// `[W: k×d, u: k]` with 1 ≤ k ≤ `max_k`, 1 ≤ d ≤ `max_d`.
    Nets {
        /// Largest k.
        max_k: usize,
        /// Largest d.
        max_d: usize,
    },
    /// `[M: r×c]` with 1 ≤ r ≤ `max_rows`, 1 ≤ c ≤ `max_cols`.
    Matrices {
        /// Largest r.
        max_rows: usize,
        /// Largest c.
        max_cols: usize,
    },
    /// Exactly this layout.
    Fixed(Layout),
    /// A layout drawn from either family with equal probability (one proptest run).
    Either(Box<LayoutFamily>, Box<LayoutFamily>),
}

impl LayoutFamily {
    /// [`LayoutFamily::Vectors`].
    pub fn vectors(max_len: usize) -> Self {
        LayoutFamily::Vectors { max_len }
    }
    /// [`LayoutFamily::Nets`].
    pub fn nets(max_k: usize, max_d: usize) -> Self {
        LayoutFamily::Nets { max_k, max_d }
    }
    /// [`LayoutFamily::Matrices`].
    pub fn matrices(max_rows: usize, max_cols: usize) -> Self {
        LayoutFamily::Matrices { max_rows, max_cols }
    }
    /// [`LayoutFamily::Fixed`].
    pub fn fixed(layout: Layout) -> Self {
        LayoutFamily::Fixed(layout)
    }
    /// [`LayoutFamily::Either`].
    pub fn either(a: LayoutFamily, b: LayoutFamily) -> Self {
        LayoutFamily::Either(Box::new(a), Box::new(b))
    }

    /// The proptest strategy drawing layouts of this family (maxima below 1 count as 1).
    pub fn strategy(&self) -> BoxedStrategy<Layout> {
        match self {
            LayoutFamily::Vectors { max_len } => {
                (1..=(*max_len).max(1)).prop_map(vector_layout).boxed()
            }
            LayoutFamily::Nets { max_k, max_d } => (1..=(*max_k).max(1), 1..=(*max_d).max(1))
                .prop_map(|(k, d)| net_layout(k, d))
                .boxed(),
            LayoutFamily::Matrices { max_rows, max_cols } => {
                (1..=(*max_rows).max(1), 1..=(*max_cols).max(1))
                    .prop_map(|(r, c)| matrix_layout(r, c))
                    .boxed()
            }
            LayoutFamily::Fixed(l) => Just(l.clone()).boxed(),
            LayoutFamily::Either(a, b) => prop_oneof![a.strategy(), b.strategy()].boxed(),
        }
    }

    /// Short description for failure messages.
    pub fn describe(&self) -> String {
        match self {
            LayoutFamily::Vectors { max_len } => format!("vectors(n ≤ {max_len})"),
            LayoutFamily::Nets { max_k, max_d } => format!("nets(k ≤ {max_k}, d ≤ {max_d})"),
            LayoutFamily::Matrices { max_rows, max_cols } => {
                format!("matrices({max_rows}×{max_cols})")
            }
            LayoutFamily::Fixed(l) => format!("fixed({})", l.describe()),
            LayoutFamily::Either(a, b) => format!("{} | {}", a.describe(), b.describe()),
        }
    }
}

/// Anything the macros accept as "layouts": one family, a layout (fixed), or a list.
pub trait IntoLayoutFamilies {
    /// The families.
    fn into_families(self) -> Vec<LayoutFamily>;
}

impl IntoLayoutFamilies for LayoutFamily {
    fn into_families(self) -> Vec<LayoutFamily> {
        vec![self]
    }
}

impl IntoLayoutFamilies for Layout {
    fn into_families(self) -> Vec<LayoutFamily> {
        vec![LayoutFamily::Fixed(self)]
    }
}

impl IntoLayoutFamilies for Vec<LayoutFamily> {
    fn into_families(self) -> Vec<LayoutFamily> {
        self
    }
}

impl<const N: usize> IntoLayoutFamilies for [LayoutFamily; N] {
    fn into_families(self) -> Vec<LayoutFamily> {
        self.into()
    }
}
