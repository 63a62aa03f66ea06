//! MNIST's IDX format, plain or gzip-compressed, read with bounded memory.
//!
//! [`parse_idx`] works on bytes already in memory (a fuzzer can call it without files);
//! [`load_idx`] reads the two files through [`crate::read_file`] (regular files only, size
//! checked against the memory budget) and, for a `.gz` name, inflates *only what the header
//! announces*: it decompresses the header first (16 bytes for images, 8 for labels),
//! computes the payload size with checked arithmetic, checks header + payload and the f64
//! matrix against the memory budget ([`crate::resources::reserve`]), and then decompresses at
//! most one byte more than that — so a small file that inflates to gigabytes (a "gzip bomb")
//! is an error after reading the announced size, never a memory blow-up.
//!
//! **Labels** ([`IdxLabels`]): [`load_idx`] / [`parse_idx`] label even digits +1 and odd ones
//! −1 (\[M\] §6); [`load_idx_as`] / [`parse_idx_as`] can instead keep the 10 digits as 10
//! classes ([`IdxLabels::Classes`]) or keep only some digits ([`IdxLabels::Digits`]): a pair
//! `[a, b]` is a binary dataset (a → +1, b → −1, e.g. the 3-vs-6 task of \[F\] Fig. 2 and
//! Fig. 6), three or more digits a multiclass one (class = position in the list).

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::read_file::read_bytes;
use crate::resources::reserve;
use flate2::read::GzDecoder;
use nalgebra::DMatrix;
use std::io::Read;
use std::path::Path;

/// IDX magic number of an unsigned-byte, 3-dimensional array (images n × rows × cols).
const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
/// IDX magic number of an unsigned-byte, 1-dimensional array (labels).
const IDX_LABELS_MAGIC: u32 = 0x0000_0801;

/// How IDX digit labels become dataset labels ([`load_idx_as`], [`parse_idx_as`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum IdxLabels {
    /// Binary: even digits → +1, odd digits → −1 (\[M\] §6); every sample is kept.
    #[default]
    EvenOdd,
    /// Multiclass with 10 classes: class = digit; every sample is kept.
    Classes,
    /// Keep only the samples whose digit is listed (in their original order). Two digits
    /// `[a, b]`: binary, a → +1, b → −1. Three or more: multiclass with one class per listed
    /// digit, class = its position in the list (`[1, 2, 3]`: 1 → 0, 2 → 1, 3 → 2). The list
    /// must hold at least two distinct digits 0–9, and every listed digit must occur.
    Digits(Vec<u8>),
}

impl IdxLabels {
    /// Check the digit list of [`IdxLabels::Digits`] (digits 0–9, no duplicates, at least
    /// two); the other variants are always valid. Errors are [`Error::Config`].
    pub fn validate(&self) -> Result<()> {
        let IdxLabels::Digits(ds) = self else {
            return Ok(());
        };
        if ds.len() < 2 {
            return Err(Error::Config(format!(
                "digits = {ds:?}: list at least two digits (two give a binary dataset, \
                 three or more a multiclass one)"
            )));
        }
        if let Some(&d) = ds.iter().find(|&&d| d > 9) {
            return Err(Error::Config(format!(
                "digits = {ds:?}: {d} is not a digit 0-9"
            )));
        }
        for (k, d) in ds.iter().enumerate() {
            if ds[..k].contains(d) {
                return Err(Error::Config(format!(
                    "digits = {ds:?}: digit {d} is listed twice"
                )));
            }
        }
        Ok(())
    }

    /// The dataset label of `digit` (already checked to be 0–9): `None` when the sample is
    /// dropped; otherwise ±1 (binary) or the class index.
    fn label(&self, digit: u8) -> Option<f64> {
        match self {
            IdxLabels::EvenOdd => Some(if digit.is_multiple_of(2) { 1.0 } else { -1.0 }),
            IdxLabels::Classes => Some(f64::from(digit)),
            IdxLabels::Digits(ds) => {
                let k = ds.iter().position(|&d| d == digit)?;
                Some(match (ds.len(), k) {
                    (2, 0) => 1.0,
                    (2, _) => -1.0,
                    _ => k as f64,
                })
            }
        }
    }

