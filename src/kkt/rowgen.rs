//! **Row generation over coordinates**: solve the κ LP with the residual rows of a subset J
//! of the p coordinates only, check the residual of the solution on **all** p coordinates,
//! add the violated rows, and repeat until none is violated.
//!
//! # Why it cannot change the certificate
//!
//! Write P(J) for the κ LP with the residual rows −s ≤ r_j/N ≤ s for j ∈ J only (every
//! variable — λ, β, v — and every other row unchanged; [`super::kappa_lp::build_kappa_lp`]).
//!
//! 1. **Relaxation.** P(J) drops constraints of P(all), so its value s_J ≤ κ* (the plain LP's
//!    optimum). Its dual prices are a dual vector of P(all) with z_j = 0 for j ∉ J, and the
//!    certified lower bound (`kkt/colgen.rs`) is valid for *any* z: it is computed with the
//!    exact support function of ∂_τN(θ̃), over all samples, with the Euler numbers e_g and
//!    ‖θ̃‖₁ of the full vectors. So every round's bound is a valid lower bound on κ*.
//! 2. **Achieved κ.** The certificate (λ, β, v) of every round is recomputed in plain Rust
//!    with the residual r over **all** p coordinates ([`super::colgen::assemble`]), so the
//!    reported `kappa` is achieved by an explicit certificate exactly as for the plain LP.
//! 3. **Termination = plain optimum.** The loop only stops as converged when no coordinate
//!    outside J has |r_j|/N > s_J·(1 + 10⁻⁶) + 10⁻⁹ ([`violated`]). Then the LP's solution is
//!    feasible for P(all) with objective ≤ s_J·(1 + 10⁻⁶) + 10⁻⁹ ≤ κ*(1 + 10⁻⁶) + 10⁻⁹, i.e. it
//!    is optimal for the plain LP up to these tolerances, and (by LP duality) its dual prices
//!    give the plain LP's bound. Each round adds at least one violated row, so after at
//!    most p rounds J = all and P(J) is the plain LP.
//!
//! Neither number can therefore differ in meaning from the plain LP's; the row set only
//! decides how fast they are found. `tests/kkt_scaling.rs` compares both paths.
//!
//! # The initial row set
//!
//! r = Σ λ_g a_g + Σ β_k d_k − N v is large where N v is large or where the generators are, so
//! J₀ is the union of: the n₀ largest coordinates of N·s (s the exact subgradient
//! `Norm::subgradient` at θ̃), the n₀ largest coordinates of the residual of the *warm
//! start* c·w − N s (w = Σ_i e^{−(q_i − q_min)} y_i h̃_i, the loss-gradient direction that
//! the trajectory certificate uses, c fitted by least squares), and, for entrywise-ℓ∞
//! segments, every coordinate with |θ̃_j| ≥ (1 − 2τ)·max_segment |θ̃| (where v can put its mass
//! at no cost in ⟨v, θ̃⟩). n₀ = max(64, 2·(active samples)): a vertex of P(all) has at most
//! as many binding residual rows as columns.

use super::cones::VMap;
use super::kappa_lp::KappaData;
use super::subdiff::{Encoding, V_SLACK};

/// Relative tolerance of the reduced-cost test of omitted ℓ∞ columns (the interior-point
/// duals are accurate to ≈ 10⁻¹⁰ relative; 10⁻⁶ avoids adding columns for rounding).
const PRICE_REL: f64 = 1e-6;
/// Absolute tolerance of the same test (dual prices of the scaled LP are O(1)).
const PRICE_ABS: f64 = 1e-12;

/// Relative tolerance of the violation test (see the module docs).
pub(crate) const ROW_REL: f64 = 1e-6;
/// Absolute tolerance of the violation test (κ is a relative residual, 10⁻⁹ is far below
/// every threshold and at the level of the plain LP's own accuracy, 10⁻¹⁰ per row).
pub(crate) const ROW_ABS: f64 = 1e-9;

/// Minimal number of rows added per round (the batch is max(this, |J|): J at most doubles).
pub(crate) const ROW_BATCH_MIN: usize = 64;

/// Indices of the `n` largest |x_j| (ties by index), ignoring zeros.
fn top_abs(x: &[f64], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..x.len()).filter(|&j| x[j] != 0.0).collect();
    if idx.len() > n {
        idx.select_nth_unstable_by(n, |&a, &b| x[b].abs().total_cmp(&x[a].abs()));
        idx.truncate(n);
    }
    idx
}

