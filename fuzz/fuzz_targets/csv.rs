#![no_main]
//! Fuzz target (cargo-fuzz): see fuzz/README.md.
use libfuzzer_sys::fuzz_target;

// CSV datasets: `data::parse_csv` on the text the file reader would decode (UTF-8, BOM
// stripped).
fuzz_target!(|data: &[u8]| {
    let Some(text) = implicit_bias_fuzz::text(data) else { return };
    let _ = implicit_bias::data::parse_csv(text, "fuzz.csv");
});
