//! Seeded synthetic datasets.
//!
//! Every generator is a deterministic function of its arguments: it builds one
//! `rand_chacha::ChaCha8Rng::seed_from_u64(seed)` and draws from it in the order documented on
//! the function, so the same call gives the same bits on every platform (for the pinned
//! versions rand 0.9 / rand_chacha 0.9 / rand_distr 0.5; a major bump of those crates may
//! change the streams). The primitives are:
//!
//! * `normal()` — one `f64` from `rand_distr::StandardNormal` (N(0, 1));
//! * `index(lo..hi)` — `rng.random_range(lo..hi)`;
//! * `coin()` — `rng.random::<bool>()`;
//! * a Gaussian vector x ~ N(0, I_d) is `normal()` for coordinates 0, 1, …, d−1 in order;
//! * a random support of size s in 0..d is a partial Fisher–Yates shuffle: start from
//!   `[0, 1, …, d−1]`, for t = 0..s swap entry t with entry `index(t..d)`, keep the first s
//!   entries (in that order).
//!
//! Resampling loops (a point exactly on the decision boundary, a point below a requested
//! margin) are bounded: after [`MAX_REJECTIONS`] consecutive rejections for one sample the
//! generator returns [`Error::Numerical`] instead of looping forever.

use crate::data::Dataset;
use crate::error::{Error, Result};
use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{StandardNormal, Uniform};

/// Maximum number of consecutive rejected draws for one sample before a generator gives up.
pub const MAX_REJECTIONS: usize = 100_000;

/// The seeded generator used by every function of this module.
fn rng_from(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// One N(0, 1) draw.
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(StandardNormal)
}

/// Fill `out` with i.i.d. N(0, 1) draws, coordinate 0 first.
fn fill_normal(rng: &mut ChaCha8Rng, out: &mut [f64]) {
    for v in out.iter_mut() {
        *v = normal(rng);
    }
}

/// A random subset of size `s` of `0..d` by partial Fisher–Yates (see the module docs).
fn random_support(rng: &mut ChaCha8Rng, d: usize, s: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..d).collect();
    for t in 0..s {
        let j = rng.random_range(t..d);
        idx.swap(t, j);
    }
    idx.truncate(s);
    idx
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn check_dims(m: usize, d: usize) -> Result<()> {
    if m == 0 {
        return Err(Error::Config("number of samples m must be ≥ 1".into()));
    }
    if d == 0 {
        return Err(Error::Config("dimension d must be ≥ 1".into()));
    }
    // The row-major draws and the dataset's matrix (2·m·d floats) and the labels.
    let md = crate::resources::checked_product("generator m × d", m, d)?;
    crate::resources::reserve(
        &format!("generating {m} samples of dimension {d}"),
        crate::resources::f64_bytes(2 * md as u128 + m as u128),
    )
}

/// Build a dataset from row-major features.
fn dataset(m: usize, d: usize, x: Vec<f64>, y: Vec<f64>) -> Result<Dataset> {
    Dataset::new(DMatrix::from_row_slice(m, d, &x), y)
}

/// The teacher w* ∈ ℝ^d used by [`linear_teacher`] and [`linear_teacher_with_margin`] with
/// the same `d`, `sparsity` and `seed` (they draw it first from the same stream).
///
/// Procedure: `w = normal()` for all d coordinates in order; then, if `sparsity = Some(s)`,
/// draw a random support S of size s (partial Fisher–Yates, module docs) and set w_j = 0 for
/// j ∉ S. Errors ([`Error::Config`]): d = 0, s = 0 or s > d.
pub fn linear_teacher_weights(d: usize, sparsity: Option<usize>, seed: u64) -> Result<Vec<f64>> {
    check_dims(1, d)?;
    draw_linear_teacher(&mut rng_from(seed), d, sparsity)
}

