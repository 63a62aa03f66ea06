//! Block max-norms N(θ) = max_b w_b·‖θ_b‖_{kind_b} over the blocks of a layout — the
//! implicit norms of per-block composite optimizers (\[M\] Cor. 3.5 and Thm 3.7:
//! Muon-Signum and Muon-Adam maximize the margin of max{(η_A/η_M)‖W‖_msp, ‖u‖_∞};
//! `Partition` with per-block learning-rate factors c_b gives w_b = 1/c_b).
//!
//! For weights w_b > 0 and block norms ‖·‖_b with duals ‖·‖_{b,*}:
//! * dual: N_*(g) = Σ_b ‖g_b‖_{b,*} / w_b (the dual of a max is the sum of the duals);
//! * steepest direction: d_b = steepest_b(g_b) / w_b in **every** block, so every block with
//!   g_b ≠ 0 saturates (w_b‖d_b‖_b = 1) and ⟨g, d⟩ = N_*(g);
//! * subgradient: s_b = w_b·s_b(θ_b) in the **first** block (layout order) attaining the
//!   max and 0 elsewhere — ⟨s, θ⟩ = N(θ) and N_*(s) = ‖s_b(θ_b)‖_{b,*} ≤ 1. **Tie-break:**
//!   the first maximizing block, so the result is deterministic.
//!
//! The per-block math lives on [`BlockNormKind`]. [`MaxSpectral`] (every block spectral,
//! weight 1 — Muon's norm) is the same composition and lives here too.

use super::{lp, BlockNormKind, Norm, NormSpec};
use crate::error::{Error, Result};
use crate::params::{Block, Layout};
use std::collections::HashMap;

/// How a max-composition assigns (kind, weight) to a layout block; `None` = unassigned
/// (the norm is then undefined on that layout and the results are NaN).
pub(crate) type Assign<'a> = dyn Fn(&Block) -> Option<(BlockNormKind, f64)> + 'a;

/// w_b‖x_b‖_b for every block, in layout order (NaN for unassigned blocks).
pub(crate) fn block_values(layout: &Layout, assign: &Assign<'_>, x: &[f64]) -> Vec<f64> {
    layout
        .blocks()
        .iter()
        .map(|b| match assign(b) {
            Some((kind, w)) => w * kind.value(b.shape, &x[b.range()]),
            None => f64::NAN,
        })
        .collect()
}

/// max_b w_b‖x_b‖_b, NaN if any block value is NaN.
pub(crate) fn max_value(layout: &Layout, assign: &Assign<'_>, x: &[f64]) -> f64 {
    max_nan(&block_values(layout, assign, x))
}

/// Maximum that propagates NaN (f64::max would ignore it).
fn max_nan(v: &[f64]) -> f64 {
    v.iter().fold(0.0_f64, |m, &x| {
        if m.is_nan() || x.is_nan() {
            f64::NAN
        } else {
            m.max(x)
        }
    })
}

/// Σ_b ‖g_b‖_{b,*} / w_b.
pub(crate) fn sum_dual(layout: &Layout, assign: &Assign<'_>, g: &[f64]) -> f64 {
    layout
        .blocks()
        .iter()
        .map(|b| match assign(b) {
            Some((kind, w)) => kind.dual(b.shape, &g[b.range()]) / w,
            None => f64::NAN,
        })
        .sum()
}

/// d_b = steepest_b(g_b) / w_b in every block.
pub(crate) fn steepest_all(layout: &Layout, assign: &Assign<'_>, g: &[f64], out: &mut [f64]) {
    for b in layout.blocks() {
        let o = &mut out[b.range()];
        match assign(b) {
            Some((kind, w)) => {
                kind.steepest(b.shape, &g[b.range()], o);
                for v in o.iter_mut() {
                    *v /= w;
                }
            }
            None => o.fill(f64::NAN),
        }
    }
}

/// s = w_b·s_b(x_b) in the first block attaining the max, 0 elsewhere (0 at x = 0).
pub(crate) fn subgradient_first_max(
    layout: &Layout,
    assign: &Assign<'_>,
    x: &[f64],
    out: &mut [f64],
) {
    let vals = block_values(layout, assign, x);
    let m = max_nan(&vals);
    if m.is_nan() {
        out.fill(f64::NAN);
        return;
    }
    out.fill(0.0);
    if m == 0.0 {
        return;
    }
    let Some(i) = vals.iter().position(|&v| v == m) else {
        return;
    };
    let b = &layout.blocks()[i];
    if let Some((kind, w)) = assign(b) {
        let o = &mut out[b.range()];
        kind.subgradient(b.shape, &x[b.range()], o);
        for v in o.iter_mut() {
            *v *= w;
        }
    }
}

