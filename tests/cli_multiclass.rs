//! Multiclass from the command line: `maxmargin` on a 3-class CSV, its W* fed back to
//! `check` as a C×d block (and as a flat row-major θ), `--classes 2` for 0/1 labels, and the
//! errors for a model family without C outputs.

mod common;

use common::{bin, json_ok, write};
use implicit_bias::data::{generators, save_csv};

fn three_class_csv(dir: &std::path::Path) -> std::path::PathBuf {
    let data = generators::linear_teacher_multiclass(24, 4, 3, 0.2, 5).unwrap();
    let p = dir.join("three.csv");
    save_csv(&p, &data).unwrap();
    p
}

#[test]
fn maxmargin_then_check_on_three_classes() {
    let dir = tempfile::tempdir().unwrap();
    let csv = three_class_csv(dir.path());
    for norm in ["l2", "linf", "l1"] {
        let out = bin()
            .args(["maxmargin", "--data"])
            .arg(&csv)
            .args(["--norm", norm, "--json"])
            .output()
            .unwrap();
        let mm = json_ok(&out);
        let theta: Vec<f64> = serde_json::from_value(mm["theta"].clone()).unwrap();
        assert_eq!(theta.len(), 12, "W is 3×4");
        assert!(mm["certificate"]["relative_gap"].as_f64().unwrap() <= 1e-9);
        let params = write(
            dir.path(),
            &format!("w_{norm}.json"),
            &serde_json::json!({"blocks": {"W": {"shape": [3, 4], "data": theta}}}).to_string(),
        );
        let flat = write(
            dir.path(),
            &format!("flat_{norm}.json"),
            &serde_json::json!({ "theta": theta }).to_string(),
        );
        for p in [&params, &flat] {
            let out = bin()
                .args(["check", "--data"])
                .arg(&csv)
                .args(["--model", "linear", "--params"])
                .arg(p)
                .args(["--norm", norm, "--json"])
                .output()
                .unwrap();
            let certs = json_ok(&out);
            assert_eq!(certs[0]["verdict"], "kkt", "{norm}: {certs}");
            assert!(
                certs[0]["kappa"].as_f64().unwrap() < 1e-6,
                "{norm}: {certs}"
            );
            // One multiplier per pair margin: m(C − 1) = 48.
            assert_eq!(certs[0]["lambda"].as_array().unwrap().len(), 48);
        }
    }
}

#[test]
fn zero_one_labels_need_classes() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "zo.csv",
        "0,1.0,0.2\n1,-1.0,0.1\n0,0.8,-0.3\n1,-0.7,0.4\n",
    );
    let out = bin()
        .args(["maxmargin", "--data"])
        .arg(&csv)
        .args(["--norm", "l2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--classes 2"), "{err}");
    let out = bin()
        .args(["maxmargin", "--data"])
        .arg(&csv)
        .args(["--norm", "l2", "--classes", "2", "--json"])
        .output()
        .unwrap();
    let mm = json_ok(&out);
    assert_eq!(mm["theta"].as_array().unwrap().len(), 4, "W is 2×2");
}

#[test]
fn binary_only_families_refuse_multiclass_data() {
    let dir = tempfile::tempdir().unwrap();
    let csv = three_class_csv(dir.path());
    let params = write(
        dir.path(),
        "p.json",
        "{\"theta\": [1, 2, 3, 4, 5, 6, 7, 8]}",
    );
    let out = bin()
        .args(["check", "--data"])
        .arg(&csv)
        .args(["--model", "diagonal_linear", "--params"])
        .arg(&params)
        .args(["--norm", "l2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("3 classes"), "{err}");
}
