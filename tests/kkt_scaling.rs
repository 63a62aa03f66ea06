//! The scalable KKT checker path (`Strategy::RowGeneration`: row generation over
//! coordinates, streamed per-sample gradients, restricted ℓ∞ columns) against the plain LP
//! (`Strategy::Plain`: every residual row, dense gradients), on small and medium cases.
//!
//! The certificate must mean the same whatever strategy ran (`src/kkt/rowgen.rs`):
//!
//! * **Agreement.** Same verdict, κ equal within [`poly_tol`] for norms whose LP is exact in
//!   one shot (ℓ2, ℓ∞, ℓ1), within the column-generation tolerance for the norms with
//!   generated atoms (max-spectral, hybrid's spectral block, ℓ2 blocks at τ > 0).
//! * **Cross-validity.** Each path's certified lower bound is ≤ the κ the *other* path
//!   achieved (+ [`poly_tol`]) — a bound computed from a restricted LP is still a bound on
//!   every certificate. Also after a single round (a deliberately unconverged, tiny row set).
//! * **Perturbed points.** Exact max-margin points are `kkt` under both paths; moving θ away
//!   from them makes κ grow and the verdict leave `kkt`, identically under both paths.
//!
//! **Tolerances.** Both paths solve LPs with Clarabel to 10⁻¹⁰ (gap and feasibility); the
//! recomputed residual r_j = Σ_i λ_i a_ij − N v_j sums m + p terms whose scaled coefficients
//! are ≤ 1, so each path's κ is within ≈ 10⁻¹⁰·(m + p) of its LP value; row generation stops
//! when no dropped row exceeds the LP value by more than 10⁻⁶ relative + 10⁻⁹ absolute
//! (`ROW_REL`, `ROW_ABS`). Hence [`poly_tol`] = 2·10⁻⁶·κ + 10⁻⁹ + 10⁻⁹·(m + p) (a factor 10
//! above the IPM term). Column generation stops when LP value − bound ≤ colgen_tol·max(LP
//! value, 0.01), so for atom norms the two κ can differ by that much each: 2·colgen_tol·
//! max(κ, 0.01) + [`poly_tol`].

use approx::{abs_diff_eq, assert_abs_diff_eq};
use implicit_bias::data::{generators, Dataset};
use implicit_bias::kkt::Strategy;
use implicit_bias::kkt::*;
use implicit_bias::maxmargin::{max_margin, MaxMarginNorm};
use implicit_bias::models::{Activation, Linear, Model, TwoLayer};
use implicit_bias::norms::NormSpec;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

/// Agreement tolerance for one-shot LPs (see the module docs).
fn poly_tol(kappa: f64, m: usize, p: usize) -> f64 {
    2e-6 * kappa.abs() + 1e-9 + 1e-9 * (m + p) as f64
}

/// The norms whose LP uses generated atoms at the default τ (column generation).
fn uses_atoms(norm: &NormSpec) -> bool {
    matches!(norm, NormSpec::MaxSpectral | NormSpec::Hybrid { .. })
}

/// No trajectory certificate, no τ search (`Auto` would search on the plain path only; the
/// search is tested in `tests/kkt_tau_search.rs`).
fn base_cfg() -> CheckConfig {
    CheckConfig {
        trajectory: false,
        tau_search: TauSearchMode::Off,
        ..CheckConfig::default()
    }
}

fn with(strategy: Strategy, cfg: &CheckConfig) -> CheckConfig {
    CheckConfig {
        strategy,
        ..cfg.clone()
    }
}

/// Run both strategies (same config otherwise).
fn both(
    model: &dyn Model,
    data: &Dataset,
    theta: &[f64],
    norm: &NormSpec,
    cfg: &CheckConfig,
) -> (Certificate, Certificate) {
    let plain = check(model, data, theta, norm, &with(Strategy::Plain, cfg)).unwrap();
    let fast = check(
        model,
        data,
        theta,
        norm,
        &with(Strategy::RowGeneration, cfg),
    )
    .unwrap();
    assert!(!plain.lp.row_generation && fast.lp.row_generation);
    (plain, fast)
}

