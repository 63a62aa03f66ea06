//! Where a dataset comes from: the `[data]` section shared by experiment configs
//! ([`crate::experiment`]) and theorem cases ([`crate::theorem_case`]).
//!
//! A source is a file (`path`: CSV or JSON by extension or `format`; `path` + `labels` with
//! `format = "idx"` for MNIST IDX files) or a seeded generator
//! (`generator = { type = "linear_teacher" | "relu_teacher" | "two_clusters_2d" |
//! "quadratic_rank4", … }`, [`GeneratorConfig`]), optionally cut to its first `rows`, with an
//! optional held-out `[data.test]` set of the same form (give it the same label keys).
//!
//! **Labels.** CSV and JSON labels ±1 are binary, integer labels 0…C−1 (C ≥ 3) multiclass
//! ([`crate::data::load_csv`]); `classes = C` reads every label as a class index in 0..C
//! (e.g. `classes = 2` for 0/1 labels). IDX digits are labelled by
//!
//! | keys | dataset |
//! |---|---|
//! | (none) or `labels_as = "even_odd"` | binary: even → +1, odd → −1 (\[M\] §6) |
//! | `labels_as = "classes"` or `classes = 10` | 10 classes, class = digit |
//! | `digits = [3, 6]` | only the 3s and 6s, binary: 3 → +1, 6 → −1 (\[F\] Fig. 2, Fig. 6) |
//! | `digits = [1, 2, 3]` (three or more) | only those digits, class = position in the list |
//! | `digits = [a, b]`, `classes = 2` | only a and b, as two classes (a → 0, b → 1) |
//!
//! (the crate's [`IdxLabels`](crate::data::IdxLabels)). `digits` and `labels_as` are for IDX
//! only; with `digits`, `classes` must equal the number of digits and `labels_as` is not
//! allowed; `labels_as = "even_odd"` takes no `classes`. A generator takes none of these
//! keys (it labels its own data). `rows` cuts the dataset *after* the digit filter.
//!
//! ```
//! use implicit_bias::data::DataConfig;
//! let cfg: DataConfig = toml::from_str(
//!     "generator = { type = \"linear_teacher\", m = 20, d = 5, seed = 1 }\nrows = 10",
//! )
//! .unwrap();
//! let ds = cfg.load(std::path::Path::new(".")).unwrap();
//! assert_eq!((ds.m(), ds.d()), (10, 5));
//!
//! // The bundled MNIST digits, only the 3s and 6s (3 → +1, 6 → −1), first 100 of them.
//! let cfg: DataConfig = toml::from_str(
//!     r#"
//!     path = "fixtures/datasets/mnist/mnist-train-first2048-images.idx3-ubyte.gz"
//!     labels = "fixtures/datasets/mnist/mnist-train-first2048-labels.idx1-ubyte.gz"
//!     format = "idx"
//!     digits = [3, 6]
//!     rows = 100
//!     "#,
//! )
//! .unwrap();
//! let ds = cfg.load(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
//! assert_eq!((ds.m(), ds.d(), ds.classes), (100, 784, 0));
//!
//! // A contradiction is a configuration error.
//! let bad: DataConfig = toml::from_str(
//!     "path = \"d.csv\"\ndigits = [3, 6]",
//! )
//! .unwrap();
//! assert!(bad.load(std::path::Path::new(".")).is_err());
//! ```

