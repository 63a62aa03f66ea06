//! [`Partition`]: run different optimizers on different parameter blocks (optax
//! `partition`), each with its own learning-rate factor c_b.
//!
//! Group g owns a set of blocks and an optimizer; at every step the group's slice of ĝ and
//! θ is gathered into scratch buffers (kept in the state: no per-step allocation), the
//! sub-optimizer runs on the sub-layout made of those blocks (in layout order) with
//! learning rate c_g·η(t), and its Δθ is scattered back. All groups see the same gradient
//! log-scale c (g = e^{c}ĝ), so scale-free sub-optimizers stay scale-free.
//!
//! Blocks are named explicitly or with the selectors [`Partition::MATRIX_BLOCKS`]
//! (`"@matrix"`, every matrix block) and [`Partition::VECTOR_BLOCKS`] (`"@vector"`, every
//! vector block). Selectors are resolved in `init` from the layout, so a partition can be
//! built without knowing the layout (as [`super::OptimizerConfig::build`] does). Every
//! layout block must belong to exactly one group; a group may select no block (e.g. the
//! Muon group of Muon-Signum on a linear model) and is then skipped.
//!
//! **Implicit norm** (\[M\] Cor. 3.5, Thm 3.7; App. C.6: parallel normalized steepest
//! descents are one normalized steepest descent for the max of the norms). If the
//! sub-optimizer of group g has an implicit norm that is *max-decomposable* over the
//! group's blocks — max-spectral (→ spectral per block), ℓ∞ (→ ℓ∞ per block), a
//! `hybrid`/`max_block` norm, or any ℓ1/ℓ2/ℓp/spectral norm of a group with a single block —
//! the partition's implicit norm is
//!
//! ```text
//!     ‖θ‖ = max_b (1/c_b)·‖θ_b‖_b          (NormSpec::MaxBlock, w_b = 1/c_b)
//! ```
//!
//! and `None` otherwise. For Muon-Adam with η_M = η(t), η_A = (η_A/η_M)·η(t) this is
//! max{‖W‖_msp, (η_M/η_A)‖u‖_∞}, a positive multiple ((η_M/η_A) times) of the paper's
//! max{(η_A/η_M)‖W‖_msp, ‖u‖_∞} (\[M\] Thm 3.7): same unit-ball shape up to scale, hence the
//! same max-margin direction and KKT points. When only one group owns blocks, its own
//! implicit norm is returned unchanged (again a positive multiple of the max-block form).

use super::catalogue::{OptimizerEntry, OptimizerParams};
use super::checks::{check_beta, check_eps, check_positive};
use super::{
    Adam, Claims, Muon, OptState, Optimizer, ScaledGrad, ScheduleClass, Signum, Step,
    UpdateRule,
};
use crate::error::{Error, Result};
use crate::norms::{BlockNormKind, NormSpec};
use crate::params::Layout;
use serde::{Deserialize, Serialize};

/// One group of a [`Partition`]: blocks, their optimizer and learning-rate factor.
#[derive(Debug)]
pub struct PartitionGroup {
    /// Block names of the layout, or the selectors `"@matrix"` / `"@vector"`.
    pub blocks: Vec<String>,
    /// The update rule for these blocks.
    pub optimizer: Box<dyn Optimizer>,
    /// Learning-rate factor c_g > 0: the group uses c_g·η(t).
    pub lr_factor: f64,
}

/// Per-block composition of optimizers (optax `partition`); see the module docs.
#[derive(Debug)]
pub struct Partition {
    /// The groups; every layout block must be selected by exactly one of them.
    pub groups: Vec<PartitionGroup>,
}

/// Per-group state: resolved blocks, the group's sub-layout with the sub-optimizer's state
/// and gather/scatter scratch.
struct GroupState {
    blocks: Vec<usize>,
    sub: Option<(Layout, OptState)>,
    g: Vec<f64>,
    theta: Vec<f64>,
    delta: Vec<f64>,
}

/// Partition state: one group state (resolved blocks, sub-layout, sub-state, scratch) per group.
pub struct PartitionState {
    groups: Vec<GroupState>,
}

impl Partition {
    /// Selector for every matrix block of the layout.
    pub const MATRIX_BLOCKS: &'static str = "@matrix";
    /// Selector for every vector block of the layout.
    pub const VECTOR_BLOCKS: &'static str = "@vector";

    /// A partition from explicit groups (validated against the layout in `init`).
    pub fn new(groups: Vec<PartitionGroup>) -> Self {
        Partition { groups }
    }

