//! C-output models on multiclass data: the margin rows q_{i,c} = f_{y_i}(x_i) − f_c(x_i)
//! satisfy the identities of the model battery (homogeneity, Euler's identity ⟨θ, ∇q⟩ = L q,
//! finite differences), the batched path equals the per-row path, and two-class models agree
//! with the binary ones.
//!
//! Tolerances: every term is bounded by mag = (1 + ‖θ‖₂)^L (1 + ‖x‖₂)^L (entries in [−1, 1],
//! as in `testing::model`), so exact identities are checked to 64·ε·(p + m)·mag (≈ 1e-10
//! here; a wrong formula is off by O(0.1)) and central differences (h = 1e-5, smooth
//! activations only) to 1e-6·mag.

use implicit_bias::data::Dataset;
use implicit_bias::loss::Loss;
use implicit_bias::models::{Activation, Model, ModelSpec};
use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const D: usize = 4;
const M: usize = 9;

fn data(c: usize, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = DMatrix::from_fn(M, D, |_, _| rng.random_range(-1.0..1.0));
    // Every class present.
    let labels: Vec<usize> = (0..M).map(|i| i % c).collect();
    Dataset::multiclass(x, &labels, c).unwrap()
}

fn theta_for(model: &dyn Model, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..model.layout().len())
        .map(|_| rng.random_range(-1.0..1.0))
        .collect()
}

fn models(c: usize) -> Vec<Box<dyn Model>> {
    [
        "linear",
        "two_layer:relu_pow:2:k=5",
        "two_layer:relu:k=5",
        "two_layer:leaky_relu:0.1:k=3",
        "mlp:relu_pow:2:k=4,3",
        "mlp:relu:k=3,3",
        "mlp:quadratic:k=3,2",
    ]
    .iter()
    .map(|s| ModelSpec::parse(s).unwrap().build_for(D, c, None).unwrap())
    .collect()
}

fn mag(theta: &[f64], x: &[f64], l: f64) -> f64 {
    let n = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>().sqrt();
    (1.0 + n(theta)).powf(l) * (1.0 + n(x)).powf(l)
}

fn rows(model: &dyn Model, data: &Dataset, theta: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut s = vec![0.0; data.outputs()];
    let mut q = Vec::new();
    let mut g = Vec::new();
    for r in 0..data.margin_rows() {
        let i = data.row_combo(r, &mut s);
        let x = data.row(i);
        q.push(model.combo_forward(theta, &x, &s));
        let mut gr = vec![0.0; theta.len()];
        model.combo_gradient(theta, &x, &s, &mut gr);
        g.push(gr);
    }
    (q, g)
}

#[test]
fn layouts_names_and_degrees() {
    let ms = models(3);
    let got: Vec<(String, String, f64, usize)> = ms
        .iter()
        .map(|m| (m.name(), m.layout().describe(), m.degree(), m.outputs()))
        .collect();
    assert_eq!(got[0].0, "linear");
    assert_eq!(
        got[0].1,
        ModelSpec::Linear
            .build_for(D, 3, None)
            .unwrap()
            .layout()
            .describe()
    );
    assert!(
        got[0].1.contains("W") && got[0].1.contains('3'),
        "{}",
        got[0].1
    );
    assert_eq!(got[1].0, "two_layer:relu_pow:2:k=5");
    // two_layer keeps its block names W, u; u is the C×k head.
    let names: Vec<String> = ms[1]
        .layout()
        .blocks()
        .iter()
        .map(|b| b.name.clone())
        .collect();
    assert_eq!(names, ["W", "u"]);
    assert_eq!(ms[1].layout().blocks()[1].shape.dims(), vec![3, 5]);
    let names: Vec<String> = ms[4]
        .layout()
        .blocks()
        .iter()
        .map(|b| b.name.clone())
        .collect();
    assert_eq!(names, ["W1", "W2", "u"]);
    assert_eq!(ms[4].layout().blocks()[2].shape.dims(), vec![3, 3]);
    // Degrees are the scalar models': 1, q + 1, 2, 2, 1 + 2 + 4, 3, 1 + 2 + 4.
    let degrees: Vec<f64> = got.iter().map(|g| g.2).collect();
    assert_eq!(degrees, [1.0, 3.0, 2.0, 2.0, 7.0, 3.0, 7.0]);
    assert!(got.iter().all(|g| g.3 == 3));
}

