//! Checker suite for `implicit_bias::kkt` (docs/contracts.md §1, §4).
//!
//! * **Exact points.** Exact linear max-margin solutions (`maxmargin`) are KKT
//!   points of their own norm: κ ≤ 1e-8 with the exact subdifferential (τ = 0 for every
//!   norm), margins equal γ*; for the other norms the certified lower bound is positive where
//!   the optima differ and ≥ 0.01 on seeded datasets whose optima are clearly apart.
//! * **Constructed nonlinear KKT points** (derivations in the comments): a two-layer ReLU²
//!   net on ±e₁, a frozen quadratic net with an orthogonal W (flat spectrum: the spectral
//!   subgradient needs all 12 rank-one atoms, so column generation must run), and a ReLU
//!   net with a sample exactly at a kink (certified only with the Clarke relaxation).
//! * **Invariances (proptest).** κ grows with the size of a fixed-direction perturbation of
//!   a KKT point; θ → cθ leaves κ, the bound, the margin and the verdict unchanged.
//! * **Coincidence, trajectory certificate, bad input, JSON.**
//!
//! The main tests run once per LP backend through [`per_backend!`] (in the style of
//! good_lp's `dual_test!`).
//!
//! **Tolerances.** κ is a max of relative residuals (‖r‖_∞/N) of an LP solved to 10⁻¹⁰
//! (Clarabel's gap/feasibility tolerance) or exactly (microlp's vertex solution up to
//! rounding); with m ≤ 40 samples the recomputed residual of an exact point is ≤ m·10⁻¹⁰
//! ≈ 4·10⁻⁹, so `EXACT` = 1e-8. Invariance checks compare two runs of the same LP on inputs
//! that differ by rounding (θ̃ is recomputed from cθ), so they use 1e-6 relative.

use approx::{abs_diff_eq, assert_abs_diff_eq};
use implicit_bias::data::{generators, Dataset};
use implicit_bias::error::Error;
use implicit_bias::kkt::*;
use implicit_bias::maxmargin::{max_margin, MaxMargin, MaxMarginNorm};
use implicit_bias::models::{Activation, Linear, Model, TwoLayer};
use implicit_bias::norms::NormSpec;
use proptest::prelude::*;

/// κ of an exact KKT point (see the module docs).
const EXACT: f64 = 1e-8;

fn cos(a: &[f64], b: &[f64]) -> f64 {
    let d: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    d / (na * nb)
}

/// Default config on a backend, no trajectory certificate and no τ search (faster: the
/// search re-solves each LP up to 9 times; it is tested in `tests/kkt_tau_search.rs`).
fn cfg(backend: LpBackend) -> CheckConfig {
    CheckConfig {
        backend,
        trajectory: false,
        tau_search: TauSearchMode::Off,
        ..CheckConfig::default()
    }
}

/// Exact subdifferentials everywhere (τ = 0).
fn cfg_exact(backend: LpBackend) -> CheckConfig {
    CheckConfig {
        tau: 0.0,
        tau_smooth: 0.0,
        ..cfg(backend)
    }
}

const MM: [MaxMarginNorm; 3] = [MaxMarginNorm::L1, MaxMarginNorm::L2, MaxMarginNorm::Linf];

fn spec_of(n: MaxMarginNorm) -> NormSpec {
    match n {
        MaxMarginNorm::L1 => NormSpec::L1,
        MaxMarginNorm::L2 => NormSpec::L2,
        MaxMarginNorm::Linf => NormSpec::Linf,
        MaxMarginNorm::Spectral => NormSpec::Spectral,
    }
}

fn optima(data: &Dataset) -> Vec<MaxMargin> {
    MM.iter().map(|&n| max_margin(data, n).unwrap()).collect()
}

/// Run `$f(backend)` once per backend as `$f::clarabel` and `$f::microlp`.
macro_rules! per_backend {
    ($($f:ident),* $(,)?) => {
        $(
            mod $f {
                use super::*;
                #[test]
                fn clarabel() {
                    super::$f(LpBackend::Clarabel)
                }
                #[test]
                fn microlp() {
                    super::$f(LpBackend::Microlp)
                }
                #[cfg(feature = "highs")]
                #[test]
                fn highs() {
                    super::$f(LpBackend::Highs)
                }
            }
        )*
    };
}

per_backend!(
    exact_linear_points,
    clearly_different_optima,
    relu_squared_constructed_point,
    orthogonal_frozen_quadratic_needs_column_generation,
    kink_needs_clarke,
    coincidence,
);

