//! Reading parameter files for models trained elsewhere (`implicit-bias check --params`).
//!
//! JSON formats (DESIGN §6):
//! * `{"theta": [..]}` — a flat vector in the model's layout order (e.g. a linear model);
//! * `{"blocks": {"W": {"shape": [k, d], "data": [row-major..]}, "u": {"shape": [k], "data": [..]}}}`
//!   — named blocks. Every block of the model's layout must be present with exactly its
//!   shape. For a frozen two-layer net (`two_layer_frozen:…`) the fixed output weights are
//!   read from block `u` as well.
//!
//! Matrix blocks are row-major: `W[r][c]` is `data[r * cols + c]` (PyTorch's `weight` of a
//! `Linear(d, k)` layer is exactly this k×d row-major matrix).

use crate::error::{Error, Result};
use crate::models::{Model, ModelSpec};
use crate::params::BlockShape;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockJson {
    shape: Vec<usize>,
    data: Vec<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamsJson {
    #[serde(default)]
    theta: Option<Vec<f64>>,
    #[serde(default)]
    blocks: Option<BTreeMap<String, BlockJson>>,
}

/// Parameters read from a file: named blocks (shape as dims, row-major data) or a flat θ.
#[derive(Debug, Clone, PartialEq)]
pub enum RawParams {
    /// A flat θ.
    Flat(Vec<f64>),
    /// Named blocks: name → (dims, data).
    Blocks(BTreeMap<String, (Vec<usize>, Vec<f64>)>),
}

/// Parse the JSON parameter format (see the module docs).
pub fn parse_params_json(text: &str, source: &str) -> Result<RawParams> {
    let p: ParamsJson =
        serde_json::from_str(text).map_err(|e| Error::Json(format!("{source}: {e}")))?;
    match (p.theta, p.blocks) {
        (Some(t), None) => Ok(RawParams::Flat(t)),
        (None, Some(b)) => {
            let mut out = BTreeMap::new();
            for (name, blk) in b {
                let n: usize = blk.shape.iter().product();
                if blk.shape.is_empty() || blk.shape.len() > 2 {
                    return Err(Error::Params(format!(
                        "{source}: block `{name}` has shape {:?}; expected [n] or [rows, cols]",
                        blk.shape
                    )));
                }
                if n != blk.data.len() {
                    return Err(Error::Params(format!(
                        "{source}: block `{name}` has shape {:?} ({n} entries) but {} values",
                        blk.shape,
                        blk.data.len()
                    )));
                }
                out.insert(name, (blk.shape, blk.data));
            }
            Ok(RawParams::Blocks(out))
        }
        (Some(_), Some(_)) => Err(Error::Params(format!(
            "{source}: give either \"theta\" or \"blocks\", not both"
        ))),
        (None, None) => Err(Error::Params(format!(
            "{source}: expected {{\"theta\": [...]}} or {{\"blocks\": {{...}}}}"
        ))),
    }
}

/// Read a parameter file (JSON) from disk.
pub fn load_params_file(path: &Path) -> Result<RawParams> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_params_json(&text, &path.display().to_string())
}

fn dims_match(shape: BlockShape, dims: &[usize]) -> bool {
    match shape {
        BlockShape::Vector(n) => dims == [n] || dims == [1, n] || dims == [n, 1],
        BlockShape::Matrix { rows, cols } => dims == [rows, cols],
    }
}

/// Build the model of `spec` for inputs of dimension `d` and lay out `raw` as its θ.
///
/// Errors name the missing / extra / mis-shaped block or the length mismatch.
pub fn model_and_theta(
    spec: &ModelSpec,
    d: usize,
    raw: &RawParams,
) -> Result<(Box<dyn Model>, Vec<f64>)> {
    let frozen = matches!(spec, ModelSpec::TwoLayer { frozen: true, .. });
    let frozen_u: Option<Vec<f64>> =
        match (frozen, raw) {
            (true, RawParams::Blocks(b)) => Some(
                b.get("u")
                    .ok_or_else(|| {
                        Error::Params(
                            "frozen two-layer net: block `u` (the fixed output weights) is missing"
                                .into(),
                        )
                    })?
                    .1
                    .clone(),
            ),
            (true, RawParams::Flat(_)) => return Err(Error::Params(
                "frozen two-layer net: give named blocks W and u (u = the fixed output weights)"
                    .into(),
            )),
            _ => None,
        };
    let model = spec.build(d, frozen_u.as_deref())?;
    let layout = model.layout().clone();
    let theta = match raw {
        RawParams::Flat(t) => {
            if t.len() != layout.len() {
                return Err(Error::Params(format!(
                    "\"theta\" has {} values; model `{}` on d = {d} has {} parameters ({})",
                    t.len(),
                    model.name(),
                    layout.len(),
                    layout.describe()
                )));
            }
            t.clone()
        }
        RawParams::Blocks(b) => {
            let mut theta = vec![0.0; layout.len()];
            for blk in layout.blocks() {
                let (dims, data) = b.get(&blk.name).ok_or_else(|| {
                    Error::Params(format!(
                        "block `{}` missing; model `{}` needs {}",
                        blk.name,
                        model.name(),
                        layout.describe()
                    ))
                })?;
                if !dims_match(blk.shape, dims) {
                    return Err(Error::Params(format!(
                        "block `{}` has shape {:?}; model `{}` needs {:?}",
                        blk.name,
                        dims,
                        model.name(),
                        blk.shape.dims()
                    )));
                }
                theta[blk.range()].copy_from_slice(data);
            }
            for name in b.keys() {
                if layout.block(name).is_none() && !(frozen && name == "u") {
                    return Err(Error::Params(format!(
                        "unexpected block `{name}`; model `{}` has {}",
                        model.name(),
                        layout.describe()
                    )));
                }
            }
            theta
        }
    };
    layout.check(&theta)?;
    Ok((model, theta))
}

/// Read a weight vector for `weighted_l2:<file>`: a JSON array of numbers, a JSON object
/// `{"weights": [...]}`, or whitespace/comma-separated numbers.
pub fn load_weights(path: &Path) -> Result<Vec<f64>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let t = text.trim();
    let parsed: Result<Vec<f64>> = if t.starts_with('[') {
        serde_json::from_str(t).map_err(|e| Error::Json(format!("{}: {e}", path.display())))
    } else if t.starts_with('{') {
        #[derive(Deserialize)]
        struct W {
            weights: Vec<f64>,
        }
        serde_json::from_str::<W>(t)
            .map(|w| w.weights)
            .map_err(|e| Error::Json(format!("{}: {e}", path.display())))
    } else {
        t.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .enumerate()
            .map(|(i, s)| {
                s.parse::<f64>().map_err(|_| {
                    Error::Params(format!(
                        "{}: weight {i} `{s}` is not a number",
                        path.display()
                    ))
                })
            })
            .collect()
    };
    let w = parsed?;
    if w.is_empty() {
        return Err(Error::Params(format!("{}: no weights", path.display())));
    }
    Ok(w)
}
