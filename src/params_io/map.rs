//! Tensor names → model blocks: the explicit `--map` and the automatic recognition of
//! PyTorch names.
//!
//! * **Explicit**: `block=tensor,…` (e.g. `W=0.weight,u=2.weight`) renames the file's tensor
//!   `tensor` to the model block `block`; see [`apply_map`]. A tensor written `tensor:T` is
//!   transposed on reading — JAX/Flax and Keras store a dense layer's `kernel` as (in, out),
//!   the transpose of the row-major (out, in) = (k, d) matrix the models read — and
//!   `tensor:N` takes it as stored. A mapped tensor whose name ends in `kernel` must carry one
//!   of the two markers: a square kernel read without it would be silently transposed.
//! * **Automatic** (only when no tensor already carries a block name of the model):
//!   - two-layer models and MLPs (`two_layer:…`, `two_layer_frozen:…`, `mlp:…`): the
//!     state-dict names of `nn.Sequential(nn.Linear(d, k1, bias=False), act,
//!     nn.Linear(k1, k2, bias=False), act, …, nn.Linear(kD, 1, bias=False))`,
//!     `<prefix>0.weight`, `<prefix>2.weight`, …, `<prefix>{2D}.weight` → `W1`, …, `WD`, `u`
//!     (`W`, `u` for a two-layer net), where `<prefix>` is empty or ends in `.` (e.g.
//!     `net.0.weight` for a submodule called `net`);
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
        let bare = t
            .strip_suffix(":T")
            .or(t.strip_suffix(":N"))
            .unwrap_or(t)
            .trim();
        if b.is_empty() || bare.is_empty() {
            return Err(bad(format!("`{item}` has an empty name")));
        }
        if pairs.iter().any(|(pb, _)| pb == b) {
            return Err(bad(format!("block `{b}` is mapped twice")));
        }
        if pairs.iter().any(|(_, pt)| strip_marker(pt).0 == bare) {
            return Err(bad(format!("tensor `{bare}` is used twice")));
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

/// How a mapped tensor is read: as stored, or transposed (`:T`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Orientation {
    /// No marker.
    Unmarked,
    /// `:N`: as stored.
    AsStored,
    /// `:T`: transposed.
    Transposed,
}

/// (tensor name, orientation) of a map entry's tensor part.
fn strip_marker(t: &str) -> (&str, Orientation) {
    if let Some(b) = t.strip_suffix(":T") {
        (b.trim(), Orientation::Transposed)
    } else if let Some(b) = t.strip_suffix(":N") {
        (b.trim(), Orientation::AsStored)
    } else {
        (t, Orientation::Unmarked)
    }
}