fn draw_linear_teacher(
    rng: &mut ChaCha8Rng,
    d: usize,
    sparsity: Option<usize>,
) -> Result<Vec<f64>> {
    if let Some(s) = sparsity {
        if s == 0 || s > d {
            return Err(Error::Config(format!(
                "teacher sparsity must be in 1..={d} (the dimension), got {s}"
            )));
        }
    }
    let mut w = vec![0.0; d];
    fill_normal(rng, &mut w);
    if let Some(s) = sparsity {
        let support = random_support(rng, d, s);
        let mut keep = vec![false; d];
        for &j in &support {
            keep[j] = true;
        }
        for (wj, k) in w.iter_mut().zip(keep) {
            if !k {
                *wj = 0.0;
            }
        }
    }
    if w.iter().all(|&v| v == 0.0) {
        return Err(Error::Numerical("the drawn teacher is exactly zero".into()));
    }
    Ok(w)
}

/// Linearly separable data labelled by a random linear teacher.
///
/// w* ~ N(0, I_d) (with `sparsity = Some(s)`: only s random coordinates kept, see
/// [`linear_teacher_weights`]), x_i ~ N(0, I_d), y_i = sign⟨w*, x_i⟩. A point with
/// ⟨w*, x⟩ = 0 exactly is redrawn. This is [`linear_teacher_with_margin`] with
/// `min_margin = 0`, so the two agree bit for bit.
///
/// Errors ([`Error::Config`]): m = 0, d = 0, s = 0 or s > d.
pub fn linear_teacher(m: usize, d: usize, sparsity: Option<usize>, seed: u64) -> Result<Dataset> {
    linear_teacher_with_margin(m, d, sparsity, 0.0, seed)
}

/// Like [`linear_teacher`], but every point has margin at least `min_margin` w.r.t. the unit
/// teacher: |⟨w*/‖w*‖₂, x_i⟩| ≥ `min_margin` (and ≠ 0).
///
/// Procedure: one stream `ChaCha8Rng::seed_from_u64(seed)`; draw w* as in
/// [`linear_teacher_weights`]; then for i = 0..m draw x ~ N(0, I_d) until
/// s = ⟨w*, x⟩/‖w*‖₂ satisfies s ≠ 0 and |s| ≥ `min_margin`; y_i = sign s. Since
/// ⟨w*/‖w*‖, x⟩ ~ N(0, 1), a point is accepted with probability P(|Z| ≥ min_margin); after
/// [`MAX_REJECTIONS`] consecutive rejections the function returns [`Error::Numerical`]
/// (e.g. `min_margin = 10`). The data are then linearly separable with ℓ2 margin ≥
/// `min_margin` (in the unnormalized x), which keeps linear theorem suites well conditioned.
///
/// Errors ([`Error::Config`]): m = 0, d = 0, bad sparsity, `min_margin` negative or not finite.
pub fn linear_teacher_with_margin(
    m: usize,
    d: usize,
    sparsity: Option<usize>,
    min_margin: f64,
    seed: u64,
) -> Result<Dataset> {
    check_dims(m, d)?;
    if !(min_margin.is_finite() && min_margin >= 0.0) {
        return Err(Error::Config(format!(
            "min_margin must be finite and ≥ 0, got {min_margin}"
        )));
    }
    let mut rng = rng_from(seed);
    let w = draw_linear_teacher(&mut rng, d, sparsity)?;
    let w_norm = dot(&w, &w).sqrt();
    let mut x = vec![0.0; m * d];
    let mut y = Vec::with_capacity(m);
    for i in 0..m {
        let xi = &mut x[i * d..(i + 1) * d];
        let mut tries = 0;
        let s = loop {
            fill_normal(&mut rng, xi);
            let s = dot(&w, xi) / w_norm;
            if s != 0.0 && s.abs() >= min_margin {
                break s;
            }
            tries += 1;
            if tries >= MAX_REJECTIONS {
                return Err(Error::Numerical(format!(
                    "linear teacher: {MAX_REJECTIONS} consecutive draws had margin below \
                     {min_margin}; use a smaller min_margin"
                )));
            }
        };
        y.push(s.signum());
    }
    dataset(m, d, x, y)
}

