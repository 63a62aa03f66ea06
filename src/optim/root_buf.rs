//! [`RootBuf`]: a second-moment buffer stored by its root, √v = e^{s}·r, shared by Adam,
//! RMSProp, AdaGrad and Adam (w/m), and [`rms_step`], the log-domain step
//! Δθ_j = −η g_j/√(ε + v_j) of \[A\] eq. 3 (ε inside the root) shared by RMSProp and AdaGrad
//! ([`rms_step_shifted`]: the same for a rescaled v, Adam (w/m)'s bias-corrected v/(1 − βᵗ)).
//!
//! With g = e^{c}ĝ and k = max(s, ½ ln ε),
//!
//! ```text
//!     Δθ_j = −η e^{c−k} ĝ_j / √( e^{ln ε − 2k} + (e^{s−k} r_j)² ),
//! ```
//!
//! where every exponential is ≤ 1 or bounded, so nothing overflows, and in the ε-dominated
//! (GD) regime the step underflows only when the true step does. A coordinate whose
//! denominator is exactly 0 (ε = 0 and a gradient that has always been exactly 0 there)
//! gets Δθ_j = 0 (a skip, never NaN).

use super::kernels::{ln_pos, step_factor};
use super::ScaledGrad;
use crate::error::Result;

/// Root-mean-square buffer: the non-negative vector v with √v_j = e^{log_scale}·r_j.
///
/// Storing the *root* instead of v itself (as a squared [`super::ScaledBuf`] would) doubles
/// the dynamic range: a coordinate whose gradient is 10⁻²⁰⁰ times the largest one has
/// r_j ≈ 10⁻²⁰⁰ instead of a squared entry that underflows to 0 — which, with ε = 0, would
/// turn a genuine O(η) Adam step into 0/0. The accumulation v ← a v + b (e^{c}x)² is
/// r_j ← hypot(√a e^{s−s'} r_j, √b e^{c−s'} x_j) with s' = max(½ ln a + s, ½ ln b + c);
/// the cheap √(p² + q²) is used whenever it cannot under/overflow.
#[derive(Debug, Clone, PartialEq)]
pub struct RootBuf {
    /// s: √v = e^{s}·r (−∞ with r = 0 for the zero vector).
    pub log_scale: f64,
    /// r ≥ 0.
    pub r: Vec<f64>,
}

/// Below/above these the plain √(p² + q²) may lose range; use `hypot` instead.
const SAFE_LO: f64 = 1e-250;
const SAFE_HI: f64 = 1e250;

/// √(p² + q²) without spurious under/overflow, fast in the common case.
#[inline]
pub(crate) fn hyp(p: f64, q: f64) -> f64 {
    let t = p * p + q * q;
    if t > SAFE_LO && t < SAFE_HI {
        t.sqrt()
    } else {
        p.hypot(q)
    }
}

impl RootBuf {
    /// The zero vector of length n.
    pub fn zeros(n: usize) -> Self {
        RootBuf {
            log_scale: f64::NEG_INFINITY,
            r: vec![0.0; n],
        }
    }

    /// v ← a·v + b·(e^{c}·x)² elementwise (a, b ≥ 0).
    pub fn accumulate(&mut self, a: f64, b: f64, c: f64, x: &[f64]) {
        debug_assert_eq!(x.len(), self.r.len());
        let la = if a > 0.0 && self.log_scale.is_finite() {
            0.5 * a.ln() + self.log_scale
        } else {
            f64::NEG_INFINITY
        };
        let lb = if b > 0.0 {
            0.5 * b.ln() + c
        } else {
            f64::NEG_INFINITY
        };
        let s = la.max(lb);
        if !s.is_finite() {
            self.r.fill(0.0);
            self.log_scale = f64::NEG_INFINITY;
            return;
        }
        let fa = (la - s).exp();
        let fb = (lb - s).exp();
        let mut max = 0.0_f64;
        for (rj, &xj) in self.r.iter_mut().zip(x) {
            *rj = hyp(fa * *rj, fb * xj);
            max = max.max(*rj);
        }
        self.log_scale = s;
        // Keep max r_j near 1 (exact power-of-two rescaling) so that sums of squares
        // (AdaGrad) or cancellations never drift towards the ends of the f64 range.
        if max > 0.0 && !(2f64.powi(-200)..=2f64.powi(200)).contains(&max) {
            let e = max.log2().round() as i32;
            let f = 2f64.powi(-e);
            self.r.iter_mut().for_each(|v| *v *= f);
            self.log_scale += e as f64 * std::f64::consts::LN_2;
        }
    }

    /// For `√(ε + v_j) = e^{k}·den_j`: returns k = max(s, ½ ln ε) and the factors
    /// (e^{½ ln ε − k}, e^{s − k}), both ≤ 1, with den_j = hyp(first, second·r_j).
    /// `None` when ε = 0 and v = 0 (every denominator is 0).
    pub fn eps_split(&self, eps: f64) -> Option<(f64, f64, f64)> {
        self.eps_split_shifted(eps, 0.0)
    }

    /// [`RootBuf::eps_split`] for the rescaled buffer e^{2·shift}·v (its root is
    /// e^{s + shift}·r): `√(ε + e^{2·shift} v_j) = e^{k}·hyp(first, second·r_j)` with
    /// k = max(s + shift, ½ ln ε). Adam (w/m) passes shift = −½ ln(1 − βᵗ) for its bias
    /// correction v/(1 − βᵗ); shift = 0 is exactly [`RootBuf::eps_split`].
    pub fn eps_split_shifted(&self, eps: f64, shift: f64) -> Option<(f64, f64, f64)> {
        let half_ln_eps = 0.5 * ln_pos(eps);
        let s = self.log_scale + shift;
        let k = s.max(half_ln_eps);
        if !k.is_finite() {
            return None;
        }
        Some((k, (half_ln_eps - k).exp(), (s - k).exp()))
    }
}

/// The shared AdaGrad/RMSProp step Δθ_j = −η g_j/√(ε + v_j) (\[A\] eq. 3) in the log domain
/// (see the module docs); zero where the denominator is exactly 0.
pub(crate) fn rms_step(
    who: &str,
    v: &RootBuf,
    eps: f64,
    grad: &ScaledGrad<'_>,
    lr: f64,
    delta: &mut [f64],
) -> Result<()> {
    rms_step_shifted(who, v, 0.0, eps, grad, lr, delta)
}

/// [`rms_step`] for the rescaled second moment e^{2·shift}·v:
/// Δθ_j = −η g_j/√(ε + e^{2·shift} v_j) (see [`RootBuf::eps_split_shifted`]).
pub(crate) fn rms_step_shifted(
    who: &str,
    v: &RootBuf,
    shift: f64,
    eps: f64,
    grad: &ScaledGrad<'_>,
    lr: f64,
    delta: &mut [f64],
) -> Result<()> {
    let Some((k, e, b)) = v.eps_split_shifted(eps, shift) else {
        delta.fill(0.0);
        return Ok(());
    };
    let a = step_factor(who, lr, grad.log_scale - k)?;
    for ((d, &g), &r) in delta.iter_mut().zip(grad.dir).zip(&v.r) {
        let den = hyp(e, b * r);
        *d = if den > 0.0 { -a * (g / den) } else { 0.0 };
    }
    Ok(())
}
