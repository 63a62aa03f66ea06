//! Hard and soft normalized margins under any norm (\[M\] eq. 9–10, \[F\] eq. 4–5).
//!
//! For a model of degree L and a norm N:
//! * hard margin γ_N(θ) = min_i y_i f(x_i; θ) / N(θ)^L (\[M\] eq. 9), scale-invariant in θ;
//! * soft margin γ̃_N(θ) = φ⁻¹(log 1/L(θ)) / N(θ)^L (\[M\] eq. 10), which lower-bounds the hard
//!   margin up to O(log m / N(θ)^L) and is non-decreasing along normalized steepest descent
//!   in N once L(θ) < ℓ(0) (\[F\] Thm 3.1, \[M\] Thm 3.1).
//!
//! Both are computed in the log domain (φ⁻¹ of −log L), so they stay finite at losses far
//! below 1e-300.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::models::Model;
use crate::norms::Norm;

/// The margin rows q_r for all samples: q_i = y_i f(x_i; θ) (binary), or the m(C−1) pair
/// margins f_{y_i}(x_i) − f_c(x_i) (multiclass, [`Dataset::row_pair`] order). Validates θ
/// against the model's layout and the data.
pub fn margins(model: &dyn Model, data: &Dataset, theta: &[f64]) -> Result<Vec<f64>> {
    model.layout().check(theta)?;
    model.validate_data(data)?;
    let mut ws = model.workspace(data.m());
    let mut q = vec![0.0; data.margin_rows()];
    model.margins(theta, data, &mut ws, &mut q);
    if let Some(r) = q.iter().position(|v| !v.is_finite()) {
        return Err(Error::Numerical(format!(
            "margin of sample {} is not finite ({})",
            data.row_pair(r).0,
            q[r]
        )));
    }
    Ok(q)
}

/// Samples classified correctly: groups of `group` consecutive margin rows (one sample's,
/// 1 for binary, C − 1 for multiclass) that are all > 0, i.e. f_{y_i}(x_i) > f_c(x_i) for
/// every c ≠ y_i (ties count as errors).
pub fn correct_samples(q: &[f64], group: usize) -> usize {
    q.chunks(group.max(1))
        .filter(|g| g.iter().all(|&v| v > 0.0))
        .count()
}

/// N(θ)^L, or an error when N(θ) is zero or not finite.
fn norm_pow(norm: &dyn Norm, model: &dyn Model, theta: &[f64]) -> Result<f64> {
    norm.validate(model.layout())?;
    let n = norm.value(model.layout(), theta);
    if !(n > 0.0 && n.is_finite()) {
        return Err(Error::Numerical(format!(
            "{}-norm of θ is {n}: the normalized margin is undefined",
            norm.name()
        )));
    }
    Ok(n.powf(model.degree()))
}

/// γ_N(θ) = min_i q_i / N(θ)^L from precomputed `q_min` and N(θ) (no validation).
pub fn hard_margin_from(q_min: f64, norm_value: f64, degree: f64) -> f64 {
    q_min / norm_value.powf(degree)
}

/// γ̃_N(θ) = φ⁻¹(−log L) / N(θ)^L from a precomputed natural-log loss (no validation).
pub fn soft_margin_from(loss: Loss, log_loss: f64, norm_value: f64, degree: f64) -> f64 {
    loss.phi_inv(-log_loss) / norm_value.powf(degree)
}

/// Hard margin γ_N(θ) = min_i y_i f(x_i; θ) / N(θ)^L (\[M\] eq. 9). Negative when θ
/// misclassifies a sample. Errors for θ = 0, non-finite θ, or a layout/data mismatch.
pub fn hard_margin(
    model: &dyn Model,
    data: &Dataset,
    theta: &[f64],
    norm: &dyn Norm,
) -> Result<f64> {
    let q = margins(model, data, theta)?;
    let q_min = q.iter().cloned().fold(f64::INFINITY, f64::min);
    Ok(q_min / norm_pow(norm, model, theta)?)
}

/// Soft margin γ̃_N(θ) = φ⁻¹(log 1/L(θ)) / N(θ)^L (\[M\] eq. 10) with L(θ) = Σ_i ℓ(q_i)
/// (the grouped multiclass loss of [`Loss::log_loss_grouped`] on multiclass data).
pub fn soft_margin(
    model: &dyn Model,
    data: &Dataset,
    loss: Loss,
    theta: &[f64],
    norm: &dyn Norm,
) -> Result<f64> {
    let q = margins(model, data, theta)?;
    let log_l = loss.log_loss_grouped(&q, data.rows_per_sample());
    Ok(loss.phi_inv(-log_l) / norm_pow(norm, model, theta)?)
}

/// Ok when θ separates the data (min_i y_i f(x_i; θ) > 0); otherwise
/// [`Error::NotSeparable`] saying how many samples are misclassified and the worst margin.
/// Normalized margins and the max-margin theory only apply to separating θ.
pub fn check_separation(model: &dyn Model, data: &Dataset, theta: &[f64]) -> Result<()> {
    let q = margins(model, data, theta)?;
    let bad = q.iter().filter(|&&v| v <= 0.0).count();
    if bad > 0 {
        let (i, worst) =
            q.iter().enumerate().fold(
                (0, f64::INFINITY),
                |acc, (i, &v)| if v < acc.1 { (i, v) } else { acc },
            );
        return Err(Error::NotSeparable(format!(
            "θ misclassifies {bad} of {} samples (worst: sample {i}, y·f = {worst:.3e}); \
             margins are non-positive and no max-margin statement applies",
            q.len()
        )));
    }
    Ok(())
}
