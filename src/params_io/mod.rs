//! Reading parameter files for models trained elsewhere (`implicit-bias check --params`).
//!
//! [`load_params_file`] picks the format from the file extension (case-insensitive); any
//! other extension is an error. Every problem with a file — bad bytes, a wrong dtype, a
//! missing, mis-shaped or unused tensor — is an [`Error::Params`] (exit code 2 in the CLI)
//! whose message names the file, the tensor and the problem; no input panics.
//!
//! **Reading.** Files are read through [`crate::read_file`]: regular files only (a FIFO, a
//! device or a directory is an [`Error::Data`]), size checked against the memory budget
//! ([`crate::resources`]) before reading; JSON is UTF-8 with an optional byte-order mark.
//! Sizes inside the files are never trusted: every element count and byte offset is computed
//! with checked arithmetic and compared with the bytes actually present before anything is
//! allocated, and a `.npz` member is inflated no further than its declared size (which must
//! agree with its `.npy` header and fit the budget) — see [`parse_npz`].
//!
//! # Formats
//!
//! | extension | content | element types |
//! |---|---|---|
//! | `.json` | `{"theta": [..]}` (flat θ) or `{"blocks": {name: {"shape": [..], "data": [..]}}}`, or a `runs/*.json` record of `implicit-bias run` (its final θ by block, and `frozen_u` as `u`) | JSON numbers |
//! | `.npy` | one NumPy array: a 1-D flat θ, or (2-D) the single block of a single-block model | `<f8 >f8 <f4 >f4 <f2 >f2` |
//! | `.npz` | a zip (stored or deflate, `numpy.savez[_compressed]`) of `.npy` arrays; member `W.npy` is tensor `W` | as `.npy` |
//! | `.safetensors` | named tensors (Hugging Face `safetensors`, e.g. `safetensors.torch.save_file(model.state_dict(), …)`) | `F64 F32 F16 BF16` |
//!
//! * **Flat θ** lists every parameter in the model's layout order (`implicit-bias list`
//!   and the model docs give it; e.g. `two_layer`: W row-major, then u).
//! * **Matrices are row-major**: `W[r][c]` is `data[r·cols + c]`. PyTorch's `weight` of
//!   `nn.Linear(d, k)` is exactly this k×d matrix. A `.npy` with `fortran_order: True` is
//!   transposed on reading, so Fortran-ordered arrays load correctly.
//! * **Vectors** (`u` of a two-layer net, `theta` of the linear model) accept shape `[n]`,
//!   `[1, n]` or `[n, 1]`: PyTorch's output layer `nn.Linear(k, 1).weight` has shape (1, k)
//!   and is read as u ∈ ℝ^k unchanged.
//! * **Element types**: f64 is read as is; f32, f16 and bf16 are *widened exactly* (every
//!   value of those formats is an f64, so no rounding happens — f16/bf16 are accepted for
//!   that reason rather than rejected). Integer, bool, complex, 8-bit-float and float128
//!   arrays are rejected: a parameter file with integer tensors almost always means the
//!   wrong tensor. Values must be finite.
//! * **Byte order**: `.npy` headers carry it (`<` little, `>` big); safetensors data is
//!   always little-endian. `.npy` versions 1.0, 2.0 and 3.0 are read (see [`parse_npy`]).
//!
//! # Tensor names → model blocks
//!
//! The model's block names are those of its layout: `linear`: `theta`; `two_layer:…`:
//! `W` (k×d), `u` (k); `two_layer_frozen:…`: `W`, plus the fixed output weights `u` read
//! from the same file; `deep_linear:D`: `W1`, …, `W{D−1}`, `w`; `diagonal_linear`: `u`, `v`;
//! `mlp:<act>:k=k1,…,kD`: `W1` (k1×d), `W2` (k2×k1), …, `WD`, `u` (kD).
//! Tensors are matched to blocks by name, in this order:
//!
//! 1. an explicit map, `--map W=0.weight,u=2.weight` ([`apply_map`]); `tensor:T` transposes
//!    a tensor (JAX/Flax `kernel`s are stored (in, out); a `…kernel` needs `:T` or `:N`);
//! 2. otherwise, when no tensor already carries a block name, PyTorch names are recognised
//!    for two-layer models and MLPs: `0.weight` → `W` and `2.weight` → `u`, the `state_dict()` of
//!    `nn.Sequential(nn.Linear(d, k, bias=False), act, nn.Linear(k, 1, bias=False))`, and
//!    `0.weight`, `2.weight`, `4.weight`, … → `W1`, `W2`, …, `u` for `mlp:…` (also under a
//!    common prefix, `net.0.weight`/`net.2.weight`); and a file holding exactly
//!    one tensor is the block of a single-block model (`weight` of
//!    `nn.Linear(d, 1, bias=False)` for `linear`).
//!
//! Every block must be present with its exact shape, and every tensor must be used: a bias
//! tensor (`bias`, `0.bias`, …) is reported as such — the models here are bias-free, which is
//! what makes them positively homogeneous (f(x; cθ) = c^L f(x; θ), \[M\] §2, \[F\] §2), and a
//! silently dropped bias would change f. Other unused tensors are errors too.

