#![no_main]
//! Fuzz target (cargo-fuzz): see fuzz/README.md.
use implicit_bias_fuzz::budget;
use libfuzzer_sys::fuzz_target;

use std::path::PathBuf;

// Gzip-compressed IDX files through the real file path: the input is split like the `idx`
// target's, written as images.gz / labels.gz, and read with `data::load_idx` (header-first,
// bounded inflation); also `data::gunzip_bounded` on the whole input.
fuzz_target!(|data: &[u8]| {
    budget();
    let _ = implicit_bias::data::gunzip_bounded(data, "fuzz.gz", 1 << 20);
    let Some((&b, rest)) = data.split_first() else { return };
    let cut = rest.len() * b as usize / 255;
    let (images, labels) = rest.split_at(cut);
    let dir = std::env::temp_dir().join(format!("ib-fuzz-idx-gz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (ip, lp): (PathBuf, PathBuf) = (dir.join("images.gz"), dir.join("labels.gz"));
    std::fs::write(&ip, images).expect("write images");
    std::fs::write(&lp, labels).expect("write labels");
    let _ = implicit_bias::data::load_idx(&ip, &lp, false);
});
