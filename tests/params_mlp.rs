//! External parameters for deep MLPs through the CLI: PyTorch `nn.Sequential` names
//! (`0.weight`, `2.weight`, `4.weight`) recognised for `mlp:…`, and JAX/Flax kernels stored
//! (in, out) read with the `--map …:T` transpose marker — both give exactly the certificate of
//! the same θ written with the model's own block names. A square kernel without a marker is
//! refused (it would be read transposed without any shape error).

use implicit_bias::models::{Init, Model, ModelSpec};
use safetensors::Dtype;
use std::path::Path;
mod common;
use common::bin;

const SPEC: &str = "mlp:relu_pow:2:k=4,4";
const D: usize = 3;

/// θ of the MLP and data labelled by its own sign, so θ separates them by construction.
fn setup(dir: &Path) -> (Vec<f64>, Box<dyn Model>) {
    let (model, theta) = ModelSpec::parse(SPEC)
        .unwrap()
        .instantiate(D, &Init::Uniform { alpha: 1.0 }, 3)
        .unwrap();
    let mut csv = String::new();
    let mut n = 0;
    for i in 0..200 {
        let x: Vec<f64> = (0..D)
            .map(|j| (((i * 7 + j * 13) % 17) as f64 / 8.0 - 1.0) + 0.01 * j as f64)
            .collect();
        let f = model.forward(&theta, &x);
        if f.abs() < 1e-3 * theta.iter().map(|t| t.abs()).fold(0.0, f64::max).powi(7) {
            continue;
        }
        let y = if f > 0.0 { 1 } else { -1 };
        csv.push_str(&format!("{y},{},{},{}\n", x[0], x[1], x[2]));
        n += 1;
        if n == 24 {
            break;
        }
    }
    std::fs::write(dir.join("data.csv"), csv).unwrap();
    (theta, model)
}

fn block<'a>(model: &dyn Model, theta: &'a [f64], name: &str) -> (&'a [f64], (usize, usize)) {
    let b = model.layout().block(name).unwrap();
    let shape = if b.shape.is_matrix() {
        b.shape.as_matrix()
    } else {
        (1, b.shape.dims()[0])
    };
    (&theta[b.range()], shape)
}

fn transposed(data: &[f64], (r, c): (usize, usize)) -> Vec<f64> {
    let mut out = vec![0.0; data.len()];
    for i in 0..r {
        for j in 0..c {
            out[j * r + i] = data[i * c + j];
        }
    }
    out
}

fn le(data: &[f64]) -> Vec<u8> {
    data.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn write_st(path: &Path, tensors: &[(String, Vec<usize>, Vec<f64>)]) {
    let bytes: Vec<Vec<u8>> = tensors.iter().map(|t| le(&t.2)).collect();
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .zip(&bytes)
        .map(|(t, b)| {
            (
                t.0.clone(),
                safetensors::tensor::TensorView::new(Dtype::F64, t.1.clone(), b).unwrap(),
            )
        })
        .collect();
    std::fs::write(path, safetensors::serialize(views, None).unwrap()).unwrap();
}

fn check(dir: &Path, params: &str, map: Option<&str>) -> (Option<i32>, String, String) {
    let mut cmd = bin();
    cmd.arg("check")
        .arg("--data")
        .arg(dir.join("data.csv"))
        .args(["--model", SPEC, "--params"])
        .arg(dir.join(params))
        .args(["--norm", "l2", "--norm", "linf", "--json"]);
    if let Some(m) = map {
        cmd.args(["--map", m]);
    }
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(!err.contains("panicked"), "{err}");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).to_string(),
        err,
    )
}

