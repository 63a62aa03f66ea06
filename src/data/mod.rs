//! Binary classification datasets: `Dataset { x: m×d, y ∈ {±1}^m }`.
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

pub use idx::{gunzip_bounded, load_idx, parse_idx};
pub use loaders::{formats_catalogue, load, load_csv, load_json, parse_csv, parse_json, save_csv};
pub use source::{DataConfig, GeneratorConfig};

/// A validated binary-classification dataset.
///
/// `x` is `m × d` (one sample per row), `y[i] ∈ {−1, +1}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Features, one sample per row (m × d).
    pub x: DMatrix<f64>,
    /// Labels, each exactly −1.0 or +1.0.
    pub y: Vec<f64>,
}

impl Dataset {
    /// Build and validate a dataset from a feature matrix and labels.
    pub fn new(x: DMatrix<f64>, y: Vec<f64>) -> Result<Self> {
        if x.nrows() == 0 {
            return Err(Error::Data("dataset has no samples (m = 0)".into()));
        }
        if x.ncols() == 0 {
            return Err(Error::Data("dataset has no features (d = 0)".into()));
        }
        if y.len() != x.nrows() {
            return Err(Error::Data(format!(
                "{} labels for {} samples",
                y.len(),
                x.nrows()
            )));
        }
        for (i, &yi) in y.iter().enumerate() {
            if yi != 1.0 && yi != -1.0 {
                return Err(Error::Data(format!(
                    "sample {i}: label must be exactly +1 or -1, got {yi}"
                )));
            }
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
        Ok(Dataset { x, y })
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
        }
    }
    /// Sample i as a row vector copy.
    pub fn row(&self, i: usize) -> Vec<f64> {
        self.x.row(i).iter().copied().collect()
    }
}