/// A multiclass linear teacher: W* ∈ ℝ^{C×d} with i.i.d. N(0, 1) entries, x ~ N(0, I_d),
/// label y = argmax_c ⟨W*_c, x⟩; a point is redrawn until its pair margin
/// min_{c≠y} ⟨W*_y − W*_c, x⟩ / ‖W*‖_F is ≥ `min_margin` (and > 0), so the data are separable
/// by the C×d linear model with Frobenius margin ≥ `min_margin`. One stream
/// `ChaCha8Rng::seed_from_u64(seed)`: W* row-major first, then the points in order. Every
/// class has probability 1/C per draw before rejection; after [`MAX_REJECTIONS`] consecutive
/// rejections the function returns [`Error::Numerical`].
///
/// Errors ([`Error::Config`]): m = 0, d = 0, C < 2, `min_margin` negative or not finite.
pub fn linear_teacher_multiclass(
    m: usize,
    d: usize,
    classes: usize,
    min_margin: f64,
    seed: u64,
) -> Result<Dataset> {
    check_dims(m, d)?;
    if !(2..=crate::data::MAX_CLASSES).contains(&classes) {
        return Err(Error::Config(format!(
            "linear_teacher_multiclass: classes must be in 2..={}, got {classes}",
            crate::data::MAX_CLASSES
        )));
    }
    if !(min_margin.is_finite() && min_margin >= 0.0) {
        return Err(Error::Config(format!(
            "min_margin must be finite and ≥ 0, got {min_margin}"
        )));
    }
    crate::resources::reserve(
        "the multiclass linear teacher's data",
        crate::resources::f64_bytes((m as u128 + classes as u128) * d as u128),
    )?;
    let mut rng = rng_from(seed);
    let mut w = vec![0.0; classes * d];
    fill_normal(&mut rng, &mut w);
    let w_norm = dot(&w, &w).sqrt();
    let mut x = vec![0.0; m * d];
    let mut labels = Vec::with_capacity(m);
    let mut scores = vec![0.0; classes];
    for i in 0..m {
        let xi = &mut x[i * d..(i + 1) * d];
        let mut tries = 0;
        let y = loop {
            fill_normal(&mut rng, xi);
            for (sc, wc) in scores.iter_mut().zip(w.chunks_exact(d)) {
                *sc = dot(wc, xi);
            }
            let (y, top) = scores
                .iter()
                .enumerate()
                .fold(
                    (0, f64::NEG_INFINITY),
                    |a, (c, &v)| if v > a.1 { (c, v) } else { a },
                );
            let second = scores
                .iter()
                .enumerate()
                .filter(|&(c, _)| c != y)
                .fold(f64::NEG_INFINITY, |a, (_, &v)| a.max(v));
            let margin = (top - second) / w_norm;
            if margin > 0.0 && margin >= min_margin {
                break y;
            }
            tries += 1;
            if tries >= MAX_REJECTIONS {
                return Err(Error::Numerical(format!(
                    "multiclass linear teacher: {MAX_REJECTIONS} consecutive draws had margin \
                     below {min_margin}; use a smaller min_margin"
                )));
            }
        };
        labels.push(y);
    }
    let xm = nalgebra::DMatrix::from_row_slice(m, d, &x);
    Dataset::multiclass(xm, &labels, classes)
}

