//! The τ search (`kkt/tau_search.rs`: [`Certificate::tau_kkt`], [`TauSearch`]), the
//! `tau_search` switch, and the kink-tolerance scan ([`kink_tol_flip`]).
//!
//! * **Analytic ℓ∞ case.** One sample x = (1, 1), y = +1, linear model, θ = (1, 1 − a). Then
//!   θ̃ = θ/(2 − a), N = 1/(2 − a), and with u = λ/N the residual is max_j |u − v_j|, minimized
//!   by u = (v₁ + v₂)/2; the constraints ‖v‖₁ ≤ 1, ⟨v, θ̃⟩ ≥ (1 − τ)N read v₁ + v₂ ≤ 1,
//!   v₁ + (1 − a)v₂ ≥ 1 − τ, so v₂ ≤ τ/a and κ(τ) = max(0, ½ − τ/a): τ_kkt = a(½ − κ_kkt).
//!   (Also the margin statement of the module docs: γ/γ* = 1 − a/2 = 1 − τ(κ = 0).)
//! * **Analytic ℓ2 case** (smooth norm, τ_smooth = 0 by default): the same data; θ̂ = θ/‖θ‖ at
//!   angle φ₀ = atan(1 − a), v ranges over the cap ‖v‖₂ ≤ 1, ⟨v, θ̂⟩ ≥ 1 − τ, and the residual
//!   (v₁ − v₂)/2 is smallest at the cap's edge at angle β = φ₀ + arccos(1 − τ):
//!   κ(τ) = max(0, (cos β − sin β)/2).
//! * **Monotonicity** of κ over a τ grid on random separating θ (labels drawn from θ itself).
//! * **Kinks**: a ReLU net with a sample at relative distance 3·10⁻⁵ from a unit's kink.

use implicit_bias::data::Dataset;
use implicit_bias::kkt::*;
use implicit_bias::models::{Activation, Linear, Model, TwoLayer};
use implicit_bias::norms::NormSpec;
use rand::{Rng, SeedableRng};

/// Config without the trajectory certificate, τ search on.
fn cfg() -> CheckConfig {
    CheckConfig {
        trajectory: false,
        tau_search: TauSearchMode::On,
        ..CheckConfig::default()
    }
}

/// The one-sample data of the analytic cases and θ = (1, 1 − a).
fn one_sample(a: f64) -> (Dataset, Linear, Vec<f64>) {
    let data = Dataset::from_rows(&[vec![1.0, 1.0]], vec![1.0]).unwrap();
    (data, Linear::new(2), vec![1.0, 1.0 - a])
}

/// κ at τ with everything else as in `c` (no search).
fn at_tau(
    model: &dyn Model,
    data: &Dataset,
    th: &[f64],
    n: &NormSpec,
    c: &CheckConfig,
    tau: f64,
) -> Certificate {
    let c = CheckConfig {
        tau,
        tau_smooth: tau,
        tau_search: TauSearchMode::Off,
        ..c.clone()
    };
    check(model, data, th, n, &c).unwrap()
}

