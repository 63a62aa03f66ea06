//! CLI tests: `list`, `run`, and clear errors with exit codes for bad input.

use approx::{abs_diff_eq, assert_abs_diff_eq};
use std::path::Path;
mod common;
use common::{bin, json_ok, write};

#[test]
fn list_json_names_everything() {
    let out = bin().args(["list", "--json"]).output().unwrap();
    let v = json_ok(&out);
    let opt_names: Vec<&str> = v["optimizers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    for name in [
        "gd",
        "ngd",
        "sign_gd",
        "coordinate_descent",
        "spectral_descent",
        "steepest_descent",
        "momentum_gd",
        "normalized_momentum_gd",
        "signum",
        "muon",
        "muon_ns",
        "adam",
        "adam_no_momentum",
        "rms_prop",
        "ada_grad",
        "muon_signum",
        "muon_adam",
    ] {
        assert!(
            opt_names.contains(&name),
            "optimizer `{name}` missing from {opt_names:?}"
        );
    }
    let norms = v["norms"].to_string();
    for n in [
        "l1",
        "l2",
        "linf",
        "lp:<p>",
        "spectral",
        "max_spectral",
        "hybrid",
        "weighted_l2",
    ] {
        assert!(norms.contains(n), "norm `{n}` missing: {norms}");
    }
    let models = v["models"].to_string();
    for m in [
        "linear",
        "two_layer",
        "two_layer_frozen",
        "deep_linear",
        "diagonal_linear",
    ] {
        assert!(models.contains(m), "model `{m}` missing: {models}");
    }
    assert!(v["losses"].to_string().contains("logistic"));
}

const QUICK: &str = r#"
[data]
generator = { type = "linear_teacher", m = 30, d = 5, seed = 3 }
[model]
spec = "linear"
[train]
target_log_loss = -20
max_steps = 5000
seeds = [0, 1]
norms = ["l2", "linf", "l1"]
[[runs]]
optimizer = { type = "ngd" }
schedule = { type = "constant", eta0 = 0.5 }
[[runs]]
optimizer = { type = "sign_gd" }
schedule = { type = "constant", eta0 = 0.1 }
"#;

