//! Regression tests of the reliability issue: absurd sizes are clear errors (never a panic or
//! an abort), every record `run` writes is readable by `report` and `compare`, configs are
//! validated before anything is written, the checker certifies θ of any scale, and bad input
//! exits with status 2.

mod common;
use common::{bin, write};
use std::path::Path;

/// A small config: linear-teacher data, `model`, one run; `extra` is appended verbatim.
fn config(model: &str, optimizer: &str, eta0: &str, extra: &str) -> String {
    format!(
        r#"
[data]
generator = {{ type = "linear_teacher", m = 30, d = 5, seed = 3 }}
[model]
spec = "{model}"
[train]
target_log_loss = -20
max_steps = 3000
norms = ["l2", "linf"]
{extra}
[[runs]]
label = "r"
optimizer = {{ type = "{optimizer}" }}
schedule = {{ type = "constant", eta0 = {eta0} }}
"#
    )
}

/// Run `implicit-bias run` on `text` into `dir/out`; returns (status, stderr).
fn run(dir: &Path, text: &str, args: &[&str]) -> (i32, String) {
    let cfg = write(dir, "c.toml", text);
    let out = bin()
        .arg("run")
        .arg(&cfg)
        .arg("--out")
        .arg(dir.join("out"))
        .arg("--quiet")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Absurd sizes: exit 2 with the size named, no panic (101) and no abort (134).
#[test]
fn absurd_sizes_are_clear_errors() {
    let cases = [
        (
            config("two_layer:relu:k=18446744073709551615", "ngd", "0.1", ""),
            "more entries than fit",
        ),
        (
            config("two_layer:relu:k=1000000000", "ngd", "0.1", ""),
            "memory",
        ),
        (
            config("linear", "ngd", "0.1", "").replace("m = 30", "m = 1000000000"),
            "memory",
        ),
        (
            config("linear", "ngd", "0.1", "").replace("d = 5", "d = 1000000000"),
            "memory",
        ),
        (
            config(
                "two_layer_frozen:relu:k=18446744073709551615",
                "ngd",
                "0.1",
                "",
            ),
            "cannot be allocated",
        ),
    ];
    for (text, needle) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (code, err) = run(dir.path(), &text, &[]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(needle), "expected `{needle}` in: {err}");
        assert!(
            !dir.path().join("out").exists(),
            "wrote --out before failing"
        );
    }
    // The budget can be set explicitly (and a bad value is bad input).
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = run(
        dir.path(),
        &config("two_layer:relu:k=64", "ngd", "0.1", ""),
        &["--memory-limit", "1K"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("budget"), "{err}");
    let (code, _) = run(
        dir.path(),
        &config("linear", "ngd", "0.1", ""),
        &["--memory-limit", "lots"],
    );
    assert_eq!(code, 2);
}

/// `--jobs 100000` is clamped to the grid (one job here), not 100 000 threads.
#[test]
fn jobs_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = run(
        dir.path(),
        &config("linear", "ngd", "0.5", ""),
        &["--jobs", "100000"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        implicit_bias::experiment::worker_threads(100_000, 12),
        12,
        "clamped to the grid"
    );
    assert!(implicit_bias::experiment::worker_threads(100_000, 10_000) <= 256);
}

/// Every kind of run that ends early or badly writes a record that `report` and `compare`
/// read back: a diverging GD step (η0 = 1e200), an init scale of 1e160 (margins overflow),
/// a dead sample at step 0 (all-zero inputs), a run cut by its time limit.
#[test]
fn every_record_run_writes_is_readable() {
    let zeros_dir = tempfile::tempdir().unwrap();
    let zeros = write(zeros_dir.path(), "zeros.csv", "1,0,0\n-1,0,0\n");
    let dead = config("two_layer:relu:k=4", "ngd", "0.1", "").replace(
        r#"generator = { type = "linear_teacher", m = 30, d = 5, seed = 3 }"#,
        &format!("path = {:?}", zeros.display().to_string()),
    );
    let cases = [
        ("diverged", config("linear", "gd", "1e200", "")),
        (
            "init_1e160",
            config("two_layer:relu:k=4", "gd", "0.1", "").replace(
                "spec = \"two_layer:relu:k=4\"",
                "spec = \"two_layer:relu:k=4\"\ninit = { type = \"kaiming_normal\", scale = 1e160 }",
            ),
        ),
        ("dead_sample", dead),
        (
            "time_limit",
            config("linear", "ngd", "0.1", "time_limit_secs = 1e-9"),
        ),
    ];
    let mut dirs = Vec::new();
    for (name, text) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (code, err) = run(dir.path(), &text, &[]);
        assert_eq!(code, 0, "{name}: {err}");
        let out = dir.path().join("out");
        let rep = bin().arg("report").arg(&out).output().unwrap();
        assert!(
            rep.status.success(),
            "{name}: report failed: {}",
            String::from_utf8_lossy(&rep.stderr)
        );
        let recs = implicit_bias::experiment::read_runs(&out).unwrap();
        assert_eq!(recs.len(), 1, "{name}");
        dirs.push((name, dir));
    }
    // Non-finite values are written as strings, not `null`.
    let text = std::fs::read_dir(dirs[0].1.path().join("out/runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<String>();
    assert!(
        text.contains("\"inf\"") || text.contains("\"NaN\""),
        "diverged record"
    );
    let cmp = bin()
        .arg("compare")
        .arg(dirs[0].1.path().join("out"))
        .arg(dirs[1].1.path().join("out"))
        .output()
        .unwrap();
    assert!(
        cmp.status.success(),
        "{}",
        String::from_utf8_lossy(&cmp.stderr)
    );
}

/// The encoding round-trips every float, and records of earlier versions (`null`) read as NaN.
#[test]
fn json_f64_round_trip() {
    use implicit_bias::json_f64::JsonF64;
    for v in [
        0.0,
        -1.5,
        1e-300,
        f64::MAX,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ] {
        let j = serde_json::to_string(&JsonF64(v)).unwrap();
        let back: JsonF64 = serde_json::from_str(&j).unwrap();
        assert!(back.0 == v || (v.is_nan() && back.0.is_nan()), "{v} → {j}");
    }
    assert!(serde_json::from_str::<JsonF64>("null").unwrap().0.is_nan());
    assert!(serde_json::from_str::<JsonF64>("\"big\"").is_err());
}

/// Configs that used to run 0 steps (or fail after training, or after writing `--out`) are
/// rejected up front with exit status 2, and nothing is written.
#[test]
fn configs_are_validated_before_side_effects() {
    let base = config("two_layer:relu:k=4", "ngd", "0.1", "");
    let cases: Vec<(String, &str)> = vec![
        (
            base.clone() + "[check]\nconfig = { kapa_kkt = 0.5 }\n",
            "kapa_kkt",
        ),
        (
            base.replace("max_steps = 3000", "max_steps = 0"),
            "max_steps",
        ),
        (
            config("linear", "ngd", "0.1", "time_limit_secs = 0"),
            "time_limit_secs",
        ),
        (
            config("linear", "ngd", "0.1", "time_limit_secs = -1"),
            "time_limit_secs",
        ),
        (
            config("linear", "ngd", "0.1", "time_limit_secs = nan"),
            "time_limit_secs",
        ),
        (
            base.replace("target_log_loss = -20", "target_loss = 1e9"),
            "not below",
        ),
        (
            base.replace("target_log_loss = -20", "target_log_loss = nan"),
            "target_log_loss",
        ),
        (
            base.replace("norms = [\"l2\", \"linf\"]", "norms = [\"spectral\"]"),
            "spectral",
        ),
        (
            base.replace("label = \"r\"", "label = \"a\\u0000b\""),
            "label",
        ),
        (
            base.replace("label = \"r\"", &format!("label = \"{}\"", "x".repeat(300))),
            "label",
        ),
        (
            base.replace("label = \"r\"", "label = \".hidden\""),
            "label",
        ),
        (
            base.replace(
                "norms = [\"l2\", \"linf\"]",
                "norms = [\"l2\"]\nseeds = [1, 1]",
            ),
            "seed",
        ),
    ];
    for (text, needle) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (code, err) = run(dir.path(), &text, &[]);
        assert_eq!(code, 2, "{needle}: {err}");
        assert!(err.contains(needle), "expected `{needle}` in: {err}");
        assert!(
            !dir.path().join("out").exists(),
            "{needle}: --out was written before the config was rejected"
        );
    }
}

/// Exit statuses of bad paths: `--out` naming a file, `report` on a directory without
/// `runs/`, a missing config.
#[test]
fn bad_paths_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "a_file", "x");
    let cfg = write(dir.path(), "c.toml", &config("linear", "ngd", "0.5", ""));
    let out = bin()
        .args(["run"])
        .arg(&cfg)
        .arg("--out")
        .arg(&file)
        .arg("--quiet")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = bin().arg("report").arg(&empty).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("runs/"));
    let out = bin()
        .arg("run")
        .arg(dir.path().join("missing.toml"))
        .arg("--out")
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

