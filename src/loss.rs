//! Exponentially-tailed losses in the log domain (\[M\] eq. 1, 10).
//!
//! A loss is written ℓ(q) = e^{−φ(q)} with φ increasing (\[M\] eq. 1):
//!
//! | loss | ℓ(q) | φ(q) | −ℓ'(q) |
//! |---|---|---|---|
//! | exponential | e^{−q} | q | e^{−q} |
//! | logistic | log(1 + e^{−q}) | −log log(1 + e^{−q}) | 1/(1 + e^{q}) |
//!
//! The empirical loss is the **sum** L(θ) = Σ_i ℓ(q_i), q_i = y_i f(x_i; θ) (\[M\] eq. 1).
//!
//! **Multiclass** (margin rows q_{i,c} = f_{y_i}(x_i) − f_c(x_i), c ≠ y_i, grouped by sample:
//! [`crate::data::Dataset`], \[A\] Remark 1 and App. E eq. 26):
//!
//! | loss | per-sample loss | −∂ℓ_i/∂q_{i,c} |
//! |---|---|---|
//! | exponential (multiclass exponential) | Σ_{c≠y_i} e^{−q_{i,c}} | e^{−q_{i,c}} |
//! | cross_entropy (= logistic for C = 2) | log(1 + Σ_{c≠y_i} e^{−q_{i,c}}) = −log softmax_{y_i}(f(x_i)) | e^{−q_{i,c}} / (1 + Σ_{c'} e^{−q_{i,c'}}) |
//!
//! The exponential loss is the binary one summed over all rows; cross-entropy needs the
//! rows of one sample together, so the grouped entry points ([`Loss::log_loss_grouped`],
//! [`Loss::log_loss_and_weights_grouped`]) take the group size g = C − 1 (g = 1: binary).
//! `logistic` and `cross_entropy` are the same function of the margins (the multinomial
//! logistic loss); they differ only in name. With s_i = log Σ_c e^{−q_{i,c}} (log-sum-exp),
//! log ℓ_i = log softplus(s_i) and log(−∂ℓ_i/∂q_{i,c}) = −q_{i,c} − softplus(s_i), so the
//! multiclass losses stay in the log domain like the binary ones. The soft margin uses the
//! logistic φ⁻¹ for cross-entropy: L ≥ ℓ_log(q_min) gives φ⁻¹(log 1/L) ≤ min q.
//! Everything here is computed in the log domain so that training can run far past
//! L = 1e-300: [`Loss::log_loss`] returns log L by log-sum-exp, and [`Loss::grad_weights`]
//! returns −ℓ'(q_i) = e^{c}·w_i with a common log-scale c and weights w_i ∈ (0, 1]
//! (max_i w_i = 1), which never underflow as a whole.

use serde::{Deserialize, Serialize};

/// The loss function ℓ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// ℓ(q) = e^{−q}.
    #[default]
    Exponential,
    /// ℓ(q) = log(1 + e^{−q}); multiclass: cross-entropy (module docs).
    Logistic,
    /// Multiclass cross-entropy log(1 + Σ_{c≠y} e^{−q_{i,c}}); logistic for binary data.
    CrossEntropy,
}

/// log(1 + e^{x}) without overflow (softplus).
pub fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// log Σ_i e^{a_i}, stable; −∞ for an empty slice or all −∞.
pub fn log_sum_exp(a: &[f64]) -> f64 {
    let mx = a.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !mx.is_finite() {
        return mx;
    }
    mx + a.iter().map(|v| (v - mx).exp()).sum::<f64>().ln()
}

/// The exponential-loss case of [`Loss::log_loss_and_weights`]: c = max_i(−q_i),
/// w_i = e^{−q_i − c}, log L = c + ln Σ_i w_i (sequential sum, as in [`log_sum_exp`]).
fn exp_loss_and_weights(q: &[f64], w: &mut [f64]) -> (f64, f64) {
    debug_assert_eq!(q.len(), w.len());
    let c = q.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(-v));
    if !c.is_finite() {
        // Empty, or every q_i = +∞ (c = −∞), or some q_i = −∞ (c = +∞): the general path's
        // conventions (log L = c, and the weights it computes) apply.
        for (wi, &qi) in w.iter_mut().zip(q) {
            *wi = (-qi - c).exp();
        }
        return (c, c);
    }
    let mut sum = 0.0;
    for (wi, &qi) in w.iter_mut().zip(q) {
        let e = (-qi - c).exp();
        *wi = e;
        sum += e;
    }
    (c + sum.ln(), c)
}

