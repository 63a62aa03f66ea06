//! The spectral-norm max-margin reference of the multiclass linear model
//! (`MaxMarginNorm::Spectral`, `implicit-bias maxmargin --norm spectral`):
//!
//! ```text
//!     γ*_spec = max_{‖W‖₂ ≤ 1} min_{i, c≠y_i} ⟨W_{y_i} − W_c, x_i⟩ = min_{w∈Δ} ‖Σ w_ic (e_{y_i} − e_c) x_iᵀ‖_*
//! ```
//!
//! checked against closed forms, the norm-ball sandwich with the Frobenius reference, exact
//! rescaling, a non-separability proof, an independent convex solver (cvxpy + Clarabel,
//! `scripts/check_spectral_maxmargin.py`, whose datasets and values are fixtures here: no
//! Python needed) and the command line.
//!
//! **Tolerances.** Every answer is certified by its duality gap to ≤ 1e-9 + rounding
//! (`maxmargin::certificate`; the gaps measured here are ≤ 3.3e-14), so closed forms are
//! compared to 1e-9 relative. cvxpy/Clarabel solve these SDPs much less accurately (status
//! `optimal_inaccurate` at tolerances 1e-12 on every dataset): its three formulations
//! (primal, min-norm, nuclear-norm dual) spread by 1.6e-10 – 2.7e-7, and the bracket
//! [lower, upper] that its own W and weights certify (recomputed in numpy) is 5.5e-11 –
//! 2.7e-7 wide. So the test requires our γ* to lie *inside that bracket* (up to 1e-12
//! relative for the numpy recomputation's rounding) — a check as sharp as cvxpy allows — and
//! within 1e-6 (≈ 4× cvxpy's worst spread) of its primal value. Measured (this machine):
//!
//! | dataset | C | d | m | γ*_spec (ours) | cvxpy | \|Δγ*\|/γ* | cvxpy spread / bracket | γ*_F | γ*_spec/γ*_F |
//! |---|---|---|---|---|---|---|---|---|---|
//! | s_c3_d4_m20 | 3 | 4 | 20 | 4.270021507024e-1 | 4.270021507021e-1 | 6.8e-13 | 1.6e-10 / 1.2e-10 | 3.144982e-1 | 1.358 |
//! | s_c4_d10_m30 | 4 | 10 | 30 | 5.107466002122e-1 | 5.107465957177e-1 | 8.8e-9 | 1.9e-8 / 7.2e-9 | 3.509786e-1 | 1.455 |
//! | s_c5_d2_m40 | 5 | 2 | 40 | 2.401478118614e-2 | 2.401478118590e-2 | 1.0e-11 | 2.7e-7 / 2.7e-7 | 2.121656e-2 | 1.132 |
//! | s_c3_d40_m15 | 3 | 40 | 15 | 2.178482391068e0 | 2.178482391068e0 | 1.7e-14 | 3.9e-9 / 2.6e-9 | 1.717918e0 | 1.268 |
//! | s_c10_d20_m100 | 10 | 20 | 100 | 4.828659798275e-1 | 4.828659791597e-1 | 1.4e-9 | 1.9e-7 / 1.4e-7 | 2.113055e-1 | 2.285 |
//! | s_onehot_c4_m40 | 4 | 4 | 40 | 2.150649979127e0 | 2.150649979123e0 | 1.6e-12 | 2.0e-10 / 5.5e-11 | 1.323529e0 | 1.625 |
//!
//! (On s_c4_d10_m30 cvxpy's reported γ lies *below* the lower end of its own certified
//! bracket [5.1074659996e-1, 5.1074660362e-1]; ours is inside it.) The Frobenius margins
//! agree with cvxpy's to < 1e-6, and γ*_spec/γ*_F ∈ [1, √min(C, d)] — up to 2.29 on
//! s_c10_d20_m100, where the two optima clearly differ.
//!
//! Timing (release, one core of this machine; `timing` below, ignored by default): m = 200,
//! C = 10, d = 20 (1800 pair rows) 0.29 – 0.30 s; m = 2048 (18 432 pair rows) 2.3 – 2.5 s.
//! (cvxpy + Clarabel on m = 200: 3.9 s, of which 1.4 s in the solver.)

