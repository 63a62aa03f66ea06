//! The refinement loop around the κ LP: **column generation** for the smooth dual balls
//! (rank-one atoms for the nuclear balls of spectral blocks, points of the ℓq sphere for ℓp /
//! ℓ2 blocks; inner approximations), the independent recomputation of the certificate, and the **certified
//! Lagrangian lower bound** computed in plain Rust from the LP's dual prices.
//!
//! # The lower bound
//!
//! Write a_g for the generator vectors, c_g ≥ 0 for their complementarity coefficients, d_k
//! for the Clarke directions (0 ≤ β_k ≤ f_k λ_{g(k)}), V = ∂_τN(θ̃) and
//! κ* = min max(‖r‖_∞/N, L Σ λ_g c_g / N²) over λ ≥ 0, β, v ∈ V, with
//! r = Σ λ_g a_g + Σ β_k d_k − N v. For any z ∈ ℝ^p and ω with ‖z‖₁ ≤ ω ≤ 1,
//! max(A, B) ≥ ⟨z, r⟩/N·[A = ‖r‖_∞/N] + (1 − ω)B, so
//!
//! ```text
//!   κ* ≥ min_{λ,β,v} Σ_g λ_g·b_g − σ_V(z),   b_g = ⟨z, a_g⟩/N + (1−ω) L c_g/N² + Σ_{k: g(k)=g} f_k min(0, ⟨z, d_k⟩)/N,
//! ```
//!
//! with σ_V(z) = max_{v ∈ V} ⟨z, v⟩. If every b_g ≥ 0 the bound is −σ_V(z). If some b_g < 0
//! (the solver's duals are only approximately feasible) the minimum over λ ≥ 0 would be −∞;
//! but only certificates with s ≤ κ̄ (any achieved κ, e.g. the recomputed one) matter, and for
//! those Euler's identity bounds λ: with e_g = ⟨θ̃, a_g⟩ + Σ_k f_k min(0, ⟨θ̃, d_k⟩) (≈ L q̃_g > 0)
//!
//! ```text
//!   Σ_g λ_g e_g ≤ ⟨θ̃, r⟩ + N⟨θ̃, v⟩ ≤ ‖θ̃‖₁ κ̄ N + N²,
//! ```
//!
//! so Σ_g λ_g b_g ≥ −max_g (b_g⁻/e_g)·N(‖θ̃‖₁κ̄ + N). σ_V(z) is bounded from above through the
//! **exact** norm ([`super::subdiff::Encoding::support_bound`]), never through the LP's
//! approximation of V. The certified bound is therefore
//!
//! ```text
//!   κ_lb = max(0, −σ̄_V(z) − max_g(b_g⁻/e_g)·N(‖θ̃‖₁κ̄ + N)),
//! ```
//!
//! valid for **any** z — the dual prices only make it tight. With column generation this
//! is the classical Lagrangian bound "restricted master value − maximal reduced-cost
//! violation × atom budget": σ_V(z) − σ_{V_restricted}(z) is exactly the violation of the best
//! rank-one atom (the top singular value of the pricing matrix z_b + ρθ̃_b) times the budget.
//! The dual prices of the residual rows give z_j = −(y_j⁺ + y_j⁻) (shadow prices of
//! r_j/N − s ≤ 0 and r_j/N + s ≥ 0).
//!
//! **Under row generation** (`kkt/rowgen.rs`) the LP has the residual rows of a coordinate
//! set J only, so z_j = 0 off J — still a valid z. Everything else in the bound is computed
//! as for the plain LP: b_g for **every** sample (active or screened out) from the cached
//! rows (a_gj)_g, j ∈ J, which hold all m samples; e_g and ‖θ̃‖₁ over all p coordinates; κ̄
//! recomputed over all p coordinates; σ̄_V from the exact norm. So the bound is a bound on
//! the plain LP's κ* in every round, and the loop keeps the best one.

use super::config::CheckConfig;
use super::kappa_lp::{build_kappa_lp, KappaCols, KappaData};
use super::lp::solve_with_retries;
use super::rowgen;
use super::subdiff::Encoding;
use crate::params::max_abs;
use std::time::Instant;

