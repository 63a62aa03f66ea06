//! Criterion bench: one full training step of a two-layer ReLU² net — margins
//! q_i = y_i uᵀσ(W x_i), log-domain exponential-loss weights, weighted gradient, rescaling to
//! max|ĝ_j| = 1 and the optimizer update, exactly the loop body of `train::train` without
//! the trace — for every optimizer of `OptimizerConfig::catalogue()` at the three sizes of
//! `benches/common` (small m = 40, d = 10, k = 16; digits m = 1797, d = 64, k = 64; large
//! m = 2048, d = 784, k = 128).
//!
//! `steepest_descent` needs a norm: it runs as `normalized_steepest_descent:lp:3` (ℓ2 is
//! already `ngd`, ℓ∞ `sign_gd`, ℓ1 `coordinate_descent`, max-spectral `spectral_descent`).
//!
//! Throughput is the 4·m·d·k flops of the step's two GEMMs: criterion's "elem/s" is
//! GEMM-GFLOP/s, to be compared with `cargo bench --bench gemm` (the ceiling).
//!
//! The `train_phases_<size>` groups time the phases of a step (margins, loss weights,
//! margins + weighted gradient, the update of ngd / signum / adam / muon / muon_ns): where
//! the time goes.
//!
//! `cargo bench --bench train_step` (≈ 2.5 min); one size: `cargo bench --bench train_step --
//! digits`; one optimizer: `-- 'train_step_large/muon$'`.

mod common;

use common::Size;
use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use implicit_bias::data::Dataset;
use implicit_bias::loss::Loss;
use implicit_bias::models::{Activation, Init, Model, TwoLayer, Workspace};
use implicit_bias::optim::{OptState, Optimizer, OptimizerConfig, ScaledGrad, Step};
use implicit_bias::params::Layout;
use std::hint::black_box;
use std::time::Duration;

/// Learning rate of the benchmarked steps (constant; small enough that no optimizer diverges
/// during a bench, and a divergence would only reset θ, see [`Stepper::step`]).
const LR: f64 = 1e-3;

/// Everything one training step touches, preallocated as in `train::train`.
struct Stepper<'a> {
    model: &'a TwoLayer,
    data: &'a Dataset,
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
    fn new(model: &'a TwoLayer, data: &'a Dataset, opt: Box<dyn Optimizer>) -> Self {
        let layout = model.layout().clone();
        let theta0 =
            implicit_bias::models::init::initialize(&layout, &Init::default(), 0).expect("init");
        let state = opt.init(&layout).expect("optimizer state");
        let (m, p) = (data.m(), layout.len());
        Stepper {
            model,
            data,
            ws: model.workspace(m),
            layout,
            opt,
            state,
            q: vec![0.0; m],
            w: vec![0.0; m],
            g: vec![0.0; p],
            delta: vec![0.0; p],
            theta: theta0.clone(),
            theta0,
            t: 0,
            resets: 0,
        }
    }

    /// One step of `train::train`: margins, (log L, c) and weights, s = Σ w_i y_i ∇f(x_i),
    /// ĝ = −s/max|s| with ∇L = e^{c + ln max|s|}·ĝ, Δθ from the optimizer, θ += Δθ.
    /// A failed update or a non-finite θ (never seen at this η) restarts from θ0.
    fn step(&mut self) {
        self.t += 1;
        self.model
            .margins(&self.theta, self.data, &mut self.ws, &mut self.q);
        let (log_loss, c) = Loss::Exponential.log_loss_and_weights(&self.q, &mut self.w);
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
}

/// Every optimizer of the catalogue, as a name `OptimizerConfig::parse_name` accepts.
fn optimizer_names() -> Vec<String> {
    OptimizerConfig::catalogue()
        .into_iter()
        .map(|(name, _)| match name {
            "steepest_descent" => "normalized_steepest_descent:lp:3".to_string(),
            n => n.to_string(),
        })
        .collect()
}

/// Criterion id of an optimizer name (no `:` in ids, they become directory names).
fn bench_id(name: &str) -> String {
    match name {
        "normalized_steepest_descent:lp:3" => "steepest_descent_lp3".to_string(),
        n => n.to_string(),
    }
}