/// N(θ) = max_b w_b‖θ_b‖_{kind_b} over named blocks; see the module docs.
///
/// Built either from explicit entries ([`MaxBlock::new`], spec
/// `max_block:<name>=<kind>@<w>,…`) or as the Muon-Signum / Muon-Adam hybrid
/// ([`MaxBlock::hybrid`], spec `hybrid:<w_M>:<w_v>`).
#[derive(Debug, Clone, PartialEq)]
pub struct MaxBlock {
    entries: Vec<(String, BlockNormKind, f64)>,
    /// Block name → index into `entries` (lookups stay O(1) on layouts with many blocks).
    index: HashMap<String, usize>,
    spec: NormSpec,
}

/// Index `entries` by block name; `None` when a name occurs twice.
fn index_entries(
    entries: &[(String, BlockNormKind, f64)],
) -> std::result::Result<HashMap<String, usize>, &str> {
    let mut index = HashMap::with_capacity(entries.len());
    for (i, (name, _, _)) in entries.iter().enumerate() {
        if index.insert(name.clone(), i).is_some() {
            return Err(name.as_str());
        }
    }
    Ok(index)
}

/// Check one weight: finite and > 0.
fn check_weight(what: &str, w: f64) -> Result<()> {
    if w > 0.0 && w.is_finite() {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "max-block norm: weight of {what} is {w}; weights must be finite and > 0"
        )))
    }
}

impl MaxBlock {
    /// Explicit per-block norms `(block name, kind, weight w_b)`.
    ///
    /// Errors ([`Error::Config`]): no entries, an empty or duplicate block name, a weight
    /// that is not finite and > 0, an ℓp kind with p outside (1, ∞). Whether the names match
    /// a layout is checked by [`Norm::validate`].
    pub fn new(entries: Vec<(String, BlockNormKind, f64)>) -> Result<MaxBlock> {
        if entries.is_empty() {
            return Err(Error::Config(
                "max-block norm needs at least one block".into(),
            ));
        }
        let index = index_entries(&entries).map_err(|name| {
            Error::Config(format!("max-block norm: block `{name}` is assigned twice"))
        })?;
        for (name, kind, w) in &entries {
            if name.is_empty() {
                return Err(Error::Config("max-block norm: empty block name".into()));
            }
            check_weight(&format!("block `{name}`"), *w)?;
            if let BlockNormKind::Lp(p) = kind {
                lp::check_p(*p)?;
            }
        }
        let spec = NormSpec::MaxBlock(entries.clone());
        Ok(MaxBlock {
            entries,
            index,
            spec,
        })
    }

    /// The hybrid norm max{ w_M·max_{matrix blocks} σ_max(W_b), w_v·max_{vector blocks} ‖u_b‖_∞ }
    /// of Muon-Signum / Muon-Adam (\[M\] Cor. 3.5, Thm 3.7, with w_M = η_A/η_M, w_v = 1):
    /// matrix blocks get `Spectral@w_M`, vector blocks `Linf@w_v`.
    pub fn hybrid(layout: &Layout, w_matrix: f64, w_vector: f64) -> Result<MaxBlock> {
        let spec = NormSpec::Hybrid { w_matrix, w_vector };
        let entries = spec
            .resolve(layout)?
            .terms
            .into_iter()
            .map(|t| (t.name, t.kind, t.weight))
            .collect::<Vec<_>>();
        // Resolution gives each layout block once, and layout names are unique.
        let index = index_entries(&entries)
            .map_err(|name| Error::Config(format!("hybrid norm: block `{name}` twice")))?;
        Ok(MaxBlock {
            entries,
            index,
            spec,
        })
    }

    /// The `(block name, kind, weight)` entries.
    pub fn entries(&self) -> &[(String, BlockNormKind, f64)] {
        &self.entries
    }

    /// Each block's weighted norm w_b‖θ_b‖_{kind_b}, in layout order (NaN for a block the
    /// norm does not assign). Divided by their max this is the checker's block balance.
    pub fn block_values(&self, layout: &Layout, x: &[f64]) -> Vec<f64> {
        block_values(layout, &|b| self.lookup(b), x)
    }

