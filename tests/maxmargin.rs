//! Exact linear max-margin references: primal and dual agree, the solution is
//! feasible, the multipliers satisfy stationarity, and no other direction beats it.

mod common;
use approx::{abs_diff_eq, assert_abs_diff_eq};
use implicit_bias::data::{generators, Dataset};
use implicit_bias::error::Error;
use implicit_bias::maxmargin::{max_margin, MaxMarginNorm};
use rand::{Rng, SeedableRng};

const NORMS: [MaxMarginNorm; 3] = [MaxMarginNorm::L1, MaxMarginNorm::L2, MaxMarginNorm::Linf];

fn dual_value(norm: MaxMarginNorm, g: &[f64]) -> f64 {
    match norm {
        MaxMarginNorm::L1 => g.iter().fold(0.0, |a: f64, v| a.max(v.abs())),
        // The spectral norm of a binary model's 1 × d block is its ℓ2 norm.
        MaxMarginNorm::L2 | MaxMarginNorm::Spectral => g.iter().map(|v| v * v).sum::<f64>().sqrt(),
        MaxMarginNorm::Linf => g.iter().map(|v| v.abs()).sum(),
    }
}

fn margins(data: &Dataset, theta: &[f64]) -> Vec<f64> {
    (0..data.m())
        .map(|i| {
            data.y[i]
                * (0..data.d())
                    .map(|j| data.x[(i, j)] * theta[j])
                    .sum::<f64>()
        })
        .collect()
}

#[test]
fn primal_dual_feasibility_and_stationarity() {
    for seed in 0..6u64 {
        let data = generators::linear_teacher(30, 6, None, seed).unwrap();
        for norm in NORMS {
            let mm = max_margin(&data, norm).unwrap();
            let n = norm.value(&mm.theta);
            // Primal and dual (independent LP / Σλ) margins agree.
            assert!(
                abs_diff_eq!(mm.margin, mm.dual_margin, epsilon = 1e-7 * mm.margin),
                "seed {seed} {norm:?}: primal {} dual {}",
                mm.margin,
                mm.dual_margin
            );
            // Feasible with the tightest constraint at exactly 1.
            let q = margins(&data, &mm.theta);
            let qmin = q.iter().cloned().fold(f64::INFINITY, f64::min);
            assert_abs_diff_eq!(qmin, 1.0, epsilon = 1e-12);
            // λ ≥ 0, zero off the active set (complementary slackness).
            for (i, &l) in mm.lambda.iter().enumerate() {
                assert!(l >= 0.0);
                if l > 1e-9 * n * n {
                    assert!(
                        abs_diff_eq!(q[i], 1.0, epsilon = 1e-6),
                        "λ_{i} = {l} on an inactive constraint q = {}",
                        q[i]
                    );
                }
            }
            // Stationarity of ½N²: k = Σλ_i y_i x_i ∈ N(θ*)·∂N(θ*), i.e. N_*(k) = N(θ*) and
            // ⟨k, θ*⟩ = N(θ*)².
            let k: Vec<f64> = (0..data.d())
                .map(|j| {
                    (0..data.m())
                        .map(|i| mm.lambda[i] * data.y[i] * data.x[(i, j)])
                        .sum()
                })
                .collect();
            let kd = dual_value(norm, &k);
            let kt: f64 = k.iter().zip(&mm.theta).map(|(a, b)| a * b).sum();
            assert!(
                abs_diff_eq!(kd, n, epsilon = 1e-6 * n),
                "{norm:?}: N_*(k) = {kd}, N = {n}"
            );
            assert!(
                abs_diff_eq!(kt, n * n, epsilon = 1e-6 * n * n),
                "{norm:?}: ⟨k,θ⟩ = {kt}, N² = {}",
                n * n
            );
        }
    }
}

#[test]
fn no_random_direction_beats_the_max_margin() {
    let data = generators::linear_teacher(25, 4, None, 42).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    for norm in NORMS {
        let mm = max_margin(&data, norm).unwrap();
        for _ in 0..5000 {
            let th: Vec<f64> = (0..4).map(|_| rng.random_range(-1.0..1.0)).collect();
            let q = margins(&data, &th);
            let g = q.iter().cloned().fold(f64::INFINITY, f64::min) / norm.value(&th);
            assert!(
                g <= mm.margin * (1.0 + 1e-9),
                "{norm:?}: random γ {g} > γ* {}",
                mm.margin
            );
        }
        // And small perturbations of θ* do not either (local optimality).
        for _ in 0..2000 {
            let th: Vec<f64> = mm
                .theta
                .iter()
                .map(|v| v + 1e-3 * rng.random_range(-1.0..1.0))
                .collect();
            let q = margins(&data, &th);
            let g = q.iter().cloned().fold(f64::INFINITY, f64::min) / norm.value(&th);
            assert!(g <= mm.margin * (1.0 + 1e-9));
        }
    }
}

#[test]
fn different_norms_give_different_directions() {
    let data = generators::linear_teacher(40, 8, None, 3).unwrap();
    let t1 = max_margin(&data, MaxMarginNorm::L1).unwrap().theta;
    let t2 = max_margin(&data, MaxMarginNorm::L2).unwrap().theta;
    let cos = |a: &[f64], b: &[f64]| {
        let d: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        d / (a.iter().map(|v| v * v).sum::<f64>().sqrt()
            * b.iter().map(|v| v * v).sum::<f64>().sqrt())
    };
    assert!(
        cos(&t1, &t2) < 0.999,
        "ℓ1 and ℓ2 optima coincide on this data: cos = {}",
        cos(&t1, &t2)
    );
}

#[test]
fn non_separable_data_is_an_error() {
    let data = common::xor_data();
    for norm in NORMS {
        let err = max_margin(&data, norm).unwrap_err();
        assert!(matches!(err, Error::NotSeparable(_)), "{norm:?}: {err}");
    }
}