/// Own norm: κ ≤ EXACT and `kkt`; margin = γ*; every lower bound ≤ the achieved κ; where
/// the optima differ (cosine < 0.999) the other norm's certified bound is > 10⁻³, and for ℓ2
/// (strictly convex: unique optimum) ≥ 0.01 when the cosine is < 0.99.
fn exact_linear_points(backend: LpBackend) {
    for (m, d, gap) in [(40, 10, 0.0), (20, 5, 0.0), (40, 10, 0.3)] {
        for seed in 0..6u64 {
            let data = generators::linear_teacher_with_margin(m, d, None, gap, seed).unwrap();
            let model = Linear::new(d);
            let sols = optima(&data);
            for (a, sa) in sols.iter().enumerate() {
                let own = check(
                    &model,
                    &data,
                    &sa.theta,
                    &spec_of(MM[a]),
                    &cfg_exact(backend),
                )
                .unwrap();
                assert!(
                    own.kappa <= EXACT,
                    "{:?} seed {seed}: own κ = {}",
                    MM[a],
                    own.kappa
                );
                assert_eq!(own.verdict, Verdict::Kkt);
                assert!(
                    abs_diff_eq!(own.margin, sa.margin, epsilon = 1e-9 * sa.margin),
                    "margin {} vs γ* {}",
                    own.margin,
                    sa.margin
                );
                assert!(!own.support.is_empty());
                for (b, sb) in sols.iter().enumerate() {
                    if a == b {
                        continue;
                    }
                    let c = check(
                        &model,
                        &data,
                        &sa.theta,
                        &spec_of(MM[b]),
                        &cfg_exact(backend),
                    )
                    .unwrap();
                    let ctx = format!(
                        "m {m} d {d} seed {seed}: {:?}-optimum under {:?}",
                        MM[a], MM[b]
                    );
                    assert!(
                        c.kappa_lower_bound <= c.kappa * (1.0 + 1e-6) + 1e-9,
                        "{ctx}: lb > κ"
                    );
                    let cs = cos(&sa.theta, &sb.theta);
                    if cs < 0.999 {
                        assert!(
                            c.kappa_lower_bound > 1e-3,
                            "{ctx}: cos {cs}, lb {}",
                            c.kappa_lower_bound
                        );
                    }
                    if cs < 0.99 && MM[b] == MaxMarginNorm::L2 {
                        assert!(
                            c.kappa_lower_bound >= 0.01,
                            "{ctx}: cos {cs}, lb {}",
                            c.kappa_lower_bound
                        );
                        assert_ne!(c.verdict, Verdict::Kkt, "{ctx}");
                    }
                }
            }
        }
    }
}

/// Seeded datasets whose three optima are pairwise clearly apart (cosines < 0.995, checked):
/// every other-norm certified lower bound is ≥ 0.01 (τ = 0), the verdict is never `kkt`.
fn clearly_different_optima(backend: LpBackend) {
    for (m, d, gap, seed) in [
        (40, 10, 0.0, 4u64),
        (40, 10, 0.0, 5),
        (40, 10, 0.0, 8),
        (40, 10, 0.3, 9),
        (40, 10, 0.3, 10),
    ] {
        let data = generators::linear_teacher_with_margin(m, d, None, gap, seed).unwrap();
        let model = Linear::new(d);
        let sols = optima(&data);
        for (a, sa) in sols.iter().enumerate() {
            for (b, sb) in sols.iter().enumerate() {
                if a == b {
                    continue;
                }
                assert!(
                    cos(&sa.theta, &sb.theta) < 0.995,
                    "precondition: optima differ"
                );
                let c = check(
                    &model,
                    &data,
                    &sa.theta,
                    &spec_of(MM[b]),
                    &cfg_exact(backend),
                )
                .unwrap();
                assert!(
                    c.kappa_lower_bound >= 0.01,
                    "seed {seed}: {:?}-optimum under {:?}: lb {}",
                    MM[a],
                    MM[b],
                    c.kappa_lower_bound
                );
                assert_ne!(c.verdict, Verdict::Kkt);
            }
        }
    }
}

/// f(x) = Σ_j u_j relu(w_j x)² on x ∈ {e₁ (y = +1), −e₁ (y = −1)}, k = 2, d = 1, L = 3.
///
/// Take θ = (w₁, w₂, u₁, u₂) = (a, −a, b, −b) with a, b > 0. Then q₁ = u₁ relu(a)² = b a² and
/// q₂ = −(u₂ relu(w₂·(−1))²) = b a². KKT of min ½‖θ‖² s.t. q ≥ 1 reads θ = Σ λ_i ∇q_i:
/// ∇q₁ = (2ab, 0, a², 0) and ∇q₂ = (0, −2ab, 0, −a²), so a = 2abλ₁ and b = a²λ₁, i.e.
/// λ₁ = 1/(2b) = b/a², hence a² = 2b²; feasibility q = b a² = 2b³ = 1 gives b = 2^{−1/3},
/// a = √2·b, λ₁ = λ₂ = 1/(2b). So θ is an exact ℓ2 KKT point with margin 1/‖θ‖³,
/// ‖θ‖² = 2a² + 2b² = 6b².
fn relu_squared_constructed_point(backend: LpBackend) {
    let model = TwoLayer::new(Activation::ReluPow(2.0), 2, 1);
    let data = Dataset::from_rows(&[vec![1.0], vec![-1.0]], vec![1.0, -1.0]).unwrap();
    let b = 2f64.powf(-1.0 / 3.0);
    let a = 2f64.sqrt() * b;
    let theta = [a, -a, b, -b];
    let c = check(&model, &data, &theta, &NormSpec::L2, &cfg(backend)).unwrap();
    assert!(c.kappa <= EXACT, "κ = {}", c.kappa);
    assert_eq!(c.verdict, Verdict::Kkt);
    let expect_margin = (6.0 * b * b).powf(-1.5);
    assert_abs_diff_eq!(c.margin, expect_margin, epsilon = 1e-12 * expect_margin);
    // λ of the ½N² form equals the λ of the derivation (θ̃ = θ since q_min = 1).
    for l in &c.lambda {
        assert!(
            abs_diff_eq!(*l, 1.0 / (2.0 * b), epsilon = 1e-7),
            "λ = {:?}",
            c.lambda
        );
    }
    // A perturbed point is not KKT: moving a off the balance a² = 2b² (margins stay equal).
    let theta2 = [1.2 * a, -1.2 * a, b, -b];
    let c2 = check(&model, &data, &theta2, &NormSpec::L2, &cfg(backend)).unwrap();
    assert!(
        c2.kappa_lower_bound > 0.01,
        "perturbed: lb {}",
        c2.kappa_lower_bound
    );
}

