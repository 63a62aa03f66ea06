//! The deep MLP's Clarke relaxation (`src/models/mlp/`): exact when a sample's near-kinks
//! lie in one hidden layer, an interval hull that still contains every reachable gradient
//! when they lie in several. The generic battery (homogeneity, Euler, finite differences,
//! batched = per-sample) runs on MLPs in `tests/models.rs`.
//!
//! Method: plant kinks by zeroing a row of W_l (then z_{l,0} = 0 for every input), perturb
//! that row by ε·r (ε = 1e-9, r random), and compare the gradient at the perturbed θ — a point
//! where f is differentiable, on a known side of each kink — with the relaxed set at θ. The
//! gradient moves by O(ε) besides the slope jump, so the tolerance is 1e-6 relative to the
//! gradient's scale (measured residuals ≤ 1e-8).

use implicit_bias::models::{Init, KinkDirection, Mlp, Model, ModelSpec};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const D: usize = 3;
const EPS: f64 = 1e-9;
const TOL: f64 = 1e-6;

fn mlp(spec: &str, seed: u64) -> (Box<dyn Model>, Vec<f64>) {
    ModelSpec::parse(spec)
        .unwrap()
        .instantiate(D, &Init::Uniform { alpha: 1.0 }, seed)
        .unwrap()
}

fn inputs(rng: &mut ChaCha8Rng, n: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|_| (0..D).map(|_| rng.random_range(-1.0..1.0)).collect())
        .collect()
}

/// Offset and column count of block `W{l}`.
fn block(model: &dyn Model, l: usize) -> (usize, usize) {
    let b = model.layout().block(&format!("W{l}")).unwrap();
    (b.offset, b.shape.as_matrix().1)
}

fn grad(model: &dyn Model, theta: &[f64], x: &[f64]) -> Vec<f64> {
    let mut g = vec![0.0; theta.len()];
    model.gradient(theta, x, &mut g);
    g
}

fn dense(d: &KinkDirection, p: usize) -> Vec<f64> {
    let mut v = vec![0.0; p];
    for &(c, x) in &d.entries {
        v[c] = x;
    }
    v
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |a, b| a.max(b.abs()))
}

/// Near-kinks in one layer (W2's row 0 zeroed): the gradient on either side of the kink is
/// base + α·d with α ∈ {0, 1} read off the side — the affine representation is exact.
#[test]
fn one_kink_layer_is_represented_exactly() {
    for spec in ["mlp:relu:k=4,3", "mlp:leaky_relu:0.3:k=4,3,2"] {
        let (model, mut theta) = mlp(spec, 7);
        let (off, cols) = block(model.as_ref(), 2);
        theta[off..off + cols].fill(0.0);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let p = theta.len();
        for x in inputs(&mut rng, 20) {
            let mut base = vec![0.0; p];
            let dirs = model.clarke_gradient(&theta, &x, 1e-6, &mut base);
            assert_eq!(dirs.len(), 1, "{spec}: one near-kink unit");
            let d = dense(&dirs[0], p);
            for _ in 0..4 {
                let mut t2 = theta.clone();
                let r: Vec<f64> = (0..cols).map(|_| rng.random_range(-1.0..1.0)).collect();
                for (t, rv) in t2[off..off + cols].iter_mut().zip(&r) {
                    *t = EPS * rv;
                }
                // The side of the kink: z_{2,0} = ε⟨r, h_1⟩ with h_1 unchanged.
                let h1 = hidden1(model.as_ref(), &theta, &x);
                let side = implicit_bias::params::dot(&r, &h1) > 0.0;
                let g = grad(model.as_ref(), &t2, &x);
                let alpha = if side { 1.0 } else { 0.0 };
                let scale = 1.0 + max_abs(&base) + max_abs(&d);
                for c in 0..p {
                    let want = base[c] + alpha * d[c];
                    assert!(
                        (g[c] - want).abs() <= TOL * scale,
                        "{spec}: coordinate {c}: gradient {} vs relaxed vertex {want}",
                        g[c]
                    );
                }
            }
        }
    }
}

/// h_1 = σ(W_1 x) of an MLP (from its blocks and the activation, independently of the model).
fn hidden1(model: &dyn Model, theta: &[f64], x: &[f64]) -> Vec<f64> {
    let (off, cols) = block(model, 1);
    let rows = model.layout().block("W1").unwrap().shape.as_matrix().0;
    let leaky = model.name().contains("leaky_relu:0.3");
    (0..rows)
        .map(|j| {
            let z = implicit_bias::params::dot(&theta[off + j * cols..off + (j + 1) * cols], x);
            if z > 0.0 {
                z
            } else if leaky {
                0.3 * z
            } else {
                0.0
            }
        })
        .collect()
}