use implicit_bias::data::{generators, load_csv_with, save_csv, Dataset};
use implicit_bias::error::Error;
use implicit_bias::maxmargin::{certify, max_margin, MaxMargin, MaxMarginNorm};
use nalgebra::DMatrix;
use std::path::Path;
use std::process::Command;

/// Certified answers are within a relative gap of 1e-9 (+ rounding, here ≤ 1e-13) of γ*.
const CERTIFIED: f64 = 1e-9;

fn spectral(data: &Dataset) -> MaxMargin {
    max_margin(data, MaxMarginNorm::Spectral).unwrap_or_else(|e| panic!("spectral: {e}"))
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs())
}

/// σ_max of a row-major C×d matrix.
fn sigma_max(c: usize, w: &[f64]) -> f64 {
    implicit_bias::linalg::spectral_norm(c, w.len() / c, w).unwrap()
}

/// min_{i, c≠y_i} ⟨W_{y_i} − W_c, x_i⟩ of a row-major W.
fn min_pair_margin(data: &Dataset, w: &[f64]) -> f64 {
    let (d, c) = (data.d(), data.classes);
    let mut q = f64::INFINITY;
    for i in 0..data.m() {
        let y = data.label(i);
        for k in (0..c).filter(|&k| k != y) {
            q = q.min(
                (0..d)
                    .map(|j| (w[y * d + j] - w[k * d + j]) * data.x[(i, j)])
                    .sum(),
            );
        }
    }
    q
}

/// The answer's own invariants: ‖direction‖₂ = 1, θ* = direction/γ* with min pair margin 1,
/// λ = w/γ*², a certified gap.
fn check_answer(data: &Dataset, mm: &MaxMargin) {
    let c = data.classes;
    assert_eq!(mm.norm, MaxMarginNorm::Spectral);
    assert_eq!(mm.theta.len(), c * data.d());
    assert!((sigma_max(c, &mm.direction) - 1.0).abs() < 1e-12);
    let q = min_pair_margin(data, &mm.theta);
    assert!((q - 1.0).abs() < 1e-9, "min pair margin of θ* = {q}");
    assert!(rel(min_pair_margin(data, &mm.direction), mm.margin) < 1e-12);
    assert!(mm.certificate.relative_gap <= mm.certificate.tolerance);
    assert!(mm.certificate.relative_gap < CERTIFIED);
    assert!(rel(mm.margin, mm.dual_margin) < CERTIFIED);
    assert_eq!(mm.lambda.len(), data.margin_rows());
    let (w, g) = (&mm.certificate.weights, mm.margin);
    // λ = w/γ*² (it over- or underflows for γ* beyond ≈ 1e±154, as documented).
    if (1.0 / (g * g)).is_normal() {
        for (l, wi) in mm.lambda.iter().zip(w) {
            assert!(rel(*l, wi / (g * g)) < 1e-12 || (*l == 0.0 && *wi == 0.0));
        }
    }
    assert!(mm.support.iter().all(|&r| w[r] > 0.0));
}

/// C = 2: every pair row is ±(e₀ − e₁)x_iᵀ, so Σ w_r A_r = (e₀ − e₁)gᵀ is rank one with
/// ‖·‖_* = ‖·‖_F = √2‖g‖, g = Σ w_i s_i x_i (s_i = +1 for class 0, −1 for class 1): the
/// spectral and Frobenius margins are both √2 times the binary ℓ2 margin of (x_i, s_i), and
/// the row difference W₀ − W₁ of the spectral direction is √2 θ̂_ℓ2.
#[test]
fn two_classes_are_sqrt2_times_the_binary_l2_problem() {
    for seed in [1, 2, 3] {
        let bin = generators::linear_teacher(30, 5, None, seed).unwrap();
        let labels: Vec<usize> = bin.y.iter().map(|&s| usize::from(s < 0.0)).collect();
        let multi = Dataset::multiclass(bin.x.clone(), &labels, 2).unwrap();
        let l2 = max_margin(&bin, MaxMarginNorm::L2).unwrap();
        let sp = spectral(&multi);
        let fro = max_margin(&multi, MaxMarginNorm::L2).unwrap();
        check_answer(&multi, &sp);
        let want = 2f64.sqrt() * l2.margin;
        assert!(rel(sp.margin, want) < CERTIFIED, "{} vs {want}", sp.margin);
        assert!(rel(fro.margin, want) < CERTIFIED);
        let d = multi.d();
        let mut worst = 0.0f64;
        for j in 0..d {
            let diff = sp.direction[j] - sp.direction[d + j];
            worst = worst.max((diff - 2f64.sqrt() * l2.direction[j]).abs());
            // Centred: W₁ = −W₀.
            assert!((sp.direction[j] + sp.direction[d + j]).abs() < 1e-12);
        }
        println!(
            "seed {seed}: γ* = {:.15e} = √2·{:.15e}; |W₀ − W₁ − √2 θ̂| ≤ {worst:.1e}",
            sp.margin, l2.margin
        );
        assert!(worst < 1e-10, "seed {seed}: {worst:e}");
    }
}

