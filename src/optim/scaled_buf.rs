//! [`ScaledBuf`]: a vector stored as e^{log_scale}·v, used for momentum and second-moment
//! buffers so that exponential moving averages of gradients that shrink by hundreds of
//! orders of magnitude never underflow.

/// A buffer representing the vector e^{log_scale}·v.
///
/// `log_scale = −∞` with `v = 0` represents the zero vector (the initial state).
#[derive(Debug, Clone, PartialEq)]
pub struct ScaledBuf {
    /// Log-scale (natural log).
    pub log_scale: f64,
    /// Scaled values.
    pub v: Vec<f64>,
}

impl ScaledBuf {
    /// The zero vector of length n.
    pub fn zeros(n: usize) -> Self {
        ScaledBuf {
            log_scale: f64::NEG_INFINITY,
            v: vec![0.0; n],
        }
    }

    /// In-place exponential moving average with a new term:
    /// self ← a·self + b·e^{c}·x, with a ≥ 0, b ≥ 0 given as plain factors and the new
    /// term's log-scale c. The new log-scale is max(log a + s, log b + c), so both
    /// coefficients applied to the stored values are ≤ 1 and nothing overflows.
    ///
    /// `square = true` adds b·(e^{c}·x)² = b·e^{2c}·x² elementwise (second moments); the
    /// caller passes c as the log-scale of the *gradient*, and the buffer then holds
    /// a log-scale of the squared quantity.
    pub fn ema(&mut self, a: f64, b: f64, c: f64, x: &[f64], square: bool) {
        debug_assert_eq!(x.len(), self.v.len());
        let c_new_term = if square { 2.0 * c } else { c };
        let la = if a > 0.0 && self.log_scale.is_finite() {
            a.ln() + self.log_scale
        } else {
            f64::NEG_INFINITY
        };
        let lb = if b > 0.0 {
            b.ln() + c_new_term
        } else {
            f64::NEG_INFINITY
        };
        let s = la.max(lb);
        if !s.is_finite() {
            // Both terms vanish: keep a zero buffer.
            self.v.iter_mut().for_each(|v| *v = 0.0);
            self.log_scale = f64::NEG_INFINITY;
            return;
        }
        let fa = (la - s).exp();
        let fb = (lb - s).exp();
        if square {
            for (vi, xi) in self.v.iter_mut().zip(x) {
                *vi = fa * *vi + fb * xi * xi;
            }
        } else {
            for (vi, xi) in self.v.iter_mut().zip(x) {
                *vi = fa * *vi + fb * xi;
            }
        }
        self.log_scale = s;
    }

    /// Plain-f64 value of coordinate j (may underflow to 0 or overflow to ∞: for reporting).
    pub fn value(&self, j: usize) -> f64 {
        if self.v[j] == 0.0 {
            0.0
        } else {
            self.v[j] * self.log_scale.exp()
        }
    }
}