/// A frozen quadratic net f(x; W) = Σ_j u_j (w_jᵀx)² with u = 1, k = d = 12, is
/// f(x) = ‖Wx‖² (L = 2). With W = Q orthogonal and data x_i = R e_i (R another orthogonal
/// matrix, y = +1), every q_i = ‖QRe_i‖² = 1. ∇_W q_i = 2 Q x_i x_iᵀ, N = σ_max(Q) = 1 and
/// ∂σ_max(Q) = {V : ‖V‖_nuc ≤ 1, ⟨V, Q⟩ = 1}. λ_i = 1/24 gives
/// Σ λ_i ∇q_i = (1/12) Q R Rᵀ = Q/12, which has nuclear norm 1 and ⟨Q/12, Q⟩ = 1: an exact
/// spectral KKT point with a flat spectrum ("exactly what Muon produces"). Written with the
/// atoms b b_ᵀQ of an SVD Q = B·I·(QᵀB)ᵀ, every certificate needs
/// Σ_a μ_a b_a b_aᵀ = 2 Σ λ_i (Qx_i)(Qx_i)ᵀ; the initial ≤ 8 atoms of the SVD basis B cannot
/// match the rotated basis QR e_i, so column generation must add atoms. ℓ2 (Frobenius) is
/// also KKT there (λ_i = ½: Σ λ_i ∇q_i = Q = N_F·Q/N_F), so check_many reports it
/// `coincident`; entrywise ℓ∞ is not.
fn orthogonal_frozen_quadratic_needs_column_generation(backend: LpBackend) {
    let k = 12;
    let orth = |a: usize, b: usize| {
        let g = nalgebra::DMatrix::from_fn(k, k, |i, j| {
            ((i * a + j * b) as f64).sin() + if i == j { 2.0 } else { 0.0 }
        });
        g.qr().q()
    };
    let (q, r) = (orth(7, 3), orth(5, 11));
    let theta: Vec<f64> = (0..k * k).map(|t| q[(t / k, t % k)]).collect();
    let model = TwoLayer::frozen(Activation::Quadratic, k, k, vec![1.0; k]).unwrap();
    let rows: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..k).map(|j| r[(j, i)]).collect())
        .collect();
    let data = Dataset::from_rows(&rows, vec![1.0; k]).unwrap();
    // colgen_tol 1e-4: stop when LP value − bound ≤ 1e-6 near κ = 0.
    let cfg0 = CheckConfig {
        colgen_tol: 1e-4,
        ..cfg_exact(backend)
    };
    let c = check(&model, &data, &theta, &NormSpec::Spectral, &cfg0).unwrap();
    assert!(c.kappa <= 1e-6, "κ = {} ({:?})", c.kappa, c.lp);
    assert!(
        c.lp.atoms > 8,
        "column generation added no atom: {:?}",
        c.lp
    );
    assert_eq!(c.verdict, Verdict::Kkt);
    let certs = check_many(
        &model,
        &data,
        &theta,
        &[NormSpec::Spectral, NormSpec::L2, NormSpec::Linf],
        Some(&NormSpec::Spectral),
        &cfg0,
    )
    .unwrap();
    assert_eq!(certs[0].verdict, Verdict::Kkt);
    assert_eq!(
        certs[1].verdict,
        Verdict::Coincident,
        "{:?}",
        certs[1].reason
    );
    assert!(certs[1].kappa <= EXACT);
    assert_eq!(
        certs[2].verdict,
        Verdict::NotKkt,
        "linf: κ {} lb {}",
        certs[2].kappa,
        certs[2].kappa_lower_bound
    );
}

