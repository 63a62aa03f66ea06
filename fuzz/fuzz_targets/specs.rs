#![no_main]
//! Fuzz target (cargo-fuzz): see fuzz/README.md.
use libfuzzer_sys::fuzz_target;

use implicit_bias::models::{Activation, ModelSpec};
use implicit_bias::norms::{BlockNormKind, NormSpec};
use implicit_bias::optim::OptimizerConfig;

// Every spec-string parser, one input line each: model, norm, optimizer, activation, block
// norm, max-margin norm, loss, memory size, params name map. A model that parses is built
// for d = 3 (layout sizes hit the memory guard), every parsed norm is resolved and built on
// its layout, and every optimizer is built and initialised on it. Norms and optimizers are
// only tried on layouts of at most 1000 blocks, to keep thousands of executions per second
// (the O(blocks²) lookups this target once found are covered by tests/norms.rs).
fuzz_target!(|data: &[u8]| {
    let Some(text) = implicit_bias_fuzz::text(data) else { return };
    let mut model = None;
    for line in text.lines() {
        let _ = Activation::parse(line);
        let _ = BlockNormKind::parse(line);
        let _ = implicit_bias::maxmargin::MaxMarginNorm::parse(line);
        let _ = implicit_bias::loss::Loss::parse(line);
        let _ = implicit_bias::resources::parse_size(line);
        let _ = implicit_bias::params_io::parse_map(line);
        if let Ok(spec) = ModelSpec::parse(line) {
            if let Ok(m) = spec.build(3, None) {
                model = (m.layout().blocks().len() <= 1000).then_some(m);
            }
        }
        if let Some(m) = &model {
            let layout = m.layout();
            if let Ok(norm) = NormSpec::parse(line) {
                let _ = norm.resolve(layout);
                let _ = norm.build(layout);
            }
            if let Ok(opt) = OptimizerConfig::parse_name(line) {
                if let Ok(o) = opt.build() {
                    let _ = o.init(layout);
                }
            }
        }
    }
});
