//! Property and unit tests for every optimizer (src/optim).
//!
//! The generic battery is the public `implicit_bias::testing::optimizer`, run here through
//! `optimizer_conformance!` on every optimizer of the roster below — exactly as a downstream
//! crate runs it on its own optimizer:
//! * determinism and finiteness, also at log-scales shifted by −5000 and −10⁴;
//! * Δ depends only on g = e^{c}ĝ ((c, ĝ) vs (c − k ln 2, 2^k ĝ), k ∈ [−600, 600]);
//! * argument errors (wrong lengths, NaN/+∞ log-scale, NaN entries, negative η, a foreign
//!   state) and Δ = 0 for a zero gradient;
//! * declared claims: scale invariance under c → c + k, k ∈ [−5000, 50] (bitwise for the
//!   momentum-free normalized methods); normalized steps have norm η in their own norm;
//!   every momentum-free optimizer equals `SteepestDescent` with its implicit norm.
//!
//! Specific to single optimizers (this file):
//! * normalized steps have norm η in the norm the theory names (ℓ2, ℓ∞, ℓ1, ℓ3,
//!   max-spectral, hybrid), independently of what `implicit_norm` says;
//! * sign GD / Signum / Adam(β1 = β2 = ε = 0) steps are exactly ±η, or 0 where the
//!   gradient/momentum coordinate is exactly 0;
//! * Muon steps have all singular values η per matrix block and zero rows for dead rows;
//!   Newton–Schulz steps follow the scalar map p⁵ and lie in a measured band;
//! * momentum-free optimizers against independent reference formulas; β = 0 momentum
//!   methods equal their momentum-free versions; Adam(β1 = β2 = 0, ε = 0) = sign GD;
//! * plain-f64 reference implementations of [M] eq. 19/20 and [A] eq. 3 at moderate scales;
//! * zero-coordinate and tiny-loss (log-scale −5000, −10⁴) behaviour;
//! * implicit norms (AdaGrad's weighted ℓ2 from its state, Muon-Adam's max-block weights);
//! * Partition semantics and errors; OptimizerConfig TOML/JSON round trips and errors.

use approx::{abs_diff_eq, assert_abs_diff_eq};
use implicit_bias::linalg;
use implicit_bias::norms::{BlockNormKind, NormSpec};
use implicit_bias::optim::{
    AdaGrad, Adam, AdamWm, MomentumGd, Muon, NormalizedMomentumGd, Optimizer, OptimizerConfig,
    Partition, PartitionGroup, RmsProp, ScaledGrad, ScheduleClass, Signum, SteepestDescent, Step,
};
use implicit_bias::params::{BlockShape, Layout};
use implicit_bias::testing::optimizer::{
    assert_seq_close, check_normalized_steps, close, max_abs, run, run_state, Grads, Steps, LR,
};
use implicit_bias::testing::{net_layout, Declared, IntoBoxedOptimizer, LayoutFamily};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------
// The roster: every optimizer type of the catalogue with default hyper-parameters, plus
// variants whose behaviour differs (ε > 0 / ε = 0, β1 = 0, general steepest descent), each
// with the claims it declares. Each entry becomes a module of battery tests.
// ---------------------------------------------------------------------------------------

fn cfg(name: &str) -> Box<dyn Optimizer> {
    OptimizerConfig::parse_name(name).unwrap().build().unwrap()
}

macro_rules! roster {
    ($($name:ident => $ctor:expr $(, $key:ident = $value:expr)*;)*) => {
        $( implicit_bias::optimizer_conformance!($name, $ctor $(, $key = $value)*); )*

        /// (optimizer, its declared claims) for every roster entry.
        fn roster() -> Vec<(Box<dyn Optimizer>, Declared)> {
            vec![$((
                $ctor.into_boxed_optimizer(),
                Declared { $($key: $value,)* ..Default::default() },
            )),*]
        }
    };
}

