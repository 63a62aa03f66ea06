//! Regression tests of the reliability issue's reader items: the CSV header rule, byte-order
//! marks, duplicate `.npz` members (this file); bounded reads and checked sizes
//! (`readers/bounded.rs`); FIFOs, devices, directories, missing paths and exit statuses
//! (`readers/special_files.rs`); random bytes and mutated fixtures never panicking
//! (`readers/never_panic.rs`).

#[path = "readers/bounded.rs"]
mod bounded;
mod common;
use common::zip_of;
#[path = "readers/never_panic.rs"]
mod never_panic;
#[path = "readers/special_files.rs"]
mod special_files;

use implicit_bias::data::{load_csv, load_json, parse_csv, parse_json};
use implicit_bias::error::Error;
use implicit_bias::params_io::{
    load_params_file, parse_npz, parse_params_bytes, ParamsFormat, RawParams,
};
use std::path::Path;

/// The message of an `Error::Data`, or a panic naming what came instead.
pub fn data_msg<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Data(m)) => m,
        other => panic!("expected Error::Data, got {other:?}"),
    }
}

/// A `.npy` file holding the f64 vector `data` (version 1.0, little-endian, C order).
pub fn npy_f64(data: &[f64]) -> Vec<u8> {
    let mut header = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({},), }}",
        data.len()
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    for v in data {
        out.extend(v.to_le_bytes());
    }
    out
}

/// Replace every occurrence of `from` by `to` (same length) in `bytes`.
pub fn replace_all(bytes: &mut [u8], from: &[u8], to: &[u8]) -> usize {
    assert_eq!(from.len(), to.len());
    let mut n = 0;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            n += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    n
}

// ---------------------------------------------------------------- item 1: the header rule

/// `pos,0.5,0.2` used to be taken as a header and the row silently dropped. A first line
/// with a numeric field is data: a bad label there is an error naming line 1 and field 1.
#[test]
fn csv_first_line_with_numeric_fields_is_data() {
    let msg = data_msg(parse_csv("pos,0.5,0.2\n1,1,2\n-1,3,4\n", "d.csv"));
    assert!(
        msg.contains(
            "d.csv: line 1, field 1 (label): expected +1 or -1 (binary) or a class index 0, 1, 2, … (multiclass), got `pos`"
        ),
        "{msg}"
    );
    assert!(msg.contains("not a header"), "{msg}");
    // After comments and blank lines the first remaining line is the candidate: line 3.
    let msg = data_msg(parse_csv("# c\n\nneg,1,2\n1,1,2\n", "d.csv"));
    assert!(msg.contains("line 3, field 1 (label)"), "{msg}");
    // One numeric field anywhere is enough to make the line data.
    let msg = data_msg(parse_csv("label,0.5,x2\n1,1,2\n", "d.csv"));
    assert!(msg.contains("line 1, field 1 (label)"), "{msg}");
    let msg = data_msg(parse_csv("1,x1,x2\n1,1,2\n", "d.csv"));
    assert!(
        msg.contains("line 1, field 2: `x1` is not a finite number"),
        "{msg}"
    );
}

/// A header is a first line none of whose fields is a number; it is skipped, and every
/// other row is kept (the data keep all their rows).
#[test]
fn csv_header_has_no_numeric_field() {
    let with = parse_csv("label,x1,x2\n1,0.5,0.2\n-1,0.1,0.3\n", "d.csv").unwrap();
    let without = parse_csv("1,0.5,0.2\n-1,0.1,0.3\n", "d.csv").unwrap();
    assert_eq!(with, without);
    assert_eq!(with.m(), 2);
    // Empty header fields are not numbers either.
    let d = parse_csv(" y , , feature \n1,0.5,0.2\n", "d.csv").unwrap();
    assert_eq!((d.m(), d.d()), (1, 2));
    // Only the first line can be a header.
    let msg = data_msg(parse_csv("label,a,b\n1,2,3\nlabel,a,b\n", "d.csv"));
    assert!(msg.contains("line 3, field 1 (label)"), "{msg}");
}

