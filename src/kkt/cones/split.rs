//! The **split** cone: the dual ball of an entrywise-ℓ∞ block, the ℓ1 ball
//!
//! ```text
//!     v_j = v⁺_j − v⁻_j,   v⁺, v⁻ ≥ 0,   Σ_j (v⁺_j + v⁻_j) ≤ w·t        (‖v_b‖₁ ≤ w·t)
//! ```
//!
//! Two columns per coordinate and one budget row. Exact.
//!
//! **Row generation** (`kkt/rowgen.rs`): the coordinates outside the row set get no columns
//! (v_j = 0 there, a restriction of v). The omitted columns are priced from the dual prices
//! of the budget row (recorded in `VMap::split_rows`) and of the θ row
//! (`rowgen::priced_split_columns`), and the certified bound uses the exact set anyway.
//! Every j with |θ̃_j| ≥ (1 − 2τ)·max_block |θ̃| is in the initial row set
//! ([`DualBall::free_mass`]): outside it such a v_j would be unconstrained by the residual
//! and the LP would move its mass there first.

use super::{DualBall, SegLp};
use crate::kkt::lp::Sense;
use crate::norms::NormTerm;
use crate::params::max_abs;

/// The ℓ1-ball cone of an entrywise-ℓ∞ block (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SplitBall;

impl DualBall for SplitBall {
    fn description(&self) -> &'static str {
        "exact polyhedral dual balls"
    }

    fn description_rank(&self) -> u8 {
        0
    }

    fn is_exact(&self) -> bool {
        true
    }

    fn add_to_lp(&self, term: &NormTerm, lp: &mut SegLp<'_>) {
        let inf = f64::INFINITY;
        let (mut idx, mut val) = (Vec::new(), Vec::new());
        for j in term.range.clone() {
            if !lp.has_col(j) {
                continue;
            }
            let cp = lp.lp.add_col(0.0, inf, 0.0);
            let cm = lp.lp.add_col(0.0, inf, 0.0);
            lp.v.terms[j].push((cp, 1.0));
            lp.v.terms[j].push((cm, -1.0));
            lp.th_idx.extend([cp, cm]);
            lp.th_val
                .extend([lp.theta[j] * lp.inv_n, -lp.theta[j] * lp.inv_n]);
            idx.extend([cp, cm]);
            val.extend([1.0, 1.0]);
        }
        let rhs = lp.cap(term.weight, &mut idx, &mut val);
        let r = lp.lp.add_row(idx, val, Sense::Le, rhs);
        lp.v.split_rows.push((term.range.clone(), r));
    }

    fn free_mass(&self, term: &NormTerm, theta: &[f64], tau: f64) -> Vec<usize> {
        let tb = &theta[term.range.clone()];
        let mx = max_abs(tb);
        let thr = (1.0 - 2.0 * tau - 1e-9) * mx;
        term.range
            .clone()
            .zip(tb)
            .filter(|(_, t)| t.abs() >= thr && mx > 0.0)
            .map(|(j, _)| j)
            .collect()
    }
}
