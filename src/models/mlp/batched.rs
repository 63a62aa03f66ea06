//! The MLP's batched path (margins and weighted gradient over all samples with GEMMs; the
//! formulas are in the parent module's docs): the workspace layout, the scalar and C-output
//! heads, and backpropagation through the hidden layers.

use super::Mlp;
use crate::data::Dataset;
use crate::models::activation::with_activation;
use crate::models::linear::{ensure_vecs, signed_weights};
use crate::models::Workspace;
use crate::params::dot;
use faer::{MatMut, MatRef};
use nalgebra::DMatrix;

impl Mlp {
    /// Make `ws.mats` = [Z_1 … Z_D, H_1 … H_D, Δ_1 … Δ_D] (+ [F, G], both m×C, when C > 1)
    /// and `ws.vecs` = [a (m)].
    pub(super) fn ensure_ws(&self, ws: &mut Workspace, m: usize) {
        let dd = self.depth();
        let extra = if self.outputs > 1 { 2 } else { 0 };
        let cols = |i: usize| {
            if i < 3 * dd {
                self.widths[i % dd]
            } else {
                self.outputs
            }
        };
        let ok = ws.mats.len() == 3 * dd + extra
            && ws
                .mats
                .iter()
                .enumerate()
                .all(|(i, mat)| mat.nrows() == m && mat.ncols() == cols(i));
        if !ok {
            ws.mats = (0..3 * dd + extra)
                .map(|i| DMatrix::zeros(m, cols(i)))
                .collect();
        }
        ensure_vecs(ws, &[m]);
    }

    /// [`crate::models::Model::margins`] of the MLP (module docs of the parent).
    pub(super) fn batched_margins(
        &self,
        theta: &[f64],
        data: &Dataset,
        ws: &mut Workspace,
        q: &mut [f64],
    ) {
        let m = data.m();
        let dd = self.depth();
        self.ensure_ws(ws, m);
        let (zs, rest) = ws.mats.split_at_mut(dd);
        let (hs, tail) = rest.split_at_mut(dd);
        for l in 1..=dd {
            let (k, kin) = (self.widths[l - 1], self.fan_in(l));
            let w = MatRef::from_column_major_slice(self.layer(theta, l), kin, k);
            let z = zs[l - 1].as_mut_slice();
            if l == 1 {
                matmul(
                    MatMut::from_column_major_slice_mut(z, m, k),
                    MatRef::from_column_major_slice(data.x.as_slice(), m, self.d),
                    w,
                );
            } else {
                matmul(
                    MatMut::from_column_major_slice_mut(z, m, k),
                    MatRef::from_column_major_slice(hs[l - 2].as_slice(), m, kin),
                    w,
                );
            }
            let h = hs[l - 1].as_mut_slice();
            with_activation!(self.act, sig => {
                for (hv, zv) in h.iter_mut().zip(z.iter()) {
                    *hv = sig(*zv).0;
                }
            });
        }
        if self.outputs > 1 {
            // F = H_D Uᵀ; U row-major C×k_D is the column-major k_D×C matrix Uᵀ.
            let (c, kd) = (self.outputs, self.widths[dd - 1]);
            let f = tail[dd].as_mut_slice();
            matmul(
                MatMut::from_column_major_slice_mut(f, m, c),
                MatRef::from_column_major_slice(hs[dd - 1].as_slice(), m, kd),
                MatRef::from_column_major_slice(self.out_vec(theta), kd, c),
            );
            crate::models::outputs::pair_margins(data, f, q);
            return;
        }
        q.fill(0.0);
        let hd = hs[dd - 1].as_slice();
        for (hc, uj) in hd.chunks_exact(m).zip(self.out_vec(theta)) {
            for (qv, hv) in q.iter_mut().zip(hc) {
                *qv += uj * hv;
            }
        }
        for (qi, yi) in q.iter_mut().zip(&data.y) {
            *qi *= yi;
        }
    }

    /// [`crate::models::Model::weighted_gradient`] of the MLP (module docs of the parent).
    pub(super) fn batched_weighted_gradient(
        &self,
        theta: &[f64],
        data: &Dataset,
        w: &[f64],
        ws: &mut Workspace,
        out: &mut [f64],
    ) {
        let m = data.m();
        let dd = self.depth();
        self.ensure_ws(ws, m);
        if self.outputs > 1 {
            self.multiclass_head_backward(theta, data, w, ws, out);
            self.backward_from_top(theta, data, ws, out);
            return;
        }
        signed_weights(w, &data.y, &mut ws.vecs[0]);
        let a = &ws.vecs[0];
        let (zs, rest) = ws.mats.split_at_mut(dd);
        let (hs, deltas) = rest.split_at_mut(dd);
        let u = self.out_vec(theta);
        // ∇u = H_Dᵀ a.
        let gu = &mut out[self.layout.blocks()[dd].range()];
        for (g, hc) in gu.iter_mut().zip(hs[dd - 1].as_slice().chunks_exact(m)) {
            *g = dot(hc, a);
        }
        // Δ_D = σ'(Z_D) ⊙ (a uᵀ).
        {
            let zd = zs[dd - 1].as_slice();
            let del = deltas[dd - 1].as_mut_slice();
            with_activation!(self.act, sig => {
                for ((dc, zc), uj) in del.chunks_exact_mut(m).zip(zd.chunks_exact(m)).zip(u) {
                    for ((dv, zv), av) in dc.iter_mut().zip(zc).zip(a) {
                        *dv = sig(*zv).1 * av * uj;
                    }
                }
            });
        }
        self.backward_from_top(theta, data, ws, out);
    }

