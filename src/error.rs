//! The crate's single error type.
//!
//! Every fallible public function returns [`Result<T>`]. User input (files, configs,
//! parameter vectors, specs) never causes a panic: it is validated and reported through
//! one of these variants with a message that names the offending field, line or value.

use thiserror::Error;

/// Errors reported by `implicit_bias`.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A data file or in-memory dataset failed validation (non-finite value, label not ±1,
    /// ragged rows, empty data). The message names the line/row and field.
    #[error("invalid data: {0}")]
    Data(String),
    /// A parameter vector does not fit the model's layout, or contains non-finite values.
    #[error("invalid parameters: {0}")]
    Params(String),
    /// A malformed or inconsistent configuration (TOML experiment file, optimizer or model
    /// hyper-parameters, unknown names in a spec string).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A model/norm/optimizer spec string that does not parse.
    #[error("invalid spec `{spec}`: {reason}")]
    Spec {
        /// The spec string as given.
        spec: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A numerical condition that makes the requested quantity undefined
    /// (e.g. a zero second moment in Adam with ε = 0, a zero parameter vector for a margin).
    #[error("numerical error: {0}")]
    Numerical(String),
    /// Training could not continue; the message says why (divergence, dead sample, all units dead).
    #[error("training stopped: {0}")]
    Training(String),
    /// The data are not separated by θ (min_i y_i f(x_i; θ) ≤ 0) where a separating θ is required.
    #[error("not separable: {0}")]
    NotSeparable(String),
    /// I/O failure, with the path.
    #[error("I/O error on `{path}`: {source}")]
    Io {
        /// File path involved.
        path: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// JSON (de)serialization failure.
    #[error("JSON error: {0}")]
    Json(String),
}

/// Shorthand for `std::result::Result<T, Error>`.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Build an [`Error::Io`] from a path and an `std::io::Error`.
    pub fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
    /// Build an [`Error::Spec`].
    pub fn spec(spec: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Spec {
            spec: spec.into(),
            reason: reason.into(),
        }
    }
}
