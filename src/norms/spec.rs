//! [`NormSpec`]: the parseable, serializable description of a built-in norm.
//!
//! Spec strings (stable, used by the CLI and configs):
//!
//! | spec | norm |
//! |---|---|
//! | `l1` | Σ_j \|θ_j\| |
//! | `l2` | (Σ_j θ_j²)^{1/2} (Frobenius on matrix blocks) |
//! | `linf` | max_j \|θ_j\| (**entrywise**, not spectral) |
//! | `lp:<p>` | (Σ_j \|θ_j\|^p)^{1/p}, 1 < p < ∞ |
//! | `spectral` | σ_max of the single block (a vector block counts as a 1×n matrix) |
//! | `max_spectral` | max over blocks of σ_max (‖·‖_msp of \[M\] §2.1; vectors as 1×n matrices) |
//! | `hybrid:<w_M>:<w_v>` | max{ w_M·max_{matrix blocks} σ_max, w_v·max_{vector blocks} ‖·‖_∞ } (\[M\] Cor. 3.5, Thm 3.7) |
//! | `max_block:<name>=<kind>@<w>,…` | max over blocks of w_b·‖θ_b‖_{kind}, kind ∈ `l1`, `l2`, `linf`, `lp<p>`, `spectral` |
//! | `weighted_l2` | ‖h ⊙ θ‖₂ with weights h given separately (file or AdaGrad state) |
//!
//! **Serde.** A `NormSpec` (de)serializes as its spec string (`"linf"`, `"hybrid:1:1"`, …), so
//! configs and records hold parsed norms; a weighted ℓ2 norm, whose weights are not part of
//! a spec string, as `{ "weighted_l2": [h_1, …, h_p] }`.

use super::{BlockNormKind, Linf, Lp, MaxBlock, MaxSpectral, Norm, Spectral, WeightedL2, L1, L2};
use crate::error::{Error, Result};
use crate::params::Layout;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Description of a built-in norm; see the module docs for the spec strings.
#[derive(Debug, Clone, PartialEq)]
pub enum NormSpec {
    /// ℓ1.
    L1,
    /// ℓ2 (Frobenius on matrices).
    L2,
    /// Entrywise ℓ∞.
    Linf,
    /// ℓp, 1 < p < ∞.
    Lp(f64),
    /// Spectral norm of a single-block layout.
    Spectral,
    /// Max over blocks of the spectral norm.
    MaxSpectral,
    /// max{w_M ‖matrix blocks‖_msp, w_v ‖vector blocks‖_∞}.
    Hybrid {
        /// Weight of the matrix blocks' max-spectral norm.
        w_matrix: f64,
        /// Weight of the vector blocks' ℓ∞ norm.
        w_vector: f64,
    },
    /// Explicit per-block max-norm: (block name, block norm, weight).
    MaxBlock(Vec<(String, BlockNormKind, f64)>),
    /// Weighted ℓ2 ‖h ⊙ θ‖₂ with the given weights h (one per parameter, all > 0).
    WeightedL2(Vec<f64>),
}

/// The norm catalogue — the single table behind [`NormSpec::parse`]'s "expected one of",
/// [`NormSpec::catalogue`] and the module docs: (head, usage, summary).
const SPECS: &[(&str, &str, &str)] = &[
    ("l1", "l1", "Σ_j |θ_j| (entrywise); implicit norm of coordinate descent ([F] Thm 3.4)"),
    ("l2", "l2", "(Σ_j θ_j²)^{1/2} (Frobenius on matrix blocks); GD, NGD, momentum GD ([M] Thm 3.3)"),
    ("linf", "linf", "max_j |θ_j| (entrywise, not spectral); sign GD, Signum, Adam ε = 0 ([M] Thm 3.6)"),
    ("lp", "lp:<p>", "(Σ_j |θ_j|^p)^{1/p}, 1 < p < ∞"),
    ("spectral", "spectral", "σ_max of the single block (a vector block is a 1×n matrix)"),
    ("max_spectral", "max_spectral", "max over blocks of σ_max (‖·‖_msp, [M] §2.1); Muon ([M] Cor. 3.4)"),
    ("hybrid", "hybrid:<w_M>:<w_v>", "max{w_M·max_matrix σ_max, w_v·max_vector ‖·‖_∞}; Muon-Signum / Muon-Adam ([M] Cor. 3.5, Thm 3.7)"),
    ("max_block", "max_block:<block>=<kind>@<w>,...", "max over blocks of w_b·‖θ_b‖_kind, kind ∈ l1, l2, linf, lp<p>, spectral"),
    ("weighted_l2", "weighted_l2:<file>", "‖h ⊙ θ‖₂ with weights from a file or AdaGrad's state ([A] Thm 6)"),
];

