//! Criterion bench: the training steps of the deep and the multiclass models (issue #15), each
//! next to its **GEMM floor** in the same criterion group, so that step / floor is read from
//! one run; plus, opt-in, the KKT checker on a 10-class two-layer net on the bundled MNIST cut.
//!
//! All steps at m = 2048, d = 784 on seeded Gaussian data (x_i ~ N(0, I/d), the X of the
//! `large` size of `benches/common`; multiclass labels argmax_c ⟨w*_c, x_i⟩ of a seeded
//! Gaussian linear teacher, C = 10):
//!
//! | group | model (p) | the products of one step = the floor | floor flops |
//! |---|---|---|---|
//! | `deep_mlp_step` | `mlp:relu_pow:2:k=128,128`, binary (116 864) | Z1 = X W1ᵀ, Z2 = H1 W2ᵀ; ∇W2 = H1ᵀ Δ2, Δ1 = Δ2 W2, ∇W1 = Xᵀ Δ1 | 2m(2dk1 + 3k1k2) = 1.023 G |
//! | `mc_linear_step` | `linear`, C = 10 (7 840) | F = X Wᵀ; ∇W = Xᵀ G | 4mdC = 64.2 M |
//! | `mc_two_layer_step` | `two_layer:relu_pow:2:k=128`, C = 10 (101 632) | Z = X Wᵀ, F = H Uᵀ; ∇U = Hᵀ G, Δ = G U, ∇W = Xᵀ Δ | 2m(2dk + 3kC) = 0.838 G |
//!
//! The floor is exactly the dense products the batched path of `src/models/mlp/batched.rs`
//! (and `linear_multiclass.rs`) runs, with the same shapes and the same transposed views (no
//! copies): faer 0.24, `Par::Seq`, `Accum::Replace`, then `vzeroupper` — the call of the
//! crate's `linalg::matmul` (one thread: the crate's default, `IB_GEMM_THREADS` unset). X is
//! one matrix shared by the forward and the backward product, as in the step. The binary
//! MLP's head q = H2 u and ∇u = H2ᵀ a are matrix–vector products (O(m·k2)), not in the floor.
//!
//! **The step** is the loop body of `train::train` without the trace (as in
//! `benches/train_step.rs`): margins, log-domain loss weights
//! (`Loss::log_loss_and_weights_grouped`, group C − 1), the weighted gradient, rescaling to
//! max|ĝ_j| = 1 and the `ngd` update. `step` uses the exponential loss, `step_ce` (multiclass
//! groups) cross-entropy. `margins`, `loss_weights` (exponential; `loss_weights_ce`
//! cross-entropy) and `margins_and_gradient` (margins + weights + weighted gradient) time
//! those phases alone, `gemm_floor_fwd` the forward products only (the GEMMs inside
//! `margins`).
//!
//! Throughput is the floor's flops: criterion's "elem/s" is GEMM-FLOP/s for the step and the
//! floor alike (the forward products' flops for `margins` and `gemm_floor_fwd`; margin rows
//! per second for `loss_weights`). After the groups the bench prints a summary: an **interleaved** measurement
//! (step, floor, step, floor, … for ≥ 2 s each; `IB_BENCH_RATIO_SECS` changes it) with
//! the median step / floor ratio and its 10–90 % spread (for `step`, and for `step_ce` on the
//! multiclass groups; and margins / forward products, which splits the excess into its forward
//! and backward halves), and min(step) / min(floor) (load only adds time, but with a few dozen
//! pairs the minima are noisy too; the median of the pairs was the steadier number on a loaded
//! machine) — robust against the load drifting between criterion's two measurements.
//!
//! **Checker (opt-in, `IB_BENCH_MC_CHECK=1`).** The bundled 2048 MNIST images as 10 classes
//! (pixels / 255, no row normalization), `two_layer:relu_pow:2:k=128` (p = 101 632, 18 432
//! pair constraints), θ trained here by Adam (η = 0.01 constant, β = (0.9, 0.999), ε = 1e-8,
//! exponential loss, default init with seed 0) for 3 000 steps (≈ 1–1.5 min; train accuracy
//! 1.0 — every pair margin > 0 — is asserted). Then, single-shot with the default
//! `CheckConfig` (as the CLI's `check`: Clarabel, row generation, trajectory certificate on):
//! one `kkt::check` per norm (ℓ2, ℓ∞) with the LP sizes, rounds, sweeps, κ and verdict; both
//! norms in one `kkt::check_many` call (what `check --norm l2 --norm linf` runs: the norms
//! share the first sweep and the row cache); and the time of one per-row gradient sweep over
//! the 18 432 pair rows (what each of the checker's sweeps costs).
//! `benches/reference/mnist10_check.py` does the same end to end through the CLI (same θ).
//!
//! `cargo bench --bench deep_multiclass` (≈ 1.5–1.7 min); one group: `-- mc_linear`; a long
//! interleaved ratio only: `IB_BENCH_RATIO_SECS=20 cargo bench --bench deep_multiclass --
//! 'mc_linear_step/step$'` (the group's interleaved run follows any filter that names it);
//! `IB_BENCH_MC_CHECK=1 cargo bench --bench deep_multiclass -- mc_check` for the checker only
//! (≈ 3.5 min).

