//! The polish: Gauss–Newton on the optimality conditions of the spectral max-margin problem,
//! from the interior-point answer, for a guessed active set S and multiplicity k.
//!
//! At an optimum with ‖W‖₂ = 1, let k be the multiplicity of the singular value 1 of W, with
//! singular vectors P ∈ ℝ^{C×k}, Q ∈ ℝ^{d×k}. The dual sum G = Σ_r w_r A_r lies in the normal
//! cone of the ball: G = P M Qᵀ with M ⪰ 0 (then ⟨G, W⟩ = tr M = ‖G‖_*), and it is carried by
//! the active rows S (w_r > 0 ⇒ ⟨A_r, W⟩ = γ). So (W, γ, w_S, P, Q, M = Mᵀ) solves
//!
//! ```text
//!   Σ_{r∈S} w_r A_r − P M Qᵀ = 0     (C·d)         ⟨A_r, W⟩ − γ = 0, r ∈ S   (|S|)
//!   Σ_{r∈S} w_r − 1 = 0              (1)           W Q − P = 0               (C·k)
//!   Wᵀ P − Q = 0                     (d·k)         PᵀP − I = 0               (k(k+1)/2)
//! ```
//!
//! — as many equations as unknowns, but singular along the rotations (P, Q, M) ↦
//! (PO, QO, OᵀMO) and wherever the optimum is not unique. Each Gauss–Newton step is the
//! minimum-norm least-squares solution J⁺F of the linearization (SVD of the Jacobian J,
//! singular values below 1e-10·σ_max(J) dropped), so the iteration converges quadratically
//! to a nearby solution when S and k are right (measured: one or two steps from a gap of
//! 1e-10 to 1e-15 on C = 10, d = 20, 1800 pair rows).
//!
//! S and k are read off the interior-point iterate by complementarity: row r is active when
//! its weight share w_r exceeds its relative slack (⟨A_r, W⟩/‖W‖₂ − p)/p, and singular
//! direction i is active when its share u_iᵀ G v_i / p exceeds 1 − σ_i/σ_1 (on the central
//! path the products are μ, so the two sides separate by orders of magnitude near the
//! optimum). [`polish`] tries that k first, then k − 1 and k + 1; rows whose weight comes
//! out negative are dropped and rows whose margin falls below γ are added (a few rounds, as
//! in an active-set method). Every Gauss–Newton iterate is scored by its certificate and the
//! best kept — a wrong guess costs time, never correctness.

use super::ipm::{Problem, Scored};
use crate::linalg::svd;

/// Gauss–Newton steps per (S, k) at most.
const STEPS: usize = 4;
/// Active-set rounds (drop negative weights / add violated rows) per k at most.
const ROUNDS: usize = 4;
/// A polished gap at or below this ends the search over k.
const GOOD: f64 = 1e-13;
/// Relative cut of the Jacobian's singular values in J⁺.
const CUT: f64 = 1e-10;
/// ‖F‖₂ at or below which the system counts as solved (its entries are order-1 quantities
/// on the scaled data, each computed to ≈ 1e-16; measured after one step: ≈ 1e-15).
const CONVERGED: f64 = 1e-14;
/// Unknowns at most: the dense SVD of the square Jacobian costs O(len³) (measured ≈ 0.05 s
/// per step at ≈ 700 unknowns, C = 10, d = 20; ≈ 5 s at 2063, C = 10, d = 100). Larger
/// systems are not polished (the interior-point answer then stands alone before the
/// certificate).
const MAX_UNKNOWNS: usize = 3000;

/// Offsets of the unknowns u = (W, γ, w_S, P, Q, upper triangle of M).
struct Layout {
    c: usize,
    d: usize,
    k: usize,
    s: usize,
}