/// The certificate recomputed in plain Rust from an LP solution.
#[derive(Debug, Clone)]
pub(crate) struct Recomputed {
    /// λ_g ≥ 0 in the units of \[M\] Def. C.4 (Σ λ y h̃ ≈ N v).
    pub(crate) lambda: Vec<f64>,
    /// β_k ∈ [0, f_k λ_{g(k)}].
    pub(crate) beta: Vec<f64>,
    /// Verified v ∈ ∂_τN(θ̃).
    pub(crate) v: Vec<f64>,
    /// max |v − v_LP| of the projection.
    pub(crate) v_repair: f64,
    /// r = Σ λ a + Σ β d − N v.
    pub(crate) r: Vec<f64>,
    /// max(‖r‖_∞/N, L Σ λ c / N²).
    pub(crate) kappa: f64,
}

/// Recompute the certificate from the LP's primal values (clamp λ ≥ 0, clamp β into its
/// box, project v onto the exact relaxed set, recompute r and κ).
pub(crate) fn recompute(
    data: &KappaData,
    enc: &Encoding,
    cols: &KappaCols,
    x: &[f64],
) -> Result<Recomputed, String> {
    let n = data.n;
    let lambda = read_lambda(cols, x, n);
    let beta: Vec<f64> = cols
        .beta
        .iter()
        .zip(&cols.beta_scale)
        .zip(&data.gens.kinks)
        .map(|((c, &sd), k)| {
            c.map_or(0.0, |c| {
                (x[c] * n / sd).clamp(0.0, k.factor * lambda[k.gen])
            })
        })
        .collect();
    let g = combination(data, &lambda, &beta);
    let mut v_lp = cols.vmap.eval(x);
    if !cols.vmap.box_fixed.is_empty() {
        let u: Vec<f64> = g.iter().map(|gj| gj / n).collect();
        rowgen::polish_box(enc, &cols.vmap, &u, &mut v_lp);
    }
    let (v, v_repair) = enc.project(&v_lp)?;
    Ok(assemble_with(data, &g, lambda, beta, v, v_repair))
}

/// Σ_g λ_g a_g + Σ_k β_k d_k over all p coordinates.
fn combination(data: &KappaData, lambda: &[f64], beta: &[f64]) -> Vec<f64> {
    let mut g = vec![0.0; data.theta.len()];
    data.gens.accumulate(lambda, &mut g);
    for (k, kc) in data.gens.kinks.iter().enumerate() {
        for &(j, d) in &kc.entries {
            g[j] += beta[k] * d;
        }
    }
    g
}

/// r, ‖r‖_∞/N, LΣλc/N² and κ for explicit (λ, β, v). The residual is computed over **all**
/// p coordinates, whatever rows the LP had (row generation, `kkt/rowgen.rs`).
pub(crate) fn assemble(
    data: &KappaData,
    lambda: Vec<f64>,
    beta: Vec<f64>,
    v: Vec<f64>,
    v_repair: f64,
) -> Recomputed {
    let g = combination(data, &lambda, &beta);
    assemble_with(data, &g, lambda, beta, v, v_repair)
}

/// [`assemble`] with the combination g = Σ λ a + Σ β d already computed: r = g − N v.
fn assemble_with(
    data: &KappaData,
    g: &[f64],
    lambda: Vec<f64>,
    beta: Vec<f64>,
    v: Vec<f64>,
    v_repair: f64,
) -> Recomputed {
    let n = data.n;
    let r: Vec<f64> = g.iter().zip(&v).map(|(gj, vj)| gj - n * vj).collect();
    let rinf = max_abs(&r);
    let res_term = rinf / n;
    let comp: f64 = lambda.iter().zip(&data.gens.comp).map(|(l, c)| l * c).sum();
    let comp_term = data.l * comp / (n * n);
    Recomputed {
        lambda,
        beta,
        v,
        v_repair,
        r,
        kappa: res_term.max(comp_term),
    }
}

/// The certified lower bound and the pricing data it used.
#[derive(Debug, Clone)]
pub(crate) struct Bound {
    /// κ_lb ≥ 0.
    pub(crate) lb: f64,
    /// Normalized z (‖z‖₁ ≤ 1).
    pub(crate) z: Vec<f64>,
    /// ρ of the support-function bound.
    pub(crate) rho: f64,
    /// Generators with b_g < 0, with b_g⁻/e_g (their λ_g would lower the Lagrangian).
    pub(crate) violators: Vec<(usize, f64)>,
}