#[test]
fn homogeneity_euler_and_finite_differences() {
    for c in [2, 3, 5] {
        let data = data(c, 7 + c as u64);
        for model in models(c) {
            let theta = theta_for(model.as_ref(), 11);
            let l = model.degree();
            let (q, g) = rows(model.as_ref(), &data, &theta);
            let tol_base = 64.0 * f64::EPSILON * (theta.len() + M) as f64;
            let mut s = vec![0.0; c];
            for r in 0..data.margin_rows() {
                let i = data.row_combo(r, &mut s);
                let x = data.row(i);
                let mg = mag(&theta, &x, l);
                // Homogeneity at c = 2.5.
                let scaled: Vec<f64> = theta.iter().map(|t| 2.5 * t).collect();
                let qs = model.combo_forward(&scaled, &x, &s);
                assert!(
                    (qs - 2.5f64.powf(l) * q[r]).abs() <= tol_base * mg * 2.5f64.powf(l),
                    "{}: homogeneity row {r}",
                    model.name()
                );
                // Euler.
                let e: f64 = theta.iter().zip(&g[r]).map(|(a, b)| a * b).sum();
                assert!(
                    (e - l * q[r]).abs() <= tol_base * mg * l,
                    "{}: Euler row {r}: {e} vs {}",
                    model.name(),
                    l * q[r]
                );
                // Finite differences (smooth activations).
                if model.name().contains("relu:") || model.name().contains("leaky") {
                    continue;
                }
                let h = 1e-5;
                for j in 0..theta.len() {
                    let mut tp = theta.clone();
                    let mut tm = theta.clone();
                    tp[j] += h;
                    tm[j] -= h;
                    let fd = (model.combo_forward(&tp, &x, &s) - model.combo_forward(&tm, &x, &s))
                        / (2.0 * h);
                    assert!(
                        (fd - g[r][j]).abs() <= 1e-6 * mg,
                        "{}: ∂q_{r}/∂θ_{j}: fd {fd} vs {}",
                        model.name(),
                        g[r][j]
                    );
                }
            }
        }
    }
}

#[test]
fn batched_path_equals_per_row_path() {
    for c in [2, 3, 4] {
        let data = data(c, 3 * c as u64);
        for model in models(c) {
            let theta = theta_for(model.as_ref(), 5);
            let (q_ref, g_ref) = rows(model.as_ref(), &data, &theta);
            let mut ws = model.workspace(M);
            let mut q = vec![0.0; data.margin_rows()];
            model.margins(&theta, &data, &mut ws, &mut q);
            let mg = (0..M)
                .map(|i| mag(&theta, &data.row(i), model.degree()))
                .fold(0.0, f64::max);
            let tol = 64.0 * f64::EPSILON * (theta.len() + M) as f64 * mg;
            for (a, b) in q.iter().zip(&q_ref) {
                assert!((a - b).abs() <= tol, "{}: margin {a} vs {b}", model.name());
            }
            let w: Vec<f64> = (0..q.len()).map(|r| 0.1 + (r % 7) as f64 / 7.0).collect();
            let mut out = vec![0.0; theta.len()];
            model.weighted_gradient(&theta, &data, &w, &mut ws, &mut out);
            for (j, o) in out.iter().enumerate() {
                let want: f64 = g_ref.iter().zip(&w).map(|(g, wr)| wr * g[j]).sum();
                assert!(
                    (o - want).abs() <= tol * q.len() as f64,
                    "{}: gradient {j}: {o} vs {want}",
                    model.name()
                );
            }
            // A fresh and a foreign workspace give the same bits.
            let mut q2 = vec![0.0; q.len()];
            let mut ws2 = implicit_bias::models::Workspace::default();
            model.margins(&theta, &data, &mut ws2, &mut q2);
            let mut out2 = vec![0.0; theta.len()];
            model.weighted_gradient(&theta, &data, &w, &mut ws2, &mut out2);
            assert_eq!(q, q2);
            assert_eq!(out, out2);
        }
    }
}

/// Two classes are one margin per sample: W x with C = 2 has q_i = ⟨W_{y_i} − W_{1−y_i}, x_i⟩,
/// the binary linear margin of β = W_1 − W_0 with y = ±1 (class 1 ↦ +1).
#[test]
fn two_classes_match_the_binary_linear_model() {
    let mc = data(2, 1);
    let y: Vec<f64> = (0..M)
        .map(|i| if mc.label(i) == 1 { 1.0 } else { -1.0 })
        .collect();
    let bin = Dataset::new(mc.x.clone(), y).unwrap();
    let w = [0.3, -0.2, 0.5, 0.1, -0.4, 0.7, 0.2, -0.6];
    let beta: Vec<f64> = (0..D).map(|j| w[D + j] - w[j]).collect();
    let q_mc = implicit_bias::margin::margins(
        ModelSpec::Linear.build_for(D, 2, None).unwrap().as_ref(),
        &mc,
        &w,
    )
    .unwrap();
    let q_bin = implicit_bias::margin::margins(
        ModelSpec::Linear.build(D, None).unwrap().as_ref(),
        &bin,
        &beta,
    )
    .unwrap();
    for (a, b) in q_mc.iter().zip(&q_bin) {
        assert!((a - b).abs() < 1e-15, "{a} vs {b}");
    }
    // Cross-entropy on two classes is the logistic loss of the same margins, and the
    // multiclass exponential loss the exponential one.
    for (mc_loss, bin_loss) in [
        (Loss::CrossEntropy, Loss::Logistic),
        (Loss::Exponential, Loss::Exponential),
    ] {
        let a = mc_loss.log_loss_grouped(&q_mc, mc.rows_per_sample());
        let b = bin_loss.log_loss(&q_bin);
        assert!((a - b).abs() < 1e-14, "{mc_loss:?}: {a} vs {b}");
    }
}

