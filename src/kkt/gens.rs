//! The generator vectors a_g of the κ LP **without the dense m × p matrix**.
//!
//! For the main certificate there is one generator per sample, a_i = y_i h̃_i with
//! h̃_i = ∇f(x_i; θ̃) (the Clarke *base* gradient, [`Model::clarke_gradient`]); the trajectory
//! certificate has a single generator a = Σ_i w_i y_i h̃_i. The κ LP only ever needs
//!
//! * per generator: c_g (complementarity coefficient), sc_g = ‖a_g‖_∞ (column scale) and
//!   e_g = ⟨θ̃, a_g⟩ (Euler's identity, ≈ L q̃_g; used by the lower bound's penalty term) —
//!   computed once, in the first sweep over the samples;
//! * the **rows** a_{·j} = (a_gj)_g of the coordinates j of the current residual row set J
//!   (`kkt/rowgen.rs`) — kept in a row cache, filled by one sweep over the samples per batch
//!   of new rows (the plain LP caches every row in the first sweep: the m·p floats the
//!   checker always stored);
//! * the full-length products Σ_g c_g a_g (the residual r of a certificate, over **all** p
//!   coordinates) — computed from the cache when every row is cached, otherwise by
//!   recomputing the gradients of the generators with c_g ≠ 0 only.
//!
//! So the memory is |J|·m floats instead of m·p, and the time per sweep is m per-sample
//! gradients (for the two-layer net O(k·d) each). The recomputed gradients are bit-identical
//! to the first sweep's (same deterministic function of the same inputs), so every number
//! derived from a cached row equals the number derived from the dense matrix.

use super::config::CheckConfig;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::models::Model;
use crate::params::max_abs;
use std::cell::{Cell, Ref, RefCell};

/// A Clarke column: β_k·d_k with 0 ≤ β_k ≤ factor_k·λ_{gen_k} (d_k already multiplied by y_i).
#[derive(Debug, Clone)]
pub(crate) struct KinkCol {
    /// The generator whose multiplier bounds β_k.
    pub(crate) gen: usize,
    /// factor_k (1 for the main certificate, w_i for the trajectory certificate).
    pub(crate) factor: f64,
    /// (coordinate, value) entries of y_i d_k.
    pub(crate) entries: Vec<(usize, f64)>,
}

/// Where the generator vectors come from.
pub(crate) enum Source<'a> {
    /// Explicit vectors a_g (the trajectory certificate's single generator).
    Vectors(Vec<Vec<f64>>),
    /// a_i = y_i·(Clarke base gradient of `model` at θ̃ on sample i), recomputed on demand.
    Model {
        model: &'a dyn Model,
        data: &'a Dataset,
        theta: Vec<f64>,
        kink_tol: f64,
        clarke: bool,
    },
}

impl std::fmt::Debug for Source<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Vectors(v) => write!(f, "Vectors({} generators)", v.len()),
            Source::Model { model, .. } => write!(f, "Model({})", model.name()),
        }
    }
}

/// Cached rows: `slot[j]` is the index of coordinate j's row in `data` (m floats per row).
#[derive(Debug, Default)]
pub(crate) struct RowCache {
    slot: Vec<usize>,
    data: Vec<f64>,
    m: usize,
    count: usize,
}

impl RowCache {
    /// (a_gj)_g for a cached coordinate j.
    pub(crate) fn get(&self, j: usize) -> Option<&[f64]> {
        let s = *self.slot.get(j)?;
        (s != usize::MAX).then(|| &self.data[s * self.m..(s + 1) * self.m])
    }
    /// Whether row j is cached.
    pub(crate) fn has(&self, j: usize) -> bool {
        self.slot.get(j).is_some_and(|s| *s != usize::MAX)
    }
    /// Number of cached rows.
    pub(crate) fn len(&self) -> usize {
        self.count
    }
    /// Reserve a slot for coordinate j (zero-filled) and return the row.
    fn insert(&mut self, j: usize) -> usize {
        let s = self.count;
        self.slot[j] = s;
        self.count += 1;
        self.data.resize(self.count * self.m, 0.0);
        s
    }
}

/// The generators of one κ LP (see the module docs).
#[derive(Debug)]
pub(crate) struct GenSet<'a> {
    /// c_g ≥ 0.
    pub(crate) comp: Vec<f64>,
    /// sc_g = ‖a_g‖_∞ over all p coordinates (1 when a_g = 0 or not finite).
    pub(crate) scale: Vec<f64>,
    /// e_g = ⟨θ̃, a_g⟩.
    pub(crate) euler: Vec<f64>,
    /// Clarke columns (sparse, stored in full).
    pub(crate) kinks: Vec<KinkCol>,
    p: usize,
    src: Source<'a>,
    cache: RefCell<RowCache>,
    sweeps: Cell<usize>,
}

