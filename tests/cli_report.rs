//! CLI tests for experiment grids: parallel `run` (deterministic in the number of jobs),
//! `report.md` / `report.json` / SVG figures, `report DIR`, `compare A B`, Ctrl-C, bad input.

use std::path::Path;
use std::process::Command;
mod common;
use common::{bin, json_ok, write};

/// Two models × two optimizers × three seeds on a linear-teacher dataset; NGD should have
/// the largest ℓ2 margin and sign GD the largest ℓ∞ margin on both models ([F] Thm 3.4).
const GRID: &str = r#"
title = "grid test"
[data]
generator = { type = "linear_teacher", m = 40, d = 8, seed = 3 }
test = { generator = { type = "linear_teacher", m = 200, d = 8, seed = 4 } }
[model]
specs = ["linear", "two_layer:relu_pow:2:k=8"]
init = { type = "kaiming_normal", scale = 1.0 }
[train]
target_log_loss = -30
max_steps = 20000
seeds = [0, 1, 2]
norms = ["l2", "linf"]
trace_per_decade = 10
[[runs]]
label = "ngd"
optimizer = { type = "ngd" }
schedule = { type = "constant", eta0 = 0.1 }
schedules = { "two_layer:relu_pow:2:k=8" = { type = "power", eta0 = 0.1, decay = 0.5 } }
[[runs]]
label = "sign_gd"
optimizer = { type = "sign_gd" }
schedule = { type = "constant", eta0 = 0.01 }
[check]
norms = ["l2", "linf"]
seeds = [0]
[report]
expect_top = { l2 = ["ngd"], linf = ["sign_gd"] }
"#;

