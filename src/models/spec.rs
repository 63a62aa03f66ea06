//! [`ModelSpec`]: the parseable, serializable description of a built-in model.
//!
//! Spec strings (stable; used by the CLI, experiment TOML files and result JSON):
//!
//! | spec | model | L |
//! |---|---|---|
//! | `linear` | ⟨θ, x⟩ | 1 |
//! | `two_layer:<act>:k=<k>` | uᵀσ(Wx), W k×d and u trained | deg σ + 1 |
//! | `two_layer_frozen:<act>:k=<k>` | uᵀσ(Wx), u frozen at initialization (\[F\] §4.3) | deg σ |
//! | `deep_linear:<D>` / `deep_linear:<D>:k=<k>` | wᵀW_{D−1}⋯W_1x, width k (default d) | D |
//! | `diagonal_linear` | ⟨u⊙u − v⊙v, x⟩ | 2 |
//! | `mlp:<act>:k=<k1>,…,<kD>` | uᵀσ(W_D σ(⋯ σ(W_1 x))), D ≥ 1 hidden layers | 1 + a + ⋯ + a^D (a = deg σ) |
//!
//! `<act>` is an [`Activation`] spec and may itself contain `:` (`relu_pow:2`,
//! `leaky_relu:0.5`): the trailing `:k=<k>` is split off first, so
//! `two_layer:relu_pow:2:k=64` is ReLU² with width 64.

use super::init::initialize;
use super::{Activation, DeepLinear, DiagonalLinear, Init, Linear, Mlp, Model, TwoLayer};
use crate::error::{Error, Result};
use crate::params::Layout;
use std::fmt;

/// Seed offset for the frozen output layer u of `two_layer_frozen`, so that u and θ0 come
/// from independent streams (the 64-bit golden-ratio constant).
pub const FROZEN_U_SEED_XOR: u64 = 0x9E37_79B9_7F4A_7C15;

/// Description of a built-in model; see the module docs for the spec strings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum ModelSpec {
    /// f = ⟨θ, x⟩.
    Linear,
    /// f = uᵀσ(Wx) with width k; `frozen` keeps u fixed at initialization.
    TwoLayer {
        /// The activation σ.
        activation: Activation,
        /// Hidden width k.
        k: usize,
        /// True when the output layer u is frozen (not part of θ).
        frozen: bool,
    },
    /// f = wᵀW_{D−1}⋯W_1x.
    DeepLinear {
        /// Depth D ≥ 2.
        depth: usize,
        /// Hidden width k (None: k = d).
        width: Option<usize>,
    },
    /// f = ⟨u⊙u − v⊙v, x⟩.
    DiagonalLinear,
    /// f = uᵀσ(W_D σ(⋯ σ(W_1 x))) with hidden widths k_1 … k_D (D ≥ 1).
    Mlp {
        /// The activation σ (every hidden layer).
        activation: Activation,
        /// Hidden widths k_1 … k_D.
        widths: Vec<usize>,
    },
}

/// The model catalogue — the single table behind [`ModelSpec::parse`]'s "expected one of"
/// and [`ModelSpec::catalogue`]: (head, usage, summary).
const SPECS: &[(&str, &str, &str)] = &[
    ("linear", "linear", "⟨θ, x⟩, L = 1"),
    (
        "two_layer",
        "two_layer:<act>:k=<k>",
        "uᵀσ(Wx), W k×d and u trained; L = deg σ + 1",
    ),
    (
        "two_layer_frozen",
        "two_layer_frozen:<act>:k=<k>",
        "uᵀσ(Wx), u frozen at initialization ([F] §4.3); L = deg σ",
    ),
    (
        "deep_linear",
        "deep_linear:<D>[:k=<k>]",
        "wᵀW_{D−1}⋯W_1x, width k (default d); L = D",
    ),
    (
        "diagonal_linear",
        "diagonal_linear",
        "⟨u⊙u − v⊙v, x⟩, L = 2",
    ),
    (
        "mlp",
        "mlp:<act>:k=<k1>,…,<kD>",
        "uᵀσ(W_D σ(⋯ σ(W_1 x))), D ≥ 1 hidden layers, no biases; L = 1 + a + ⋯ + a^D (a = deg σ)",
    ),
];

/// Parse the activation part of a model spec, reporting errors against the whole spec.
fn parse_activation(spec: &str, act: &str) -> Result<Activation> {
    Activation::parse(act).map_err(|e| match e {
        Error::Spec { reason, .. } => Error::spec(spec, reason),
        other => other,
    })
}

/// Parse a positive integer field of a spec.
fn parse_count(spec: &str, s: &str, what: &str) -> Result<usize> {
    s.trim()
        .parse::<usize>()
        .map_err(|_| Error::spec(spec, format!("{what} `{s}` is not a non-negative integer")))
}

