//! Helpers shared by the integration tests (`tests/cli.rs`, `tests/cli_report.rs`, `tests/data.rs`, `tests/data_multiclass.rs`,
//! `tests/params_external.rs`, `tests/readers.rs`, `tests/reliability.rs`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A `Command` for the crate's binary, as built by cargo for this test run.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_implicit-bias"))
}

/// Write `text` to `dir/name` and return the path (panics on I/O failure: test helper).
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Assert that the command succeeded (showing its stderr otherwise) and parse its stdout as
/// JSON.
pub fn json_ok(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A zip archive of `members` (stored or deflated), written by the `zip` crate.
pub fn zip_of<B: AsRef<[u8]>>(members: &[(&str, B)], deflate: bool) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let method = if deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let opts = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, bytes) in members {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes.as_ref()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// XOR labels on the four corners (±1, ±1): y = x₁x₂, not linearly separable (any
/// Σ λ_i y_i x_i with equal weights is 0).
pub fn xor_data() -> implicit_bias::data::Dataset {
    let rows = vec![
        vec![1.0, 1.0],
        vec![-1.0, -1.0],
        vec![1.0, -1.0],
        vec![-1.0, 1.0],
    ];
    implicit_bias::data::Dataset::from_rows(&rows, vec![1.0, 1.0, -1.0, -1.0]).unwrap()
}

/// An IDX3 image file (n × rows × cols, magic 0x0803, big-endian sizes) around `pixels`.
pub fn idx_images(n: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    for k in [0x0803, n, rows, cols] {
        v.extend_from_slice(&k.to_be_bytes());
    }
    v.extend_from_slice(pixels);
    v
}

/// An IDX1 label file (magic 0x0801) around `labels`.
pub fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    for k in [0x0801, labels.len() as u32] {
        v.extend_from_slice(&k.to_be_bytes());
    }
    v.extend_from_slice(labels);
    v
}
