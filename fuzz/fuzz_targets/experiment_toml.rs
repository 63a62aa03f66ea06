#![no_main]
//! Fuzz target (cargo-fuzz): see fuzz/README.md.
use libfuzzer_sys::fuzz_target;

use implicit_bias::data::Dataset;
use implicit_bias::experiment::{preflight, ExperimentConfig};

// Experiment configs (`run`): `ExperimentConfig::parse` (TOML + validation), then the
// preflight `run` does before writing anything (every model, norm and optimizer is built
// and the memory estimate checked) on a fixed 2×3 dataset, so huge specs reach the guards.
fuzz_target!(|data: &[u8]| {
    let Some(text) = implicit_bias_fuzz::text(data) else { return };
    let Ok(cfg) = ExperimentConfig::parse(text) else { return };
    let rows = vec![vec![1.0, 0.5, -0.25], vec![-0.5, -1.0, 0.75]];
    let toy = Dataset::from_rows(&rows, vec![1.0, -1.0]).expect("a valid toy dataset");
    let _ = preflight(&cfg, &toy, None, 1);
});
