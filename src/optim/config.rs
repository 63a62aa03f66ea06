//! [`OptimizerConfig`]: the serializable, validated description of an optimizer, as written
//! in experiment TOML files and accepted by `implicit-bias` on the command line.
//!
//! TOML / JSON form: a table with a `type` tag (a catalogue name or alias, see
//! [`super::catalogue`]) and the hyper-parameters, e.g.
//!
//! ```toml
//! [[optimizers]]
//! type = "muon_adam"
//! lr_ratio = 0.1        # η_A/η_M
//! ```
//!
//! Unknown fields and unknown types are rejected (`type = "ngd"` with a stray `beta = 0.9` is
//! an error, not silently ignored); omitted fields take the defaults of the entry's
//! parameter struct, and the config keeps (and serializes) the full table with them filled
//! in, so a run record states every hyper-parameter. `implicit-bias list` prints every
//! default; the ones that matter most:
//!
//! | field | default | why |
//! |---|---|---|
//! | `beta` (momentum_gd, normalized_momentum_gd, signum, muon, muon_ns, muon_signum), `beta_muon` | 0.9 | \[M\] App. D |
//! | `beta1`, `beta2` (adam, muon_adam) | 0.9, 0.999 | PyTorch defaults, \[M\] App. D |
//! | `eps` (adam, adam_no_momentum, muon_adam) | **0.0** (PyTorch: 1e-8) | the ε = 0 regime of \[M\] Thm 3.6 |
//! | `beta` (rms_prop) | 0.99 | PyTorch's RMSprop α |
//! | `eps` (rms_prop, ada_grad, adam_wm) | 1e-8 | \[A\] needs ε > 0; 1e-8 as in PyTorch's RMSprop |
//! | `beta` (adam_wm) | 0.999 | Adam's β2 (PyTorch) |
//! | `steps` (muon_ns) | 5 | standard Newton–Schulz-5 |
//! | `lr_ratio` (muon_adam) | 1.0 | η_A = η_M |
//! | `normalized` (steepest_descent) | true | \[M\] eq. 3 |
//! | `beta1`, `beta2` (lion) | 0.9, 0.99 | Chen et al. (2023) |
//!
//! [`OptimizerConfig::build`] validates the hyper-parameters (β ∈ [0, 1), ε ≥ 0 finite,
//! steps ≥ 1, lr_ratio > 0 finite, a norm that parses) and returns the optimizer.

use super::catalogue::{self, OptimizerEntry, ParamTable};
use super::Optimizer;
use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A catalogue optimizer with its full hyper-parameter table (see the module docs).
#[derive(Debug, Clone)]
pub struct OptimizerConfig {
    entry: &'static OptimizerEntry,
    params: ParamTable,
}

impl PartialEq for OptimizerConfig {
    fn eq(&self, other: &Self) -> bool {
        self.entry.name == other.entry.name && self.params == other.params
    }
}

impl OptimizerConfig {
    /// The config of catalogue type `name` (a name or alias) with `params` (schema applied:
    /// unknown fields are errors, omitted ones take their defaults; values are validated by
    /// [`OptimizerConfig::build`]).
    pub fn new(name: &str, params: &ParamTable) -> Result<OptimizerConfig> {
        let entry = catalogue::lookup(name.trim()).ok_or_else(|| {
            Error::spec(
                name,
                format!("unknown optimizer; expected one of {}", catalogue::names()),
            )
        })?;
        Ok(OptimizerConfig {
            entry,
            params: entry.normalize(params)?,
        })
    }

    /// From a table `{type = …, …}` (the serialized form; any serde format, e.g.
    /// `toml::Value::try_from(json)`).
    pub fn from_value(value: toml::Value) -> Result<OptimizerConfig> {
        let toml::Value::Table(mut map) = value else {
            return Err(Error::Config(
                "an optimizer is a table with a `type` and its hyper-parameters".into(),
            ));
        };
        let ty = match map.remove("type") {
            Some(toml::Value::String(s)) => s,
            Some(other) => {
                return Err(Error::Config(format!(
                    "optimizer `type` must be a string, got {other}"
                )))
            }
            None => {
                return Err(Error::Config(format!(
                    "optimizer table has no `type` (one of {})",
                    catalogue::names()
                )))
            }
        };
        OptimizerConfig::new(&ty, &map)
    }

    /// The catalogue `type` tag (`"ngd"`, `"muon_adam"`, …; aliases resolved).
    pub fn name(&self) -> String {
        self.entry.name.to_string()
    }

    /// The catalogue row.
    pub fn entry(&self) -> &'static OptimizerEntry {
        self.entry
    }

    /// The full hyper-parameter table (defaults filled in).
    pub fn params(&self) -> &ParamTable {
        &self.params
    }

    /// The config with default hyper-parameters for a name. Accepts every `type` tag and
    /// alias, and the optimizer names `steepest_descent:<norm>` (unnormalized) and
    /// `normalized_steepest_descent:<norm>`.
    pub fn parse_name(name: &str) -> Result<OptimizerConfig> {
        let s = name.trim();
        let steepest = |norm: &str, normalized: bool| {
            let mut t = ParamTable::new();
            t.insert("norm".into(), toml::Value::String(norm.into()));
            t.insert("normalized".into(), toml::Value::Boolean(normalized));
            OptimizerConfig::new("steepest_descent", &t)
        };
        if let Some(norm) = s.strip_prefix("normalized_steepest_descent:") {
            return steepest(norm, true);
        }
        if let Some(norm) = s.strip_prefix("steepest_descent:") {
            return steepest(norm, false);
        }
        if s == "steepest_descent" {
            return Err(Error::spec(
                name,
                "steepest_descent needs a norm: `steepest_descent:<norm>` or \
                 `normalized_steepest_descent:<norm>`",
            ));
        }
        OptimizerConfig::new(s, &ParamTable::new())
    }

    /// (name, one-line description with the implicit norm) for every optimizer type.
    pub fn catalogue() -> Vec<(&'static str, &'static str)> {
        catalogue::entries().map(|e| (e.name, e.summary)).collect()
    }

    /// Validate the hyper-parameters and build the optimizer.
    pub fn build(&self) -> Result<Box<dyn Optimizer>> {
        self.entry.build(&self.params)
    }
}

impl Serialize for OptimizerConfig {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = ser.serialize_map(Some(self.params.len() + 1))?;
        m.serialize_entry("type", self.entry.name)?;
        for (k, v) in &self.params {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for OptimizerConfig {
    fn deserialize<D: Deserializer<'de>>(de: D) -> std::result::Result<Self, D::Error> {
        let v = toml::Value::deserialize(de)?;
        OptimizerConfig::from_value(v).map_err(serde::de::Error::custom)
    }
}
