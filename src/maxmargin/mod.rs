//! Exact max-margin solutions for linear models.
//!
//! For f(x; θ) = ⟨θ, x⟩ the max-margin problem
//!
//! ```text
//!     min ½ N(θ)²   s.t.   y_i ⟨θ, x_i⟩ ≥ 1   (i = 1..m)
//! ```
//!
//! is convex. Its minimizer θ* is the minimizer of N(θ) under the same constraints, and the
//! max margin is γ* = 1/N(θ*) = max_{N(θ) ≤ 1} min_i y_i⟨θ, x_i⟩.
//!
//! * **ℓ1, ℓ∞**: linear programs, solved with good_lp's `microlp` backend (a pure-Rust
//!   simplex method, so the solution is a vertex, exact up to rounding). The multipliers come
//!   from solving the *dual* LP `max Σ μ_i s.t. N_*(Σ μ_i y_i x_i) ≤ 1, μ ≥ 0` separately;
//!   by LP duality N(θ*) = Σ μ_i, which gives a second, independent value of the margin
//!   ([`MaxMargin::dual_margin`]).
//! * **ℓ2**: the quadratic program is solved with Clarabel (interior point), then *polished*:
//!   on the support S = {i : λ_i > 0} the KKT system G_S λ_S = 1, G_ij = y_i y_j ⟨x_i, x_j⟩, is
//!   solved exactly and accepted when λ_S ≥ 0 and all constraints hold. The dual value is
//!   Σ λ_i = ‖θ*‖², so γ* = (Σ λ_i)^{-1/2}.
//!
//! The multipliers `lambda` are those of the ½N² form: Σ_i λ_i y_i x_i ∈ N(θ*)·∂N(θ*), with
//! λ_i ≥ 0 and λ_i = 0 off the support (\[F\] Def. 3.3 with L = 1).

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::params::{dot, max_abs, norm2};
use good_lp::{
    microlp, variable, Expression, ProblemVariables, ResolutionError, Solution, SolverModel,
    Variable,
};
use serde::{Deserialize, Serialize};

/// Which norm's max-margin problem to solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxMarginNorm {
    /// ℓ1 (coordinate descent's implicit norm).
    L1,
    /// ℓ2 (gradient descent's).
    L2,
    /// ℓ∞ (sign descent's, Adam with ε = 0).
    Linf,
}

impl MaxMarginNorm {
    /// Parse `l1`, `l2`, `linf`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "l1" => Ok(Self::L1),
            "l2" => Ok(Self::L2),
            "linf" => Ok(Self::Linf),
            _ => Err(Error::spec(s, "maxmargin supports l1, l2, linf")),
        }
    }
    /// Spec string.
    pub fn name(&self) -> &'static str {
        match self {
            Self::L1 => "l1",
            Self::L2 => "l2",
            Self::Linf => "linf",
        }
    }
    /// N(θ).
    pub fn value(&self, theta: &[f64]) -> f64 {
        match self {
            Self::L1 => theta.iter().map(|v| v.abs()).sum(),
            Self::L2 => norm2(theta),
            Self::Linf => max_abs(theta),
        }
    }
}

/// An exact max-margin solution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaxMargin {
    /// The norm.
    pub norm: MaxMarginNorm,
    /// θ*, scaled so that min_i y_i⟨θ*, x_i⟩ = 1.
    pub theta: Vec<f64>,
    /// γ* = min_i y_i⟨θ*, x_i⟩ / N(θ*) (primal).
    pub margin: f64,
    /// γ* from the dual objective (independent computation; equal to `margin` up to solver
    /// tolerance).
    pub dual_margin: f64,
    /// Multipliers λ_i ≥ 0 of the ½N(θ)² form.
    pub lambda: Vec<f64>,
    /// Indices with λ_i > 0.
    pub support: Vec<usize>,
}

fn lp_error(e: ResolutionError) -> Error {
    match e {
        ResolutionError::Infeasible => Error::NotSeparable(
            "no linear classifier separates the data (the max-margin LP is infeasible)".into(),
        ),
        other => Error::Numerical(format!("LP solver failed: {other}")),
    }
}

/// y_i x_i as rows.
fn signed_rows(data: &Dataset) -> Vec<Vec<f64>> {
    (0..data.m())
        .map(|i| (0..data.d()).map(|j| data.y[i] * data.x[(i, j)]).collect())
        .collect()
}