    /// Muon-Signum (\[M\] Cor. 3.5): exact Muon on every matrix block, Signum on every vector
    /// block, both with momentum β and factor 1. Implicit norm
    /// max{‖W‖_msp, ‖u‖_∞}.
    pub fn muon_signum(beta: f64) -> Self {
        Partition::new(vec![
            PartitionGroup {
                blocks: vec![Self::MATRIX_BLOCKS.into()],
                optimizer: Box::new(Muon::exact(beta)),
                lr_factor: 1.0,
            },
            PartitionGroup {
                blocks: vec![Self::VECTOR_BLOCKS.into()],
                optimizer: Box::new(Signum { beta }),
                lr_factor: 1.0,
            },
        ])
    }

    /// Muon-Adam (\[M\] Thm 3.7): exact Muon (momentum `beta_muon`) on every matrix block with
    /// factor 1, Adam(β1, β2, ε) on every vector block with factor `lr_ratio` = η_A/η_M.
    /// Implicit norm (ε = 0) max{‖W‖_msp, ‖u‖_∞/lr_ratio} ∝ max{lr_ratio·‖W‖_msp, ‖u‖_∞}.
    pub fn muon_adam(beta_muon: f64, beta1: f64, beta2: f64, eps: f64, lr_ratio: f64) -> Self {
        Partition::new(vec![
            PartitionGroup {
                blocks: vec![Self::MATRIX_BLOCKS.into()],
                optimizer: Box::new(Muon::exact(beta_muon)),
                lr_factor: 1.0,
            },
            PartitionGroup {
                blocks: vec![Self::VECTOR_BLOCKS.into()],
                optimizer: Box::new(Adam { beta1, beta2, eps }),
                lr_factor: lr_ratio,
            },
        ])
    }

    /// Resolve the groups against a layout: for each group, the indices (into
    /// `layout.blocks()`, ascending) of its blocks. Errors: unknown block name, a block in
    /// two groups, a block in no group, a learning-rate factor that is not finite and > 0.
    pub fn resolve(&self, layout: &Layout) -> Result<Vec<Vec<usize>>> {
        let blocks = layout.blocks();
        let mut owner: Vec<Option<usize>> = vec![None; blocks.len()];
        for (gi, group) in self.groups.iter().enumerate() {
            if !(group.lr_factor > 0.0 && group.lr_factor.is_finite()) {
                return Err(Error::Config(format!(
                    "partition: group {gi} ({}): lr_factor must be finite and > 0, got {}",
                    group.optimizer.name(),
                    group.lr_factor
                )));
            }
            for sel in &group.blocks {
                let selected: Vec<usize> = match sel.as_str() {
                    Self::MATRIX_BLOCKS => (0..blocks.len())
                        .filter(|&i| blocks[i].shape.is_matrix())
                        .collect(),
                    Self::VECTOR_BLOCKS => (0..blocks.len())
                        .filter(|&i| !blocks[i].shape.is_matrix())
                        .collect(),
                    name => vec![blocks.iter().position(|b| b.name == name).ok_or_else(|| {
                        Error::Config(format!(
                            "partition: group {gi} ({}) names block `{name}`, which is not \
                                 in the layout {}",
                            group.optimizer.name(),
                            layout.describe()
                        ))
                    })?],
                };
                for i in selected {
                    match owner[i] {
                        Some(o) if o != gi => {
                            return Err(Error::Config(format!(
                                "partition: block `{}` is in group {o} and group {gi}",
                                blocks[i].name
                            )))
                        }
                        _ => owner[i] = Some(gi),
                    }
                }
            }
        }
        if let Some(i) = owner.iter().position(Option::is_none) {
            return Err(Error::Config(format!(
                "partition: block `{}` of layout {} is in no group",
                blocks[i].name,
                layout.describe()
            )));
        }
        let mut out = vec![Vec::new(); self.groups.len()];
        for (i, o) in owner.iter().enumerate() {
            if let Some(g) = o {
                out[*g].push(i);
            }
        }
        Ok(out)
    }

    /// The sub-layout made of the given blocks of `layout` (in that order).
    fn sub_layout(layout: &Layout, idx: &[usize]) -> Result<Layout> {
        let b = layout.blocks();
        Layout::new(idx.iter().map(|&i| (b[i].name.clone(), b[i].shape)))
    }

    /// "muon_signum" / "muon_adam" when the groups have exactly that structure.
    fn label(&self) -> Option<&'static str> {
        let [m, v] = self.groups.as_slice() else {
            return None;
        };
        let shape_split = m.blocks == [Self::MATRIX_BLOCKS] && v.blocks == [Self::VECTOR_BLOCKS];
        if !shape_split || m.optimizer.name() != "muon" || m.lr_factor != 1.0 {
            return None;
        }
        match v.optimizer.name().as_str() {
            "signum" if v.lr_factor == 1.0 => Some("muon_signum"),
            "adam" | "adam_no_momentum" => Some("muon_adam"),
            _ => None,
        }
    }
}

