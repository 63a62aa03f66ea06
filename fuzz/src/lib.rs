//! What every fuzz target shares (see README.md).

/// Set the crate's memory budget to 32 MiB, so a declared size the crate accepts can never
/// make libFuzzer report an out-of-memory (sizes above it must be refused by the guards).
pub fn budget() {
    implicit_bias::resources::set_memory_limit(Some(32 << 20));
}

/// Set the budget, then decode `data` as the file reader does (UTF-8, optional BOM):
/// `None` for bytes the reader would refuse before any parser sees them.
pub fn text(data: &[u8]) -> Option<&str> {
    budget();
    implicit_bias::read_file::decode_text(data, "fuzz").ok()
}

/// A parameter file of `format`: `params_io::parse_params_bytes`, then its tensors laid out
/// as θ of a linear and a two-layer model (`params_io::model_and_theta`), as `check` does.
pub fn params(data: &[u8], format: implicit_bias::params_io::ParamsFormat) {
    use implicit_bias::models::ModelSpec;
    use implicit_bias::params_io::{model_and_theta, parse_params_bytes};
    budget();
    if let Ok(raw) = parse_params_bytes(data, format, "fuzz") {
        for spec in ["linear", "two_layer:relu:k=2"] {
            let spec = ModelSpec::parse(spec).expect("a built-in spec parses");
            let _ = model_and_theta(&spec, 3, &raw);
        }
    }
}