/// The loss catalogue: (loss, aliases, summary) — behind [`Loss::parse`] and
/// [`Loss::catalogue`].
const LOSSES: &[(Loss, &[&str], &str)] = &[
    (Loss::Exponential, &["exp"], "ℓ(q) = e^{−q} ([M] eq. 1)"),
    (
        Loss::Logistic,
        &["log"],
        "ℓ(q) = log(1 + e^{−q}) ([F] §4.2); cross-entropy on multiclass data",
    ),
    (
        Loss::CrossEntropy,
        &["ce", "softmax"],
        "log(1 + Σ_{c≠y} e^{−q_{i,c}}) ([A] App. E eq. 26); logistic on binary data",
    ),
];

impl Loss {
    /// Parse a name or alias of the catalogue (`"exponential"`/`"exp"`, `"logistic"`/`"log"`).
    pub fn parse(s: &str) -> Option<Loss> {
        LOSSES
            .iter()
            .find(|(l, aliases, _)| l.name() == s || aliases.contains(&s))
            .map(|(l, _, _)| *l)
    }

    /// Every loss (for `implicit-bias list`).
    pub fn catalogue() -> Vec<crate::catalogue::Row> {
        LOSSES
            .iter()
            .map(|(l, aliases, summary)| crate::catalogue::Row {
                name: l.name().into(),
                aliases: aliases.iter().map(|a| a.to_string()).collect(),
                usage: l.name().into(),
                summary: summary.to_string(),
            })
            .collect()
    }
    /// Stable name.
    pub fn name(&self) -> &'static str {
        match self {
            Loss::Exponential => "exponential",
            Loss::Logistic => "logistic",
            Loss::CrossEntropy => "cross_entropy",
        }
    }

    /// log ℓ(q) = −φ(q), accurate for every finite q (no underflow at q ≫ 745).
    pub fn log_value(&self, q: f64) -> f64 {
        match self {
            Loss::Exponential => -q,
            Loss::Logistic | Loss::CrossEntropy => {
                if q > 30.0 {
                    // log log1p(z), z = e^{-q}: log z + log(log1p(z)/z), log1p(z)/z = 1 − z/2 + O(z²).
                    let z = (-q).exp();
                    -q + (-0.5 * z).ln_1p()
                } else {
                    softplus(-q).ln()
                }
            }
        }
    }

    /// φ(q) = −log ℓ(q).
    pub fn phi(&self, q: f64) -> f64 {
        -self.log_value(q)
    }

    /// φ⁻¹(s): the q with −log ℓ(q) = s. Defined for s > −log ℓ(−∞) (all s for the
    /// exponential loss; s > −∞ for the logistic loss, where ℓ(−∞) = ∞).
    ///
    /// Logistic: log(1 + e^{−q}) = e^{−s} ⇒ q = −log(expm1(e^{−s})).
    pub fn phi_inv(&self, s: f64) -> f64 {
        match self {
            Loss::Exponential => s,
            Loss::Logistic | Loss::CrossEntropy => {
                if s > 30.0 {
                    // expm1(t) = t(1 + t/2 + …), t = e^{-s}: −log expm1(t) = s − log1p(t/2 + …).
                    let t = (-s).exp();
                    s - (0.5 * t).ln_1p()
                } else {
                    -(-s).exp().exp_m1().ln()
                }
            }
        }
    }

    /// log −ℓ'(q): exponential −q; logistic −softplus(q) = log(1/(1 + e^{q})).
    pub fn log_neg_derivative(&self, q: f64) -> f64 {
        match self {
            Loss::Exponential => -q,
            Loss::Logistic | Loss::CrossEntropy => -softplus(q),
        }
    }

    /// log L = log Σ_i ℓ(q_i), by log-sum-exp.
    pub fn log_loss(&self, q: &[f64]) -> f64 {
        let mut buf: Vec<f64> = q.iter().map(|&v| self.log_value(v)).collect();
        let r = log_sum_exp(&buf);
        buf.clear();
        r
    }

    /// Gradient weights: writes w_i ∈ [0, 1] into `w` and returns the log-scale c with
    /// −ℓ'(q_i) = e^{c}·w_i and max_i w_i = 1. Then −∇L(θ) = e^{c} Σ_i w_i y_i ∇f(x_i; θ).
    pub fn grad_weights(&self, q: &[f64], w: &mut [f64]) -> f64 {
        debug_assert_eq!(q.len(), w.len());
        let mut c = f64::NEG_INFINITY;
        for (wi, &qi) in w.iter_mut().zip(q) {
            *wi = self.log_neg_derivative(qi);
            c = c.max(*wi);
        }
        for wi in w.iter_mut() {
            *wi = (*wi - c).exp();
        }
        c
    }

    /// log L and the gradient weights in one pass (see [`Loss::grad_weights`]).
    /// Returns `(log_loss, c)`.
    ///
    /// **Exponential loss: one exp per sample.** There log ℓ(q) = log(−ℓ'(q)) = −q, so the
    /// log-sum-exp shift and the weights' log-scale coincide, c = max_i(−q_i), and the
    /// log-sum-exp terms e^{−q_i − c} *are* the weights: log L = c + ln Σ_i w_i. This is the
    /// same arithmetic, in the same order, as the general path below (bit-identical, tested
    /// in `tests/fast_step.rs`), with half the `exp` calls.
    pub fn log_loss_and_weights(&self, q: &[f64], w: &mut [f64]) -> (f64, f64) {
        if let Loss::Exponential = self {
            return exp_loss_and_weights(q, w);
        }
        // log ℓ(q_i): store temporarily in w to avoid allocation.
        let mut mx = f64::NEG_INFINITY;
        for (wi, &qi) in w.iter_mut().zip(q) {
            *wi = self.log_value(qi);
            mx = mx.max(*wi);
        }
        let log_l = if mx.is_finite() {
            mx + w.iter().map(|v| (v - mx).exp()).sum::<f64>().ln()
        } else {
            mx
        };
        let c = self.grad_weights(q, w);
        (log_l, c)
    }

    /// ℓ(0) (= 1 for exponential, log 2 for logistic); the soft-margin theorems apply once
    /// L(θ) < ℓ(0) (\[M\] (R1)).
    pub fn at_zero(&self) -> f64 {
        self.log_value(0.0).exp()
    }

    /// True when the loss couples the margin rows of one sample (cross-entropy with
    /// groups of g ≥ 2 rows); the exponential loss is a plain sum over rows.
    fn is_grouped(&self, group: usize) -> bool {
        group > 1 && !matches!(self, Loss::Exponential)
    }

    /// log L for margin rows grouped g = `group` per sample (module docs; g = 1 is
    /// [`Loss::log_loss`]). `q.len()` must be a multiple of g.
    pub fn log_loss_grouped(&self, q: &[f64], group: usize) -> f64 {
        if !self.is_grouped(group) {
            return self.log_loss(q);
        }
        let mut w = vec![0.0; q.len()];
        self.log_loss_and_weights_grouped(q, &mut w, group).0
    }

    /// log L and the gradient weights (w_r ∈ [0, 1], max w = 1, −∂L/∂q_r = e^{c}·w_r) for
    /// margin rows grouped g = `group` per sample; returns `(log_loss, c)`. For g = 1 or the
    /// exponential loss this is [`Loss::log_loss_and_weights`], bit for bit.
    pub fn log_loss_and_weights_grouped(
        &self,
        q: &[f64],
        w: &mut [f64],
        group: usize,
    ) -> (f64, f64) {
        if !self.is_grouped(group) {
            return self.log_loss_and_weights(q, w);
        }
        debug_assert_eq!(q.len() % group, 0);
        // Per sample: s_i = LSE_c(−q_ic), log ℓ_i = log softplus(s_i) (the logistic log-value
        // at −s_i), log(−∂ℓ_i/∂q_ic) = −q_ic − softplus(s_i), kept in w until the shift.
        // log L = LSE_i log ℓ_i, accumulated online (running maximum and rescaled sum), so the
        // training step allocates nothing.
        let (mut ll_max, mut ll_sum) = (f64::NEG_INFINITY, 0.0_f64);
        let mut c = f64::NEG_INFINITY;
        for (qg, wg) in q.chunks_exact(group).zip(w.chunks_exact_mut(group)) {
            let mx = qg.iter().fold(f64::NEG_INFINITY, |a, &v| a.max(-v));
            let s = if mx.is_finite() {
                mx + qg.iter().map(|&v| (-v - mx).exp()).sum::<f64>().ln()
            } else {
                mx
            };
            let li = Loss::Logistic.log_value(-s);
            if li > ll_max {
                ll_sum = if ll_max.is_finite() {
                    ll_sum * (ll_max - li).exp() + 1.0
                } else {
                    1.0
                };
                ll_max = li;
            } else if li.is_finite() {
                ll_sum += (li - ll_max).exp();
            }
            let sp = softplus(s);
            for (wi, &qi) in wg.iter_mut().zip(qg) {
                *wi = -qi - sp;
                c = c.max(*wi);
            }
        }
        for wi in w.iter_mut() {
            *wi = (*wi - c).exp();
        }
        let log_l = if ll_max.is_finite() {
            ll_max + ll_sum.ln()
        } else {
            ll_max
        };
        (log_l, c)
    }
}
