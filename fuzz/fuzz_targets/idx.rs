#![no_main]
//! Fuzz target (cargo-fuzz): see fuzz/README.md.
use implicit_bias_fuzz::budget;
use libfuzzer_sys::fuzz_target;

// IDX (MNIST) images + labels: `data::parse_idx` on decompressed bytes. The first input byte
// b splits the rest: images = the first ⌊len·b/255⌋ bytes, labels = the remainder.
fuzz_target!(|data: &[u8]| {
    budget();
    let Some((&b, rest)) = data.split_first() else { return };
    let cut = rest.len() * b as usize / 255;
    let (images, labels) = rest.split_at(cut);
    let _ = implicit_bias::data::parse_idx(images, labels, "images", "labels", b % 2 == 0);
});