/// Per-block form (block name, kind, weight) of a sub-optimizer's implicit norm on its
/// sub-layout, when the norm is a max over those blocks (\[M\] App. C.6; read from
/// [`NormSpec::resolve`]); `None` otherwise.
fn per_block(spec: &NormSpec, sub: &Layout) -> Option<Vec<(String, BlockNormKind, f64)>> {
    let terms = spec.resolve(sub).ok()?.max_over_blocks(sub)?;
    Some(terms.into_iter().map(|t| (t.name, t.kind, t.weight)).collect())
}

/// Strictness order of schedule assumptions: none < LR-NSD < LR-MSD < LR-Adam.
fn rank(c: ScheduleClass) -> u8 {
    match c {
        ScheduleClass::None => 0,
        ScheduleClass::Nsd => 1,
        ScheduleClass::Msd => 2,
        ScheduleClass::Adam => 3,
    }
}

impl UpdateRule for Partition {
    type State = PartitionState;

    fn name(&self) -> String {
        self.label().unwrap_or("partition").into()
    }

    fn init(&self, layout: &Layout) -> Result<PartitionState> {
        let resolved = self.resolve(layout)?;
        let mut groups = Vec::with_capacity(resolved.len());
        for (group, idx) in self.groups.iter().zip(resolved) {
            let (sub, n) = if idx.is_empty() {
                (None, 0)
            } else {
                let sl = Self::sub_layout(layout, &idx)?;
                let n = sl.len();
                let st = group.optimizer.init(&sl)?;
                (Some((sl, st)), n)
            };
            groups.push(GroupState {
                blocks: idx,
                sub,
                g: vec![0.0; n],
                theta: vec![0.0; n],
                delta: vec![0.0; n],
            });
        }
        Ok(PartitionState { groups })
    }

    fn update(
        &self,
        grad: ScaledGrad<'_>,
        st: &mut PartitionState,
        step: &Step<'_>,
        delta: &mut [f64],
    ) -> Result<()> {
        if st.groups.len() != self.groups.len() {
            return Err(Error::Config(format!(
                "{}: state has {} groups, the partition {}",
                UpdateRule::name(self),
                st.groups.len(),
                self.groups.len()
            )));
        }
        let blocks = step.layout.blocks();
        for (group, gs) in self.groups.iter().zip(st.groups.iter_mut()) {
            let GroupState {
                blocks: idx,
                sub: Some((sub_layout, sub_state)),
                g,
                theta: th,
                delta: d,
            } = gs
            else {
                continue;
            };
            let mut pos = 0;
            for &i in idx.iter() {
                let r = blocks[i].range();
                let n = r.len();
                g[pos..pos + n].copy_from_slice(&grad.dir[r.clone()]);
                th[pos..pos + n].copy_from_slice(&step.theta[r]);
                pos += n;
            }
            let sub_grad = ScaledGrad {
                log_scale: grad.log_scale,
                dir: g,
            };
            let sub_step = Step {
                theta: th,
                layout: sub_layout,
                t: step.t,
                lr: step.lr * group.lr_factor,
            };
            group.optimizer.update(sub_grad, sub_state, &sub_step, d)?;
            let mut pos = 0;
            for &i in idx.iter() {
                let r = blocks[i].range();
                let n = r.len();
                delta[r].copy_from_slice(&d[pos..pos + n]);
                pos += n;
            }
        }
        Ok(())
    }
}

impl Claims for Partition {
    fn implicit_norm(&self, layout: &Layout, state: Option<&PartitionState>) -> Option<NormSpec> {
        let resolved = self.resolve(layout).ok()?;
        let sub_state = |gi: usize| -> Option<&OptState> {
            state
                .and_then(|p| p.groups.get(gi))
                .and_then(|g| g.sub.as_ref())
                .map(|(_, s)| s)
        };
        let nonempty: Vec<usize> = (0..resolved.len())
            .filter(|&gi| !resolved[gi].is_empty())
            .collect();
        if let [gi] = nonempty.as_slice() {
            let sl = Self::sub_layout(layout, &resolved[*gi]).ok()?;
            return self.groups[*gi]
                .optimizer
                .implicit_norm(&sl, sub_state(*gi));
        }
        let mut entries: Vec<(usize, (String, BlockNormKind, f64))> = Vec::new();
        let position: std::collections::HashMap<&str, usize> = layout
            .blocks()
            .iter()
            .enumerate()
            .map(|(i, b)| (b.name.as_str(), i))
            .collect();
        for &gi in &nonempty {
            let group = &self.groups[gi];
            let sl = Self::sub_layout(layout, &resolved[gi]).ok()?;
            let spec = group.optimizer.implicit_norm(&sl, sub_state(gi))?;
            for (name, k, w) in per_block(&spec, &sl)? {
                let pos = *position.get(name.as_str())?;
                entries.push((pos, (name, k, w / group.lr_factor)));
            }
        }
        entries.sort_by_key(|e| e.0);
        Some(NormSpec::MaxBlock(
            entries.into_iter().map(|e| e.1).collect(),
        ))
    }

