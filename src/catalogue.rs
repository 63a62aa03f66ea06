//! The vocabulary of configs and the CLI — optimizers, norms, models, activations, losses,
//! schedules, initializations, data generators and data formats — as catalogues of
//! [`Row`]s. Each catalogue is built from **one table** in the module that implements it
//! (e.g. `optim/*.rs`' `ENTRIES`, `norms/spec.rs`' spec table), and the same table gives the
//! names the parser accepts, the "expected one of …" of its errors and the
//! `implicit-bias list` output (with every parameter's default). Guard tests
//! (`tests/catalogues.rs`) check each table against its parser, the conformance rosters and
//! the README / module-doc tables. [`crate::list::catalogues`] collects them.
//!
//! This module is a leaf (it imports nothing from the crate), so every module can describe
//! itself with a [`Row`] without an import cycle.

use serde::Serialize;

/// One entry of a catalogue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The name: a spec-string head (`lp`) or a serde `type` tag (`power`).
    pub name: String,
    /// Other accepted spellings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// How to write it, with every parameter and its default where it has one
    /// (`lp:<p>`, `power {eta0, decay}`, `adam {beta1 = 0.9, beta2 = 0.999, eps = 0}`).
    pub usage: String,
    /// What it is: the formula and the paper reference.
    pub summary: String,
}

impl Row {
    /// A row without aliases.
    pub fn new(name: &str, usage: &str, summary: &str) -> Row {
        Row {
            name: name.into(),
            aliases: Vec::new(),
            usage: usage.into(),
            summary: summary.into(),
        }
    }
}

/// One catalogue: its kind (`"optimizers"`, …) and its rows, in table order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Catalogue {
    /// `"optimizers"`, `"norms"`, `"models"`, `"activations"`, `"losses"`, `"schedules"`,
    /// `"inits"`, `"generators"`, `"data_formats"`.
    pub kind: &'static str,
    /// The rows.
    pub rows: Vec<Row>,
}

/// `a, b, c` — every usage of `rows`, for "expected one of" messages.
pub fn expected_one_of(rows: &[Row]) -> String {
    rows.iter()
        .map(|r| r.usage.split(' ').next().unwrap_or(&r.usage).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