/// The transpose of a row-major 2-D tensor.
fn transpose(
    block: &str,
    tensor: &str,
    dims: &[usize],
    data: &[f64],
) -> Result<(Vec<usize>, Vec<f64>)> {
    let [r, c] = dims else {
        return Err(Error::Params(format!(
            "--map {block}={tensor}:T: `:T` transposes a 2-D tensor, `{tensor}` has shape {dims:?}"
        )));
    };
    let (r, c) = (*r, *c);
    let mut out = vec![0.0; data.len()];
    for i in 0..r {
        for j in 0..c {
            out[j * r + i] = data[i * c + j];
        }
    }
    Ok((vec![c, r], out))
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

/// Rename tensors of `raw` to model blocks according to `map` = `block=tensor,…`, transposing
/// the tensors written `tensor:T` (module docs).
///
/// Tensors not named in the map keep their names (and are then checked like any other:
/// a tensor that matches no block is an error in [`super::model_and_theta`]). Errors
/// ([`Error::Params`]): the map does not parse ([`parse_map`]); it names a tensor the file
/// does not hold (the message lists the available names); `:T` on a tensor that is not 2-D;
/// a 2-D tensor named `…kernel` without `:T` or `:N`; an unmapped tensor already
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
    for (block, entry) in &pairs {
        let (tensor, orientation) = strip_marker(entry);
        let v = src.remove(tensor).ok_or_else(|| {
            Error::Params(format!(
                "--map {block}={tensor}: the file has no tensor `{tensor}`; available: {available}"
            ))
        })?;
        let last = tensor.rsplit(['.', '/']).next().unwrap_or(tensor);
        let v = match orientation {
            Orientation::Transposed => transpose(block, tensor, &v.0, &v.1)?,
            Orientation::AsStored => v,
            Orientation::Unmarked if last == "kernel" && v.0.len() == 2 => {
                return Err(Error::Params(format!(
                    "--map {block}={tensor}: `{tensor}` looks like a JAX/Flax or Keras kernel,                      stored (in, out) = the transpose of the (out, in) matrix the model reads;                      write `{block}={tensor}:T` to transpose it or `{block}={tensor}:N` to take                      it as stored"
                )))
            }
            Orientation::Unmarked => v,
        };
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
/// the model reads (its layout, plus `u` for a frozen two-layer net); `sequential` enables
/// the PyTorch `Sequential` names (`<p>0.weight`, `<p>2.weight`, … → `wanted` in order);
/// `single_block` the one-tensor rule.
pub(crate) fn auto_rename(
    mut t: Tensors,
    wanted: &[String],
    sequential: bool,
    single_block: bool,
) -> Tensors {
    if t.keys().any(|k| wanted.contains(k)) {
        return t;
    }
    if sequential && wanted.len() >= 2 {
        let n = wanted.len();
        let prefixes: Vec<String> = t
            .keys()
            .filter_map(|k| k.strip_suffix("0.weight"))
            .filter(|p| p.is_empty() || p.ends_with('.'))
            .filter(|p| (1..n).all(|i| t.contains_key(&format!("{p}{}.weight", 2 * i))))
            .map(str::to_string)
            .collect();
        if let [p] = prefixes.as_slice() {
            for (i, name) in wanted.iter().enumerate() {
                if let Some(v) = t.remove(&format!("{p}{}.weight", 2 * i)) {
                    t.insert(name.clone(), v);
                }
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

    #[test]
    fn pytorch_sequential_names_for_deep_mlps() {
        let want: Vec<String> = ["W1", "W2", "W3", "u"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let r = auto_rename(
            t(&["0.weight", "2.weight", "4.weight", "6.weight"]),
            &want,
            true,
            false,
        );
        assert_eq!(r.keys().collect::<Vec<_>>(), ["W1", "W2", "W3", "u"]);
        let r = auto_rename(
            t(&["m.0.weight", "m.2.weight", "m.4.weight", "m.6.weight"]),
            &want,
            true,
            false,
        );
        assert_eq!(r.keys().collect::<Vec<_>>(), ["W1", "W2", "W3", "u"]);
        // A missing layer leaves the names alone (then: a clear "block missing" error).
        let r = auto_rename(t(&["0.weight", "2.weight", "6.weight"]), &want, true, false);
        assert!(!r.contains_key("W1"));
        // An extra layer stays unused (then: an "unused tensor" error).
        let r = auto_rename(
            t(&["0.weight", "2.weight", "4.weight", "6.weight", "8.weight"]),
            &want,
            true,
            false,
        );
        assert!(r.contains_key("8.weight") && r.contains_key("u"));
    }

    #[test]
    fn transpose_markers() {
        let raw = RawParams::Blocks(
            [
                (
                    "k".to_string(),
                    (vec![2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
                ),
                (
                    "Dense_0.kernel".to_string(),
                    (vec![2, 2], vec![1.0, 2.0, 3.0, 4.0]),
                ),
                ("v".to_string(), (vec![3], vec![1.0, 2.0, 3.0])),
            ]
            .into_iter()
            .collect(),
        );
        let RawParams::Blocks(b) = apply_map(raw.clone(), "W=k:T,u=v").unwrap() else {
            panic!("blocks")
        };
        assert_eq!(b["W"], (vec![3, 2], vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]));
        assert_eq!(b["u"].0, vec![3]);
        // A square kernel needs a marker; :N keeps it, :T transposes it.
        let err = apply_map(raw.clone(), "W=Dense_0.kernel")
            .unwrap_err()
            .to_string();
        assert!(err.contains(":T") && err.contains(":N"), "{err}");
        let RawParams::Blocks(b) = apply_map(raw.clone(), "W=Dense_0.kernel:N").unwrap() else {
            panic!("blocks")
        };
        assert_eq!(b["W"].1, vec![1.0, 2.0, 3.0, 4.0]);
        let RawParams::Blocks(b) = apply_map(raw.clone(), "W=Dense_0.kernel:T").unwrap() else {
            panic!("blocks")
        };
        assert_eq!(b["W"].1, vec![1.0, 3.0, 2.0, 4.0]);
        // :T on a vector is an error; a tensor used twice through markers too.
        assert!(apply_map(raw.clone(), "u=v:T")
            .unwrap_err()
            .to_string()
            .contains("2-D"));
        assert!(parse_map("W=k:T,u=k").is_err());
    }
}