    /// The `classes` of the resulting dataset: 0 (binary) or C.
    fn classes(&self) -> usize {
        match self {
            IdxLabels::EvenOdd => 0,
            IdxLabels::Classes => 10,
            IdxLabels::Digits(ds) if ds.len() == 2 => 0,
            IdxLabels::Digits(ds) => ds.len(),
        }
    }
}

/// Load MNIST-style IDX files as an even-vs-odd dataset (\[M\] §6): [`load_idx_as`] with
/// [`IdxLabels::EvenOdd`].
///
/// `images` is an IDX3 unsigned-byte file (magic `0x00000803`, then big-endian u32 counts
/// n, rows, cols, then n·rows·cols pixel bytes); `labels` is an IDX1 unsigned-byte file
/// (magic `0x00000801`, big-endian u32 n, then n digit bytes 0–9). A file whose name ends in
/// `.gz` is gunzipped first, reading no more than the header announces (see the module
/// docs). Sample i has features x_i = pixels / 255 ∈ [0, 1]^{rows·cols}
/// (row-major pixel order) and label y_i = +1 if digit i is even, −1 if odd. With
/// `normalize_rows`, each x_i is divided by its ℓ2 norm (all-zero rows are left as is).
///
/// Errors: [`Error::Io`] for a missing or unreadable file and for corrupt gzip data (kind
/// `InvalidData`, exit status 2); [`Error::Data`] for a path that is not a regular file, a
/// bad magic number, a truncated file or trailing bytes (also after decompression), a label
/// that is not a digit, or different image and label counts; [`Error::Config`] for a size
/// over the memory budget.
pub fn load_idx(
    images: impl AsRef<Path>,
    labels: impl AsRef<Path>,
    normalize_rows: bool,
) -> Result<Dataset> {
    load_idx_as(images, labels, normalize_rows, &IdxLabels::EvenOdd)
}

/// Load MNIST-style IDX files (the formats and features of [`load_idx`]) with the labelling
/// `as_labels`: even/odd, 10 classes, or a subset of digits ([`IdxLabels`]).
///
/// Errors: those of [`load_idx`]; [`Error::Config`] for an invalid digit list
/// ([`IdxLabels::validate`], checked before any file is read); [`Error::Data`] when a listed
/// digit never occurs in the labels file or no sample remains.
pub fn load_idx_as(
    images: impl AsRef<Path>,
    labels: impl AsRef<Path>,
    normalize_rows: bool,
    as_labels: &IdxLabels,
) -> Result<Dataset> {
    as_labels.validate()?;
    let (images, labels) = (images.as_ref(), labels.as_ref());
    let img_bytes = read_idx_file(images, IDX_IMAGES_MAGIC, 3)?;
    let lab_bytes = read_idx_file(labels, IDX_LABELS_MAGIC, 1)?;
    parse_idx_as(
        &img_bytes,
        &lab_bytes,
        &images.display().to_string(),
        &labels.display().to_string(),
        normalize_rows,
        as_labels,
    )
}

/// Parse decompressed IDX images and labels (the formats of [`load_idx`]) into an
/// even-vs-odd dataset; `source_images` / `source_labels` name the inputs in errors. Same as
/// [`parse_idx_as`] with [`IdxLabels::EvenOdd`].
///
/// Every size is computed with checked arithmetic, the f64 matrix is checked against the
/// memory budget before it is allocated, and no input makes this function panic.
pub fn parse_idx(
    images: &[u8],
    labels: &[u8],
    source_images: &str,
    source_labels: &str,
    normalize_rows: bool,
) -> Result<Dataset> {
    parse_idx_as(
        images,
        labels,
        source_images,
        source_labels,
        normalize_rows,
        &IdxLabels::EvenOdd,
    )
}

