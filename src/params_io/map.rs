//! Tensor names → model blocks: the explicit `--map` and the automatic recognition of
//! PyTorch names.
//!
//! * **Explicit**: `block=tensor,…` (e.g. `W=0.weight,u=2.weight`) renames the file's tensor
//!   `tensor` to the model block `block`; see [`apply_map`].
//! * **Automatic** (only when no tensor already carries a block name of the model):
//!   - two-layer models (`two_layer:…`, `two_layer_frozen:…`): the state-dict names of
//!     `nn.Sequential(nn.Linear(d, k, bias=False), act, nn.Linear(k, 1, bias=False))`,
//!     `<prefix>0.weight` (k×d) → `W` and `<prefix>2.weight` (1×k) → `u`, where `<prefix>`
//!     is empty or ends in `.` (e.g. `net.0.weight` for a submodule called `net`);
//!   - single-block models (`linear`: block `theta`): a file with exactly one tensor, whatever
//!     its name (`weight` of `nn.Linear(d, 1, bias=False)`, shape (1, d)), is that block.
//!
//! Anything else must be named explicitly; tensors that end up unused are errors.

use super::RawParams;
use crate::error::{Error, Result};
use std::collections::BTreeMap;

type Tensors = BTreeMap<String, (Vec<usize>, Vec<f64>)>;

/// Parse `block=tensor,…` into pairs (whitespace around names ignored). Errors on an empty
/// map, a pair without `=`, an empty name, a block mapped twice or a tensor used twice.
pub fn parse_map(map: &str) -> Result<Vec<(String, String)>> {
    let bad = |msg: String| Error::Params(format!("--map `{map}`: {msg}"));
    let mut pairs: Vec<(String, String)> = Vec::new();
    for item in map.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (b, t) = item
            .split_once('=')
            .ok_or_else(|| bad(format!("`{item}` is not of the form block=tensor")))?;
        let (b, t) = (b.trim(), t.trim());
        if b.is_empty() || t.is_empty() {
            return Err(bad(format!("`{item}` has an empty name")));
        }
        if pairs.iter().any(|(pb, _)| pb == b) {
            return Err(bad(format!("block `{b}` is mapped twice")));
        }
        if pairs.iter().any(|(_, pt)| pt == t) {
            return Err(bad(format!("tensor `{t}` is used twice")));
        }
        pairs.push((b.to_string(), t.to_string()));
    }
    if pairs.is_empty() {
        return Err(bad(
            "expected block=tensor pairs, e.g. W=0.weight,u=2.weight".into(),
        ));
    }
    Ok(pairs)
}