/// Whether some threshold lies within `band` of x (a verdict may then flip legitimately).
fn near(x: f64, cfg: &CheckConfig, band: f64) -> bool {
    [cfg.kappa_kkt, cfg.kappa_not]
        .iter()
        .any(|t| abs_diff_eq!(x, *t, epsilon = band))
}

/// The agreement assertions of the module docs.
fn assert_agree(
    what: &str,
    norm: &NormSpec,
    plain: &Certificate,
    fast: &Certificate,
    cfg: &CheckConfig,
    m: usize,
    p: usize,
) {
    let k = plain.kappa.max(fast.kappa);
    let small = poly_tol(k, m, p);
    let tol = if uses_atoms(norm) {
        2.0 * cfg.colgen_tol * k.max(0.01) + small
    } else {
        small
    };
    let ctx = format!(
        "{what} {norm}: plain κ {:.9e} lb {:.9e} {} ({} rounds, {:?}) | fast κ {:.9e} lb {:.9e} {} \
         ({} rounds, J {} of {p}, {:?})",
        plain.kappa,
        plain.kappa_lower_bound,
        plain.verdict,
        plain.lp.rounds,
        plain.lp.notes,
        fast.kappa,
        fast.kappa_lower_bound,
        fast.verdict,
        fast.lp.rounds,
        fast.lp.residual_rows,
        fast.lp.notes
    );
    assert!(plain.kappa.is_finite() && fast.kappa.is_finite(), "{ctx}");
    assert!(
        abs_diff_eq!(plain.kappa, fast.kappa, epsilon = tol),
        "κ differ: {ctx}"
    );
    // Cross-validity: a certified bound never exceeds an achieved κ, whichever path made it.
    assert!(fast.kappa_lower_bound <= plain.kappa + small, "{ctx}");
    assert!(plain.kappa_lower_bound <= fast.kappa + small, "{ctx}");
    if !uses_atoms(norm) {
        assert!(
            abs_diff_eq!(
                plain.kappa_lower_bound,
                fast.kappa_lower_bound,
                epsilon = tol
            ),
            "bounds differ: {ctx}"
        );
    }
    let contested = [
        plain.kappa,
        fast.kappa,
        plain.kappa_lower_bound,
        fast.kappa_lower_bound,
    ]
    .iter()
    .any(|x| near(*x, cfg, tol));
    if !contested {
        assert_eq!(plain.verdict, fast.verdict, "{ctx}");
    }
    // The certificate's other numbers are recomputed from λ, v the same way.
    assert_eq!(plain.lambda.len(), fast.lambda.len());
    assert!(
        abs_diff_eq!(plain.margin, fast.margin, epsilon = 1e-12 * plain.margin),
        "{ctx}"
    );
    assert_eq!(plain.tau, fast.tau);
}

/// A two-layer net with a random θ and labels from it (κ ≈ 0.05–1: not a KKT point).
fn teacher_net(
    act: Activation,
    k: usize,
    d: usize,
    m: usize,
    seed: u64,
) -> (TwoLayer, Dataset, Vec<f64>) {
    let model = TwoLayer::new(act, k, d);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut normal = || rng.sample::<f64, _>(rand_distr::StandardNormal);
    let theta: Vec<f64> = (0..model.layout().len()).map(|_| normal()).collect();
    let (mut rows, mut y) = (Vec::new(), Vec::new());
    while rows.len() < m {
        let x: Vec<f64> = (0..d).map(|_| normal()).collect();
        let f = model.forward(&theta, &x);
        if f.abs() > 0.1 {
            y.push(f.signum());
            rows.push(x);
        }
    }
    (model, Dataset::from_rows(&rows, y).unwrap(), theta)
}

const NORMS: [NormSpec; 5] = [
    NormSpec::L2,
    NormSpec::Linf,
    NormSpec::L1,
    NormSpec::MaxSpectral,
    NormSpec::Hybrid {
        w_matrix: 1.0,
        w_vector: 1.0,
    },
];