/// Parse decompressed IDX images and labels (the formats of [`load_idx`]) with the
/// labelling `as_labels` ([`IdxLabels`]); `source_images` / `source_labels` name the inputs
/// in errors. Every label must be a digit 0–9, also those of dropped samples.
///
/// Every size is computed with checked arithmetic, the f64 matrix (of the kept samples) is
/// checked against the memory budget before it is allocated, and no input makes this
/// function panic.
pub fn parse_idx_as(
    images: &[u8],
    labels: &[u8],
    source_images: &str,
    source_labels: &str,
    normalize_rows: bool,
    as_labels: &IdxLabels,
) -> Result<Dataset> {
    as_labels.validate()?;
    let (img_name, lab_name) = (source_images, source_labels);
    let img_dims = idx_header(images, img_name, IDX_IMAGES_MAGIC, 3)?;
    let lab_dims = idx_header(labels, lab_name, IDX_LABELS_MAGIC, 1)?;
    let (n, rows, cols) = (img_dims[0], img_dims[1], img_dims[2]);
    let n_labels = lab_dims[0];
    let d = rows
        .checked_mul(cols)
        .ok_or_else(|| Error::Data(format!("{img_name}: image size {rows}×{cols} overflows")))?;
    let pixels = idx_payload(images, img_name, 16, &[n, d], "pixel")?;
    let digits = idx_payload(labels, lab_name, 8, &[n_labels], "label")?;
    if n != n_labels {
        return Err(Error::Data(format!(
            "{img_name} has {n} images but {lab_name} has {n_labels} labels"
        )));
    }
    if n == 0 || d == 0 {
        return Err(Error::Data(format!(
            "{img_name}: no data ({n} images of {rows}×{cols} pixels)"
        )));
    }
    if let Some((i, &digit)) = digits.iter().enumerate().find(|(_, &g)| g > 9) {
        return Err(Error::Data(format!(
            "{lab_name}: label {i} is {digit}, not a digit 0-9"
        )));
    }
    let m = digits
        .iter()
        .filter(|&&g| as_labels.label(g).is_some())
        .count();
    if let IdxLabels::Digits(ds) = as_labels {
        if m == 0 {
            return Err(Error::Data(format!(
                "{lab_name}: no sample has one of the digits {ds:?} (nothing left to load)"
            )));
        }
        if let Some(&missing) = ds.iter().find(|&&g| !digits.contains(&g)) {
            return Err(Error::Data(format!(
                "{lab_name}: digit {missing} of digits = {ds:?} never occurs among the {n} \
                 labels"
            )));
        }
    }
    // n·d pixels are in memory already and m ≤ n, so m·d·8 does not overflow u128.
    reserve(
        &format!("{img_name}: the {m}×{d} feature matrix"),
        (m as u128) * (d as u128) * 8,
    )?;

    let mut x = DMatrix::<f64>::zeros(m, d);
    let mut y = Vec::with_capacity(m);
    // The kept samples, in the original order.
    let kept = pixels
        .chunks_exact(d)
        .zip(digits)
        .filter_map(|(img, &g)| as_labels.label(g).map(|yi| (img, yi)));
    for (r, (img, yi)) in kept.enumerate() {
        let scale = if normalize_rows {
            let sq: f64 = img.iter().map(|&p| (p as f64 / 255.0).powi(2)).sum();
            if sq > 0.0 {
                1.0 / sq.sqrt()
            } else {
                1.0
            }
        } else {
            1.0
        };
        for (j, &p) in img.iter().enumerate() {
            x[(r, j)] = p as f64 / 255.0 * scale;
        }
        y.push(yi);
    }
    let ds = match as_labels.classes() {
        0 => Dataset::new(x, y),
        c => {
            // The labels are class indices < c by construction (`IdxLabels::label`).
            let classes: Vec<usize> = y.iter().map(|&v| v as usize).collect();
            Dataset::multiclass(x, &classes, c)
        }
    };
    ds.map_err(|e| super::loaders::prefix(img_name, e))
}

/// Gunzip `bytes` (one gzip member), producing at most `limit` bytes: more output is an
/// [`Error::Data`] after `limit + 1` bytes have been inflated, so a gzip bomb costs at most
/// `limit` bytes of memory. Corrupt gzip data is an [`Error::Io`] of kind `InvalidData`
/// naming `source`. No input makes this function panic.
pub fn gunzip_bounded(bytes: &[u8], source: &str, limit: usize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut dec = GzDecoder::new(bytes);
    inflate_at_most(&mut dec, &mut out, (limit as u64).saturating_add(1), source)?;
    if out.len() > limit {
        return Err(Error::Data(format!(
            "{source}: decompresses to more than {limit} bytes (stopped there)"
        )));
    }
    Ok(out)
}

/// Append at most `n` bytes of `dec`'s output to `out`.
fn inflate_at_most(dec: &mut impl Read, out: &mut Vec<u8>, n: u64, source: &str) -> Result<()> {
    dec.take(n)
        .read_to_end(out)
        .map(drop)
        .map_err(|e| corrupt_gzip(source, e))
}