impl ModelSpec {
    /// The homogeneity degree L of the model this spec builds (f(x; cθ) = c^L f(x; θ)),
    /// without building it: 1 for `linear`, deg σ + 1 for `two_layer`, deg σ for
    /// `two_layer_frozen`, D for `deep_linear:<D>`, 2 for `diagonal_linear`, 1 + a + ⋯ + a^D
    /// for `mlp` with a = deg σ (tested equal to [`Model::degree`] of the built model).
    pub fn degree(&self) -> f64 {
        match self {
            ModelSpec::Linear => 1.0,
            ModelSpec::TwoLayer {
                activation, frozen, ..
            } => activation.degree() + if *frozen { 0.0 } else { 1.0 },
            ModelSpec::DeepLinear { depth, .. } => *depth as f64,
            ModelSpec::DiagonalLinear => 2.0,
            ModelSpec::Mlp { activation, widths } => Mlp::degree_of(*activation, widths.len()),
        }
    }

    /// The spec-string families accepted by [`ModelSpec::parse`] (for `implicit-bias list`),
    /// from the one table behind the parser.
    pub fn catalogue() -> Vec<crate::catalogue::Row> {
        SPECS
            .iter()
            .map(|(head, usage, summary)| crate::catalogue::Row::new(head, usage, summary))
            .collect()
    }

    /// Parse a spec string (see the module docs); sizes and activation are validated.
    pub fn parse(spec: &str) -> Result<Self> {
        let s = spec.trim();
        let (head, rest) = match s.split_once(':') {
            Some((h, r)) => (h, Some(r)),
            None => (s, None),
        };
        let no_args = |m: ModelSpec| match rest {
            None => Ok(m),
            Some(_) => Err(Error::spec(spec, format!("`{head}` takes no arguments"))),
        };
        match head {
            "linear" => no_args(ModelSpec::Linear),
            "diagonal_linear" => no_args(ModelSpec::DiagonalLinear),
            "two_layer" | "two_layer_frozen" => {
                let usage = format!("expected `{head}:<activation>:k=<width>`");
                let rest = rest.ok_or_else(|| Error::spec(spec, usage.clone()))?;
                let (act, k) = rest
                    .rsplit_once(":k=")
                    .ok_or_else(|| Error::spec(spec, usage.clone()))?;
                let activation = parse_activation(spec, act)?;
                let k = parse_count(spec, k, "width k")?;
                if k == 0 {
                    return Err(Error::spec(spec, "width k must be ≥ 1"));
                }
                Ok(ModelSpec::TwoLayer {
                    activation,
                    k,
                    frozen: head == "two_layer_frozen",
                })
            }
            "mlp" => {
                let usage = "expected `mlp:<activation>:k=<k1>,<k2>,…`";
                let rest = rest.ok_or_else(|| Error::spec(spec, usage))?;
                let (act, ks) = rest
                    .rsplit_once(":k=")
                    .ok_or_else(|| Error::spec(spec, usage))?;
                let activation = parse_activation(spec, act)?;
                let widths = ks
                    .split(',')
                    .map(|k| parse_count(spec, k, "width k"))
                    .collect::<Result<Vec<usize>>>()?;
                if widths.contains(&0) {
                    return Err(Error::spec(spec, "every hidden width must be ≥ 1"));
                }
                Ok(ModelSpec::Mlp { activation, widths })
            }
            "deep_linear" => {
                let usage = "expected `deep_linear:<D>` or `deep_linear:<D>:k=<width>`";
                let rest = rest.ok_or_else(|| Error::spec(spec, usage))?;
                let (depth, width) = match rest.split_once(':') {
                    None => (rest, None),
                    Some((dpt, w)) => {
                        let w = w
                            .strip_prefix("k=")
                            .ok_or_else(|| Error::spec(spec, usage))?;
                        (dpt, Some(parse_count(spec, w, "width k")?))
                    }
                };
                let depth = parse_count(spec, depth, "depth D")?;
                if depth < 2 {
                    return Err(Error::spec(
                        spec,
                        format!("depth D must be ≥ 2, got {depth} (D = 1 is `linear`)"),
                    ));
                }
                if width == Some(0) {
                    return Err(Error::spec(spec, "width k must be ≥ 1"));
                }
                Ok(ModelSpec::DeepLinear { depth, width })
            }
            _ => Err(Error::spec(
                spec,
                format!(
                    "unknown model `{head}` (expected one of {})",
                    crate::catalogue::expected_one_of(&ModelSpec::catalogue())
                ),
            )),
        }
    }

    /// True for `two_layer_frozen`.
    pub fn is_frozen(&self) -> bool {
        matches!(self, ModelSpec::TwoLayer { frozen: true, .. })
    }