roster! {
    gd => cfg("gd"), momentum_free = true;
    ngd => cfg("ngd"), momentum_free = true, normalized = true, scale_invariant = true;
    sign_gd => cfg("sign_gd"), momentum_free = true, normalized = true, scale_invariant = true;
    coordinate_descent => cfg("coordinate_descent"), momentum_free = true;
    spectral_descent => cfg("spectral_descent"),
        momentum_free = true, normalized = true, scale_invariant = true;
    steepest_lp3 => SteepestDescent { norm: NormSpec::Lp(3.0), normalized: false },
        momentum_free = true;
    normalized_steepest_lp3 => SteepestDescent { norm: NormSpec::Lp(3.0), normalized: true },
        momentum_free = true, normalized = true, scale_invariant = true;
    normalized_steepest_l1 => SteepestDescent { norm: NormSpec::L1, normalized: true },
        momentum_free = true, normalized = true, scale_invariant = true;
    momentum_gd => cfg("momentum_gd");
    normalized_momentum_gd => cfg("normalized_momentum_gd"),
        normalized = true, scale_invariant = true;
    signum => cfg("signum"), normalized = true, scale_invariant = true;
    muon => cfg("muon"), normalized = true, scale_invariant = true;
    muon_ns => cfg("muon_ns"), scale_invariant = true;
    adam => cfg("adam"), scale_invariant = true;
    adam_eps => Adam { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    adam_no_momentum => cfg("adam_no_momentum"), scale_invariant = true;
    adam_no_momentum_0_99 => Adam::no_momentum(0.99, 0.0), scale_invariant = true;
    rms_prop => cfg("rms_prop");
    rms_prop_eps0 => RmsProp { beta: 0.9, eps: 0.0 }, scale_invariant = true;
    adam_wm => cfg("adam_wm");
    adam_wm_eps0 => AdamWm { beta: 0.9, eps: 0.0 }, scale_invariant = true;
    ada_grad => cfg("ada_grad");
    ada_grad_eps0 => AdaGrad { eps: 0.0 }, scale_invariant = true;
    muon_signum => cfg("muon_signum"), normalized = true, scale_invariant = true;
    muon_adam => cfg("muon_adam"), scale_invariant = true;
    lion => cfg("lion"), normalized = true, scale_invariant = true;
    muon_adam_0_1 => Partition::muon_adam(0.9, 0.9, 0.999, 0.0, 0.1), scale_invariant = true;
    muon_adam_eps => Partition::muon_adam(0.9, 0.9, 0.999, 1e-8, 0.1);
}

/// The roster entries that declare scale invariance.
fn scale_free() -> Vec<Box<dyn Optimizer>> {
    roster()
        .into_iter()
        .filter(|(_, d)| d.scale_invariant)
        .map(|(o, _)| o)
        .collect()
}

/// Every catalogue type appears in the roster (so the battery covers all of them).
#[test]
fn roster_covers_the_catalogue() {
    let names: Vec<String> = roster().iter().map(|(o, _)| o.name()).collect();
    for (n, _) in OptimizerConfig::catalogue() {
        if n != "steepest_descent" {
            assert!(names.iter().any(|m| m == n), "{n} is not in the roster");
        }
    }
    assert!(names.iter().any(|m| m.starts_with("steepest_descent:")));
    assert!(names
        .iter()
        .any(|m| m.starts_with("normalized_steepest_descent:")));
}

// ---------------------------------------------------------------------------------------
// Strategies and helpers for the specific tests
// ---------------------------------------------------------------------------------------

fn norm_value(spec: &NormSpec, layout: &Layout, x: &[f64]) -> f64 {
    spec.build(layout).unwrap().value(layout, x)
}

/// A layout (`[theta: n ≤ 8]` or `[W: k×d, u: k]`, k, d ≤ 5) and a gradient sequence of
/// 1..=steps steps with log-scales in [−c_max, c_max] (the battery's strategy).
fn case(steps: usize, c_max: f64) -> impl Strategy<Value = (Layout, Grads)> {
    let family = LayoutFamily::either(LayoutFamily::vectors(8), LayoutFamily::nets(5, 5));
    implicit_bias::testing::optimizer::case(&family, steps, c_max)
}

// ---------------------------------------------------------------------------------------
// Reference implementations (plain f64, valid at moderate log-scales)
// ---------------------------------------------------------------------------------------

fn true_grads(grads: &Grads) -> Vec<Vec<f64>> {
    grads
        .iter()
        .map(|(c, g)| g.iter().map(|v| c.exp() * v).collect())
        .collect()
}

/// [M] eq. 20 (ε outside the root); 0 where the denominator is 0.
fn adam_ref(grads: &Grads, b1: f64, b2: f64, eps: f64, lr: f64) -> Vec<Vec<f64>> {
    let gs = true_grads(grads);
    let p = gs[0].len();
    let (mut m, mut v) = (vec![0.0; p], vec![0.0; p]);
    let mut out = vec![];
    for (t, g) in gs.iter().enumerate() {
        let n = t as i32 + 1;
        let mut d = vec![0.0; p];
        for j in 0..p {
            m[j] = b1 * m[j] + (1.0 - b1) * g[j];
            v[j] = b2 * v[j] + (1.0 - b2) * g[j] * g[j];
            let mh = m[j] / (1.0 - b1.powi(n));
            let vh = v[j] / (1.0 - b2.powi(n));
            let den = vh.sqrt() + eps;
            d[j] = if den > 0.0 { -lr * mh / den } else { 0.0 };
        }
        out.push(d);
    }
    out
}

/// [A] eq. 3: v ← a v + b g², Δ = −η g/√(ε + v) (RMSProp: a = β, b = 1 − β; AdaGrad: 1, 1).
fn rms_ref(grads: &Grads, a: f64, b: f64, eps: f64, lr: f64) -> Vec<Vec<f64>> {
    let gs = true_grads(grads);
    let p = gs[0].len();
    let mut v = vec![0.0; p];
    let mut out = vec![];
    for g in &gs {
        let mut d = vec![0.0; p];
        for j in 0..p {
            v[j] = a * v[j] + b * g[j] * g[j];
            let den = (eps + v[j]).sqrt();
            d[j] = if den > 0.0 { -lr * g[j] / den } else { 0.0 };
        }
        out.push(d);
    }
    out
}

/// [M] eq. 19 momentum sequence.
fn momentum_ref(grads: &Grads, beta: f64) -> Vec<Vec<f64>> {
    let gs = true_grads(grads);
    let mut m = vec![0.0; gs[0].len()];
    gs.iter()
        .map(|g| {
            m.iter_mut()
                .zip(g)
                .for_each(|(mj, gj)| *mj = beta * *mj + (1.0 - beta) * gj);
            m.clone()
        })
        .collect()
}

/// U_k V_kᵀ from an SVD (σ > σ_1·max(r, c)·ε kept), an independent route to Muon's map.
fn polar_ref(rows: usize, cols: usize, g: &[f64]) -> Vec<f64> {
    let s = linalg::svd(rows, cols, g).unwrap();
    let r = s.s.len();
    let tol = s.s[0] * rows.max(cols) as f64 * f64::EPSILON;
    let mut out = vec![0.0; rows * cols];
    for k in 0..r {
        if s.s[k] <= tol {
            continue;
        }
        for i in 0..rows {
            for j in 0..cols {
                out[i * cols + j] += s.u[i * r + k] * s.vt[k * cols + j];
            }
        }
    }
    out
}

/// Per-block reference of spectral descent / Muon with β = 0: −η U Vᵀ (matrix), −η g/‖g‖
/// (vector).
fn spectral_ref(layout: &Layout, g: &[f64], lr: f64) -> Vec<f64> {
    let mut out = vec![0.0; g.len()];
    for b in layout.blocks() {
        let (rows, cols) = b.shape.as_matrix();
        let r = b.range();
        let gb = &g[r.clone()];
        let o = if max_abs(gb) == 0.0 {
            vec![0.0; gb.len()]
        } else if b.shape.is_matrix() && rows > 1 && cols > 1 {
            polar_ref(rows, cols, gb)
        } else {
            let n = gb.iter().map(|v| v * v).sum::<f64>().sqrt();
            gb.iter().map(|v| v / n).collect()
        };
        for (x, y) in out[r].iter_mut().zip(o) {
            *x = -lr * y;
        }
    }
    out
}

/// The scalar Newton–Schulz map p⁵, p(σ) = aσ + bσ³ + cσ⁵.
fn ns_scalar(mut x: f64, steps: usize) -> f64 {
    let (a, b, c) = linalg::NEWTON_SCHULZ_COEFFS;
    for _ in 0..steps {
        x = a * x + b * x.powi(3) + c * x.powi(5);
    }
    x
}

// ---------------------------------------------------------------------------------------
// Properties specific to single optimizers
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Normalized steepest descent ([M] eq. 3, 6): N(Δ) = η whenever the gradient (resp.
    /// momentum) is non-zero, in the norm the theory names — ℓ2, ℓ∞, ℓ1, ℓ3, max-spectral and
    /// the hybrid max-norm — with and without momentum; Δ = 0 only for a zero gradient
    /// (momentum-free methods). (The battery checks the same in each optimizer's own
    /// `step_norm`; this checks that norm is the right one.)
    #[test]
    fn normalized_steps_have_norm_eta_in_the_theorys_norm((layout, grads) in case(6, 20.0)) {
        let cases: Vec<(Box<dyn Optimizer>, NormSpec, bool)> = vec![
            (Box::new(SteepestDescent::ngd()), NormSpec::L2, false),
            (Box::new(SteepestDescent::sign_gd()), NormSpec::Linf, false),
            (Box::new(SteepestDescent { norm: NormSpec::L1, normalized: true }), NormSpec::L1, false),
            (Box::new(SteepestDescent { norm: NormSpec::Lp(3.0), normalized: true }), NormSpec::Lp(3.0), false),
            (Box::new(SteepestDescent::spectral_descent()), NormSpec::MaxSpectral, false),
            (Box::new(NormalizedMomentumGd { beta: 0.9 }), NormSpec::L2, true),
            (Box::new(Signum { beta: 0.9 }), NormSpec::Linf, true),
            (Box::new(Muon::exact(0.9)), NormSpec::MaxSpectral, true),
            (Box::new(Partition::muon_signum(0.9)), NormSpec::Hybrid { w_matrix: 1.0, w_vector: 1.0 }, true),
        ];
        for (opt, norm, momentum) in cases {
            check_normalized_steps(opt.as_ref(), &layout, &grads, &norm, !momentum)?;
            // The implicit norm is the norm the step is normalized in (muon_signum: the
            // hybrid max-norm, which `implicit_norm` spells as a max_block).
            let implicit = opt.implicit_norm(&layout, None).unwrap();
            check_normalized_steps(opt.as_ref(), &layout, &grads, &implicit, !momentum)?;
        }
    }

    /// Sign methods: every coordinate is exactly −η, 0 or +η; 0 exactly where the gradient
    /// (sign GD) / momentum (Signum) coordinate is exactly 0, and the sign matches the
    /// reference momentum of [M] eq. 19 wherever that is not a near-cancellation.
    /// Adam with β1 = β2 = 0, ε = 0 and RMSProp with β = 0, ε = 0 are sign GD.
    #[test]
    fn sign_steps_are_exactly_pm_eta((layout, grads) in case(6, 3.0)) {
        let sign = run(&SteepestDescent::sign_gd(), &layout, &grads, LR);
        let adam00 = run(&Adam { beta1: 0.0, beta2: 0.0, eps: 0.0 }, &layout, &grads, LR);
        let rms0 = run(&RmsProp { beta: 0.0, eps: 0.0 }, &layout, &grads, LR);
        for (t, d) in sign.iter().enumerate() {
            for (j, &x) in d.iter().enumerate() {
                let g = grads[t].1[j];
                let want = if g > 0.0 { -LR } else if g < 0.0 { LR } else { 0.0 };
                prop_assert_eq!(x, want);
            }
            prop_assert_eq!(d, &adam00[t]);
            prop_assert_eq!(d, &rms0[t]);
        }
        let signum = run(&Signum { beta: 0.9 }, &layout, &grads, LR);
        let mref = momentum_ref(&grads, 0.9);
        for (t, d) in signum.iter().enumerate() {
            let scale = mref[t].iter().fold(0.0_f64, |a, v| a.max(v.abs()));
            for (j, &x) in d.iter().enumerate() {
                prop_assert!(x == LR || x == -LR || x == 0.0, "Signum entry {x}");
                let always_zero = grads[..=t].iter().all(|(_, g)| g[j] == 0.0);
                if always_zero {
                    prop_assert_eq!(x, 0.0);
                }
                // Away from cancellation (|m_j| > 1e-9·max|m|, far above the 1e-15-level
                // rounding differences of the log-domain buffer) the sign is determined.
                if mref[t][j].abs() > 1e-9 * scale {
                    prop_assert_eq!(x, -LR * mref[t][j].signum());
                }
            }
        }
    }

    /// Each momentum-free optimizer equals an independent reference formula (its equality
    /// with `SteepestDescent` of its implicit norm is in the battery); β = 0 momentum methods
    /// equal their momentum-free versions.
    #[test]
    fn momentum_free_equal_reference_formulas((layout, grads) in case(5, 3.0)) {
        // (optimizer, normalized?, reference Δ as a function of (c, ĝ))
        type Reference = Box<dyn Fn(f64, &[f64]) -> Vec<f64>>;
        let lay = layout.clone();
        let refs: Vec<(Box<dyn Optimizer>, bool, Reference)> = vec![
            (cfg("gd"), false, Box::new(|c, g| g.iter().map(|v| -LR * c.exp() * v).collect())),
            (cfg("ngd"), true, Box::new(|_, g| {
                let n = g.iter().map(|v| v * v).sum::<f64>().sqrt();
                g.iter().map(|v| if n > 0.0 { -LR * v / n } else { 0.0 }).collect()
            })),
            (cfg("sign_gd"), true, Box::new(|_, g| g.iter().map(|&v| {
                if v > 0.0 { -LR } else if v < 0.0 { LR } else { 0.0 }
            }).collect())),
            (cfg("coordinate_descent"), false, Box::new(|c, g| {
                let m = max_abs(g);
                let ties = g.iter().filter(|v| v.abs() == m).count() as f64;
                g.iter().map(|&v| if m > 0.0 && v.abs() == m {
                    -LR * c.exp() * m * v.signum() / ties
                } else { 0.0 }).collect()
            })),
            (cfg("spectral_descent"), true, Box::new(move |_, g| spectral_ref(&lay, g, LR))),
        ];
        let declared = roster();
        for (opt, normalized, reference) in refs {
            // Equality with SteepestDescent { implicit norm, normalized } is the battery's
            // `equals_steepest_descent_of_implicit_norm`: the roster must declare these
            // optimizers momentum-free with this `normalized` flag for it to run.
            let (_, d) = declared.iter().find(|(o, _)| o.name() == opt.name()).unwrap();
            prop_assert!(d.momentum_free && d.normalized == normalized, "{}: {d:?}", opt.name());
            let a = run(opt.as_ref(), &layout, &grads, LR);
            let r: Vec<Vec<f64>> = grads.iter().map(|(c, g)| reference(*c, g)).collect();
            // Closed forms vs the norms' implementations: rounding only (‖·‖₂ computed
            // with scaling, SVD of ≤ 5×5 blocks): 1e-12 relative.
            assert_seq_close(&opt.name(), &a, &r, 1e-12, 1e-300);
        }
        let pairs: Vec<(Box<dyn Optimizer>, Box<dyn Optimizer>)> = vec![
            (Box::new(MomentumGd { beta: 0.0 }), cfg("gd")),
            (Box::new(NormalizedMomentumGd { beta: 0.0 }), cfg("ngd")),
            (Box::new(Signum { beta: 0.0 }), cfg("sign_gd")),
            (Box::new(Muon::exact(0.0)), cfg("spectral_descent")),
            (Box::new(Partition::muon_signum(0.0)), Box::new(Partition::new(vec![
                PartitionGroup { blocks: vec!["@matrix".into()], optimizer: cfg("spectral_descent"), lr_factor: 1.0 },
                PartitionGroup { blocks: vec!["@vector".into()], optimizer: cfg("sign_gd"), lr_factor: 1.0 },
            ]))),
        ];
        for (m, f) in pairs {
            let a = run(m.as_ref(), &layout, &grads, LR);
            let b = run(f.as_ref(), &layout, &grads, LR);
            assert_seq_close(&m.name(), &a, &b, 1e-13, 1e-300);
        }
    }

    /// Adam, RMSProp, AdaGrad and momentum GD against plain-f64 implementations of [M]
    /// eq. 19–20 and [A] eq. 3 at moderate log-scales (where plain f64 is exact enough).
    #[test]
    fn adaptive_methods_match_plain_references((layout, grads) in case(8, 3.0)) {
        let checks: Vec<(Box<dyn Optimizer>, Steps)> = vec![
            (Box::new(Adam { beta1: 0.9, beta2: 0.999, eps: 0.0 }), adam_ref(&grads, 0.9, 0.999, 0.0, LR)),
            (Box::new(Adam { beta1: 0.8, beta2: 0.95, eps: 1e-2 }), adam_ref(&grads, 0.8, 0.95, 1e-2, LR)),
            (Box::new(Adam::no_momentum(0.99, 0.0)), adam_ref(&grads, 0.0, 0.99, 0.0, LR)),
            (Box::new(RmsProp { beta: 0.9, eps: 1e-3 }), rms_ref(&grads, 0.9, 0.1, 1e-3, LR)),
            (Box::new(RmsProp { beta: 0.9, eps: 0.0 }), rms_ref(&grads, 0.9, 0.1, 0.0, LR)),
            (Box::new(AdaGrad { eps: 1e-3 }), rms_ref(&grads, 1.0, 1.0, 1e-3, LR)),
            (Box::new(AdaGrad { eps: 0.0 }), rms_ref(&grads, 1.0, 1.0, 0.0, LR)),
            (Box::new(MomentumGd { beta: 0.9 }), momentum_ref(&grads, 0.9).into_iter()
                .map(|m| m.iter().map(|v| -LR * v).collect()).collect()),
        ];
        for (opt, reference) in checks {
            let a = run(opt.as_ref(), &layout, &grads, LR);
            // Each coordinate is a ratio of EMAs: rounding of a few ulps per step, amplified
            // at most by cancellation inside m, which the 1e-10-of-max scale absorbs.
            assert_seq_close(&opt.name(), &a, &reference, 1e-10, 1e-300);
        }
    }

    /// Muon: on each matrix block all non-zero singular values of the step are η, their
    /// number is the rank of the momentum, rows whose gradient is always 0 are zero rows;
    /// the vector block has ‖Δ_u‖₂ = η.
    #[test]
    fn muon_steps_are_orthogonal(
        k in 1usize..7, d in 1usize..7, dead in prop::collection::vec(any::<bool>(), 7),
        seq in prop::collection::vec((-5.0f64..5.0, prop::collection::vec(-1.0f64..1.0, 56)), 1..5),
    ) {
        let layout = net_layout(k, d);
        let grads: Grads = seq.iter().map(|(c, v)| {
            let mut g = v[..k * d + k].to_vec();
            for r in 0..k { if dead[r] { g[r * d..(r + 1) * d].fill(0.0); } }
            (*c, g)
        }).collect();
        let live = (0..k).filter(|&r| !dead[r]).count();
        let deltas = run(&Muon::exact(0.9), &layout, &grads, LR);
        // Singular values of an orthogonalized matrix are 1 up to ≈ max(k, d)·ε; rank is
        // min(live rows, d) for generic (continuous random) entries.
        let tol = 64.0 * k.max(d) as f64 * f64::EPSILON;
        for dl in &deltas {
            let w = &dl[..k * d];
            let sv = linalg::singular_values(k, d, w).unwrap();
            let rank = live.min(d);
            for (i, s) in sv.iter().enumerate() {
                if i < rank {
                    prop_assert!(abs_diff_eq!(s / LR, 1.0, epsilon = tol), "σ_{i} = {s}, sv = {sv:?}");
                } else {
                    prop_assert!(s / LR <= tol, "σ_{i} = {s} should be 0, sv = {sv:?}");
                }
            }
            for r in 0..k {
                if dead[r] {
                    prop_assert!(w[r * d..(r + 1) * d].iter().all(|&x| x == 0.0), "dead row {r} moved");
                }
            }
            let u = &dl[k * d..];
            let nu = u.iter().map(|v| v * v).sum::<f64>().sqrt();
            prop_assert!(abs_diff_eq!(nu, LR, epsilon = tol * LR));
        }
    }

    /// Newton–Schulz-5 Muon: the step's singular values are η·p⁵(σ_i(m)/‖m‖_F) (the scalar
    /// map, since NS keeps singular vectors), and lie in the band [0.68, 1.21]·η for every σ_i
    /// with σ_i ≥ 3e-3·‖m‖_F (measured for the scalar map on [3e-3, 1]: min 0.6818, max
    /// 1.2024; singular values far below that stay small, that is where NS is inexact).
    #[test]
    fn newton_schulz_steps_lie_in_a_band(
        k in 2usize..7, d in 2usize..7,
        v in prop::collection::vec(-1.0f64..1.0, 42),
    ) {
        let layout = Layout::new([("W", BlockShape::Matrix { rows: k, cols: d })]).unwrap();
        let g = v[..k * d].to_vec();
        let deltas = run(&Muon::newton_schulz(0.0, 5), &layout, &vec![(0.0, g.clone())], LR);
        let sv_step = linalg::singular_values(k, d, &deltas[0]).unwrap();
        let sv_g = linalg::singular_values(k, d, &g).unwrap();
        let fro = g.iter().map(|x| x * x).sum::<f64>().sqrt();
        // p⁵ has slope up to a⁵ ≈ 490 near 0, so O(ε) rounding in the Gram products grows
        // to ~1e-13 relative; 1e-9 is a loose bound that still catches a wrong map.
        // p⁵ is not monotone, so compare the sorted lists of mapped values.
        let mut want: Vec<f64> = sv_g.iter().map(|sg| LR * ns_scalar(sg / fro, 5)).collect();
        want.sort_by(|a, b| b.partial_cmp(a).unwrap());
        for (ss, w) in sv_step.iter().zip(&want) {
            prop_assert!(abs_diff_eq!(*ss, *w, epsilon = 1e-9 * LR), "step σ {ss}, want {w} (σ(g) = {sv_g:?})");
        }
        for sg in &sv_g {
            if sg / fro >= 3e-3 {
                let x = ns_scalar(sg / fro, 5);
                prop_assert!((0.68..=1.21).contains(&x), "p⁵({}) = {x}", sg / fro);
            }
        }
        prop_assert!(sv_step.iter().all(|s| *s <= 1.21 * LR));
    }
}

// ---------------------------------------------------------------------------------------
// Unit tests
// ---------------------------------------------------------------------------------------

fn net() -> Layout {
    net_layout(3, 4)
}

/// A fixed non-trivial gradient sequence on a layout (deterministic pseudo-random).
fn fixed_grads(layout: &Layout, steps: usize, c: f64) -> Grads {
    let p = layout.len();
    (0..steps)
        .map(|t| {
            let g = (0..p)
                .map(|j| ((j * 7 + t * 13 + 3) as f64 * 0.618).sin())
                .collect();
            (c, g)
        })
        .collect()
}

#[test]
fn tiny_loss_gives_finite_steps_and_genuine_underflow() {
    for layout in [Layout::vector("theta", 5).unwrap(), net()] {
        for c in [-5000.0, -1e4] {
            let grads = fixed_grads(&layout, 4, c);
            for (opt, _) in roster() {
                let d = run(opt.as_ref(), &layout, &grads, LR);
                assert!(d.iter().flatten().all(|x| x.is_finite()), "{}", opt.name());
            }
            // Unnormalized methods carry the true scale e^{c}: the step underflows to 0.
            for name in ["gd", "coordinate_descent", "momentum_gd"] {
                let d = run(cfg(name).as_ref(), &layout, &grads, LR);
                assert!(d.iter().flatten().all(|&x| x == 0.0), "{name}");
            }
            // ε > 0 methods are in the GD regime there: the true step e^{c}/√ε underflows.
            let adam_eps = Adam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            };
            let d = run(&adam_eps, &layout, &grads, LR);
            assert!(d.iter().flatten().all(|&x| x == 0.0));
            // Scale-free ones take O(η) steps, not e^{c}-sized ones (Adam's |m̂_j|/√v̂_j is
            // O(1) but below 1 for varying gradients, and muon_adam's vector group runs at
            // 0.1·η on the vector layout; 1e-3·η is far above any underflowed value).
            for opt in scale_free() {
                let d = run(opt.as_ref(), &layout, &grads, LR);
                assert!(max_abs(d.last().unwrap()) > 1e-3 * LR, "{}", opt.name());
            }
        }
    }
}