/// (margin, κ, lower bound, verdict) per norm from the JSON output.
fn summary(json: &str) -> Vec<(String, f64, f64, f64, String)> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let certs = v
        .as_array()
        .cloned()
        .unwrap_or_else(|| v["certificates"].as_array().unwrap().clone());
    certs
        .iter()
        .map(|c| {
            (
                c["norm"].as_str().unwrap().to_string(),
                c["margin"].as_f64().unwrap(),
                c["kappa"].as_f64().unwrap(),
                c["kappa_lower_bound"].as_f64().unwrap(),
                c["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn pytorch_and_flax_names_give_the_certificate_of_the_own_names() {
    let dir = tempfile::tempdir().unwrap();
    let (theta, model) = setup(dir.path());
    let names = ["W1", "W2", "u"];
    let own: Vec<(String, Vec<usize>, Vec<f64>)> = names
        .iter()
        .map(|n| {
            let (data, (r, c)) = block(model.as_ref(), &theta, n);
            let dims = if *n == "u" { vec![c] } else { vec![r, c] };
            (n.to_string(), dims, data.to_vec())
        })
        .collect();
    write_st(&dir.path().join("own.safetensors"), &own);
    // PyTorch: nn.Sequential(Linear(3, 4), act, Linear(4, 4), act, Linear(4, 1)).state_dict().
    let torch: Vec<(String, Vec<usize>, Vec<f64>)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (data, (r, c)) = block(model.as_ref(), &theta, n);
            (format!("net.{}.weight", 2 * i), vec![r, c], data.to_vec())
        })
        .collect();
    write_st(&dir.path().join("torch.safetensors"), &torch);
    // Flax: Dense kernels (in, out) = the transposes.
    let flax: Vec<(String, Vec<usize>, Vec<f64>)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (data, (r, c)) = block(model.as_ref(), &theta, n);
            (
                format!("params.Dense_{i}.kernel"),
                vec![c, r],
                transposed(data, (r, c)),
            )
        })
        .collect();
    write_st(&dir.path().join("flax.safetensors"), &flax);

    let (code, out, err) = check(dir.path(), "own.safetensors", None);
    assert_eq!(code, Some(0), "{err}");
    let reference = summary(&out);
    assert_eq!(reference.len(), 2);
    assert!(reference[0].1 > 0.0, "θ separates the data: {reference:?}");

    let (code, out, err) = check(dir.path(), "torch.safetensors", None);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(summary(&out), reference, "PyTorch names");

    let map = "W1=params.Dense_0.kernel:T,W2=params.Dense_1.kernel:T,u=params.Dense_2.kernel:T";
    let (code, out, err) = check(dir.path(), "flax.safetensors", Some(map));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(summary(&out), reference, "Flax kernels with :T");

    // Without the marker: refused with exit status 2, naming both markers.
    let map = "W1=params.Dense_0.kernel:T,W2=params.Dense_1.kernel,u=params.Dense_2.kernel:T";
    let (code, _, err) = check(dir.path(), "flax.safetensors", Some(map));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("params.Dense_1.kernel:T") && err.contains(":N"),
        "{err}"
    );
    // :N on the square kernel is taken as stored — a different (wrong) θ, as documented.
    let map = "W1=params.Dense_0.kernel:T,W2=params.Dense_1.kernel:N,u=params.Dense_2.kernel:T";
    let (code, out, _) = check(dir.path(), "flax.safetensors", Some(map));
    if code == Some(0) {
        assert_ne!(
            summary(&out),
            reference,
            ":N reads the square kernel as stored"
        );
    }
}