/// The norms of [`NORMS`] that differ on a single vector block (max-spectral there is ℓ2
/// with τ = 10⁻², whose ℓ2-ball cap needs 30–60 column-generation rounds at p = 300 — it
/// is covered on the two-layer nets, where it has a matrix block).
const LINEAR_NORMS: [NormSpec; 4] = [
    NormSpec::L2,
    NormSpec::Linf,
    NormSpec::L1,
    NormSpec::Hybrid {
        w_matrix: 1.0,
        w_vector: 1.0,
    },
];

/// Linear models with p = 300 ≫ m = 30: exact ℓ1 / ℓ2 / ℓ∞ max-margin points (KKT for
/// their own norm, not for the others) under every norm, tiny row batches (8) so that row
/// generation runs several rounds from a small J.
#[test]
fn linear_paths_agree() {
    let (m, d) = (30, 300);
    let cfg = CheckConfig {
        row_batch: 8,
        ..base_cfg()
    };
    let model = Linear::new(d);
    for seed in 0..2u64 {
        let data = generators::linear_teacher_with_margin(m, d, None, 0.2, seed).unwrap();
        for mm in [MaxMarginNorm::L1, MaxMarginNorm::L2, MaxMarginNorm::Linf] {
            let theta = max_margin(&data, mm).unwrap().theta;
            for norm in &LINEAR_NORMS {
                let (plain, fast) = both(&model, &data, &theta, norm, &cfg);
                assert_agree(
                    &format!("linear seed {seed} θ*={mm:?}"),
                    norm,
                    &plain,
                    &fast,
                    &cfg,
                    m,
                    d,
                );
            }
        }
    }
}

/// Two-layer ReLU and ReLU² nets (k = 12, d = 20: p = 252, m = 40), two seeds each, every
/// norm; the default row batches (n₀ = 64 < p).
#[test]
fn two_layer_paths_agree() {
    let cfg = base_cfg();
    for act in [Activation::Relu, Activation::ReluPow(2.0)] {
        for seed in 0..2u64 {
            let (model, data, theta) = teacher_net(act, 12, 20, 40, seed);
            let p = model.layout().len();
            for norm in &NORMS {
                let (plain, fast) = both(&model, &data, &theta, norm, &cfg);
                assert_agree(
                    &format!("{act} seed {seed}"),
                    norm,
                    &plain,
                    &fast,
                    &cfg,
                    40,
                    p,
                );
            }
        }
    }
}

/// A medium net (k = 24, d = 42: p = 1 032, m = 100 — sample screening active): the paths
/// agree, `Auto` picks row generation here, and row generation really solves smaller LPs
/// (for ℓ2 and ℓ∞ the final row set is a strict subset of the p coordinates).
#[test]
fn medium_two_layer_paths_agree() {
    let (model, data, theta) = teacher_net(Activation::Relu, 24, 42, 100, 7);
    let p = model.layout().len();
    assert!(Strategy::Auto.row_generation(p) && !Strategy::Auto.row_generation(200));
    let cfg = base_cfg();
    for norm in [NormSpec::L2, NormSpec::Linf, NormSpec::MaxSpectral] {
        let (plain, fast) = both(&model, &data, &theta, &norm, &cfg);
        assert_agree("medium", &norm, &plain, &fast, &cfg, 100, p);
        assert_eq!(plain.lp.residual_rows, p);
        if norm != NormSpec::MaxSpectral {
            assert!(fast.lp.converged, "{norm}: {:?}", fast.lp.notes);
            assert!(
                fast.lp.residual_rows < p,
                "{norm}: J = {}",
                fast.lp.residual_rows
            );
        }
    }
}

