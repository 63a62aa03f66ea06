//! Measurement program for issue #14 item 2: why Adam (ε = 0) and Muon-Adam on the smooth
//! two-layer ReLU² net do not reach the `kkt` verdict at τ = 0.01.
//!
//! Trains the data/model of a theorem case (default `fixtures/cases/tl_relu2_adam_eps0_open.toml`)
//! with Adam(ε = 0) or Muon-Adam under overridable hyper-parameters, saves θ when log L first
//! crosses each checkpoint level, and at every checkpoint and the final θ prints
//!
//! * the spread of the large coordinates: for Adam the coordinates with |θ_j| ≥ 0.5‖θ‖∞ and
//!   their ratios r_j = |θ_j|/‖θ‖∞ (count, min, quantiles, the fraction with r ≥ 0.99); for
//!   Muon-Adam the atoms of the hybrid norm N = max{w_M·σ_max(W), ‖u‖∞} — w_M·σ_i(W) and |u_j| —
//!   divided by N;
//! * ‖θ‖∞ / Σ_{s≤t} η(s) (Lemma B.10 of [M]: |θ_t[j]| ≤ Σ η (1 + O((Σ η)^{-1/2})));
//! * the gradient-weighted spread τ_g = 1 − Σ_j |g_j| r_j [sign θ_j = −sign g_j] / Σ_j |g_j|
//!   with g the loss gradient at the checkpoint (for ℓ∞ the KKT vector v ∝ −g must live on
//!   coordinates with r_j ≥ 1 − τ on average, so τ_g is roughly the τ the certificate needs);
//! * the KKT gap κ(τ) (and its certified lower bound) of the own norm for every τ of `--taus`,
//!   and τ_min = the smallest τ of the grid with κ ≤ κ_kkt (the case's κ_kkt);
//! * κ and the lower bound at the case's τ for every norm of `--norms` (e.g. wrongly weighted
//!   hybrids);
//! * the Adam ratio m̂/√v̂ (read off the step: Δθ_j = −η_A m̂_j/√v̂_j for ε = 0) against sign(g)
//!   on the Adam coordinates whose gradient is significant (|g_j| > 0.01‖g‖∞): the fraction
//!   with |m̂/√v̂| ≥ 0.99, the sign agreement and quantiles of |m̂/√v̂|.
//!
//! Output: one CSV row per (point, τ) on stdout after a `#` header, plus the run's wall time.
//!
//! ```text
//! cargo run --release --example adam_spread -- [--opt adam|muon_adam] [--beta1 0.9]
//!     [--beta2 0.95] [--beta-muon 0.9] [--lr-ratio 1] [--eta0 0.1] [--decay 0.7]
//!     [--steps 200000] [--levels -10,-100,-1000,-3000] [--taus 0.005,0.01,...]
//!     [--norms hybrid:1:1,linf] [--case fixtures/cases/tl_relu2_adam_eps0_open.toml]
//! ```

use implicit_bias::error::Result;
use implicit_bias::kkt::{check, CheckConfig};
use implicit_bias::linalg::singular_values;
use implicit_bias::norms::NormSpec;
use implicit_bias::optim::{
    Adam, OptState, Optimizer, Partition, ScaledGrad, Schedule, ScheduleClass, Signum, Step,
};
use implicit_bias::params::Layout;
use implicit_bias::theorem_case::TheoremCase;
use implicit_bias::train::train;
use std::path::Path;
use std::sync::Mutex;

/// The Adam ratio and the gradient at one step.
#[derive(Debug, Clone)]
struct Snap {
    t: u64,
    /// Σ_{s ≤ t} η(s) (before the group's lr factor).
    eta_sum: f64,
    /// m̂/√v̂ on the Adam coordinates (NaN elsewhere).
    ratio: Vec<f64>,
    /// ĝ (the gradient direction; any positive scale).
    grad: Vec<f64>,
    /// log-scale c of the gradient (∇L = e^c ĝ) at t and at t − 1.
    log_scale: f64,
    prev_log_scale: f64,
}

/// Wraps an optimizer and records (m̂/√v̂, g) at log-spaced steps and at `last`.
#[derive(Debug)]
struct Recorder {
    inner: Box<dyn Optimizer>,
    /// Adam coordinate range and its lr factor (η_A = factor·η).
    adam: std::ops::Range<usize>,
    factor: f64,
    last: u64,
    snaps: Mutex<Vec<Snap>>,
    eta_sum: Mutex<f64>,
    last_log_scale: Mutex<f64>,
}

impl Recorder {
    fn wanted(&self, t: u64) -> bool {
        if t == self.last || t <= 10 {
            return true;
        }
        // 20 per decade.
        let x = (t as f64).log10() * 20.0;
        let prev = ((t - 1) as f64).log10() * 20.0;
        x.floor() != prev.floor()
    }
}

