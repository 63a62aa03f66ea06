//! NumPy `.npy` reader (no NumPy needed).
//!
//! **`.npy`** ([NEP 1](https://numpy.org/neps/nep-0001-npy-format.html)): the 6-byte magic
//! `\x93NUMPY`, a version byte pair (1.0, 2.0 or 3.0), the header length (little-endian u16
//! for 1.0, u32 for 2.0/3.0), then the header — a Python dict literal such as
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (8, 10), }` padded with spaces and a
//! newline (latin-1 for 1.0/2.0, UTF-8 for 3.0) — and then the raw array data, exactly
//! `prod(shape) · itemsize` bytes.
//!
//! * `descr` must be a floating-point type with an explicit byte order: `<f8`, `>f8`,
//!   `<f4`, `>f4`, `<f2`, `>f2` (f16 is widened exactly). Integer (`i`, `u`), bool (`b1`),
//!   complex, long-double (`f16` = float128), string, object and structured dtypes are
//!   rejected with the dtype named.
//! * `fortran_order: True` means column-major data; it is transposed to the crate's
//!   row-major convention (`W[r][c]` = `data[r·cols + c]`), for any number of dimensions.
//! * Missing, extra or mistyped header keys, a truncated data section and trailing bytes
//!   after the data are errors ([`Error::Params`]); nothing here panics on a bad file.
//!
//! **`.npz`**: a zip archive (stored or deflate-compressed, as written by `numpy.savez` /
//! `numpy.savez_compressed`) of `.npy` members; member `W.npy` becomes the tensor `W`
//! (`0.weight.npy` → `0.weight`). Members not ending in `.npy` and duplicate names are errors.

use super::dtype::{decode, Float};
use crate::error::{Error, Result};
use crate::resources::reserve;

/// One array read from a `.npy` file, converted to f64 and to C (row-major) order.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// The shape (`[]` for a 0-d array).
    pub dims: Vec<usize>,
    /// `prod(dims)` values in row-major order.
    pub data: Vec<f64>,
}

/// Maximum nesting depth accepted in the header literal (real headers have depth 2).
const MAX_DEPTH: usize = 8;

/// A value of the Python literal subset used in `.npy` headers.
#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Str(String),
    Bool(bool),
    Int(u64),
    None,
    Seq(Vec<Lit>),
    Dict(Vec<(Lit, Lit)>),
}

/// Recursive-descent parser for the header dict (strings, ints with an optional Python 2
/// `L` suffix, True/False/None, tuples, lists, dicts, trailing commas).
struct LitParser<'a> {
    s: &'a [char],
    pos: usize,
}

impl LitParser<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_whitespace() {
            self.pos += 1;
        }
    }
    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.s.get(self.pos).copied()
    }
    fn err(&self, what: &str) -> String {
        format!("malformed header at character {}: {what}", self.pos)
    }
    fn value(&mut self, depth: usize) -> std::result::Result<Lit, String> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        match self.peek() {
            None => Err(self.err("unexpected end")),
            Some('{') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    if self.peek() == Some('}') {
                        self.pos += 1;
                        return Ok(Lit::Dict(items));
                    }
                    let k = self.value(depth + 1)?;
                    if self.peek() != Some(':') {
                        return Err(self.err("expected `:`"));
                    }
                    self.pos += 1;
                    let v = self.value(depth + 1)?;
                    items.push((k, v));
                    match self.peek() {
                        Some(',') => self.pos += 1,
                        Some('}') => {}
                        _ => return Err(self.err("expected `,` or `}`")),
                    }
                }
            }
            Some(open @ ('(' | '[')) => {
                let close = if open == '(' { ')' } else { ']' };
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        return Ok(Lit::Seq(items));
                    }
                    items.push(self.value(depth + 1)?);
                    match self.peek() {
                        Some(',') => self.pos += 1,
                        Some(c) if c == close => {}
                        _ => return Err(self.err(&format!("expected `,` or `{close}`"))),
                    }
                }
            }
            Some(q @ ('\'' | '"')) => {
                self.pos += 1;
                let mut out = String::new();
                loop {
                    match self.s.get(self.pos).copied() {
                        None => return Err(self.err("unterminated string")),
                        Some('\\') => {
                            let c = self
                                .s
                                .get(self.pos + 1)
                                .copied()
                                .ok_or_else(|| self.err("unterminated string"))?;
                            out.push(c);
                            self.pos += 2;
                        }
                        Some(c) if c == q => {
                            self.pos += 1;
                            return Ok(Lit::Str(out));
                        }
                        Some(c) => {
                            out.push(c);
                            self.pos += 1;
                        }
                    }
                }
            }
            Some(c) if c.is_ascii_digit() => {
                let start = self.pos;
                while self.pos < self.s.len() && self.s[self.pos].is_ascii_digit() {
                    self.pos += 1;
                }
                let digits: String = self.s[start..self.pos].iter().collect();
                if matches!(self.s.get(self.pos), Some('L' | 'l')) {
                    self.pos += 1;
                }
                digits
                    .parse::<u64>()
                    .map(Lit::Int)
                    .map_err(|_| self.err(&format!("integer `{digits}` is too large")))
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.pos;
                while self.pos < self.s.len() && self.s[self.pos].is_ascii_alphanumeric() {
                    self.pos += 1;
                }
                let word: String = self.s[start..self.pos].iter().collect();
                match word.as_str() {
                    "True" => Ok(Lit::Bool(true)),
                    "False" => Ok(Lit::Bool(false)),
                    "None" => Ok(Lit::None),
                    _ => Err(self.err(&format!("unexpected word `{word}`"))),
                }
            }
            Some(c) => Err(self.err(&format!("unexpected character `{c}`"))),
        }
    }
}

/// The three header fields of a `.npy` file.
struct Header {
    kind: Float,
    big_endian: bool,
    fortran: bool,
    dims: Vec<usize>,
}

/// Interpret a `descr` string (`<f8`, `>f4`, …); `Err` holds the reason it is unsupported.
fn parse_descr(descr: &str) -> std::result::Result<(Float, bool), String> {
    let mut chars = descr.chars();
    let order = chars.next().ok_or("empty dtype")?;
    let rest: String = chars.collect();
    let big_endian = match order {
        '<' => false,
        '>' => true,
        '|' | '=' => {
            return Err(match rest.as_str() {
                "b1" => "dtype `|b1` (bool) is not supported: parameters must be floating point \
                         (f8, f4 or f2)"
                    .into(),
                r if r.starts_with('f') => {
                    format!("dtype `{descr}` has no explicit byte order; expected `<{r}` or `>{r}`")
                }
                _ => format!(
                    "dtype `{descr}` is not supported: parameters must be floating point \
                     (f8, f4 or f2)"
                ),
            })
        }
        _ => {
            return Err(format!(
                "dtype `{descr}` lacks a byte-order character (`<` or `>`)"
            ))
        }
    };
    let (kind_char, size) = rest.split_at(rest.char_indices().nth(1).map_or(rest.len(), |c| c.0));
    let what = match kind_char {
        "f" => match size {
            "8" => return Ok((Float::F64, big_endian)),
            "4" => return Ok((Float::F32, big_endian)),
            "2" => return Ok((Float::F16, big_endian)),
            _ => "extended-precision float (long double)",
        },
        "i" => "signed integer",
        "u" => "unsigned integer",
        "b" => "bool",
        "c" => "complex",
        "M" | "m" => "datetime",
        "U" | "S" | "a" => "string",
        "O" => "object",
        "V" => "void/structured",
        _ => "unknown",
    };
    Err(format!(
        "dtype `{descr}` ({what}) is not supported: parameters must be floating point \
         (f8, f4 or f2)"
    ))
}

fn parse_header(text: &str) -> std::result::Result<Header, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut p = LitParser { s: &chars, pos: 0 };
    let lit = p.value(0)?;
    if p.peek().is_some() {
        return Err(p.err("trailing characters after the header dict"));
    }
    let Lit::Dict(items) = lit else {
        return Err("header is not a dict".into());
    };
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    for (k, v) in items {
        let Lit::Str(key) = k else {
            return Err(format!("header key {k:?} is not a string"));
        };
        match (key.as_str(), v) {
            ("descr", Lit::Str(s)) => descr = Some(s),
            ("descr", Lit::Seq(_)) => {
                return Err(
                    "structured dtype (a list `descr`) is not supported: parameters \
                            must be a plain floating-point array"
                        .into(),
                )
            }
            ("fortran_order", Lit::Bool(b)) => fortran = Some(b),
            ("shape", Lit::Seq(dims)) => {
                let dims = dims
                    .into_iter()
                    .map(|d| match d {
                        Lit::Int(n) => {
                            usize::try_from(n).map_err(|_| "dimension too large".to_string())
                        }
                        other => Err(format!("shape entry {other:?} is not an integer")),
                    })
                    .collect::<std::result::Result<Vec<usize>, String>>()?;
                shape = Some(dims);
            }
            ("descr" | "fortran_order" | "shape", v) => {
                return Err(format!("header key `{key}` has an invalid value {v:?}"))
            }
            (other, _) => return Err(format!("unexpected header key `{other}`")),
        }
    }
    let descr = descr.ok_or("header lacks `descr`")?;
    let fortran = fortran.ok_or("header lacks `fortran_order`")?;
    let dims = shape.ok_or("header lacks `shape`")?;
    let (kind, big_endian) = parse_descr(&descr)?;
    Ok(Header {
        kind,
        big_endian,
        fortran,
        dims,
    })
}

/// Reorder column-major (Fortran) data of shape `dims` into row-major order.
///
/// Element (i₀, …, i_{n−1}) sits at Σ_j i_j·Π_{l<j} dims_l in Fortran order and at
/// Σ_j i_j·Π_{l>j} dims_l in C order.
fn fortran_to_c(dims: &[usize], data: &[f64]) -> Vec<f64> {
    if dims.len() < 2 {
        return data.to_vec();
    }
    let n = data.len();
    let mut out = vec![0.0; n];
    let mut idx = vec![0usize; dims.len()];
    for slot in out.iter_mut() {
        // `idx` runs over C order (last index fastest).
        let mut f_off = 0;
        let mut stride = 1;
        for (j, &i) in idx.iter().enumerate() {
            f_off += i * stride;
            stride *= dims[j];
        }
        *slot = data[f_off];
        for j in (0..dims.len()).rev() {
            idx[j] += 1;
            if idx[j] < dims[j] {
                break;
            }
            idx[j] = 0;
        }
    }
    out
}

/// What the start of a `.npy` file announces.
pub(super) struct Prelude {
    header: Header,
    /// Offset of the first data byte (= the end of the header).
    pub(super) data_start: usize,
    /// Data bytes the shape and dtype need: Π shape · itemsize.
    pub(super) nbytes: usize,
    /// Elements: Π shape.
    n: usize,
}

/// The offset where the header of a `.npy` file ends, from its first bytes (10 for version
/// 1.0, 12 for 2.0 and 3.0: magic, version, header length); the header itself need not be
/// in `bytes` yet.
pub(super) fn header_end(bytes: &[u8], source: &str) -> Result<usize> {
    let bad = |msg: String| Error::Params(format!("{source}: {msg}"));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad(
            "not a .npy file (it does not start with the magic bytes \\x93NUMPY)".into(),
        ));
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (hlen, start): (usize, usize) = match major {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err(bad("truncated .npy header".into()));
            }
            let n = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            let n = usize::try_from(n).map_err(|_| bad("header length too large".into()))?;
            (n, 12)
        }
        _ => {
            return Err(bad(format!(
                "unsupported .npy format version {major}.{minor} (1.0, 2.0 and 3.0 are read)"
            )))
        }
    };
    start
        .checked_add(hlen)
        .ok_or_else(|| bad(format!("truncated: the header claims {hlen} bytes")))
}

/// Parse the header of a `.npy` file (`bytes` holds at least the whole header) and compute,
/// with checked arithmetic, how many data bytes it announces.
pub(super) fn parse_prelude(bytes: &[u8], source: &str) -> Result<Prelude> {
    let bad = |msg: String| Error::Params(format!("{source}: {msg}"));
    let end = header_end(bytes, source)?;
    let start = if bytes[6] == 1 { 10 } else { 12 };
    let hbytes = bytes.get(start..end).ok_or_else(|| {
        bad(format!(
            "truncated: the header claims {} bytes, the file has {}",
            end - start,
            bytes.len().saturating_sub(start)
        ))
    })?;
    let text: String = if bytes[6] == 3 {
        std::str::from_utf8(hbytes)
            .map_err(|_| bad("header is not UTF-8".into()))?
            .to_string()
    } else {
        hbytes.iter().map(|&b| char::from(b)).collect()
    };
    let header = parse_header(&text).map_err(bad)?;
    let n = header
        .dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .and_then(|n| n.checked_mul(header.kind.size()).map(|b| (n, b)));
    let (n, nbytes) = n.ok_or_else(|| bad(format!("shape {:?} overflows", header.dims)))?;
    Ok(Prelude {
        header,
        data_start: end,
        nbytes,
        n,
    })
}

/// Parse the bytes of a `.npy` file; `source` names it in error messages.
///
/// The shape's element count and byte size are computed with checked arithmetic and compared
/// with the bytes present, and the f64 copy is checked against the memory budget, before any
/// buffer is allocated; no input panics.
pub fn parse_npy(bytes: &[u8], source: &str) -> Result<NpyArray> {
    let bad = |msg: String| Error::Params(format!("{source}: {msg}"));
    let Prelude {
        header: h,
        data_start,
        nbytes,
        n,
    } = parse_prelude(bytes, source)?;
    let payload = &bytes[data_start..];
    if payload.len() < nbytes {
        return Err(bad(format!(
            "truncated: shape {:?} needs {nbytes} data bytes, the file has {}",
            h.dims,
            payload.len()
        )));
    }
    if payload.len() > nbytes {
        return Err(bad(format!(
            "{} unexpected bytes after the data of shape {:?} (corrupted file?)",
            payload.len() - nbytes,
            h.dims
        )));
    }
    // f64 values (and a second copy to reorder Fortran data); n ≤ payload bytes here.
    let copies: u128 = if h.fortran { 2 } else { 1 };
    reserve(
        &format!("{source}: array of shape {:?} as f64", h.dims),
        (n as u128) * 8 * copies,
    )?;
    let raw = decode(h.kind, h.big_endian, payload);
    debug_assert_eq!(raw.len(), n);
    let data = if h.fortran {
        fortran_to_c(&h.dims, &raw)
    } else {
        raw
    };
    Ok(NpyArray { dims: h.dims, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_literal_variants() {
        let h = parse_header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }   \n")
            .unwrap();
        assert_eq!(h.dims, vec![3, 4]);
        assert!(!h.fortran && !h.big_endian && h.kind == Float::F64);
        let h = parse_header("{\"shape\": (5L,), \"fortran_order\": True, \"descr\": \">f4\"}")
            .unwrap();
        assert_eq!(h.dims, vec![5]);
        assert!(h.fortran && h.big_endian && h.kind == Float::F32);
        assert_eq!(
            parse_header("{'descr': '<f2', 'fortran_order': False, 'shape': ()}")
                .unwrap()
                .dims,
            Vec::<usize>::new()
        );
        for bad in [
            "{'descr': '<i8', 'fortran_order': False, 'shape': (3,)}",
            "{'descr': '|b1', 'fortran_order': False, 'shape': (3,)}",
            "{'descr': '<f16', 'fortran_order': False, 'shape': (3,)}",
            "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3,)}",
            "{'descr': '<f8', 'shape': (3,)}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'x': 1}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,",
            "((((((((((((((((((((",
            "",
        ] {
            assert!(parse_header(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fortran_reorder_2d_and_3d() {
        // 2×3 matrix [[1,2,3],[4,5,6]] in column-major order.
        assert_eq!(
            fortran_to_c(&[2, 3], &[1., 4., 2., 5., 3., 6.]),
            vec![1., 2., 3., 4., 5., 6.]
        );
        // 2×2×2: element (i,j,k) = 100i + 10j + k.
        let dims = [2, 2, 2];
        let mut f = vec![0.0; 8];
        for i in 0..2 {
            for j in 0..2 {
                for k in 0..2 {
                    f[i + 2 * j + 4 * k] = (100 * i + 10 * j + k) as f64;
                }
            }
        }
        assert_eq!(
            fortran_to_c(&dims, &f),
            vec![0., 1., 10., 11., 100., 101., 110., 111.]
        );
    }
}