/// Comma-separated tensor names, for error messages.
pub(crate) fn names(t: &Tensors) -> String {
    if t.is_empty() {
        return "(none)".into();
    }
    t.keys()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rename tensors of `raw` to model blocks according to `map` = `block=tensor,…`.
///
/// Tensors not named in the map keep their names (and are then checked like any other:
/// a tensor that matches no block is an error in [`super::model_and_theta`]). Errors
/// ([`Error::Params`]): the map does not parse ([`parse_map`]); it names a tensor the file
/// does not hold (the message lists the available names); an unmapped tensor already
/// carries a target block name; `raw` is a single unnamed array (a `.npy` file or JSON
/// `"theta"`), which has no names to map.
pub fn apply_map(raw: RawParams, map: &str) -> Result<RawParams> {
    let pairs = parse_map(map)?;
    let mut src = match raw {
        RawParams::Blocks(b) => b,
        RawParams::Flat(_) | RawParams::Array { .. } => {
            return Err(Error::Params(format!(
                "--map `{map}`: the parameter file holds one unnamed array (a .npy file or \
                 JSON \"theta\"); --map renames the named tensors of .npz, .safetensors or \
                 JSON \"blocks\" files"
            )))
        }
    };
    let available = names(&src);
    let mut out = BTreeMap::new();
    for (block, tensor) in &pairs {
        let v = src.remove(tensor).ok_or_else(|| {
            Error::Params(format!(
                "--map {block}={tensor}: the file has no tensor `{tensor}`; available: {available}"
            ))
        })?;
        out.insert(block.clone(), v);
    }
    for (name, v) in src {
        if let Some((_, from)) = pairs.iter().find(|(b, _)| *b == name) {
            return Err(Error::Params(format!(
                "--map {name}={from}: the file also has a tensor named `{name}`; map or \
                 remove one of them"
            )));
        }
        out.insert(name, v);
    }
    Ok(RawParams::Blocks(out))
}

/// The automatic recognition described in the module docs. `wanted` are the block names
/// the model reads (its layout, plus `u` for a frozen two-layer net); `two_layer` enables
/// the PyTorch `Sequential` names; `single_block` the one-tensor rule.
pub(crate) fn auto_rename(
    mut t: Tensors,
    wanted: &[String],
    two_layer: bool,
    single_block: bool,
) -> Tensors {
    if t.keys().any(|k| wanted.contains(k)) {
        return t;
    }
    if two_layer {
        let prefixes: Vec<String> = t
            .keys()
            .filter_map(|k| k.strip_suffix("0.weight"))
            .filter(|p| p.is_empty() || p.ends_with('.'))
            .filter(|p| t.contains_key(&format!("{p}2.weight")))
            .map(str::to_string)
            .collect();
        if let [p] = prefixes.as_slice() {
            let w = t.remove(&format!("{p}0.weight"));
            let u = t.remove(&format!("{p}2.weight"));
            if let (Some(w), Some(u)) = (w, u) {
                t.insert("W".into(), w);
                t.insert("u".into(), u);
            }
            return t;
        }
    }
    if single_block && t.len() == 1 && wanted.len() == 1 && !t.keys().any(|k| is_bias(k)) {
        if let Some((_, v)) = t.pop_first() {
            t.insert(wanted[0].clone(), v);
        }
    }
    t
}

/// True when `name` looks like a bias tensor (`bias`, `0.bias`, `fc.bias`, `b_out` is not).
pub(crate) fn is_bias(name: &str) -> bool {
    name.rsplit('.').next() == Some("bias")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(names: &[&str]) -> Tensors {
        names
            .iter()
            .map(|n| (n.to_string(), (vec![1], vec![0.0])))
            .collect()
    }

    #[test]
    fn map_parsing() {
        assert_eq!(
            parse_map(" W = a , u=b,").unwrap(),
            vec![("W".into(), "a".into()), ("u".into(), "b".into())]
        );
        for bad in ["", ",", "W", "W=", "=a", "W=a,W=b", "W=a,u=a"] {
            assert!(parse_map(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pytorch_names_with_and_without_prefix() {
        let want = vec!["W".to_string(), "u".to_string()];
        let r = auto_rename(t(&["0.weight", "2.weight"]), &want, true, false);
        assert_eq!(r.keys().collect::<Vec<_>>(), ["W", "u"]);
        let r = auto_rename(
            t(&["net.0.weight", "net.2.weight", "net.0.bias"]),
            &want,
            true,
            false,
        );
        assert_eq!(r.keys().collect::<Vec<_>>(), ["W", "net.0.bias", "u"]);
        // `10.weight` is not layer 0; ambiguous prefixes are left alone.
        let r = auto_rename(t(&["10.weight", "2.weight"]), &want, true, false);
        assert!(!r.contains_key("W"));
        let r = auto_rename(
            t(&["a.0.weight", "a.2.weight", "b.0.weight", "b.2.weight"]),
            &want,
            true,
            false,
        );
        assert!(!r.contains_key("W"));
        // Present block names switch the recognition off.
        let r = auto_rename(t(&["W", "2.weight"]), &want, true, false);
        assert!(r.contains_key("2.weight"));
        assert!(is_bias("0.bias") && is_bias("bias") && !is_bias("b") && !is_bias("biases"));
    }
}