#[test]
fn adam_eps0_zero_coordinate_is_skipped_never_nan() {
    let layout = Layout::vector("theta", 4).unwrap();
    let grads: Grads = (0..6)
        .map(|t| (-3.0 * t as f64, vec![0.5, 0.0, -1.0 + 0.1 * t as f64, 0.0]))
        .collect();
    for opt in [
        Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 0.0,
        },
        Adam::no_momentum(0.999, 0.0),
    ] {
        let d = run(&opt, &layout, &grads, LR);
        for step in &d {
            assert_eq!(step[1], 0.0);
            assert_eq!(step[3], 0.0);
            assert!(step.iter().all(|x| x.is_finite()));
            assert!(step[0] < 0.0);
        }
    }
    // The same for RMSProp and AdaGrad with ε = 0.
    for opt in [
        cfg_rms(0.0),
        Box::new(AdaGrad { eps: 0.0 }) as Box<dyn Optimizer>,
    ] {
        let d = run(opt.as_ref(), &layout, &grads, LR);
        assert!(d
            .iter()
            .all(|s| s[1] == 0.0 && s[3] == 0.0 && s.iter().all(|x| x.is_finite())));
    }
}

fn cfg_rms(eps: f64) -> Box<dyn Optimizer> {
    Box::new(RmsProp { beta: 0.9, eps })
}

