//! # implicit-bias
//!
//! Executable, regression-tested implicit-bias theorems.
//!
//! Train a model that is positively homogeneous in its parameters,
//! f(x; cθ) = c^L f(x; θ) for c > 0, on separable data with an exponentially-tailed loss,
//! and the direction θ/‖θ‖ converges to a KKT point of the max-margin problem
//!
//! ```text
//!     min ½‖θ‖²   s.t.   y_i f(x_i; θ) ≥ 1   for all i,
//! ```
//!
//! where the norm ‖·‖ is fixed by the optimizer: ℓ2 for (normalized / momentum) gradient
//! descent, ℓ∞ for sign GD, Signum and Adam without ε, ℓ1 for coordinate descent, the
//! max-spectral norm for Muon, hybrid max-norms for Muon-Signum / Muon-Adam, ℓ2 for
//! RMSProp/Adam with a fixed ε > 0 and a trajectory-dependent weighted ℓ2 norm for AdaGrad.
//!
//! References used throughout the docs:
//! * **\[M\]** — implicit bias of momentum-based optimizers on smooth homogeneous models;
//! * **\[F\]** — Flavors of Margin: implicit bias of steepest descent in homogeneous networks;
//! * **\[A\]** — implicit bias of adaptive optimization (AdaGrad, RMSProp) on homogeneous nets.
//!
//! Adding your own optimizer, norm, model, dataset or theorem case: see `CONTRIBUTING.md`
//! in the repository root.
//!
//! ## Layout
//!
//! Foundations:
//! * [`params`] — parameter vectors with named blocks ([`params::Layout`]) and the vector
//!   kernels (`dot`, `norm2`, `max_abs`);
//! * [`data`] — datasets, loaders (CSV, JSON, MNIST IDX), seeded generators and the
//!   `[data]` schema shared by configs and cases;
//! * [`loss`] — exponential / logistic losses in the log domain;
//! * [`linalg`] — SVD, Muon's polar factor (Gram / SVD / Newton–Schulz), GEMM;
//! * [`error`] — the one error type (every variant maps to an exit status);
//! * [`numfmt`] — the number formats of reports, tables and snapshots; [`json_f64`] — how
//!   non-finite floats are written in JSON records;
//! * [`catalogue`] — the catalogue row type; [`list`] collects every catalogue;
//! * [`resources`] — checked sizes and the memory budget checked before large allocations;
//! * [`read_file`] — the one way input files are read: regular files only, bounded by the
//!   memory budget, UTF-8 text with an optional byte-order mark.
//!
//! The theory's objects:
//! * [`models`] — homogeneous models (linear, two-layer, deep linear, diagonal) and specs;
//! * [`norms`] — ℓ1, ℓ2, ℓ∞, ℓp, spectral, max-spectral, hybrid max-norms, weighted ℓ2, and
//!   their resolution on a layout ([`norms::ResolvedNorm`]);
//! * [`optim`] — every optimizer of the theory (typed update rules, their claims, the
//!   catalogue), learning-rate schedules;
//! * [`margin`] — hard and soft margins under any norm;
//! * [`train`] — the full-batch training loop with a log-spaced trace.
//!
//! Verification:
//! * [`kkt`] — the independent KKT checker (certificates, verdicts, LP backends);
//! * [`maxmargin`] — exact max-margin references for linear models;
//! * [`which_norm`] — implicit-norm discovery on standard cases;
//! * [`theorem_case`] — TOML theorem cases run by the theorem suite;
//! * `testing` — the public conformance batteries (cargo feature `testing`).
//!
//! Application layer:
//! * [`experiment`] — TOML experiment configs, the job grid and run records;
//! * [`report`] — reports (markdown, JSON), figures and comparisons of result directories;
//! * [`plots`] — the SVG figures;
//! * [`params_io`] — parameters trained elsewhere (JSON, `.npy`, `.npz`, `.safetensors`).
//!
//! Contracts that cross modules (CLI, JSON, exit statuses, the checker) are collected in
//! `docs/contracts.md` in the repository.
//!
//! ## Example
//!
//! ```
//! use implicit_bias::prelude::*;
//!
//! // Separable Gaussian data labelled by a random linear teacher (seeded).
//! let data = generators::linear_teacher(40, 10, None, 7).unwrap();
//! let model = Linear::new(10);
//! let opt = OptimizerConfig::parse_name("ngd").unwrap().build().unwrap();
//! let cfg = TrainConfig {
//!     schedule: Schedule::Constant { eta0: 0.1 },
//!     max_steps: 2_000,
//!     ..TrainConfig::default()
//! };
//! let theta0 = vec![0.0; 10];
//! let run = train(&model, &data, Loss::Exponential, opt.as_ref(), &cfg, theta0).unwrap();
//! let l2 = NormSpec::L2.build(model.layout()).unwrap();
//! let gamma = hard_margin(&model, &data, &run.theta, l2.as_ref()).unwrap();
//! assert!(gamma > 0.0);
//! ```

#![deny(missing_docs)]

pub mod catalogue;
pub mod data;
pub mod error;
pub mod experiment;
pub mod json_f64;
pub mod kkt;
pub mod linalg;
pub mod list;
pub mod loss;
pub mod margin;
pub mod maxmargin;
pub mod minibatch;
pub mod models;
pub mod norms;
pub mod numfmt;
pub mod optim;
pub mod params;
pub mod params_io;
pub mod plots;
pub mod read_file;
pub mod report;
pub mod resources;
#[cfg(feature = "testing")]
pub mod testing;
pub mod theorem_case;
pub mod train;
pub mod which_norm;
pub mod write_file;

/// The most used items in one import.
pub mod prelude {
    pub use crate::data::{generators, Dataset};
    pub use crate::error::{Error, Result};
    pub use crate::loss::Loss;
    pub use crate::margin::{hard_margin, soft_margin};
    pub use crate::models::{Activation, Init, Linear, Model, ModelSpec, TwoLayer};
    pub use crate::norms::{Norm, NormSpec};
    pub use crate::optim::{Optimizer, OptimizerConfig, Schedule};
    pub use crate::params::{BlockShape, Layout, Params};
    pub use crate::train::{train, TrainConfig, TrainResult};
}