/// max_j |a_j| ([`max_abs`], NaN entries ignored), 1 when it is 0 or not finite (a
/// neutral column scale).
pub(crate) fn col_scale(a: &[f64]) -> f64 {
    let m = max_abs(a);
    if m > 0.0 && m.is_finite() {
        m
    } else {
        1.0
    }
}

impl<'a> GenSet<'a> {
    /// Generators given as explicit vectors (all of length `p`), every row cached.
    pub(crate) fn from_vectors(
        p: usize,
        vecs: Vec<Vec<f64>>,
        comp: Vec<f64>,
        theta: &[f64],
        kinks: Vec<KinkCol>,
    ) -> GenSet<'a> {
        let scale = vecs.iter().map(|a| col_scale(a)).collect();
        let euler = vecs.iter().map(|a| crate::params::dot(theta, a)).collect();
        let g = GenSet {
            comp,
            scale,
            euler,
            kinks,
            p,
            cache: RefCell::new(RowCache {
                slot: vec![usize::MAX; p],
                data: Vec::new(),
                m: vecs.len(),
                count: 0,
            }),
            src: Source::Vectors(vecs),
            sweeps: Cell::new(0),
        };
        g.ensure_rows(&(0..p).collect::<Vec<_>>());
        g
    }

    /// The first sweep over the samples for `model` at the rescaled θ̃ (`theta`), with
    /// margins `q` of the original θ (q̃ = q/q_min): c_i, sc_i, e_i, the Clarke columns and
    /// the weighted sum Σ_i w_i a_i for the given weights (the trajectory generator, also
    /// the warm start of row generation); `cfg` gives the Clarke settings (`clarke`,
    /// `kink_tol`). With `cache_all`, every row is cached in the same sweep (the plain LP).
    /// Errors when a gradient is not finite.
    pub(crate) fn from_model(
        model: &'a dyn Model,
        data: &'a Dataset,
        theta: Vec<f64>,
        q: &[f64],
        cfg: &CheckConfig,
        weights: &[f64],
        cache_all: bool,
    ) -> Result<(GenSet<'a>, Vec<f64>)> {
        let (kink_tol, clarke) = (cfg.kink_tol, cfg.clarke);
        let p = theta.len();
        let m = data.margin_rows();
        let q_min = q.iter().cloned().fold(f64::INFINITY, f64::min);
        let mut g = GenSet {
            comp: Vec::with_capacity(m),
            scale: Vec::with_capacity(m),
            euler: Vec::with_capacity(m),
            kinks: Vec::new(),
            p,
            cache: RefCell::new(RowCache {
                slot: vec![usize::MAX; p],
                data: Vec::new(),
                m,
                count: 0,
            }),
            src: Source::Model {
                model,
                data,
                theta,
                kink_tol,
                clarke,
            },
            sweeps: Cell::new(1),
        };
        if cache_all {
            let mut c = g.cache.borrow_mut();
            c.data = vec![0.0; m * p];
            for (j, s) in c.slot.iter_mut().enumerate() {
                *s = j;
            }
            c.count = p;
        }
        let mut wsum = vec![0.0; p];
        let mut base = vec![0.0; p];
        for i in 0..m {
            let dirs = g.base_gradient(i, &mut base);
            if base.iter().any(|v| !v.is_finite()) {
                return Err(Error::Numerical(format!(
                    "the gradient of margin row {i} at the rescaled θ is not finite"
                )));
            }
            g.comp.push(q[i] / q_min - 1.0);
            g.scale.push(col_scale(&base));
            let e = crate::params::dot(g.theta(), &base);
            g.euler.push(e);
            if weights[i] != 0.0 {
                for (s, b) in wsum.iter_mut().zip(&base) {
                    *s += weights[i] * b;
                }
            }
            if cache_all {
                let mut c = g.cache.borrow_mut();
                for (j, b) in base.iter().enumerate() {
                    c.data[j * m + i] = *b;
                }
            }
            for d in dirs {
                let entries: Vec<(usize, f64)> = d
                    .entries
                    .iter()
                    .filter(|(j, v)| *j < p && v.is_finite() && *v != 0.0)
                    .map(|&(j, v)| (j, v))
                    .collect();
                if !entries.is_empty() {
                    g.kinks.push(KinkCol {
                        gen: i,
                        factor: 1.0,
                        entries,
                    });
                }
            }
        }
        Ok((g, wsum))
    }

    /// θ̃ of a model source (empty for explicit vectors).
    fn theta(&self) -> &[f64] {
        match &self.src {
            Source::Model { theta, .. } => theta,
            Source::Vectors(_) => &[],
        }
    }

    /// The base gradient ∇q_r of margin row r (signed: y_i∇f(x_i) for binary data,
    /// ∇f_{y_i}(x_i) − ∇f_c(x_i) for a multiclass pair, [`Dataset::row_combo`]) written to
    /// `base`, and its Clarke directions (model sources only).
    fn base_gradient(&self, i: usize, base: &mut [f64]) -> Vec<crate::models::KinkDirection> {
        match &self.src {
            Source::Model {
                model,
                data,
                theta,
                kink_tol,
                clarke,
            } => {
                let mut s = vec![0.0; data.outputs()];
                let x = data.row(data.row_combo(i, &mut s));
                if *clarke {
                    model.combo_clarke_gradient(theta, &x, &s, *kink_tol, base)
                } else {
                    model.combo_gradient(theta, &x, &s, base);
                    Vec::new()
                }
            }
            Source::Vectors(v) => {
                base.copy_from_slice(&v[i]);
                Vec::new()
            }
        }
    }

    /// Number of generators.
    pub(crate) fn len(&self) -> usize {
        self.comp.len()
    }

    /// Sweeps over the samples so far (gradient recomputations, for the statistics).
    pub(crate) fn sweeps(&self) -> usize {
        self.sweeps.get()
    }

    /// The row cache (read access).
    pub(crate) fn rows(&self) -> Ref<'_, RowCache> {
        self.cache.borrow()
    }

    /// Make sure every coordinate in `js` has its row cached (one sweep over the samples for
    /// a model source when some are missing).
    pub(crate) fn ensure_rows(&self, js: &[usize]) {
        self.ensure_rows_prefetch(js, &[]);
    }

    /// As [`GenSet::ensure_rows`]; when a sweep is needed anyway, the rows of `prefetch`
    /// (the coordinates likely to be asked for next) are cached in the same sweep — a sweep
    /// costs m gradients whatever the number of rows it extracts.
    pub(crate) fn ensure_rows_prefetch(&self, js: &[usize], prefetch: &[usize]) {
        let missing = |list: &[usize]| -> Vec<usize> {
            let c = self.cache.borrow();
            let mut v: Vec<usize> = list
                .iter()
                .cloned()
                .filter(|&j| j < self.p && !c.has(j))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let mut missing_js = missing(js);
        if missing_js.is_empty() {
            return;
        }
        missing_js.extend(missing(prefetch));
        missing_js.sort_unstable();
        missing_js.dedup();
        let missing = missing_js;
        let mut c = self.cache.borrow_mut();
        let m = c.m;
        let slots: Vec<usize> = missing.iter().map(|&j| c.insert(j)).collect();
        match &self.src {
            Source::Vectors(v) => {
                for (&j, &s) in missing.iter().zip(&slots) {
                    for (g, a) in v.iter().enumerate() {
                        c.data[s * m + g] = a[j];
                    }
                }
            }
            Source::Model { .. } => {
                self.sweeps.set(self.sweeps.get() + 1);
                let mut base = vec![0.0; self.p];
                for i in 0..m {
                    let _ = self.base_gradient(i, &mut base);
                    for (&j, &s) in missing.iter().zip(&slots) {
                        c.data[s * m + i] = base[j];
                    }
                }
            }
        }
    }

    /// out += Σ_g coef_g a_g over all p coordinates (coef_g = 0 generators are skipped).
    pub(crate) fn accumulate(&self, coef: &[f64], out: &mut [f64]) {
        let c = self.cache.borrow();
        if c.len() == self.p {
            for (j, o) in out.iter_mut().enumerate() {
                if let Some(row) = c.get(j) {
                    *o += row
                        .iter()
                        .zip(coef)
                        .filter(|(_, l)| **l != 0.0)
                        .map(|(a, l)| a * l)
                        .sum::<f64>();
                }
            }
            return;
        }
        drop(c);
        match &self.src {
            Source::Vectors(v) => {
                for (a, &l) in v.iter().zip(coef) {
                    if l != 0.0 {
                        for (o, x) in out.iter_mut().zip(a) {
                            *o += l * x;
                        }
                    }
                }
            }
            Source::Model { .. } => {
                let mut base = vec![0.0; self.p];
                for (i, &l) in coef.iter().enumerate() {
                    if l == 0.0 {
                        continue;
                    }
                    let _ = self.base_gradient(i, &mut base);
                    for (o, b) in out.iter_mut().zip(&base) {
                        *o += l * b;
                    }
                }
            }
        }
    }

    /// (⟨z, a_g⟩)_g for a z supported on `support` (the coordinates where z may be nonzero;
    /// their rows are cached first if they are not already).
    pub(crate) fn dots(&self, z: &[f64], support: &[usize]) -> Vec<f64> {
        self.ensure_rows(support);
        let c = self.cache.borrow();
        let mut out = vec![0.0; self.len()];
        for &j in support {
            let zj = z[j];
            if zj == 0.0 {
                continue;
            }
            if let Some(row) = c.get(j) {
                for (o, a) in out.iter_mut().zip(row) {
                    *o += zj * a;
                }
            }
        }
        out
    }
}