mod common;

use common::{clear_upper_simd_state, env_flag, gaussian, gaussian_dataset};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use faer::{Accum, MatMut, MatRef, Par};
use implicit_bias::data::{load_idx_as, Dataset, IdxLabels};
use implicit_bias::kkt::{check, check_many, CheckConfig};
use implicit_bias::loss::Loss;
use implicit_bias::models::{Init, Model, ModelSpec, Workspace};
use implicit_bias::norms::NormSpec;
use implicit_bias::optim::{OptState, Optimizer, OptimizerConfig, ScaledGrad, Schedule, Step};
use implicit_bias::params::Layout;
use implicit_bias::train::{train, TrainConfig};
use nalgebra::DMatrix;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Samples, features, classes of the step benches.
const M: usize = 2048;
const D: usize = 784;
const C: usize = 10;

/// Learning rate of the benchmarked `ngd` steps (as in `benches/train_step.rs`).
const LR: f64 = 1e-3;

/// Adam steps that train the checker's θ (train accuracy 1.0 from step ≤ 126 on; log10 L ≈
/// −1.6 after 3 000).
const TRAIN_STEPS: u64 = 3000;

/// Everything one training step touches, preallocated as in `train::train`.
struct Stepper<'a> {
    model: &'a dyn Model,
    data: &'a Dataset,
    loss: Loss,
    group: usize,
    layout: Layout,
    opt: Box<dyn Optimizer>,
    state: OptState,
    ws: Workspace,
    q: Vec<f64>,
    w: Vec<f64>,
    g: Vec<f64>,
    delta: Vec<f64>,
    theta0: Vec<f64>,
    theta: Vec<f64>,
    t: u64,
    resets: u64,
}

impl<'a> Stepper<'a> {
    fn new(model: &'a dyn Model, data: &'a Dataset, theta0: &[f64], loss: Loss) -> Self {
        let layout = model.layout().clone();
        let opt = OptimizerConfig::parse_name("ngd")
            .expect("ngd")
            .build()
            .expect("ngd");
        let state = opt.init(&layout).expect("optimizer state");
        let (rows, p) = (data.margin_rows(), layout.len());
        Stepper {
            model,
            data,
            loss,
            group: data.rows_per_sample(),
            ws: model.workspace(data.m()),
            layout,
            opt,
            state,
            q: vec![0.0; rows],
            w: vec![0.0; rows],
            g: vec![0.0; p],
            delta: vec![0.0; p],
            theta: theta0.to_vec(),
            theta0: theta0.to_vec(),
            t: 0,
            resets: 0,
        }
    }

