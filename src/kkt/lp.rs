//! A generic sparse LP ([`LinProg`]: min objᵀx s.t. a_rᵀx (≤ | ≥ | =) b_r, lb ≤ x ≤ ub), its
//! mechanical LP dual ([`dualize`]), and the solve through good_lp (Clarabel, microlp or
//! HiGHS) with retries ([`solve_once`], [`solve_with_retries`]). Nothing here knows about
//! κ: the κ LP is assembled in `kkt/kappa_lp.rs`.
//!
//! The checker builds its LP once in this representation and can hand either the LP itself
//! or its dual ([`super::LpForm`]) to either backend. Every solve returns primal values and,
//! when asked, the **shadow prices** y_r = ∂(optimal value)/∂(rhs_r) of every row (good_lp's
//! convention): y_r ≤ 0 on binding `≤` rows of a minimization, ≥ 0 on `≥` rows. Clarabel
//! returns them in the same solve; for microlp (no duals) they are the primal values of the
//! dual LP, solved separately.
//!
//! **LP duality used here.** For min cᵀx s.t. a_rᵀx (≤ | ≥ | =) b_r, x_j ≥ 0 or free, the dual
//! is max bᵀy s.t. Σ_r a_rj y_r ≤ c_j (x_j ≥ 0) or = c_j (x_j free), with y_r ≤ 0 / ≥ 0 / free
//! for ≤ / ≥ / = rows. Columns with other bounds are turned into free columns plus bound rows
//! first. The optimal y are the primal's shadow prices and the primal x_j are minus the
//! shadow prices of the dual's rows (the dual is solved as a minimization of −bᵀy).
//!
//! Nothing returned from here is trusted by the checker: λ and v are clamped, projected and
//! re-verified, and the lower bound is recomputed from the dual prices in plain Rust
//! (see the parent module).

use super::config::{LpBackend, LpForm};
use good_lp::solvers::clarabel::clarabel;
use good_lp::solvers::microlp::microlp;
use good_lp::{
    variable, Constraint, DualValues, Expression, ProblemVariables, Solution, SolutionWithDual,
    SolverModel, Variable, WithTimeLimit,
};

/// Row sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sense {
    /// a·x ≤ b.
    Le,
    /// a·x ≥ b.
    Ge,
    /// a·x = b.
    Eq,
}

/// One sparse row a·x (sense) rhs.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) idx: Vec<usize>,
    pub(crate) val: Vec<f64>,
    pub(crate) sense: Sense,
    pub(crate) rhs: f64,
}

/// min objᵀx subject to the rows and lb ≤ x ≤ ub (bounds may be ±∞).
#[derive(Debug, Clone, Default)]
pub(crate) struct LinProg {
    pub(crate) lb: Vec<f64>,
    pub(crate) ub: Vec<f64>,
    pub(crate) obj: Vec<f64>,
    pub(crate) rows: Vec<Row>,
}

impl LinProg {
    /// Add a column, return its index.
    pub(crate) fn add_col(&mut self, lb: f64, ub: f64, obj: f64) -> usize {
        self.lb.push(lb);
        self.ub.push(ub);
        self.obj.push(obj);
        self.lb.len() - 1
    }
    /// Add a row (zero coefficients are dropped), return its index.
    pub(crate) fn add_row(
        &mut self,
        idx: Vec<usize>,
        val: Vec<f64>,
        sense: Sense,
        rhs: f64,
    ) -> usize {
        let (idx, val): (Vec<usize>, Vec<f64>) =
            idx.into_iter().zip(val).filter(|(_, v)| *v != 0.0).unzip();
        self.rows.push(Row {
            idx,
            val,
            sense,
            rhs,
        });
        self.rows.len() - 1
    }
    /// Number of columns.
    pub(crate) fn ncols(&self) -> usize {
        self.lb.len()
    }
    /// Number of rows.
    pub(crate) fn nrows(&self) -> usize {
        self.rows.len()
    }
}

/// Result of one successful solve.
#[derive(Debug, Clone)]
pub(crate) struct LpSolution {
    /// Primal values, one per column of the LP as built.
    pub(crate) x: Vec<f64>,
    /// Shadow prices, one per row, when requested and available.
    pub(crate) y: Option<Vec<f64>>,
    /// objᵀx.
    pub(crate) value: f64,
    /// Backend that produced it.
    pub(crate) backend: LpBackend,
    /// Solver status (`solved`, `almost_solved`, `optimal`).
    pub(crate) status: String,
}

