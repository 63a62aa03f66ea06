//! The MLP's Clarke relaxation at ReLU / leaky-ReLU kinks ([`Model::clarke_gradient`] of
//! [`Mlp`]; the math is in the parent module's docs): exact when a sample's near-kink units
//! lie in one hidden layer, the per-row interval hull when they lie in several.

use super::{mat_t_vec, Mlp};
use crate::models::{Activation, KinkDirection, Model};

impl Mlp {
    /// The relaxation of the module docs for the margin row Σ_c s_c f_c: writes the base
    /// gradient to `base` and returns the directions (α_k ∈ [0, 1]).
    pub(super) fn clarke(
        &self,
        theta: &[f64],
        x: &[f64],
        s: &[f64],
        rel_tol: f64,
        base: &mut [f64],
    ) -> Vec<KinkDirection> {
        let (left, right) = match self.act {
            Activation::Relu => (0.0, 1.0),
            Activation::LeakyRelu(a) => (a, 1.0),
            _ => {
                self.combo_gradient(theta, x, s, base);
                return Vec::new();
            }
        };
        let u_s = self.out_combo(theta, s);
        let (zs, hs) = self.forward_all(theta, x);
        let near = self.near_kinks(theta, &zs, &hs, rel_tol);
        // Slopes with every near-kink unit at its left slope.
        let mut slopes: Vec<Vec<f64>> = zs
            .iter()
            .map(|z| z.iter().map(|&v| self.act.derivative(v)).collect())
            .collect();
        for (l, units) in near.iter().enumerate() {
            for &j in units {
                slopes[l][j] = left;
            }
        }
        self.gradient_with_slopes(theta, &hs, &slopes, s, base);
        let layers: Vec<usize> = (0..near.len()).filter(|&l| !near[l].is_empty()).collect();
        let dd = self.depth();
        let p = self.layout.len();
        match layers.len() {
            0 => Vec::new(),
            1 => {
                // Exact: ∇f is affine in the slopes of layer l* = layers[0] + 1.
                let ls = layers[0] + 1;
                // The signal into layer l*'s slopes: δ_{l*,j} = upstream_j · s_{l*,j} with
                // upstream = u (l* = D) or W_{l*+1}ᵀ δ_{l*+1}, independent of layer l*'s slopes.
                let upstream = if ls == dd {
                    u_s.to_vec()
                } else {
                    mat_t_vec(
                        self.layer(theta, ls + 1),
                        &self.delta_at(theta, &u_s, &slopes, ls + 1),
                        self.fan_in(ls + 1),
                    )
                };
                near[ls - 1]
                    .iter()
                    .filter_map(|&j| {
                        let mut delta = vec![0.0; self.widths[ls - 1]];
                        delta[j] = (right - left) * upstream[j];
                        let mut d = vec![0.0; p];
                        self.backprop(theta, &hs, &slopes, ls, delta, &mut d);
                        let entries: Vec<(usize, f64)> = d
                            .iter()
                            .enumerate()
                            .filter(|(_, v)| **v != 0.0)
                            .map(|(c, v)| (c, *v))
                            .collect();
                        // A unit whose slope does not reach θ's gradient (e.g. all its inputs
                        // are 0) contributes nothing.
                        (!entries.is_empty()).then(|| KinkDirection {
                            unit: self.widths[..ls - 1].iter().sum::<usize>() + j,
                            entries,
                        })
                    })
                    .collect()
            }
            _ => {
                // Interval hull: δ_l ∈ [lo, hi] by interval arithmetic over the slope boxes.
                let slope_box = |l: usize, j: usize| -> (f64, f64) {
                    if near[l - 1].contains(&j) {
                        (left, right)
                    } else {
                        (slopes[l - 1][j], slopes[l - 1][j])
                    }
                };
                let u = &u_s;
                let mut delta: Vec<(f64, f64)> = (0..self.widths[dd - 1])
                    .map(|j| interval_mul((u[j], u[j]), slope_box(dd, j)))
                    .collect();
                let mut dirs = Vec::new();
                let mut offset_units: Vec<usize> = vec![0; dd];
                for l in 1..dd {
                    offset_units[l] = offset_units[l - 1] + self.widths[l - 1];
                }
                for l in (1..=dd).rev() {
                    let block = &self.layout.blocks()[l - 1];
                    let cols = self.fan_in(l);
                    for (r, &(lo, hi)) in delta.iter().enumerate() {
                        let start = block.offset + r * cols;
                        for (c, hc) in hs[l - 1].iter().enumerate() {
                            base[start + c] = lo * hc;
                        }
                        if hi > lo {
                            let entries: Vec<(usize, f64)> = hs[l - 1]
                                .iter()
                                .enumerate()
                                .filter(|(_, hc)| **hc != 0.0)
                                .map(|(c, hc)| (start + c, (hi - lo) * hc))
                                .collect();
                            if !entries.is_empty() {
                                dirs.push(KinkDirection {
                                    unit: offset_units[l - 1] + r,
                                    entries,
                                });
                            }
                        }
                    }
                    if l > 1 {
                        let w = self.layer(theta, l);
                        let mut next = vec![(0.0, 0.0); cols];
                        for (row, &(lo, hi)) in w.chunks_exact(cols).zip(&delta) {
                            for (n, &wc) in next.iter_mut().zip(row) {
                                let (a, b) = if wc >= 0.0 {
                                    (wc * lo, wc * hi)
                                } else {
                                    (wc * hi, wc * lo)
                                };
                                n.0 += a;
                                n.1 += b;
                            }
                        }
                        delta = next
                            .into_iter()
                            .enumerate()
                            .map(|(j, v)| interval_mul(v, slope_box(l - 1, j)))
                            .collect();
                    }
                }
                dirs
            }
        }
    }
}

/// Interval product [a_lo, a_hi]·[b_lo, b_hi].
fn interval_mul(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let p = [a.0 * b.0, a.0 * b.1, a.1 * b.0, a.1 * b.1];
    (
        p.iter().copied().fold(f64::INFINITY, f64::min),
        p.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    )
}