/// ReLU net, k = 2, d = 2, W = I, u = (1, 1), samples x₁ = (1, 0) and x₃ = (−½, 1), both
/// y = +1. Unit A (w = e₁) is active on x₁ only; unit C (w = e₂) is active on x₃ and has
/// x₁ **exactly at its kink** (⟨e₂, x₁⟩ = 0). q₁ = q₃ = 1. KKT (θ = Σ λ_i ∇q_i with the Clarke
/// slope α ∈ [0, 1] of unit C at x₁): u_A = λ₁ and w_A = λ₁ e₁ give λ₁ = 1; u_C = λ₃ and
/// w_C = λ₃ x₃ + α λ₁ x₁ = (−½λ₃ + α, λ₃) = (0, 1) give λ₃ = 1, α = ½. So θ is an exact KKT
/// point, but only with the slope ½ at the kink: with the fixed subgradient ReLU'(0) = 0 the
/// W_C[0] residual is −½λ₃ while u_C needs λ₃ = 1; the best compromise λ₃ = ⅔ leaves
/// ‖r‖_∞ = ⅓ and N = ‖θ‖ = 2, κ = 1/6.
fn kink_needs_clarke(backend: LpBackend) {
    let model = TwoLayer::new(Activation::Relu, 2, 2);
    let data = Dataset::from_rows(&[vec![1.0, 0.0], vec![-0.5, 1.0]], vec![1.0, 1.0]).unwrap();
    let theta = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    let with = check(&model, &data, &theta, &NormSpec::L2, &cfg(backend)).unwrap();
    assert!(with.lp.kinks >= 1, "the kink was not detected");
    assert!(with.kappa <= EXACT, "with Clarke: κ = {}", with.kappa);
    assert_eq!(with.verdict, Verdict::Kkt);
    let without = check(
        &model,
        &data,
        &theta,
        &NormSpec::L2,
        &CheckConfig {
            clarke: false,
            ..cfg(backend)
        },
    )
    .unwrap();
    assert_eq!(without.lp.kinks, 0);
    assert!(
        abs_diff_eq!(without.kappa, 1.0 / 6.0, epsilon = 1e-6),
        "without Clarke: κ = {}",
        without.kappa
    );
    assert_abs_diff_eq!(without.kappa_lower_bound, 1.0 / 6.0, epsilon = 1e-6);
    assert_eq!(without.verdict, Verdict::NotKkt);
}

/// Structural coincidence on a linear model (one vector block): spectral = max-spectral =
/// ℓ2, hybrid = ℓ∞; empirical coincidence: a non-own norm that passes at the same θ.
fn coincidence(backend: LpBackend) {
    let data = generators::linear_teacher_with_margin(40, 10, None, 0.0, 8).unwrap();
    let model = Linear::new(10);
    let sols = optima(&data);
    let cfg0 = cfg_exact(backend);
    let norms = [
        NormSpec::L2,
        NormSpec::Spectral,
        NormSpec::MaxSpectral,
        NormSpec::Linf,
        NormSpec::Hybrid {
            w_matrix: 1.0,
            w_vector: 1.0,
        },
    ];
    let certs = check_many(
        &model,
        &data,
        &sols[1].theta,
        &norms,
        Some(&NormSpec::L2),
        &cfg0,
    )
    .unwrap();
    assert_eq!(certs[0].verdict, Verdict::Kkt);
    assert_eq!(
        certs[1].verdict,
        Verdict::Coincident,
        "{:?}",
        certs[1].reason
    );
    assert_eq!(certs[2].verdict, Verdict::Coincident);
    // The coincident norms carry their own numbers: κ of spectral on a vector = ℓ2's.
    assert!(certs[1].kappa <= 1e-6, "spectral κ {}", certs[1].kappa);
    assert_eq!(certs[3].verdict, Verdict::NotKkt);
    // hybrid:1:1 on a layout without matrix blocks is ℓ∞, not ℓ2: keeps its verdict.
    assert_eq!(certs[4].verdict, Verdict::NotKkt);
    assert!(
        abs_diff_eq!(certs[4].kappa, certs[3].kappa, epsilon = 1e-6),
        "hybrid = linf on a vector"
    );
    // Own = ℓ∞: hybrid with any weights coincides structurally.
    let certs = check_many(
        &model,
        &data,
        &sols[2].theta,
        &[NormSpec::Hybrid {
            w_matrix: 3.0,
            w_vector: 2.0,
        }],
        Some(&NormSpec::Linf),
        &cfg0,
    )
    .unwrap();
    assert_eq!(certs[0].verdict, Verdict::Coincident);
    // Empirical: seed 0 has identical ℓ1 and ℓ2 optima, so at that θ both pass.
    let data0 = generators::linear_teacher(40, 10, None, 0).unwrap();
    let s0 = optima(&data0);
    assert!(
        cos(&s0[0].theta, &s0[1].theta) > 1.0 - 1e-12,
        "precondition: same optimum"
    );
    let certs = check_many(
        &model,
        &data0,
        &s0[1].theta,
        &[NormSpec::L1, NormSpec::L2],
        Some(&NormSpec::L2),
        &cfg0,
    )
    .unwrap();
    assert_eq!(certs[1].verdict, Verdict::Kkt);
    assert_eq!(
        certs[0].verdict,
        Verdict::Coincident,
        "{:?}",
        certs[0].reason
    );
    // Without an own norm nothing is rewritten.
    let certs = check_many(
        &model,
        &data0,
        &s0[1].theta,
        &[NormSpec::L1, NormSpec::Spectral],
        None,
        &cfg0,
    )
    .unwrap();
    assert_eq!(certs[0].verdict, Verdict::Kkt);
    assert_eq!(certs[1].verdict, Verdict::Kkt);
}