    fn theorem(&self) -> &'static str {
        match self.label() {
            Some("muon_signum") => {
                "[M] Cor. 3.5: Muon on the matrices and Signum on the other parameters is \
                 normalized momentum steepest descent for max{‖W‖_msp, ‖u‖_∞}; Thm 3.3 applies \
                 under (LR-MSD)"
            }
            Some("muon_adam") => {
                "[M] Thm 3.7: Muon (rate η_M η(t)) on the matrices and Adam with ε = 0 (rate \
                 η_A η(t)) on the other parameters converge in direction to a KKT point for \
                 max{(η_A/η_M)‖W‖_msp, ‖u‖_∞} under (LR-Adam) and (A1)"
            }
            _ => {
                "[M] App. C.6 / Cor. 3.5: normalized (momentum) steepest descents run in \
                 parallel on disjoint blocks are one normalized steepest descent for the max of \
                 the (lr-factor-weighted) block norms"
            }
        }
    }

    fn schedule_class(&self) -> ScheduleClass {
        self.groups
            .iter()
            .map(|g| g.optimizer.schedule_class())
            .max_by_key(|&c| rank(c))
            .unwrap_or(ScheduleClass::None)
    }
}

/// Config of `muon_signum` (\[M\] Cor. 3.5): one momentum β for both parts (default 0.9).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MuonSignumParams {
    /// β ∈ [0, 1) for Muon and Signum.
    pub beta: f64,
}

impl Default for MuonSignumParams {
    fn default() -> Self {
        MuonSignumParams { beta: 0.9 }
    }
}

impl OptimizerParams for MuonSignumParams {
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        check_beta("muon_signum", "beta", self.beta)?;
        Ok(Box::new(Partition::muon_signum(self.beta)))
    }
}

/// Config of `muon_adam` (\[M\] Thm 3.7): Muon's β (0.9), Adam's β1 (0.9), β2 (0.999) and ε
/// (0, the \[M\] Thm 3.6 regime), and the rate ratio η_A/η_M (1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MuonAdamParams {
    /// Muon's β ∈ [0, 1).
    pub beta_muon: f64,
    /// Adam's β1 ∈ [0, 1).
    pub beta1: f64,
    /// Adam's β2 ∈ [0, 1).
    pub beta2: f64,
    /// Adam's ε ≥ 0.
    pub eps: f64,
    /// η_A/η_M > 0.
    pub lr_ratio: f64,
}

impl Default for MuonAdamParams {
    fn default() -> Self {
        MuonAdamParams {
            beta_muon: 0.9,
            beta1: 0.9,
            beta2: 0.999,
            eps: 0.0,
            lr_ratio: 1.0,
        }
    }
}

impl OptimizerParams for MuonAdamParams {
    fn build(&self) -> Result<Box<dyn Optimizer>> {
        let w = "muon_adam";
        check_beta(w, "beta_muon", self.beta_muon)?;
        check_beta(w, "beta1", self.beta1)?;
        check_beta(w, "beta2", self.beta2)?;
        check_eps(w, self.eps)?;
        check_positive(w, "lr_ratio", self.lr_ratio)?;
        Ok(Box::new(Partition::muon_adam(
            self.beta_muon,
            self.beta1,
            self.beta2,
            self.eps,
            self.lr_ratio,
        )))
    }
}

/// The catalogue rows of this file.
pub(crate) const ENTRIES: &[OptimizerEntry] = &[
    OptimizerEntry::new::<MuonSignumParams>(
        "muon_signum",
        &[],
        "Muon on matrices + Signum on vectors; implicit max{‖W‖_msp, ‖u‖_∞} ([M] Cor. 3.5)",
    ),
    OptimizerEntry::new::<MuonAdamParams>(
        "muon_adam",
        &[],
        "Muon on matrices + Adam (rate ratio η_A/η_M) on vectors; implicit max{(η_A/η_M)‖W‖_msp, ‖u‖_∞} ([M] Thm 3.7)",
    ),
];