/// x_i = s e_{y_i} (C = d, every class twice): the uniform weights give
/// Σ w A = s(C I − 𝟙𝟙ᵀ)/(C(C − 1)), of nuclear norm s and Frobenius norm s/√(C − 1), and
/// W = I (margin s, ‖I‖₂ = 1) resp. W = (I − 𝟙𝟙ᵀ/C)/√(C − 1) attain them: γ*_spec = s,
/// γ*_F = s/√(C − 1).
#[test]
fn one_hot_data_have_the_closed_form_margins() {
    for (c, s) in [(3usize, 1.0), (4, 2.5), (6, 1e-3)] {
        let labels: Vec<usize> = (0..2 * c).map(|i| i % c).collect();
        let x = DMatrix::from_fn(2 * c, c, |i, j| if labels[i] == j { s } else { 0.0 });
        let data = Dataset::multiclass(x, &labels, c).unwrap();
        let sp = spectral(&data);
        check_answer(&data, &sp);
        assert!(
            rel(sp.margin, s) < CERTIFIED,
            "C = {c}: {} vs {s}",
            sp.margin
        );
        let fro = max_margin(&data, MaxMarginNorm::L2).unwrap();
        assert!(rel(fro.margin, s / ((c - 1) as f64).sqrt()) < CERTIFIED);
    }
}

/// The Frobenius ball lies inside the spectral ball, which lies inside √r times the
/// Frobenius ball (r = min(C, d)): γ*_F ≤ γ*_spec ≤ √r γ*_F.
#[test]
fn spectral_margin_is_between_frobenius_and_sqrt_rank_times_it() {
    let mut strict = 0;
    for (m, d, c, seed) in [
        (40, 6, 3, 1),
        (60, 20, 10, 2),
        (50, 2, 5, 3),
        (15, 30, 4, 4),
    ] {
        let data = generators::linear_teacher_multiclass(m, d, c, 0.0, seed).unwrap();
        let sp = spectral(&data);
        check_answer(&data, &sp);
        let fro = max_margin(&data, MaxMarginNorm::L2).unwrap();
        let r = c.min(d) as f64;
        let ratio = sp.margin / fro.margin;
        println!(
            "m={m} d={d} C={c}: γ*_spec = {:.12e}, γ*_F = {:.12e}, ratio {ratio:.4} ≤ √r = {:.4}",
            sp.margin,
            fro.margin,
            r.sqrt()
        );
        assert!(ratio >= 1.0 - 2.0 * CERTIFIED && ratio <= r.sqrt() * (1.0 + 2.0 * CERTIFIED));
        strict += usize::from(ratio > 1.01);
        // The Frobenius direction is feasible for the spectral problem: its margin is a
        // lower bound, and the certificate refuses it as an answer when it is not optimal.
        let fw = sigma_max(c, &fro.direction);
        assert!(min_pair_margin(&data, &fro.direction) / fw <= sp.margin * (1.0 + CERTIFIED));
        if ratio > 1.01 {
            let e = certify(
                &data,
                MaxMarginNorm::Spectral,
                &fro.direction,
                &sp.certificate.weights,
            );
            assert!(matches!(e, Err(Error::Numerical(_))), "{e:?}");
        }
    }
    assert!(strict >= 3, "the two optima should differ on generic data");
}