/// Solve the max-margin problem for a linear model. Errors with [`Error::NotSeparable`] when
/// the data are not linearly separable.
pub fn max_margin(data: &Dataset, norm: MaxMarginNorm) -> Result<MaxMargin> {
    let z = signed_rows(data);
    let (theta, mu_sum, lambda) = match norm {
        MaxMarginNorm::L1 | MaxMarginNorm::Linf => {
            let theta = solve_primal_lp(&z, norm)?;
            let mu = solve_dual_lp(&z, norm)?;
            let n = norm.value(&theta);
            let mu_sum: f64 = mu.iter().sum();
            // λ of the ½N² form = N(θ*)·μ.
            let lambda = mu.iter().map(|v| v * n).collect();
            (theta, mu_sum, lambda)
        }
        MaxMarginNorm::L2 => {
            let (theta, lambda) = solve_l2_qp(&z)?;
            let s: f64 = lambda.iter().sum();
            // ‖θ*‖² = Σλ, so N(θ*) = √Σλ is the dual value of min N.
            (theta, s.sqrt(), lambda)
        }
    };
    let q_min = z
        .iter()
        .map(|zi| dot(zi, &theta))
        .fold(f64::INFINITY, f64::min);
    if q_min.is_nan() || q_min <= 0.0 {
        return Err(Error::NotSeparable(format!(
            "solver returned θ with min margin {q_min:.3e}: data not separable by a linear model"
        )));
    }
    let theta: Vec<f64> = theta.iter().map(|v| v / q_min).collect();
    let n = norm.value(&theta);
    let lmax = lambda.iter().cloned().fold(0.0, f64::max);
    let support = lambda
        .iter()
        .enumerate()
        .filter(|(_, &l)| l > 1e-9 * lmax.max(f64::MIN_POSITIVE))
        .map(|(i, _)| i)
        .collect();
    Ok(MaxMargin {
        norm,
        margin: 1.0 / n,
        dual_margin: 1.0 / mu_sum,
        theta,
        lambda,
        support,
    })
}

/// Primal LP: min N(θ) s.t. ⟨z_i, θ⟩ ≥ 1, for N ∈ {ℓ1, ℓ∞}.
fn solve_primal_lp(z: &[Vec<f64>], norm: MaxMarginNorm) -> Result<Vec<f64>> {
    let d = z[0].len();
    let mut vars = ProblemVariables::new();
    match norm {
        MaxMarginNorm::L1 => {
            // θ = a − b with a, b ≥ 0; min Σ(a + b).
            let a: Vec<Variable> = (0..d).map(|_| vars.add(variable().min(0.0))).collect();
            let b: Vec<Variable> = (0..d).map(|_| vars.add(variable().min(0.0))).collect();
            let obj: Expression = a.iter().chain(&b).map(|&v| Expression::from(v)).sum();
            let mut prob = vars.minimise(obj).using(microlp);
            for zi in z {
                let e: Expression = (0..d).map(|j| zi[j] * a[j] - zi[j] * b[j]).sum();
                prob.add_constraint(e.geq(1.0));
            }
            let sol = prob.solve().map_err(lp_error)?;
            Ok((0..d).map(|j| sol.value(a[j]) - sol.value(b[j])).collect())
        }
        MaxMarginNorm::Linf => {
            let th: Vec<Variable> = (0..d).map(|_| vars.add(variable())).collect();
            let t = vars.add(variable().min(0.0));
            let mut prob = vars.minimise(t).using(microlp);
            for &v in &th {
                prob.add_constraint((v - t).leq(0.0));
                prob.add_constraint((v + t).geq(0.0));
            }
            for zi in z {
                let e: Expression = (0..d).map(|j| zi[j] * th[j]).sum();
                prob.add_constraint(e.geq(1.0));
            }
            let sol = prob.solve().map_err(lp_error)?;
            Ok(th.iter().map(|&v| sol.value(v)).collect())
        }
        MaxMarginNorm::L2 => unreachable!("ℓ2 is a QP"),
    }
}

