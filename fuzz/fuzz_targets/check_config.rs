#![no_main]
//! Fuzz target (cargo-fuzz): see fuzz/README.md.
use libfuzzer_sys::fuzz_target;

// The checker's settings (`[check].config` in a TOML file): deserialised and validated.
fuzz_target!(|data: &[u8]| {
    let Some(text) = implicit_bias_fuzz::text(data) else { return };
    if let Ok(cfg) = toml::from_str::<implicit_bias::kkt::CheckConfig>(text) {
        let _ = cfg.validate();
    }
});