impl Layout {
    fn cd(&self) -> usize {
        self.c * self.d
    }
    fn gamma(&self) -> usize {
        self.cd()
    }
    fn w(&self) -> usize {
        self.cd() + 1
    }
    fn p(&self) -> usize {
        self.w() + self.s
    }
    fn q(&self) -> usize {
        self.p() + self.c * self.k
    }
    fn len(&self) -> usize {
        self.q() + self.d * self.k + self.k * (self.k + 1) / 2
    }
    /// Index of M_be = M_eb.
    fn m(&self, b: usize, e: usize) -> usize {
        let (b, e) = if b <= e { (b, e) } else { (e, b) };
        self.q() + self.d * self.k + b * self.k - b * (b + 1) / 2 + e
    }
}

/// The residual F(u) of the module docs and its Jacobian (row-major, len × len).
fn system(pb: &Problem, l: &Layout, rows: &[usize], u: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (c, d, k, cd, nu) = (l.c, l.d, l.k, l.cd(), l.len());
    let w = &u[..cd];
    let lam = &u[l.w()..l.p()];
    let p = |a: usize, b: usize| u[l.p() + a * k + b];
    let q = |j: usize, b: usize| u[l.q() + j * k + b];
    let pm: Vec<f64> = (0..c * k)
        .map(|i| (0..k).map(|e| p(i / k, e) * u[l.m(e, i % k)]).sum())
        .collect();
    let qm: Vec<f64> = (0..d * k)
        .map(|i| (0..k).map(|e| q(i / k, e) * u[l.m(e, i % k)]).sum())
        .collect();
    let mut f = vec![0.0; nu];
    let mut jac = vec![0.0; nu * nu];
    let mut set = |row: usize, col: usize, v: f64| jac[row * nu + col] += v;
    let mut row = 0;
    // Σ_S w_r A_r − P M Qᵀ.
    for a in 0..c {
        for j in 0..d {
            let i = a * d + j;
            let mut v = 0.0;
            for (t, &r) in rows.iter().enumerate() {
                v += lam[t] * pb.a(r, i);
                set(row, l.w() + t, pb.a(r, i));
            }
            for b in 0..k {
                v -= p(a, b) * qm[j * k + b];
                set(row, l.p() + a * k + b, -qm[j * k + b]);
                set(row, l.q() + j * k + b, -pm[a * k + b]);
                for e in b..k {
                    let dv = if e == b {
                        p(a, b) * q(j, b)
                    } else {
                        p(a, b) * q(j, e) + p(a, e) * q(j, b)
                    };
                    set(row, l.m(b, e), -dv);
                }
            }
            f[row] = v;
            row += 1;
        }
    }
    // Σ_S w_r − 1.
    f[row] = lam.iter().sum::<f64>() - 1.0;
    for t in 0..l.s {
        set(row, l.w() + t, 1.0);
    }
    row += 1;
    // ⟨A_r, W⟩ − γ.
    for &r in rows {
        f[row] = (0..cd).map(|i| pb.a(r, i) * w[i]).sum::<f64>() - u[l.gamma()];
        for i in 0..cd {
            set(row, i, pb.a(r, i));
        }
        set(row, l.gamma(), -1.0);
        row += 1;
    }
    // W Q − P.
    for a in 0..c {
        for b in 0..k {
            f[row] = (0..d).map(|j| w[a * d + j] * q(j, b)).sum::<f64>() - p(a, b);
            for j in 0..d {
                set(row, a * d + j, q(j, b));
                set(row, l.q() + j * k + b, w[a * d + j]);
            }
            set(row, l.p() + a * k + b, -1.0);
            row += 1;
        }
    }
    // Wᵀ P − Q.
    for j in 0..d {
        for b in 0..k {
            f[row] = (0..c).map(|a| w[a * d + j] * p(a, b)).sum::<f64>() - q(j, b);
            for a in 0..c {
                set(row, a * d + j, p(a, b));
                set(row, l.p() + a * k + b, w[a * d + j]);
            }
            set(row, l.q() + j * k + b, -1.0);
            row += 1;
        }
    }
    // PᵀP − I.
    for b in 0..k {
        for e in b..k {
            f[row] = (0..c).map(|a| p(a, b) * p(a, e)).sum::<f64>() - f64::from(u8::from(b == e));
            for a in 0..c {
                set(row, l.p() + a * k + b, p(a, e));
                set(row, l.p() + a * k + e, p(a, b));
            }
            row += 1;
        }
    }
    debug_assert_eq!(row, nu);
    (f, jac)
}