/// Column kinds after canonicalization for dualization.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ColSign {
    NonNeg,
    Free,
}

/// The LP dual of `lp` (as a minimization), see the module docs. Returns the dual LP and
/// the sign s_r of each primal row's dual variable (y_r = s_r·w_r, w = dual's columns;
/// rows added for column bounds come after the original rows).
fn dualize(lp: &LinProg) -> (LinProg, Vec<f64>) {
    // Canonical primal: original rows + bound rows; columns NonNeg or Free.
    let n = lp.ncols();
    let mut rows: Vec<Row> = lp.rows.clone();
    let mut sign = vec![ColSign::Free; n];
    for (j, sg) in sign.iter_mut().enumerate() {
        let (lb, ub) = (lp.lb[j], lp.ub[j]);
        if lb == 0.0 {
            *sg = ColSign::NonNeg;
        } else if lb.is_finite() {
            rows.push(Row {
                idx: vec![j],
                val: vec![1.0],
                sense: Sense::Ge,
                rhs: lb,
            });
        }
        if ub.is_finite() {
            rows.push(Row {
                idx: vec![j],
                val: vec![1.0],
                sense: Sense::Le,
                rhs: ub,
            });
        }
    }
    // Dual columns w_r with y_r = s_r w_r.
    let mut d = LinProg::default();
    let mut s = Vec::with_capacity(rows.len());
    let mut cols_of: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for (r, row) in rows.iter().enumerate() {
        let (sr, lb) = match row.sense {
            Sense::Ge => (1.0, 0.0),
            Sense::Le => (-1.0, 0.0),
            Sense::Eq => (1.0, f64::NEG_INFINITY),
        };
        s.push(sr);
        // min −bᵀy = Σ −b_r s_r w_r.
        d.add_col(lb, f64::INFINITY, -row.rhs * sr);
        for (&j, &a) in row.idx.iter().zip(&row.val) {
            cols_of[j].push((r, a * sr));
        }
    }
    for j in 0..n {
        let (idx, val): (Vec<usize>, Vec<f64>) = cols_of[j].iter().cloned().unzip();
        let sense = match sign[j] {
            ColSign::NonNeg => Sense::Le,
            ColSign::Free => Sense::Eq,
        };
        d.add_row(idx, val, sense, lp.obj[j]);
    }
    (d, s)
}

/// Build the good_lp variables and row expressions of `lp`.
fn good_lp_parts(lp: &LinProg) -> (ProblemVariables, Vec<Variable>, Expression, Vec<Constraint>) {
    let mut vars = ProblemVariables::new();
    let cols: Vec<Variable> = (0..lp.ncols())
        .map(|j| {
            let mut def = variable();
            if lp.lb[j].is_finite() {
                def = def.min(lp.lb[j]);
            }
            if lp.ub[j].is_finite() {
                def = def.max(lp.ub[j]);
            }
            vars.add(def)
        })
        .collect();
    let mut obj = Expression::with_capacity(lp.ncols());
    for (j, &c) in lp.obj.iter().enumerate() {
        if c != 0.0 {
            obj.add_mul(c, cols[j]);
        }
    }
    let cons = lp
        .rows
        .iter()
        .map(|row| {
            let mut e = Expression::with_capacity(row.idx.len());
            for (&j, &a) in row.idx.iter().zip(&row.val) {
                e.add_mul(a, cols[j]);
            }
            match row.sense {
                Sense::Le => e.leq(row.rhs),
                Sense::Ge => e.geq(row.rhs),
                Sense::Eq => e.eq(row.rhs),
            }
        })
        .collect();
    (vars, cols, obj, cons)
}

/// Primal values, shadow prices (if any) and the solver status of one solve.
type DirectSolve = (Vec<f64>, Option<Vec<f64>>, String);