mod dtype;
mod json;
mod map;
mod npy;
mod npz;
mod record;
mod safetensors;

pub use json::parse_params_json;
pub use map::{apply_map, parse_map};
pub use npy::{parse_npy, NpyArray};
pub use npz::parse_npz;
pub use safetensors::{parse_safetensors, safetensors_bytes};

use crate::error::{Error, Result};
use crate::models::{Init, Model, ModelSpec};
use crate::params::BlockShape;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Parameters read from a file, before they are matched to a model.
#[derive(Debug, Clone, PartialEq)]
pub enum RawParams {
    /// A flat θ in the model's layout order (JSON `"theta"`, a 1-D `.npy`).
    Flat(Vec<f64>),
    /// Named tensors: name → (dims, row-major data) (JSON `"blocks"`, `.npz`,
    /// `.safetensors`).
    Blocks(BTreeMap<String, (Vec<usize>, Vec<f64>)>),
    /// One unnamed array of ≥ 2 (or 0) dimensions (a `.npy` file): the single block of a
    /// single-block model.
    Array {
        /// The shape.
        dims: Vec<usize>,
        /// Row-major values.
        data: Vec<f64>,
    },
}

/// The parameter file formats, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamsFormat {
    /// `.json`.
    Json,
    /// `.npy`.
    Npy,
    /// `.npz`.
    Npz,
    /// `.safetensors`.
    Safetensors,
}

impl ParamsFormat {
    /// The format of `path` from its extension (case-insensitive); an unknown or missing
    /// extension is an [`Error::Params`] listing the accepted ones.
    pub fn from_path(path: &Path) -> Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("json") => Ok(ParamsFormat::Json),
            Some("npy") => Ok(ParamsFormat::Npy),
            Some("npz") => Ok(ParamsFormat::Npz),
            Some("safetensors") => Ok(ParamsFormat::Safetensors),
            other => Err(Error::Params(format!(
                "{}: {} — expected .json (JSON), .npy, .npz or .safetensors (for a PyTorch \
                 .pt/.pth checkpoint, save the state_dict with safetensors.torch.save_file)",
                path.display(),
                match other {
                    Some(e) => format!("unknown parameter file extension `.{e}`"),
                    None => "parameter file has no extension".to_string(),
                }
            ))),
        }
    }
}

/// Parse parameter-file bytes of a known format; `source` names the input in errors. JSON
/// must be UTF-8 (a leading byte-order mark is ignored). Every size is checked arithmetic,
/// large buffers are checked against the memory budget first, and no input panics.
pub fn parse_params_bytes(bytes: &[u8], format: ParamsFormat, source: &str) -> Result<RawParams> {
    match format {
        ParamsFormat::Json => {
            let text = crate::read_file::decode_text(bytes, source)?;
            parse_params_json(text, source)
        }
        ParamsFormat::Npy => {
            let a = parse_npy(bytes, source)?;
            Ok(if a.dims.len() == 1 {
                RawParams::Flat(a.data)
            } else {
                RawParams::Array {
                    dims: a.dims,
                    data: a.data,
                }
            })
        }
        ParamsFormat::Npz => parse_npz(bytes, source),
        ParamsFormat::Safetensors => parse_safetensors(bytes, source),
    }
}