/// A sparse one-hidden-layer ReLU teacher f*(x) = Σ_j u_j ReLU(⟨w_j, x⟩) (\[F\] eq. 14, §4.1).
///
/// Keep the teacher and draw as many datasets from it as needed with [`ReluTeacher::sample`]
/// (training data and fresh test data: \[F\] §4.1 measures test accuracy on unseen samples).
#[derive(Debug, Clone, PartialEq)]
pub struct ReluTeacher {
    /// Input dimension d.
    pub d: usize,
    /// Number of hidden neurons k.
    pub k: usize,
    /// First-layer weights, k × d row-major: neuron j's weights are `w[j*d..(j+1)*d]`.
    pub w: Vec<f64>,
    /// Second-layer weights u_j ∈ {−1, +1}, length k.
    pub u: Vec<f64>,
}

impl ReluTeacher {
    /// A random sparse teacher as in \[F\] eq. 14 / App. D: every neuron has
    /// `active_per_neuron` non-zero incoming weights, N(0, 1), at random coordinates, and an
    /// outgoing weight u_j = ±1 with equal probability.
    ///
    /// Procedure: one stream `ChaCha8Rng::seed_from_u64(seed)`; for j = 0..k: draw a support
    /// S_j of size `active_per_neuron` (partial Fisher–Yates, module docs) and then, for each
    /// index of S_j in that order, `w_j[index]` = `normal()`; after all neurons, for j = 0..k,
    /// u_j = +1 if `coin()` else −1.
    ///
    /// Errors ([`Error::Config`]): d = 0, k = 0, `active_per_neuron` ∉ 1..=d.
    pub fn sparse(d: usize, k: usize, active_per_neuron: usize, seed: u64) -> Result<Self> {
        if d == 0 {
            return Err(Error::Config(
                "teacher input dimension d must be ≥ 1".into(),
            ));
        }
        if k == 0 {
            return Err(Error::Config("teacher width k must be ≥ 1".into()));
        }
        if active_per_neuron == 0 || active_per_neuron > d {
            return Err(Error::Config(format!(
                "active_per_neuron must be in 1..={d} (the dimension), got {active_per_neuron}"
            )));
        }
        let kd = crate::resources::checked_product("teacher width k × dimension d", k, d)?;
        crate::resources::reserve(
            &format!("a ReLU teacher of width {k} in dimension {d}"),
            crate::resources::f64_bytes(kd as u128),
        )?;
        let mut rng = rng_from(seed);
        let mut w = vec![0.0; kd];
        for j in 0..k {
            for idx in random_support(&mut rng, d, active_per_neuron) {
                w[j * d + idx] = normal(&mut rng);
            }
        }
        let u = (0..k)
            .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
            .collect();
        Ok(ReluTeacher { d, k, w, u })
    }

    /// Check the shapes and finiteness of the (public) fields.
    fn validate(&self) -> Result<()> {
        if self.d == 0 || self.k == 0 {
            return Err(Error::Config(format!(
                "ReLU teacher needs d ≥ 1 and k ≥ 1, got d = {}, k = {}",
                self.d, self.k
            )));
        }
        if Some(self.w.len()) != self.k.checked_mul(self.d) || self.u.len() != self.k {
            return Err(Error::Config(format!(
                "ReLU teacher with k = {}, d = {} needs {} first-layer and {} second-layer \
                 weights, got {} and {}",
                self.k,
                self.d,
                self.k.saturating_mul(self.d),
                self.k,
                self.w.len(),
                self.u.len()
            )));
        }
        if self.w.iter().chain(&self.u).any(|v| !v.is_finite()) {
            return Err(Error::Config("ReLU teacher has non-finite weights".into()));
        }
        Ok(())
    }

    /// The teacher's output f*(x) = Σ_j u_j max(0, ⟨w_j, x⟩) (\[F\] eq. 14).
    ///
    /// Errors ([`Error::Config`]): `x.len() ≠ d` or malformed fields.
    pub fn output(&self, x: &[f64]) -> Result<f64> {
        self.validate()?;
        if x.len() != self.d {
            return Err(Error::Config(format!(
                "input has {} coordinates, the teacher expects d = {}",
                x.len(),
                self.d
            )));
        }
        Ok(self.output_unchecked(x))
    }

