//! The **box** cone: the dual ball of an ℓ1 block, the ℓ∞ ball
//!
//! ```text
//!     |v_j| ≤ w·t   for every coordinate j of the block        (‖v_b‖_∞ ≤ w·t)
//! ```
//!
//! One column v_j per coordinate: bounded by ±w when the block is the only segment (t = 1),
//! else free with the two rows ±v_j − w·t ≤ 0. Exact.
//!
//! **Row generation** (`kkt/rowgen.rs`), ℓ1 as the only segment: the coordinates outside the
//! row set get no column; their v_j is fixed at the exact subgradient s_j (sign θ̃_j, clamped
//! to [−w, w]) and moved into the constant of v and of the θ row. No loss: the omitted v_j
//! appear in no residual row, and s_j maximizes their contribution θ̃_j v_j to the θ row, so
//! the restricted and the full LP have the same value. They are re-chosen after the solve
//! by `rowgen::polish_box` (`VMap::box_fixed`).

use super::{DualBall, SegLp};
use crate::kkt::lp::Sense;
use crate::norms::NormTerm;

/// The ℓ∞-ball cone of an ℓ1 block (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BoxBall;

impl DualBall for BoxBall {
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
        let w = term.weight;
        let inf = f64::INFINITY;
        // Fixed part of v (box segment outside the column set): its share of the θ row.
        let s_exact = if lp.single && lp.cols.is_some() {
            let mut s = vec![0.0; lp.theta.len()];
            lp.norm.subgradient(lp.layout, lp.theta, &mut s);
            s.iter_mut().for_each(|x| *x = x.clamp(-w, w));
            s
        } else {
            Vec::new()
        };
        for j in term.range.clone() {
            if !s_exact.is_empty() && !lp.has_col(j) {
                lp.v.box_fixed.push(j);
                lp.v.constant[j] = s_exact[j];
                lp.theta_const += s_exact[j] * lp.theta[j] * lp.inv_n;
                continue;
            }
            let (lo, hi) = if lp.single { (-w, w) } else { (-inf, inf) };
            let c = lp.lp.add_col(lo, hi, 0.0);
            lp.v.terms[j].push((c, 1.0));
            lp.th_idx.push(c);
            lp.th_val.push(lp.theta[j] * lp.inv_n);
            if !lp.single {
                for sgn in [1.0, -1.0] {
                    let (mut idx, mut val) = (vec![c], vec![sgn]);
                    let rhs = lp.cap(w, &mut idx, &mut val);
                    lp.lp.add_row(idx, val, Sense::Le, rhs);
                }
            }
        }
    }
}
