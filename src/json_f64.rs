//! Non-finite floats in JSON records.
//!
//! JSON has no NaN or ∞, and `serde_json` writes them as `null`, which an `f64` field cannot
//! read back — so a run that diverged (log L = +∞), stopped at step 0 with undefined margins
//! (NaN), or had θ_t = 0 at a trace point (cosine NaN) used to write a record that `report`
//! and `compare` could not read. Every float field of the records (`runs/*.json`: the run
//! record, its trace and its certificates) is therefore written through these `serde(with)`
//! modules:
//!
//! | value | JSON |
//! |---|---|
//! | finite x | the number x |
//! | NaN | `"NaN"` |
//! | +∞ / −∞ | `"inf"` / `"-inf"` |
//!
//! and read back from a number, one of those strings, or `null` (→ NaN, as records of earlier
//! versions wrote non-finite values). An `Option<f64>` field keeps `null` for `None`.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An f64 with the encoding of the module docs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JsonF64(pub f64);

impl Serialize for JsonF64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_finite() {
            s.serialize_f64(v)
        } else if v.is_nan() {
            s.serialize_str("NaN")
        } else if v > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }
}

/// The accepted JSON forms.
#[derive(Deserialize)]
#[serde(untagged)]
enum Repr {
    Num(f64),
    Text(String),
    Null(()),
}

impl<'de> Deserialize<'de> for JsonF64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Num(v) => Ok(JsonF64(v)),
            Repr::Null(()) => Ok(JsonF64(f64::NAN)),
            Repr::Text(t) => match t.as_str() {
                "NaN" | "nan" => Ok(JsonF64(f64::NAN)),
                "inf" | "+inf" | "Infinity" => Ok(JsonF64(f64::INFINITY)),
                "-inf" | "-Infinity" => Ok(JsonF64(f64::NEG_INFINITY)),
                other => Err(D::Error::custom(format!(
                    "expected a number, \"NaN\", \"inf\" or \"-inf\", got \"{other}\""
                ))),
            },
        }
    }
}

/// `#[serde(with = "crate::json_f64::scalar")]` for an `f64` field.
pub mod scalar {
    use super::*;
    /// Write.
    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        JsonF64(*v).serialize(s)
    }
    /// Read.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        JsonF64::deserialize(d).map(|x| x.0)
    }
}

/// `#[serde(with = "crate::json_f64::option")]` for an `Option<f64>` field (`null` = `None`).
pub mod option {
    use super::*;
    /// Write.
    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        v.map(JsonF64).serialize(s)
    }
    /// Read.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Option::<JsonF64>::deserialize(d).map(|x| x.map(|v| v.0))
    }
}

/// `#[serde(with = "crate::json_f64::vec")]` for a `Vec<f64>` field.
pub mod vec {
    use super::*;
    /// Write.
    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| JsonF64(*x)))
    }
    /// Read.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<JsonF64>::deserialize(d).map(|v| v.into_iter().map(|x| x.0).collect())
    }
}

/// `#[serde(with = "crate::json_f64::option_vec")]` for an `Option<Vec<f64>>` field.
pub mod option_vec {
    use super::*;
    /// Write.
    pub fn serialize<S: Serializer>(v: &Option<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
        v.as_ref()
            .map(|v| v.iter().map(|x| JsonF64(*x)).collect::<Vec<_>>())
            .serialize(s)
    }
    /// Read.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<f64>>, D::Error> {
        Option::<Vec<JsonF64>>::deserialize(d)
            .map(|o| o.map(|v| v.into_iter().map(|x| x.0).collect()))
    }
}

/// `#[serde(with = "crate::json_f64::map")]` for a `BTreeMap<String, f64>` field.
pub mod map {
    use super::*;
    use std::collections::BTreeMap;
    /// Write.
    pub fn serialize<S: Serializer>(v: &BTreeMap<String, f64>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(v.iter().map(|(k, x)| (k, JsonF64(*x))))
    }
    /// Read.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, f64>, D::Error> {
        BTreeMap::<String, JsonF64>::deserialize(d)
            .map(|m| m.into_iter().map(|(k, x)| (k, x.0)).collect())
    }
}

/// `#[serde(with = "crate::json_f64::pairs")]` for a `Vec<(K, f64)>` field (e.g. (step,
/// cosine) or (block name, balance)).
pub mod pairs {
    use super::*;
    /// Write.
    pub fn serialize<K: Serialize, S: Serializer>(v: &[(K, f64)], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|(k, x)| (k, JsonF64(*x))))
    }
    /// Read.
    pub fn deserialize<'de, K: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(K, f64)>, D::Error> {
        Vec::<(K, JsonF64)>::deserialize(d).map(|v| v.into_iter().map(|(k, x)| (k, x.0)).collect())
    }
}

/// `#[serde(with = "crate::json_f64::option_pairs")]` for an `Option<Vec<(K, f64)>>` field.
pub mod option_pairs {
    use super::*;
    /// Write.
    pub fn serialize<K: Serialize, S: Serializer>(
        v: &Option<Vec<(K, f64)>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.as_ref()
            .map(|v| v.iter().map(|(k, x)| (k, JsonF64(*x))).collect::<Vec<_>>())
            .serialize(s)
    }
    /// Read.
    pub fn deserialize<'de, K: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<(K, f64)>>, D::Error> {
        Option::<Vec<(K, JsonF64)>>::deserialize(d)
            .map(|o| o.map(|v| v.into_iter().map(|(k, x)| (k, x.0)).collect()))
    }
}
