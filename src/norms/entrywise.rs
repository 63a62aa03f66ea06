//! Entrywise kernels shared by the ℓ1, ℓ∞ and ℓp norms (so that no two norm files import
//! each other): sign with sign(0) = 0, Σ|x_j|, max|x_j| and the even split over the argmax
//! set of |x|.
//!
//! The ℓ1 and ℓ∞ norms are each other's duals, so each one's steepest direction is the
//! other's subgradient: ℓ1-steepest(g) = ℓ∞-subgradient(g) = [`split_over_argmax`], and
//! ℓ∞-steepest(g) = ℓ1-subgradient(g) = [`sign_into`].

/// sign(v) ∈ {−1, 0, 1} with sign(0) = 0 (and sign(NaN) = 0).
pub(crate) fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// out_j = sign(x_j) with sign(0) = 0.
pub(crate) fn sign_into(x: &[f64], out: &mut [f64]) {
    for (o, v) in out.iter_mut().zip(x) {
        *o = sign(*v);
    }
}

/// Σ_j |x_j|.
pub(crate) fn sum_abs(x: &[f64]) -> f64 {
    x.iter().map(|v| v.abs()).sum()
}

/// max_j |x_j| (0 for an empty slice; NaN entries ignored): [`crate::params::max_abs`].
pub(crate) fn max_abs(x: &[f64]) -> f64 {
    crate::params::max_abs(x)
}

/// out_j = sign(x_j)/|J| for j ∈ J = {j : |x_j| = max_k |x_k|}, 0 elsewhere; out = 0 when
/// x = 0 and NaN-filled when the maximum is NaN. **Tie-break:** the mass is split evenly
/// over the ties, which is deterministic and permutation-equivariant.
pub(crate) fn split_over_argmax(x: &[f64], out: &mut [f64]) {
    let m = max_abs(x);
    out.fill(0.0);
    if m == 0.0 || m.is_nan() {
        if m.is_nan() {
            out.fill(f64::NAN);
        }
        return;
    }
    let count = x.iter().filter(|v| v.abs() == m).count() as f64;
    for (o, v) in out.iter_mut().zip(x) {
        if v.abs() == m {
            *o = sign(*v) / count;
        }
    }
}