    fn output_unchecked(&self, x: &[f64]) -> f64 {
        self.w
            .chunks_exact(self.d)
            .zip(&self.u)
            .map(|(wj, uj)| uj * dot(wj, x).max(0.0))
            .sum()
    }

    /// m samples x_i ~ N(0, I_d) labelled y_i = sgn f*(x_i) (\[F\] eq. 14).
    ///
    /// Procedure: `ChaCha8Rng::seed_from_u64(seed)` with its stream set to 1
    /// (`set_stream(1)`), so that a sample is independent of the teacher even when both use
    /// the same seed; for i = 0..m draw x ~ N(0, I_d) until f*(x) ≠ 0 (points where every
    /// active neuron is off, or the contributions cancel exactly, are redrawn); y_i = sign f*(x).
    /// Use different seeds for training and test sets.
    ///
    /// Errors: m = 0 or malformed fields ([`Error::Config`]); [`MAX_REJECTIONS`] consecutive
    /// zero outputs ([`Error::Numerical`], e.g. an all-zero teacher).
    pub fn sample(&self, m: usize, seed: u64) -> Result<Dataset> {
        self.validate()?;
        check_dims(m, self.d)?;
        let d = self.d;
        let mut rng = rng_from(seed);
        rng.set_stream(1);
        let mut x = vec![0.0; m * d];
        let mut y = Vec::with_capacity(m);
        for i in 0..m {
            let xi = &mut x[i * d..(i + 1) * d];
            let mut tries = 0;
            let f = loop {
                fill_normal(&mut rng, xi);
                let f = self.output_unchecked(xi);
                if f != 0.0 {
                    break f;
                }
                tries += 1;
                if tries >= MAX_REJECTIONS {
                    return Err(Error::Numerical(format!(
                        "ReLU teacher output was exactly 0 on {MAX_REJECTIONS} consecutive draws"
                    )));
                }
            };
            y.push(f.signum());
        }
        dataset(m, d, x, y)
    }
}

/// The 100-point 2-D dataset of \[A\] App. F.3 (`two_clusters_2d_n(50, seed)`).
pub fn two_clusters_2d(seed: u64) -> Result<Dataset> {
    two_clusters_2d_n(50, seed)
}

/// Two noisy clusters in ℝ², as in \[A\] App. F.3 with `n_per_class` points per class.
///
/// With c = (cos 0.5, sin 0.5): samples 0..n are c + ε_i with label +1, samples n..2n are
/// −c + ε_i with label −1, where ε_i ~ U[−0.6, 0.6)² i.i.d. Procedure: one stream
/// `ChaCha8Rng::seed_from_u64(seed)`; for i = 0..2n draw ε_i = (e_1, e_2), e_1 first, each
/// from `rand_distr::Uniform::new(-0.6, 0.6)`. The data are linearly separable through the
/// origin by c itself: y_i⟨c, x_i⟩ = 1 + y_i⟨c, ε_i⟩ ≥ 1 − 0.6(cos 0.5 + sin 0.5) ≈ 0.186.
///
/// Errors ([`Error::Config`]): `n_per_class = 0`.
pub fn two_clusters_2d_n(n_per_class: usize, seed: u64) -> Result<Dataset> {
    if n_per_class == 0 {
        return Err(Error::Config("n_per_class must be ≥ 1".into()));
    }
    let m = n_per_class
        .checked_mul(2)
        .ok_or_else(|| Error::Config(format!("n_per_class = {n_per_class} is too large")))?;
    let noise = Uniform::new(-0.6_f64, 0.6_f64)
        .map_err(|e| Error::Config(format!("uniform noise: {e}")))?;
    let c = [0.5_f64.cos(), 0.5_f64.sin()];
    let mut rng = rng_from(seed);
    let mut x = Vec::with_capacity(2 * m);
    let mut y = Vec::with_capacity(m);
    for i in 0..m {
        let sign = if i < n_per_class { 1.0 } else { -1.0 };
        let e1 = rng.sample(noise);
        let e2 = rng.sample(noise);
        x.push(sign * c[0] + e1);
        x.push(sign * c[1] + e2);
        y.push(sign);
    }
    dataset(m, 2, x, y)
}