/// A single round from a tiny row set (4 rows per heuristic, no refinement): κ is then far
/// from optimal, but the certified bound of the restricted LP is still ≤ the plain path's
/// achieved κ, and the restricted path's achieved κ is ≥ the plain path's bound — the
/// restriction can only make numbers less tight, never wrong.
#[test]
fn restricted_rounds_stay_certified() {
    let one = CheckConfig {
        max_colgen_iters: 1,
        row_batch: 4,
        ..base_cfg()
    };
    let full = base_cfg();
    for seed in 0..2u64 {
        let (model, data, theta) = teacher_net(Activation::Relu, 12, 20, 40, seed);
        let p = model.layout().len();
        for norm in &NORMS {
            let plain = check(&model, &data, &theta, norm, &with(Strategy::Plain, &full)).unwrap();
            let fast = check(
                &model,
                &data,
                &theta,
                norm,
                &with(Strategy::RowGeneration, &one),
            )
            .unwrap();
            let tol = poly_tol(plain.kappa.max(fast.kappa), 40, p);
            let ctx = format!(
                "seed {seed} {norm}: plain κ {:.6e} lb {:.6e}; one round κ {:.6e} lb {:.6e}",
                plain.kappa, plain.kappa_lower_bound, fast.kappa, fast.kappa_lower_bound
            );
            assert!(fast.kappa_lower_bound <= plain.kappa + tol, "{ctx}");
            assert!(fast.kappa >= plain.kappa_lower_bound - tol, "{ctx}");
            assert!(
                fast.kappa_lower_bound >= 0.0 && fast.kappa.is_finite(),
                "{ctx}"
            );
        }
    }
}

/// Perturbed KKT points (linear, p = 300): the exact ℓ1 / ℓ2 / ℓ∞ max-margin directions are
/// `kkt` for their own norm under both paths (κ ≤ 10⁻⁸: exact up to the LP tolerance,
/// summed over m + p terms); moving θ* along a fixed random direction by a relative
/// ε ∈ {0.03, 0.1, 0.3} gives the same κ under both paths, κ grows with ε, and at ε = 0.3
/// neither path says `kkt` (measured κ ≥ 0.05 there, 5× κ_kkt).
#[test]
fn perturbed_points_leave_kkt_on_both_paths() {
    let (m, d) = (30, 300);
    let cfg = CheckConfig {
        row_batch: 16,
        ..base_cfg()
    };
    let model = Linear::new(d);
    let data = generators::linear_teacher_with_margin(m, d, None, 0.2, 11).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let dir: Vec<f64> = (0..d)
        .map(|_| rng.sample(rand_distr::StandardNormal))
        .collect();
    let dn = dir.iter().map(|x| x * x).sum::<f64>().sqrt();
    for (mm, norm) in [
        (MaxMarginNorm::L2, NormSpec::L2),
        (MaxMarginNorm::Linf, NormSpec::Linf),
        (MaxMarginNorm::L1, NormSpec::L1),
    ] {
        let star = max_margin(&data, mm).unwrap().theta;
        let sn = star.iter().map(|x| x * x).sum::<f64>().sqrt();
        let mut last = -1.0;
        for eps in [0.0, 0.03, 0.1, 0.3] {
            let theta: Vec<f64> = star
                .iter()
                .zip(&dir)
                .map(|(s, e)| s + eps * sn * e / dn)
                .collect();
            let (plain, fast) = both(&model, &data, &theta, &norm, &cfg);
            assert_agree(&format!("ε = {eps}"), &norm, &plain, &fast, &cfg, m, d);
            if eps == 0.0 {
                assert!(
                    plain.kappa <= 1e-8 && fast.kappa <= 1e-8,
                    "{norm}: {} {}",
                    plain.kappa,
                    fast.kappa
                );
                assert_eq!(fast.verdict, Verdict::Kkt);
            } else {
                assert!(fast.kappa > last, "{norm}: κ did not grow at ε = {eps}");
            }
            if eps == 0.3 {
                assert_ne!(plain.verdict, Verdict::Kkt, "{norm}");
                assert_ne!(fast.verdict, Verdict::Kkt, "{norm}");
            }
            last = fast.kappa;
        }
    }
}