/// (a) κ(0.01) = 0.48 > κ_kkt, τ_kkt = a(½ − κ_kkt) = 0.096 found to the resolution from
/// above (τ₀ = 0.01, not kkt) and from below (τ₀ = 0.2, kkt); re-checking at τ_kkt, at
/// τ_kkt·(1 + 2⁻⁴) gives `kkt`, at the bracket's lower end and at τ_kkt/(1 + 2⁻⁴) not.
/// The LPs are exact (polyhedral), so κ is exact to ≈ 10⁻⁹ and τ_kkt to 10⁻⁹/slope.
fn analytic_linf(backend: LpBackend) {
    let a = 0.2;
    let (data, model, th) = one_sample(a);
    let root = a * (0.5 - 0.01);
    for tau0 in [0.01, 0.2] {
        let c = CheckConfig {
            tau: tau0,
            backend,
            ..cfg()
        };
        let cert = check(&model, &data, &th, &NormSpec::Linf, &c).unwrap();
        assert!(
            (cert.kappa - (0.5 - tau0 / a).max(0.0)).abs() < 1e-8,
            "κ({tau0}) = {}",
            cert.kappa
        );
        let s = cert.tau_search.as_ref().expect("searched");
        let t = cert.tau_kkt.expect("τ_kkt exists");
        assert_eq!(s.tau_kkt, Some(t));
        assert!(s.resolved && s.notes.is_empty(), "{s:?}");
        // v is verified for τ + 10⁻⁹, so τ_kkt ≥ root − 10⁻⁹·a-ish; 10⁻⁸ absolute allowed.
        assert!(
            t >= root - 1e-8 && t <= root * (1.0 + TAU_REL),
            "τ_kkt {t} vs {root}"
        );
        let lo = s.tau_below.unwrap();
        assert!(
            lo < root && t <= lo * (1.0 + TAU_REL),
            "bracket ({lo}, {t}]"
        );
        assert!(s.certified_below, "κ_lb({lo}) = {:?}", s.kappa_lb_below);
        assert!(s.solves <= 9, "{} solves", s.solves);
        // Re-checks: the same κ at τ_kkt as in the search, kkt at and above, not below.
        let re = at_tau(&model, &data, &th, &NormSpec::Linf, &c, t);
        assert_eq!(re.verdict, Verdict::Kkt);
        let p = s.points.iter().find(|p| p.tau == t).unwrap();
        assert_eq!(re.kappa, p.kappa, "a re-check reproduces the search's κ");
        assert_eq!(
            at_tau(&model, &data, &th, &NormSpec::Linf, &c, t * (1.0 + TAU_REL)).verdict,
            Verdict::Kkt
        );
        for below in [lo, t / (1.0 + TAU_REL)] {
            let r = at_tau(&model, &data, &th, &NormSpec::Linf, &c, below);
            assert_ne!(r.verdict, Verdict::Kkt, "τ = {below}: κ {}", r.kappa);
        }
    }
}

#[test]
fn analytic_linf_clarabel() {
    analytic_linf(LpBackend::Clarabel)
}

#[test]
fn analytic_linf_microlp() {
    analytic_linf(LpBackend::Microlp)
}

/// Edge cases of the search: kkt at τ = 0 (τ_kkt = 0, no solve beyond τ = 0), not kkt at
/// τ_max (τ_kkt = None, certified: κ_lb(0.5) > κ_kkt), the search switched off.
#[test]
fn search_endpoints_and_switch() {
    // a = 0 is the max-margin point: kkt at the exact subdifferential.
    let (data, model, th) = one_sample(0.0);
    let cert = check(&model, &data, &th, &NormSpec::Linf, &cfg()).unwrap();
    assert_eq!(cert.tau_kkt, Some(0.0));
    assert_eq!(
        cert.tau_search.as_ref().unwrap().solves,
        1,
        "one solve at τ = 0"
    );
    // a = 1.5: θ = (1, −0.5); κ(τ) = max(0, ½ − τ/a) > 0.01 up to τ = 0.735 > τ_max.
    let (data, model, th) = one_sample(1.5);
    let cert = check(&model, &data, &th, &NormSpec::Linf, &cfg()).unwrap();
    let s = cert.tau_search.as_ref().unwrap();
    assert_eq!(cert.tau_kkt, None);
    assert_eq!(
        (s.tau_below, s.tau_max, s.solves),
        (Some(TAU_MAX), TAU_MAX, 1)
    );
    assert!(
        s.certified_below,
        "κ_lb(0.5) = {:?} (exact: 1/6)",
        s.kappa_lb_below
    );
    let off = CheckConfig {
        tau_search: TauSearchMode::Off,
        ..cfg()
    };
    let cert = check(&model, &data, &th, &NormSpec::Linf, &off).unwrap();
    assert!(cert.tau_kkt.is_none() && cert.tau_search.is_none());
}