/// Gaussian data with labels that need a rank-≥4 first layer:
/// y = sign(x_1² + x_2² − x_3² − x_4²), x ~ N(0, I_d), d ≥ 4.
///
/// The label is a quadratic form of signature (2, 2), so a two-layer net needs at least four
/// hidden directions to fit it; the ℓ2 and max-spectral max-margin problems then have
/// different solutions (used by the two-layer theorem suites). With `normalize`, each row is
/// divided by its ℓ2 norm afterwards (labels are unchanged: the form is 2-homogeneous).
///
/// Procedure: one stream `ChaCha8Rng::seed_from_u64(seed)`; for i = 0..m draw x ~ N(0, I_d)
/// until q = x_1² + x_2² − x_3² − x_4² ≠ 0; y_i = sign q.
///
/// Errors ([`Error::Config`]): m = 0 or d < 4.
pub fn quadratic_rank4(m: usize, d: usize, normalize: bool, seed: u64) -> Result<Dataset> {
    check_dims(m, d)?;
    if d < 4 {
        return Err(Error::Config(format!(
            "quadratic_rank4 needs d ≥ 4, got d = {d}"
        )));
    }
    let mut rng = rng_from(seed);
    let mut x = vec![0.0; m * d];
    let mut y = Vec::with_capacity(m);
    for i in 0..m {
        let xi = &mut x[i * d..(i + 1) * d];
        let mut tries = 0;
        let q = loop {
            fill_normal(&mut rng, xi);
            let q = xi[0] * xi[0] + xi[1] * xi[1] - xi[2] * xi[2] - xi[3] * xi[3];
            if q != 0.0 {
                break q;
            }
            tries += 1;
            if tries >= MAX_REJECTIONS {
                return Err(Error::Numerical(
                    "quadratic_rank4: the label form was exactly 0 on every draw".into(),
                ));
            }
        };
        if normalize {
            // q ≠ 0 implies x ≠ 0.
            let n = dot(xi, xi).sqrt();
            for v in xi.iter_mut() {
                *v /= n;
            }
        }
        y.push(q.signum());
    }
    dataset(m, d, x, y)
}

/// Every generator of experiment configs' `generator = { type = … }` (for `implicit-bias
/// list`; a test checks it against the config's serde tags), with its fields and defaults.
pub fn catalogue() -> Vec<crate::catalogue::Row> {
    use crate::catalogue::Row;
    let mut two = Row::new(
        "two_clusters_2d",
        "two_clusters_2d {seed}",
        "the 100-point 2-D dataset of [A] App. F.3",
    );
    two.aliases = vec!["two_clusters2d".into()];
    vec![
        Row::new(
            "linear_teacher",
            "linear_teacher {m, d, sparsity = none, min_margin = 0, seed}",
            "Gaussian inputs labelled by a random (optionally sparse) linear teacher",
        ),
        Row::new(
            "linear_teacher_multiclass",
            "linear_teacher_multiclass {m, d, classes, min_margin = 0, seed}",
            "Gaussian inputs labelled by argmax of a random C×d linear teacher (multiclass)",
        ),
        Row::new(
            "relu_teacher",
            "relu_teacher {m, d, k, active_per_neuron, teacher_seed, seed}",
            "the sparse ReLU teacher of [F] eq. 14",
        ),
        two,
        Row::new(
            "quadratic_rank4",
            "quadratic_rank4 {m, d, normalize = false, seed}",
            "y = sign(x1² + x2² − x3² − x4²), Gaussian inputs (d ≥ 4)",
        ),
    ]
}