/// A C-class MLP and data labelled by its own argmax (rows with a clear winner), written as a
/// CSV of class indices; θ separates every pair by construction.
fn setup_multiclass(dir: &Path, spec: &str, classes: usize) -> (Vec<f64>, Box<dyn Model>) {
    let (model, theta) = ModelSpec::parse(spec)
        .unwrap()
        .instantiate_for(D, classes, &Init::Uniform { alpha: 1.0 }, 5)
        .unwrap();
    let mut csv = String::new();
    let mut n = 0;
    let mut s = vec![0.0; classes];
    for i in 0..400 {
        let x: Vec<f64> = (0..D)
            .map(|j| (((i * 7 + j * 13) % 17) as f64 / 8.0 - 1.0) + 0.01 * (i % 5) as f64)
            .collect();
        let f: Vec<f64> = (0..classes)
            .map(|c| {
                s.iter_mut().for_each(|v| *v = 0.0);
                s[c] = 1.0;
                model.combo_forward(&theta, &x, &s)
            })
            .collect();
        let (y, top) =
            f.iter().enumerate().fold(
                (0, f64::NEG_INFINITY),
                |a, (c, &v)| if v > a.1 { (c, v) } else { a },
            );
        let second = (0..classes)
            .filter(|&c| c != y)
            .map(|c| f[c])
            .fold(f64::NEG_INFINITY, f64::max);
        if top - second < 1e-3 * top.abs().max(1e-300) {
            continue;
        }
        csv.push_str(&format!("{y},{},{},{}\n", x[0], x[1], x[2]));
        n += 1;
        if n == 30 {
            break;
        }
    }
    std::fs::write(dir.join("data.csv"), csv).unwrap();
    (theta, model)
}

fn check_spec(dir: &Path, spec: &str, params: &str) -> (Option<i32>, String, String) {
    let o = bin()
        .arg("check")
        .arg("--data")
        .arg(dir.join("data.csv"))
        .args(["--model", spec, "--params"])
        .arg(dir.join(params))
        .args([
            "--norm",
            "l2",
            "--norm",
            "max_spectral",
            "--classes",
            "3",
            "--json",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(!err.contains("panicked"), "{err}");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).to_string(),
        err,
    )
}

/// Multiclass heads under PyTorch names: `nn.Sequential(Linear(3, 4), act, Linear(4, 4), act,
/// Linear(4, C))` has `4.weight` of shape (C, 4), read as the head block u (C × k_D) — the same
/// certificate as the own names; and a two-layer net's `2.weight` (C, k) likewise. A head with
/// the wrong number of rows (a binary head on 3-class data) is refused with exit status 2.
#[test]
fn pytorch_multiclass_heads_give_the_certificate_of_the_own_names() {
    for (spec, names) in [
        ("mlp:relu_pow:2:k=4,4", &["W1", "W2", "u"][..]),
        ("two_layer:relu_pow:2:k=4", &["W", "u"][..]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (theta, model) = setup_multiclass(dir.path(), spec, 3);
        let tensors = |torch: bool| -> Vec<(String, Vec<usize>, Vec<f64>)> {
            names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let (data, (r, c)) = block(model.as_ref(), &theta, n);
                    let name = if torch {
                        format!("{}.weight", 2 * i)
                    } else {
                        n.to_string()
                    };
                    (name, vec![r, c], data.to_vec())
                })
                .collect()
        };
        let (_, (head_rows, _)) = block(model.as_ref(), &theta, "u");
        assert_eq!(head_rows, 3, "{spec}: the head is C × k");
        write_st(&dir.path().join("own.safetensors"), &tensors(false));
        write_st(&dir.path().join("torch.safetensors"), &tensors(true));
        let (code, out, err) = check_spec(dir.path(), spec, "own.safetensors");
        assert_eq!(code, Some(0), "{spec}: {err}");
        let reference = summary(&out);
        assert!(reference[0].1 > 0.0, "{spec}: θ separates: {reference:?}");
        let (code, out, err) = check_spec(dir.path(), spec, "torch.safetensors");
        assert_eq!(code, Some(0), "{spec}: {err}");
        assert_eq!(summary(&out), reference, "{spec}: PyTorch names");

        // A binary head (1 × k) on 3-class data: refused, not read as something else.
        let mut bad = tensors(true);
        let last = bad.last_mut().unwrap();
        let k = last.1[1];
        *last = (last.0.clone(), vec![1, k], last.2[..k].to_vec());
        write_st(&dir.path().join("bad.safetensors"), &bad);
        let (code, _, err) = check_spec(dir.path(), spec, "bad.safetensors");
        assert_eq!(code, Some(2), "{spec}: {err}");
    }
}