/// (c) Smooth norm: ℓ2 runs at τ = 0 (its single-point subdifferential) and its τ search
/// uses the sphere cone of column generation at τ > 0 (the cones support τ > 0 for smooth
/// norms). Column generation stops within 10⁻⁴ of κ* near κ_kkt = 0.01, and there
/// dκ/dτ ≈ −7, so τ_kkt is within 1.5·10⁻⁵ (0.3 %) of the analytic root (0.4654·10⁻²);
/// 1 % is asserted.
#[test]
fn smooth_norm_search() {
    let a = 0.2;
    let (data, model, th) = one_sample(a);
    let phi0 = (1.0 - a).atan();
    let kappa = |tau: f64| {
        let b = phi0 + (1.0 - tau).acos();
        ((b.cos() - b.sin()) / 2.0).max(0.0)
    };
    let beta = (2f64.sqrt() * 0.01).acos() - std::f64::consts::FRAC_PI_4;
    let root = 1.0 - (beta - phi0).cos();
    assert!((kappa(root) - 0.01).abs() < 1e-12);
    let cert = check(&model, &data, &th, &NormSpec::L2, &cfg()).unwrap();
    assert_eq!(cert.tau, 0.0);
    assert!(
        (cert.kappa - kappa(0.0)).abs() < 1e-8,
        "κ(0) = {} vs {}",
        cert.kappa,
        kappa(0.0)
    );
    let t = cert.tau_kkt.expect("τ_kkt");
    assert!(
        t >= 0.99 * root && t <= 1.01 * root * (1.0 + TAU_REL),
        "τ_kkt {t} vs {root}"
    );
    let s = cert.tau_search.as_ref().unwrap();
    for p in &s.points {
        assert!(
            p.kappa >= kappa(p.tau) - 1e-8,
            "achieved κ below the optimum at {}",
            p.tau
        );
        // LP value − bound ≤ 0.01·max(LP value, 0.01) at convergence, so the achieved κ is
        // within ≈ 1.01 % of κ* (1.1 % asserted).
        assert!(p.converged, "{p:?}");
        assert!(
            p.kappa <= kappa(p.tau) + 0.011 * kappa(p.tau).max(0.01) + 1e-8,
            "{p:?}"
        );
    }
    let c = CheckConfig {
        tau_smooth: t,
        tau_search: TauSearchMode::Off,
        ..cfg()
    };
    assert_eq!(
        check(&model, &data, &th, &NormSpec::L2, &c)
            .unwrap()
            .verdict,
        Verdict::Kkt
    );
    // Weighted ℓ2 keeps τ = 0 whatever the config: nothing to search, τ_max = 0.
    let w = NormSpec::WeightedL2(vec![1.0, 2.0]);
    let cert = check(&model, &data, &th, &w, &cfg()).unwrap();
    let s = cert.tau_search.as_ref().unwrap();
    assert_eq!((s.tau_max, s.solves, cert.tau_kkt), (0.0, 0, None));
    assert_eq!(s.tau_below, Some(0.0));
}

/// `Auto` searches with the plain LP when m·p is small (10³ for column-generation norms,
/// 10⁵ for polyhedral ones), never under row generation.
#[test]
fn auto_switch() {
    let auto = CheckConfig {
        tau_search: TauSearchMode::Auto,
        ..cfg()
    };
    let (data, model, th) = one_sample(0.2);
    for n in [NormSpec::Linf, NormSpec::L2] {
        assert!(
            check(&model, &data, &th, &n, &auto)
                .unwrap()
                .tau_search
                .is_some(),
            "{n}"
        );
    }
    let rowgen = CheckConfig {
        strategy: Strategy::RowGeneration,
        ..auto.clone()
    };
    assert!(check(&model, &data, &th, &NormSpec::Linf, &rowgen)
        .unwrap()
        .tau_search
        .is_none());
    // m·p ≈ 40·(8·6 + 8) = 2 240: ℓ∞ searched, ℓ2 (column generation at τ > 0) not.
    let (model, data, th) = random_net(3, 8, 6, 40);
    assert!(
        data.m() * 56 > TauSearchMode::AUTO_MAX_MP_COLGEN,
        "m = {}",
        data.m()
    );
    assert!(check(&model, &data, &th, &NormSpec::Linf, &auto)
        .unwrap()
        .tau_search
        .is_some());
    assert!(check(&model, &data, &th, &NormSpec::L2, &auto)
        .unwrap()
        .tau_search
        .is_none());
    assert!(TauSearchMode::Auto.enabled(false, 40, 2_500, false));
    assert!(!TauSearchMode::Auto.enabled(false, 40, 2_501, false));
    assert!(TauSearchMode::On.enabled(true, 1 << 20, 1 << 20, true));
}

