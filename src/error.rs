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
    /// (e.g. a zero second moment in Adam with ε = 0, a zero parameter vector for a margin),
    /// or a solver answer that failed its own check (a max-margin reference whose duality
    /// certificate does not verify: [`crate::maxmargin::certify`]).
    #[error("numerical error: {0}")]
    Numerical(String),
    /// Training could not continue; the message says why (divergence, dead sample, all units dead).
    #[error("training stopped: {0}")]
    Training(String),
    /// The data are not separated by θ (min_i y_i f(x_i; θ) ≤ 0) where a separating θ is
    /// required, or (max-margin references) dual weights w ≥ 0, Σ w_i = 1 with
    /// Σ_i w_i y_i x_i = 0 prove that no linear θ separates them.
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

/// `s` itself, or its first `max` characters followed by `… (n characters)`.
fn truncate(s: String, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s;
    }
    let head: String = s.chars().take(max).collect();
    format!("{head}… ({n} characters)")
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
    /// Build an [`Error::Spec`]. A spec longer than [`Error::SPEC_ECHO`] characters is
    /// echoed truncated (its first characters, then `…` and the length), and so is a reason
    /// longer than 4 × that (reasons quote parts of the spec).
    pub fn spec(spec: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Spec {
            spec: truncate(spec.into(), Self::SPEC_ECHO),
            reason: truncate(reason.into(), 4 * Self::SPEC_ECHO),
        }
    }

    /// The process exit status for this error: **2** for bad input — an invalid config,
    /// spec, data file, parameter file or JSON input, data not separated by θ (including
    /// data certified not linearly separable by `maxmargin`), an input path that is not a
    /// regular file or text that is not UTF-8 (both [`Error::Data`], see
    /// [`crate::read_file`]), and I/O errors caused by the paths or bytes given (missing, a
    /// directory where a file is expected or the reverse, unreadable, already existing,
    /// corrupt gzip data); **1** for everything else (numerical failures — among them a
    /// max-margin answer refused because its certificate does not verify —, a training run
    /// that cannot continue, other I/O failures such as a full disk). (130 = interrupted is
    /// set by the CLI itself.)
    pub fn exit_status(&self) -> u8 {
        use std::io::ErrorKind as K;
        match self {
            Error::Config(_)
            | Error::Spec { .. }
            | Error::Data(_)
            | Error::Params(_)
            | Error::NotSeparable(_)
            | Error::Json(_) => 2,
            Error::Io { source, .. } => match source.kind() {
                K::NotFound
                | K::InvalidData
                | K::InvalidInput
                | K::IsADirectory
                | K::NotADirectory
                | K::AlreadyExists
                | K::PermissionDenied
                | K::UnexpectedEof => 2,
                _ => 1,
            },
            Error::Numerical(_) | Error::Training(_) => 1,
        }
    }

    /// Longest spec string echoed whole in an error.
    pub const SPEC_ECHO: usize = 120;
}