/// Scaling the data by c > 0 multiplies γ* by c and leaves the maximizers unchanged; the
/// solver sees the data times a power of two, so 2^k gives bit-identical directions, and
/// 1e±100 (inexact in binary) directions equal to rounding.
#[test]
fn scaling_the_data_scales_the_margin_only() {
    let data = generators::linear_teacher_multiclass(40, 8, 4, 0.0, 7).unwrap();
    let base = spectral(&data);
    for f in [2f64.powi(300), 1e100, 1e-100, 2f64.powi(-900)] {
        let scaled = Dataset::multiclass(data.x.map(|v| v * f), &labels(&data), 4).unwrap();
        let mm = spectral(&scaled);
        check_answer(&scaled, &mm);
        assert!(rel(mm.margin, base.margin * f) < CERTIFIED, "×{f:e}");
        let diff = mm
            .direction
            .iter()
            .zip(&base.direction)
            .fold(0.0f64, |a, (x, y)| a.max((x - y).abs()));
        if f.log2().fract() == 0.0 {
            assert_eq!(mm.direction, base.direction, "×{f:e}");
        } else {
            assert!(diff < 1e-9, "×{f:e}: directions differ by {diff:e}");
        }
        println!(
            "×{f:e}: γ* = {:.15e}, max direction difference {diff:.1e}",
            mm.margin
        );
    }
}

fn labels(data: &Dataset) -> Vec<usize> {
    (0..data.m()).map(|i| data.label(i)).collect()
}

