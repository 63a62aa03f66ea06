//! The optimizer catalogue: one row ([`OptimizerEntry`]) per optimizer type — its name,
//! aliases, a one-line summary (rule and implicit norm) and its hyper-parameters as a serde
//! struct with defaults ([`OptimizerParams`]). The rows live in the rule files themselves
//! (each exports `ENTRIES`), and `optim/mod.rs` lists the rule modules in one table, so the
//! names accepted in configs and on the CLI, the `implicit-bias list` output (with every
//! default) and the "expected one of …" of parse errors all come from the same place.

use super::Optimizer;
use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A table of hyper-parameters (`beta = 0.9`, …) as read from TOML / JSON, without `type`
/// (a TOML table, so that values such as `nan` survive until validation names them).
pub type ParamTable = toml::Table;

/// The hyper-parameters of one catalogue entry: a serde struct (`#[serde(default,
/// deny_unknown_fields)]`) whose `Default` is the documented defaults, and the validated
/// construction of the optimizer.
pub trait OptimizerParams: Serialize + DeserializeOwned + Default + 'static {
    /// Fields without a default (listed as required by `implicit-bias list`).
    const REQUIRED: &'static [&'static str] = &[];
    /// Validate the hyper-parameters ([`Error::Config`] naming the field) and build.
    fn build(&self) -> Result<Box<dyn Optimizer>>;
}

/// One row of the catalogue; see the module docs.
#[derive(Debug, Clone, Copy)]
pub struct OptimizerEntry {
    /// The `type` tag (`"ngd"`, `"rms_prop"`, …).
    pub name: &'static str,
    /// Other accepted spellings (`"rmsprop"` for `rms_prop`).
    pub aliases: &'static [&'static str],
    /// The rule and its implicit norm, one line.
    pub summary: &'static str,
    /// Fields without a default.
    pub required: &'static [&'static str],
    normalize: fn(&ParamTable) -> std::result::Result<ParamTable, String>,
    build: fn(&ParamTable) -> Result<Box<dyn Optimizer>>,
    defaults: fn() -> ParamTable,
}

fn parse_params<P: OptimizerParams>(t: &ParamTable) -> std::result::Result<P, String> {
    P::deserialize(toml::Value::Table(t.clone())).map_err(|e| e.to_string())
}

fn to_table<P: OptimizerParams>(p: &P) -> ParamTable {
    match toml::Value::try_from(p) {
        Ok(toml::Value::Table(m)) => m,
        _ => ParamTable::new(),
    }
}

fn normalize_with<P: OptimizerParams>(t: &ParamTable) -> std::result::Result<ParamTable, String> {
    parse_params::<P>(t).map(|p| to_table(&p))
}

fn build_with<P: OptimizerParams>(t: &ParamTable) -> Result<Box<dyn Optimizer>> {
    parse_params::<P>(t).map_err(Error::Config)?.build()
}

fn defaults_of<P: OptimizerParams>() -> ParamTable {
    to_table(&P::default())
}

impl OptimizerEntry {
    /// The row for hyper-parameters `P`.
    pub const fn new<P: OptimizerParams>(
        name: &'static str,
        aliases: &'static [&'static str],
        summary: &'static str,
    ) -> Self {
        OptimizerEntry {
            name,
            aliases,
            summary,
            required: P::REQUIRED,
            normalize: normalize_with::<P>,
            build: build_with::<P>,
            defaults: defaults_of::<P>,
        }
    }

    /// Whether `name` is this entry's name or one of its aliases.
    pub fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }

    /// The default hyper-parameters (required fields omitted).
    pub fn defaults(&self) -> ParamTable {
        (self.defaults)()
    }

    /// Apply the schema to `params`: unknown fields and wrong types are errors (the message
    /// names the field), omitted fields take their defaults. Values are not validated here
    /// (that is [`OptimizerEntry::build`]'s job).
    pub fn normalize(&self, params: &ParamTable) -> Result<ParamTable> {
        (self.normalize)(params)
            .map_err(|e| Error::Config(format!("optimizer `{}`: {e}", self.name)))
    }

    /// Validate `params` and build the optimizer.
    pub fn build(&self, params: &ParamTable) -> Result<Box<dyn Optimizer>> {
        (self.build)(params).map_err(|e| match e {
            Error::Config(msg) if !msg.starts_with("optimizer `") => {
                Error::Config(format!("optimizer `{}`: {msg}", self.name))
            }
            other => other,
        })
    }
}

/// Every catalogue row, in catalogue order.
pub fn entries() -> impl Iterator<Item = &'static OptimizerEntry> {
    super::RULES.iter().flat_map(|rows| rows.iter())
}

/// The row answering to `name` (a name or an alias).
pub fn lookup(name: &str) -> Option<&'static OptimizerEntry> {
    entries().find(|e| e.answers_to(name))
}

/// The rows for `implicit-bias list`: usage `name {field = default, …}` (required fields
/// shown as `field = <required>`).
pub fn rows() -> Vec<crate::catalogue::Row> {
    entries()
        .map(|e| {
            let mut fields: Vec<String> = e
                .required
                .iter()
                .map(|f| format!("{f} = <required>"))
                .collect();
            fields.extend(
                e.defaults()
                    .iter()
                    .map(|(k, v)| format!("{k} = {}", show_value(v))),
            );
            let usage = if fields.is_empty() {
                e.name.to_string()
            } else {
                format!("{} {{{}}}", e.name, fields.join(", "))
            };
            crate::catalogue::Row {
                name: e.name.into(),
                aliases: e.aliases.iter().map(|a| a.to_string()).collect(),
                usage,
                summary: e.summary.into(),
            }
        })
        .collect()
}

/// A default as written in TOML, floats compactly (`1e-8`, `0`, `0.999`).
fn show_value(v: &toml::Value) -> String {
    match v {
        toml::Value::Float(f) if *f != 0.0 && (f.abs() < 1e-3 || f.abs() >= 1e6) => {
            format!("{f:e}")
        }
        toml::Value::Float(f) => format!("{f}"),
        other => other.to_string(),
    }
}

/// "gd, ngd, …" — every name, for "expected one of" messages.
pub fn names() -> String {
    entries().map(|e| e.name).collect::<Vec<_>>().join(", ")
}