/// A ReLU² net f = uᵀ ReLU(Wx)² with random θ (seed) and labels y_i = sign f(x_i; θ), so θ
/// separates its data by construction (at most m samples: those with f = 0 are dropped).
fn random_net(seed: u64, k: usize, d: usize, m: usize) -> (TwoLayer, Dataset, Vec<f64>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let model = TwoLayer::new(Activation::ReluPow(2.0), k, d);
    let th: Vec<f64> = (0..model.layout().len())
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let rows: Vec<Vec<f64>> = (0..m)
        .map(|_| (0..d).map(|_| rng.random_range(-1.0..1.0)).collect())
        .collect();
    let y0 = vec![1.0; m];
    let probe = Dataset::from_rows(&rows, y0).unwrap();
    let mut q = vec![0.0; m];
    let mut ws = model.workspace(m);
    model.margins(&th, &probe, &mut ws, &mut q);
    // Samples where every unit is off (f = 0) cannot be separated: dropped.
    let keep: Vec<usize> = (0..m).filter(|&i| q[i].abs() > 1e-9).collect();
    let rows: Vec<Vec<f64>> = keep.iter().map(|&i| rows[i].clone()).collect();
    let y: Vec<f64> = keep.iter().map(|&i| q[i].signum()).collect();
    (model, Dataset::from_rows(&rows, y).unwrap(), th)
}

/// (b) κ(τ) over τ ∈ {0, 10⁻³, 10⁻², 0.03, 0.1, 0.2, 0.5} on random separating θ (linear and
/// ReLU² nets): non-increasing to 10⁻⁸ + 10⁻⁶κ for the exact (polyhedral) encodings; for
/// max-spectral (column generation) an increase is bounded by the column-generation gap
/// colgen_tol·max(κ, 0.01) when both solves converged. Every lower bound is ≤ the achieved κ
/// at every smaller τ (κ_lb(τ') ≤ κ*(τ') ≤ κ*(τ) ≤ κ(τ)). Measured: the largest increase on
/// these θ is at rounding level for ℓ1/ℓ∞.
#[test]
fn kappa_is_monotone_in_tau() {
    let grid = [0.0, 1e-3, 1e-2, 0.03, 0.1, 0.2, 0.5];
    let c = CheckConfig {
        tau_search: TauSearchMode::Off,
        ..cfg()
    };
    for seed in 0..3u64 {
        let (net, net_data, net_th) = random_net(seed, 3, 3, 12);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(100 + seed);
        let lin = Linear::new(5);
        let lth: Vec<f64> = (0..5).map(|_| rng.random_range(-1.0..1.0)).collect();
        let rows: Vec<Vec<f64>> = (0..20)
            .map(|_| (0..5).map(|_| rng.random_range(-1.0..1.0)).collect())
            .collect();
        let y = rows
            .iter()
            .map(|r| r.iter().zip(&lth).map(|(a, b)| a * b).sum::<f64>().signum())
            .collect();
        let lin_data = Dataset::from_rows(&rows, y).unwrap();
        let cases: [(&dyn Model, &Dataset, &[f64], NormSpec); 5] = [
            (&lin, &lin_data, &lth, NormSpec::Linf),
            (&lin, &lin_data, &lth, NormSpec::L1),
            (&net, &net_data, &net_th, NormSpec::Linf),
            (&net, &net_data, &net_th, NormSpec::L1),
            (&net, &net_data, &net_th, NormSpec::MaxSpectral),
        ];
        for (model, data, th, n) in cases {
            let certs: Vec<Certificate> = grid
                .iter()
                .map(|&t| at_tau(model, data, th, &n, &c, t))
                .collect();
            let colgen = matches!(n, NormSpec::MaxSpectral);
            for (i, a) in certs.iter().enumerate() {
                for b in &certs[i + 1..] {
                    // κ(τ_b) ≤ κ*(τ_b) + gap_b ≤ κ*(τ_a) + gap_b ≤ κ(τ_a) + gap_b, with
                    // gap_b ≤ colgen_tol·max(LP value_b, 0.01) at convergence.
                    let slack = if colgen && b.lp.converged {
                        c.colgen_tol * b.lp.lp_value.max(b.kappa).max(0.01) + 1e-8
                    } else if colgen {
                        f64::INFINITY
                    } else {
                        1e-6 * a.kappa + 1e-8
                    };
                    assert!(
                        b.kappa <= a.kappa + slack,
                        "seed {seed} {n}: κ({}) = {} > κ({}) = {}",
                        b.tau,
                        b.kappa,
                        a.tau,
                        a.kappa
                    );
                    assert!(
                        b.kappa_lower_bound <= a.kappa + 1e-6 * a.kappa + 1e-8,
                        "seed {seed} {n}: lb({}) = {} > κ({}) = {}",
                        b.tau,
                        b.kappa_lower_bound,
                        a.tau,
                        a.kappa
                    );
                }
            }
        }
    }
}