    /// One step of `train::train`: margins, (log L, c) and the weights, s = Σ_r w_r ∇q_r,
    /// ĝ = −s/max|s| with ∇L = e^{c + ln max|s|}·ĝ, Δθ from the optimizer, θ += Δθ.
    /// A failed update or a non-finite θ (never seen at this η) restarts from θ0.
    fn step(&mut self) {
        self.t += 1;
        self.model
            .margins(&self.theta, self.data, &mut self.ws, &mut self.q);
        let (log_loss, c) =
            self.loss
                .log_loss_and_weights_grouped(&self.q, &mut self.w, self.group);
        self.model
            .weighted_gradient(&self.theta, self.data, &self.w, &mut self.ws, &mut self.g);
        let smax = self
            .g
            .iter()
            .fold(0.0_f64, |a, v| a.max(v.abs()))
            .max(f64::MIN_POSITIVE);
        let inv = -1.0 / smax;
        self.g.iter_mut().for_each(|v| *v *= inv);
        let grad = ScaledGrad {
            log_scale: c + smax.ln(),
            dir: &self.g,
        };
        let ok = self
            .opt
            .update(
                grad,
                &mut self.state,
                &Step {
                    theta: &self.theta,
                    layout: &self.layout,
                    t: self.t,
                    lr: LR,
                },
                &mut self.delta,
            )
            .is_ok();
        for (th, d) in self.theta.iter_mut().zip(&self.delta) {
            *th += d;
        }
        if !ok || !log_loss.is_finite() || !self.theta.iter().all(|v| v.is_finite()) {
            self.theta.copy_from_slice(&self.theta0);
            self.state = self.opt.init(&self.layout).expect("optimizer state");
            self.t = 0;
            self.resets += 1;
        }
        black_box(&self.theta);
    }

    fn margins(&mut self) {
        self.model
            .margins(&self.theta, self.data, &mut self.ws, &mut self.q);
        black_box(&self.q);
    }

    /// The loss weights of the current margins (exponential loss: m(C − 1) exponentials).
    fn loss_weights(&mut self) {
        black_box(
            self.loss
                .log_loss_and_weights_grouped(&self.q, &mut self.w, self.group),
        );
    }

    /// Margins, loss weights and the weighted gradient (the step without the update).
    fn margins_and_gradient(&mut self) {
        self.model
            .margins(&self.theta, self.data, &mut self.ws, &mut self.q);
        self.loss
            .log_loss_and_weights_grouped(&self.q, &mut self.w, self.group);
        self.model
            .weighted_gradient(&self.theta, self.data, &self.w, &mut self.ws, &mut self.g);
        black_box(&self.g);
    }
}

/// One product of the floor: mats[dst] = op(mats[a]) · op(mats[b]), op = transpose if set.
struct Product {
    dst: usize,
    a: usize,
    ta: bool,
    b: usize,
    tb: bool,
}

/// The dense products of one step (module docs) on preallocated operands; the first `n_fwd`
/// are the forward pass's (the margins), the rest the backward pass's.
struct Floor {
    mats: Vec<DMatrix<f64>>,
    prods: Vec<Product>,
    n_fwd: usize,
}

impl Floor {
    /// `shapes`: the stored (column-major) shape of every operand; `prods`: (dst, a, ta, b,
    /// tb), the `n_fwd` forward products first. Inputs are seeded Gaussians (outputs are
    /// overwritten).
    fn new(
        shapes: &[(usize, usize)],
        prods: &[(usize, usize, bool, usize, bool)],
        n_fwd: usize,
    ) -> Self {
        let mats: Vec<DMatrix<f64>> = shapes
            .iter()
            .enumerate()
            .map(|(i, &(r, c))| gaussian(r, c, 1.0 / (c as f64).sqrt(), 100 + i as u64))
            .collect();
        let prods: Vec<Product> = prods
            .iter()
            .map(|&(dst, a, ta, b, tb)| Product { dst, a, ta, b, tb })
            .collect();
        let fl = Floor { mats, prods, n_fwd };
        for p in &fl.prods {
            let (ar, ac) = fl.shape(p.a, p.ta);
            let (br, bc) = fl.shape(p.b, p.tb);
            let (dr, dc) = fl.shape(p.dst, false);
            assert!(ac == br && dr == ar && dc == bc, "floor shapes");
            assert!(p.dst != p.a && p.dst != p.b, "floor aliasing");
        }
        fl
    }