/// The certified lower bound of the module docs from shadow prices `y`, valid whenever
/// `kappa_up` is an achieved κ.
pub(crate) fn lower_bound(
    data: &KappaData,
    enc: &Encoding,
    cols: &KappaCols,
    y: &[f64],
    kappa_up: f64,
) -> Bound {
    let n = data.n;
    let p = data.theta.len();
    let gens = data.gens;
    // z is supported on the LP's residual rows (all p for the plain LP, J under row
    // generation); the bound below is valid for any z.
    let mut z = vec![0.0; p];
    let support: Vec<usize> = cols.res_rows.iter().map(|rr| rr.j).collect();
    for rr in &cols.res_rows {
        z[rr.j] = -(y[rr.up] + y[rr.lo]);
    }
    let mut rho_hint = cols.vmap.theta_row.map_or(f64::NAN, |r| y[r].max(0.0) / n);
    let z1: f64 = z.iter().map(|v| v.abs()).sum();
    if !z1.is_finite() {
        return Bound {
            lb: 0.0,
            z: vec![0.0; z.len()],
            rho: 0.0,
            violators: Vec::new(),
        };
    }
    if z1 > 1.0 {
        for v in z.iter_mut() {
            *v /= z1;
        }
        rho_hint /= z1;
    }
    let omega: f64 = z.iter().map(|v| v.abs()).sum::<f64>().min(1.0);
    let mut kink_z = vec![0.0; gens.len()];
    let mut kink_t = vec![0.0; gens.len()];
    for kc in &gens.kinks {
        let dz: f64 = kc.entries.iter().map(|&(j, d)| z[j] * d).sum();
        let dt: f64 = kc.entries.iter().map(|&(j, d)| data.theta[j] * d).sum();
        kink_z[kc.gen] += kc.factor * dz.min(0.0);
        kink_t[kc.gen] += kc.factor * dt.min(0.0);
    }
    // ⟨z, a_g⟩ for every generator (active or screened out) from the cached rows.
    let az = gens.dots(&z, &support);
    let mut worst = 0.0_f64; // max_g b_g⁻ / e_g
    let mut valid = true;
    let mut violators = Vec::new();
    for g in 0..gens.len() {
        let b = az[g] / n + (1.0 - omega) * data.l * gens.comp[g] / (n * n) + kink_z[g] / n;
        if b < 0.0 {
            let e = gens.euler[g] + kink_t[g];
            if e > 0.0 {
                worst = worst.max(-b / e);
                violators.push((g, -b / e));
            } else {
                valid = false;
                violators.push((g, f64::INFINITY));
            }
        }
    }
    let (sigma, rho) = enc.support_bound(&z, rho_hint);
    let th1: f64 = data.theta.iter().map(|v| v.abs()).sum();
    let penalty = worst * n * (th1 * kappa_up + n);
    let lb = if valid && sigma.is_finite() && kappa_up.is_finite() {
        (-sigma - penalty).max(0.0)
    } else {
        0.0
    };
    Bound {
        lb,
        z,
        rho,
        violators,
    }
}

/// Problems with at most this many samples use all of them from the start.
const SCREEN_ALL: usize = 64;
/// Maximal number of samples added per round by screening.
const SCREEN_BATCH: usize = 64;

/// The initial active samples: all when m ≤ [`SCREEN_ALL`], else those with q̃_i − 1 ≤ 0.25
/// and at least the [`SCREEN_ALL`] smallest margins.
///
/// **Why screening cannot change the certified numbers.** Inactive samples keep λ_i = 0, so
/// the recomputed κ is still achieved by an explicit certificate. The lower bound is computed
/// over *all* samples ([`lower_bound`] loops over every generator): an inactive sample whose
/// bracket b_i is negative only weakens it (through the penalty term) and is added to the LP
/// in the next round; the loop only reports convergence when no inactive sample violates.
fn initial_active(data: &KappaData) -> Vec<bool> {
    let comp = &data.gens.comp;
    let m = comp.len();
    if m <= SCREEN_ALL {
        return vec![true; m];
    }
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| comp[a].total_cmp(&comp[b]));
    let mut active = vec![false; m];
    for (rank, &g) in order.iter().enumerate() {
        active[g] = rank < SCREEN_ALL || comp[g] <= 0.25;
    }
    active
}