/// A coordinate whose gradient is 10⁻²⁰⁰ of the others: its squared gradient (10⁻⁴⁰⁰)
/// is below f64's range, but Adam (ε = 0) must still take its full ≈ η step there
/// (m̂_j/√v̂_j = sign for a constant gradient). The root buffer keeps it representable.
#[test]
fn adam_eps0_relatively_tiny_coordinate_keeps_a_full_step() {
    let layout = Layout::vector("theta", 3).unwrap();
    let grads: Grads = (0..5).map(|_| (0.0, vec![1.0, -1e-200, 0.3])).collect();
    let d = run(
        &Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 0.0,
        },
        &layout,
        &grads,
        LR,
    );
    for step in &d {
        // Constant gradient ⇒ m̂ = g and v̂ = g² exactly in real arithmetic: Δ = −η sign(g).
        for (x, want) in step.iter().zip([-LR, LR, -LR]) {
            assert!(abs_diff_eq!(*x, want, epsilon = 1e-12), "{step:?}");
        }
    }
}

#[test]
fn unnormalized_steps_have_dual_norm_size() {
    // [F] eq. 1: ‖Δ‖ = η‖g‖_* (with the true scale e^{c}).
    let layout = net();
    let grads = fixed_grads(&layout, 3, 1.5);
    for (norm, dual) in [
        (NormSpec::L2, NormSpec::L2),
        (NormSpec::L1, NormSpec::Linf),
        (NormSpec::Linf, NormSpec::L1),
    ] {
        let opt = SteepestDescent {
            norm: norm.clone(),
            normalized: false,
        };
        let d = run(&opt, &layout, &grads, LR);
        for (step, (c, g)) in d.iter().zip(&grads) {
            let n = norm_value(&norm, &layout, step);
            let want = LR * c.exp() * norm_value(&dual, &layout, g);
            assert!(
                abs_diff_eq!(n, want, epsilon = 1e-12 * want),
                "{norm}: {n} vs {want}"
            );
        }
    }
}

