//! Assembly of the κ LP over the generators of a [`GenSet`] and the
//! residual rows of a coordinate set, in scaled variables:
//!
//! ```text
//!   min s   s.t.   −s ≤ Σ_g (a_gj/sc_g) λ'_g + Σ_k (d_kj/sd_k) β'_k − v_j ≤ s      (j ∈ rows)
//!                  Σ_g L c_g/(N sc_g) λ'_g − s ≤ 0
//!                  β'_k − factor_k (sd_k/sc_g) λ'_g ≤ 0,  λ', β', s ≥ 0,  v ∈ ∂_τN(θ̃)
//! ```
//!
//! with λ_g = λ'_g N/sc_g and β_k = β'_k N/sd_k ([`build_kappa_lp`]). The LP itself is the
//! generic [`LinProg`] of `kkt/lp.rs`; the v columns and rows come from the
//! subdifferential encoding (`kkt/subdiff.rs`, one dual-ball cone per block in
//! `kkt/cones/`).

use super::cones::VMap;
use super::gens::{col_scale, GenSet};
use super::lp::{LinProg, Sense};
use super::subdiff::Encoding;

/// Everything the κ LP needs besides the subdifferential encoding.
///
/// The generators ("columns" λ_g ≥ 0 times a_g) are one per sample for the main certificate
/// (a_i = y_i h̃_i, c_i = q̃_i − 1); the trajectory certificate has a single generator
/// a = Σ_i w_i y_i h̃_i, c = Σ_i w_i(q̃_i − 1). They are held by a [`GenSet`], which never
/// needs the dense m × p matrix.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KappaData<'a> {
    /// Homogeneity degree L.
    pub(crate) l: f64,
    /// N(θ̃).
    pub(crate) n: f64,
    /// θ̃.
    pub(crate) theta: &'a [f64],
    /// Generators and Clarke columns.
    pub(crate) gens: &'a GenSet<'a>,
}

/// One residual row pair of a built κ LP.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResRow {
    /// Coordinate j.
    pub(crate) j: usize,
    /// Row of r_j/N − s ≤ 0.
    pub(crate) up: usize,
    /// Row of r_j/N + s ≥ 0.
    pub(crate) lo: usize,
}

/// Column / row bookkeeping of a built κ LP.
#[derive(Debug, Clone)]
pub(crate) struct KappaCols {
    /// Column of each scaled generator multiplier λ'_g = λ_g·sc_g/N (None: not in the
    /// active set, λ_g = 0).
    pub(crate) lam: Vec<Option<usize>>,
    /// sc_g = ‖a_g‖_∞ (1 when a_g = 0).
    pub(crate) lam_scale: Vec<f64>,
    /// Column of each scaled Clarke multiplier β'_k = β_k·sd_k/N (None with its generator).
    pub(crate) beta: Vec<Option<usize>>,
    /// sd_k = max |d_k|.
    pub(crate) beta_scale: Vec<f64>,
    /// The residual rows in the LP: every coordinate for the plain LP, the current row set
    /// J under row generation.
    pub(crate) res_rows: Vec<ResRow>,
    /// v as a function of the columns.
    pub(crate) vmap: VMap,
}