/// Outcome of the refinement loop.
#[derive(Debug, Clone)]
pub(crate) struct Refined {
    /// The certificate with the smallest recomputed κ.
    pub(crate) best: Option<Recomputed>,
    /// The best certified lower bound over all rounds.
    pub(crate) lb: f64,
    /// LP value of the last solve.
    pub(crate) lp_value: f64,
    /// Rounds run.
    pub(crate) rounds: usize,
    /// Atoms in the final encoding.
    pub(crate) atoms: usize,
    /// True when the certified bound met the LP value within `colgen_tol` (always, without
    /// atoms) and no screened-out sample violates.
    pub(crate) converged: bool,
    /// Retries, repairs and other remarks.
    pub(crate) notes: Vec<String>,
    /// Size of the last LP.
    pub(crate) rows: usize,
    /// See `rows`.
    pub(crate) cols: usize,
    /// Residual rows (coordinates) in the last LP: p for the plain LP.
    pub(crate) residual_rows: usize,
    /// Total LP wall time (build + solves), seconds.
    pub(crate) seconds: f64,
    /// Backend of the last successful solve.
    pub(crate) backend: Option<super::LpBackend>,
    /// Status string of the last successful solve.
    pub(crate) status: String,
}

/// Run the κ LP with column generation, sample screening and (when `rowgen`) row
/// generation over coordinates until converged (see the module docs and `kkt/rowgen.rs`).
/// `warm` is the warm-start direction for the initial row set. Errors only when not a
/// single solve succeeded (the reason lists every attempt).
pub(crate) fn solve_refined(
    data: &KappaData,
    enc: &mut Encoding,
    cfg: &CheckConfig,
    rowgen: bool,
    warm: Option<&[f64]>,
) -> Result<Refined, String> {
    let t0 = Instant::now();
    let p = data.theta.len();
    let mut out = Refined {
        best: None,
        lb: 0.0,
        lp_value: f64::NAN,
        rounds: 0,
        atoms: 0,
        converged: false,
        notes: Vec::new(),
        rows: 0,
        cols: 0,
        residual_rows: 0,
        seconds: 0.0,
        backend: None,
        status: String::new(),
    };
    let mut active = initial_active(data);
    let mut rows: Vec<usize> = if rowgen {
        let na = active.iter().filter(|a| **a).count();
        rowgen::initial_rows(enc, warm, na, cfg.row_batch)
    } else {
        (0..p).collect()
    };
    let row_min = if cfg.row_batch > 0 {
        cfg.row_batch
    } else {
        rowgen::ROW_BATCH_MIN
    };
    // Rows to cache with the next sweep (likely violated next: `rowgen::violated`).
    let mut prefetch: Vec<usize> = Vec::new();
    let mut in_rows = vec![false; p];
    for &j in &rows {
        in_rows[j] = true;
    }
    for round in 0..cfg.max_colgen_iters {
        let (lp, cols) = build_kappa_lp(
            data,
            enc,
            &active,
            &rows,
            rowgen.then_some(&in_rows[..]),
            &prefetch,
        );
        out.rows = lp.nrows();
        out.cols = lp.ncols();
        out.residual_rows = cols.res_rows.len();
        let sol = match solve_with_retries(&lp, cfg.backend, cfg.form, cfg.lp_tol, true) {
            Ok((sol, failures)) => {
                if !failures.is_empty() {
                    out.notes.push(format!(
                        "round {round}: retried after: {}",
                        failures.join("; ")
                    ));
                }
                sol
            }
            Err(reason) => {
                if out.best.is_none() {
                    return Err(reason);
                }
                out.notes.push(format!(
                    "round {round}: every solve failed ({reason}); kept the previous rounds"
                ));
                break;
            }
        };
        out.rounds = round + 1;
        out.lp_value = sol.value;
        out.backend = Some(sol.backend);
        out.status = sol.status.clone();
        // The full residual of this round's solution (all p coordinates), for row generation.
        let mut full_r: Option<Vec<f64>> = None;
        match recompute(data, enc, &cols, &sol.x) {
            Ok(rec) => {
                if rowgen {
                    full_r = Some(rec.r.clone());
                }
                if out.best.as_ref().is_none_or(|b| rec.kappa < b.kappa) {
                    out.best = Some(rec);
                }
            }
            Err(e) => out.notes.push(format!("round {round}: {e}")),
        }
        if rowgen && full_r.is_none() {
            // v could not be verified: select rows from the unverified LP values (only the
            // row choice depends on it, never a reported number).
            full_r = Some(raw_residual(data, &cols, &sol.x));
        }
        let kappa_up = out.best.as_ref().map_or(f64::INFINITY, |b| b.kappa);
        let Some(y) = sol.y.as_ref() else {
            out.notes
                .push("no dual prices: no certified lower bound".into());
            break;
        };
        let bound = lower_bound(data, enc, &cols, y, kappa_up);
        out.lb = out.lb.max(bound.lb);
        // The best certified bound so far (every round's bound is valid).
        let gap = sol.value - out.lb;
        // Row generation: the coordinates whose full residual violates the LP value, and
        // the omitted ℓ∞ coordinates whose v columns price out.
        let mut new_rows = match &full_r {
            Some(r) if rowgen => {
                let batch = rows.len().max(row_min);
                let (v, near) = rowgen::violated(r, data.n, sol.value, &in_rows, batch);
                prefetch = near;
                v
            }
            _ => Vec::new(),
        };
        if rowgen {
            let batch = rows.len().max(row_min);
            let (priced, near) = rowgen::priced_split_columns(data, &cols.vmap, y, &in_rows, batch);
            for j in priced {
                if !new_rows.contains(&j) {
                    new_rows.push(j);
                }
            }
            prefetch.extend(near);
        }
        for &j in &new_rows {
            in_rows[j] = true;
        }
        rows.extend(&new_rows);
        rows.sort_unstable();
        // Sample screening: add the inactive samples whose multiplier would lower the
        // Lagrangian (most violated first).
        let mut add: Vec<(usize, f64)> = bound
            .violators
            .iter()
            .filter(|(g, _)| !active[*g])
            .cloned()
            .collect();
        add.sort_by(|a, b| b.1.total_cmp(&a.1));
        add.truncate(SCREEN_BATCH);
        for (g, _) in &add {
            active[*g] = true;
        }
        let colgen_done = !enc.has_atoms() || gap <= cfg.colgen_tol * sol.value.max(0.01);
        if colgen_done && add.is_empty() && new_rows.is_empty() {
            out.converged = true;
            break;
        }
        let na = if colgen_done {
            0
        } else {
            match enc.refine(&bound.z, bound.rho) {
                Ok(c) => c,
                Err(e) => {
                    out.notes
                        .push(format!("round {round}: column generation failed: {e}"));
                    break;
                }
            }
        };
        if na == 0 && add.is_empty() && new_rows.is_empty() {
            out.notes.push(format!(
                "column generation stalled at round {round} with LP value − bound = {gap:.3e}"
            ));
            break;
        }
    }
    out.atoms = enc.atom_count();
    if !out.converged && out.rounds == cfg.max_colgen_iters {
        out.notes.push(format!(
            "refinement not converged after {} rounds (the bound and κ are still valid, only less tight)",
            cfg.max_colgen_iters
        ));
    }
    out.seconds = t0.elapsed().as_secs_f64();
    Ok(out)
}

/// λ_i ≥ 0 read back from the LP solution `x` (column values rescaled by n / column scale,
/// clamped at 0; samples without a column get 0).
fn read_lambda(cols: &KappaCols, x: &[f64], n: f64) -> Vec<f64> {
    cols.lam
        .iter()
        .zip(&cols.lam_scale)
        .map(|(c, &sc)| c.map_or(0.0, |c| (x[c] * n / sc).max(0.0)))
        .collect()
}

/// The residual of the LP's raw values (λ, β clamped, v unverified) over all coordinates:
/// used only to choose rows when v fails verification.
fn raw_residual(data: &KappaData, cols: &KappaCols, x: &[f64]) -> Vec<f64> {
    let n = data.n;
    let lambda = read_lambda(cols, x, n);
    let beta: Vec<f64> = cols
        .beta
        .iter()
        .zip(&cols.beta_scale)
        .map(|(c, &sd)| c.map_or(0.0, |c| (x[c] * n / sd).max(0.0)))
        .collect();
    let v = cols.vmap.eval(x);
    assemble(data, lambda, beta, v, 0.0).r
}