#[test]
fn models_refuse_the_wrong_label_kind() {
    let mc = data(3, 2);
    let scalar = ModelSpec::Linear.build(D, None).unwrap();
    let e = scalar.validate_data(&mc).unwrap_err().to_string();
    assert!(e.contains("1 output") && e.contains("3 classes"), "{e}");
    let three = ModelSpec::Linear.build_for(D, 3, None).unwrap();
    let bin = Dataset::new(mc.x.clone(), vec![1.0; M]).unwrap();
    let e = three.validate_data(&bin).unwrap_err().to_string();
    assert!(e.contains("3 output") && e.contains("binary"), "{e}");
    for spec in [
        "diagonal_linear",
        "deep_linear:3",
        "two_layer_frozen:relu:k=4",
    ] {
        let e = ModelSpec::parse(spec)
            .unwrap()
            .build_for(D, 3, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("3 classes"), "{spec}: {e}");
    }
    let _ = Activation::Relu;
}

/// The Clarke relaxation of a pair margin contains its one-sided gradients: at a θ that puts
/// hidden unit 0 of a ReLU net on its kink for sample 0, base (left slopes) and
/// base + direction (right slopes) equal the gradients of q_{0,c} just left and right of it.
#[test]
fn clarke_relaxation_of_a_pair_margin() {
    let c = 3;
    let data = data(c, 9);
    let model = ModelSpec::parse("two_layer:relu:k=3")
        .unwrap()
        .build_for(D, c, None)
        .unwrap();
    let mut theta = theta_for(model.as_ref(), 4);
    // Make w_0 ⟂ x_0.
    let x0 = data.row(0);
    let dotp: f64 = theta[..D].iter().zip(&x0).map(|(a, b)| a * b).sum();
    let nx: f64 = x0.iter().map(|v| v * v).sum();
    for j in 0..D {
        theta[j] -= dotp / nx * x0[j];
    }
    let mut s = vec![0.0; c];
    data.row_combo(0, &mut s);
    let mut base = vec![0.0; theta.len()];
    let dirs = model.combo_clarke_gradient(&theta, &x0, &s, 1e-9, &mut base);
    assert_eq!(dirs.len(), 1, "unit 0 is at its kink");
    for (sign, alpha) in [(-1.0, 0.0), (1.0, 1.0)] {
        let mut t = theta.clone();
        for j in 0..D {
            t[j] += sign * 1e-7 * x0[j];
        }
        let mut g = vec![0.0; theta.len()];
        model.combo_gradient(&t, &x0, &s, &mut g);
        let mut want = base.clone();
        for &(j, v) in &dirs[0].entries {
            want[j] += alpha * v;
        }
        for (a, b) in g.iter().zip(&want) {
            assert!((a - b).abs() < 1e-5, "side {sign}: {a} vs {b}");
        }
    }
}

/// Cross-entropy in the log domain: log L and the weights against a direct evaluation at
/// moderate margins, and finite far past L = 1e-300 (margins ≈ 800).
#[test]
fn cross_entropy_is_log_domain() {
    let q: [f64; 6] = [0.3, -0.2, 1.1, 0.05, 2.0, -0.7];
    let g = 2;
    let direct: f64 = q
        .chunks(g)
        .map(|r: &[f64]| (1.0 + r.iter().map(|v: &f64| (-v).exp()).sum::<f64>()).ln())
        .sum();
    let mut w = vec![0.0; q.len()];
    let (ll, c) = Loss::CrossEntropy.log_loss_and_weights_grouped(&q, &mut w, g);
    assert!((ll - direct.ln()).abs() < 1e-14, "{ll} vs {}", direct.ln());
    for (r, wr) in w.iter().enumerate() {
        let grp = &q[r / g * g..r / g * g + g];
        let deriv = (-q[r]).exp() / (1.0 + grp.iter().map(|v: &f64| (-v).exp()).sum::<f64>());
        assert!((c.exp() * wr - deriv).abs() < 1e-15, "row {r}");
    }
    let far: Vec<f64> = q.iter().map(|v| v + 800.0).collect();
    let (ll, c) = Loss::CrossEntropy.log_loss_and_weights_grouped(&far, &mut w, g);
    // log L ≈ log Σ e^{−q} = −800 + log(direct-ish sum); finite, and the weights' max is 1.
    assert!(ll.is_finite() && (ll + 800.0).abs() < 5.0, "{ll}");
    assert!(c.is_finite() && (c + 800.0).abs() < 5.0, "{c}");
    assert_eq!(w.iter().cloned().fold(0.0, f64::max), 1.0);
}