    fn shape(&self, i: usize, t: bool) -> (usize, usize) {
        let (r, c) = self.mats[i].shape();
        if t {
            (c, r)
        } else {
            (r, c)
        }
    }

    /// Flops of all products (2·rows·cols·inner each).
    fn flops(&self) -> u64 {
        self.flops_of(0..self.prods.len())
    }

    /// Flops of the products in `range`.
    fn flops_of(&self, range: std::ops::Range<usize>) -> u64 {
        self.prods[range]
            .iter()
            .map(|p| {
                let (r, k) = self.shape(p.a, p.ta);
                let c = self.shape(p.b, p.tb).1;
                2 * (r * k * c) as u64
            })
            .sum()
    }

    /// Every product of the step.
    fn run(&mut self) {
        self.run_products(0..self.prods.len());
    }

    /// The forward products only (the GEMMs of `margins`).
    fn run_fwd(&mut self) {
        self.run_products(0..self.n_fwd);
    }

    fn run_products(&mut self, range: std::ops::Range<usize>) {
        for p in &self.prods[range] {
            let mut dst = std::mem::replace(&mut self.mats[p.dst], DMatrix::zeros(0, 0));
            let view = |i: usize, t: bool| {
                let m = &self.mats[i];
                let v = MatRef::from_column_major_slice(m.as_slice(), m.nrows(), m.ncols());
                if t {
                    v.transpose()
                } else {
                    v
                }
            };
            let (r, c) = dst.shape();
            faer::linalg::matmul::matmul(
                MatMut::from_column_major_slice_mut(dst.as_mut_slice(), r, c),
                Accum::Replace,
                view(p.a, p.ta),
                view(p.b, p.tb),
                1.0,
                Par::Seq,
            );
            clear_upper_simd_state();
            self.mats[p.dst] = dst;
        }
        black_box(&self.mats);
    }
}

/// Floor of `mlp:…:k=k1,k2` (binary head): see the module docs.
fn mlp_floor(m: usize, d: usize, k1: usize, k2: usize) -> Floor {
    // 0 X m×d, 1 W1ᵀ d×k1, 2 W2ᵀ k1×k2, 3 Z1 m×k1, 4 H1 m×k1, 5 Z2 m×k2, 6 Δ2 m×k2,
    // 7 ∇W2 k1×k2, 8 Δ1 m×k1, 9 ∇W1 d×k1.
    Floor::new(
        &[
            (m, d),
            (d, k1),
            (k1, k2),
            (m, k1),
            (m, k1),
            (m, k2),
            (m, k2),
            (k1, k2),
            (m, k1),
            (d, k1),
        ],
        &[
            (3, 0, false, 1, false), // Z1 = X W1ᵀ
            (5, 4, false, 2, false), // Z2 = H1 W2ᵀ
            (7, 4, true, 6, false),  // ∇W2 (k1×k2 = row-major k2×k1) = H1ᵀ Δ2
            (8, 6, false, 2, true),  // Δ1 = Δ2 W2
            (9, 0, true, 8, false),  // ∇W1 = Xᵀ Δ1
        ],
        2,
    )
}

/// Floor of the C-class `linear` model.
fn mc_linear_floor(m: usize, d: usize, c: usize) -> Floor {
    // 0 X m×d, 1 Wᵀ d×C, 2 F m×C, 3 G m×C, 4 ∇W d×C.
    Floor::new(
        &[(m, d), (d, c), (m, c), (m, c), (d, c)],
        &[
            (2, 0, false, 1, false), // F = X Wᵀ
            (4, 0, true, 3, false),  // ∇W (d×C = row-major C×d) = Xᵀ G
        ],
        1,
    )
}