#[test]
fn coordinate_descent_splits_ties_evenly() {
    let layout = Layout::vector("theta", 4).unwrap();
    let grads: Grads = vec![(0.0, vec![1.0, -1.0, 0.5, 1.0])];
    let d = run(cfg("coordinate_descent").as_ref(), &layout, &grads, 0.3);
    // η‖g‖_∞ = 0.3 split over the three tied coordinates (rounding of 0.3·(1/3) only).
    assert!(
        close(&d[0], &[-0.1, 0.1, 0.0, -0.1], 1e-15, 0.0),
        "{:?}",
        d[0]
    );
}

#[test]
fn names_are_stable() {
    let expected = [
        ("gd", "gd"),
        ("ngd", "ngd"),
        ("sign_gd", "sign_gd"),
        ("coordinate_descent", "coordinate_descent"),
        ("spectral_descent", "spectral_descent"),
        ("momentum_gd", "momentum_gd"),
        ("normalized_momentum_gd", "normalized_momentum_gd"),
        ("signum", "signum"),
        ("muon", "muon"),
        ("muon_ns", "muon_ns"),
        ("adam", "adam"),
        ("adam_no_momentum", "adam_no_momentum"),
        ("rms_prop", "rms_prop"),
        ("ada_grad", "ada_grad"),
        ("muon_signum", "muon_signum"),
        ("muon_adam", "muon_adam"),
        ("steepest_descent:lp:3", "steepest_descent:lp:3"),
        (
            "normalized_steepest_descent:l1",
            "normalized_steepest_descent:l1",
        ),
        ("normalized_steepest_descent:l2", "ngd"),
        ("rmsprop", "rms_prop"),
        ("adagrad", "ada_grad"),
    ];
    for (cfg_name, opt_name) in expected {
        let c = OptimizerConfig::parse_name(cfg_name).unwrap();
        assert_eq!(c.build().unwrap().name(), opt_name, "{cfg_name}");
    }
    // Every catalogue entry is a config tag.
    for (n, desc) in OptimizerConfig::catalogue() {
        assert!(!desc.is_empty());
        if n != "steepest_descent" {
            assert_eq!(OptimizerConfig::parse_name(n).unwrap().name(), n);
        }
    }
}