/// Weighted ℓ2 ‖h ⊙ θ‖₂ (AdaGrad's norm, [A] Thm 6): with φ = h ⊙ θ and features x/h the
/// problem becomes the plain ℓ2 max-margin problem, so θ* = φ*/h (φ* the exact ℓ2 optimum
/// on the rescaled data) is an exact weighted-ℓ2 KKT point; it is generally not an ℓ2 one.
/// Constant weights coincide with ℓ2.
#[test]
fn weighted_l2_exact_point() {
    let data = generators::linear_teacher_with_margin(30, 6, None, 0.2, 4).unwrap();
    let h = [0.5, 1.0, 2.0, 0.7, 1.5, 3.0];
    let scaled_rows: Vec<Vec<f64>> = (0..data.m())
        .map(|i| data.row(i).iter().zip(&h).map(|(x, hj)| x / hj).collect())
        .collect();
    let scaled = Dataset::from_rows(&scaled_rows, data.y.clone()).unwrap();
    let phi = max_margin(&scaled, MaxMarginNorm::L2).unwrap();
    let theta: Vec<f64> = phi.theta.iter().zip(&h).map(|(p, hj)| p / hj).collect();
    let model = Linear::new(6);
    let spec = NormSpec::WeightedL2(h.to_vec());
    for backend in [LpBackend::Clarabel, LpBackend::Microlp] {
        let c = check(&model, &data, &theta, &spec, &cfg(backend)).unwrap();
        assert!(c.kappa <= EXACT, "κ = {}", c.kappa);
        assert!(
            abs_diff_eq!(c.margin, phi.margin, epsilon = 1e-9 * phi.margin),
            "γ = γ*(rescaled)"
        );
        let l2 = check(&model, &data, &theta, &NormSpec::L2, &cfg(backend)).unwrap();
        assert_eq!(
            l2.verdict,
            Verdict::NotKkt,
            "ℓ2 κ {} lb {}",
            l2.kappa,
            l2.kappa_lower_bound
        );
    }
    let certs = check_many(
        &model,
        &data,
        &theta,
        &[NormSpec::WeightedL2(vec![2.5; 6]), NormSpec::Linf],
        Some(&NormSpec::L2),
        &cfg(LpBackend::Clarabel),
    )
    .unwrap();
    assert_eq!(
        certs[0].verdict,
        Verdict::Coincident,
        "constant weights = ℓ2"
    );
    // The own norm is checked even though it is not in the list; ℓ∞ keeps its verdict.
    assert_ne!(certs[1].verdict, Verdict::Coincident);
}

/// The dual LP form gives the same certificate as the primal one.
#[test]
fn dual_form_agrees_with_primal_form() {
    let data = generators::linear_teacher_with_margin(40, 10, None, 0.0, 5).unwrap();
    let model = Linear::new(10);
    let sols = optima(&data);
    for spec in [
        NormSpec::L1,
        NormSpec::L2,
        NormSpec::Linf,
        NormSpec::Lp(3.0),
    ] {
        for s in &sols {
            let p = check(&model, &data, &s.theta, &spec, &cfg(LpBackend::Clarabel)).unwrap();
            let d = check(
                &model,
                &data,
                &s.theta,
                &spec,
                &CheckConfig {
                    form: LpForm::Dual,
                    ..cfg(LpBackend::Clarabel)
                },
            )
            .unwrap();
            assert!(
                abs_diff_eq!(p.kappa, d.kappa, epsilon = 1e-6),
                "{spec}: {} vs {}",
                p.kappa,
                d.kappa
            );
            assert_abs_diff_eq!(p.kappa_lower_bound, d.kappa_lower_bound, epsilon = 1e-6);
            assert_eq!(p.verdict, d.verdict);
        }
    }
}

/// The trajectory certificate is a restricted certificate (λ ∝ e^{−q}), so its κ is never
/// below the certified lower bound; on symmetric data whose KKT multipliers are uniform
/// it is exact at a large scale (all margins equal, uniform weights).
#[test]
fn trajectory_certificate() {
    let rows = [
        vec![1.0, 0.5],
        vec![1.0, -0.5],
        vec![-1.0, 0.5],
        vec![-1.0, -0.5],
    ];
    let data = Dataset::from_rows(&rows, vec![1.0, 1.0, -1.0, -1.0]).unwrap();
    let model = Linear::new(2);
    // θ = s·e₁: all margins equal s; λ_i = ¼ solves Σ λ_i y_i x_i = e₁ = θ̃.
    let c = check(
        &model,
        &data,
        &[30.0, 0.0],
        &NormSpec::L2,
        &CheckConfig::default(),
    )
    .unwrap();
    let t = c.trajectory_kappa.expect("computed by default");
    assert!(t <= EXACT, "trajectory κ = {t}");
    // Generic data: trajectory κ ≥ certified lower bound.
    let data = generators::linear_teacher(30, 6, None, 3).unwrap();
    let model = Linear::new(6);
    for s in optima(&data) {
        for spec in [NormSpec::L1, NormSpec::L2, NormSpec::Linf] {
            let theta: Vec<f64> = s.theta.iter().map(|v| 5.0 * v).collect();
            let c = check(&model, &data, &theta, &spec, &CheckConfig::default()).unwrap();
            let t = c.trajectory_kappa.unwrap();
            assert!(
                t.is_finite() && t >= c.kappa_lower_bound - 1e-9,
                "{spec}: traj {t} < lb {}",
                c.kappa_lower_bound
            );
        }
    }
}