/// The starting unknowns: W/‖W‖₂, w = λ_S/Σλ_S, γ = Σ w_r ⟨A_r, W⟩, the top k singular
/// pairs of W, M = sym(Pᵀ G Q).
fn start(pb: &Problem, k: usize, rows: &[usize], it: &Scored) -> Option<(Layout, Vec<f64>)> {
    let (c, d, cd) = (pb.c, pb.d, pb.cd());
    let l = Layout {
        c,
        d,
        k,
        s: rows.len(),
    };
    let sv = svd(c, d, &it.w).ok()?;
    let r = sv.s.len();
    if sv.s[0].is_nan() || sv.s[0] <= 0.0 || k > r || rows.is_empty() {
        return None;
    }
    let mut u = vec![0.0; l.len()];
    for (x, w) in u[..cd].iter_mut().zip(&it.w) {
        *x = w / sv.s[0];
    }
    let total: f64 = rows.iter().map(|&r| it.lam[r]).sum();
    if total.is_nan() || total <= 0.0 {
        return None;
    }
    let mut lam = vec![0.0; pb.n()];
    for (t, &row) in rows.iter().enumerate() {
        u[l.w() + t] = it.lam[row] / total;
        lam[row] = u[l.w() + t];
    }
    let marg = pb.margins(&u[..cd]);
    u[l.gamma()] = rows.iter().map(|&r| lam[r] * marg[r]).sum();
    for b in 0..k {
        for a in 0..c {
            u[l.p() + a * k + b] = sv.u[a * r + b];
        }
        for j in 0..d {
            u[l.q() + j * k + b] = sv.vt[b * d + j];
        }
    }
    let g = pb.combine(&lam);
    let pgq = |b: usize, e: usize| -> f64 {
        (0..c)
            .map(|a| {
                (0..d)
                    .map(|j| sv.u[a * r + b] * g[a * d + j] * sv.vt[e * d + j])
                    .sum::<f64>()
            })
            .sum()
    };
    for b in 0..k {
        for e in b..k {
            u[l.m(b, e)] = 0.5 * (pgq(b, e) + pgq(e, b));
        }
    }
    Some((l, u))
}

/// Gauss–Newton from `it` for (S, k): the scored iterates.
fn newton(pb: &Problem, k: usize, rows: &[usize], it: &Scored) -> Vec<(Scored, Vec<f64>)> {
    let Some((l, mut u)) = start(pb, k, rows, it) else {
        return Vec::new();
    };
    let (nu, cd) = (l.len(), l.cd());
    if nu > MAX_UNKNOWNS
        || crate::resources::reserve(
            "the spectral max-margin polish",
            crate::resources::f64_bytes(4 * nu as u128 * nu as u128),
        )
        .is_err()
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut last = f64::INFINITY;
    for _ in 0..STEPS {
        let (f, jac) = system(pb, &l, rows, &u);
        let fnorm = crate::params::norm2(&f);
        if fnorm.is_nan() || fnorm >= 0.5 * last || fnorm <= CONVERGED {
            break;
        }
        last = fnorm;
        let Ok(js) = svd(nu, nu, &jac) else { break };
        let cut = CUT * js.s[0];
        let mut delta = vec![0.0; nu];
        for (i, &si) in js.s.iter().enumerate().filter(|(_, &si)| si > cut) {
            let coef = (0..nu).map(|a| js.u[a * nu + i] * f[a]).sum::<f64>() / si;
            for (x, v) in delta.iter_mut().zip(&js.vt[i * nu..(i + 1) * nu]) {
                *x -= coef * v;
            }
        }
        for (x, dx) in u.iter_mut().zip(&delta) {
            *x += dx;
        }
        if !u.iter().all(|v| v.is_finite()) {
            break;
        }
        let mut lam = vec![0.0; pb.n()];
        let mut raw = vec![0.0; pb.n()];
        for (t, &r) in rows.iter().enumerate() {
            raw[r] = u[l.w() + t];
            lam[r] = raw[r].max(0.0);
        }
        if lam.iter().any(|&v| v > 0.0) {
            out.push((pb.score(&u[..cd], &lam), raw));
        }
    }
    out
}