/// Read a parameter file from disk, choosing the format by extension (see the module docs):
/// `.json`, `.npy`, `.npz` or `.safetensors`. The file is read through
/// [`crate::read_file::read_bytes`] (a regular file within the memory budget).
pub fn load_params_file(path: &Path) -> Result<RawParams> {
    let format = ParamsFormat::from_path(path)?;
    let bytes = crate::read_file::read_bytes(path, "parameter file")?;
    parse_params_bytes(&bytes, format, &path.display().to_string())
}

/// The model of `spec` (with `outputs` outputs) and its initial θ0 for `init`: drawn from
/// `seed` by [`ModelSpec::instantiate_for`], or, for [`Init::File`], read from the file
/// ([`load_params_file`]) and mapped to the model's blocks as `check --params` does
/// ([`model_and_theta_for`]; PyTorch names recognised, every block present with its exact
/// shape, no unused tensor). A frozen-output net takes its fixed `u` from the file too.
pub fn instantiate(
    spec: &ModelSpec,
    d: usize,
    outputs: usize,
    init: &Init,
    seed: u64,
) -> Result<(Box<dyn Model>, Vec<f64>)> {
    match init {
        Init::File { path } => {
            let raw = load_params_file(path)?;
            model_and_theta_for(spec, d, outputs, &raw).map_err(|e| match e {
                Error::Params(msg) => {
                    Error::Params(format!("init = file {}: {msg}", path.display()))
                }
                other => other,
            })
        }
        _ => spec.instantiate_for(d, outputs, init, seed),
    }
}

fn dims_match(shape: BlockShape, dims: &[usize]) -> bool {
    match shape {
        BlockShape::Vector(n) => dims == [n] || dims == [1, n] || dims == [n, 1],
        BlockShape::Matrix { rows, cols } => dims == [rows, cols],
    }
}

/// Error unless every value of tensor `name` is finite.
fn check_finite(name: &str, data: &[f64]) -> Result<()> {
    match data.iter().position(|v| !v.is_finite()) {
        Some(j) => Err(Error::Params(format!(
            "tensor `{name}`: entry {j} (row-major) is not finite ({})",
            data[j]
        ))),
        None => Ok(()),
    }
}

/// Build the model of `spec` for inputs of dimension `d` and lay out `raw` as its θ.
///
/// Named tensors are matched to blocks as described in the module docs (automatic PyTorch
/// names; call [`apply_map`] first for explicit names). Errors ([`Error::Params`]) name the
/// missing, mis-shaped, non-finite, bias or otherwise unused tensor, or the length mismatch
/// of a flat θ, and list what the model needs.
pub fn model_and_theta(
    spec: &ModelSpec,
    d: usize,
    raw: &RawParams,
) -> Result<(Box<dyn Model>, Vec<f64>)> {
    model_and_theta_for(spec, d, 1, raw)
}

/// As [`model_and_theta`] for a model with `outputs` outputs (C for data with C classes,
/// [`ModelSpec::build_for`]): e.g. the multiclass linear model reads a `W` tensor of shape
/// [C, d] or a flat row-major θ of length C·d.
pub fn model_and_theta_for(
    spec: &ModelSpec,
    d: usize,
    outputs: usize,
    raw: &RawParams,
) -> Result<(Box<dyn Model>, Vec<f64>)> {
    let frozen = spec.is_frozen();
    let sequential = matches!(spec, ModelSpec::TwoLayer { .. } | ModelSpec::Mlp { .. });
    match raw {
        RawParams::Blocks(b) => blocks_to_theta(spec, d, outputs, b.clone(), frozen, sequential),
        _ if frozen => Err(Error::Params(format!(
            "frozen two-layer net `{spec}`: give named tensors W and u (u = the fixed output \
             weights) in a .json \"blocks\", .npz or .safetensors file"
        ))),
        RawParams::Flat(t) => {
            let model = spec.build_for(d, outputs, None)?;
            let layout = model.layout().clone();
            if t.len() != layout.len() {
                return Err(Error::Params(format!(
                    "the flat θ has {} values; model `{}` on d = {d} has {} parameters ({})",
                    t.len(),
                    model.name(),
                    layout.len(),
                    layout.describe()
                )));
            }
            layout.check(t)?;
            Ok((model, t.clone()))
        }
        RawParams::Array { dims, data } => {
            let model = spec.build_for(d, outputs, None)?;
            let layout = model.layout().clone();
            match layout.blocks() {
                [blk] if dims_match(blk.shape, dims) => {
                    check_finite(&blk.name, data)?;
                    Ok((model, data.clone()))
                }
                [blk] => Err(Error::Params(format!(
                    "the array has shape {dims:?}; model `{}` needs block `{}` of shape {:?}",
                    model.name(),
                    blk.name,
                    blk.shape.dims()
                ))),
                _ => Err(Error::Params(format!(
                    "one array of shape {dims:?} fits only a single-block model; model `{}` has \
                     {}: give a 1-D flat θ (layout order, matrices row-major) or named tensors \
                     (.npz, .safetensors, JSON \"blocks\")",
                    model.name(),
                    layout.describe()
                ))),
            }
        }
    }
}