impl Optimizer for Recorder {
    fn name(&self) -> String {
        self.inner.name()
    }
    fn init(&self, layout: &Layout) -> Result<OptState> {
        self.inner.init(layout)
    }
    fn update(
        &self,
        grad: ScaledGrad<'_>,
        state: &mut OptState,
        step: &Step<'_>,
        delta: &mut [f64],
    ) -> Result<()> {
        self.inner.update(grad, state, step, delta)?;
        let es = {
            let mut e = self.eta_sum.lock().unwrap();
            *e += step.lr;
            *e
        };
        let prev_c = std::mem::replace(&mut *self.last_log_scale.lock().unwrap(), grad.log_scale);
        if self.wanted(step.t) {
            let lr = step.lr * self.factor;
            let mut ratio = vec![f64::NAN; delta.len()];
            for j in self.adam.clone() {
                ratio[j] = -delta[j] / lr;
            }
            self.snaps.lock().unwrap().push(Snap {
                t: step.t,
                eta_sum: es,
                ratio,
                grad: grad.dir.to_vec(),
                log_scale: grad.log_scale,
                prev_log_scale: prev_c,
            });
        }
        Ok(())
    }
    fn implicit_norm(&self, layout: &Layout, state: Option<&OptState>) -> Option<NormSpec> {
        self.inner.implicit_norm(layout, state)
    }
    fn theorem(&self) -> &'static str {
        self.inner.theorem()
    }
    fn schedule_class(&self) -> ScheduleClass {
        self.inner.schedule_class()
    }
    fn step_norm(&self, layout: &Layout) -> Option<NormSpec> {
        self.inner.step_norm(layout)
    }
}

fn arg<'a>(args: &'a [String], key: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == key)
        .and_then(|i| args.get(i + 1))
        .map(|s| s.as_str())
}

fn num(args: &[String], key: &str, default: f64) -> f64 {
    arg(args, key).map_or(default, |s| s.parse().expect(key))
}

fn list(args: &[String], key: &str, default: &str) -> Vec<String> {
    arg(args, key)
        .unwrap_or(default)
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.to_string())
        .collect()
}

/// Quantile q of sorted xs (nearest rank).
fn quant(xs: &[f64], q: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let i = ((xs.len() - 1) as f64 * q).round() as usize;
    xs[i]
}

