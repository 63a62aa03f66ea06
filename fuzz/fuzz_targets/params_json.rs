#![no_main]
//! Fuzz target (cargo-fuzz): see fuzz/README.md.
use implicit_bias_fuzz::budget;
use libfuzzer_sys::fuzz_target;

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
