#![no_main]
//! Fuzz target (cargo-fuzz): see fuzz/README.md. The memory budget is set to 32 MiB so a
//! declared size that the crate accepts can never make libFuzzer report an out-of-memory.
use libfuzzer_sys::fuzz_target;

fn budget() {
    implicit_bias::resources::set_memory_limit(Some(32 << 20));
}

use implicit_bias::models::ModelSpec;
use implicit_bias::params_io::{model_and_theta, parse_params_bytes, ParamsFormat};

// Parameter files (Json): `params_io::parse_params_bytes`, then the tensors are laid out as θ
// of a linear and a two-layer model (`params_io::model_and_theta`), as `check` does.
fuzz_target!(|data: &[u8]| {
    budget();
    if let Ok(raw) = parse_params_bytes(data, ParamsFormat::Json, "fuzz") {
        for spec in ["linear", "two_layer:relu:k=2"] {
            let spec = ModelSpec::parse(spec).expect("a built-in spec parses");
            let _ = model_and_theta(&spec, 3, &raw);
        }
    }
});