/// Floor of the C-class `two_layer` net (D = 1 MLP with a C×k head).
fn mc_two_layer_floor(m: usize, d: usize, k: usize, c: usize) -> Floor {
    // 0 X m×d, 1 Wᵀ d×k, 2 Z m×k, 3 H m×k, 4 Uᵀ k×C, 5 F m×C, 6 G m×C, 7 ∇U k×C, 8 Δ m×k,
    // 9 ∇W d×k.
    Floor::new(
        &[
            (m, d),
            (d, k),
            (m, k),
            (m, k),
            (k, c),
            (m, c),
            (m, c),
            (k, c),
            (m, k),
            (d, k),
        ],
        &[
            (2, 0, false, 1, false), // Z = X Wᵀ
            (5, 3, false, 4, false), // F = H Uᵀ
            (7, 3, true, 6, false),  // ∇U = Hᵀ G
            (8, 6, false, 4, true),  // Δ = G U
            (9, 0, true, 8, false),  // ∇W = Xᵀ Δ
        ],
        2,
    )
}

/// m samples of the `large` X with labels argmax_c ⟨w*_c, x_i⟩ of a seeded Gaussian teacher.
fn multiclass_gaussian(m: usize, d: usize, c: usize, seed: u64) -> Dataset {
    let x = gaussian(m, d, 1.0 / (d as f64).sqrt(), seed);
    let w = gaussian(d, c, 1.0, seed.wrapping_add(1));
    let f = &x * &w;
    let labels: Vec<usize> = (0..m)
        .map(|i| {
            (0..c)
                .max_by(|&a, &b| f[(i, a)].total_cmp(&f[(i, b)]))
                .expect("c ≥ 1")
        })
        .collect();
    Dataset::multiclass(x, &labels, c).expect("multiclass gaussian dataset")
}

/// Length of each interleaved measurement: `IB_BENCH_RATIO_SECS` (default 2 s).
fn ratio_budget() -> Duration {
    let secs = std::env::var("IB_BENCH_RATIO_SECS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(2.0);
    Duration::from_secs_f64(secs)
}

/// Whether a plain-substring command-line filter (criterion's own is a regex) selects the
/// name; no filter selects everything. Used to skip the untimed parts (the interleaved ratio,
/// the checker) of filtered-out groups.
fn selected(name: &str) -> bool {
    const WITH_VALUE: &[&str] = &[
        "--save-baseline",
        "--baseline",
        "--baseline-lenient",
        "--load-baseline",
        "--sample-size",
        "--warm-up-time",
        "--measurement-time",
        "--nresamples",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--profile-time",
        "--output-format",
        "--plotting-backend",
        "--color",
        "--format",
        "--logfile",
    ];
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut filters = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if WITH_VALUE.contains(&args[i].as_str()) {
            i += 2;
            continue;
        }
        if !args[i].starts_with('-') {
            filters.push(
                args[i]
                    .trim_start_matches('^')
                    .trim_end_matches('$')
                    .to_string(),
            );
        }
        i += 1;
    }
    filters.is_empty()
        || filters
            .iter()
            .any(|f| name.contains(f.as_str()) || f.contains(name))
}

/// One row of the printed summary.
struct Ratio {
    group: String,
    step_ms: f64,
    floor_ms: f64,
    ratio: f64,
    lo: f64,
    hi: f64,
    min_ratio: f64,
    pairs: usize,
}

fn quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    v[i]
}

/// Alternate `step` and `floor` (a step and its floor, or a phase and its products) for
/// ≥ `budget` and ≥ 10 pairs; the median times, the median per-pair ratio, its 10 % / 90 %
/// quantiles and the ratio of the minima.
fn interleaved(
    group: &str,
    step: &mut dyn FnMut(),
    floor: &mut dyn FnMut(),
    budget: Duration,
) -> Ratio {
    step();
    floor();
    let (mut ts, mut tf, mut r) = (Vec::new(), Vec::new(), Vec::new());
    let start = Instant::now();
    while ts.len() < 10 || start.elapsed() < budget {
        let t0 = Instant::now();
        step();
        let a = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        floor();
        let b = t1.elapsed().as_secs_f64();
        ts.push(a);
        tf.push(b);
        r.push(a / b);
    }
    let pairs = r.len();
    let min = |v: &[f64]| v.iter().cloned().fold(f64::INFINITY, f64::min);
    let min_ratio = min(&ts) / min(&tf);
    Ratio {
        group: group.to_string(),
        step_ms: 1e3 * quantile(&mut ts, 0.5),
        floor_ms: 1e3 * quantile(&mut tf, 0.5),
        ratio: quantile(&mut r, 0.5),
        lo: quantile(&mut r, 0.1),
        hi: quantile(&mut r, 0.9),
        min_ratio,
        pairs,
    }
}