/// Build the κ LP over the generators with `active[g]` (the others keep
/// λ_g = 0) and the residual rows of the coordinates in `rows` (all p for the plain LP;
/// `vcols` restricts the polyhedral v columns the same way, see
/// [`super::subdiff::Encoding::add_to_lp`]; `prefetch` lists rows worth caching if the
/// generator rows must be recomputed anyway), in scaled variables:
///
/// ```text
///   min s   s.t.   −s ≤ Σ_g (a_gj/sc_g) λ'_g + Σ_k (d_kj/sd_k) β'_k − v_j ≤ s      (j ∈ rows)
///                  Σ_g L c_g/(N sc_g) λ'_g − s ≤ 0
///                  β'_k − factor_k (sd_k/sc_g) λ'_g ≤ 0,  λ', β', s ≥ 0,  v ∈ ∂_τN(θ̃)
/// ```
///
/// which is the LP of the module docs after λ_g = λ'_g N/sc_g, β_k = β'_k N/sd_k (the rows
/// are r/N and L Σ λ c/N²). Scaling every column to unit ‖·‖_∞ keeps the coefficients in
/// [−1, 1] whatever the scale of the data and of θ̃. With `rows` a strict subset the LP is a
/// **relaxation** (fewer constraints, same variables): its value is ≤ the plain LP's, and
/// any solution whose full residual meets the dropped rows is optimal for the plain LP
/// (`kkt/rowgen.rs`).
pub(crate) fn build_kappa_lp(
    data: &KappaData,
    enc: &Encoding,
    active: &[bool],
    rows: &[usize],
    vcols: Option<&[bool]>,
    prefetch: &[usize],
) -> (LinProg, KappaCols) {
    let p = data.theta.len();
    let gens = data.gens;
    gens.ensure_rows_prefetch(rows, prefetch);
    let cache = gens.rows();
    let inf = f64::INFINITY;
    let mut lp = LinProg::default();
    let s = lp.add_col(0.0, inf, 1.0);
    let lam_scale: Vec<f64> = gens.scale.clone();
    let lam: Vec<Option<usize>> = (0..gens.len())
        .map(|g| active[g].then(|| lp.add_col(0.0, inf, 0.0)))
        .collect();
    let beta_scale: Vec<f64> = gens
        .kinks
        .iter()
        .map(|k| col_scale(&k.entries.iter().map(|e| e.1).collect::<Vec<_>>()))
        .collect();
    let beta: Vec<Option<usize>> = gens
        .kinks
        .iter()
        .map(|k| lam[k.gen].map(|_| lp.add_col(0.0, inf, 0.0)))
        .collect();
    let vmap = enc.add_to_lp(&mut lp, vcols);
    // Position of each coordinate in `rows`.
    let mut pos = vec![usize::MAX; p];
    for (k, &j) in rows.iter().enumerate() {
        if j < p {
            pos[j] = k;
        }
    }
    // Clarke terms per residual row.
    let mut kink_terms: Vec<Vec<(usize, f64)>> = vec![Vec::new(); rows.len()];
    for (k, kc) in gens.kinks.iter().enumerate() {
        if let Some(c) = beta[k] {
            for &(j, v) in &kc.entries {
                if j < p && pos[j] != usize::MAX {
                    kink_terms[pos[j]].push((c, v / beta_scale[k]));
                }
            }
        }
    }
    let act: Vec<(usize, usize)> = lam
        .iter()
        .enumerate()
        .filter_map(|(g, c)| c.map(|c| (g, c)))
        .collect();
    let mut res_rows = Vec::with_capacity(rows.len());
    for (&j, kt) in rows.iter().zip(&kink_terms) {
        let Some(arow) = (j < p).then(|| cache.get(j)).flatten() else {
            continue;
        };
        let nt = act.len() + kt.len() + vmap.terms[j].len() + 1;
        let mut idx = Vec::with_capacity(nt);
        let mut val = Vec::with_capacity(nt);
        for &(g, c) in &act {
            idx.push(c);
            val.push(arow[g] / lam_scale[g]);
        }
        for &(c, v) in kt {
            idx.push(c);
            val.push(v);
        }
        for &(c, v) in &vmap.terms[j] {
            idx.push(c);
            val.push(-v);
        }
        let cst = vmap.constant[j];
        let (mut iu, mut vu) = (idx.clone(), val.clone());
        iu.push(s);
        vu.push(-1.0);
        let up = lp.add_row(iu, vu, Sense::Le, cst);
        idx.push(s);
        val.push(1.0);
        let lo = lp.add_row(idx, val, Sense::Ge, cst);
        res_rows.push(ResRow { j, up, lo });
    }
    drop(cache);
    // Complementarity: L Σ λ c / N² ≤ s.
    let (mut idx, mut val): (Vec<usize>, Vec<f64>) = act
        .iter()
        .map(|&(g, c)| (c, data.l * gens.comp[g] / (data.n * lam_scale[g])))
        .unzip();
    idx.push(s);
    val.push(-1.0);
    lp.add_row(idx, val, Sense::Le, 0.0);
    for (k, kc) in gens.kinks.iter().enumerate() {
        if let (Some(b), Some(l)) = (beta[k], lam[kc.gen]) {
            lp.add_row(
                vec![b, l],
                vec![1.0, -kc.factor * beta_scale[k] / lam_scale[kc.gen]],
                Sense::Le,
                0.0,
            );
        }
    }
    (
        lp,
        KappaCols {
            lam,
            lam_scale,
            beta,
            beta_scale,
            res_rows,
            vmap,
        },
    )
}