#[test]
fn implicit_norms_and_schedule_classes() {
    let v = Layout::vector("theta", 3).unwrap();
    let n = net();
    let expect: &[(&str, NormSpec, ScheduleClass)] = &[
        ("gd", NormSpec::L2, ScheduleClass::Nsd),
        ("ngd", NormSpec::L2, ScheduleClass::Nsd),
        ("sign_gd", NormSpec::Linf, ScheduleClass::Nsd),
        ("coordinate_descent", NormSpec::L1, ScheduleClass::Nsd),
        (
            "spectral_descent",
            NormSpec::MaxSpectral,
            ScheduleClass::Nsd,
        ),
        ("momentum_gd", NormSpec::L2, ScheduleClass::Msd),
        ("normalized_momentum_gd", NormSpec::L2, ScheduleClass::Msd),
        ("signum", NormSpec::Linf, ScheduleClass::Msd),
        ("muon", NormSpec::MaxSpectral, ScheduleClass::Msd),
        ("muon_ns", NormSpec::MaxSpectral, ScheduleClass::Msd),
        ("adam", NormSpec::Linf, ScheduleClass::Adam),
        ("adam_no_momentum", NormSpec::Linf, ScheduleClass::Adam),
        ("rms_prop", NormSpec::L2, ScheduleClass::None),
    ];
    for (name, norm, class) in expect {
        let o = cfg(name);
        assert_eq!(o.implicit_norm(&v, None).as_ref(), Some(norm), "{name}");
        assert_eq!(o.schedule_class(), *class, "{name}");
        assert!(o.theorem().starts_with('[') || o.theorem().starts_with("approx"));
    }
    assert!(cfg("muon_ns").theorem().contains("approximate"));
    let adam_eps = Adam {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-20,
    };
    assert_eq!(adam_eps.implicit_norm(&v, None), Some(NormSpec::L2));
    assert!(adam_eps.theorem().contains("Thm 7"));
    assert_eq!(
        RmsProp {
            beta: 0.9,
            eps: 0.0
        }
        .implicit_norm(&v, None),
        Some(NormSpec::Linf)
    );

    // Composites on [W, u].
    assert_eq!(
        cfg("muon_signum").implicit_norm(&n, None),
        Some(NormSpec::MaxBlock(vec![
            ("W".into(), BlockNormKind::Spectral, 1.0),
            ("u".into(), BlockNormKind::Linf, 1.0),
        ]))
    );
    assert_eq!(cfg("muon_signum").schedule_class(), ScheduleClass::Msd);
    // Muon-Adam with η_A/η_M = 0.1: weights 1/c_b = (1, 10) — a positive multiple of
    // [M] Thm 3.7's max{(η_A/η_M)‖W‖_msp, ‖u‖_∞} = max{0.1‖W‖, ‖u‖_∞}.
    let ma = Partition::muon_adam(0.9, 0.9, 0.999, 0.0, 0.1);
    let spec = ma.implicit_norm(&n, None).unwrap();
    assert_eq!(
        spec,
        NormSpec::MaxBlock(vec![
            ("W".into(), BlockNormKind::Spectral, 1.0),
            ("u".into(), BlockNormKind::Linf, 10.0),
        ])
    );
    assert_eq!(ma.schedule_class(), ScheduleClass::Adam);
    assert!(ma.theorem().contains("Thm 3.7"));
    // It is the paper's norm up to the factor 10: check on a point.
    let theta: Vec<f64> = (0..n.len()).map(|j| (j as f64 * 0.7).cos()).collect();
    let ours = norm_value(&spec, &n, &theta);
    let w_sigma = linalg::spectral_norm(3, 4, &theta[..12]).unwrap();
    let u_inf = max_abs(&theta[12..]);
    let paper = (0.1 * w_sigma).max(u_inf);
    assert_abs_diff_eq!(ours, 10.0 * paper, epsilon = 1e-12 * ours);
    // On a single-vector layout only the Adam group owns blocks: its own norm.
    assert_eq!(ma.implicit_norm(&v, None), Some(NormSpec::Linf));
    // Spectral descent's norm builds on both layouts.
    for l in [&v, &n] {
        NormSpec::MaxSpectral.build(l).unwrap();
        spec.build(&n).unwrap();
    }
}

#[test]
fn adagrad_implicit_norm_is_weighted_l2_from_state() {
    let layout = net();
    let grads = fixed_grads(&layout, 7, -1.0);
    let eps = 1e-3;
    let opt = AdaGrad { eps };
    let (_, state) = run_state(&opt, &layout, &grads, LR).unwrap();
    assert_eq!(opt.implicit_norm(&layout, None), None);
    let Some(NormSpec::WeightedL2(h)) = opt.implicit_norm(&layout, Some(&state)) else {
        panic!("expected a weighted ℓ2 norm");
    };
    // h_j = h∞_j^{-1/2} = (ε + Σ_t g_j(t)²)^{1/4}  ([A] Thm 6).
    let gs = true_grads(&grads);
    for (j, hj) in h.iter().enumerate() {
        let g2: f64 = gs.iter().map(|g| g[j] * g[j]).sum();
        let want = (eps + g2).powf(0.25);
        assert!(
            abs_diff_eq!(*hj, want, epsilon = 1e-13 * want),
            "h_{j} = {hj}, want {want}"
        );
    }
    assert_eq!(AdaGrad::h_inv_sqrt(&state).unwrap(), h);
    NormSpec::WeightedL2(h).build(&layout).unwrap();
    // A state of another optimizer is a clear error, not a panic.
    let other = cfg("ngd").init(&layout).unwrap();
    assert!(AdaGrad::h_inv_sqrt(&other).is_err());
    // ε = 0: no claim.
    let (_, st0) = run_state(&AdaGrad { eps: 0.0 }, &layout, &grads, LR).unwrap();
    assert_eq!(
        AdaGrad { eps: 0.0 }.implicit_norm(&layout, Some(&st0)),
        None
    );
}

#[test]
fn adagrad_weights_survive_tiny_losses() {
    // With gradients of scale e^{-3000}, G ≈ e^{-6000} ≪ ε and h = ε^{1/4} (computed in the
    // log domain, no underflow to a zero weight).
    let layout = Layout::vector("theta", 3).unwrap();
    let grads = fixed_grads(&layout, 3, -3000.0);
    let (_, st) = run_state(&AdaGrad { eps: 1e-8 }, &layout, &grads, LR).unwrap();
    for h in AdaGrad::h_inv_sqrt(&st).unwrap() {
        assert_abs_diff_eq!(h, 1e-2, epsilon = 1e-14);
    }
    // ε = 0: the weights are G^{1/4} ≈ e^{-1500}·|ĝ|^{1/2}, below the f64 range: a clear
    // error rather than zeros or NaN.
    let (_, st0) = run_state(&AdaGrad { eps: 0.0 }, &layout, &grads, LR).unwrap();
    let e = AdaGrad::h_inv_sqrt(&st0).unwrap_err().to_string();
    assert!(e.contains("range"), "{e}");
}

