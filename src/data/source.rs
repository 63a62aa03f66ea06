//! Where a dataset comes from: the `[data]` section shared by experiment configs
//! ([`crate::experiment`]) and theorem cases ([`crate::theorem_case`]).
//!
//! A source is a file (`path`: CSV or JSON by extension or `format`; `path` + `labels` with
//! `format = "idx"` for MNIST IDX files, even digits = +1) or a seeded generator
//! (`generator = { type = "linear_teacher" | "relu_teacher" | "two_clusters_2d" |
//! "quadratic_rank4", … }`, [`GeneratorConfig`]), optionally cut to its first `rows`, with an
//! optional held-out `[data.test]` set of the same form.
//!
//! ```
//! use implicit_bias::data::DataConfig;
//! let cfg: DataConfig = toml::from_str(
//!     "generator = { type = \"linear_teacher\", m = 20, d = 5, seed = 1 }\nrows = 10",
//! )
//! .unwrap();
//! let ds = cfg.load(std::path::Path::new(".")).unwrap();
//! assert_eq!((ds.m(), ds.d()), (10, 5));
//! ```

use super::{generators, load, load_csv, load_idx, load_json, Dataset};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A data generator (all seeded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum GeneratorConfig {
    /// Gaussian inputs labelled by a random (optionally sparse) linear teacher.
    LinearTeacher {
        /// Samples.
        m: usize,
        /// Dimension.
        d: usize,
        /// Number of non-zero teacher coordinates (None = dense).
        #[serde(default)]
        sparsity: Option<usize>,
        /// Minimum normalized teacher margin |⟨w*/‖w*‖, x⟩| (0 = no rejection).
        #[serde(default)]
        min_margin: f64,
        /// Seed.
        seed: u64,
    },
    /// Sparse ReLU teacher of \[F\] eq. 14.
    ReluTeacher {
        /// Samples.
        m: usize,
        /// Dimension.
        d: usize,
        /// Teacher width.
        k: usize,
        /// Non-zero incoming weights per teacher neuron.
        active_per_neuron: usize,
        /// Seed of the teacher.
        teacher_seed: u64,
        /// Seed of the samples.
        seed: u64,
    },
    /// The 100-point 2-D dataset of \[A\] App. F.3.
    #[serde(rename = "two_clusters_2d", alias = "two_clusters2d")]
    TwoClusters2d {
        /// Seed.
        seed: u64,
    },
    /// y = sign(x1² + x2² − x3² − x4²), Gaussian inputs.
    QuadraticRank4 {
        /// Samples.
        m: usize,
        /// Dimension (≥ 4).
        d: usize,
        /// ℓ2-normalize rows.
        #[serde(default)]
        normalize: bool,
        /// Seed.
        seed: u64,
    },
}

impl GeneratorConfig {
    /// Generate the dataset.
    pub fn generate(&self) -> Result<Dataset> {
        match *self {
            GeneratorConfig::LinearTeacher {
                m,
                d,
                sparsity,
                min_margin,
                seed,
            } => {
                if min_margin > 0.0 {
                    generators::linear_teacher_with_margin(m, d, sparsity, min_margin, seed)
                } else {
                    generators::linear_teacher(m, d, sparsity, seed)
                }
            }
            GeneratorConfig::ReluTeacher {
                m,
                d,
                k,
                active_per_neuron,
                teacher_seed,
                seed,
            } => generators::ReluTeacher::sparse(d, k, active_per_neuron, teacher_seed)?
                .sample(m, seed),
            GeneratorConfig::TwoClusters2d { seed } => generators::two_clusters_2d(seed),
            GeneratorConfig::QuadraticRank4 {
                m,
                d,
                normalize,
                seed,
            } => generators::quadratic_rank4(m, d, normalize, seed),
        }
    }
}

/// `[data]` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// Data file (CSV/JSON, or IDX images with `format = "idx"`), relative to the config file.
    #[serde(default)]
    pub path: Option<String>,
    /// IDX labels file (with `format = "idx"`).
    #[serde(default)]
    pub labels: Option<String>,
    /// `"csv"`, `"json"` or `"idx"`; default from the extension.
    #[serde(default)]
    pub format: Option<String>,
    /// ℓ2-normalize rows (IDX only).
    #[serde(default)]
    pub normalize_rows: bool,
    /// Use only the first n rows.
    #[serde(default)]
    pub rows: Option<usize>,
    /// A generator instead of a file.
    #[serde(default)]
    pub generator: Option<GeneratorConfig>,
    /// Optional held-out test set (`[data.test]`, same keys): the test accuracy of every
    /// final θ is recorded (e.g. fresh teacher samples, \[F\] §4.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<Box<DataConfig>>,
}

impl DataConfig {
    /// Load or generate the dataset; relative paths are resolved against `base`.
    pub fn load(&self, base: &Path) -> Result<Dataset> {
        let ds = match (&self.path, &self.generator) {
            (Some(_), Some(_)) => {
                return Err(Error::Config(
                    "[data]: give either `path` or `generator`, not both".into(),
                ))
            }
            (None, None) => {
                return Err(Error::Config("[data]: needs `path` or `generator`".into()))
            }
            (None, Some(g)) => g.generate()?,
            (Some(p), None) => {
                let path = base.join(p);
                match self.format.as_deref() {
                    Some("idx") => {
                        let labels = self.labels.as_ref().ok_or_else(|| {
                            Error::Config("[data]: format = \"idx\" needs `labels`".into())
                        })?;
                        load_idx(&path, base.join(labels), self.normalize_rows)?
                    }
                    Some("csv") => load_csv(&path)?,
                    Some("json") => load_json(&path)?,
                    Some(f) => {
                        return Err(Error::Config(format!(
                            "[data]: unknown format `{f}` (csv, json, idx)"
                        )))
                    }
                    None => load(&path)?,
                }
            }
        };
        Ok(match self.rows {
            Some(0) => return Err(Error::Config("[data]: rows must be ≥ 1".into())),
            Some(n) => ds.head(n),
            None => ds,
        })
    }

    /// Load the `[data.test]` set, if any.
    pub fn load_test(&self, base: &Path) -> Result<Option<Dataset>> {
        match &self.test {
            None => Ok(None),
            Some(t) => {
                if t.test.is_some() {
                    return Err(Error::Config(
                        "[data.test] cannot have its own test set".into(),
                    ));
                }
                t.load(base).map(Some)
            }
        }
    }
}