/// Near-kinks in two layers (rows 0 of W1 and W2 zeroed): every gradient reachable from
/// either side of both kinks lies in the interval hull {base + Σ α_k d_k, α ∈ [0, 1]}, whose
/// directions are one per row of a weight block.
#[test]
fn kinks_in_two_layers_stay_inside_the_interval_hull() {
    for spec in ["mlp:relu:k=4,3", "mlp:leaky_relu:0.3:k=3,4,2"] {
        let (model, mut theta) = mlp(spec, 11);
        let (o1, c1) = block(model.as_ref(), 1);
        let (o2, c2) = block(model.as_ref(), 2);
        theta[o1..o1 + c1].fill(0.0);
        theta[o2..o2 + c2].fill(0.0);
        let mlp = Mlp::try_new(
            if spec.contains("leaky") {
                implicit_bias::models::Activation::LeakyRelu(0.3)
            } else {
                implicit_bias::models::Activation::Relu
            },
            &spec
                .rsplit_once("k=")
                .unwrap()
                .1
                .split(',')
                .map(|k| k.parse().unwrap())
                .collect::<Vec<usize>>(),
            D,
        )
        .unwrap();
        let p = theta.len();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut worst = 0.0_f64;
        for x in inputs(&mut rng, 15) {
            assert_eq!(mlp.kink_layers(&theta, &x, 1e-6), 2, "{spec}");
            let mut base = vec![0.0; p];
            let dirs = model.clarke_gradient(&theta, &x, 1e-6, &mut base);
            assert!(!dirs.is_empty());
            for _ in 0..8 {
                let mut t2 = theta.clone();
                for c in (o1..o1 + c1).chain(o2..o2 + c2) {
                    t2[c] = EPS * rng.random_range(-1.0..1.0);
                }
                let g = grad(model.as_ref(), &t2, &x);
                let scale = 1.0
                    + max_abs(&base)
                    + dirs
                        .iter()
                        .map(|d| max_abs(&dense(d, p)))
                        .fold(0.0, f64::max);
                // Row by row: g_row − base_row = α d_row with α ∈ [0, 1].
                let mut covered = vec![false; p];
                for d in &dirs {
                    let dv = dense(d, p);
                    let cs: Vec<usize> = d.entries.iter().map(|e| e.0).collect();
                    let num: f64 = cs.iter().map(|&c| (g[c] - base[c]) * dv[c]).sum();
                    let den: f64 = cs.iter().map(|&c| dv[c] * dv[c]).sum();
                    let alpha = (num / den).clamp(0.0, 1.0);
                    for &c in &cs {
                        let r = (g[c] - base[c] - alpha * dv[c]).abs();
                        worst = worst.max(r / scale);
                        assert!(
                            r <= TOL * scale,
                            "{spec}: coordinate {c} outside the hull ({r})"
                        );
                        covered[c] = true;
                    }
                }
                for c in 0..p {
                    if !covered[c] {
                        let r = (g[c] - base[c]).abs();
                        worst = worst.max(r / scale);
                        assert!(
                            r <= TOL * scale,
                            "{spec}: coordinate {c} moved by {r} without a direction"
                        );
                    }
                }
            }
        }
        assert!(worst <= TOL, "{spec}: worst relative residual {worst:e}");
    }
}

/// Generic θ: no near-kinks, the relaxation is the gradient itself; smooth activations never
/// relax.
#[test]
fn generic_points_and_smooth_activations_have_no_directions() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for spec in [
        "mlp:relu:k=4,3",
        "mlp:relu_pow:2:k=4,3",
        "mlp:quadratic:k=2,2",
    ] {
        let (model, theta) = mlp(spec, 5);
        let widths: Vec<usize> = spec
            .rsplit_once("k=")
            .unwrap()
            .1
            .split(',')
            .map(|k| k.parse().unwrap())
            .collect();
        let act = implicit_bias::models::Activation::parse(
            spec.strip_prefix("mlp:")
                .unwrap()
                .rsplit_once(":k=")
                .unwrap()
                .0,
        )
        .unwrap();
        let mlp = Mlp::try_new(act, &widths, D).unwrap();
        let mut generic = 0;
        for x in inputs(&mut rng, 40) {
            // A layer-2 unit whose inputs h_1 are all 0 has z = 0 exactly: a genuine kink.
            if mlp.kink_layers(&theta, &x, 1e-6) > 0 {
                continue;
            }
            generic += 1;
            let mut base = vec![0.0; theta.len()];
            let dirs = model.clarke_gradient(&theta, &x, 1e-6, &mut base);
            assert!(dirs.is_empty(), "{spec}");
            assert_eq!(base, grad(model.as_ref(), &theta, &x), "{spec}");
        }
        assert!(
            generic >= 30,
            "{spec}: only {generic} of 40 inputs without kinks"
        );
        let pat = model.activation_pattern(&theta, &inputs(&mut rng, 1)[0]);
        assert_eq!(pat.is_some(), spec.contains(":relu:"), "{spec}");
        if let Some(pat) = pat {
            assert_eq!(pat.len(), 7, "one entry per hidden unit of every layer");
        }
    }
}