/// Spread of the atoms a (already normalized by the norm value): (n≥0.5, min, q25, q50, q75,
/// frac≥0.99 among n≥0.5, count ≥ 0.99, count ≥ 0.95, count ≥ 0.9, count ≥ 0.8).
fn spread(atoms: &[f64]) -> String {
    let mut big: Vec<f64> = atoms.iter().cloned().filter(|&r| r >= 0.5).collect();
    big.sort_by(f64::total_cmp);
    let c = |th: f64| big.iter().filter(|&&r| r >= th).count();
    format!(
        "{},{:.4},{:.4},{:.4},{:.4},{:.3},{},{},{},{}",
        big.len(),
        quant(&big, 0.0),
        quant(&big, 0.25),
        quant(&big, 0.5),
        quant(&big, 0.75),
        c(0.99) as f64 / big.len().max(1) as f64,
        c(0.99),
        c(0.95),
        c(0.9),
        c(0.8)
    )
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let case_path = arg(&args, "--case").unwrap_or("fixtures/cases/tl_relu2_adam_eps0_open.toml");
    let mut case = TheoremCase::load(Path::new(case_path))?;
    let opt_name = arg(&args, "--opt").unwrap_or("adam").to_string();
    let beta1 = num(&args, "--beta1", 0.9);
    let beta2 = num(&args, "--beta2", 0.95);
    let beta_muon = num(&args, "--beta-muon", 0.9);
    let lr_ratio = num(&args, "--lr-ratio", 1.0);
    let eta0 = num(&args, "--eta0", 0.1);
    let decay = num(&args, "--decay", 0.7);
    let steps = num(&args, "--steps", 200000.0) as u64;
    let levels: Vec<f64> = list(&args, "--levels", "-10,-100,-1000,-3000")
        .iter()
        .map(|s| s.parse().expect("--levels"))
        .collect();
    let taus: Vec<f64> = list(&args, "--taus", "0.005,0.01,0.02,0.05,0.1,0.2")
        .iter()
        .map(|s| s.parse().expect("--taus"))
        .collect();
    case.schedule = Schedule::Power { eta0, decay };
    case.train.max_steps = steps;
    case.train.checkpoints = levels.clone();
    case.train.target_log_loss = None;
    let setup = case.setup()?;
    let layout = setup.model.layout().clone();
    let (inner, adam, factor, own): (Box<dyn Optimizer>, _, f64, NormSpec) = match opt_name.as_str()
    {
        "adam" => (
            Box::new(Adam {
                beta1,
                beta2,
                eps: 0.0,
            }),
            0..layout.len(),
            1.0,
            NormSpec::Linf,
        ),
        "muon_adam" => {
            let u = layout.block("u").expect("two-layer layout has u").range();
            (
                Box::new(Partition::muon_adam(beta_muon, beta1, beta2, 0.0, lr_ratio)),
                u,
                lr_ratio,
                NormSpec::parse(&format!("hybrid:{lr_ratio}:1"))?,
            )
        }
        // Comparison: Signum (\[M\] Thm 3.3, ℓ∞) on the same data; no Adam ratio (the
        // recorded "ratio" is −Δθ/η = sign(m), so its columns read 1).
        "signum" => (
            Box::new(Signum { beta: beta1 }),
            0..layout.len(),
            1.0,
            NormSpec::Linf,
        ),
        o => panic!("unknown --opt {o}"),
    };
    let mut extra: Vec<NormSpec> = Vec::new();
    for s in list(&args, "--norms", "") {
        extra.push(NormSpec::parse(&s)?);
    }
    let rec = Recorder {
        inner,
        adam: adam.clone(),
        factor,
        last: steps,
        snaps: Mutex::new(Vec::new()),
        eta_sum: Mutex::new(0.0),
        last_log_scale: Mutex::new(f64::NAN),
    };
    let mut tc = setup.train.clone();
    tc.trace_norms.clear();
    tc.trace_per_decade = 0;
    let run = train(
        setup.model.as_ref(),
        &setup.data,
        case.train.loss,
        &rec,
        &tc,
        setup.theta0.clone(),
    )?;
    let train_secs = run.wall_seconds;
    let snaps = rec.snaps.into_inner().unwrap();
    let base_cfg = CheckConfig {
        trajectory: false,
        ..case.check_config()
    };
    let kappa_kkt = base_cfg.kappa_kkt;
    println!(
        "# opt={opt_name} beta1={beta1} beta2={beta2} beta_muon={beta_muon} lr_ratio={lr_ratio} \
         eta0={eta0} decay={decay} steps={steps} stop={} final_logL={:.1} train_secs={train_secs:.2} \
         kappa_kkt={kappa_kkt} own={own}",
        run.stop.as_str(),
        run.log_loss
    );
    println!(
        "#point,step,logL,linf_over_etasum,n_big,min,q25,q50,q75,frac99,n99,n95,n90,n80,tau_g,\
         ratio_nsig,ratio_frac99,ratio_signagree,ratio_min,ratio_q25,ratio_q50,ratio_max,ratio_t,balance,a,ratio_pred,all_q10,all_q50,all_q90,all_signagree"
    );
    let mut points: Vec<(String, u64, f64, Vec<f64>)> = run
        .checkpoints
        .iter()
        .map(|c| (format!("{}", c.level), c.step, c.log_loss, c.theta.clone()))
        .collect();
    points.push(("final".into(), run.steps, run.log_loss, run.theta.clone()));
    let mut kappa_rows = Vec::new();
    let t_check = std::time::Instant::now();
    for (label, step, ll, theta) in &points {
        // The snapshot at the step that produced θ (θ_step = θ_{step-1} + Δ_step), or the
        // closest one before it.
        let snap = snaps
            .iter()
            .rev()
            .find(|s| s.t <= (*step).max(1))
            .cloned()
            .unwrap_or_else(|| snaps[0].clone());
        let linf = theta.iter().fold(0.0_f64, |a, &x| a.max(x.abs()));
        // Atoms of the own norm, normalized.
        let atoms: Vec<f64> = if opt_name == "adam" {
            theta.iter().map(|x| x.abs() / linf).collect()
        } else {
            let wb = layout.block("W").unwrap();
            let (r, c) = wb.shape.as_matrix();
            let sv = singular_values(r, c, &theta[wb.range()])?;
            let mut a: Vec<f64> = sv.iter().map(|s| s * lr_ratio).collect();
            a.extend(theta[adam.clone()].iter().map(|x| x.abs()));
            let n = a.iter().cloned().fold(0.0, f64::max);
            a.iter().map(|x| x / n).collect()
        };
        // Gradient-weighted spread on the Adam coordinates (ℓ∞ part).
        let ua = theta[adam.clone()]
            .iter()
            .fold(0.0_f64, |a, &x| a.max(x.abs()));
        // Muon-Adam: block balance w_M·σ_max(W) / ‖u‖∞ (the own norm's weight w_M = lr_ratio).
        let balance = match layout.block("W") {
            Some(wb) if opt_name == "muon_adam" => {
                let (r, c) = wb.shape.as_matrix();
                lr_ratio * singular_values(r, c, &theta[wb.range()])?[0] / ua
            }
            _ => f64::NAN,
        };
        let (mut num_, mut den) = (0.0, 0.0);
        for j in adam.clone() {
            let g = snap.grad[j];
            den += g.abs();
            if theta[j] * g < 0.0 {
                num_ += g.abs() * theta[j].abs() / ua;
            }
        }
        let tau_g = 1.0 - num_ / den;
        // Adam ratio on the significant coordinates.
        let gmax = adam.clone().map(|j| snap.grad[j].abs()).fold(0.0, f64::max);
        let mut rs = Vec::new();
        let mut agree = 0usize;
        for j in adam.clone() {
            if snap.grad[j].abs() > 0.01 * gmax {
                let r = snap.ratio[j];
                rs.push(r.abs());
                if r * snap.grad[j] > 0.0 {
                    agree += 1;
                }
            }
        }
        rs.sort_by(f64::total_cmp);
        let n99 = rs.iter().filter(|&&r| r >= 0.99).count();
        // Per-step log-decay rate of ‖∇L‖∞, a = −(c_t − c_{t0})/(t − t0), over the previous
        // snapshot (≥ 1 step back; log-spaced, so a window of ≈ 12 % of t), and the ratio a
        // gradient g_j ∝ e^{−a t} would give (bias corrections → 1):
        //   m/√v → (1 − β1)/(1 − β1 e^a) · √((1 − β2 e^{2a})/(1 − β2)),  0 once β2 e^{2a} ≥ 1.
        let prev = snaps.iter().rev().find(|s| s.t < snap.t);
        let a = match prev {
            Some(p) => -(snap.log_scale - p.log_scale) / (snap.t - p.t) as f64,
            None => -(snap.log_scale - snap.prev_log_scale),
        };
        let pred = {
            let x = 1.0 - beta2 * (2.0 * a).exp();
            if x <= 0.0 {
                0.0
            } else {
                (1.0 - beta1) / (1.0 - beta1 * a.exp()) * (x / (1.0 - beta2)).sqrt()
            }
        };
        // All Adam coordinates: quantiles of |m/√v| and the sign agreement with g.
        let mut all: Vec<f64> = adam.clone().map(|j| snap.ratio[j].abs()).collect();
        all.sort_by(f64::total_cmp);
        let agree_all = adam
            .clone()
            .filter(|&j| snap.ratio[j] * snap.grad[j] > 0.0)
            .count() as f64
            / adam.len() as f64;
        println!(
            "{label},{step},{ll:.1},{:.4},{},{tau_g:.4},{},{:.3},{:.3},{:.4},{:.4},{:.4},{:.4},{},{balance:.4},{a:.4e},{pred:.4},{:.4},{:.4},{:.4},{agree_all:.3}",
            ua / snap.eta_sum / factor,
            spread(&atoms),
            rs.len(),
            n99 as f64 / rs.len().max(1) as f64,
            agree as f64 / rs.len().max(1) as f64,
            quant(&rs, 0.0),
            quant(&rs, 0.25),
            quant(&rs, 0.5),
            quant(&rs, 1.0),
            snap.t,
            quant(&all, 0.1),
            quant(&all, 0.5),
            quant(&all, 0.9)
        );
        let mut tau_min = f64::NAN;
        for &tau in &taus {
            let cfg = CheckConfig {
                tau,
                ..base_cfg.clone()
            };
            let c = check(setup.model.as_ref(), &setup.data, theta, &own, &cfg)?;
            if tau_min.is_nan() && c.kappa <= kappa_kkt {
                tau_min = tau;
            }
            kappa_rows.push(format!(
                "{label},{step},{own},{tau},{:.4e},{:.4e},{},{:.4}",
                c.kappa,
                c.kappa_lower_bound,
                c.verdict.as_str(),
                c.margin
            ));
        }
        kappa_rows.push(format!("{label},{step},{own},tau_min,{tau_min},,,"));
        for n in &extra {
            let c = check(setup.model.as_ref(), &setup.data, theta, n, &base_cfg)?;
            kappa_rows.push(format!(
                "{label},{step},{n},{},{:.4e},{:.4e},{},{:.4}",
                base_cfg.tau,
                c.kappa,
                c.kappa_lower_bound,
                c.verdict.as_str(),
                c.margin
            ));
        }
    }
    println!("#point,step,norm,tau,kappa,kappa_lb,verdict,margin");
    for r in kappa_rows {
        println!("{r}");
    }
    println!("# check_secs={:.2}", t_check.elapsed().as_secs_f64());
    Ok(())
}
