#![no_main]
//! Fuzz target (cargo-fuzz): see fuzz/README.md. The memory budget is set to 32 MiB so a
//! declared size that the crate accepts can never make libFuzzer report an out-of-memory.
use libfuzzer_sys::fuzz_target;

fn budget() {
    implicit_bias::resources::set_memory_limit(Some(32 << 20));
}

// The checker's settings (`[check].config` in a TOML file): deserialised and validated.
fuzz_target!(|data: &[u8]| {
    budget();
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(cfg) = toml::from_str::<implicit_bias::kkt::CheckConfig>(text) {
            let _ = cfg.validate();
        }
    }
});
