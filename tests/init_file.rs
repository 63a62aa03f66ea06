//! `[model] init = { type = "file", path = … }`: a run starts from given parameters — any
//! format `check --params` reads, including a `runs/*.json` record of an earlier run — and
//! `check --params` reads a run record directly.
//!
//! The continuation test is exact: plain GD with a constant step is a function of θ alone
//! (no optimizer state, no step-dependent schedule), so 10 steps from the record of a
//! 10-step run must end bit-identical to one 20-step run from the same seed.

mod common;
use common::{bin, write};
use std::path::Path;

fn config(init: &str, steps: u64) -> String {
    format!(
        r#"
[data]
generator = {{ type = "linear_teacher", m = 30, d = 6, seed = 3 }}
[model]
spec = "two_layer:relu_pow:2:k=5"
init = {init}
[train]
max_steps = {steps}
seeds = [0]
norms = ["l2"]
[[runs]]
label = "gd"
optimizer = {{ type = "gd" }}
schedule = {{ type = "constant", eta0 = 0.05 }}
"#
    )
}

fn run(cfg: &Path, out: &Path) -> std::process::Output {
    let o = bin()
        .arg("run")
        .arg(cfg)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    o
}

fn theta(record: &Path) -> Vec<f64> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(record).unwrap()).unwrap();
    v["theta"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn a_run_continues_bit_identically_from_its_record() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let kaiming = r#"{ type = "kaiming_normal", scale = 0.5 }"#;
    let cfg10 = write(d, "a.toml", &config(kaiming, 10));
    let cfg20 = write(d, "b.toml", &config(kaiming, 20));
    assert!(run(&cfg10, &d.join("a")).status.success());
    assert!(run(&cfg20, &d.join("b")).status.success());
    // Relative to the config file's directory.
    let cfg_cont = write(
        d,
        "c.toml",
        &config(r#"{ type = "file", path = "a/runs/gd-0.json" }"#, 10),
    );
    let o = run(&cfg_cont, &d.join("c"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t10 = theta(&d.join("a/runs/gd-0.json"));
    let t20 = theta(&d.join("b/runs/gd-0.json"));
    let cont = theta(&d.join("c/runs/gd-0.json"));
    assert_ne!(t10, t20, "the runs move");
    assert_eq!(cont, t20, "10 + 10 steps from the record = 20 steps");

    // The same θ as a flat JSON file gives the same start.
    let flat = serde_json::json!({ "theta": t10 }).to_string();
    write(d, "t10.json", &flat);
    let cfg_flat = write(
        d,
        "f.toml",
        &config(r#"{ type = "file", path = "t10.json" }"#, 10),
    );
    assert!(run(&cfg_flat, &d.join("f")).status.success());
    assert_eq!(theta(&d.join("f/runs/gd-0.json")), t20);
}

#[test]
fn check_reads_a_run_record_as_params() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = r#"
[data]
generator = { type = "linear_teacher", m = 30, d = 6, seed = 3 }
[model]
spec = "linear"
[train]
max_steps = 3000
seeds = [0]
norms = ["l2"]
[[runs]]
label = "ngd"
optimizer = { type = "ngd" }
schedule = { type = "constant", eta0 = 0.1 }
"#;
    let cfg = write(d, "cfg.toml", cfg);
    assert!(run(&cfg, &d.join("out")).status.success());
    let record = d.join("out/runs/ngd-0.json");
    // The run's data (same generator and seed) as a CSV for `check`.
    let data = implicit_bias::data::generators::linear_teacher(30, 6, None, 3).unwrap();
    implicit_bias::data::save_csv(d.join("data.csv"), &data).unwrap();
    let flat = serde_json::json!({ "theta": theta(&record) }).to_string();
    write(d, "flat.json", &flat);
    let check = |params: &Path| {
        let o = bin()
            .arg("check")
            .arg("--data")
            .arg(d.join("data.csv"))
            .args(["--model", "linear", "--norm", "l2", "--json", "--params"])
            .arg(params)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let c = &v[0];
        // Everything but the timings.
        (
            c["margin"].clone(),
            c["kappa"].clone(),
            c["kappa_lower_bound"].clone(),
            c["lambda"].clone(),
            c["verdict"].clone(),
        )
    };
    let from_record = check(&record);
    assert!(from_record.0.as_f64().unwrap() > 0.0);
    assert_eq!(from_record, check(&d.join("flat.json")));
    // Each record's θ is also written as .safetensors (F64, one tensor per block).
    assert_eq!(from_record, check(&d.join("out/runs/ngd-0.safetensors")));
    // No temporary file is left behind.
    let tmp: Vec<_> = std::fs::read_dir(d.join("out/runs"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(tmp.is_empty(), "{tmp:?}");
}

#[test]
fn bad_init_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Missing file.
    let cfg = write(
        d,
        "missing.toml",
        &config(r#"{ type = "file", path = "nope.json" }"#, 5),
    );
    let o = run(&cfg, &d.join("o1"));
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("nope.json"));
    // A θ of the wrong length names both sizes.
    write(d, "short.json", r#"{"theta": [1.0, 2.0]}"#);
    let cfg = write(
        d,
        "short.toml",
        &config(r#"{ type = "file", path = "short.json" }"#, 5),
    );
    let o = run(&cfg, &d.join("o2"));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("init = file") && err.contains("2 values"),
        "{err}"
    );
    // A record of another model is refused, naming the block.
    let lin = r#"
[data]
generator = { type = "linear_teacher", m = 30, d = 6, seed = 3 }
[model]
spec = "linear"
[train]
max_steps = 5
seeds = [0]
norms = ["l2"]
[[runs]]
label = "gd"
optimizer = { type = "gd" }
schedule = { type = "constant", eta0 = 0.05 }
"#;
    let lin = write(d, "lin.toml", lin);
    assert!(run(&lin, &d.join("lin")).status.success());
    let cfg = write(
        d,
        "other.toml",
        &config(r#"{ type = "file", path = "lin/runs/gd-0.json" }"#, 5),
    );
    let o = run(&cfg, &d.join("o3"));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("theta"), "{err}");
    // An empty path.
    let cfg = write(
        d,
        "empty.toml",
        &config(r#"{ type = "file", path = "" }"#, 5),
    );
    let o = run(&cfg, &d.join("o4"));
    assert_eq!(o.status.code(), Some(2));
}

/// A theorem case takes `init = file` too, relative to the case file's directory.
#[test]
fn a_theorem_case_starts_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let theta0: Vec<f64> = (0..6).map(|j| 0.1 * (j as f64 + 1.0)).collect();
    write(
        d,
        "theta0.json",
        &serde_json::json!({ "theta": theta0 }).to_string(),
    );
    let text = r#"
suite = "extra"
theorem = "init from a file"
theorem_id = "M3.2"
[data]
generator = { type = "linear_teacher", m = 20, d = 6, seed = 1 }
[model]
spec = "linear"
init = { type = "file", path = "theta0.json" }
[train]
max_steps = 10
[optimizer]
type = "ngd"
[schedule]
type = "constant"
eta0 = 0.1
[check]
norms = ["l2"]
"#;
    let case = implicit_bias::theorem_case::TheoremCase::parse(text, "init_file", d).unwrap();
    let setup = case.setup().unwrap();
    assert_eq!(setup.theta0, theta0);
}