/// One solve of `lp` as given (no dualization), with shadow prices if `duals` and the
/// backend provides them. Errors are human-readable reasons.
fn solve_direct(
    lp: &LinProg,
    backend: LpBackend,
    tol: f64,
    duals: bool,
    time_limit: f64,
) -> Result<DirectSolve, String> {
    let (vars, cols, obj, cons) = good_lp_parts(lp);
    match backend {
        LpBackend::Clarabel => {
            let mut prob = vars.minimise(obj).using(clarabel);
            prob.settings()
                .tol_gap_abs(tol)
                .tol_gap_rel(tol)
                .tol_feas(tol)
                .tol_ktratio(tol.max(1e-8))
                .max_iter(500)
                .time_limit(time_limit);
            let refs: Vec<_> = cons.into_iter().map(|c| prob.add_constraint(c)).collect();
            let mut sol = prob.solve().map_err(|e| format!("clarabel: {e}"))?;
            use clarabel::solver::SolverStatus as S;
            let status = match sol.inner().status {
                S::Solved => "solved",
                S::AlmostSolved => "almost_solved",
                other => return Err(format!("clarabel status {other:?}")),
            };
            let x: Vec<f64> = cols.iter().map(|&v| sol.value(v)).collect();
            let y = if duals {
                let d = sol.compute_dual();
                Some(refs.into_iter().map(|r| d.dual(r)).collect())
            } else {
                None
            };
            Ok((x, y, status.to_string()))
        }
        #[cfg(feature = "highs")]
        LpBackend::Highs => {
            // HiGHS (native, feature `highs`): dual simplex / IPM chosen by HiGHS, duals returned.
            let mut prob = vars
                .minimise(obj)
                .using(good_lp::solvers::highs::highs)
                .set_time_limit(time_limit)
                .set_threads(1);
            prob.set_verbose(false);
            let refs: Vec<_> = cons.into_iter().map(|c| prob.add_constraint(c)).collect();
            let mut sol = prob.solve().map_err(|e| format!("highs: {e}"))?;
            let x: Vec<f64> = cols.iter().map(|&v| sol.value(v)).collect();
            let y = if duals {
                let d = sol.compute_dual();
                Some(refs.into_iter().map(|r| d.dual(r)).collect())
            } else {
                None
            };
            let _ = tol;
            Ok((x, y, "optimal".to_string()))
        }
        LpBackend::Microlp => {
            let mut prob = vars.minimise(obj).using(microlp);
            prob = prob.with_time_limit(time_limit);
            for c in cons {
                prob.add_constraint(c);
            }
            let sol = prob.solve().map_err(|e| format!("microlp: {e}"))?;
            let x: Vec<f64> = cols.iter().map(|&v| sol.value(v)).collect();
            Ok((x, None, "optimal".to_string()))
        }
    }
}

/// Solve `lp` once with `backend` in `form`; shadow prices are returned when `duals`.
pub(crate) fn solve_once(
    lp: &LinProg,
    backend: LpBackend,
    form: LpForm,
    tol: f64,
    duals: bool,
    time_limit: f64,
) -> Result<LpSolution, String> {
    let form = if backend == LpBackend::Microlp {
        LpForm::Primal
    } else {
        form
    };
    let (x, y, status) = match (backend, form) {
        (LpBackend::Clarabel, LpForm::Dual) => {
            let (d, s) = dualize(lp);
            let (w, dy, status) = solve_direct(&d, backend, tol, true, time_limit)?;
            let dy = dy.ok_or("clarabel returned no duals")?;
            let x: Vec<f64> = dy.iter().map(|v| -v).collect();
            let y: Vec<f64> = (0..lp.nrows()).map(|r| s[r] * w[r]).collect();
            (x, duals.then_some(y), status)
        }
        (LpBackend::Clarabel, _) => solve_direct(lp, backend, tol, duals, time_limit)?,
        #[cfg(feature = "highs")]
        (LpBackend::Highs, _) => solve_direct(lp, backend, tol, duals, time_limit)?,
        (LpBackend::Microlp, _) => {
            let (x, _, status) = solve_direct(lp, backend, tol, false, time_limit)?;
            let y = if duals {
                let (d, s) = dualize(lp);
                let (w, _, _) = solve_direct(&d, backend, tol, false, time_limit)?;
                Some((0..lp.nrows()).map(|r| s[r] * w[r]).collect())
            } else {
                None
            };
            (x, y, status)
        }
    };
    if x.iter().any(|v| !v.is_finite()) {
        return Err(format!("{} returned non-finite values", backend.name()));
    }
    let value = lp.obj.iter().zip(&x).map(|(c, v)| c * v).sum();
    Ok(LpSolution {
        x,
        y,
        value,
        backend,
        status,
    })
}

