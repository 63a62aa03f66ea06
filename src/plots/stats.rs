//! Aggregation over seeds: mean and 95% confidence interval, linear resampling of curves on
//! a common grid (\[M\] Fig. 1: "lines are mean values over 10 random seeds, while filled areas
//! are 95% confidence intervals").

use super::Series;

/// t_{0.975, ν} for ν = 1, …, 29 degrees of freedom (standard table, 4 decimals).
const T975: [f64; 29] = [
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
    2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687,
    2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452,
];

/// The 0.975 quantile of Student's t with `dof` degrees of freedom.
///
/// Table values for 1 ≤ ν ≤ 29; for ν ≥ 30 the Cornish–Fisher expansion
/// t ≈ z + (z³ + z)/(4ν) + (5z⁵ + 16z³ + 3z)/(96ν²) with z = 1.959964 (error < 1e-3 at ν = 30,
/// tends to the normal 1.96 as ν → ∞). ν = 0 gives NaN (no spread can be estimated).
pub fn student_t975(dof: usize) -> f64 {
    match dof {
        0 => f64::NAN,
        1..=29 => T975[dof - 1],
        _ => {
            let z: f64 = 1.959_963_984_540_054;
            let nu = dof as f64;
            z + (z.powi(3) + z) / (4.0 * nu)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * nu * nu)
        }
    }
}

/// Mean and 95% CI half-width of `values` (one value per seed).
///
/// h = t_{0.975, n−1} · s / √n, with s the sample standard deviation (n − 1 denominator) and t
/// from [`student_t975`]. The mean is computed as x₀ + Σ(xᵢ − x₀)/n so that identical values
/// give exactly that value and h = 0. n = 0 gives (NaN, NaN); n = 1 gives (x, NaN): one seed has
/// no spread estimate, and a NaN band is simply not drawn. Non-finite values propagate (NaN);
/// callers that want to ignore them filter first ([`aggregate_series`] does).
pub fn mean_ci95(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let x0 = values[0];
    let mean = x0 + values.iter().map(|x| x - x0).sum::<f64>() / n as f64;
    if n == 1 {
        return (mean, f64::NAN);
    }
    let ss: f64 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
    let sd = (ss / (n - 1) as f64).sqrt();
    (mean, student_t975(n - 1) * sd / (n as f64).sqrt())
}

/// Resample the curve `points` = (x, y) at each x of `xs` by linear interpolation.
///
/// Points with a non-finite x are ignored. The points are expected in increasing x (time, or
/// log-loss read backwards); if they are not, a copy is stably sorted by x first, so any input
/// gives a deterministic answer. A query outside [min x, max x], or a non-finite query, gives
/// `None`. At a repeated x the first of the tied points is used. A non-finite y propagates
/// into the interpolated values next to it.
pub fn interpolate(points: &[(f64, f64)], xs: &[f64]) -> Vec<Option<f64>> {
    let mut pts: Vec<(f64, f64)> = points.iter().copied().filter(|p| p.0.is_finite()).collect();
    if pts.windows(2).any(|w| w[1].0 < w[0].0) {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    xs.iter().map(|&x| interpolate_sorted(&pts, x)).collect()
}

/// Linear interpolation on x-sorted points; `None` outside the range.
fn interpolate_sorted(pts: &[(f64, f64)], x: f64) -> Option<f64> {
    let (first, last) = (pts.first()?, pts.last()?);
    if !x.is_finite() || x < first.0 || x > last.0 {
        return None;
    }
    // First index with pts[i].x >= x; exists because x <= last.x.
    let i = pts.partition_point(|p| p.0 < x);
    let (x1, y1) = pts[i];
    if x1 == x || i == 0 {
        return Some(y1);
    }
    let (x0, y0) = pts[i - 1];
    let t = (x - x0) / (x1 - x0);
    Some(y0 + t * (y1 - y0))
}

/// Aggregate several seeds' curves into one [`Series`] with a 95% CI band.
///
/// The grid has `n` evenly spaced x values over the overlap [max of the curves' min x, min of
/// their max x] (endpoints included; `n = 1` takes the midpoint). At each grid point each curve
/// is interpolated ([`interpolate`]); the finite values are aggregated with [`mean_ci95`], so a
/// seed with a NaN there is left out of that point (and a point where no seed is finite gets a
/// NaN mean, which the plots skip). The band is (x, mean − h, mean + h); it is `None` for a
/// single curve. No curves, `n = 0` or an empty overlap give a series with no points.
pub fn aggregate_series(label: &str, curves: &[Vec<(f64, f64)>], n: usize) -> Series {
    let empty = Series {
        label: label.to_string(),
        points: vec![],
        band: None,
    };
    if curves.is_empty() || n == 0 {
        return empty;
    }
    let mut lo = f64::NEG_INFINITY;
    let mut hi = f64::INFINITY;
    for curve in curves {
        let xs = curve.iter().map(|p| p.0).filter(|x| x.is_finite());
        let (cmin, cmax) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        lo = lo.max(cmin);
        hi = hi.min(cmax);
    }
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return empty;
    }
    let grid: Vec<f64> = if n == 1 {
        vec![0.5 * (lo + hi)]
    } else {
        (0..n)
            .map(|j| {
                if j + 1 == n {
                    hi
                } else {
                    lo + (hi - lo) * j as f64 / (n - 1) as f64
                }
            })
            .collect()
    };
    let resampled: Vec<Vec<Option<f64>>> = curves.iter().map(|c| interpolate(c, &grid)).collect();
    let mut points = Vec::with_capacity(n);
    let mut band = Vec::with_capacity(n);
    for (j, &x) in grid.iter().enumerate() {
        let values: Vec<f64> = resampled
            .iter()
            .filter_map(|r| r[j])
            .filter(|v| v.is_finite())
            .collect();
        let (mean, h) = mean_ci95(&values);
        points.push((x, mean));
        band.push((x, mean - h, mean + h));
    }
    Series {
        label: label.to_string(),
        points,
        band: if curves.len() > 1 { Some(band) } else { None },
    }
}