fn parse_f64(spec: &str, s: &str, what: &str) -> Result<f64> {
    s.trim()
        .parse::<f64>()
        .map_err(|_| Error::spec(spec, format!("{what} `{s}` is not a number")))
}

impl NormSpec {
    /// Parse a spec string (see the module docs). `weighted_l2` cannot be parsed from a
    /// string alone (its weights come from a file); use [`NormSpec::WeightedL2`] directly.
    pub fn parse(spec: &str) -> Result<Self> {
        let s = spec.trim();
        let (head, rest) = match s.split_once(':') {
            Some((h, r)) => (h, Some(r)),
            None => (s, None),
        };
        let no_args = |n: NormSpec| -> Result<NormSpec> {
            match rest {
                None => Ok(n),
                Some(_) => Err(Error::spec(spec, format!("`{head}` takes no arguments"))),
            }
        };
        match head {
            "l1" => no_args(NormSpec::L1),
            "l2" => no_args(NormSpec::L2),
            "linf" => no_args(NormSpec::Linf),
            "spectral" => no_args(NormSpec::Spectral),
            "max_spectral" => no_args(NormSpec::MaxSpectral),
            "lp" => {
                let r = rest.ok_or_else(|| Error::spec(spec, "expected `lp:<p>`"))?;
                let p = parse_f64(spec, r, "p")?;
                if !(p > 1.0 && p.is_finite()) {
                    return Err(Error::spec(
                        spec,
                        "p must satisfy 1 < p < ∞ (use l1 / linf for the limits)",
                    ));
                }
                Ok(NormSpec::Lp(p))
            }
            "hybrid" => {
                let r = rest.ok_or_else(|| Error::spec(spec, "expected `hybrid:<w_M>:<w_v>`"))?;
                let (a, b) = r
                    .split_once(':')
                    .ok_or_else(|| Error::spec(spec, "expected `hybrid:<w_M>:<w_v>`"))?;
                let w_matrix = parse_f64(spec, a, "w_M")?;
                let w_vector = parse_f64(spec, b, "w_v")?;
                for w in [w_matrix, w_vector] {
                    if !(w > 0.0 && w.is_finite()) {
                        return Err(Error::spec(spec, "weights must be finite and > 0"));
                    }
                }
                Ok(NormSpec::Hybrid { w_matrix, w_vector })
            }
            "max_block" => {
                let r = rest.ok_or_else(|| {
                    Error::spec(spec, "expected `max_block:<block>=<kind>@<weight>,…`")
                })?;
                let mut entries = Vec::new();
                for part in r.split(',') {
                    let (name, kw) = part.split_once('=').ok_or_else(|| {
                        Error::spec(spec, format!("`{part}`: expected <block>=<kind>@<weight>"))
                    })?;
                    let (kind, w) = match kw.split_once('@') {
                        Some((k, w)) => (k, parse_f64(spec, w, "weight")?),
                        None => (kw, 1.0),
                    };
                    if !(w > 0.0 && w.is_finite()) {
                        return Err(Error::spec(spec, "weights must be finite and > 0"));
                    }
                    let kind = BlockNormKind::parse(kind.trim())
                        .map_err(|e| Error::spec(spec, e.to_string()))?;
                    entries.push((name.trim().to_string(), kind, w));
                }
                Ok(NormSpec::MaxBlock(entries))
            }
            "weighted_l2" => Err(Error::spec(
                spec,
                "weighted_l2 needs its weights: give a file (`weighted_l2:<file>` on the CLI) \
                 or build NormSpec::WeightedL2 directly",
            )),
            _ => Err(Error::spec(
                spec,
                format!(
                    "unknown norm; expected one of {}",
                    crate::catalogue::expected_one_of(&NormSpec::catalogue())
                ),
            )),
        }
    }