/// One group: `step` (+ `step_ce` for multiclass data), `gemm_floor`, `gemm_floor_fwd`, the
/// phases, and the interleaved ratios (returned): step / floor, step_ce / floor, and margins
/// / forward products.
fn bench_model(
    c: &mut Criterion,
    name: &str,
    spec: &str,
    data: &Dataset,
    mut floor: Floor,
) -> Vec<Ratio> {
    let spec = ModelSpec::parse(spec).expect("spec");
    let (model, theta0) = spec
        .instantiate_for(data.d(), data.outputs(), &Init::default(), 0)
        .expect("model");
    let flops = floor.flops();
    let mut group = c.benchmark_group(name);
    group
        .throughput(Throughput::Elements(flops))
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(2500));
    let mut st = Stepper::new(model.as_ref(), data, &theta0, Loss::Exponential);
    let mut ce = data
        .is_multiclass()
        .then(|| Stepper::new(model.as_ref(), data, &theta0, Loss::CrossEntropy));
    // Throughput: all products for the whole step, the forward ones for `margins`.
    group.bench_function("step", |b| b.iter(|| st.step()));
    group.bench_function("gemm_floor", |b| b.iter(|| floor.run()));
    if let Some(ce) = ce.as_mut() {
        group.bench_function("step_ce", |b| b.iter(|| ce.step()));
    }
    group.bench_function("margins_and_gradient", |b| {
        b.iter(|| st.margins_and_gradient())
    });
    group.throughput(Throughput::Elements(floor.flops_of(0..floor.n_fwd)));
    group.bench_function("gemm_floor_fwd", |b| b.iter(|| floor.run_fwd()));
    group.bench_function("margins", |b| b.iter(|| st.margins()));
    // Margin rows per second.
    group.throughput(Throughput::Elements(data.margin_rows() as u64));
    group.bench_function("loss_weights", |b| b.iter(|| st.loss_weights()));
    if let Some(ce) = ce.as_mut() {
        ce.margins();
        group.bench_function("loss_weights_ce", |b| b.iter(|| ce.loss_weights()));
    }
    group.finish();
    for (s, id) in [(Some(&st), "step"), (ce.as_ref(), "step_ce")] {
        if let Some(s) = s.filter(|s| s.resets > 0) {
            eprintln!("note: {name}/{id}: θ reset to θ0 {} times", s.resets);
        }
    }
    if !selected(name) {
        return Vec::new();
    }
    eprintln!(
        "{name}: p = {}, {} margin rows, floor {:.1} Mflop ({} products)",
        model.layout().len(),
        data.margin_rows(),
        flops as f64 / 1e6,
        floor.prods.len()
    );
    let mut rows = vec![interleaved(
        name,
        &mut || st.step(),
        &mut || floor.run(),
        ratio_budget(),
    )];
    if let Some(ce) = ce.as_mut() {
        rows.push(interleaved(
            &format!("{name} (step_ce)"),
            &mut || ce.step(),
            &mut || floor.run(),
            ratio_budget(),
        ));
    }
    rows.push(interleaved(
        &format!("{name} (margins / forward GEMMs)"),
        &mut || st.margins(),
        &mut || floor.run_fwd(),
        ratio_budget(),
    ));
    rows
}