/// The same x with two labels: the pair rows (e₀ − e₁)xᵀ and (e₁ − e₀)xᵀ cancel, so no W
/// separates the data; random labels on m ≫ C·d points are not separable either. The
/// answer is `NotSeparable`, proved by weights (for every norm alike).
#[test]
fn non_separable_multiclass_data_are_proved_so() {
    let mut x = DMatrix::from_fn(6, 3, |i, j| ((i * 3 + j) as f64 * 0.7).sin());
    for j in 0..3 {
        x[(5, j)] = x[(0, j)];
    }
    let conflict = Dataset::multiclass(x, &[0, 1, 2, 0, 1, 1], 3).unwrap();
    let noise = {
        let d = generators::linear_teacher_multiclass(200, 3, 4, 0.0, 9).unwrap();
        let y: Vec<usize> = (0..200).map(|i| (i * 7) % 4).collect();
        Dataset::multiclass(d.x, &y, 4).unwrap()
    };
    for data in [conflict, noise] {
        match max_margin(&data, MaxMarginNorm::Spectral) {
            Err(Error::NotSeparable(msg)) => assert!(msg.contains("no linear classifier")),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn agrees_with_cvxpy() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/maxmargin_spectral");
    let text = std::fs::read_to_string(dir.join("reference.json")).unwrap();
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    let sets = reference.as_object().unwrap();
    assert!(sets.len() >= 3, "reference datasets: {}", sets.len());
    let (mut worst, mut differ, mut big) = (0.0f64, 0, false);
    for (name, r) in sets {
        let f = |k: &str| r[k].as_f64().unwrap_or_else(|| panic!("{name}: {k}"));
        let classes = r["classes"].as_u64().unwrap() as usize;
        let data = load_csv_with(dir.join(format!("{name}.csv")), Some(classes)).unwrap();
        assert_eq!(
            (data.m(), data.d()),
            (
                r["m"].as_u64().unwrap() as usize,
                r["d"].as_u64().unwrap() as usize
            )
        );
        big |= classes == 10 && data.d() >= 15;
        let sp = spectral(&data);
        check_answer(&data, &sp);
        let (lo, hi, want) = (f("gamma_lower"), f("gamma_upper"), f("gamma"));
        let d = rel(sp.margin, want);
        let fro = max_margin(&data, MaxMarginNorm::L2).unwrap();
        println!(
            "{name:<16} γ*_spec = {:.12e}  cvxpy {want:.12e}  |Δγ*|/γ* {d:.1e}  cvxpy bracket \
             width {:.1e}  gap {:.1e}  γ*_F = {:.6e} (cvxpy {:.6e})  ratio {:.3}",
            sp.margin,
            (hi - lo) / hi,
            sp.certificate.relative_gap,
            fro.margin,
            f("gamma_frobenius"),
            sp.margin / fro.margin
        );
        assert!(
            sp.margin >= lo * (1.0 - 1e-12) && sp.margin <= hi * (1.0 + 1e-12),
            "{name}: γ* = {} outside cvxpy's certified [{lo}, {hi}]",
            sp.margin
        );
        // cvxpy's own formulations spread by up to 2.7e-7 on these data.
        assert!(d < 1e-6, "{name}: {} vs cvxpy {want}", sp.margin);
        assert!(rel(fro.margin, f("gamma_frobenius")) < 1e-6);
        differ += usize::from(sp.margin > 1.1 * fro.margin);
        worst = worst.max(d);
    }
    assert!(big, "a C = 10, d ≈ 20 dataset");
    assert!(
        differ >= 2,
        "datasets where the spectral and Frobenius optima differ"
    );
    println!("worst |Δγ*|/γ* against cvxpy: {worst:.1e}");
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_implicit-bias"))
}

#[test]
fn command_line_spectral() {
    let dir = tempfile::tempdir().unwrap();
    let data = generators::linear_teacher_multiclass(30, 4, 3, 0.1, 5).unwrap();
    let csv = dir.path().join("three.csv");
    save_csv(&csv, &data).unwrap();
    let want = spectral(&data);
    for norm in ["spectral", "max_spectral"] {
        let out = bin()
            .args(["maxmargin", "--data"])
            .arg(&csv)
            .args(["--norm", norm, "--json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mm: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(mm["norm"], "spectral");
        let theta: Vec<f64> = serde_json::from_value(mm["theta"].clone()).unwrap();
        assert_eq!(theta.len(), 12, "W is 3×4");
        assert_eq!(mm["margin"].as_f64().unwrap(), want.margin);
        assert!(mm["certificate"]["relative_gap"].as_f64().unwrap() <= CERTIFIED);
        assert_eq!(
            mm["lambda"].as_array().unwrap().len(),
            60,
            "one multiplier per pair"
        );
    }
    // Text output names the norm.
    let out = bin()
        .args(["maxmargin", "--data"])
        .arg(&csv)
        .args(["--norm", "spectral"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("spectral"));

    // Binary data: the spectral norm of the 1×d W is ℓ2 — the ℓ2 answer, labelled spectral.
    let bin_data = generators::linear_teacher(20, 3, None, 4).unwrap();
    let bcsv = dir.path().join("binary.csv");
    save_csv(&bcsv, &bin_data).unwrap();
    let out = bin()
        .args(["maxmargin", "--data"])
        .arg(&bcsv)
        .args(["--norm", "spectral", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mm: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let l2 = max_margin(&bin_data, MaxMarginNorm::L2).unwrap();
    assert_eq!(mm["norm"], "spectral");
    assert_eq!(mm["margin"].as_f64().unwrap(), l2.margin);

    // Non-separable multiclass data: exit status 2 (bad input) with the reason.
    let ns = dir.path().join("conflict.csv");
    std::fs::write(&ns, "0,1.0,0.5\n1,1.0,0.5\n2,-0.3,0.2\n").unwrap();
    let out = bin()
        .args(["maxmargin", "--data"])
        .arg(&ns)
        .args(["--norm", "spectral"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not separable"), "{err}");

    // An unknown norm lists the supported ones.
    let out = bin()
        .args(["maxmargin", "--data"])
        .arg(&csv)
        .args(["--norm", "nuclear"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("l1, l2, linf, spectral") && err.contains("multiclass"),
        "{err}"
    );
}

/// Solve times for the sizes of the module docs (no assertion on time).
#[test]
#[ignore = "timing; run with --ignored --nocapture"]
fn timing() {
    for m in [200, 2048] {
        let data = generators::linear_teacher_multiclass(m, 20, 10, 0.0, 1).unwrap();
        let t = std::time::Instant::now();
        let mm = spectral(&data);
        println!(
            "m = {m}, C = 10, d = 20 ({} pair rows): {:.2} s, γ* = {:.12e}, gap {:.1e}",
            data.margin_rows(),
            t.elapsed().as_secs_f64(),
            mm.margin,
            mm.certificate.relative_gap
        );
    }
}