    /// Build the norm for a layout (validated: e.g. `spectral` needs a single-block layout).
    pub fn build(&self, layout: &Layout) -> Result<Box<dyn Norm>> {
        let norm: Box<dyn Norm> = match self {
            NormSpec::L1 => Box::new(L1),
            NormSpec::L2 => Box::new(L2),
            NormSpec::Linf => Box::new(Linf),
            NormSpec::Lp(p) => Box::new(Lp::new(*p)?),
            NormSpec::Spectral => Box::new(Spectral),
            NormSpec::MaxSpectral => Box::new(MaxSpectral),
            NormSpec::Hybrid { w_matrix, w_vector } => {
                Box::new(MaxBlock::hybrid(layout, *w_matrix, *w_vector)?)
            }
            NormSpec::MaxBlock(entries) => Box::new(MaxBlock::new(entries.clone())?),
            NormSpec::WeightedL2(h) => Box::new(WeightedL2::new(h.clone())?),
        };
        norm.validate(layout)?;
        Ok(norm)
    }

    /// Every spec-string family this crate understands (for `implicit-bias list`), from
    /// the one table behind the parser.
    pub fn catalogue() -> Vec<crate::catalogue::Row> {
        SPECS
            .iter()
            .map(|(head, usage, summary)| crate::catalogue::Row::new(head, usage, summary))
            .collect()
    }
}

impl fmt::Display for NormSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NormSpec::L1 => write!(f, "l1"),
            NormSpec::L2 => write!(f, "l2"),
            NormSpec::Linf => write!(f, "linf"),
            NormSpec::Lp(p) => write!(f, "lp:{p}"),
            NormSpec::Spectral => write!(f, "spectral"),
            NormSpec::MaxSpectral => write!(f, "max_spectral"),
            NormSpec::Hybrid { w_matrix, w_vector } => write!(f, "hybrid:{w_matrix}:{w_vector}"),
            NormSpec::MaxBlock(e) => {
                let parts: Vec<String> = e.iter().map(|(n, k, w)| format!("{n}={k}@{w}")).collect();
                write!(f, "max_block:{}", parts.join(","))
            }
            NormSpec::WeightedL2(_) => write!(f, "weighted_l2"),
        }
    }
}

impl Serialize for NormSpec {
    fn serialize<S: Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            NormSpec::WeightedL2(h) => {
                use serde::ser::SerializeMap;
                let mut m = ser.serialize_map(Some(1))?;
                m.serialize_entry("weighted_l2", h)?;
                m.end()
            }
            other => ser.serialize_str(&other.to_string()),
        }
    }
}

/// The serialized forms of a [`NormSpec`].
#[derive(Deserialize)]
#[serde(untagged)]
enum NormSpecRepr {
    Spec(String),
    Weighted { weighted_l2: Vec<f64> },
}

impl<'de> Deserialize<'de> for NormSpec {
    fn deserialize<D: Deserializer<'de>>(de: D) -> std::result::Result<Self, D::Error> {
        match NormSpecRepr::deserialize(de)? {
            NormSpecRepr::Spec(s) => NormSpec::parse(&s).map_err(serde::de::Error::custom),
            NormSpecRepr::Weighted { weighted_l2 } => {
                WeightedL2::new(weighted_l2.clone()).map_err(serde::de::Error::custom)?;
                Ok(NormSpec::WeightedL2(weighted_l2))
            }
        }
    }
}
