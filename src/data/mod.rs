//! Classification datasets: `Dataset { x: m×d, y, classes }`, binary (y ∈ {±1}^m,
//! `classes = 0`) or multiclass (y_i ∈ {0, …, C−1}, `classes = C ≥ 2`).
//!
//! **Margin rows.** Everything downstream of the data (losses, margins, the KKT checker) works
//! on *margin rows* r, each a signed combination s_r ∈ ℝ^{outputs} of the model's outputs at
//! one sample: q_r(θ) = Σ_c s_{r,c} f_c(x_{i(r)}; θ).
//!
//! * binary: one row per sample, s = (y_i) on the single output: q_i = y_i f(x_i; θ);
//! * multiclass (\[A\] Remark 1, App. E eq. 26): m(C−1) rows, one per pair (i, c) with
//!   c ≠ y_i, s = e_{y_i} − e_c: q_{i,c} = f_{y_i}(x_i; θ) − f_c(x_i; θ). Row r belongs to
//!   sample i = r div (C−1); its other class is c = r mod (C−1), skipping y_i
//!   ([`Dataset::row_pair`]), so a sample's C−1 rows are contiguous.
//!
//! Each q_r is homogeneous of the model's degree L, so the max-margin problem
//! min ½N(θ)² s.t. q_r(θ) ≥ 1 and its KKT certificate are the binary ones over more rows.
//!
//! Loaders ([`load_csv`], [`load_json`], [`load_idx`], [`load`] by extension) validate
//! everything (finite features, labels exactly ±1, m ≥ 1, consistent d) and report the
//! offending line/field. They read regular files only, check sizes against the memory budget
//! before reading or inflating, and accept a UTF-8 byte-order mark in text files
//! ([`crate::read_file`]); the byte-level parsers ([`parse_csv`], [`parse_json`],
//! [`parse_idx`], [`gunzip_bounded`]) take no files and never panic (a fuzzer can call them). Generators ([`generators`]) are deterministic from a `u64` seed
//! through `rand_chacha`. [`DataConfig`] is the `[data]` section of experiment configs and
//! theorem cases: a file or a generator ([`GeneratorConfig`]), loaded with
//! [`DataConfig::load`].

use crate::error::{Error, Result};
use nalgebra::DMatrix;

pub mod generators;
mod idx;
mod loaders;
mod source;

pub use idx::{gunzip_bounded, load_idx, load_idx_as, parse_idx, parse_idx_as, IdxLabels};
pub use loaders::{
    formats_catalogue, load, load_csv, load_csv_with, load_json, load_json_with, load_with,
    parse_csv, parse_csv_with, parse_json, parse_json_with, save_csv,
};
pub use source::{DataConfig, GeneratorConfig};

/// The largest supported number of classes (labels are stored exactly in f64 far beyond
/// this; the bound keeps m(C − 1) margin rows and C-row output layers sane).
pub const MAX_CLASSES: usize = 1 << 16;

/// A validated classification dataset.
///
/// `x` is `m × d` (one sample per row). Binary (`classes == 0`): `y[i] ∈ {−1, +1}`.
/// Multiclass (`classes == C ≥ 2`): `y[i]` is the class index in {0, …, C−1}, stored
/// exactly as an f64 (read it with [`Dataset::label`]).
///
/// <div class="warning">
///
/// `y` means a sign for binary data and a class index for multiclass data: code that forms
/// y_i·f(x_i) must go through the margin rows ([`Dataset::row_combo`]), never `y` directly,
/// unless it has checked [`Dataset::is_multiclass`].
///
/// </div>
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Features, one sample per row (m × d).
    pub x: DMatrix<f64>,
    /// Labels: exactly −1.0 or +1.0 (binary), or the class index as f64 (multiclass).
    pub y: Vec<f64>,
    /// 0 for binary data; the number of classes C ≥ 2 for multiclass data.
    pub classes: usize,
}

