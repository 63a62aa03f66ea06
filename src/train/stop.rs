//! [`StopReason`]: why a training run ended — a target, a cap, an interruption, or a failure
//! detected instead of looping forever (module docs of [`crate::train`]).

use serde::{Deserialize, Serialize};

/// Why training stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum StopReason {
    /// log L reached the target.
    TargetReached,
    /// The step cap was hit.
    MaxSteps,
    /// The wall-clock cap was hit.
    TimeLimit,
    /// The observer of [`super::train_observed`] asked to stop (e.g. Ctrl-C).
    Interrupted {
        /// Step at which it stopped.
        step: u64,
    },
    /// The loss or θ became non-finite.
    Diverged {
        /// Step at which it was detected.
        step: u64,
    },
    /// The gradient is exactly zero while the loss is positive (e.g. every hidden unit dead).
    ZeroGradient {
        /// Step at which it was detected.
        step: u64,
    },
    /// A misclassified (q_i ≤ 0) sample with zero model gradient: it can never be fitted.
    DeadSample {
        /// Step at which it was detected.
        step: u64,
        /// Index of the sample.
        sample: usize,
    },
}

impl StopReason {
    /// The serde tag of the reason: `"target_reached"`, `"max_steps"`, `"time_limit"`,
    /// `"interrupted"`, `"diverged"`, `"zero_gradient"`, `"dead_sample"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            StopReason::TargetReached => "target_reached",
            StopReason::MaxSteps => "max_steps",
            StopReason::TimeLimit => "time_limit",
            StopReason::Interrupted { .. } => "interrupted",
            StopReason::Diverged { .. } => "diverged",
            StopReason::ZeroGradient { .. } => "zero_gradient",
            StopReason::DeadSample { .. } => "dead_sample",
        }
    }

    /// True for the failure reasons (divergence, zero gradient, dead sample).
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            StopReason::Diverged { .. }
                | StopReason::ZeroGradient { .. }
                | StopReason::DeadSample { .. }
        )
    }
}
