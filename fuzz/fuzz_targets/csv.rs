#![no_main]
//! Fuzz target (cargo-fuzz): see fuzz/README.md. The memory budget is set to 32 MiB so a
//! declared size that the crate accepts can never make libFuzzer report an out-of-memory.
use libfuzzer_sys::fuzz_target;

fn budget() {
    implicit_bias::resources::set_memory_limit(Some(32 << 20));
}

// CSV datasets: `data::loaders::parse_csv` (UTF-8 text; non-UTF-8 is refused earlier, by the
// file reader).
fuzz_target!(|data: &[u8]| {
    budget();
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = implicit_bias::data::parse_csv(text, "fuzz.csv");
    }
});