/// Any decoder failure is bad input: corrupt or truncated gzip data.
fn corrupt_gzip(source: &str, e: std::io::Error) -> Error {
    Error::io(
        source,
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("corrupt gzip data: {e}"),
        ),
    )
}

/// Whether `path`'s name ends in `.gz` (case-insensitive).
fn is_gz(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.to_ascii_lowercase().ends_with(".gz"))
}

/// Read an IDX file, gunzipping a `.gz` one no further than its header announces.
fn read_idx_file(path: &Path, magic: u32, ndims: usize) -> Result<Vec<u8>> {
    let raw = read_bytes(path, "IDX file")?;
    if !is_gz(path) {
        return Ok(raw);
    }
    let name = path.display().to_string();
    let mut dec = GzDecoder::new(raw.as_slice());
    let header_len = 4 + 4 * ndims;
    let mut out = Vec::with_capacity(header_len);
    inflate_at_most(&mut dec, &mut out, header_len as u64, &name)?;
    if out.len() < header_len {
        return Ok(out); // parse_idx reports the truncated header
    }
    let dims = idx_header(&out, &name, magic, ndims)?;
    let expected = payload_len(&name, &dims)?;
    let total = expected
        .checked_add(header_len)
        .ok_or_else(|| Error::Data(format!("{name}: IDX dimensions {dims:?} overflow")))?;
    reserve(
        &format!("{name}: {total} decompressed IDX bytes and their f64 copy"),
        (total as u128) * 9,
    )?;
    out.reserve_exact(expected);
    // One byte more than announced, to detect trailing data without inflating all of it.
    inflate_at_most(
        &mut dec,
        &mut out,
        (expected as u64).saturating_add(1),
        &name,
    )?;
    if out.len() > total {
        return Err(Error::Data(format!(
            "{name}: the data decompresses to more than the {expected} bytes the IDX header \
             announces (trailing bytes; decompression stopped there)"
        )));
    }
    Ok(out)
}

/// Check the magic number and read the `ndims` big-endian u32 dimensions of an IDX file.
fn idx_header(bytes: &[u8], name: &str, magic: u32, ndims: usize) -> Result<Vec<usize>> {
    let header_len = 4 + 4 * ndims;
    let truncated = || {
        Error::Data(format!(
            "{name}: truncated IDX header ({} bytes, expected {header_len})",
            bytes.len()
        ))
    };
    let be = |k: usize| -> Option<u32> {
        let b = bytes.get(k..k.checked_add(4)?)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let found = be(0).ok_or_else(truncated)?;
    if found != magic {
        let hint = if bytes.starts_with(&[0x1f, 0x8b]) {
            " (the file looks gzip-compressed: give it a .gz name)"
        } else {
            ""
        };
        return Err(Error::Data(format!(
            "{name}: bad IDX magic number 0x{found:08x}, expected 0x{magic:08x} \
             (unsigned-byte, {ndims}-dimensional){hint}"
        )));
    }
    (0..ndims)
        .map(|k| {
            let v = be(4 + 4 * k).ok_or_else(truncated)?;
            usize::try_from(v).map_err(|_| Error::Data(format!("{name}: dimension {v} too large")))
        })
        .collect()
}

/// Π dims, or an [`Error::Data`] when it overflows.
fn payload_len(name: &str, dims: &[usize]) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |acc, &k| acc.checked_mul(k))
        .ok_or_else(|| Error::Data(format!("{name}: IDX dimensions {dims:?} overflow")))
}

/// The payload of an IDX file after its `header_len`-byte header, checked to hold exactly
/// Π dims bytes.
fn idx_payload<'a>(
    bytes: &'a [u8],
    name: &str,
    header_len: usize,
    dims: &[usize],
    what: &str,
) -> Result<&'a [u8]> {
    let expected = payload_len(name, dims)?;
    let found = bytes.len().saturating_sub(header_len);
    if found < expected {
        return Err(Error::Data(format!(
            "{name}: truncated file: the header announces {expected} {what} bytes, found {found}"
        )));
    }
    if found > expected {
        return Err(Error::Data(format!(
            "{name}: {} trailing bytes after the {expected} {what} bytes the header announces",
            found - expected
        )));
    }
    Ok(&bytes[header_len..])
}