/// `check_many` (one preparation, rows cached across norms) gives the same certificates as
/// separate `check` calls, and the trajectory certificate agrees between the paths.
#[test]
fn check_many_and_trajectory_agree() {
    let (model, data, theta) = teacher_net(Activation::ReluPow(2.0), 16, 30, 60, 5);
    let p = model.layout().len();
    let cfg = CheckConfig {
        trajectory: true,
        ..base_cfg()
    };
    let norms = [NormSpec::L2, NormSpec::Linf, NormSpec::L1];
    let fast_cfg = with(Strategy::RowGeneration, &cfg);
    let many = check_many(&model, &data, &theta, &norms, None, &fast_cfg).unwrap();
    for (norm, c) in norms.iter().zip(&many) {
        let single = check(&model, &data, &theta, norm, &fast_cfg).unwrap();
        assert_eq!(single.verdict, c.verdict);
        assert_abs_diff_eq!(single.kappa, c.kappa, epsilon = poly_tol(c.kappa, 60, p));
        let plain = check(&model, &data, &theta, norm, &with(Strategy::Plain, &cfg)).unwrap();
        assert_agree("check_many", norm, &plain, c, &cfg, 60, p);
        let (tp, tf) = (plain.trajectory_kappa.unwrap(), c.trajectory_kappa.unwrap());
        assert!(
            abs_diff_eq!(tp, tf, epsilon = poly_tol(tp, 60, p)),
            "{norm}: trajectory κ {tp:.9e} vs {tf:.9e}"
        );
    }
}

/// The pure-Rust simplex backend (microlp: vertex solutions, duals from a second solve of
/// the dual LP) gives the same certificates on both paths.
#[test]
fn microlp_paths_agree() {
    let (model, data, theta) = teacher_net(Activation::Relu, 8, 12, 25, 2);
    let p = model.layout().len();
    let cfg = CheckConfig {
        backend: LpBackend::Microlp,
        row_batch: 16,
        ..base_cfg()
    };
    for norm in [NormSpec::L2, NormSpec::Linf, NormSpec::L1] {
        let (plain, fast) = both(&model, &data, &theta, &norm, &cfg);
        assert_agree("microlp", &norm, &plain, &fast, &cfg, 25, p);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Random small nets, norms and row batches: the paths agree (module docs).
    #[test]
    fn random_nets_agree(
        seed in 0u64..1000,
        k in 4usize..12,
        d in 6usize..16,
        m in 15usize..40,
        norm_idx in 0usize..5,
        batch in prop::sample::select(vec![2usize, 8, 0]),
        relu2 in any::<bool>(),
    ) {
        let act = if relu2 { Activation::ReluPow(2.0) } else { Activation::Relu };
        let (model, data, theta) = teacher_net(act, k, d, m, seed);
        let p = model.layout().len();
        let cfg = CheckConfig { row_batch: batch, ..base_cfg() };
        let norm = &NORMS[norm_idx];
        let (plain, fast) = both(&model, &data, &theta, norm, &cfg);
        assert_agree(&format!("k {k} d {d} m {m} seed {seed}"), norm, &plain, &fast, &cfg, m, p);
    }
}

/// The native HiGHS backend (feature `highs`): the paths agree on a medium net, and HiGHS
/// agrees with the default backend on the fast path.
#[cfg(feature = "highs")]
#[test]
fn highs_paths_agree() {
    let (model, data, theta) = teacher_net(Activation::ReluPow(2.0), 16, 30, 80, 9);
    let p = model.layout().len();
    let cfg = CheckConfig {
        backend: LpBackend::Highs,
        ..base_cfg()
    };
    for norm in [NormSpec::L2, NormSpec::Linf, NormSpec::MaxSpectral] {
        let (plain, fast) = both(&model, &data, &theta, &norm, &cfg);
        assert_agree("highs", &norm, &plain, &fast, &cfg, 80, p);
        let clar = check(
            &model,
            &data,
            &theta,
            &norm,
            &with(Strategy::RowGeneration, &base_cfg()),
        )
        .unwrap();
        assert_agree("highs vs clarabel", &norm, &clar, &fast, &cfg, 80, p);
    }
}