fn bench_steps(c: &mut Criterion) {
    if implicit_bias::linalg::gemm_threads() > 1 {
        eprintln!(
            "note: IB_GEMM_THREADS = {}: the steps split their GEMMs, the floor stays on one thread",
            implicit_bias::linalg::gemm_threads()
        );
    }
    let binary = gaussian_dataset(M, D, 7);
    let multi = multiclass_gaussian(M, D, C, 7);
    let mut rows = Vec::new();
    rows.extend(bench_model(
        c,
        "deep_mlp_step",
        "mlp:relu_pow:2:k=128,128",
        &binary,
        mlp_floor(M, D, 128, 128),
    ));
    rows.extend(bench_model(
        c,
        "mc_linear_step",
        "linear",
        &multi,
        mc_linear_floor(M, D, C),
    ));
    rows.extend(bench_model(
        c,
        "mc_two_layer_step",
        "two_layer:relu_pow:2:k=128",
        &multi,
        mc_two_layer_floor(M, D, 128, C),
    ));
    if rows.is_empty() {
        return;
    }
    eprintln!(
        "\ninterleaved step (ngd; exponential loss, or cross-entropy for step_ce) / GEMM floor, one thread:"
    );
    eprintln!(
        "| group | step (median) | floor (median) | step / floor (median of pairs) | 10–90 % | min step / min floor | pairs |"
    );
    eprintln!("|---|---|---|---|---|---|---|");
    for r in rows {
        eprintln!(
            "| {} | {:.3} ms | {:.3} ms | {:.3} | {:.3}–{:.3} | {:.3} | {} |",
            r.group, r.step_ms, r.floor_ms, r.ratio, r.lo, r.hi, r.min_ratio, r.pairs
        );
    }
}

