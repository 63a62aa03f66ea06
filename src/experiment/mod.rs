//! TOML experiment configs and the `run` command.
//!
//! A config names the data, the model(s), the loss, the stopping rule, the norms to trace,
//! the seeds and a list of runs (optimizer + schedule). The grid is every
//! (model spec × run × seed); `implicit-bias run CONFIG --out DIR` trains it in parallel
//! ([`run_grid`]) and writes `DIR/runs/<file stem>.json` ([`Job::file_stem`]), `DIR/trace.csv`,
//! `DIR/config.toml` and the report ([`crate::report`]).
//!
//! ```toml
//! title = "optional title"
//!
//! [data]
//! path = "../datasets/digits_even_odd.csv"   # relative to the config file
//! rows = 512                                   # optional: first n rows
//! # optional held-out set (same keys), e.g. fresh teacher samples:
//! # test = { generator = { type = "relu_teacher", … } }
//!
//! [model]
//! spec = "two_layer:relu_pow:2:k=64"           # or specs = ["…", "…"] for a grid
//! init = { type = "kaiming_normal", scale = 0.01 }
//!
//! [train]
//! loss = "exponential"
//! target_loss = 1e-8        # or target_log_loss = -2000 (natural log)
//! max_steps = 100000
//! seeds = [0, 1, 2, 3, 4]   # the seed drives the initialization
//! norms = ["l2", "linf", "max_spectral"]
//! # batch_size = 32         # optional: mini-batches of 32 for every run (`crate::minibatch`;
//! #                         # the sampler is seeded by the run's seed); labels `sgd_b32`, …
//!
//! [[runs]]
//! label = "ngd"
//! optimizer = { type = "normalized_momentum_gd", beta = 0.9 }
//! schedule = { type = "power", eta0 = 1.8, decay = 0.8 }
//! # per-model override: schedules = { "two_layer:relu:k=64" = { type = "power", … } }
//! # per-run mini-batch size, overriding [train]'s: batch_size = 10
//!
//! [check]                   # optional: KKT checks of the final directions
//! norms = ["l2", "linf"]    # default: the traced norms
//! seeds = [0]               # default: every seed
//! config = { trajectory = false }
//!
//! [report]                  # optional: orderings the report tests ([M] Fig. 1)
//! expect_top = { l2 = ["ngd"], linf = ["signum", "adam"] }
//! ```
//!
//! Data sources: `path` (CSV or JSON), `path` + `labels` with `format = "idx"` (MNIST IDX,
//! even = +1), or `generator = { type = "linear_teacher" | "relu_teacher" |
//! "two_clusters_2d" | "quadratic_rank4", … }`; the `[data]` schema is
//! [`crate::data::DataConfig`] (re-exported here).
//!
//! # Files
//!
//! * `schema.rs` — the config sections ([`ExperimentConfig`], [`TrainSection`], …) with
//!   parsing and validation;
//! * `records.rs` — what a run leaves behind ([`RunRecord`], `runs/*.json`, `trace.csv`);
//! * `grid.rs` — the grid of jobs ([`Job`], [`ExperimentConfig::jobs`]) and running it
//!   ([`run_one`], [`run_grid`], [`run_experiment`]).

mod grid;
mod records;
mod schema;

pub use crate::data::{DataConfig, GeneratorConfig};
pub use grid::{
    preflight, run_experiment, run_grid, run_one, worker_threads, GridHooks, GridOptions,
    GridOutcome, Job, NoHooks,
};
pub use records::{read_runs, write_run, write_trace_csv, RunRecord};
pub use schema::{
    check_label, CheckSection, ExperimentConfig, ModelConfig, ReportSection, RunConfig,
    TrainSection,
};
