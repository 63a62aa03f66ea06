//! The ℓ2 max-margin problem: the QP min ½‖θ‖² s.t. ⟨z_i, θ⟩ ≥ 1 solved with Clarabel
//! (interior point) on the scaled rows, then *polished* by an active-set solve of its KKT
//! system.
//!
//! At the optimum θ* = Σ_{i∈S} μ_i z_i with μ ≥ 0 on the support S and G_S μ_S = 1,
//! G_ij = ⟨z_i, z_j⟩ (the active constraints hold with equality). Starting from the
//! interior-point support, the polish solves G_S μ_S = 1 exactly (Cholesky, one step of
//! iterative refinement), drops the most negative μ_i while any is ≤ 0 and adds the most
//! violated constraint while any ⟨z_i, θ⟩ < 1 — a primal active-set method warm-started at
//! the right support, which normally stops after the first solve. Both the raw
//! interior-point pair and the polished one go to the certificate, which keeps the better.
//!
//! The multipliers μ are those of the ½‖θ‖² form; the certificate's dual weights are
//! w = μ/Σμ (then Σ_i w_i z_i = θ*/‖θ*‖², of norm 1/‖θ*‖ = γ*).

use super::scaling::Rows;
use crate::error::{Error, Result};
use crate::params::dot;

/// A candidate (θ, dual weights) for the certificate.
pub(super) type Candidate = (Vec<f64>, Vec<f64>);

/// Whether the QP was infeasible (data not separable), with the solver's candidates.
pub(super) struct Outcome {
    /// Candidates (θ, w), best first.
    pub candidates: Vec<Candidate>,
    /// Clarabel reported primal infeasibility.
    pub infeasible: bool,
}

/// Solve the QP on the scaled rows.
pub(super) fn solve(rows: &Rows) -> Result<Outcome> {
    use clarabel::algebra::CscMatrix;
    use clarabel::solver::{
        DefaultSettingsBuilder, DefaultSolver, IPSolver, NonnegativeConeT, SolverStatus,
    };
    let (m, d) = (rows.m, rows.d);
    let p_mat = CscMatrix::identity(d);
    let q = vec![0.0; d];
    // A θ + s = b, s ≥ 0 with A = −Z, b = −1.
    let mut colptr = vec![0usize];
    let mut rowval = Vec::new();
    let mut nzval = Vec::new();
    for j in 0..d {
        for i in 0..m {
            let v = rows.z[i * d + j];
            if v != 0.0 {
                rowval.push(i);
                nzval.push(-v);
            }
        }
        colptr.push(rowval.len());
    }
    let a_mat = CscMatrix::new(m, d, colptr, rowval, nzval);
    let b = vec![-1.0; m];
    let cones = [NonnegativeConeT(m)];
    let settings = DefaultSettingsBuilder::default()
        .verbose(false)
        .tol_gap_abs(1e-12)
        .tol_gap_rel(1e-12)
        .tol_feas(1e-12)
        .max_iter(400)
        .build()
        .map_err(|e| Error::Numerical(format!("Clarabel settings: {e:?}")))?;
    let mut solver = DefaultSolver::new(&p_mat, &q, &a_mat, &b, &cones, settings)
        .map_err(|e| Error::Numerical(format!("Clarabel setup: {e:?}")))?;
    solver.solve();
    let status = solver.solution.status;
    let infeasible = matches!(
        status,
        SolverStatus::PrimalInfeasible | SolverStatus::AlmostPrimalInfeasible
    );
    let mut candidates = Vec::new();
    if !infeasible {
        let theta: Vec<f64> = solver.solution.x.clone();
        let lambda: Vec<f64> = solver.solution.z.iter().map(|v| v.max(0.0)).collect();
        let finite = theta.iter().chain(&lambda).all(|v| v.is_finite());
        if finite {
            if let Some(p) = polish(rows, &lambda) {
                candidates.push(p);
            }
            candidates.push((theta, lambda));
        }
    }
    Ok(Outcome {
        candidates,
        infeasible,
    })
}

/// The active-set polish of the module docs, from the multipliers `lambda`.
fn polish(rows: &Rows, lambda: &[f64]) -> Option<Candidate> {
    let m = rows.m;
    let lmax = lambda.iter().cloned().fold(0.0, f64::max);
    if lmax <= 0.0 {
        return None;
    }
    let mut s: Vec<usize> = (0..m).filter(|&i| lambda[i] > 1e-6 * lmax).collect();
    for _ in 0..(2 * m + 20) {
        if s.is_empty() {
            return None;
        }
        let mu = solve_support(rows, &s)?;
        if let Some((a, _)) = mu
            .iter()
            .enumerate()
            .filter(|(_, v)| **v <= 0.0)
            .min_by(|x, y| x.1.total_cmp(y.1))
        {
            s.remove(a);
            continue;
        }
        let mut th = vec![0.0; rows.d];
        for (a, &i) in s.iter().enumerate() {
            for (t, z) in th.iter_mut().zip(rows.row(i)) {
                *t += mu[a] * z;
            }
        }
        let q = rows.apply(&th);
        let worst = (0..m)
            .filter(|i| !s.contains(i))
            .min_by(|&x, &y| q[x].total_cmp(&q[y]));
        if let Some(i) = worst.filter(|&i| q[i] < 1.0 - 1e-12) {
            s.push(i);
            continue;
        }
        let mut lam = vec![0.0; m];
        for (a, &i) in s.iter().enumerate() {
            lam[i] = mu[a];
        }
        return Some((th, lam));
    }
    None
}

/// μ_S with G_S μ_S = 1 (Cholesky or LU, plus one step of iterative refinement).
fn solve_support(rows: &Rows, s: &[usize]) -> Option<Vec<f64>> {
    let k = s.len();
    let g = nalgebra::DMatrix::from_fn(k, k, |a, b| dot(rows.row(s[a]), rows.row(s[b])));
    let ones = nalgebra::DVector::from_element(k, 1.0);
    let solve = |rhs: &nalgebra::DVector<f64>| -> Option<nalgebra::DVector<f64>> {
        match g.clone().cholesky() {
            Some(ch) => Some(ch.solve(rhs)),
            None => g.clone().lu().solve(rhs),
        }
    };
    let mut mu = solve(&ones)?;
    let r = &ones - &g * &mu;
    if let Some(dmu) = solve(&r) {
        mu += dmu;
    }
    mu.iter()
        .all(|v| v.is_finite())
        .then(|| mu.iter().copied().collect())
}