#[test]
fn bad_input_gives_clear_errors() {
    let data = generators::linear_teacher(20, 4, None, 1).unwrap();
    let model = Linear::new(4);
    let sol = max_margin(&data, MaxMarginNorm::L2).unwrap();
    let c = CheckConfig::default();
    let neg: Vec<f64> = sol.theta.iter().map(|v| -v).collect();
    match check(&model, &data, &neg, &NormSpec::L2, &c) {
        Err(Error::NotSeparable(msg)) => assert!(msg.contains("does not separate"), "{msg}"),
        other => panic!("expected NotSeparable, got {other:?}"),
    }
    assert!(
        matches!(check(&model, &data, &[0.0; 4], &NormSpec::L2, &c), Err(Error::Params(m)) if m.contains("θ = 0"))
    );
    let mut nan = sol.theta.clone();
    nan[2] = f64::NAN;
    assert!(
        matches!(check(&model, &data, &nan, &NormSpec::L2, &c), Err(Error::Params(m)) if m.contains("not finite"))
    );
    assert!(
        matches!(check(&model, &data, &[1.0; 3], &NormSpec::L2, &c), Err(Error::Params(m)) if m.contains("expected 4"))
    );
    // Spectral needs a single block; the two-layer layout has W and u.
    let net = TwoLayer::new(Activation::Relu, 3, 4);
    let theta = vec![0.5; net.layout().len()];
    let net_data = Dataset::from_rows(&[vec![1.0, 1.0, 1.0, 1.0]], vec![1.0]).unwrap();
    match check(&net, &net_data, &theta, &NormSpec::Spectral, &c) {
        Err(Error::Config(msg)) => assert!(msg.contains("single block"), "{msg}"),
        other => panic!("expected a config error, got {other:?}"),
    }
    // Data of the wrong dimension, invalid configs.
    let wrong = generators::linear_teacher(5, 3, None, 1).unwrap();
    assert!(matches!(
        check(&model, &wrong, &sol.theta, &NormSpec::L2, &c),
        Err(Error::Data(_))
    ));
    for bad in [
        CheckConfig {
            tau: 1.0,
            ..c.clone()
        },
        CheckConfig {
            kappa_kkt: 0.0,
            ..c.clone()
        },
        CheckConfig {
            kappa_not: 0.001,
            ..c.clone()
        },
        CheckConfig {
            lp_tol: f64::NAN,
            ..c.clone()
        },
        CheckConfig {
            max_colgen_iters: 0,
            ..c.clone()
        },
    ] {
        assert!(matches!(
            check(&model, &data, &sol.theta, &NormSpec::L2, &bad),
            Err(Error::Config(_))
        ));
    }
    // A max-block norm naming an unknown block.
    let mb = NormSpec::parse("max_block:W=spectral@1,v=linf@1").unwrap();
    assert!(check(&net, &net_data, &theta, &mb, &c).is_err());
}

#[test]
fn certificate_json_contract() {
    let data = generators::linear_teacher(20, 4, None, 2).unwrap();
    let model = Linear::new(4);
    let sol = max_margin(&data, MaxMarginNorm::Linf).unwrap();
    let c = check(
        &model,
        &data,
        &sol.theta,
        &NormSpec::Linf,
        &CheckConfig::default(),
    )
    .unwrap();
    let v: serde_json::Value = serde_json::to_value(&c).unwrap();
    for key in [
        "norm",
        "margin",
        "kappa",
        "kappa_lower_bound",
        "eps_rel",
        "eps2",
        "eps_inf",
        "delta",
        "delta_rel",
        "tau",
        "support",
        "lambda",
        "block_balance",
        "verdict",
        "tolerances",
        "lp",
    ] {
        assert!(v.get(key).is_some(), "missing `{key}`");
    }
    assert_eq!(v["verdict"], "kkt");
    assert_eq!(v["norm"], "linf");
    assert_eq!(v["tolerances"]["backend"], "clarabel");
    let back: Certificate = serde_json::from_value(v).unwrap();
    assert_eq!(back.verdict, Verdict::Kkt);
    for (verdict, s) in [
        (Verdict::Kkt, "\"kkt\""),
        (Verdict::NotKkt, "\"not_kkt\""),
        (Verdict::Inconclusive, "\"inconclusive\""),
        (Verdict::Coincident, "\"coincident\""),
    ] {
        assert_eq!(serde_json::to_string(&verdict).unwrap(), s);
    }
    // ε, δ of [M] Def. C.4 are consistent with κ: κ = max(ε_∞/N, δ_rel) and ε_rel = ε₂/N.
    let n = 1.0 / c.margin; // L = 1: N(θ̃) = 1/γ
    assert_abs_diff_eq!(c.kappa, (c.eps_inf / n).max(c.delta_rel), epsilon = 1e-12);
    assert_abs_diff_eq!(c.eps_rel, c.eps2 / n, epsilon = 1e-12);
}