    /// Build the model on ℝ^d with `outputs` outputs: 1 for binary data (the same as
    /// [`ModelSpec::build`]), C ≥ 2 for data with C classes (`linear`, `two_layer`, `mlp`
    /// only; see the module table of [`crate::models`]). Use `data.outputs()`.
    pub fn build_for(
        &self,
        d: usize,
        outputs: usize,
        frozen_u: Option<&[f64]>,
    ) -> Result<Box<dyn Model>> {
        if outputs <= 1 {
            return self.build(d, frozen_u);
        }
        Ok(match *self {
            ModelSpec::Linear => Box::new(super::LinearMulticlass::try_new(d, outputs)?),
            ModelSpec::TwoLayer {
                activation,
                k,
                frozen: false,
            } => Box::new(Mlp::two_layer_multiclass(activation, k, d, outputs)?),
            ModelSpec::Mlp {
                activation,
                ref widths,
            } => Box::new(Mlp::try_new_multiclass(activation, widths, d, outputs)?),
            _ => {
                return Err(Error::spec(
                    self.to_string(),
                    format!(
                        "the data have {outputs} classes, and this model family has one output \
                         (multiclass models: linear, two_layer, mlp)"
                    ),
                ))
            }
        })
    }

    /// Build the model on ℝ^d. `frozen_u` is required (length k) for `two_layer_frozen`
    /// and must be `None` for every other model.
    pub fn build(&self, d: usize, frozen_u: Option<&[f64]>) -> Result<Box<dyn Model>> {
        if !self.is_frozen() {
            if let Some(u) = frozen_u {
                return Err(Error::Config(format!(
                    "model `{self}` has no frozen output layer, but {} frozen weights were given",
                    u.len()
                )));
            }
        }
        Ok(match *self {
            ModelSpec::Mlp {
                activation,
                ref widths,
            } => Box::new(Mlp::try_new(activation, widths, d)?),
            ModelSpec::Linear => Box::new(Linear::try_new(d)?),
            ModelSpec::DiagonalLinear => Box::new(DiagonalLinear::try_new(d)?),
            ModelSpec::DeepLinear { depth, width } => Box::new(DeepLinear::new(depth, d, width)?),
            ModelSpec::TwoLayer {
                activation,
                k,
                frozen: false,
            } => Box::new(TwoLayer::try_new(activation, k, d)?),
            ModelSpec::TwoLayer {
                activation,
                k,
                frozen: true,
            } => {
                let u = frozen_u.ok_or_else(|| {
                    Error::Config(format!(
                        "model `{self}` needs its frozen output layer u (k = {k} weights); \
                         use ModelSpec::instantiate to draw it"
                    ))
                })?;
                Box::new(TwoLayer::frozen(activation, k, d, u.to_vec())?)
            }
        })
    }

    /// Build the model on ℝ^d and draw θ0 = `initialize(layout, init, seed)`. For a frozen
    /// net, u is drawn first as a `Vector(k)` block with seed `seed ^ FROZEN_U_SEED_XOR`
    /// (so it has fan-in k, like a trained output layer).
    pub fn instantiate(
        &self,
        d: usize,
        init: &Init,
        seed: u64,
    ) -> Result<(Box<dyn Model>, Vec<f64>)> {
        self.instantiate_for(d, 1, init, seed)
    }

    /// As [`ModelSpec::instantiate`] with `outputs` outputs ([`ModelSpec::build_for`]).
    pub fn instantiate_for(
        &self,
        d: usize,
        outputs: usize,
        init: &Init,
        seed: u64,
    ) -> Result<(Box<dyn Model>, Vec<f64>)> {
        let u = match *self {
            ModelSpec::TwoLayer {
                k, frozen: true, ..
            } => {
                let layout = Layout::vector("u", k)?;
                Some(initialize(&layout, init, seed ^ FROZEN_U_SEED_XOR)?)
            }
            _ => None,
        };
        let model = self.build_for(d, outputs, u.as_deref())?;
        let theta0 = initialize(model.layout(), init, seed)?;
        Ok((model, theta0))
    }
}

impl fmt::Display for ModelSpec {
    /// The spec string; `ModelSpec::parse(&s.to_string()) == Ok(s)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelSpec::Linear => write!(f, "linear"),
            ModelSpec::DiagonalLinear => write!(f, "diagonal_linear"),
            ModelSpec::TwoLayer {
                activation,
                k,
                frozen,
            } => {
                let family = if *frozen {
                    "two_layer_frozen"
                } else {
                    "two_layer"
                };
                write!(f, "{family}:{activation}:k={k}")
            }
            ModelSpec::Mlp { activation, widths } => {
                let ks: Vec<String> = widths.iter().map(|k| k.to_string()).collect();
                write!(f, "mlp:{activation}:k={}", ks.join(","))
            }
            ModelSpec::DeepLinear { depth, width: None } => write!(f, "deep_linear:{depth}"),
            ModelSpec::DeepLinear {
                depth,
                width: Some(k),
            } => write!(f, "deep_linear:{depth}:k={k}"),
        }
    }
}

impl std::str::FromStr for ModelSpec {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ModelSpec::parse(s)
    }
}

impl From<ModelSpec> for String {
    fn from(m: ModelSpec) -> String {
        m.to_string()
    }
}

impl TryFrom<String> for ModelSpec {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        ModelSpec::parse(&s)
    }
}