#[test]
fn partition_runs_groups_independently() {
    let layout = net();
    let grads = fixed_grads(&layout, 5, 0.5);
    let p = Partition::new(vec![
        PartitionGroup {
            blocks: vec!["u".into()],
            optimizer: Box::new(Adam {
                beta1: 0.9,
                beta2: 0.99,
                eps: 0.0,
            }),
            lr_factor: 0.3,
        },
        PartitionGroup {
            blocks: vec!["W".into()],
            optimizer: Box::new(Muon::exact(0.8)),
            lr_factor: 1.0,
        },
    ]);
    assert_eq!(p.name(), "partition");
    let d = run(&p, &layout, &grads, LR);
    let lw = Layout::new([("W", BlockShape::Matrix { rows: 3, cols: 4 })]).unwrap();
    let lu = Layout::vector("u", 3).unwrap();
    let gw: Grads = grads.iter().map(|(c, g)| (*c, g[..12].to_vec())).collect();
    let gu: Grads = grads.iter().map(|(c, g)| (*c, g[12..].to_vec())).collect();
    let dw = run(&Muon::exact(0.8), &lw, &gw, LR);
    let du = run(
        &Adam {
            beta1: 0.9,
            beta2: 0.99,
            eps: 0.0,
        },
        &lu,
        &gu,
        0.3 * LR,
    );
    for t in 0..grads.len() {
        assert_eq!(&d[t][..12], &dw[t][..]);
        assert_eq!(&d[t][12..], &du[t][..]);
    }
}

#[test]
fn partition_errors_are_clear() {
    let layout = net();
    let group = |blocks: &[&str], f: f64| PartitionGroup {
        blocks: blocks.iter().map(|s| s.to_string()).collect(),
        optimizer: cfg("ngd"),
        lr_factor: f,
    };
    let cases: Vec<(Partition, &str)> = vec![
        (Partition::new(vec![group(&["W"], 1.0)]), "`u`"),
        (
            Partition::new(vec![group(&["W", "u"], 1.0), group(&["u"], 1.0)]),
            "group 0 and group 1",
        ),
        (Partition::new(vec![group(&["W", "u", "v"], 1.0)]), "`v`"),
        (
            Partition::new(vec![group(&["@matrix", "@vector"], 0.0)]),
            "lr_factor",
        ),
    ];
    for (p, needle) in cases {
        let err = p.init(&layout).unwrap_err().to_string();
        assert!(err.contains(needle), "{err} should mention {needle}");
    }
    // Passing another optimizer's state or a different layout is an error, not a panic.
    let p = Partition::muon_signum(0.9);
    let mut wrong = cfg("ngd").init(&layout).unwrap();
    let g = vec![0.1; layout.len()];
    let mut d = vec![0.0; layout.len()];
    let grad = ScaledGrad {
        log_scale: 0.0,
        dir: &g,
    };
    let step = |layout| Step {
        theta: &g,
        layout,
        t: 1,
        lr: LR,
    };
    assert!(p.update(grad, &mut wrong, &step(&layout), &mut d).is_err());
    let mut st = p.init(&layout).unwrap();
    let other = Layout::vector("theta", layout.len()).unwrap();
    assert!(p.update(grad, &mut st, &step(&other), &mut d).is_err());
}

/// Cheap algebraic laws (quickcheck): the scale-free sign/ℓ2 methods are odd in ĝ and
/// invariant (bitwise) under ĝ → 2^k ĝ, an exact rescaling of the direction.
#[test]
fn odd_and_direction_scale_invariant() {
    fn law(v: Vec<f64>, k: i8) -> quickcheck::TestResult {
        let v: Vec<f64> = v
            .into_iter()
            .filter(|x| x.is_finite())
            .map(|x| x % 1e6)
            // Keep 2^k·x exact: no subnormals.
            .map(|x| if x.abs() < 1e-200 { 0.0 } else { x })
            .take(8)
            .collect();
        if v.is_empty() {
            return quickcheck::TestResult::discard();
        }
        let layout = Layout::vector("theta", v.len()).unwrap();
        let f = 2f64.powi(i32::from(k % 40));
        let g: Grads = vec![(0.5, v.clone()), (-1.0, v.iter().rev().cloned().collect())];
        let neg: Grads = g
            .iter()
            .map(|(c, x)| (*c, x.iter().map(|y| -y).collect()))
            .collect();
        let scaled: Grads = g
            .iter()
            .map(|(c, x)| (*c, x.iter().map(|y| y * f).collect()))
            .collect();
        let opts: Vec<Box<dyn Optimizer>> = vec![
            cfg("ngd"),
            cfg("sign_gd"),
            Box::new(Signum { beta: 0.9 }),
            Box::new(NormalizedMomentumGd { beta: 0.9 }),
        ];
        for opt in opts {
            let a = run(opt.as_ref(), &layout, &g, LR);
            let b = run(opt.as_ref(), &layout, &neg, LR);
            let c = run(opt.as_ref(), &layout, &scaled, LR);
            let odd = a
                .iter()
                .zip(&b)
                .all(|(x, y)| x.iter().zip(y).all(|(p, q)| *p == -*q));
            if !odd || a != c {
                return quickcheck::TestResult::failed();
            }
        }
        quickcheck::TestResult::passed()
    }
    quickcheck::QuickCheck::new()
        .tests(200)
        .quickcheck(law as fn(Vec<f64>, i8) -> quickcheck::TestResult);
}

#[test]
fn muon_ns_zero_steps_rejected() {
    assert!(Muon::newton_schulz(0.9, 0).init(&net()).is_err());
}

// ---------------------------------------------------------------------------------------
// Configs
// ---------------------------------------------------------------------------------------

