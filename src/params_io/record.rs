//! A run record of `implicit-bias run` (`runs/<label>-<seed>.json`) as a parameter file.
//!
//! The record stores the final θ as `"theta": {"layout": {"blocks": [{name, shape, offset}],
//! "len": p}, "data": [θ_1, …, θ_p]}` (the model's layout, matrices row-major) and, for a
//! frozen-output net, the fixed output weights as `"frozen_u": [u_1, …, u_k]`. It is read
//! as named tensors — one per layout block, plus `u` from `frozen_u` — so the usual name
//! matching of [`super::model_and_theta_for`] applies and a record of a different model is
//! refused with the block that does not fit. The other fields of the record are ignored.

use super::RawParams;
use crate::error::{Error, Result};
use crate::params::{BlockShape, Layout};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct RecordTheta {
    layout: Layout,
    data: Vec<f64>,
}

#[derive(Deserialize)]
struct Record {
    theta: RecordTheta,
    #[serde(default)]
    frozen_u: Option<Vec<f64>>,
}

/// Whether `v` looks like a run record: an object whose `theta` is an object with `layout`
/// and `data` (a parameter file's `theta` is an array).
pub(super) fn is_record(v: &serde_json::Value) -> bool {
    v.get("theta")
        .and_then(|t| t.as_object())
        .is_some_and(|t| t.contains_key("layout") && t.contains_key("data"))
}

/// The named tensors of a run record (module docs); `source` names the file in errors.
pub(super) fn parse_record(v: serde_json::Value, source: &str) -> Result<RawParams> {
    let r: Record = serde_json::from_value(v)
        .map_err(|e| Error::Params(format!("{source}: not a readable run record: {e}")))?;
    // Rebuild the layout from its (name, shape) pairs: offsets and length must be the ones
    // a layout of these blocks has, and the data must have exactly that many values.
    let pairs: Vec<(String, BlockShape)> = r
        .theta
        .layout
        .blocks()
        .iter()
        .map(|b| (b.name.clone(), b.shape))
        .collect();
    let layout = Layout::new(pairs)
        .map_err(|e| Error::Params(format!("{source}: run record layout: {e}")))?;
    if layout != r.theta.layout || r.theta.data.len() != layout.len() {
        return Err(Error::Params(format!(
            "{source}: run record θ has {} values for a layout of {} ({}): inconsistent record",
            r.theta.data.len(),
            r.theta.layout.len(),
            r.theta.layout.describe()
        )));
    }
    let mut out = BTreeMap::new();
    for b in layout.blocks() {
        let dims = match b.shape {
            BlockShape::Vector(n) => vec![n],
            BlockShape::Matrix { rows, cols } => vec![rows, cols],
        };
        out.insert(b.name.clone(), (dims, r.theta.data[b.range()].to_vec()));
    }
    if let Some(u) = r.frozen_u {
        if out.contains_key("u") {
            return Err(Error::Params(format!(
                "{source}: run record has both a block `u` and `frozen_u`"
            )));
        }
        out.insert("u".to_string(), (vec![u.len()], u));
    }
    Ok(RawParams::Blocks(out))
}
