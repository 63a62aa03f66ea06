//! Property suite for the homogeneous models.
//!
//! The generic battery — homogeneity f(x; cθ) = c^L f(x; θ), Euler's identity
//! ⟨θ, ∇f⟩ = L f (also at a degenerate θ whose first hidden unit sits exactly at its kink),
//! the gradient against central finite differences away from kinks, the batched margins and
//! weighted gradient against the per-sample path, and workspace reuse — is the public
//! `implicit_bias::testing::model`, run here through `model_conformance!` on every built-in
//! model (linear; two-layer with ReLU, ReLU², ReLU^1.5, z², leaky ReLU(½); frozen two-layer
//! nets; deep linear nets; the diagonal linear net), exactly as a downstream crate runs it
//! on its own models. Tolerances are documented in that module.
//!
//! This file keeps the tests specific to one model: the fixed kink subgradient σ'(0) of the
//! two-layer nets, hand-computed values, the GEMM path at training size, initialization,
//! spec strings, activations and the Clarke relaxation.

use approx::abs_diff_eq;
use implicit_bias::data::Dataset;
use implicit_bias::error::Error;
use implicit_bias::model_conformance;
use implicit_bias::models::init::{fan_in, initialize};
use implicit_bias::models::{Activation, Init, Model, ModelSpec, TwoLayer};
use implicit_bias::params::{BlockShape, Layout};
use implicit_bias::testing::model::{check_batched, degenerate_theta, model_case, ModelCase};
use nalgebra::DMatrix;
use proptest::prelude::*;
use quickcheck::{quickcheck, TestResult};

const D: usize = 3;

/// The model for a spec string on ℝ^D (frozen u drawn by `instantiate`, uniform ±1/k-ish).
fn model_for(spec: &str) -> Box<dyn Model> {
    let init = Init::Uniform { alpha: 4.0 };
    ModelSpec::parse(spec)
        .unwrap()
        .instantiate(D, &init, 3)
        .unwrap()
        .0
}

model_conformance!(linear, model_for("linear"));
model_conformance!(two_layer_relu, model_for("two_layer:relu:k=4"));
model_conformance!(two_layer_relu_pow2, model_for("two_layer:relu_pow:2:k=4"));
model_conformance!(
    two_layer_relu_pow15,
    model_for("two_layer:relu_pow:1.5:k=4")
);
model_conformance!(two_layer_quadratic, model_for("two_layer:quadratic:k=4"));
model_conformance!(two_layer_leaky, model_for("two_layer:leaky_relu:0.5:k=4"));
model_conformance!(
    two_layer_frozen_relu,
    model_for("two_layer_frozen:relu:k=4")
);
model_conformance!(
    two_layer_frozen_leaky,
    model_for("two_layer_frozen:leaky_relu:0.5:k=4")
);
model_conformance!(deep_linear_2, model_for("deep_linear:2"));
model_conformance!(deep_linear_3, model_for("deep_linear:3"));
model_conformance!(deep_linear_4_wide, model_for("deep_linear:4:k=5"));
model_conformance!(diagonal_linear, model_for("diagonal_linear"));
model_conformance!(mlp_relu, model_for("mlp:relu:k=4,3"));
model_conformance!(mlp_relu_pow2, model_for("mlp:relu_pow:2:k=3,4"));
model_conformance!(mlp_relu_pow15_deep, model_for("mlp:relu_pow:1.5:k=3,3,2"));
model_conformance!(mlp_quadratic, model_for("mlp:quadratic:k=2,3"));
model_conformance!(mlp_leaky_deep, model_for("mlp:leaky_relu:0.5:k=3,2,3"));
model_conformance!(mlp_one_layer, model_for("mlp:relu:k=4"));

/// The specs of the `model_conformance!` invocations above (keep in step: one line each).
const ROSTER: &[&str] = &[
    "linear",
    "two_layer:relu:k=4",
    "two_layer:relu_pow:2:k=4",
    "two_layer:relu_pow:1.5:k=4",
    "two_layer:quadratic:k=4",
    "two_layer:leaky_relu:0.5:k=4",
    "two_layer_frozen:relu:k=4",
    "two_layer_frozen:leaky_relu:0.5:k=4",
    "deep_linear:2",
    "deep_linear:3",
    "deep_linear:4:k=5",
    "diagonal_linear",
    "mlp:relu:k=4,3",
    "mlp:relu_pow:2:k=3,4",
    "mlp:relu_pow:1.5:k=3,3,2",
    "mlp:quadratic:k=2,3",
    "mlp:leaky_relu:0.5:k=3,2,3",
    "mlp:relu:k=4",
];