fn blocks_to_theta(
    spec: &ModelSpec,
    d: usize,
    outputs: usize,
    tensors: BTreeMap<String, (Vec<usize>, Vec<f64>)>,
    frozen: bool,
    sequential: bool,
) -> Result<(Box<dyn Model>, Vec<f64>)> {
    // The names the model reads: its layout, plus the fixed `u` of a frozen net.
    let (probe_layout, needs) = match spec {
        ModelSpec::TwoLayer {
            k, frozen: true, ..
        } => {
            let w = BlockShape::Matrix { rows: *k, cols: d };
            let u = BlockShape::Vector(*k);
            (
                vec![("W".to_string(), w), ("u".to_string(), u)],
                format!("W[{k}×{d}] and the fixed output weights u[{k}]"),
            )
        }
        _ => {
            let m = spec.build_for(d, outputs, None)?;
            let l = m.layout();
            (
                l.blocks()
                    .iter()
                    .map(|b| (b.name.clone(), b.shape))
                    .collect(),
                l.describe(),
            )
        }
    };
    let wanted: Vec<String> = probe_layout.iter().map(|(n, _)| n.clone()).collect();
    let t = map::auto_rename(tensors, &wanted, sequential, !frozen && wanted.len() == 1);
    let extra: Vec<&String> = t.keys().filter(|k| !wanted.contains(k)).collect();
    if let Some(b) = extra.iter().find(|k| map::is_bias(k)) {
        return Err(Error::Params(format!(
            "tensor `{b}` is a bias, but model `{spec}` is bias-free (positively homogeneous: \
             f(x; cθ) = c^L f(x; θ) holds only without biases); train with bias=False or \
             remove the tensor"
        )));
    }
    for (name, shape) in &probe_layout {
        let Some((dims, data)) = t.get(name) else {
            return Err(Error::Params(format!(
                "tensor for block `{name}` missing: model `{spec}` on d = {d} needs {needs}; \
                 the file has {} (name them with --map {}=<tensor>,…)",
                map::names(&t),
                name
            )));
        };
        if !dims_match(*shape, dims) {
            return Err(Error::Params(format!(
                "block `{name}` has shape {dims:?}; model `{spec}` on d = {d} needs {:?}{}",
                shape.dims(),
                if shape.is_matrix() {
                    " (rows × cols, row-major: PyTorch's Linear(d, k).weight is k × d)"
                } else {
                    ""
                }
            )));
        }
        check_finite(name, data)?;
    }
    if let Some(x) = extra.first() {
        return Err(Error::Params(format!(
            "unused tensor `{x}` (shape {:?}): model `{spec}` has only {needs}; every tensor of \
             the file must be a block of the model (rename with --map or remove it)",
            t[x.as_str()].0
        )));
    }
    let frozen_u = if frozen { Some(t["u"].1.clone()) } else { None };
    let model = spec.build_for(d, outputs, frozen_u.as_deref())?;
    let layout = model.layout().clone();
    let mut theta = vec![0.0; layout.len()];
    for blk in layout.blocks() {
        theta[blk.range()].copy_from_slice(&t[&blk.name].1);
    }
    layout.check(&theta)?;
    Ok((model, theta))
}

/// Read a weight vector for `weighted_l2:<file>`: a JSON array of numbers, a JSON object
/// `{"weights": [...]}`, or whitespace/comma-separated numbers (UTF-8, an optional
/// byte-order mark; a regular file, see [`crate::read_file`]).
pub fn load_weights(path: &Path) -> Result<Vec<f64>> {
    let text = crate::read_file::read_text(path, "weights file")?;
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