fn bench_size(c: &mut Criterion, size: &Size) {
    let model = TwoLayer::new(Activation::ReluPow(2.0), size.k, size.data.d());
    let mut group = c.benchmark_group(format!("train_step_{}", size.name));
    group.throughput(Throughput::Elements(size.step_flops()));
    // Budgets chosen so the whole bench stays near 2 minutes (17 optimizers × 3 sizes).
    match size.name {
        "large" => {
            group
                .sample_size(10)
                .sampling_mode(SamplingMode::Flat)
                .warm_up_time(Duration::from_millis(500))
                .measurement_time(Duration::from_secs(2));
        }
        _ => {
            group
                .sample_size(20)
                .warm_up_time(Duration::from_millis(300))
                .measurement_time(Duration::from_secs(1));
        }
    }
    for name in optimizer_names() {
        let opt = OptimizerConfig::parse_name(&name)
            .expect("catalogue name")
            .build()
            .expect("build");
        let mut stepper = Stepper::new(&model, &size.data, opt);
        group.bench_function(BenchmarkId::from_parameter(bench_id(&name)), |b| {
            b.iter(|| stepper.step())
        });
        if stepper.resets > 0 {
            eprintln!(
                "note: {}/{name}: θ reset to θ0 {} times (divergence at η = {LR})",
                size.name, stepper.resets
            );
        }
    }
    group.finish();
}

/// Where the time of a step goes: each phase of [`Stepper::step`] alone, at θ0.
fn bench_phases(c: &mut Criterion, size: &Size) {
    let model = TwoLayer::new(Activation::ReluPow(2.0), size.k, size.data.d());
    let data = &size.data;
    let mut group = c.benchmark_group(format!("train_phases_{}", size.name));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(700));
    let ngd = OptimizerConfig::parse_name("ngd")
        .expect("ngd")
        .build()
        .expect("ngd");
    let mut st = Stepper::new(&model, data, ngd);
    st.step();
    let theta = st.theta.clone();
    group.bench_function("margins", |b| {
        b.iter(|| model.margins(&theta, data, &mut st.ws, &mut st.q))
    });
    group.bench_function("loss_weights", |b| {
        b.iter(|| Loss::Exponential.log_loss_and_weights(&st.q, &mut st.w))
    });
    // weighted_gradient overwrites H (in the workspace) with B, so it cannot run twice on one
    // margins pass: time both together; the gradient's share is the difference to `margins`.
    group.bench_function("margins_and_gradient", |b| {
        b.iter(|| {
            model.margins(&theta, data, &mut st.ws, &mut st.q);
            model.weighted_gradient(&theta, data, &st.w, &mut st.ws, &mut st.g);
            black_box(&st.g);
        })
    });
    model.margins(&theta, data, &mut st.ws, &mut st.q);
    Loss::Exponential.log_loss_and_weights(&st.q, &mut st.w);
    model.weighted_gradient(&theta, data, &st.w, &mut st.ws, &mut st.g);
    // A fixed ĝ with max|ĝ_j| = 1 for the update-only benches.
    let smax = st.g.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
    let dir: Vec<f64> = st.g.iter().map(|v| -v / smax).collect();
    for name in ["ngd", "signum", "adam", "muon", "muon_ns"] {
        let opt = OptimizerConfig::parse_name(name)
            .expect("name")
            .build()
            .expect("build");
        let mut state = opt.init(&st.layout).expect("state");
        let mut t = 0;
        group.bench_function(format!("update_{name}"), |b| {
            b.iter(|| {
                t += 1;
                let grad = ScaledGrad {
                    log_scale: 0.0,
                    dir: &dir,
                };
                let step = Step {
                    theta: &theta,
                    layout: &st.layout,
                    t,
                    lr: LR,
                };
                opt.update(grad, &mut state, &step, &mut st.delta)
                    .expect("update");
                black_box(&st.delta);
            })
        });
    }
    group.finish();
}

fn bench_train_step(c: &mut Criterion) {
    for size in common::sizes() {
        bench_size(c, &size);
        bench_phases(c, &size);
    }
}

criterion_group!(benches, bench_train_step);
criterion_main!(benches);
