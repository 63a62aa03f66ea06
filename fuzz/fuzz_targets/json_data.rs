#![no_main]
//! Fuzz target (cargo-fuzz): see fuzz/README.md.
use libfuzzer_sys::fuzz_target;

// JSON datasets: `data::loaders::parse_json`.
fuzz_target!(|data: &[u8]| {
    let Some(text) = implicit_bias_fuzz::text(data) else { return };
    let _ = implicit_bias::data::parse_json(text, "fuzz.json");
});
