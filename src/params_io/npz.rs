//! NumPy `.npz` reader: a zip archive (stored or deflate-compressed, as written by
//! `numpy.savez` / `numpy.savez_compressed`) of `.npy` members; member `W.npy` becomes the
//! tensor `W` (`0.weight.npy` → `0.weight`).
//!
//! Members not ending in `.npy` and duplicate member names are errors. (The `zip` crate
//! indexes members by name and would silently keep only one of two members with the same
//! name, so the central directory is scanned for duplicates here.)
//!
//! **Bounded inflation.** Nothing in an archive is trusted before it is checked: for each
//! member, the declared uncompressed size (with the sizes of the members before it) must fit
//! the memory budget ([`crate::resources::reserve`]); then only the member's `.npy` header is
//! inflated, the data size it announces is computed with checked arithmetic and must equal
//! the declared size; and the data are inflated at most one byte past that size, so a member
//! that inflates to more than it declares (a "zip bomb") is an error after reading the
//! declared size.

use super::npy::{header_end, parse_npy, parse_prelude};
use super::RawParams;
use crate::error::{Error, Result};
use crate::resources::reserve;
use std::collections::{BTreeMap, HashSet};
use std::io::Read;

/// Parse the bytes of a `.npz` archive into named tensors (member `name.npy` → `name`);
/// `source` names it in error messages. No input panics, and no member is inflated beyond
/// its declared size (see the module docs).
pub fn parse_npz(bytes: &[u8], source: &str) -> Result<RawParams> {
    let bad = |msg: String| Error::Params(format!("{source}: {msg}"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| bad(format!("not a valid .npz (zip) archive: {e}")))?;
    if let Some(dup) = duplicate_name(bytes, zip.central_directory_start()) {
        return Err(bad(format!(
            "archive member `{dup}` appears twice (each tensor must be stored once)"
        )));
    }
    let mut out = BTreeMap::new();
    let mut declared_total: u128 = 0;
    for i in 0..zip.len() {
        let mut member = zip
            .by_index(i)
            .map_err(|e| bad(format!("cannot read archive member {i}: {e}")))?;
        if member.is_dir() {
            continue;
        }
        let mname = member.name().to_string();
        let name = mname
            .strip_suffix(".npy")
            .ok_or_else(|| {
                bad(format!(
                    "archive member `{mname}` is not a .npy array (an .npz holds `<name>.npy` members)"
                ))
            })?
            .to_string();
        let declared = member.size();
        declared_total += u128::from(declared);
        // The inflated bytes of this and the previous members, and as much again for their
        // f64 values (exact for f8 data; `parse_npy` checks each array's f64 size exactly).
        reserve(
            &format!("{source}: inflating member `{mname}` (declared {declared} bytes)"),
            declared_total.saturating_mul(2),
        )?;
        let label = format!("{source}[{mname}]");
        let buf = read_member(&mut member, declared, &label)?;
        let arr = parse_npy(&buf, &label)?;
        if out.insert(name.clone(), (arr.dims, arr.data)).is_some() {
            return Err(bad(format!("tensor `{name}` appears twice")));
        }
    }
    if out.is_empty() {
        return Err(bad("the archive holds no arrays".into()));
    }
    Ok(RawParams::Blocks(out))
}

/// Inflate one member of `declared` bytes: its `.npy` header first, then exactly the data it
/// announces (plus one byte, to detect a member longer than declared).
fn read_member(member: &mut impl Read, declared: u64, label: &str) -> Result<Vec<u8>> {
    let bad = |msg: String| Error::Params(format!("{label}: {msg}"));
    let mut buf = Vec::new();
    let mut read_more = |buf: &mut Vec<u8>, n: u64| {
        (&mut *member)
            .take(n)
            .read_to_end(buf)
            .map_err(|e| bad(format!("archive member is corrupted: {e}")))
    };
    // Magic, version and header length: 12 bytes (10 suffice for version 1.0).
    read_more(&mut buf, declared.min(12))?;
    if buf.len() < 10 {
        return Ok(buf); // parse_npy reports what is wrong
    }
    let end = header_end(&buf, label)?;
    if end as u64 > declared {
        return Err(bad(format!(
            "the .npy header claims {end} bytes, more than the member's declared size of \
             {declared} bytes"
        )));
    }
    let have = buf.len() as u64;
    read_more(&mut buf, (end as u64).saturating_sub(have))?;
    if buf.len() < end {
        return Ok(buf); // truncated header: parse_npy says so
    }
    let prelude = parse_prelude(&buf, label)?;
    let total = prelude.data_start.checked_add(prelude.nbytes);
    if total.map(|t| t as u64) != Some(declared) {
        return Err(bad(format!(
            "the archive declares {declared} bytes for this member, but its .npy header \
             announces {} (header {} + data {}): corrupted archive",
            total.map_or("more than 2^64".to_string(), |t| t.to_string()),
            prelude.data_start,
            prelude.nbytes
        )));
    }
    let have = buf.len() as u64;
    read_more(&mut buf, (declared - have).saturating_add(1))?;
    if buf.len() as u64 > declared {
        return Err(bad(format!(
            "the member inflates to more than its declared {declared} bytes (corrupted \
             archive or zip bomb; inflation stopped there)"
        )));
    }
    Ok(buf)
}

/// The first member name that occurs twice in the central directory starting at byte
/// `start` of `bytes`, if any (the central directory is read as far as it is well-formed).
fn duplicate_name(bytes: &[u8], start: u64) -> Option<String> {
    const SIGNATURE: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];
    let u16_at = |p: usize| -> Option<usize> {
        let b = bytes.get(p..p.checked_add(2)?)?;
        Some(usize::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let mut seen = HashSet::new();
    let mut p = usize::try_from(start).ok()?;
    while bytes.get(p..p.checked_add(4)?) == Some(&SIGNATURE[..]) {
        let (name_len, extra_len, comment_len) =
            (u16_at(p + 28)?, u16_at(p + 30)?, u16_at(p + 32)?);
        let name_start = p.checked_add(46)?;
        let name = bytes.get(name_start..name_start.checked_add(name_len)?)?;
        if !seen.insert(name) {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        p = name_start
            .checked_add(name_len)?
            .checked_add(extra_len)?
            .checked_add(comment_len)?;
    }
    None
}