// ---------------------------------------------------------------- item 5: BOMs, duplicates

const BOM: &str = "\u{feff}";

/// CSV accepted a byte-order mark but JSON data and JSON parameter files rejected one: a
/// BOM is now accepted wherever text is read, from bytes, text and files.
#[test]
fn a_byte_order_mark_is_accepted_in_every_text_format() {
    let dir = tempfile::tempdir().unwrap();
    let json = r#"{"x": [[1, 2], [3, 4]], "y": [1, -1]}"#;
    let plain = parse_json(json, "d.json").unwrap();
    assert_eq!(
        parse_json(&format!("{BOM}{json}"), "d.json").unwrap(),
        plain
    );
    let path = common::write(dir.path(), "d.json", &format!("{BOM}{json}"));
    assert_eq!(load_json(&path).unwrap(), plain);

    let csv = common::write(
        dir.path(),
        "d.csv",
        &format!("{BOM}label,a,b\n1,1,2\n-1,3,4\n"),
    );
    assert_eq!(load_csv(&csv).unwrap(), plain);

    let params = format!("{BOM}{{\"theta\": [1.5, -2]}}");
    let expect = RawParams::Flat(vec![1.5, -2.0]);
    assert_eq!(
        parse_params_bytes(params.as_bytes(), ParamsFormat::Json, "t.json").unwrap(),
        expect
    );
    let path = common::write(dir.path(), "t.json", &params);
    assert_eq!(load_params_file(&path).unwrap(), expect);

    let w = common::write(dir.path(), "w.txt", &format!("{BOM}1, 2 3"));
    assert_eq!(
        implicit_bias::params_io::load_weights(&w).unwrap(),
        vec![1.0, 2.0, 3.0]
    );
}

/// Non-UTF-8 text is an `Error::Data` naming the source and the offset of the first bad byte.
#[test]
fn non_utf8_text_names_the_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.csv");
    std::fs::write(&path, b"label,caf\xe9\n1,2,3\n").unwrap();
    let msg = data_msg(load_csv(&path));
    assert!(msg.contains("latin1.csv"), "{msg}");
    assert!(msg.contains("byte 0xe9 at offset 9"), "{msg}");
    let msg = data_msg(parse_params_bytes(
        b"{\"theta\": [1]}\xff",
        ParamsFormat::Json,
        "t.json",
    ));
    assert!(msg.contains("t.json") && msg.contains("offset 14"), "{msg}");
}

/// The docs said duplicate `.npz` members are an error, but the `zip` crate's index keeps
/// one of them silently. Both the stored and the deflated archive are refused, naming it.
#[test]
fn npz_with_duplicate_member_names_is_an_error() {
    for deflate in [false, true] {
        let a = npy_f64(&[1.0, 2.0]);
        let b = npy_f64(&[3.0, 4.0]);
        let mut zip = zip_of(&[("W.npy", &a), ("X.npy", &b)], deflate);
        // Rename X.npy to W.npy in the local and the central headers.
        assert_eq!(replace_all(&mut zip, b"X.npy", b"W.npy"), 2);
        let err = parse_npz(&zip, "dup.npz").unwrap_err().to_string();
        assert!(
            err.contains("dup.npz") && err.contains("`W.npy` appears twice"),
            "{err}"
        );
    }
    // Distinct names still load.
    let zip = zip_of(
        &[("W.npy", &npy_f64(&[1.0])), ("u.npy", &npy_f64(&[2.0]))],
        true,
    );
    match parse_npz(&zip, "ok.npz").unwrap() {
        RawParams::Blocks(b) => assert_eq!(b.len(), 2),
        other => panic!("{other:?}"),
    }
}

/// `Path` helper used by the submodules: the crate's fixture directory.
pub fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
}