/// (k, S) read off an iterate by complementarity (module docs); None when the iterate does
/// not separate the data.
pub(super) fn structure(pb: &Problem, it: &Scored) -> Option<(usize, Vec<usize>)> {
    let (c, d) = (pb.c, pb.d);
    let sv = svd(c, d, &it.w).ok()?;
    let (s1, r) = (sv.s[0], sv.s.len());
    let p = it.p;
    if !(p > 0.0 && s1 > 0.0) {
        return None;
    }
    let total: f64 = it.lam.iter().sum();
    let marg = pb.margins(&it.w);
    let rows: Vec<usize> = (0..pb.n())
        .filter(|&i| it.lam[i] / total > (marg[i] / s1 - p) / p)
        .collect();
    let g = pb.combine(&it.lam);
    let share = |i: usize| -> f64 {
        (0..c)
            .map(|a| {
                (0..d)
                    .map(|j| sv.u[a * r + i] * g[a * d + j] * sv.vt[i * d + j])
                    .sum::<f64>()
            })
            .sum::<f64>()
            / p
    };
    let k = (0..r)
        .filter(|&i| share(i) > 1.0 - sv.s[i] / s1)
        .max()
        .map_or(1, |i| i + 1);
    Some((k, rows))
}

/// The best polished candidate from the interior-point iterate `it` (module docs), if any.
pub(super) fn polish(pb: &Problem, it: &Scored) -> Option<Scored> {
    let (k0, rows0) = structure(pb, it)?;
    let kmax = pb.c.min(pb.d);
    let mut best: Option<Scored> = None;
    for k in [k0, k0.saturating_sub(1), k0 + 1] {
        if k == 0 || k > kmax {
            continue;
        }
        let mut rows = rows0.clone();
        for _ in 0..ROUNDS {
            let iterates = newton(pb, k, &rows, it);
            let Some((cand, raw)) = iterates
                .into_iter()
                .min_by(|a, b| a.0.rel.total_cmp(&b.0.rel))
            else {
                break;
            };
            // Active-set repair: drop rows with negative weights, add rows below the margin.
            let marg = pb.margins(&cand.w);
            let nw = crate::linalg::spectral_norm(pb.c, pb.d, &cand.w).unwrap_or(f64::NAN);
            let gamma = rows.iter().map(|&r| marg[r]).fold(f64::INFINITY, f64::min) / nw;
            let tol = 1e-13 * gamma.abs();
            let mut next: Vec<usize> = rows.iter().copied().filter(|&r| raw[r] >= 0.0).collect();
            let violated: Vec<usize> = (0..pb.n())
                .filter(|r| !rows.contains(r) && marg[*r] / nw < gamma - tol)
                .collect();
            next.extend(&violated);
            next.sort_unstable();
            let improved = best.as_ref().is_none_or(|b| cand.rel < b.rel);
            let done = cand.rel <= GOOD || next == rows;
            if improved {
                best = Some(cand);
            }
            if done {
                break;
            }
            rows = next;
        }
        if best.as_ref().is_some_and(|b| b.rel <= GOOD) {
            break;
        }
    }
    best
}
