//! `.safetensors` reader (Hugging Face format, via the `safetensors` crate).
//!
//! Layout of the file: an 8-byte little-endian header length N, a JSON header of N bytes
//! mapping each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (plus an
//! optional `"__metadata__"` string map, ignored here), then the little-endian tensor data.
//! The crate validates the header and that the offsets tile the data section exactly, so a
//! truncated or padded file is an error. Accepted dtypes: `F64`, `F32`, `F16`, `BF16`
//! (widened exactly to f64); integer, bool, complex and 8-bit/4-bit float tensors are
//! rejected with the tensor and dtype named. Each tensor's byte length is recomputed from its
//! shape with checked arithmetic, and its f64 copy is checked against the memory budget
//! before it is allocated.

use super::dtype::{decode, Float};
use super::RawParams;
use crate::error::{Error, Result};
use crate::resources::reserve;
use safetensors::{Dtype, SafeTensors};
use std::collections::BTreeMap;

/// Parse the bytes of a `.safetensors` file into named tensors; `source` names it in errors.
pub fn parse_safetensors(bytes: &[u8], source: &str) -> Result<RawParams> {
    let bad = |msg: String| Error::Params(format!("{source}: {msg}"));
    let st = SafeTensors::deserialize(bytes)
        .map_err(|e| bad(format!("not a valid safetensors file: {e}")))?;
    let mut out = BTreeMap::new();
    for (name, view) in st.iter() {
        let kind = match view.dtype() {
            Dtype::F64 => Float::F64,
            Dtype::F32 => Float::F32,
            Dtype::F16 => Float::F16,
            Dtype::BF16 => Float::BF16,
            other => {
                let what = match other {
                    Dtype::BOOL => "bool",
                    Dtype::U8 | Dtype::U16 | Dtype::U32 | Dtype::U64 => "unsigned integer",
                    Dtype::I8 | Dtype::I16 | Dtype::I32 | Dtype::I64 => "signed integer",
                    Dtype::C64 => "complex",
                    _ => "low-precision float",
                };
                return Err(bad(format!(
                    "tensor `{name}` has dtype {other:?} ({what}); parameters must be \
                     floating point (F64, F32, F16 or BF16)"
                )));
            }
        };
        let data = view.data();
        let needed = view
            .shape()
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .and_then(|n| n.checked_mul(kind.size()));
        if needed != Some(data.len()) {
            return Err(bad(format!(
                "tensor `{name}`: shape {:?} needs {} bytes, found {}",
                view.shape(),
                needed.map_or("more than 2^64".to_string(), |b| b.to_string()),
                data.len()
            )));
        }
        // The decoded values take 8 bytes each (4× an f16 tensor's bytes).
        reserve(
            &format!("{source}: tensor `{name}` as f64"),
            (data.len() / kind.size()) as u128 * 8,
        )?;
        out.insert(
            name.to_string(),
            (view.shape().to_vec(), decode(kind, false, data)),
        );
    }
    if out.is_empty() {
        return Err(bad("the file holds no tensors".into()));
    }
    Ok(RawParams::Blocks(out))
}

/// The `.safetensors` bytes of θ in `layout`: one little-endian F64 tensor per block, named
/// by the block, shape `[n]` for a vector and `[rows, cols]` (row-major) for a matrix, plus
/// `frozen_u` as the vector `u` (a frozen-output net's fixed weights, not part of θ). Read
/// back by [`parse_safetensors`] and [`super::model_and_theta_for`] exactly (f64 round trip).
pub fn safetensors_bytes(
    layout: &crate::params::Layout,
    theta: &[f64],
    frozen_u: Option<&[f64]>,
) -> Result<Vec<u8>> {
    use crate::params::BlockShape;
    if theta.len() != layout.len() {
        return Err(Error::Params(format!(
            "θ has {} values for a layout of {}",
            theta.len(),
            layout.len()
        )));
    }
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = layout
        .blocks()
        .iter()
        .map(|b| {
            let dims = match b.shape {
                BlockShape::Vector(n) => vec![n],
                BlockShape::Matrix { rows, cols } => vec![rows, cols],
            };
            let bytes = theta[b.range()]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect();
            (b.name.clone(), dims, bytes)
        })
        .collect();
    if let Some(u) = frozen_u {
        tensors.push((
            "u".into(),
            vec![u.len()],
            u.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ));
    }
    let views = tensors
        .iter()
        .map(|(name, dims, bytes)| {
            safetensors::tensor::TensorView::new(Dtype::F64, dims.clone(), bytes)
                .map(|v| (name.clone(), v))
                .map_err(|e| Error::Params(format!("tensor `{name}`: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    safetensors::serialize(views, None).map_err(|e| Error::Params(format!("safetensors: {e}")))
}