impl Dataset {
    /// Build and validate a binary dataset from a feature matrix and ±1 labels.
    pub fn new(x: DMatrix<f64>, y: Vec<f64>) -> Result<Self> {
        Self::check_features(&x, y.len())?;
        for (i, &yi) in y.iter().enumerate() {
            if yi != 1.0 && yi != -1.0 {
                return Err(Error::Data(format!(
                    "sample {i}: label must be exactly +1 or -1, got {yi}"
                )));
            }
        }
        Ok(Dataset { x, y, classes: 0 })
    }

    /// Build and validate a multiclass dataset: `labels[i] ∈ {0, …, classes − 1}`,
    /// `classes ≥ 2`.
    pub fn multiclass(x: DMatrix<f64>, labels: &[usize], classes: usize) -> Result<Self> {
        if classes < 2 {
            return Err(Error::Data(format!(
                "a multiclass dataset needs at least 2 classes, got {classes}"
            )));
        }
        if classes > MAX_CLASSES {
            return Err(Error::Data(format!(
                "{classes} classes: at most {MAX_CLASSES} are supported"
            )));
        }
        Self::check_features(&x, labels.len())?;
        if let Some(i) = labels.iter().position(|&c| c >= classes) {
            return Err(Error::Data(format!(
                "sample {i}: class {} is not in 0..{classes}",
                labels[i]
            )));
        }
        let y = labels.iter().map(|&c| c as f64).collect();
        Ok(Dataset { x, y, classes })
    }

    /// Build from raw numeric labels, deciding binary vs multiclass:
    ///
    /// * `classes = Some(C)` forces C classes: every label must be an integer in 0..C;
    /// * `classes = None`: labels all ±1 are binary; non-negative integers with maximum ≥ 2
    ///   are multiclass with C = max + 1; anything else (e.g. only 0 and 1, which could
    ///   mean either) is an error that says how to disambiguate.
    ///
    /// `describe(i)` names label i in errors (e.g. "line 7, field 1").
    pub fn from_raw_labels(
        x: DMatrix<f64>,
        raw: &[f64],
        classes: Option<usize>,
        describe: &dyn Fn(usize) -> String,
    ) -> Result<Self> {
        let as_class = |i: usize, v: f64, c: Option<usize>| -> Result<usize> {
            let ok = v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < MAX_CLASSES as f64;
            match (ok, c) {
                (true, Some(c)) if (v as usize) < c => Ok(v as usize),
                (_, Some(c)) => Err(Error::Data(format!(
                    "{}: label {v} is not a class index in 0..{c} (classes = {c})",
                    describe(i)
                ))),
                (true, None) => Ok(v as usize),
                (false, None) => Err(Error::Data(format!(
                    "{}: expected +1 or -1 (binary) or a class index 0, 1, 2, … (multiclass), \
                     got {v}",
                    describe(i)
                ))),
            }
        };
        if let Some(c) = classes {
            let labels = raw
                .iter()
                .enumerate()
                .map(|(i, &v)| as_class(i, v, Some(c)))
                .collect::<Result<Vec<_>>>()?;
            return Dataset::multiclass(x, &labels, c);
        }
        if raw.iter().all(|&v| v == 1.0 || v == -1.0) {
            return Dataset::new(x, raw.to_vec());
        }
        // Not all ±1: must be class indices.
        if let Some(i) = raw.iter().position(|&v| v == -1.0) {
            let j = raw.iter().position(|&v| v != 1.0 && v != -1.0).unwrap_or(i);
            return Err(Error::Data(format!(
                "{}: label {} mixes with the binary label -1 at {}: binary labels are +1/-1, \
                 multiclass labels 0, 1, …, C-1",
                describe(j),
                raw[j],
                describe(i)
            )));
        }
        let labels = raw
            .iter()
            .enumerate()
            .map(|(i, &v)| as_class(i, v, None))
            .collect::<Result<Vec<_>>>()?;
        let c = labels.iter().max().map_or(0, |&v| v + 1);
        if c <= 2 {
            let i = raw.iter().position(|&v| v == 0.0).unwrap_or(0);
            return Err(Error::Data(format!(
                "{}: label {}: labels 0/1 are ambiguous — binary labels are +1/-1; to read \
                 0/1 as two classes pass `--classes 2` (or `classes = 2` in [data])",
                describe(i),
                raw[i]
            )));
        }
        Dataset::multiclass(x, &labels, c)
    }

