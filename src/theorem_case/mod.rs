//! Theorem cases: one TOML file = one (data × model × optimizer × schedule) run, the norms
//! to check its direction against, and the expectations the theory implies.
//!
//! The theorem regression suite (`tests/theorems/`) loads every `fixtures/cases/*.toml`
//! through this module, so a new case needs no Rust: drop a file with `suite = "extra"`
//! (or the name of an existing suite) next to the others. The runner is a library module so
//! that CLI subcommands can reuse it.
//!
//! # File format
//!
//! ```toml
//! suite = "linear_steepest"              # which test module runs it ("extra": the generic one)
//! theorem = "[F] Thm 3.4 (L = 1)"         # citation shown in reports
//! theorem_id = "F3.4"                    # whose assumptions are checked (table below)
//! outside = "why"                        # only for a deliberate contrast (see below)
//! note = "optional free text"
//!
//! [data]                                 # as in experiment configs: a file or a generator
//! generator = { type = "linear_teacher", m = 40, d = 30, min_margin = 0.1, seed = 3 }
//!
//! [model]
//! spec = "linear"                        # any ModelSpec string
//! init = { type = "kaiming_normal", scale = 0.01 }
//! seed = 0                               # initialization seed
//!
//! [train]
//! loss = "exponential"
//! max_steps = 300000
//! target_log_loss = -1000.0              # natural log; optional
//! checkpoints = [-10.0, -100.0, -1000.0] # also check θ when log L first crosses these
//!
//! [optimizer]                            # an OptimizerConfig (serde tag `type`)
//! type = "ngd"
//!
//! [schedule]
//! type = "constant"
//! eta0 = 0.1
//!
//! [check]
//! norms = ["l1", "l2", "linf"]           # norms to certify (spec strings)
//! own = "l2"                             # the expected own norm, or "implicit"
//! kappa_kkt = 0.01                       # optional CheckConfig overrides (also tau,
//! kappa_not = 0.03                       # kink_tol, max_colgen_iters, colgen_tol,
//!                                        # tau_search: "off" unless given)
//!
//! [expect]                               # all optional; see `Expectations`
//! stop = "target_reached"                # or "max_steps"
//! implicit_norm = "l2"                   # what the optimizer must report as its norm
//! verdicts = { own = ["kkt"], others = ["not_kkt"] }   # keys: own, others, a norm
//! max_own_kappa = 0.005                  # final own κ ≤
//! min_other_kappa = 0.03                 # final other-norm certified lower bounds ≥
//! min_separation = 10.0                  # other lower bound ÷ own κ ≥
//! min_margin_ratio = { l2 = 0.99 }       # γ_N(θ_T)/γ*_N ≥ (linear models)
//! max_margin_ratio = { l1 = 0.95 }       # γ_N(θ_T)/γ*_N ≤ (linear models)
//! own_kappa_step_factor = 0.5            # trend: κ_k ≤ 0.5·κ_(k−1) over the checked points
//! own_kappa_final_over_first = 0.1       # trend: final own κ ≤ 0.1 × the first one
//! other_kappa_floor = 0.03               # others' lower bounds ≥ this at every point
//! soft_margin_tolerance = 1e-4           # largest relative γ̃ drop the soft-margin suite accepts
//! ```
//!
//! `own = "implicit"` takes the norm the optimizer reports with its final state
//! ([`crate::optim::Optimizer::implicit_norm`]; e.g. AdaGrad's weighted ℓ2 norm of \[A\] Thm 6).
//!
//! # Assumptions
//!
//! Loading a case checks the assumptions of its `theorem_id` on its method, β's, ε,
//! schedule (with the model's degree L) and model smoothness (table and rules:
//! `theorem_case/assumptions.rs`, [`TheoremId`]); a violation is refused with a message that
//! names the assumption, unless the case sets `outside = "<why>"`, a deliberate contrast
//! outside the assumptions. After the run (R1), (A1) for Adam without ε, and (T3) for a
//! non-smooth model under a theorem that needs (M1) (\[M\] §4: the activation pattern of the
//! support samples settles) are resolved on the run ([`CaseOutcome::assumptions`]); a
//! violation there is a case failure, again unless the case is marked `outside`. A case
//! marked `outside` whose assumptions all hold fails too (a stale marker).
//!
//! # What a run does
//!
//! [`TheoremCase::run`] generates or loads the data, instantiates the model with its seed,
//! trains (saving θ when log L first crosses each checkpoint level), runs the KKT checker
//! ([`crate::kkt::check_set`]) at every checkpoint and at the final θ, computes the exact
//! max-margin references γ*_N for linear models ([`crate::maxmargin`]) with the
//! margin ratios γ_N(θ_T)/γ*_N, and evaluates the expectations into human-readable
//! failures ([`CaseOutcome::failures`]). Bad files are [`crate::error::Error::Config`]; nothing panics.
//!
//! # Which κ is compared with which
//!
//! Every upper-bound statement ("own κ ≤ x") uses the achieved gap `kappa` of an explicit
//! certificate; every lower-bound statement ("other κ ≥ x", separation ratios) uses the
//! *certified* lower bound `kappa_lower_bound`, so a passing separation is a proof that the
//! other norm's KKT conditions fail by at least that much (for the stated relaxation).
//! Norms reported `coincident` are excluded from lower-bound statements.
//!
//! # Files
//!
//! * `schema.rs` — the file format ([`TheoremCase`], [`CaseCheck`], [`Expectations`], …),
//!   parsing and validation;
//! * `run.rs` — running a case ([`CaseSetup`], [`CasePoint`], [`CaseOutcome`]);
//! * `assumptions.rs` — the theorems a case can name and their assumptions ([`TheoremId`]);
//! * `run_checks.rs` — the run-time assumption checks ((R1), (A1), (T3));
//! * `expectations.rs` — evaluating `[expect]` into failures
//!   ([`TheoremCase::expectation_failures`]);
//! * `summary.rs` — the rounded snapshot rows ([`CaseSummary`]; format in its docs).

mod assumptions;
mod expectations;
mod run;
mod run_checks;
mod schema;
mod summary;

pub use assumptions::{
    needs_a1, needs_t3, spec_degree, AssumptionCheck, Status, TheoremId, ALL_THEOREMS,
};
pub use run::{CaseOutcome, CasePoint, CaseSetup};
pub use schema::{CaseCheck, CaseModel, CaseTrain, Expectations, OwnNorm, TheoremCase};
pub use summary::{CaseSummary, NormSummary, PointSummary, KAPPA_FLOOR};