use super::IdxLabels;
use super::{generators, load_csv_with, load_idx_as, load_json_with, load_with, Dataset};
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
    /// Gaussian inputs labelled by argmax of a random C×d linear teacher (multiclass,
    /// [`generators::linear_teacher_multiclass`]).
    LinearTeacherMulticlass {
        /// Samples.
        m: usize,
        /// Dimension.
        d: usize,
        /// Number of classes C ≥ 2.
        classes: usize,
        /// Minimum pair margin / ‖W*‖_F (0 = no rejection).
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
            GeneratorConfig::LinearTeacherMulticlass {
                m,
                d,
                classes,
                min_margin,
                seed,
            } => generators::linear_teacher_multiclass(m, d, classes, min_margin, seed),
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
    /// Use only the first n rows (after the `digits` filter).
    #[serde(default)]
    pub rows: Option<usize>,
    /// Force C ≥ 2 classes: CSV/JSON labels are read as class indices in 0..C; IDX needs
    /// `classes = 10` (the 10 digits), or, with `digits`, the number of listed digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<usize>,
    /// IDX only: keep only these digits (≥ 2 distinct, 0–9); two are binary (first → +1,
    /// second → −1), three or more multiclass (class = position in the list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digits: Option<Vec<u8>>,
    /// IDX only: `"even_odd"` (default; even → +1, odd → −1) or `"classes"` (10 classes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels_as: Option<String>,
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
    ///
    /// Contradictory label keys (`digits` or `labels_as` without `format = "idx"`, `classes`
    /// with a generator, `labels_as = "even_odd"` with `classes`, `classes` ≠ the number of
    /// `digits`, …; see the module docs) are [`Error::Config`]s, reported before any file is
    /// read.
    pub fn load(&self, base: &Path) -> Result<Dataset> {
        if let Some(c) = self.classes {
            if c < 2 {
                return Err(Error::Config(format!(
                    "[data]: classes = {c}: a multiclass dataset needs at least 2 classes \
                     (binary data need no `classes`: their labels are +1/-1)"
                )));
            }
        }
        let idx = self.format.as_deref() == Some("idx") && self.generator.is_none();
        if !idx {
            let what = if self.generator.is_some() {
                "a generator"
            } else {
                "CSV/JSON data"
            };
            if self.digits.is_some() {
                return Err(Error::Config(format!(
                    "[data]: `digits` selects MNIST digits and needs format = \"idx\", not \
                     {what}"
                )));
            }
            if self.labels_as.is_some() {
                return Err(Error::Config(format!(
                    "[data]: `labels_as` applies to IDX digit labels and needs \
                     format = \"idx\", not {what}"
                )));
            }
        }
        let ds = match (&self.path, &self.generator) {
            (Some(_), Some(_)) => {
                return Err(Error::Config(
                    "[data]: give either `path` or `generator`, not both".into(),
                ))
            }
            (None, None) => {
                return Err(Error::Config("[data]: needs `path` or `generator`".into()))
            }
            (None, Some(g)) => {
                if let Some(c) = self.classes {
                    return Err(Error::Config(format!(
                        "[data]: classes = {c} applies to CSV, JSON and IDX files, not to a \
                         generator (a generator labels its own data)"
                    )));
                }
                g.generate()?
            }
            (Some(p), None) => {
                let path = base.join(p);
                match self.format.as_deref() {
                    Some("idx") => {
                        let (as_labels, two_classes) = self.idx_labels()?;
                        let labels = self.labels.as_ref().ok_or_else(|| {
                            Error::Config("[data]: format = \"idx\" needs `labels`".into())
                        })?;
                        let ds =
                            load_idx_as(&path, base.join(labels), self.normalize_rows, &as_labels)?;
                        if two_classes {
                            // digits = [a, b] with classes = 2: a (+1) → class 0, b → class 1.
                            let cls: Vec<usize> =
                                ds.y.iter().map(|&v| usize::from(v < 0.0)).collect();
                            Dataset::multiclass(ds.x, &cls, 2)?
                        } else {
                            ds
                        }
                    }
                    Some("csv") => load_csv_with(&path, self.classes)?,
                    Some("json") => load_json_with(&path, self.classes)?,
                    Some(f) => {
                        return Err(Error::Config(format!(
                            "[data]: unknown format `{f}` (csv, json, idx)"
                        )))
                    }
                    None => load_with(&path, self.classes)?,
                }
            }
        };
        Ok(match self.rows {
            Some(0) => return Err(Error::Config("[data]: rows must be ≥ 1".into())),
            Some(n) => ds.head(n),
            None => ds,
        })
    }

    /// The IDX labelling from `labels_as`, `digits` and `classes`, and whether a digit pair
    /// is to be read as two classes (`digits = [a, b]`, `classes = 2`).
    fn idx_labels(&self) -> Result<(IdxLabels, bool)> {
        let labels_as = match self.labels_as.as_deref() {
            None => None,
            Some(s @ ("even_odd" | "classes")) => Some(s),
            Some(other) => {
                return Err(Error::Config(format!(
                    "[data]: unknown labels_as = \"{other}\" (expected \"even_odd\" or \
                     \"classes\")"
                )))
            }
        };
        match (&self.digits, labels_as, self.classes) {
            (Some(ds), Some(la), _) => Err(Error::Config(format!(
                "[data]: labels_as = \"{la}\" contradicts digits = {ds:?}: with `digits` the \
                 labels follow the list (two digits: first → +1, second → −1; three or more: \
                 class = position); drop one of the two keys"
            ))),
            (Some(ds), None, c) => {
                let as_labels = IdxLabels::Digits(ds.clone());
                as_labels.validate().map_err(|e| match e {
                    Error::Config(m) => Error::Config(format!("[data]: {m}")),
                    other => other,
                })?;
                match c {
                    Some(c) if c != ds.len() => Err(Error::Config(format!(
                        "[data]: classes = {c} contradicts digits = {ds:?}, which give {} \
                         classes (drop `classes`, or set classes = {})",
                        ds.len(),
                        ds.len()
                    ))),
                    Some(_) => Ok((as_labels, ds.len() == 2)),
                    None => Ok((as_labels, false)),
                }
            }
            (None, Some("even_odd"), Some(c)) => Err(Error::Config(format!(
                "[data]: labels_as = \"even_odd\" is binary (even → +1, odd → −1) and \
                 contradicts classes = {c} (use labels_as = \"classes\" for 10 classes, or \
                 `digits` to pick some)"
            ))),
            (None, Some("even_odd") | None, None) => Ok((IdxLabels::EvenOdd, false)),
            (None, _, Some(10)) | (None, Some(_), None) => Ok((IdxLabels::Classes, false)),
            (None, _, Some(c)) => Err(Error::Config(format!(
                "[data]: classes = {c} with IDX data: MNIST has 10 digit classes \
                 (classes = 10 or labels_as = \"classes\"); to keep only some digits, list \
                 them: digits = [a, b, …] (classes = the number of digits)"
            ))),
        }
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