/// Every model family and every activation of the catalogues is in the conformance roster.
#[test]
fn roster_covers_the_model_and_activation_catalogues() {
    for r in ModelSpec::catalogue() {
        assert!(
            ROSTER
                .iter()
                .any(|s| s.split(':').next() == Some(r.name.as_str())),
            "model `{}` is not in the conformance roster",
            r.name
        );
    }
    for r in Activation::catalogue() {
        assert!(
            ROSTER.iter().any(|s| s.contains(&format!(":{}", r.name))),
            "activation `{}` is not in the conformance roster",
            r.name
        );
    }
    for s in ROSTER {
        ModelSpec::parse(s).unwrap();
    }
}

/// The fixed kink subgradient: with row 0 of W zero (the battery's degenerate θ), ∇w_0 f =
/// u_0 σ'(0) x exactly (0 for ReLU, a·u_0·x for leaky ReLU).
fn check_kink_subgradient(
    model: &dyn Model,
    act: Activation,
    case: &ModelCase,
) -> Result<(), TestCaseError> {
    let kink = degenerate_theta(model, &case.theta);
    let u0 = match model.frozen_output() {
        Some(u) => u[0],
        None => kink[model.layout().block("u").unwrap().offset],
    };
    for i in 0..case.data.m() {
        let x = case.data.row(i);
        let mut g = vec![f64::NAN; model.layout().len()];
        model.gradient(&kink, &x, &mut g);
        for l in 0..D {
            prop_assert_eq!(g[l], u0 * act.derivative(0.0) * x[l]);
        }
    }
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

macro_rules! kink_subgradient {
    ($($name:ident => $spec:expr),* $(,)?) => {
        $(
            proptest! {
                #![proptest_config(config())]
                #[test]
                fn $name(case in model_case(model_for($spec).layout().len(), D)) {
                    let model = model_for($spec);
                    let ModelSpec::TwoLayer { activation, .. } = ModelSpec::parse($spec).unwrap() else {
                        panic!("{} is not a two-layer net", $spec);
                    };
                    check_kink_subgradient(model.as_ref(), activation, &case)?;
                }
            }
        )*
    };
}

kink_subgradient! {
    kink_subgradient_relu => "two_layer:relu:k=4",
    kink_subgradient_relu_pow2 => "two_layer:relu_pow:2:k=4",
    kink_subgradient_relu_pow15 => "two_layer:relu_pow:1.5:k=4",
    kink_subgradient_quadratic => "two_layer:quadratic:k=4",
    kink_subgradient_leaky => "two_layer:leaky_relu:0.5:k=4",
    kink_subgradient_frozen_relu => "two_layer_frozen:relu:k=4",
    kink_subgradient_frozen_leaky => "two_layer_frozen:leaky_relu:0.5:k=4",
}

#[test]
fn degrees_and_names() {
    let cases = [
        ("linear", 1.0),
        ("two_layer:relu:k=4", 2.0),
        ("two_layer:relu_pow:2:k=4", 3.0),
        ("two_layer:relu_pow:1.5:k=4", 2.5),
        ("two_layer:quadratic:k=4", 3.0),
        ("two_layer:leaky_relu:0.5:k=4", 2.0),
        ("two_layer_frozen:relu:k=4", 1.0),
        ("two_layer_frozen:relu_pow:2:k=4", 2.0),
        ("deep_linear:3", 3.0),
        ("deep_linear:4:k=5", 4.0),
        ("diagonal_linear", 2.0),
        // MLPs: L = 1 + a + ⋯ + a^D with a = deg σ (the degrees multiply through the layers).
        ("mlp:relu:k=4", 2.0),
        ("mlp:relu:k=4,3", 3.0),
        ("mlp:leaky_relu:0.5:k=3,2,3", 4.0),
        ("mlp:relu_pow:2:k=3,4", 7.0),
        ("mlp:relu_pow:2:k=3,3,3", 15.0),
        ("mlp:relu_pow:1.5:k=3,3,2", 1.0 + 1.5 + 2.25 + 3.375),
        ("mlp:quadratic:k=2,3", 7.0),
    ];
    for (spec, l) in cases {
        let model = model_for(spec);
        assert_eq!(model.degree(), l, "{spec}");
        assert_eq!(model.name(), spec);
        assert_eq!(model.input_dim(), D);
    }
    // An explicit width equal to d is named without it.
    let m = ModelSpec::parse("deep_linear:3:k=3")
        .unwrap()
        .build(3, None)
        .unwrap();
    assert_eq!(m.name(), "deep_linear:3");
}

#[test]
fn layouts() {
    let m = model_for("two_layer:relu:k=4");
    assert_eq!(m.layout().describe(), "W[4×3], u[4]");
    let m = model_for("two_layer_frozen:relu:k=4");
    assert_eq!(m.layout().describe(), "W[4×3]");
    assert_eq!(m.frozen_output().map(|u| u.len()), Some(4));
    assert!(model_for("two_layer:relu:k=4").frozen_output().is_none());
    let m = model_for("deep_linear:4:k=5");
    assert_eq!(m.layout().describe(), "W1[5×3], W2[5×5], W3[5×5], w[5]");
    assert_eq!(
        model_for("diagonal_linear").layout().describe(),
        "u[3], v[3]"
    );
    assert_eq!(model_for("linear").layout().describe(), "theta[3]");
    assert_eq!(
        model_for("mlp:relu:k=4,2,5").layout().describe(),
        "W1[4×3], W2[2×4], W3[5×2], u[5]"
    );
}

#[test]
fn two_layer_forward_by_hand() {
    // W = [[1, −2], [0.5, 1]], u = [2, −1], x = [1, 1]: Wx = [−1, 1.5].
    let theta = [1.0, -2.0, 0.5, 1.0, 2.0, -1.0];
    let x = [1.0, 1.0];
    let f = |act| TwoLayer::new(act, 2, 2).forward(&theta, &x);
    assert_eq!(f(Activation::Relu), -1.5);
    assert_eq!(f(Activation::LeakyRelu(0.5)), 2.0 * -0.5 - 1.5);
    assert_eq!(f(Activation::Quadratic), 2.0 - 2.25);
    assert_eq!(f(Activation::ReluPow(2.0)), -2.25);
    // Frozen: the same net with u = [2, −1] fixed and θ = W.
    let frozen = TwoLayer::frozen(Activation::Relu, 2, 2, vec![2.0, -1.0]).unwrap();
    assert_eq!(frozen.forward(&theta[..4], &x), -1.5);
    assert_eq!(frozen.frozen_u(), Some(&[2.0, -1.0][..]));
    assert_eq!(frozen.width(), 2);
    assert_eq!(frozen.activation(), Activation::Relu);
}

#[test]
fn two_layer_batched_at_training_size() {
    // The GEMM path at a size where faer uses its blocked kernels (m = 300, d = 20, k = 16),
    // against the per-sample path; tolerance as in the module docs.
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let (m, d, k) = (300, 20, 16);
    let x = DMatrix::from_fn(m, d, |_, _| rng.random_range(-1.0..1.0));
    let y = (0..m)
        .map(|i| if i % 3 == 0 { 1.0 } else { -1.0 })
        .collect();
    let data = Dataset::new(x, y).unwrap();
    let w: Vec<f64> = (0..m).map(|_| rng.random_range(0.0..1.0)).collect();
    for act in [
        "relu",
        "relu_pow:2",
        "relu_pow:1.5",
        "leaky_relu:0.5",
        "quadratic",
    ] {
        for frozen in [false, true] {
            let spec = ModelSpec::TwoLayer {
                activation: Activation::parse(act).unwrap(),
                k,
                frozen,
            };
            let (model, theta) = spec
                .instantiate(d, &Init::Uniform { alpha: 1.0 }, 9)
                .unwrap();
            let theta: Vec<f64> = theta.iter().map(|t| t * 10.0).collect();
            check_batched(model.as_ref(), &theta, &data, &w).unwrap();
        }
    }
}

#[test]
fn validate_data_rejects_wrong_dimension() {
    let data = Dataset::new(DMatrix::from_element(2, 4, 0.5), vec![1.0, -1.0]).unwrap();
    for spec in [
        "linear",
        "two_layer:relu:k=4",
        "deep_linear:3",
        "diagonal_linear",
    ] {
        let model = model_for(spec);
        let err = model.validate_data(&data).unwrap_err();
        assert!(matches!(err, Error::Data(_)), "{spec}: {err}");
        assert!(err.to_string().contains("expects 3 features"), "{err}");
    }
    let ok = Dataset::new(DMatrix::from_element(2, 3, 0.5), vec![1.0, -1.0]).unwrap();
    assert!(model_for("two_layer:relu:k=4").validate_data(&ok).is_ok());
}

// ---------------------------------------------------------------- initialization

#[test]
fn initialize_is_deterministic_and_seed_dependent() {
    let layout = Layout::new([
        ("W", BlockShape::Matrix { rows: 8, cols: 5 }),
        ("u", BlockShape::Vector(8)),
    ])
    .unwrap();
    for init in [Init::default(), Init::Uniform { alpha: 0.5 }] {
        let a = initialize(&layout, &init, 42).unwrap();
        let b = initialize(&layout, &init, 42).unwrap();
        let c = initialize(&layout, &init, 43).unwrap();
        assert_eq!(a.len(), 48);
        assert_eq!(a, b);
        assert!(
            a.iter().zip(&c).all(|(x, y)| x != y),
            "seeds 42 and 43 share an entry"
        );
    }
}

#[test]
fn initialize_golden_values() {
    // Pinned draws for seed 0 (ChaCha8 + rand_distr 0.5): a change here means every
    // experiment's θ0 changed, e.g. after a rand/rand_distr upgrade. Fan-in is 2 for both
    // blocks, so Kaiming draws are N(0, 1/2) and uniform draws lie in [−1/2, 1/2].
    let layout = Layout::new([
        ("W", BlockShape::Matrix { rows: 2, cols: 2 }),
        ("u", BlockShape::Vector(2)),
    ])
    .unwrap();
    let kaiming = initialize(&layout, &Init::KaimingNormal { scale: 1.0 }, 0).unwrap();
    assert_eq!(
        kaiming,
        [
            0.49494702444534544,
            -0.10186695931985523,
            0.21417294269002257,
            -0.9719280994049394,
            0.8487697288804383,
            0.07833424794006966
        ]
    );
    let uniform = initialize(&layout, &Init::Uniform { alpha: 1.0 }, 0).unwrap();
    assert_eq!(
        uniform,
        [
            0.20907541542656183,
            -0.03407827771038974,
            0.19914324267473182,
            -0.4398288343658283,
            0.37911071795861884,
            0.04953126878944658
        ]
    );
}

#[test]
fn kaiming_normal_std_matches_scale_over_sqrt_fan_in() {
    let layout = Layout::new([(
        "W",
        BlockShape::Matrix {
            rows: 200,
            cols: 100,
        },
    )])
    .unwrap();
    let scale = 0.01;
    let t = initialize(&layout, &Init::KaimingNormal { scale }, 1).unwrap();
    let n = t.len() as f64;
    let mean = t.iter().sum::<f64>() / n;
    let std = (t.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let want = scale / 100f64.sqrt();
    // 20 000 draws: the std estimate has relative s.d. ≈ 1/√(2n) = 0.5%, so 10% is > 20σ
    // away from a false failure yet catches a wrong fan-in (×√2 or more).
    assert!(
        abs_diff_eq!(std / want, 1.0, epsilon = 0.1),
        "std {std} vs {want}"
    );
    // The mean has s.d. want/√n; 6σ.
    assert!(mean.abs() < 6.0 * want / n.sqrt(), "mean {mean}");
}

#[test]
fn uniform_init_respects_per_block_bounds() {
    let layout = Layout::new([
        ("W", BlockShape::Matrix { rows: 50, cols: 40 }),
        ("u", BlockShape::Vector(50)),
    ])
    .unwrap();
    let alpha = 0.3;
    let t = initialize(&layout, &Init::Uniform { alpha }, 7).unwrap();
    for b in layout.blocks() {
        let bound = alpha / fan_in(&b.shape) as f64;
        let block = &t[b.range()];
        let max = block.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        assert!(max <= bound, "block {}: {max} > {bound}", b.name);
        // With ≥ 50 draws the largest |θ| exceeds 0.8·bound unless p = 0.8^50 ≈ 1e-5.
        assert!(
            max > 0.8 * bound,
            "block {}: max {max} ≪ bound {bound}",
            b.name
        );
    }
    assert_eq!(fan_in(&BlockShape::Vector(50)), 50);
    assert_eq!(fan_in(&BlockShape::Matrix { rows: 50, cols: 40 }), 40);
}

#[test]
fn init_validation_and_serde() {
    let layout = Layout::vector("theta", 3).unwrap();
    for bad in [
        Init::KaimingNormal { scale: 0.0 },
        Init::KaimingNormal { scale: f64::NAN },
        Init::Uniform { alpha: -1.0 },
        Init::Uniform {
            alpha: f64::INFINITY,
        },
    ] {
        assert!(
            matches!(initialize(&layout, &bad, 0), Err(Error::Config(_))),
            "{bad:?}"
        );
    }
    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    struct Cfg {
        init: Init,
        model: ModelSpec,
        act: Activation,
    }
    let cfg: Cfg = toml::from_str(
        "model = \"two_layer:relu_pow:2:k=64\"\nact = \"leaky_relu:0.5\"\n\
         init = { type = \"uniform\", alpha = 0.1 }\n",
    )
    .unwrap();
    assert_eq!(cfg.init, Init::Uniform { alpha: 0.1 });
    assert_eq!(
        cfg.model,
        ModelSpec::TwoLayer {
            activation: Activation::ReluPow(2.0),
            k: 64,
            frozen: false
        }
    );
    assert_eq!(cfg.act, Activation::LeakyRelu(0.5));
    let back: Cfg = toml::from_str(&toml::to_string(&cfg).unwrap()).unwrap();
    assert_eq!(back, cfg);
    assert_eq!(
        serde_json::to_string(&ModelSpec::DeepLinear {
            depth: 3,
            width: Some(5)
        })
        .unwrap(),
        "\"deep_linear:3:k=5\""
    );
    // Unknown fields, unknown types and bad spec strings are rejected.
    assert!(toml::from_str::<Cfg>(
        "model = \"linear\"\nact = \"relu\"\ninit = { type = \"uniform\", alpha = 1, beta = 2 }\n"
    )
    .is_err());
    assert!(toml::from_str::<Cfg>(
        "model = \"linear\"\nact = \"relu\"\ninit = { type = \"xavier\", scale = 1 }\n"
    )
    .is_err());
    let err = toml::from_str::<Cfg>(
        "model = \"two_layer:relu\"\nact = \"relu\"\ninit = { type = \"uniform\", alpha = 1 }\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("two_layer:relu"), "{err}");
    assert_eq!(Init::default(), Init::KaimingNormal { scale: 0.01 });
}

// ---------------------------------------------------------------- specs

#[test]
fn spec_round_trips() {
    for s in [
        "linear",
        "two_layer:relu:k=4",
        "two_layer:relu_pow:2:k=64",
        "two_layer:relu_pow:1.5:k=3",
        "two_layer:quadratic:k=1",
        "two_layer:leaky_relu:0.5:k=8",
        "two_layer:leaky_relu:0:k=8",
        "two_layer_frozen:relu:k=128",
        "two_layer_frozen:leaky_relu:0.25:k=2",
        "deep_linear:2",
        "deep_linear:5:k=7",
        "diagonal_linear",
        "mlp:relu:k=16",
        "mlp:relu_pow:2:k=16,16",
        "mlp:leaky_relu:0.1:k=8,4,2,1",
    ] {
        let spec = ModelSpec::parse(s).unwrap();
        assert_eq!(spec.to_string(), s);
        assert_eq!(ModelSpec::parse(&spec.to_string()).unwrap(), spec);
    }
    assert_eq!(
        ModelSpec::parse("two_layer_frozen:relu_pow:3:k=5").unwrap(),
        ModelSpec::TwoLayer {
            activation: Activation::ReluPow(3.0),
            k: 5,
            frozen: true
        }
    );
    assert_eq!(
        ModelSpec::parse("deep_linear:4").unwrap(),
        ModelSpec::DeepLinear {
            depth: 4,
            width: None
        }
    );
    assert!(ModelSpec::catalogue()
        .iter()
        .any(|r| r.usage == "two_layer:<act>:k=<k>"));
    assert_eq!(Activation::catalogue().len(), 4);
}

proptest! {
    #![proptest_config(config())]
    #[test]
    fn spec_display_parse_round_trip(
        kind in 0usize..5,
        q in 1.0001f64..10.0,
        a in 0.0f64..0.999,
        k in 1usize..1000,
        depth in 2usize..10,
        frozen in prop::bool::ANY,
        width in prop::option::of(1usize..100),
    ) {
        let activation = match kind {
            0 => Activation::Relu,
            1 => Activation::ReluPow(q),
            2 => Activation::Quadratic,
            _ => Activation::LeakyRelu(a),
        };
        let spec = if kind == 4 {
            ModelSpec::DeepLinear { depth, width }
        } else {
            ModelSpec::TwoLayer { activation, k, frozen }
        };
        prop_assert_eq!(ModelSpec::parse(&spec.to_string()).unwrap(), spec.clone());
        prop_assert_eq!(Activation::parse(&activation.to_string()).unwrap(), activation);
    }
}

#[test]
fn spec_errors_are_clear() {
    let cases = [
        ("two_layer:relu", "k="),
        ("two_layer:foo:k=3", "unknown activation `foo`"),
        ("two_layer:relu:k=0", "k must be ≥ 1"),
        ("two_layer:relu:k=x", "not a non-negative integer"),
        ("two_layer:relu_pow:1:k=3", "q > 1"),
        ("two_layer:relu_pow:abc:k=3", "not a number"),
        ("two_layer:leaky_relu:1:k=3", "0 ≤ a < 1"),
        ("two_layer:leaky_relu:-0.1:k=3", "0 ≤ a < 1"),
        ("two_layer:relu:7:k=3", "takes no argument"),
        ("deep_linear:1", "D must be ≥ 2"),
        ("deep_linear", "deep_linear:<D>"),
        ("deep_linear:3:w=2", "deep_linear:<D>"),
        ("deep_linear:3:k=0", "k must be ≥ 1"),
        ("linear:3", "takes no arguments"),
        ("mlp", "mlp:<activation>:k=<k1>,<k2>"),
        ("mlp:relu", "mlp:<activation>:k=<k1>,<k2>"),
        ("mlp:relu:k=4,0", "every hidden width must be ≥ 1"),
        ("mlp:relu:k=4,,3", "not a non-negative integer"),
        ("mlp:relu:k=", "not a non-negative integer"),
        ("mlp:swish:k=3", "unknown activation `swish`"),
        ("mlp7", "unknown model `mlp7`"),
    ];
    for (s, needle) in cases {
        let err = ModelSpec::parse(s).unwrap_err();
        assert!(matches!(err, Error::Spec { .. }), "{s}: {err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(s) && msg.contains(needle),
            "{s}: `{msg}` lacks `{needle}`"
        );
    }
    // A frozen net needs its u, of the right length; other models take none.
    let frozen = ModelSpec::parse("two_layer_frozen:relu:k=4").unwrap();
    let err = frozen.build(3, None).unwrap_err();
    assert!(err.to_string().contains("frozen output layer"), "{err}");
    let err = frozen.build(3, Some(&[1.0, 2.0])).unwrap_err();
    assert!(err.to_string().contains("k = 4"), "{err}");
    assert!(frozen.build(3, Some(&[1.0, f64::NAN, 0.0, 0.0])).is_err());
    let m = frozen.build(3, Some(&[1.0, -1.0, 0.5, 2.0])).unwrap();
    assert_eq!(m.frozen_output(), Some(&[1.0, -1.0, 0.5, 2.0][..]));
    assert!(ModelSpec::Linear.build(3, Some(&[1.0])).is_err());
    // d = 0 is an error, not a panic.
    for s in [
        "linear",
        "two_layer:relu:k=2",
        "deep_linear:2",
        "diagonal_linear",
        "mlp:relu:k=2,2",
    ] {
        assert!(ModelSpec::parse(s).unwrap().build(0, None).is_err(), "{s}");
    }
    assert!(implicit_bias::models::Mlp::try_new(Activation::Relu, &[], 3).is_err());
    assert!(TwoLayer::try_new(Activation::ReluPow(0.5), 2, 2).is_err());
}

#[test]
fn instantiate_frozen_draws_u_from_its_own_stream() {
    let spec = ModelSpec::parse("two_layer_frozen:relu:k=6").unwrap();
    let init = Init::default();
    let (m1, t1) = spec.instantiate(4, &init, 11).unwrap();
    let (m2, t2) = spec.instantiate(4, &init, 11).unwrap();
    let (m3, _) = spec.instantiate(4, &init, 12).unwrap();
    assert_eq!(t1, t2);
    assert_eq!(t1.len(), 24);
    let u = m1.frozen_output().unwrap();
    assert_eq!(u, m2.frozen_output().unwrap());
    assert_ne!(u, m3.frozen_output().unwrap());
    // u is the Vector(6) draw with seed 11 ^ 0x9E37_79B9_7F4A_7C15, not a prefix of θ0.
    let want = initialize(
        &Layout::vector("u", 6).unwrap(),
        &init,
        11 ^ 0x9E37_79B9_7F4A_7C15,
    )
    .unwrap();
    assert_eq!(u, &want[..]);
    assert_ne!(u, &t1[..6]);
}

// ---------------------------------------------------------------- activations

fn activations() -> [Activation; 5] {
    [
        Activation::Relu,
        Activation::ReluPow(2.0),
        Activation::ReluPow(1.5),
        Activation::Quadratic,
        Activation::LeakyRelu(0.5),
    ]
}

#[test]
fn activation_kinks_and_smoothness() {
    assert_eq!(Activation::Relu.derivative(0.0), 0.0);
    assert_eq!(Activation::LeakyRelu(0.5).derivative(0.0), 0.5);
    assert_eq!(Activation::LeakyRelu(0.5).value(-2.0), -1.0);
    assert_eq!(Activation::ReluPow(1.5).value(4.0), 8.0);
    assert_eq!(Activation::ReluPow(1.5).derivative(4.0), 3.0);
    let smooth: Vec<bool> = activations().iter().map(|a| a.is_smooth()).collect();
    assert_eq!(smooth, [false, true, true, true, false]);
    let deg: Vec<f64> = activations().iter().map(|a| a.degree()).collect();
    assert_eq!(deg, [1.0, 2.0, 1.5, 2.0, 1.0]);
    assert!(Activation::LeakyRelu(1.0).validate().is_err());
    assert!(Activation::ReluPow(f64::INFINITY).validate().is_err());
}

quickcheck! {
    /// σ(cz) = c^deg σ(z) and z σ'(z) = deg·σ(z) (Euler for σ), for every activation.
    fn activation_homogeneity_and_euler(z: f64, c: f64) -> TestResult {
        if !z.is_finite() || !c.is_finite() || z.abs() > 1e6 || !(1e-3..1e3).contains(&c.abs()) {
            return TestResult::discard();
        }
        let c = c.abs();
        for act in activations() {
            let (s, ds, k) = (act.value(z), act.derivative(z), act.degree());
            // Relative tolerance: a few ulps of powf and products.
            let t = 1e-13 * (1.0 + act.value(z.abs()) * c.powf(k).max(1.0));
            if !abs_diff_eq!(act.value(c * z), c.powf(k) * s, epsilon = t)
                || !abs_diff_eq!(z * ds, k * s, epsilon = 1e-13 * (1.0 + (k * s).abs()))
            {
                return TestResult::failed();
            }
        }
        TestResult::passed()
    }
}

/// Clarke relaxation of the two-layer net: at a unit exactly at its kink, the one-sided
/// gradients (from θ moved slightly to either side of the kink) are the two ends of
/// base + [0, 1]·direction; away from kinks there are no directions and base = ∇f.
#[test]
fn clarke_gradient_brackets_the_one_sided_gradients() {
    use implicit_bias::models::{Activation, Model, TwoLayer};
    for act in [Activation::Relu, Activation::LeakyRelu(0.5)] {
        let (k, d) = (3, 4);
        let model = TwoLayer::new(act, k, d);
        let x = [0.5, -1.0, 2.0, 0.25];
        // W rows: row 0 orthogonal to x (exactly at the kink), rows 1, 2 generic.
        let mut theta = vec![
            2.0, 1.0, 0.0, 0.0, // w_0 · x = 1 − 1 = 0
            0.3, -0.2, 0.5, 1.0, //
            -0.4, 0.1, -0.3, 0.2, //
            1.5, -0.7, 0.9, // u
        ];
        let p = theta.len();
        let mut base = vec![0.0; p];
        let dirs = model.clarke_gradient(&theta, &x, 1e-9, &mut base);
        assert_eq!(dirs.len(), 1, "{act}: only unit 0 is at its kink");
        assert_eq!(dirs[0].unit, 0);
        let mut full = base.clone();
        for &(i, v) in &dirs[0].entries {
            full[i] += v;
        }
        // Move w_0 by ±δ·x to either side of the kink and take the ordinary gradient.
        let delta = 1e-7;
        let mut g_plus = vec![0.0; p];
        let mut g_minus = vec![0.0; p];
        let mut th = theta.clone();
        for l in 0..d {
            th[l] = theta[l] + delta * x[l];
        }
        model.gradient(&th, &x, &mut g_plus);
        for l in 0..d {
            th[l] = theta[l] - delta * x[l];
        }
        model.gradient(&th, &x, &mut g_minus);
        for i in 0..p {
            // The u-part moves by O(δ‖x‖²); the W-part is exact.
            let tol = 1e-6;
            assert!(
                abs_diff_eq!(g_plus[i], full[i], epsilon = tol),
                "{act}: right side, coord {i}"
            );
            assert!(
                abs_diff_eq!(g_minus[i], base[i], epsilon = tol),
                "{act}: left side, coord {i}"
            );
        }
        // Away from kinks: no directions, base = ∇f.
        theta[0] = 2.5;
        let dirs = model.clarke_gradient(&theta, &x, 1e-9, &mut base);
        let mut g = vec![0.0; p];
        model.gradient(&theta, &x, &mut g);
        assert!(dirs.is_empty());
        assert_eq!(base, g);
    }
    // Smooth activations never report kinks.
    let model = TwoLayer::new(Activation::ReluPow(2.0), 2, 2);
    let mut base = vec![0.0; 6];
    assert!(model
        .clarke_gradient(&[0.0; 6], &[1.0, 1.0], 1e-9, &mut base)
        .is_empty());
}

/// Found by fuzzing (`fuzz/fuzz_targets/specs.rs`): `deep_linear:D` pushed D block names
/// before any size check, so D = 2⁶⁴−1 grew a vector until allocation failed (abort) and
/// D ≈ 5.7·10⁶ spent ~9 s and ~1.1 GB on bookkeeping. The depth is now in the memory
/// estimate (8 bytes per parameter + 256 per block) checked before anything is built.
#[test]
fn deep_linear_depth_is_in_the_memory_estimate() {
    use implicit_bias::resources::set_memory_limit;
    for spec in [
        "deep_linear:18446744073709551615",
        "deep_linear:100000000:k=1",
    ] {
        let Err(err) = ModelSpec::parse(spec).unwrap().build(3, None) else {
            panic!("{spec} was built");
        };
        assert!(err.to_string().contains("memory"), "{spec}: {err}");
    }
    // 5·10⁵ blocks of 1×1 (5·10⁵ parameters) need ~132 MB by the estimate: refused under 64 MiB, built under 1 GiB.
    let spec = ModelSpec::parse("deep_linear:500000:k=1").unwrap();
    set_memory_limit(Some(64 << 20));
    let refused = spec.build(1, None);
    set_memory_limit(Some(1 << 30));
    let built = spec.build(1, None);
    set_memory_limit(None);
    assert!(refused.is_err());
    assert_eq!(built.unwrap().layout().len(), 500_000);
}
