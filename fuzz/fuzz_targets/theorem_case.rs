#![no_main]
//! Fuzz target (cargo-fuzz): see fuzz/README.md.
use libfuzzer_sys::fuzz_target;

// Theorem cases (`theorem`): `theorem_case::TheoremCase::parse` (TOML + validation; data
// paths are only resolved against the base, never read here).
fuzz_target!(|data: &[u8]| {
    let Some(text) = implicit_bias_fuzz::text(data) else { return };
    let base = std::path::Path::new("/nonexistent-fuzz-base");
    let _ = implicit_bias::theorem_case::TheoremCase::parse(text, "fuzz", base);
});
