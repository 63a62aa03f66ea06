//! The JSON parameter format: `{"theta": [..]}` or `{"blocks": {name: {"shape", "data"}}}`,
//! or a run record of `implicit-bias run` (`record.rs`).

use super::RawParams;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

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

/// Parse the JSON parameter format (see the [module docs](super)); `source` names the
/// input in error messages. A leading byte-order mark is ignored.
pub fn parse_params_json(text: &str, source: &str) -> Result<RawParams> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        if super::record::is_record(&v) {
            return super::record::parse_record(v, source);
        }
    }
    let p: ParamsJson =
        serde_json::from_str(text).map_err(|e| Error::Json(format!("{source}: {e}")))?;
    match (p.theta, p.blocks) {
        (Some(t), None) => Ok(RawParams::Flat(t)),
        (None, Some(b)) => {
            let mut out = BTreeMap::new();
            for (name, blk) in b {
                let n = blk.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
                if blk.shape.is_empty() || blk.shape.len() > 2 {
                    return Err(Error::Params(format!(
                        "{source}: block `{name}` has shape {:?}; expected [n] or [rows, cols]",
                        blk.shape
                    )));
                }
                if n != Some(blk.data.len()) {
                    let entries = n.map_or("overflowing".to_string(), |n| n.to_string());
                    return Err(Error::Params(format!(
                        "{source}: block `{name}` has shape {:?} ({entries} entries) but {} values",
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