    /// The C-output head's backward pass (module docs): G from the row weights, ∇U = (H_Dᵀ G)ᵀ
    /// into `out`, Δ_D = σ'(Z_D) ⊙ (G U) into the workspace.
    fn multiclass_head_backward(
        &self,
        theta: &[f64],
        data: &Dataset,
        w: &[f64],
        ws: &mut Workspace,
        out: &mut [f64],
    ) {
        let (m, dd, c) = (data.m(), self.depth(), self.outputs);
        let kd = self.widths[dd - 1];
        let (zs, rest) = ws.mats.split_at_mut(dd);
        let (hs, rest) = rest.split_at_mut(dd);
        let (deltas, fg) = rest.split_at_mut(dd);
        let g = fg[1].as_mut_slice();
        crate::models::outputs::pair_output_weights(data, w, g);
        let u = self.out_vec(theta);
        // ∇U: row-major C×k_D = column-major k_D×C = H_Dᵀ G.
        matmul(
            MatMut::from_column_major_slice_mut(&mut out[self.layout.blocks()[dd].range()], kd, c),
            MatRef::from_column_major_slice(hs[dd - 1].as_slice(), m, kd).transpose(),
            MatRef::from_column_major_slice(g, m, c),
        );
        // Δ_D = σ'(Z_D) ⊙ (G U), U = (column-major k_D×C view)ᵀ.
        let del = deltas[dd - 1].as_mut_slice();
        matmul(
            MatMut::from_column_major_slice_mut(del, m, kd),
            MatRef::from_column_major_slice(g, m, c),
            MatRef::from_column_major_slice(u, kd, c).transpose(),
        );
        let zd = zs[dd - 1].as_slice();
        with_activation!(self.act, sig => {
            for (dv, zv) in del.iter_mut().zip(zd) {
                *dv *= sig(*zv).1;
            }
        });
    }

    /// Backpropagation below the output layer: from Δ_D (in the workspace) the ∇W_l into
    /// `out` and Δ_{l−1} = (Δ_l W_l) ⊙ σ'(Z_{l−1}), l = D … 1.
    fn backward_from_top(
        &self,
        theta: &[f64],
        data: &Dataset,
        ws: &mut Workspace,
        out: &mut [f64],
    ) {
        let (m, dd) = (data.m(), self.depth());
        let (zs, rest) = ws.mats.split_at_mut(dd);
        let (hs, rest) = rest.split_at_mut(dd);
        let deltas = &mut rest[..dd];
        for l in (1..=dd).rev() {
            let (k, kin) = (self.widths[l - 1], self.fan_in(l));
            let gw = &mut out[self.layout.blocks()[l - 1].range()];
            let lhs = if l == 1 {
                MatRef::from_column_major_slice(data.x.as_slice(), m, self.d)
            } else {
                MatRef::from_column_major_slice(hs[l - 2].as_slice(), m, kin)
            };
            let (lower, upper) = deltas.split_at_mut(l - 1);
            let del = upper[0].as_slice();
            matmul(
                MatMut::from_column_major_slice_mut(gw, kin, k),
                lhs.transpose(),
                MatRef::from_column_major_slice(del, m, k),
            );
            if l > 1 {
                // Δ_{l−1} = (Δ_l W_l) ⊙ σ'(Z_{l−1}); W_l = (column-major kin×k view)ᵀ.
                let next = lower[l - 2].as_mut_slice();
                matmul(
                    MatMut::from_column_major_slice_mut(next, m, kin),
                    MatRef::from_column_major_slice(del, m, k),
                    MatRef::from_column_major_slice(self.layer(theta, l), kin, k).transpose(),
                );
                let zp = zs[l - 2].as_slice();
                with_activation!(self.act, sig => {
                    for (nv, zv) in next.iter_mut().zip(zp) {
                        *nv *= sig(*zv).1;
                    }
                });
            }
        }
    }
}

/// dst = lhs · rhs through faer (see [`crate::linalg::matmul_threaded`]).
fn matmul(dst: MatMut<'_, f64>, lhs: MatRef<'_, f64>, rhs: MatRef<'_, f64>) {
    crate::linalg::matmul_threaded(dst, lhs, rhs);
}
