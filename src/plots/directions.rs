//! Projecting directions (unit vectors in parameter space) onto a plane, for the scatter of
//! AdaGrad's h∞^{-1/2} directions across seeds (\[A\] Fig. 2, which draws them as arrows in 3-D).

use crate::error::{Error, Result};
use nalgebra::{DMatrix, SymmetricEigen};

/// Which plane the directions are projected on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Projection {
    /// Coordinates i and j of each unit vector (0-based).
    Coordinates(usize, usize),
    /// The top-2 principal directions of the *uncentered* second moment Σ_s u_s u_sᵀ of the unit
    /// vectors u_s. Uncentered, because these are directions: the first axis is the dominant
    /// common direction and the spread across seeds shows along the second.
    Principal,
}

/// Normalizes each vector to unit ℓ2 norm and projects it on the plane chosen by `projection`.
///
/// A unit vector's projection on an orthonormal pair of axes lies in the unit disk, on its
/// boundary exactly when the vector lies in the plane — hence [`super::ScatterChart::unit_circle`].
/// For [`Projection::Principal`] with s vectors the principal axes come from the s × s Gram
/// matrix G = U Uᵀ (cheap for many coordinates and few seeds): with G = Σ_k λ_k v_k v_kᵀ the
/// coordinates of u_s are √λ_k · v_k(s); each axis's sign is chosen so that its direction
/// w_k = Σ_s v_k(s) u_s has a non-negative coordinate sum (deterministic output). With a single
/// vector or rank one the second coordinate is 0.
///
/// Errors: [`Error::Config`] for no vectors, vectors of different lengths or a coordinate index
/// out of range; [`Error::Numerical`] for a zero or non-finite vector (no direction).
pub fn project_directions(
    vectors: &[Vec<f64>],
    projection: &Projection,
) -> Result<Vec<(f64, f64)>> {
    let first = vectors
        .first()
        .ok_or_else(|| Error::Config("project_directions: no vectors".into()))?;
    let dim = first.len();
    let mut units = Vec::with_capacity(vectors.len());
    for (s, v) in vectors.iter().enumerate() {
        if v.len() != dim {
            return Err(Error::Config(format!(
                "project_directions: vector {s} has {} coordinates, vector 0 has {dim}",
                v.len()
            )));
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if !(norm.is_finite() && norm > 0.0) {
            return Err(Error::Numerical(format!(
                "project_directions: vector {s} has norm {norm}; its direction is undefined"
            )));
        }
        units.push(v.iter().map(|x| x / norm).collect::<Vec<f64>>());
    }
    match *projection {
        Projection::Coordinates(i, j) => {
            if i >= dim || j >= dim {
                return Err(Error::Config(format!(
                    "project_directions: coordinates ({i}, {j}) out of range for dimension {dim}"
                )));
            }
            Ok(units.iter().map(|u| (u[i], u[j])).collect())
        }
        Projection::Principal => Ok(principal(&units)),
    }
}

/// Coordinates of unit vectors on the top-2 principal axes of Σ u uᵀ, via the Gram matrix.
fn principal(units: &[Vec<f64>]) -> Vec<(f64, f64)> {
    let s = units.len();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let gram = DMatrix::from_fn(s, s, |a, b| dot(&units[a], &units[b]));
    let eig = SymmetricEigen::new(gram);
    let mut order: Vec<usize> = (0..s).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    // Coordinate sum of each vector: the sign of Σ_j w_k[j] is that of Σ_s v_k[s] · sum(u_s).
    let sums: Vec<f64> = units.iter().map(|u| u.iter().sum()).collect();
    let axis = |rank: usize| -> Vec<f64> {
        let Some(&k) = order.get(rank) else {
            return vec![0.0; s];
        };
        let lambda = eig.eigenvalues[k].max(0.0);
        let v = eig.eigenvectors.column(k);
        let dir_sum: f64 = (0..s).map(|t| v[t] * sums[t]).sum();
        let sign = if dir_sum < 0.0 { -1.0 } else { 1.0 };
        (0..s).map(|t| sign * lambda.sqrt() * v[t]).collect()
    };
    let (a, b) = (axis(0), axis(1));
    a.into_iter().zip(b).collect()
}