/// Solve with retries: (backend, tol), (backend, tol/100), (other backend, tol). Returns the
/// first success and the list of failures, or all failure reasons joined.
pub(crate) fn solve_with_retries(
    lp: &LinProg,
    backend: LpBackend,
    form: LpForm,
    tol: f64,
    duals: bool,
) -> Result<(LpSolution, Vec<String>), String> {
    let attempts = [
        (backend, tol),
        (backend, (tol * 1e-2).max(1e-14)),
        (backend.other(), tol),
    ];
    let mut failures = Vec::new();
    for (b, t) in attempts {
        // Generous limit: the caller's problems are sized so that this is never hit in
        // normal use; it only turns a hang into an `inconclusive`.
        match solve_once(lp, b, form, t, duals, 600.0) {
            Ok(sol) => return Ok((sol, failures)),
            Err(e) => failures.push(format!("{} (tol {t:.0e}): {e}", b.name())),
        }
    }
    Err(failures.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// min x + 2y s.t. x + y ≥ 1, x − y ≤ 0.5, x, y ≥ 0: optimum x = 1, y = 0 is not feasible
    /// (x − y = 1 > 0.5), so x = 0.75, y = 0.25, value 1.25; duals: ∂v/∂b₁ = 1.5 (≥ row),
    /// ∂v/∂b₂ = −0.5 (≤ row).
    fn small() -> LinProg {
        let mut lp = LinProg::default();
        let x = lp.add_col(0.0, f64::INFINITY, 1.0);
        let y = lp.add_col(0.0, f64::INFINITY, 2.0);
        lp.add_row(vec![x, y], vec![1.0, 1.0], Sense::Ge, 1.0);
        lp.add_row(vec![x, y], vec![1.0, -1.0], Sense::Le, 0.5);
        lp
    }

    #[test]
    fn primal_and_dual_forms_agree_on_values_and_duals() {
        for backend in [LpBackend::Clarabel, LpBackend::Microlp] {
            for form in [LpForm::Primal, LpForm::Dual] {
                let s = solve_once(&small(), backend, form, 1e-10, true, 10.0).unwrap();
                assert!(
                    (s.value - 1.25).abs() < 1e-7,
                    "{backend:?} {form:?} {}",
                    s.value
                );
                assert!((s.x[0] - 0.75).abs() < 1e-7 && (s.x[1] - 0.25).abs() < 1e-7);
                let y = s.y.unwrap();
                assert!((y[0] - 1.5).abs() < 1e-6, "{backend:?} {form:?} {y:?}");
                assert!((y[1] + 0.5).abs() < 1e-6, "{backend:?} {form:?} {y:?}");
            }
        }
    }

    #[test]
    fn bounded_and_free_columns_dualize() {
        // min −x − y s.t. x + 2y ≤ 4, −1 ≤ x ≤ 2, y free, y ≤ 10 via row: optimum x = 2,
        // y = 1, value −3; dual of the row = −1 (one unit of rhs buys ½ of y ... ∂v/∂b = −½·…)
        let mut lp = LinProg::default();
        let x = lp.add_col(-1.0, 2.0, -1.0);
        let y = lp.add_col(f64::NEG_INFINITY, f64::INFINITY, -1.0);
        lp.add_row(vec![x, y], vec![1.0, 2.0], Sense::Le, 4.0);
        lp.add_row(vec![y], vec![1.0], Sense::Le, 10.0);
        for backend in [LpBackend::Clarabel, LpBackend::Microlp] {
            for form in [LpForm::Primal, LpForm::Dual] {
                let s = solve_once(&lp, backend, form, 1e-10, true, 10.0).unwrap();
                assert!(
                    (s.value + 3.0).abs() < 1e-7,
                    "{backend:?} {form:?} {}",
                    s.value
                );
                let yv = s.y.unwrap();
                // ∂v/∂b₁: y = (b₁ − 2)/2 → v = −2 − (b₁ − 2)/2, slope −½.
                assert!((yv[0] + 0.5).abs() < 1e-6, "{backend:?} {form:?} {yv:?}");
                assert!(yv[1].abs() < 1e-6);
            }
        }
    }
}