/// The initial row set J₀ (sorted, deduplicated), see the module docs.
pub(crate) fn initial_rows(
    enc: &Encoding,
    warm: Option<&[f64]>,
    n_active: usize,
    row_batch: usize,
) -> Vec<usize> {
    let p = enc.theta.len();
    let n0 = if row_batch > 0 {
        row_batch
    } else {
        (n_active / 2).max(64)
    }
    .min(p);
    let nn = enc.n;
    let mut s = vec![0.0; p];
    enc.norm.subgradient(&enc.layout, &enc.theta, &mut s);
    for x in s.iter_mut() {
        *x *= nn;
    }
    let mut rows = top_abs(&s, n0);
    if let Some(w) = warm {
        let ww: f64 = w.iter().map(|x| x * x).sum();
        let ws: f64 = w.iter().zip(&s).map(|(a, b)| a * b).sum();
        let c = if ww > 0.0 && ws > 0.0 { ws / ww } else { 0.0 };
        let r0: Vec<f64> = w.iter().zip(&s).map(|(a, b)| c * a - b).collect();
        rows.extend(top_abs(&r0, n0));
        if c > 0.0 {
            rows.extend(top_abs(w, n0));
        }
    }
    rows.extend(enc.free_mass_coordinates());
    rows.retain(|&j| j < p);
    rows.sort_unstable();
    rows.dedup();
    if rows.is_empty() {
        rows.push(0);
    }
    rows
}

/// The coordinates outside `in_rows` whose residual violates the current LP value:
/// |r_j|/N > s·(1 + [`ROW_REL`]) + [`ROW_ABS`], most violated first, at most `batch`; and the
/// *near* violators (|r_j|/N > s/2, the next `batch` after those) whose rows are worth
/// caching with the next sweep ([`super::gens::GenSet::ensure_rows_prefetch`]).
pub(crate) fn violated(
    r: &[f64],
    n: f64,
    s: f64,
    in_rows: &[bool],
    batch: usize,
) -> (Vec<usize>, Vec<usize>) {
    let thr = s.max(0.0) * (1.0 + ROW_REL) + ROW_ABS;
    let mut v: Vec<(usize, f64)> = r
        .iter()
        .enumerate()
        .filter(|(j, _)| !in_rows[*j])
        .map(|(j, x)| (j, x.abs() / n))
        .filter(|(_, x)| *x > 0.5 * thr || x.is_nan())
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    let nv = v
        .iter()
        .take(batch)
        .take_while(|(_, x)| *x > thr || x.is_nan())
        .count();
    let near = v[nv..].iter().take(batch).map(|(j, _)| *j).collect();
    (v[..nv].iter().map(|(j, _)| *j).collect(), near)
}

