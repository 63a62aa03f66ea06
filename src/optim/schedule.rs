//! Learning-rate schedules and the assumption check of \[M\] §2.3.
//!
//! * `Constant`: η(t) = η0.
//! * `Power`: η(t) = η0·t^{−a}, t = 1, 2, … (a = 0.8 in \[M\] §6).
//!
//! Assumptions (\[M\] §2.3) for a model of degree L:
//! * (LR-NSD): Σ_t η(t) = ∞ ⇔ a ≤ 1;
//! * (LR-MSD): additionally η(t) = o(t^{1/L − 1}) ⇔ a > 1 − 1/L;
//! * (LR-Adam): (LR-MSD) and η non-increasing ⇔ additionally a ≥ 0.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// A learning-rate schedule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Schedule {
    /// η(t) = eta0.
    Constant {
        /// η0 > 0.
        eta0: f64,
    },
    /// η(t) = eta0 · t^{−decay}.
    Power {
        /// η0 > 0.
        eta0: f64,
        /// Exponent a ≥ 0.
        decay: f64,
    },
}

/// Which learning-rate assumption an optimizer's theorem needs (\[M\] §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleClass {
    /// (LR-NSD): Σ η = ∞ (normalized steepest descent; also used for unnormalized SD/GD with
    /// a constant step, which \[F\] Thm 3.4 covers).
    Nsd,
    /// (LR-MSD): Σ η = ∞ and η = o(t^{1/L−1}) (momentum steepest descent).
    Msd,
    /// (LR-Adam): (LR-MSD) and η non-increasing.
    Adam,
    /// No schedule assumption stated (e.g. AdaGrad/RMSProp of \[A\], constant small η).
    None,
}

/// Result of checking a schedule against an assumption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleCheck {
    /// The assumption checked (`"LR-NSD"`, `"LR-MSD"`, `"LR-Adam"`, `"none"`).
    pub assumption: String,
    /// Whether it holds.
    pub holds: bool,
    /// Explanation with the numbers.
    pub detail: String,
}

impl Schedule {
    /// Every schedule type (for `implicit-bias list`; a test checks it against the serde
    /// tags): `type = "constant"` / `"power"` and their fields (all required).
    pub fn catalogue() -> Vec<crate::catalogue::Row> {
        use crate::catalogue::Row;
        vec![
            Row::new("constant", "constant {eta0}", "η(t) = η0"),
            Row::new(
                "power",
                "power {eta0, decay}",
                "η(t) = η0·t^{−decay} ([M] §6: decay 0.8); (LR-MSD) needs 1 − 1/L < decay ≤ 1",
            ),
        ]
    }

    /// Validate the parameters (η0 > 0 finite, a ≥ 0 finite).
    pub fn validate(&self) -> Result<()> {
        let (eta0, a) = match *self {
            Schedule::Constant { eta0 } => (eta0, 0.0),
            Schedule::Power { eta0, decay } => (eta0, decay),
        };
        if !(eta0 > 0.0 && eta0.is_finite()) {
            return Err(Error::Config(format!(
                "schedule: eta0 must be > 0, got {eta0}"
            )));
        }
        if !(a >= 0.0 && a.is_finite()) {
            return Err(Error::Config(format!(
                "schedule: decay must be ≥ 0, got {a}"
            )));
        }
        Ok(())
    }

    /// η(t) for step t ≥ 1.
    pub fn lr(&self, t: u64) -> f64 {
        match *self {
            Schedule::Constant { eta0 } => eta0,
            Schedule::Power { eta0, decay } => eta0 * (t.max(1) as f64).powf(-decay),
        }
    }

    /// The power a of η(t) ∝ t^{−a} (0 for constant).
    pub fn decay(&self) -> f64 {
        match *self {
            Schedule::Constant { .. } => 0.0,
            Schedule::Power { decay, .. } => decay,
        }
    }

    /// Check the assumption `class` for a model of degree `l` (\[M\] §2.3).
    pub fn check(&self, class: ScheduleClass, l: f64) -> ScheduleCheck {
        let a = self.decay();
        let diverges = a <= 1.0;
        let thresh = 1.0 - 1.0 / l;
        let small = a > thresh;
        let (name, holds, detail) = match class {
            ScheduleClass::Nsd => (
                "LR-NSD",
                diverges,
                format!("Σ η(t) = ∞ needs a ≤ 1; a = {a}"),
            ),
            ScheduleClass::Msd => (
                "LR-MSD",
                diverges && small,
                format!("needs Σ η = ∞ (a ≤ 1) and η = o(t^(1/L−1)) (a > 1 − 1/L = {thresh:.4}); a = {a}, L = {l}"),
            ),
            ScheduleClass::Adam => (
                "LR-Adam",
                diverges && small,
                format!("needs a ≤ 1, a > 1 − 1/L = {thresh:.4} and η non-increasing; a = {a}, L = {l}"),
            ),
            ScheduleClass::None => ("none", true, "no schedule assumption stated".to_string()),
        };
        ScheduleCheck {
            assumption: name.to_string(),
            holds,
            detail,
        }
    }
}