#[test]
fn run_writes_runs_and_trace() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "quick.toml", QUICK);
    let out_dir = dir.path().join("out");
    let out = bin()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "ngd-0.json",
        "ngd-1.json",
        "sign_gd-0.json",
        "sign_gd-1.json",
    ] {
        let text = std::fs::read_to_string(out_dir.join("runs").join(f)).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["stop"]["reason"], "target_reached", "{f}");
        assert_eq!(v["separated"], true);
        assert_eq!(v["theta"]["data"].as_array().unwrap().len(), 5);
        assert!(v["margins"]["l2"].as_f64().unwrap() > 0.0);
        assert!(v["trace"].as_array().unwrap().len() > 3);
        // `run` adds the checker's certificate per traced norm .
        for n in ["l2", "linf", "l1"] {
            let verdict = v["check"][n]["verdict"].as_str().unwrap_or("missing");
            assert!(
                ["kkt", "not_kkt", "inconclusive", "coincident"].contains(&verdict),
                "{f}: check[{n}] verdict {verdict}"
            );
        }
    }
    let csv = std::fs::read_to_string(out_dir.join("trace.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("label,optimizer,seed,step,log10_loss"));
    assert!(header.contains("margin_l2") && header.contains("soft_margin_l1"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("sign_gd"), "{stdout}");
}

fn run_expect_fail(cfg_text: &str, code: i32, needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "bad.toml", cfg_text);
    let out = bin()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--out",
            dir.path().join("o").to_str().unwrap(),
            "--quiet",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    assert!(stderr.contains(needle), "expected `{needle}` in: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_inputs_give_clear_errors_and_exit_codes() {
    run_expect_fail("not = [toml", 2, "TOML");
    run_expect_fail(&QUICK.replace("\"ngd\"", "\"nesterov\""), 2, "nesterov");
    run_expect_fail(
        &QUICK.replace("spec = \"linear\"", "spec = \"cubic\""),
        2,
        "cubic",
    );
    run_expect_fail(&QUICK.replace("d = 5", "d = 0"), 2, "d");
    // Bad data files: NaN (the error names the line) and labels that are not ±1.
    for (file, text, needle) in [
        ("nan.csv", "1,0.5,0.2\n-1,nan,0.1\n", "line 2"),
        ("lab.csv", "1,0.5\n0,0.1\n", "label"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), file, text);
        let cfg = write(dir.path(), "c.toml", &cfg_text_for(file));
        let out = bin()
            .args(["run", cfg.to_str().unwrap(), "--out"])
            .arg(dir.path().join("o"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{file}: expected `{needle}` in {stderr}"
        );
    }
    // A missing config file is bad input (exit 2) naming the path.
    let out = bin().args(["run", "/nonexistent/x.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.toml"));
}

fn cfg_text_for(data: &str) -> String {
    format!("[data]\npath = \"{data}\"\n[model]\nspec = \"linear\"\n[train]\n[[runs]]\noptimizer = {{ type = \"ngd\" }}\nschedule = {{ type = \"constant\", eta0 = 0.1 }}\n")
}

/// `implicit-bias maxmargin --data <data> --norm <norm> <extra…>`.
fn maxmargin(data: &Path, norm: &str, extra: &[&str]) -> std::process::Output {
    bin()
        .arg("maxmargin")
        .arg("--data")
        .arg(data)
        .args(["--norm", norm])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn maxmargin_command_json_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "d.csv",
        "label,a,b\n1,2,1\n1,1,2\n-1,-1,-1\n-1,-2,0\n",
    );
    let out = maxmargin(&data, "l2", &["--json"]);
    let v = json_ok(&out);
    let theta: Vec<f64> = v["theta"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let gamma = v["margin"].as_f64().unwrap();
    let n = (theta[0] * theta[0] + theta[1] * theta[1]).sqrt();
    assert_abs_diff_eq!(gamma, 1.0 / n, epsilon = 1e-12);
    assert_eq!(v["lambda"].as_array().unwrap().len(), 4);
    // The answer carries its certificate (docs of `maxmargin::certificate`).
    let gap = v["certificate"]["relative_gap"].as_f64().unwrap();
    assert!(gap <= v["certificate"]["tolerance"].as_f64().unwrap());
    assert_eq!(v["certificate"]["weights"].as_array().unwrap().len(), 4);
    let out = maxmargin(&data, "linf", &[]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("certified"));
    // A margin f64 cannot hold (data at 1e-320): refused, a numerical failure (exit 1).
    let tiny = write(
        dir.path(),
        "t.csv",
        "label,a,b\n1,3e-320,1e-320\n-1,-1e-320,-2e-320\n",
    );
    let out = maxmargin(&tiny, "l2", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("range"));
    // Unknown norm and (certified) non-separable data: exit 2 with a clear message.
    let out = maxmargin(&data, "l7", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("l7"));
    let xor = write(dir.path(), "x.csv", "1,1,1\n1,-1,-1\n-1,1,-1\n-1,-1,1\n");
    let out = maxmargin(&xor, "linf", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not separable"));
}

/// `check` on the exact ℓ∞ max-margin solution (from `maxmargin`): KKT for ℓ∞, certified not
/// KKT for ℓ1/ℓ2 (the optima differ on this data), JSON fields as in docs/contracts.md §3; bad inputs
/// give clear errors.
#[test]
fn check_command_certifies_maxmargin_solutions() {
    let dir = tempfile::tempdir().unwrap();
    use implicit_bias::maxmargin::{max_margin, MaxMarginNorm};
    // With few samples per dimension the optima of different norms can sit at the same
    // vertex of the feasible polyhedron (then the checker rightly says `coincident`); on this
    // data (m = 40, d = 8) the ℓ∞, ℓ2 and ℓ1 optima differ, which is asserted first.
    let data = implicit_bias::data::generators::linear_teacher(40, 8, None, 3).unwrap();
    let csv = dir.path().join("d.csv");
    implicit_bias::data::save_csv(&csv, &data).unwrap();
    let mm = max_margin(&data, MaxMarginNorm::Linf).unwrap();
    let cos = |a: &[f64], b: &[f64]| {
        let n = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
        a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() / (n(a) * n(b))
    };
    for other in [MaxMarginNorm::L2, MaxMarginNorm::L1] {
        let t = max_margin(&data, other).unwrap().theta;
        assert!(
            cos(&mm.theta, &t) < 0.999,
            "{other:?} optimum coincides with the ℓ∞ one"
        );
    }
    let params = write(
        dir.path(),
        "p.json",
        &serde_json::json!({"theta": mm.theta}).to_string(),
    );
    let out = bin()
        .args([
            "check",
            "--data",
            csv.to_str().unwrap(),
            "--model",
            "linear",
            "--params",
            params.to_str().unwrap(),
        ])
        .args([
            "--norm", "linf", "--norm", "l2", "--norm", "l1", "--own", "linf", "--json",
        ])
        .output()
        .unwrap();
    let v = json_ok(&out);
    let certs = v.as_array().unwrap();
    assert_eq!(certs.len(), 3);
    for key in [
        "norm",
        "margin",
        "kappa",
        "eps2",
        "eps_inf",
        "delta",
        "delta_rel",
        "tau",
        "support",
        "lambda",
        "verdict",
        "tolerances",
    ] {
        assert!(certs[0].get(key).is_some(), "missing field `{key}`");
    }
    assert_eq!(certs[0]["verdict"], "kkt");
    assert_abs_diff_eq!(
        certs[0]["margin"].as_f64().unwrap(),
        mm.margin,
        epsilon = 1e-9 * mm.margin
    );
    assert_eq!(certs[1]["verdict"], "not_kkt", "{}", certs[1]);
    assert_eq!(certs[2]["verdict"], "not_kkt");
    // Errors: unknown norm, wrong parameter count, unknown model, non-separating θ,
    // malformed JSON — each exit code 2 with a message naming the problem, never a panic.
    let check = |model: &str, params: &Path, norm: &str| {
        let o = bin()
            .args(["check", "--data", csv.to_str().unwrap(), "--model", model])
            .args(["--params", params.to_str().unwrap(), "--norm", norm])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(!stderr.contains("panicked"), "{stderr}");
        (o.status.code(), stderr)
    };
    let short = write(dir.path(), "short.json", r#"{"theta": [1.0, 2.0]}"#);
    let neg: Vec<f64> = mm.theta.iter().map(|x| -x).collect();
    let negp = write(
        dir.path(),
        "neg.json",
        &serde_json::json!({"theta": neg}).to_string(),
    );
    // `--strategy`: row generation forced on this tiny problem gives the same certificates
    // as the plain LP (same verdicts, κ within 1e-6 relative); an unknown strategy is an error.
    let check_linear = |extra: &[&str]| {
        bin()
            .args([
                "check",
                "--data",
                csv.to_str().unwrap(),
                "--model",
                "linear",
            ])
            .args(["--params", params.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap()
    };
    let certs_with = |strategy: &str| -> Vec<serde_json::Value> {
        let o = check_linear(&[
            "--norm",
            "linf",
            "--norm",
            "l2",
            "--json",
            "--strategy",
            strategy,
        ]);
        let v = json_ok(&o);
        v.as_array().unwrap().clone()
    };
    let (plain, rowgen) = (certs_with("plain"), certs_with("row_generation"));
    for (a, b) in plain.iter().zip(&rowgen) {
        assert_eq!(a["verdict"], b["verdict"]);
        let (ka, kb) = (a["kappa"].as_f64().unwrap(), b["kappa"].as_f64().unwrap());
        assert!(
            abs_diff_eq!(ka, kb, epsilon = 1e-6 * ka.max(kb).max(1e-12)),
            "{ka} vs {kb}"
        );
    }
    let o = check_linear(&["--norm", "l2", "--strategy", "fast"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown checker strategy `fast`"));
    for (model, p, norm, needle) in [
        ("linear", params.as_path(), "l9", "l9"),
        ("linear", short.as_path(), "l2", "8 parameters"),
        ("cubic", params.as_path(), "l2", "cubic"),
        ("linear", negp.as_path(), "l2", "not separable"),
        ("linear", csv.as_path(), "l2", "JSON"),
    ] {
        let (code, stderr) = check(model, p, norm);
        assert_eq!(code, Some(2), "{model} {norm}: {stderr}");
        assert!(stderr.contains(needle), "expected `{needle}` in: {stderr}");
    }
}

#[test]
fn which_norm_command_names_the_norm() {
    let dir = tempfile::tempdir().unwrap();
    // A bare name, on the linear case only (fast): ℓ2 and its aliases on one vector block.
    let out = bin()
        .args(["which-norm", "ngd", "--cases", "linear", "--json"])
        .output()
        .unwrap();
    let v = json_ok(&out);
    assert_eq!(v["answer"]["kind"], "named");
    assert_eq!(
        v["answer"]["norms"],
        serde_json::json!(["l2", "spectral", "max_spectral"])
    );
    assert_eq!(v["cases"].as_array().unwrap().len(), 1);
    // Every norm row says whether its τ_kkt was searched; a named answer has no relaxed one.
    for row in v["norms"].as_array().unwrap() {
        assert!(row["tau_searched"].is_boolean(), "{row}");
    }
    assert!(v["relaxed"].is_null());
    // `--tau-search on` searches every certificate (linf's τ_kkt on one case is a number).
    let out = bin()
        .args([
            "which-norm",
            "ngd",
            "--cases",
            "linear",
            "--norm",
            "linf",
            "--tau-search",
            "on",
            "--json",
        ])
        .output()
        .unwrap();
    let v = json_ok(&out);
    assert_eq!(v["norms"][0]["tau_searched"], true);
    assert!(v["cases"][0]["cells"][0]["certificate"]["tau_search"].is_object());
    // An inline table and a custom panel; the text table names the answer.
    let out = bin()
        .args([
            "which-norm",
            "type = \"signum\", beta = 0.9",
            "--cases",
            "linear",
            "--norm",
            "l2",
            "--norm",
            "linf",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("answer: linf"), "{text}");
    // A TOML file with [optimizer] and [schedule].
    let f = write(
        dir.path(),
        "opt.toml",
        "[optimizer]\ntype = \"sign_gd\"\n[schedule]\ntype = \"constant\"\neta0 = 0.01\n",
    );
    let out = bin()
        .args([
            "which-norm",
            f.to_str().unwrap(),
            "--cases",
            "linear",
            "--json",
        ])
        .output()
        .unwrap();
    let v = json_ok(&out);
    assert_eq!(v["cases"][0]["schedule"]["eta0"], 0.01);
    assert_eq!(
        v["answer"]["norms"],
        serde_json::json!(["linf", "hybrid:1:1"])
    );
    // Bad input: exit code 2 and a message naming the problem.
    let bad_file = write(dir.path(), "bad.toml", "[optimizer]\ntype = \"nope\"\n");
    for (args, needle) in [
        (vec!["which-norm", "nope"], "unknown optimizer"),
        (vec!["which-norm", "ngd", "--cases", "huge"], "unknown case"),
        (
            vec!["which-norm", "ngd", "--decay", "0.5"],
            "--decay needs --eta0",
        ),
        (vec!["which-norm", "ngd", "--norm", "l7"], "l7"),
        (vec!["which-norm", "type = \"adam\", beta1 = 2.0"], "beta"),
        (
            vec!["which-norm", "type = ", "--cases", "linear"],
            "optimizer",
        ),
        (vec!["which-norm", bad_file.to_str().unwrap()], "nope"),
        (vec!["which-norm", "missing.toml"], "cannot read"),
        (
            vec!["which-norm", "ngd", "--steps-factor", "0"],
            "steps factor",
        ),
        (
            vec!["which-norm", "ngd", "--tau-search", "maybe"],
            "unknown τ search mode `maybe`",
        ),
    ] {
        let out = bin().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

/// `check --kink-tol`, `--tau-smooth`, `--tau-search` and the τ_kkt column. The data and θ are
/// the near-kink ReLU net of `tests/kkt_tau_search.rs` (sample x₁ at relative distance
/// 3·10⁻⁵ from unit C's kink): at the default tolerance 10⁻⁶ no pair is relaxed and the ℓ2
/// verdict is `not_kkt`; at `--kink-tol 1e-3` the pair is relaxed and it is `kkt`. Bad
/// values exit 2 with a message naming the flag.
#[test]
fn check_kink_tol_tau_smooth_and_tau_kkt() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "d.csv", "1,1,0\n1,-0.5,1\n");
    let params = write(
        dir.path(),
        "p.json",
        r#"{"theta": [1.0, 0.0, 3e-5, 1.0, 1.0, 1.0]}"#,
    );
    let run = |extra: &[&str]| {
        bin()
            .args(["check", "--data", csv.to_str().unwrap()])
            .args(["--model", "two_layer:relu:k=2", "--params"])
            .arg(&params)
            .args(["--norm", "l2", "--norm", "linf"])
            .args(extra)
            .output()
            .unwrap()
    };
    let certs = |extra: &[&str]| -> Vec<serde_json::Value> {
        let mut a = vec!["--json"];
        a.extend_from_slice(extra);
        json_ok(&run(&a)).as_array().unwrap().clone()
    };
    let d = certs(&[]);
    assert_eq!(d[0]["lp"]["kinks"], 0);
    assert_eq!(d[0]["verdict"], "not_kkt", "{}", d[0]);
    assert_eq!(d[0]["tolerances"]["kink_tol"], 1e-6);
    let k = certs(&["--kink-tol", "1e-3"]);
    assert_eq!(k[0]["lp"]["kinks"], 1);
    assert_eq!(k[0]["verdict"], "kkt", "{}", k[0]);
    assert_eq!(k[0]["tolerances"]["kink_tol"], 1e-3);
    // τ_kkt in the JSON (the default search mode is auto: m·p = 12 is small): the relaxed
    // ℓ2 certificate is kkt at its exact subdifferential, τ_kkt = 0.
    assert_eq!(k[0]["tau_kkt"], 0.0);
    assert!(d[1]["tau_search"]["points"].as_array().unwrap().len() >= 2);
    // --tau-smooth sets ℓ2's τ; --tau-search off drops the search.
    let t = certs(&["--tau-smooth", "0.2", "--tau-search", "off"]);
    assert_eq!(t[0]["tau"], 0.2);
    assert_eq!(t[1]["tau"], 0.01, "ℓ∞ keeps --tau");
    assert!(t[0]["tau_kkt"].is_null() && t[0]["tau_search"].is_null());
    // The text table has the τ_kkt column and both tolerances.
    let out = run(&["--kink-tol", "1e-3"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("τ_kkt"), "{text}");
    assert!(text.contains("kink_tol = 0.001"), "{text}");
    for (flag, v) in [
        ("--kink-tol", "1.5"),
        ("--kink-tol", "nan"),
        ("--kink-tol=-0.1", ""),
        ("--tau-smooth", "1"),
        ("--tau-search", "maybe"),
    ] {
        let args: Vec<&str> = [flag, v].into_iter().filter(|a| !a.is_empty()).collect();
        let o = run(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flag} {v}: {stderr}");
        let name = flag.split('=').next().unwrap();
        assert!(
            stderr.contains(name) && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}