/// Omitted entrywise-ℓ∞ coordinates whose v columns have a negative reduced cost (see the
/// module docs): a column v±_j (j ∉ J) appears only in its segment's budget row (price
/// y_b ≤ 0) and in the θ row (coefficient ±θ̃_j/N, price y_θ ≥ 0), so its reduced cost is
/// −y_b ∓ θ̃_j y_θ/N, negative iff |θ̃_j|·y_θ/N > |y_b|. Most negative first, at most `batch`;
/// and the near candidates (|θ̃_j|·y_θ/N > |y_b|/2, the next `batch`) for prefetching.
pub(crate) fn priced_split_columns(
    data: &KappaData,
    vmap: &VMap,
    y: &[f64],
    in_rows: &[bool],
    batch: usize,
) -> (Vec<usize>, Vec<usize>) {
    let Some(tr) = vmap.theta_row else {
        return (Vec::new(), Vec::new());
    };
    let yt = y[tr].max(0.0) / data.n;
    // (j, price − threshold, price − threshold/2)
    let mut out: Vec<(usize, f64, f64)> = Vec::new();
    for (range, row) in &vmap.split_rows {
        let yb = y[*row].min(0.0).abs();
        let thr = yb * (1.0 + PRICE_REL) + PRICE_ABS;
        out.extend(
            range
                .clone()
                .filter(|&j| !in_rows[j])
                .map(|j| {
                    (
                        j,
                        data.theta[j].abs() * yt - thr,
                        data.theta[j].abs() * yt - 0.5 * thr,
                    )
                })
                .filter(|(_, _, d)| *d > 0.0),
        );
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    let np = out
        .iter()
        .take(batch)
        .take_while(|(_, d, _)| *d > 0.0)
        .count();
    let near = out[np..].iter().take(batch).map(|e| e.0).collect();
    (out[..np].iter().map(|e| e.0).collect(), near)
}

/// Re-choose the fixed v_j (j outside the row set, ℓ1 as the only segment: v_j = s_j in the
/// LP) after the solve, given u = (Σ λ a + Σ β d)/N (the vector v should match): with
/// v_j(t) = the point of [u_j − t, u_j + t] ∩ [−w, w] that maximizes θ̃_j v_j (the point of
/// [−w, w] nearest u_j when the intersection is empty), take the smallest t ≥ 0 for which
/// ⟨v, θ̃⟩ ≥ (1 − τ − V_SLACK/2)N still holds (bisection: ⟨v(t), θ̃⟩ is nondecreasing in t, and large t
/// gives back v_j = s_j, the LP's choice). Every |v_j| stays ≤ w and the θ row holds, so v
/// stays in the exact set (the certificate projects and verifies it anyway); the residual
/// |u_j − v_j|·N outside J drops from |u_j − s_j|·N to max(t, |u_j| − w)·N. Without this
/// the rigid s_j makes almost every small-|θ̃_j| coordinate look violated (measured: J grew
/// to ≈ 90 % of p on the digits nets). The LP with v_j = s_j fixed has the value of the LP
/// with them free (see `Encoding::add_to_lp`), so only the choice of v changes, not what
/// is certified. Nothing changes when the LP's own v misses the θ row (then `project`
/// repairs as usual).
pub(crate) fn polish_box(enc: &Encoding, vmap: &VMap, u: &[f64], v: &mut [f64]) {
    let w = vmap.box_weight;
    let th = &enc.theta;
    let fixed = &vmap.box_fixed;
    // Half the verification slack of `Encoding::project` (the LP meets its θ row only to
    // the solver's tolerance).
    let target = (1.0 - enc.tau - 0.5 * V_SLACK) * enc.n;
    let base: f64 = v.iter().zip(th).map(|(a, b)| a * b).sum::<f64>()
        - fixed.iter().map(|&j| v[j] * th[j]).sum::<f64>();
    let pick = |j: usize, t: f64| -> f64 {
        let (lo, hi) = ((u[j] - t).max(-w), (u[j] + t).min(w));
        if lo > hi {
            u[j].clamp(-w, w)
        } else if th[j] > 0.0 {
            hi
        } else if th[j] < 0.0 {
            lo
        } else {
            u[j].clamp(lo, hi)
        }
    };
    let value = |t: f64| base + fixed.iter().map(|&j| pick(j, t) * th[j]).sum::<f64>();
    let umax = fixed.iter().fold(0.0_f64, |m, &j| m.max(u[j].abs()));
    let mut hi = 2.0 * w + umax;
    if !(value(hi) >= target) || !hi.is_finite() {
        return;
    }
    let mut lo = 0.0;
    if value(lo) < target {
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if value(mid) >= target {
                hi = mid;
            } else {
                lo = mid;
            }
            if hi - lo <= 1e-15 * (1.0 + hi) {
                break;
            }
        }
    } else {
        hi = 0.0;
    }
    for &j in fixed {
        v[j] = pick(j, hi);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_abs_picks_largest_magnitudes() {
        let x = [0.0, -3.0, 1.0, 2.0, -0.5];
        let mut t = top_abs(&x, 2);
        t.sort_unstable();
        assert_eq!(t, vec![1, 3]);
        assert_eq!(top_abs(&x, 10).len(), 4);
    }

    #[test]
    fn violated_respects_threshold_membership_and_batch() {
        let r = [0.5, -2.0, 1.0, 3.0];
        let in_rows = [false, false, false, true];
        // N = 1, s = 0.9: rows 1 and 2 exceed, row 3 is already in J.
        assert_eq!(violated(&r, 1.0, 0.9, &in_rows, 10).0, vec![1, 2]);
        assert_eq!(violated(&r, 1.0, 0.9, &in_rows, 1).0, vec![1]);
        // Row 0 (0.5 > 0.9/2) is a near violator.
        assert_eq!(violated(&r, 1.0, 0.9, &in_rows, 10).1, vec![0]);
        // Within the tolerance: not violated.
        assert!(violated(&[1.0 + 1e-12], 1.0, 1.0, &[false], 10)
            .0
            .is_empty());
    }
}