fn run_grid(cfg: &Path, out: &Path, jobs: &str) -> std::process::Output {
    bin()
        .args(["run", cfg.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--jobs", jobs, "--quiet"])
        .output()
        .unwrap()
}

/// A run record without its wall time (the only field allowed to differ between runs).
fn record_without_time(path: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("wall_seconds");
    // Certificates carry solver timings.
    if let Some(check) = v["check"].as_object_mut() {
        for c in check.values_mut() {
            if let Some(lp) = c["lp"].as_object_mut() {
                lp.remove("solve_seconds");
            }
            if let Some(ts) = c["tau_search"].as_object_mut() {
                ts.remove("seconds");
            }
        }
    }
    v
}

#[test]
fn grid_run_report_and_compare() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "grid.toml", GRID);
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let out = run_grid(&cfg, &a, "2");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out1 = run_grid(&cfg, &b, "1");
    assert!(
        out1.status.success(),
        "{}",
        String::from_utf8_lossy(&out1.stderr)
    );

    // 2 models × 2 runs × 3 seeds, file stems carry the model when there are several; each
    // record comes with its final θ as .safetensors.
    let mut names: Vec<String> = std::fs::read_dir(a.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 24, "{names:?}");
    for n in names.iter().filter(|n| n.ends_with(".json")) {
        let st = n.replace(".json", ".safetensors");
        assert!(names.contains(&st), "{st} next to {n}");
    }
    assert!(
        names.contains(&"ngd-linear-0.json".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"sign_gd-two_layer_relu_pow_2_k_8-2.json".to_string()),
        "{names:?}"
    );
    // Deterministic whatever the number of jobs (the θ files byte for byte).
    for n in &names {
        if n.ends_with(".json") {
            assert_eq!(
                record_without_time(&a.join("runs").join(n)),
                record_without_time(&b.join("runs").join(n)),
                "{n} differs between --jobs 2 and --jobs 1"
            );
        } else {
            assert_eq!(
                std::fs::read(a.join("runs").join(n)).unwrap(),
                std::fs::read(b.join("runs").join(n)).unwrap(),
                "{n} differs between --jobs 2 and --jobs 1"
            );
        }
    }
    // The per-model schedule override was used.
    let rec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(a.join("runs/ngd-two_layer_relu_pow_2_k_8-0.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(rec["schedule"]["type"], "power");
    // (The test set's teacher differs from the training teacher — linear_teacher draws both
    // from one seed — so only the range is asserted here.)
    let acc = rec["test_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&acc), "{acc}");
    assert!(rec["cosine_to_last"].as_array().unwrap().len() > 3);
    // Only seed 0 is checked.
    let rec1: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("runs/ngd-linear-1.json")).unwrap())
            .unwrap();
    assert!(rec1["check"].as_object().unwrap().is_empty());

    // report.md: setting, margins with bold best, verdicts, expectations, figures.
    let md = std::fs::read_to_string(a.join("report.md")).unwrap();
    for needle in [
        "# grid test",
        "## Margins — `linear`",
        "## Expected orderings",
        "## KKT verdicts",
        "## Directional convergence",
        "LR-NSD",
        "**",
        "margin_linear_l2.svg",
        "cosine_linear.svg",
    ] {
        assert!(md.contains(needle), "report.md lacks `{needle}`:\n{md}");
    }
    let rep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("report.json")).unwrap()).unwrap();
    let exps = rep["expectations"].as_array().unwrap();
    assert_eq!(exps.len(), 4, "2 models × 2 norms");
    // On the linear model the theory's ordering is sharp: it must show.
    for e in exps.iter().filter(|e| e["model"] == "linear") {
        assert_eq!(e["holds"], true, "{e}");
    }
    // τ_kkt per verdict cell where the checker's τ search ran (`Auto`: ℓ∞ everywhere here,
    // ℓ2 on the linear model, m·p = 320; not on the net, whose ℓ2 search would need column
    // generation at m·p = 40·72 > 10³).
    let cell = |model: &str, norm: &str| -> serde_json::Value {
        rep["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["model"] == model && c["label"] == "ngd" && c["norm"] == norm)
            .unwrap()["tau_kkt_max"]
            .clone()
    };
    let searched = |v: serde_json::Value| v.is_number() || v == "inf";
    assert!(searched(cell("linear", "linf")) && searched(cell("linear", "l2")));
    assert!(searched(cell("two_layer:relu_pow:2:k=8", "linf")));
    assert!(cell("two_layer:relu_pow:2:k=8", "l2").is_null());
    assert!(md.contains(" / τ_kkt "), "{md}");
    let margins = rep["margins"].as_array().unwrap();
    let cell = margins
        .iter()
        .find(|c| c["model"] == "linear" && c["label"] == "ngd" && c["norm"] == "l2")
        .unwrap();
    assert_eq!(cell["n"], 3);
    assert!(cell["ci95"].as_f64().unwrap() >= 0.0);
    for f in rep["figures"].as_array().unwrap() {
        let svg = std::fs::read_to_string(a.join(f.as_str().unwrap())).unwrap();
        assert!(svg.trim_start().starts_with("<svg") || svg.starts_with("<?xml"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(!svg.contains("NaN"), "{f}");
    }

    // `report DIR` regenerates the same report from the saved runs.
    std::fs::remove_file(a.join("report.md")).unwrap();
    let out = bin()
        .args(["report", a.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(a.join("report.md")).unwrap(), md);

    // `compare A B`: identical results → nothing changed.
    let out = bin()
        .args([
            "compare",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--json",
        ])
        .output()
        .unwrap();
    let v = json_ok(&out);
    assert_eq!(v["changed"].as_array().unwrap().len(), 0, "{v}");
    assert_eq!(v["unchanged"], 2 * 2 * 2);

    // A changed schedule changes margins: compare lists them.
    let c = dir.path().join("c");
    let cfg2 = write(
        dir.path(),
        "grid2.toml",
        &GRID.replace("eta0 = 0.01", "eta0 = 0.05"),
    );
    assert!(run_grid(&cfg2, &c, "2").status.success());
    let out = bin()
        .args(["compare", a.to_str().unwrap(), c.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("sign_gd"), "{text}");
    assert!(!text.contains(" 0 of "), "{text}");
}

#[test]
fn report_and_compare_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(empty.join("runs")).unwrap();
    let broken = dir.path().join("broken");
    std::fs::create_dir_all(broken.join("runs")).unwrap();
    write(&broken.join("runs"), "x-0.json", "{ not json");
    for (args, code, needle) in [
        (vec!["report", "/nonexistent/dir"], 2, "not a directory"),
        (vec!["report", empty.to_str().unwrap()], 2, "no runs"),
        (vec!["report", broken.to_str().unwrap()], 2, "x-0.json"),
        (
            vec!["compare", empty.to_str().unwrap(), "/nonexistent"],
            2,
            "no runs",
        ),
        (
            vec!["compare", "/nonexistent", empty.to_str().unwrap()],
            2,
            "not a directory",
        ),
    ] {
        let out = bin().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // Config errors of the new sections.
    for (bad, needle) in [
        (
            GRID.replace("linf = [\"sign_gd\"]", "linf = [\"adam\"]"),
            "no run labelled `adam`",
        ),
        (
            GRID.replace(
                "\"two_layer:relu_pow:2:k=8\" = {",
                "\"two_layer:relu:k=9\" = {",
            ),
            "not in [model]",
        ),
        (
            GRID.replace(
                "specs = [\"linear\", \"two_layer:relu_pow:2:k=8\"]",
                "specs = [\"linear\", \"linear\"]",
            ),
            "duplicate spec",
        ),
        (
            GRID.replace(
                "specs = [\"linear\", \"two_layer:relu_pow:2:k=8\"]",
                "spec = \"linear\"\nspecs = [\"linear\"]",
            ),
            "exactly one of",
        ),
    ] {
        let cfg = write(dir.path(), "bad.toml", &bad);
        let out = run_grid(&cfg, &dir.path().join("o"), "1");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{needle}: {err}");
        assert!(err.contains(needle), "{needle}: {err}");
    }
}

/// Ctrl-C (SIGINT), SIGTERM (Slurm's `scancel` and time limit) and SIGHUP during a grid:
/// exit status 128 + signal, the completed runs' files are intact, no half-written or
/// temporary file is left, the run itself wrote `trace.csv` and the report of the completed
/// runs, and `report DIR` regenerates the report from them.
#[cfg(unix)]
#[test]
fn signals_keep_completed_runs() {
    for (sig, status) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        interrupted_run_keeps_completed_runs(sig, status);
    }
}

#[cfg(unix)]
fn interrupted_run_keeps_completed_runs(sig: &str, code: i32) {
    let dir = tempfile::tempdir().unwrap();
    // The first run finishes in milliseconds; the second would take minutes.
    let cfg = write(
        dir.path(),
        "long.toml",
        r#"
[data]
generator = { type = "linear_teacher", m = 30, d = 5, seed = 3 }
[model]
spec = "linear"
[train]
target_log_loss = -20
max_steps = 200000000
seeds = [0]
norms = ["l2"]
[[runs]]
label = "quick"
optimizer = { type = "ngd" }
schedule = { type = "constant", eta0 = 0.5 }
[[runs]]
label = "slow"
optimizer = { type = "ngd" }
schedule = { type = "constant", eta0 = 1e-12 }
[check]
enabled = false
"#,
    );
    let out_dir = dir.path().join("out");
    let child = bin()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .args(["--jobs", "1", "--quiet"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let quick = out_dir.join("runs/quick-0.json");
    let t0 = std::time::Instant::now();
    while !quick.exists() {
        assert!(
            t0.elapsed().as_secs() < 120,
            "the quick run did not finish within 120 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Let the slow run start, then interrupt.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let status = Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "SIG{sig}: {err}");
    let mut names: Vec<String> = std::fs::read_dir(out_dir.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["quick-0.json", "quick-0.safetensors"],
        "SIG{sig}: no partial or temporary files"
    );
    assert!(out_dir.join("trace.csv").is_file(), "SIG{sig}: trace.csv");
    assert!(out_dir.join("report.md").is_file(), "SIG{sig}: report.md");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&quick).unwrap()).unwrap();
    assert_eq!(v["stop"]["reason"], "target_reached");
    let out = bin()
        .args(["report", out_dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(md.contains("quick") && !md.contains("| slow"), "{md}");
}