/// Dual LP: max Σ μ_i s.t. N_*(Σ μ_i z_i) ≤ 1, μ ≥ 0 (N_* = ℓ∞ for ℓ1, ℓ1 for ℓ∞).
fn solve_dual_lp(z: &[Vec<f64>], norm: MaxMarginNorm) -> Result<Vec<f64>> {
    let (m, d) = (z.len(), z[0].len());
    let mut vars = ProblemVariables::new();
    let mu: Vec<Variable> = (0..m).map(|_| vars.add(variable().min(0.0))).collect();
    let aux: Vec<Variable> = match norm {
        MaxMarginNorm::Linf => (0..d).map(|_| vars.add(variable().min(0.0))).collect(),
        _ => Vec::new(),
    };
    let obj: Expression = mu.iter().map(|&v| Expression::from(v)).sum();
    let mut prob = vars.maximise(obj).using(microlp);
    for j in 0..d {
        let v: Expression = (0..m).map(|i| z[i][j] * mu[i]).sum();
        match norm {
            MaxMarginNorm::L1 => {
                prob.add_constraint(v.clone().leq(1.0));
                prob.add_constraint(v.geq(-1.0));
            }
            MaxMarginNorm::Linf => {
                prob.add_constraint((v.clone() - aux[j]).leq(0.0));
                prob.add_constraint((v + aux[j]).geq(0.0));
            }
            MaxMarginNorm::L2 => unreachable!(),
        }
    }
    if norm == MaxMarginNorm::Linf {
        let s: Expression = aux.iter().map(|&v| Expression::from(v)).sum();
        prob.add_constraint(s.leq(1.0));
    }
    let sol = prob.solve().map_err(|e| match e {
        ResolutionError::Unbounded => Error::NotSeparable(
            "the max-margin dual LP is unbounded: data not linearly separable".into(),
        ),
        other => lp_error(other),
    })?;
    Ok(mu.iter().map(|&v| sol.value(v).max(0.0)).collect())
}

/// ℓ2 QP min ½‖θ‖² s.t. ⟨z_i, θ⟩ ≥ 1 with Clarabel, then exact polishing on the support.
fn solve_l2_qp(z: &[Vec<f64>]) -> Result<(Vec<f64>, Vec<f64>)> {
    use clarabel::algebra::CscMatrix;
    use clarabel::solver::{
        DefaultSettingsBuilder, DefaultSolver, IPSolver, NonnegativeConeT, SolverStatus,
    };
    let (m, d) = (z.len(), z[0].len());
    let p_mat = CscMatrix::identity(d);
    let q = vec![0.0; d];
    // A θ + s = b, s ≥ 0 with A = −Z, b = −1.
    let mut colptr = vec![0usize];
    let mut rowval = Vec::new();
    let mut nzval = Vec::new();
    for j in 0..d {
        for (i, zi) in z.iter().enumerate() {
            if zi[j] != 0.0 {
                rowval.push(i);
                nzval.push(-zi[j]);
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
    match solver.solution.status {
        SolverStatus::Solved | SolverStatus::AlmostSolved => {}
        SolverStatus::PrimalInfeasible | SolverStatus::AlmostPrimalInfeasible => {
            return Err(Error::NotSeparable(
                "no linear classifier separates the data (the ℓ2 max-margin QP is infeasible)"
                    .into(),
            ))
        }
        s => {
            return Err(Error::Numerical(format!(
                "Clarabel did not solve the ℓ2 QP: {s:?}"
            )))
        }
    }
    let theta: Vec<f64> = solver.solution.x.clone();
    let lambda: Vec<f64> = solver.solution.z.iter().map(|v| v.max(0.0)).collect();
    Ok(polish_l2(z, theta, lambda))
}

/// Exact KKT solve on the estimated support; keeps the interior-point solution if the
/// polished one is not a valid KKT point.
fn polish_l2(z: &[Vec<f64>], theta: Vec<f64>, lambda: Vec<f64>) -> (Vec<f64>, Vec<f64>) {
    let lmax = lambda.iter().cloned().fold(0.0, f64::max);
    let s: Vec<usize> = (0..z.len()).filter(|&i| lambda[i] > 1e-6 * lmax).collect();
    if s.is_empty() {
        return (theta, lambda);
    }
    let k = s.len();
    let g = nalgebra::DMatrix::from_fn(k, k, |a, b| dot(&z[s[a]], &z[s[b]]));
    let ones = nalgebra::DVector::from_element(k, 1.0);
    let sol = match g.clone().cholesky() {
        Some(ch) => Some(ch.solve(&ones)),
        None => g.lu().solve(&ones),
    };
    let Some(ls) = sol else {
        return (theta, lambda);
    };
    if ls.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
        return (theta, lambda);
    }
    let d = z[0].len();
    let mut th = vec![0.0; d];
    for (a, &i) in s.iter().enumerate() {
        for j in 0..d {
            th[j] += ls[a] * z[i][j];
        }
    }
    // Accept only if every constraint holds (to rounding).
    let ok = z.iter().all(|zi| dot(zi, &th) >= 1.0 - 1e-10);
    if !ok {
        return (theta, lambda);
    }
    let mut lam = vec![0.0; z.len()];
    for (a, &i) in s.iter().enumerate() {
        lam[i] = ls[a];
    }
    (th, lam)
}