/// Block balance of a hybrid norm on the two-layer layout: each block's weighted norm over
/// the max, one entry per block, the max equal to 1.
#[test]
fn block_balance_is_reported() {
    let model = TwoLayer::new(Activation::Relu, 3, 2);
    let theta = [1.0, 0.0, 0.0, 1.0, 0.5, 0.5, 1.0, 1.0, 0.5];
    let rows = [vec![1.0, 0.1], vec![0.1, 1.0]];
    let data = Dataset::from_rows(&rows, vec![1.0, 1.0]).unwrap();
    let c = check(
        &model,
        &data,
        &theta,
        &NormSpec::Hybrid {
            w_matrix: 1.0,
            w_vector: 1.0,
        },
        &CheckConfig::default(),
    )
    .unwrap();
    let bb = c.block_balance.expect("hybrid reports block balance");
    assert_eq!(bb.len(), 2);
    assert_eq!(bb[0].0, "W");
    let mx = bb.iter().map(|b| b.1).fold(0.0, f64::max);
    assert_abs_diff_eq!(mx, 1.0, epsilon = 1e-12);
    // W = [[1, 0], [0, 1], [½, ½]]: WᵀW = [[5/4, 1/4], [1/4, 5/4]], σ_max(W) = √(3/2);
    // ‖u‖_∞ = 1. θ̃ is a rescaling of θ, which leaves the ratios unchanged.
    let s = 1.5f64.sqrt();
    assert!(abs_diff_eq!(bb[0].1, 1.0, epsilon = 1e-12), "{bb:?}");
    assert!(abs_diff_eq!(bb[1].1, 1.0 / s, epsilon = 1e-12), "{bb:?}");
    assert!(check(
        &model,
        &data,
        &theta,
        &NormSpec::L2,
        &CheckConfig::default()
    )
    .unwrap()
    .block_balance
    .is_none());
}

/// Own ℓ2 optimum of a seeded linear dataset (for the property tests).
fn l2_point(seed: u64) -> (Dataset, Vec<f64>) {
    let data = generators::linear_teacher_with_margin(30, 6, None, 0.2, seed).unwrap();
    let sol = max_margin(&data, MaxMarginNorm::L2).unwrap();
    (data, sol.theta)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// κ(θ* + t·d) is non-decreasing in t along a fixed direction: t₂ = 3t₁, so the
    /// first-order growth κ ≈ c·t dominates; 5 % slack and 1e-9 absolute for the LP.
    #[test]
    fn kappa_grows_with_perturbation(
        seed in 0u64..4,
        dir in prop::collection::vec(-1.0f64..1.0, 6),
        t in 1e-4f64..1e-2,
        spec_ix in 0usize..3,
    ) {
        let (data, theta) = l2_point(seed);
        let model = Linear::new(6);
        let spec = [NormSpec::L2, NormSpec::L1, NormSpec::Linf][spec_ix].clone();
        let sol = max_margin(&data, MM[[1, 0, 2][spec_ix]]).unwrap();
        let theta = if spec_ix == 0 { theta } else { sol.theta };
        let dn = dir.iter().map(|v| v * v).sum::<f64>().sqrt();
        prop_assume!(dn > 0.1);
        let tn = theta.iter().map(|v| v * v).sum::<f64>().sqrt();
        let at = |s: f64| -> Option<f64> {
            let th: Vec<f64> = theta.iter().zip(&dir).map(|(a, d)| a + s * tn * d / dn).collect();
            check(&model, &data, &th, &spec, &cfg_exact(LpBackend::Clarabel)).ok().map(|c| c.kappa)
        };
        let (Some(k1), Some(k2)) = (at(t), at(3.0 * t)) else {
            // Large perturbations may stop separating the data: nothing to compare.
            return Ok(());
        };
        prop_assert!(k2 >= 0.95 * k1 - 1e-9, "κ({t}) = {k1} > κ({}) = {k2}", 3.0 * t);
    }

    /// θ → cθ leaves the certificate unchanged (θ̃ does not depend on the scale).
    #[test]
    fn certificate_is_scale_invariant(
        seed in 0u64..4,
        log_c in -6.0f64..6.0,
        dir in prop::collection::vec(-1.0f64..1.0, 6),
        spec_ix in 0usize..4,
    ) {
        let (data, theta) = l2_point(seed);
        let model = Linear::new(6);
        let theta: Vec<f64> = theta.iter().zip(&dir).map(|(a, d)| a + 0.02 * d).collect();
        let spec = [NormSpec::L2, NormSpec::L1, NormSpec::Linf, NormSpec::Lp(3.0)][spec_ix].clone();
        let base = check(&model, &data, &theta, &spec, &cfg(LpBackend::Clarabel));
        prop_assume!(base.is_ok());
        let base = base.unwrap();
        let c = log_c.exp();
        let scaled: Vec<f64> = theta.iter().map(|v| c * v).collect();
        let s = check(&model, &data, &scaled, &spec, &cfg(LpBackend::Clarabel)).unwrap();
        // 1e-6 relative plus a 1e-9 floor, summed (not approx's max of the two): abs_diff_eq
        // with the summed bound keeps the tolerance exactly.
        let close = |a: f64, b: f64| abs_diff_eq!(a, b, epsilon = 1e-6 * a.abs().max(b.abs()) + 1e-9);
        prop_assert!(close(base.kappa, s.kappa), "κ {} vs {}", base.kappa, s.kappa);
        prop_assert!(close(base.kappa_lower_bound, s.kappa_lower_bound));
        prop_assert!(close(base.margin, s.margin));
        prop_assert_eq!(base.verdict, s.verdict);
    }
}