/// The opt-in checker timing (module docs).
fn bench_check(_c: &mut Criterion) {
    if !selected("mc_check") {
        return;
    }
    if !env_flag("IB_BENCH_MC_CHECK") {
        eprintln!("mc_check: skipped (set IB_BENCH_MC_CHECK=1)");
        return;
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/datasets/mnist");
    let data = load_idx_as(
        format!("{dir}/mnist-train-first2048-images.idx3-ubyte.gz"),
        format!("{dir}/mnist-train-first2048-labels.idx1-ubyte.gz"),
        false,
        &IdxLabels::Classes,
    )
    .expect("bundled MNIST");
    let spec = ModelSpec::parse("two_layer:relu_pow:2:k=128").expect("spec");
    let (model, theta0) = spec
        .instantiate_for(data.d(), data.outputs(), &Init::default(), 0)
        .expect("model");
    let (m, p, rows) = (data.m(), model.layout().len(), data.margin_rows());
    // θ: Adam, TRAIN_STEPS steps (module docs).
    // ε = 1e-8 as in the script's config (the catalogue default is ε = 0).
    let adam: toml::Value =
        toml::from_str("type = \"adam\"\nbeta1 = 0.9\nbeta2 = 0.999\neps = 1e-8\n")
            .expect("adam table");
    let opt = OptimizerConfig::from_value(adam)
        .expect("adam")
        .build()
        .expect("adam");
    let cfg = TrainConfig {
        schedule: Schedule::Constant { eta0: 0.01 },
        max_steps: TRAIN_STEPS,
        trace_per_decade: 0,
        ..TrainConfig::default()
    };
    let t0 = Instant::now();
    let run = train(
        model.as_ref(),
        &data,
        Loss::Exponential,
        opt.as_ref(),
        &cfg,
        theta0,
    )
    .expect("train");
    let train_s = t0.elapsed().as_secs_f64();
    let theta = run.theta;
    let mut ws = model.workspace(m);
    let mut q = vec![0.0; rows];
    let t1 = Instant::now();
    model.margins(&theta, &data, &mut ws, &mut q);
    let margins_s = t1.elapsed().as_secs_f64();
    let qmin = q.iter().cloned().fold(f64::INFINITY, f64::min);
    let correct = q
        .chunks_exact(data.rows_per_sample())
        .filter(|g| g.iter().all(|v| *v > 0.0))
        .count();
    eprintln!(
        "mc_check: m = {m}, C = {}, p = {p}, {rows} pair rows; θ = Adam, {} steps ({:?}), \
         log10 L = {:.3}, q_min = {qmin:.3e}, train accuracy {}/{m} ({train_s:.1} s)",
        data.classes,
        run.steps,
        run.stop,
        run.log_loss / std::f64::consts::LN_10,
        correct
    );
    assert_eq!(correct, m, "θ must separate every pair");
    // One sweep of per-row gradients, as the checker's `GenSet` does it (row_combo, a copy
    // of x_i, combo_gradient into a p-vector).
    let mut s = vec![0.0; data.outputs()];
    let mut base = vec![0.0; p];
    let t2 = Instant::now();
    for r in 0..rows {
        let i = data.row_combo(r, &mut s);
        let x = data.row(i);
        model.combo_gradient(&theta, &x, &s, &mut base);
        black_box(&base);
    }
    let sweep_s = t2.elapsed().as_secs_f64();
    eprintln!(
        "mc_check: batched margins {:.1} ms; one per-row gradient sweep ({rows} rows) {sweep_s:.2} s",
        margins_s * 1e3
    );
    let ccfg = CheckConfig::default();
    let mut table = vec![
        "| norm | wall | refinement loop (LPs + extra sweeps) | rest (first sweep, trajectory LP) | last LP rows × cols | residual rows | rounds | extra sweeps | support | κ | lower bound | verdict |".to_string(),
        "|---|---|---|---|---|---|---|---|---|---|---|---|".to_string(),
    ];
    for norm in [NormSpec::L2, NormSpec::Linf] {
        let t = Instant::now();
        let cert = check(model.as_ref(), &data, &theta, &norm, &ccfg).expect("check");
        let wall = t.elapsed().as_secs_f64();
        let lp = &cert.lp;
        eprintln!(
            "mc_check {norm}: {wall:.2} s (refinement loop {:.2} s), LP {} × {}, residual rows {}, rounds {}, \
             extra sweeps {}, support {}, κ {:.3e}, lb {:.3e}, traj κ {:?}, τ_kkt {:?}, {:?}",
            lp.solve_seconds,
            lp.rows,
            lp.cols,
            lp.residual_rows,
            lp.rounds,
            lp.gradient_sweeps,
            cert.support.len(),
            cert.kappa,
            cert.kappa_lower_bound,
            cert.trajectory_kappa,
            cert.tau_kkt,
            cert.verdict
        );
        for n in &lp.notes {
            eprintln!("    note: {n}");
        }
        table.push(format!(
            "| {norm} | {wall:.2} s | {:.2} s | {:.2} s | {} × {} | {} | {} | {} | {} | {:.3e} | {:.3e} | {:?} |",
            lp.solve_seconds,
            wall - lp.solve_seconds,
            lp.rows,
            lp.cols,
            lp.residual_rows,
            lp.rounds,
            lp.gradient_sweeps,
            cert.support.len(),
            cert.kappa,
            cert.kappa_lower_bound,
            cert.verdict
        ));
    }
    // Both norms in one call, as `implicit-bias check --norm l2 --norm linf` (the margins,
    // the first sweep and the row cache are shared by the norms).
    let both = [NormSpec::L2, NormSpec::Linf];
    let t = Instant::now();
    let certs = check_many(model.as_ref(), &data, &theta, &both, None, &ccfg).expect("check");
    let wall = t.elapsed().as_secs_f64();
    eprintln!("mc_check l2+linf (check_many): {wall:.2} s");
    for cert in &certs {
        let lp = &cert.lp;
        table.push(format!(
            "| {} (in l2+linf: {wall:.2} s for both) | — | {:.2} s | — | {} × {} | {} | {} | {} | {} | {:.3e} | {:.3e} | {:?} |",
            cert.norm,
            lp.solve_seconds,
            lp.rows,
            lp.cols,
            lp.residual_rows,
            lp.rounds,
            lp.gradient_sweeps,
            cert.support.len(),
            cert.kappa,
            cert.kappa_lower_bound,
            cert.verdict
        ));
    }
    eprintln!("\nmc_check summary (single-shot, default CheckConfig: Clarabel, row generation):");
    for line in table {
        eprintln!("{line}");
    }
}

criterion_group!(benches, bench_steps, bench_check);
criterion_main!(benches);