    /// (kind, weight) of a layout block, by name.
    fn lookup(&self, b: &Block) -> Option<(BlockNormKind, f64)> {
        self.index.get(&b.name).map(|&i| {
            let (_, k, w) = &self.entries[i];
            (*k, *w)
        })
    }
}

impl Norm for MaxBlock {
    fn name(&self) -> String {
        self.spec.to_string()
    }
    fn value(&self, layout: &Layout, x: &[f64]) -> f64 {
        max_value(layout, &|b| self.lookup(b), x)
    }
    fn dual(&self, layout: &Layout, g: &[f64]) -> f64 {
        sum_dual(layout, &|b| self.lookup(b), g)
    }
    fn steepest(&self, layout: &Layout, g: &[f64], out: &mut [f64]) {
        steepest_all(layout, &|b| self.lookup(b), g, out)
    }
    fn subgradient(&self, layout: &Layout, x: &[f64], out: &mut [f64]) {
        subgradient_first_max(layout, &|b| self.lookup(b), x, out)
    }
    /// Every layout block is named exactly once and no entry names an unknown block; a
    /// hybrid norm additionally needs spectral on matrix blocks and ℓ∞ on vector blocks
    /// (i.e. it was built for a layout with the same shapes).
    fn validate(&self, layout: &Layout) -> Result<()> {
        for b in layout.blocks() {
            let Some((kind, _)) = self.lookup(b) else {
                return Err(Error::Config(format!(
                    "norm `{}` does not assign a norm to block `{}` of layout {}",
                    self.name(),
                    b.name,
                    layout.describe()
                )));
            };
            if matches!(self.spec, NormSpec::Hybrid { .. }) {
                let expected = if b.shape.is_matrix() {
                    BlockNormKind::Spectral
                } else {
                    BlockNormKind::Linf
                };
                if kind != expected {
                    return Err(Error::Config(format!(
                        "hybrid norm was built for another layout: block `{}` has kind \
                         {kind}, expected {expected} for layout {}",
                        b.name,
                        layout.describe()
                    )));
                }
            }
        }
        // Every layout block has an entry and entry names are unique, so an entry naming an
        // unknown block exists exactly when there are more entries than blocks.
        if self.entries.len() > layout.blocks().len() {
            let names: std::collections::HashSet<&str> =
                layout.blocks().iter().map(|b| b.name.as_str()).collect();
            if let Some((name, _, _)) = self.entries.iter().find(|e| !names.contains(e.0.as_str()))
            {
                return Err(Error::Config(format!(
                    "norm `{}` names block `{name}`, which is not in layout {}",
                    self.name(),
                    layout.describe()
                )));
            }
        }
        Ok(())
    }
    fn spec(&self) -> Option<NormSpec> {
        Some(self.spec.clone())
    }
}

/// The max-spectral norm max_b σ_max(θ_b) over all blocks of the layout (vector blocks as
/// 1×n matrices, i.e. their ℓ2 norm) — Muon's implicit norm (\[M\] Thm 3.5). See the module docs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaxSpectral;

/// Every block gets the spectral norm with weight 1.
fn all_spectral(_: &Block) -> Option<(BlockNormKind, f64)> {
    Some((BlockNormKind::Spectral, 1.0))
}

impl MaxSpectral {
    /// σ_max of every block, in layout order (the block balance of the msp norm).
    pub fn block_values(&self, layout: &Layout, x: &[f64]) -> Vec<f64> {
        block_values(layout, &all_spectral, x)
    }
}

impl Norm for MaxSpectral {
    fn name(&self) -> String {
        "max_spectral".into()
    }
    fn value(&self, layout: &Layout, x: &[f64]) -> f64 {
        max_value(layout, &all_spectral, x)
    }
    fn dual(&self, layout: &Layout, g: &[f64]) -> f64 {
        sum_dual(layout, &all_spectral, g)
    }
    fn steepest(&self, layout: &Layout, g: &[f64], out: &mut [f64]) {
        steepest_all(layout, &all_spectral, g, out)
    }
    fn subgradient(&self, layout: &Layout, x: &[f64], out: &mut [f64]) {
        subgradient_first_max(layout, &all_spectral, x, out)
    }
}