/// Two-layer net scale invariance (L = 2) and a max-spectral check that runs column
/// generation on both blocks.
#[test]
fn two_layer_scale_invariance_and_max_spectral() {
    let model = TwoLayer::new(Activation::Relu, 4, 3);
    let theta: Vec<f64> = (0..model.layout().len())
        .map(|t| ((t * 37 % 11) as f64 - 5.0) / 5.0)
        .collect();
    // Labels from the net itself, so θ separates the data.
    let mut rows = Vec::new();
    let mut y = Vec::new();
    for i in 0..16 {
        let x: Vec<f64> = (0..3)
            .map(|j| (((i * 13 + j * 7) % 17) as f64 - 8.0) / 4.0)
            .collect();
        let f = model.forward(&theta, &x);
        if f.abs() > 1e-3 {
            y.push(f.signum());
            rows.push(x);
        }
    }
    let data = Dataset::from_rows(&rows, y).unwrap();
    for spec in [
        NormSpec::L2,
        NormSpec::MaxSpectral,
        NormSpec::Hybrid {
            w_matrix: 2.0,
            w_vector: 1.0,
        },
    ] {
        let a = check(&model, &data, &theta, &spec, &CheckConfig::default()).unwrap();
        let scaled: Vec<f64> = theta.iter().map(|v| 7.5 * v).collect();
        let b = check(&model, &data, &scaled, &spec, &CheckConfig::default()).unwrap();
        assert!(
            abs_diff_eq!(a.kappa, b.kappa, epsilon = 1e-6 * a.kappa.max(1e-3)),
            "{spec}: {} vs {}",
            a.kappa,
            b.kappa
        );
        assert_abs_diff_eq!(a.margin, b.margin, epsilon = 1e-9 * a.margin);
        assert!(a.kappa_lower_bound <= a.kappa + 1e-9);
        assert!(a.lp.converged, "{spec}: {:?}", a.lp.notes);
    }
}

/// τ is a function of the norm's resolution on the layout ([`CheckConfig::tau_for`]):
/// `tau_smooth` for the smooth norms (ℓ2, ℓp, a max over a single ℓ2/ℓp block), 0 for
/// weighted ℓ2, `tau` for every other built-in norm — and the certificate reports it.
#[test]
fn tau_comes_from_smoothness() {
    let c = CheckConfig {
        tau: 0.05,
        tau_smooth: 0.02,
        ..CheckConfig::default()
    };
    let net = TwoLayer::new(Activation::Relu, 3, 4).layout().clone();
    let lin = Linear::new(4).layout().clone();
    let cases: [(&str, &implicit_bias::params::Layout, f64); 13] = [
        ("l2", &net, 0.02),
        ("lp:3", &net, 0.02),
        ("l1", &net, 0.05),
        ("linf", &net, 0.05),
        ("max_spectral", &net, 0.05),
        ("hybrid:1:2", &net, 0.05),
        ("max_block:W=spectral@1,u=l1@2", &net, 0.05),
        ("max_block:W=l2@1,u=l2@1", &net, 0.05),
        ("spectral", &lin, 0.05),
        ("max_spectral", &lin, 0.05),
        ("max_block:theta=linf@1", &lin, 0.05),
        ("max_block:theta=l2@2", &lin, 0.02),
        ("max_block:theta=lp1.5@1", &lin, 0.02),
    ];
    for (s, layout, want) in cases {
        let r = NormSpec::parse(s).unwrap().resolve(layout).unwrap();
        assert_eq!(c.tau_for(&r), want, "{s}");
    }
    let w = NormSpec::WeightedL2(vec![1.0, 2.0, 3.0, 4.0]);
    assert_eq!(c.tau_for(&w.resolve(&lin).unwrap()), 0.0);
}

/// A max over a single ℓ2 block is smooth: at τ = 0 its subdifferential is the single point
/// w·θ̃/‖θ̃‖₂, and the ℓ2 max-margin point is an exact KKT point of it, as of ℓ2.
#[test]
fn single_l2_block_max_is_the_l2_point() {
    let data = generators::linear_teacher(40, 6, None, 3).unwrap();
    let model = Linear::new(6);
    let theta = max_margin(&data, MaxMarginNorm::L2).unwrap().theta;
    let c = cfg(LpBackend::Clarabel);
    let mb = NormSpec::parse("max_block:theta=l2@2").unwrap();
    let a = check(&model, &data, &theta, &mb, &c).unwrap();
    let b = check(&model, &data, &theta, &NormSpec::L2, &c).unwrap();
    assert_eq!(a.verdict, Verdict::Kkt, "{a:?}");
    assert_eq!(a.tau, 0.0);
    assert!(a.kappa < EXACT, "{}", a.kappa);
    assert!(
        abs_diff_eq!(a.kappa, b.kappa, epsilon = EXACT),
        "{} vs {}",
        a.kappa,
        b.kappa
    );
    assert!(
        a.relaxation.starts_with("exact subdifferential"),
        "{}",
        a.relaxation
    );
    assert!(same_norm_on(&mb, &NormSpec::L2, model.layout()));
}