/// A long spec is echoed truncated, and a 100 000-block layout is described in one line.
#[test]
fn long_specs_and_layouts_give_short_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", "1,0.5,0.2\n-1,-0.3,0.1\n");
    let theta = write(dir.path(), "t.json", "{\"theta\": [1, 0]}");
    let out = bin()
        .args(["check", "--data"])
        .arg(&data)
        .args(["--model", "deep_linear:100000", "--params"])
        .arg(&theta)
        .args(["--norm", "l2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.len() < 2_000, "{} bytes", out.stderr.len());
    let long = format!("two_layer:relu:k={}", "9".repeat(5_000));
    let e = implicit_bias::models::ModelSpec::parse(&long)
        .unwrap_err()
        .to_string();
    assert!(e.len() < 1_000, "{} bytes", e.len());
}

/// The checker certifies θ of any scale as at scale 1: the two-layer fixture θ × 1e-300 and
/// × 1e300 get the verdicts of θ, and a linear θ × 1e-320 (subnormal) is certified.
#[test]
fn check_certifies_theta_of_any_scale() {
    use implicit_bias::kkt::{check_many, CheckConfig};
    use implicit_bias::models::{Linear, ModelSpec};
    use implicit_bias::norms::NormSpec;
    let data = implicit_bias::data::load_csv("fixtures/params/torch_two_layer_data.csv").unwrap();
    let raw = implicit_bias::params_io::load_params_file(Path::new(
        "fixtures/params/torch_two_layer.safetensors",
    ))
    .unwrap();
    let spec = ModelSpec::parse("two_layer:relu_pow:2:k=8").unwrap();
    let (model, theta) = implicit_bias::params_io::model_and_theta(&spec, data.d(), &raw).unwrap();
    let norms = [NormSpec::L2, NormSpec::Linf];
    let cfg = CheckConfig::default();
    let at_one = check_many(model.as_ref(), &data, &theta, &norms, None, &cfg).unwrap();
    for c in [1e-300, 1e300] {
        let scaled: Vec<f64> = theta.iter().map(|v| v * c).collect();
        let certs = check_many(model.as_ref(), &data, &scaled, &norms, None, &cfg).unwrap();
        for (a, b) in at_one.iter().zip(&certs) {
            assert_eq!(a.verdict, b.verdict, "×{c}: {}", a.norm);
            // Only the trajectory certificate depends on the scale of θ: κ is the same to
            // the LP's tolerance.
            assert!(
                approx::relative_eq!(a.kappa, b.kappa, max_relative = 1e-6),
                "×{c}: κ {} vs {}",
                a.kappa,
                b.kappa
            );
        }
    }
    let lin = implicit_bias::data::generators::linear_teacher(20, 3, None, 1).unwrap();
    let mm =
        implicit_bias::maxmargin::max_margin(&lin, implicit_bias::maxmargin::MaxMarginNorm::L2)
            .unwrap();
    let tiny: Vec<f64> = mm.theta.iter().map(|v| v * 1e-320).collect();
    let c = check_many(&Linear::new(3), &lin, &tiny, &[NormSpec::L2], None, &cfg).unwrap();
    assert_eq!(c[0].verdict, implicit_bias::kkt::Verdict::Kkt, "{:?}", c[0]);
}