    fn check_features(x: &DMatrix<f64>, n_labels: usize) -> Result<()> {
        if x.nrows() == 0 {
            return Err(Error::Data("dataset has no samples (m = 0)".into()));
        }
        if x.ncols() == 0 {
            return Err(Error::Data("dataset has no features (d = 0)".into()));
        }
        if n_labels != x.nrows() {
            return Err(Error::Data(format!(
                "{n_labels} labels for {} samples",
                x.nrows()
            )));
        }
        for i in 0..x.nrows() {
            for j in 0..x.ncols() {
                let v = x[(i, j)];
                if !v.is_finite() {
                    return Err(Error::Data(format!(
                        "sample {i}, feature {j}: value is not finite ({v})"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Build from rows (each a feature vector) and labels.
    pub fn from_rows(rows: &[Vec<f64>], y: Vec<f64>) -> Result<Self> {
        let m = rows.len();
        if m == 0 {
            return Err(Error::Data("dataset has no samples (m = 0)".into()));
        }
        let d = rows[0].len();
        for (i, r) in rows.iter().enumerate() {
            if r.len() != d {
                return Err(Error::Data(format!(
                    "sample {i} has {} features, sample 0 has {d}",
                    r.len()
                )));
            }
        }
        let x = DMatrix::from_fn(m, d, |i, j| rows[i][j]);
        Dataset::new(x, y)
    }

    /// Number of samples m.
    pub fn m(&self) -> usize {
        self.x.nrows()
    }
    /// Input dimension d.
    pub fn d(&self) -> usize {
        self.x.ncols()
    }
    /// The first `n` samples (all of them when `n ≥ m`).
    pub fn head(&self, n: usize) -> Dataset {
        let n = n.min(self.m()).max(1);
        Dataset {
            x: self.x.rows(0, n).into_owned(),
            y: self.y[..n].to_vec(),
            classes: self.classes,
        }
    }

    /// True for multiclass data (`classes ≥ 2`).
    pub fn is_multiclass(&self) -> bool {
        self.classes >= 2
    }
    /// The number of model outputs these data need: 1 (binary) or C (multiclass).
    pub fn outputs(&self) -> usize {
        self.classes.max(1)
    }
    /// Margin rows per sample: 1 (binary) or C − 1 (multiclass).
    pub fn rows_per_sample(&self) -> usize {
        if self.is_multiclass() {
            self.classes - 1
        } else {
            1
        }
    }
    /// Number of margin rows n: m (binary) or m(C − 1) (module docs).
    pub fn margin_rows(&self) -> usize {
        self.m() * self.rows_per_sample()
    }
    /// Class index of sample i (multiclass), or 0/1 for y = −1/+1 (binary).
    pub fn label(&self, i: usize) -> usize {
        if self.is_multiclass() {
            self.y[i] as usize
        } else {
            usize::from(self.y[i] > 0.0)
        }
    }
    /// Margin row r ↦ (sample i, other class c): multiclass q_r = f_{y_i}(x_i) − f_c(x_i);
    /// for binary data c is unused and returned as 0.
    pub fn row_pair(&self, r: usize) -> (usize, usize) {
        if !self.is_multiclass() {
            return (r, 0);
        }
        let g = self.classes - 1;
        let (i, k) = (r / g, r % g);
        let y = self.y[i] as usize;
        (i, if k < y { k } else { k + 1 })
    }
    /// Margin row r: its sample i, with the combination s_r written to `s`
    /// (length [`Dataset::outputs`]): (y_i) for binary, e_{y_i} − e_c for multiclass.
    pub fn row_combo(&self, r: usize, s: &mut [f64]) -> usize {
        let (i, c) = self.row_pair(r);
        s.fill(0.0);
        if self.is_multiclass() {
            s[self.y[i] as usize] = 1.0;
            s[c] = -1.0;
        } else {
            s[0] = self.y[i];
        }
        i
    }
    /// Sample i as a row vector copy.
    pub fn row(&self, i: usize) -> Vec<f64> {
        self.x.row(i).iter().copied().collect()
    }
}