/// An optimizer config from TOML text.
fn conf(text: &str) -> OptimizerConfig {
    toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn sample_configs() -> Vec<OptimizerConfig> {
    [
        "type = \"gd\"",
        "type = \"ngd\"",
        "type = \"sign_gd\"",
        "type = \"coordinate_descent\"",
        "type = \"spectral_descent\"",
        "type = \"steepest_descent\"\nnorm = \"lp:3\"\nnormalized = false",
        "type = \"momentum_gd\"\nbeta = 0.5",
        "type = \"normalized_momentum_gd\"\nbeta = 0.25",
        "type = \"signum\"\nbeta = 0.0",
        "type = \"muon\"\nbeta = 0.95",
        "type = \"muon_ns\"\nbeta = 0.9\nsteps = 7",
        "type = \"adam\"\nbeta1 = 0.8\nbeta2 = 0.99\neps = 1e-20",
        "type = \"adam_no_momentum\"\nbeta2 = 0.9\neps = 0.0",
        "type = \"rms_prop\"\nbeta = 0.9\neps = 1e-6",
        "type = \"ada_grad\"\neps = 1e-4",
        "type = \"muon_signum\"\nbeta = 0.9",
        "type = \"muon_adam\"\nbeta_muon = 0.9\nbeta1 = 0.9\nbeta2 = 0.999\neps = 0.0\nlr_ratio = 0.1",
    ]
    .iter()
    .map(|t| conf(t))
    .collect()
}

#[test]
fn config_round_trips_toml_and_json() {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Wrap {
        optimizer: OptimizerConfig,
    }
    for c in sample_configs() {
        let w = Wrap {
            optimizer: c.clone(),
        };
        let t = toml::to_string(&w).unwrap();
        let back: Wrap = toml::from_str(&t).unwrap();
        assert_eq!(back, w, "{t}");
        let j = serde_json::to_string(&c).unwrap();
        assert_eq!(
            serde_json::from_str::<OptimizerConfig>(&j).unwrap(),
            c,
            "{j}"
        );
        assert!(j.contains(&format!("\"type\":\"{}\"", c.name())), "{j}");
        c.build().unwrap();
    }
}

#[test]
fn config_defaults() {
    let parse = |s: &str| toml::from_str::<OptimizerConfig>(s).unwrap();
    for (short, full) in [
        ("type = \"adam\"", "type = \"adam\"\nbeta1 = 0.9\nbeta2 = 0.999\neps = 0.0"),
        ("type = \"muon_ns\"", "type = \"muon_ns\"\nbeta = 0.9\nsteps = 5"),
        ("type = \"rmsprop\"", "type = \"rms_prop\"\nbeta = 0.99\neps = 1e-8"),
        ("type = \"adagrad\"", "type = \"ada_grad\"\neps = 1e-8"),
        (
            "type = \"muon_adam\"\nlr_ratio = 0.5",
            "type = \"muon_adam\"\nbeta_muon = 0.9\nbeta1 = 0.9\nbeta2 = 0.999\neps = 0.0\nlr_ratio = 0.5",
        ),
        (
            "type = \"steepest_descent\"\nnorm = \"linf\"",
            "type = \"steepest_descent\"\nnorm = \"linf\"\nnormalized = true",
        ),
        ("type = \"signum\"", "type = \"signum\"\nbeta = 0.9"),
    ] {
        assert_eq!(parse(short), parse(full), "{short}");
        // The full table is kept: every default is visible in a record.
        assert_eq!(parse(short).params(), parse(full).params(), "{short}");
    }
    assert_eq!(
        OptimizerConfig::parse_name("ngd").unwrap(),
        parse("type = \"ngd\"")
    );
    assert_eq!(
        OptimizerConfig::parse_name("rmsprop").unwrap().name(),
        "rms_prop"
    );
    assert_eq!(
        OptimizerConfig::parse_name("signum").unwrap(),
        parse("type = \"signum\"\nbeta = 0.9")
    );
}

#[test]
fn config_errors_name_the_problem() {
    let build_err = |s: &str| {
        toml::from_str::<OptimizerConfig>(s)
            .unwrap()
            .build()
            .unwrap_err()
            .to_string()
    };
    let e = build_err("type = \"momentum_gd\"\nbeta = 1.5");
    assert!(e.contains("beta") && e.contains("1.5"), "{e}");
    let e = build_err("type = \"adam\"\neps = -1.0");
    assert!(e.contains("eps") && e.contains("-1"), "{e}");
    let e = build_err("type = \"adam\"\nbeta2 = 1.0");
    assert!(e.contains("beta2"), "{e}");
    let e = build_err("type = \"muon_ns\"\nsteps = 0");
    assert!(e.contains("steps"), "{e}");
    let e = build_err("type = \"muon_adam\"\nlr_ratio = 0.0");
    assert!(e.contains("lr_ratio"), "{e}");
    let e = build_err("type = \"rms_prop\"\neps = nan");
    assert!(e.contains("eps"), "{e}");
    let e = build_err("type = \"steepest_descent\"");
    assert!(e.contains("norm"), "{e}");

    let parse_err = |s: &str| {
        toml::from_str::<OptimizerConfig>(s)
            .unwrap_err()
            .to_string()
    };
    let e = parse_err("type = \"sgd_with_magic\"");
    assert!(
        e.contains("unknown optimizer") && e.contains("sgd_with_magic") && e.contains("ngd"),
        "{e}"
    );
    let e = parse_err("type = \"adam\"\nbetta1 = 0.9");
    assert!(e.contains("unknown field") && e.contains("betta1"), "{e}");
    // The norm is parsed with the config (a `NormSpec`), so a bad one fails there.
    let e = parse_err("type = \"steepest_descent\"\nnorm = \"l7\"");
    assert!(e.contains("norm") && e.contains("l7"), "{e}");
    let e = parse_err("type = \"ngd\"\nbeta = 0.9");
    assert!(e.contains("unknown field") && e.contains("beta"), "{e}");
    let e = serde_json::from_str::<OptimizerConfig>(r#"{"type":"signum","beta":0.9,"x":1}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown field"), "{e}");

    let e = OptimizerConfig::parse_name("bogus")
        .unwrap_err()
        .to_string();
    assert!(e.contains("bogus") && e.contains("ngd"), "{e}");
    assert!(OptimizerConfig::parse_name("steepest_descent").is_err());
}

/// Adam with ε > 0 reports the regime the run is in: ℓ∞ while √v ≫ ε (ε negligible, [M]
/// Thm 3.6 as in [M] §6 with ε = 1e-20), ℓ2 once the gradients fell below ε ([A] Thm 7).
#[test]
fn adam_implicit_norm_follows_the_epsilon_regime() {
    use implicit_bias::norms::NormSpec;
    use implicit_bias::optim::{Adam, Optimizer, ScaledGrad, Step};
    use implicit_bias::params::Layout;
    let layout = Layout::vector("theta", 3).unwrap();
    let g = [0.5, -1.0, 0.25];
    let theta = [0.0; 3];
    let mut delta = [0.0; 3];
    for (eps, log_scale, want) in [
        (1e-20, 0.0, NormSpec::Linf),
        (1e-8, -40.0, NormSpec::L2),
        (0.0, -40.0, NormSpec::Linf),
    ] {
        let adam = Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps,
        };
        let mut st = adam.init(&layout).unwrap();
        for t in 1..=10 {
            let grad = ScaledGrad { log_scale, dir: &g };
            let step = Step {
                theta: &theta,
                layout: &layout,
                t,
                lr: 0.1,
            };
            adam.update(grad, &mut st, &step, &mut delta).unwrap();
        }
        assert_eq!(
            adam.implicit_norm(&layout, Some(&st)),
            Some(want),
            "ε = {eps}, log-scale {log_scale}"
        );
    }
    // Without a state the ε > 0 claim is the asymptotic one of [A] Thm 7.
    let adam = Adam {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-20,
    };
    assert_eq!(adam.implicit_norm(&layout, None), Some(NormSpec::L2));
}
