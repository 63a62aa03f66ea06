#![no_main]
//! Fuzz target (cargo-fuzz): see fuzz/README.md. Parameter files (Npz), through
//! `implicit_bias_fuzz::params`.
use implicit_bias::params_io::ParamsFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| implicit_bias_fuzz::params(data, ParamsFormat::Npz));