/// The ReLU net of `tests/kkt.rs::kink_needs_clarke` with unit C moved off its kink:
/// w_C = (ε, 1), ε = 3·10⁻⁵, so x₁ = (1, 0) has ⟨w_C, x₁⟩/(‖w_C‖‖x₁‖) ≈ 3·10⁻⁵. Exactly at
/// the kink the point is KKT only with the Clarke slope ½; off it the fixed slope 1 forces
/// λ₁ = ½ from w_C and λ₁ = 1 from u_A, so κ ≈ ⅛–¼ (`not_kkt`) until the tolerance reaches
/// 10⁻⁴, where the pair is relaxed and κ = O(ε) (`kkt`).
fn near_kink() -> (TwoLayer, Dataset, Vec<f64>) {
    let model = TwoLayer::new(Activation::Relu, 2, 2);
    let data = Dataset::from_rows(&[vec![1.0, 0.0], vec![-0.5, 1.0]], vec![1.0, 1.0]).unwrap();
    (model, data, vec![1.0, 0.0, 3e-5, 1.0, 1.0, 1.0])
}

/// (d) The scan: 0 near-kink pairs up to 10⁻⁵ (verdict as configured), 1 from 10⁻⁴ on
/// (verdict flips); the largest flip is the grid's 10⁻¹, the nearest 10⁻⁴; without the
/// Clarke relaxation nothing flips.
#[test]
fn kink_scan_finds_the_flip() {
    let (model, data, th) = near_kink();
    let scan = kink_tol_flip(&model, &data, &th, &NormSpec::L2, &cfg()).unwrap();
    assert_eq!(scan.configured.kink_tol, 1e-6);
    assert_eq!(
        (scan.configured.kinks, scan.configured.verdict),
        (0, Verdict::NotKkt)
    );
    assert_eq!(scan.points.len(), KINK_TOL_GRID.len() - 1);
    for p in &scan.points {
        let relaxed = p.kink_tol >= 1e-4;
        assert_eq!(p.kinks, usize::from(relaxed), "{p:?}");
        let want = if relaxed {
            Verdict::Kkt
        } else {
            Verdict::NotKkt
        };
        assert_eq!(p.verdict, want, "{p:?}");
        // Only 10⁻⁴ has pairs no other tolerance had (the others reuse a solve).
        assert_eq!(p.reused, p.kink_tol != 1e-4, "{p:?}");
    }
    assert_eq!(scan.flip, Some(1e-1));
    assert_eq!(scan.nearest_flip(), Some(1e-4));
    let off = CheckConfig {
        clarke: false,
        ..cfg()
    };
    let scan = kink_tol_flip(&model, &data, &th, &NormSpec::L2, &off).unwrap();
    assert_eq!((scan.flip, scan.nearest_flip()), (None, None));
    // Bad tolerance: a config error, not a panic.
    let bad = CheckConfig {
        kink_tol: 1.0,
        ..cfg()
    };
    assert!(kink_tol_flip(&model, &data, &th, &NormSpec::L2, &bad).is_err());
}

/// `tau_search` is a config key of experiment `[check] config` and of theorem cases
/// (`[check] tau_search`), with the default when absent; every committed config still parses.
#[test]
fn config_key_and_committed_configs() {
    use implicit_bias::experiment::ExperimentConfig;
    use implicit_bias::theorem_case::TheoremCase;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut n = 0;
    for e in std::fs::read_dir(dir.join("experiments")).unwrap() {
        let p = e.unwrap().path();
        let cfg = ExperimentConfig::parse(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert_eq!(
            cfg.check.config.tau_search,
            TauSearchMode::Auto,
            "{}",
            p.display()
        );
        n += 1;
    }
    assert!(n >= 6);
    let cases = TheoremCase::load_dir(&dir.join("cases")).unwrap();
    assert!(cases
        .iter()
        .all(|c| c.check_config().tau_search == TauSearchMode::Off));
    let text = std::fs::read_to_string(dir.join("experiments/adam_vs_sign.toml")).unwrap();
    let on = text.replace(
        "config = { trajectory = false }",
        "config = { trajectory = false, tau_search = \"on\" }",
    );
    assert_ne!(on, text);
    assert_eq!(
        ExperimentConfig::parse(&on)
            .unwrap()
            .check
            .config
            .tau_search,
        TauSearchMode::On
    );
    let bad = text.replace(
        "config = { trajectory = false }",
        "config = { tau_search = \"maybe\" }",
    );
    assert!(ExperimentConfig::parse(&bad).is_err());
}
