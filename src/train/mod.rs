//! The training loop (full batch, or mini-batch with `batch_size`) and its trace.
//!
//! Each step t = 1, 2, …:
//! 1. q_i = y_i f(x_i; θ_{t−1}) (batched, [`Model::margins`]);
//! 2. log L = log Σ_i ℓ(q_i) and the gradient weights −ℓ'(q_i) = e^{c} w_i ([`Loss`]);
//! 3. ∇L(θ) = −e^{c} Σ_i w_i y_i ∇f(x_i; θ) = e^{c'} ĝ with ĝ rescaled to max_j |ĝ_j| = 1
//!    (the log-scale c' absorbs the rescaling), passed to the optimizer as a
//!    [`ScaledGrad`];
//! 4. θ_t = θ_{t−1} + Δθ with Δθ from [`Optimizer::update`] and η = η(t) from the
//!    [`Schedule`].
//!
//! **Mini-batch** (`batch_size = b < m`): step 3 uses the unbiased estimate
//! ∇̂L = (m/b)·Σ_{i∈B} ℓ'(q_i) y_i ∇f(x_i; θ) on a batch B from the seeded epoch-wise sampler
//! of [`crate::minibatch`] (every optimizer then sees a stochastic gradient; GD becomes SGD).
//! Steps 1–2 still evaluate the *full* data every step, so the loss, the stop rules, the
//! checkpoints and the trace are those of the full problem (and the trace's alignment uses the
//! full gradient); a batch whose gradient is exactly 0 while the full one is not leaves θ
//! unchanged for that step. b ≥ m is the full-batch path, bit-identical to no `batch_size`.
//!
//! Training stops at the first of: log L ≤ `target_log_loss`, `max_steps`, `time_limit_secs`,
//! or a failure that is detected and reported instead of looping forever (non-finite loss
//! or parameters = divergence; an exactly zero gradient with positive loss = stuck, e.g. all
//! hidden ReLU units dead; a misclassified sample with f(x_i) = 0 and ∇f(x_i) = 0 that stays
//! so for a whole decade of steps = dead sample, which bias-free ReLU nets can reach).
//!
//! The trace is recorded at log-spaced steps (`trace_per_decade` points per decade of t,
//! plus the first and last step) and holds log10 L, the hard and soft margins under each
//! requested norm, the alignment ⟨θ/N(θ), −g/N_*(g)⟩ for the optimizer's own norm, and the
//! train accuracy. Everything is deterministic: the same config and θ0 give bit-identical
//! results (a `time_limit_secs` stop is the only wall-clock-dependent outcome).

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::margin::{hard_margin_from, soft_margin_from};
use crate::models::Model;
use crate::norms::{Norm, NormSpec};
use crate::optim::{OptState, Optimizer, ScaledGrad, Schedule, Step};
use crate::params::{dot, Layout};
use serde::{Deserialize, Serialize};
use std::time::Instant;

mod stop;
pub use stop::StopReason;

/// Configuration of one training run.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Learning-rate schedule η(t).
    pub schedule: Schedule,
    /// Step cap.
    pub max_steps: u64,
    /// Stop once the natural-log loss log L(θ) ≤ this (e.g. `(1e-8f64).ln()`; −2000 for
    /// L = e^{−2000}). `None`: run to `max_steps`.
    pub target_log_loss: Option<f64>,
    /// Wall-clock cap in seconds (`None`: no cap). Stopping by time is not reproducible.
    pub time_limit_secs: Option<f64>,
    /// Norms under which the trace records hard and soft margins.
    pub trace_norms: Vec<NormSpec>,
    /// Trace points per decade of steps (log-spaced); 0 records only the first and last step.
    pub trace_per_decade: u32,
    /// Save θ the first time log L drops to or below each of these natural-log levels
    /// (for checking θ at several points of one run, e.g. −10, −100, −1000).
    pub checkpoint_log_losses: Vec<f64>,
    /// Keep θ at every trace point (for cosine-to-last-iterate curves; costs p floats per point).
    pub keep_iterates: bool,
    /// Mini-batch size b (module docs); `None` or b ≥ m: full batch.
    pub batch_size: Option<usize>,
    /// Seed of the mini-batch sampler (unused for full batch).
    pub batch_seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            schedule: Schedule::Constant { eta0: 0.1 },
            max_steps: 10_000,
            target_log_loss: None,
            time_limit_secs: None,
            trace_norms: Vec::new(),
            trace_per_decade: 10,
            checkpoint_log_losses: Vec::new(),
            keep_iterates: false,
            batch_size: None,
            batch_seed: 0,
        }
    }
}

/// One trace record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracePoint {
    /// Number of steps taken before this record (0 = the initialization).
    pub step: u64,
    /// log10 L(θ).
    #[serde(with = "crate::json_f64::scalar")]
    pub log10_loss: f64,
    /// Learning rate of the next step η(step + 1).
    #[serde(with = "crate::json_f64::scalar")]
    pub lr: f64,
    /// Hard margins γ_N(θ), one per trace norm (same order as `TrainConfig::trace_norms`).
    #[serde(with = "crate::json_f64::vec")]
    pub margins: Vec<f64>,
    /// Soft margins γ̃_N(θ), one per trace norm.
    #[serde(with = "crate::json_f64::vec")]
    pub soft_margins: Vec<f64>,
    /// ⟨θ, −∇L⟩ / (N(θ)·N_*(∇L)) ∈ [−1, 1] for the optimizer's own norm N (None when the
    /// optimizer has no step norm or θ = 0). Tends to 1 at a KKT direction (\[M\] Thm C.8).
    #[serde(with = "crate::json_f64::option")]
    pub alignment: Option<f64>,
    /// Fraction of samples with q_i > 0.
    #[serde(with = "crate::json_f64::scalar")]
    pub train_accuracy: f64,
    /// min_i q_i (unnormalized).
    #[serde(with = "crate::json_f64::scalar")]
    pub q_min: f64,
}

/// θ saved when the loss first crossed a level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The natural-log loss level that was crossed.
    #[serde(with = "crate::json_f64::scalar")]
    pub level: f64,
    /// Step at which it was crossed.
    pub step: u64,
    /// log L at that step.
    #[serde(with = "crate::json_f64::scalar")]
    pub log_loss: f64,
    /// θ at that step.
    #[serde(with = "crate::json_f64::vec")]
    pub theta: Vec<f64>,
}

/// Output of [`train`].
pub struct TrainResult {
    /// Final parameters.
    pub theta: Vec<f64>,
    /// Steps taken.
    pub steps: u64,
    /// Final natural-log loss log L(θ).
    pub log_loss: f64,
    /// Why the run stopped.
    pub stop: StopReason,
    /// The log-spaced trace.
    pub trace: Vec<TracePoint>,
    /// θ at the requested loss levels.
    pub checkpoints: Vec<Checkpoint>,
    /// (step, θ) at every trace point when `keep_iterates` was set.
    pub iterates: Vec<(u64, Vec<f64>)>,
    /// Final optimizer state (e.g. AdaGrad's accumulated squares for h∞).
    pub state: OptState,
    /// The optimizer's implicit norm read with its final state.
    pub implicit_norm: Option<NormSpec>,
    /// Wall time in seconds.
    pub wall_seconds: f64,
}

impl std::fmt::Debug for TrainResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrainResult")
            .field("steps", &self.steps)
            .field("log_loss", &self.log_loss)
            .field("stop", &self.stop)
            .field("trace_len", &self.trace.len())
            .field("implicit_norm", &self.implicit_norm)
            .field("wall_seconds", &self.wall_seconds)
            .finish()
    }
}

/// Log-spaced trace schedule: is step `t` (steps taken so far) a trace point?
fn is_trace_step(t: u64, per_decade: u32) -> bool {
    if t <= 1 {
        return true;
    }
    if per_decade == 0 {
        return false;
    }
    // t is a trace point when floor(per_decade·log10 t) > floor(per_decade·log10 (t−1)).
    let k = |s: u64| (per_decade as f64 * (s as f64).log10()).floor() as i64;
    k(t) > k(t - 1)
}

struct TraceNorms {
    norms: Vec<Box<dyn Norm>>,
    own: Option<Box<dyn Norm>>,
}

#[allow(clippy::too_many_arguments)]
fn record(
    model: &dyn Model,
    layout: &Layout,
    loss: Loss,
    tn: &TraceNorms,
    step: u64,
    theta: &[f64],
    q: &[f64],
    log_loss: f64,
    neg_grad_dir: Option<&[f64]>,
    lr: f64,
    group: usize,
) -> TracePoint {
    let degree = model.degree();
    let q_min = q.iter().cloned().fold(f64::INFINITY, f64::min);
    let mut margins = Vec::with_capacity(tn.norms.len());
    let mut soft = Vec::with_capacity(tn.norms.len());
    for n in &tn.norms {
        let nv = n.value(layout, theta);
        if nv > 0.0 && nv.is_finite() {
            margins.push(hard_margin_from(q_min, nv, degree));
            soft.push(soft_margin_from(loss, log_loss, nv, degree));
        } else {
            margins.push(f64::NAN);
            soft.push(f64::NAN);
        }
    }
    let alignment = match (&tn.own, neg_grad_dir) {
        (Some(n), Some(g)) => {
            let nt = n.value(layout, theta);
            let ng = n.dual(layout, g);
            if nt > 0.0 && ng > 0.0 && nt.is_finite() && ng.is_finite() {
                Some(dot(theta, g) / (nt * ng))
            } else {
                None
            }
        }
        _ => None,
    };
    let correct = crate::margin::correct_samples(q, group);
    TracePoint {
        step,
        log10_loss: log_loss / std::f64::consts::LN_10,
        lr,
        margins,
        soft_margins: soft,
        alignment,
        train_accuracy: correct as f64 / (q.len() / group.max(1)).max(1) as f64,
        q_min,
    }
}

/// Find a misclassified margin row (q_r ≤ 0) whose gradient ∇q_r is exactly zero (the
/// first); returns its sample.
fn find_dead_sample(model: &dyn Model, data: &Dataset, theta: &[f64], q: &[f64]) -> Option<usize> {
    let mut g = vec![0.0; theta.len()];
    let mut s = vec![0.0; data.outputs()];
    for (r, &qr) in q.iter().enumerate() {
        if qr <= 0.0 {
            let i = data.row_combo(r, &mut s);
            model.combo_gradient(theta, &data.row(i), &s, &mut g);
            if g.iter().all(|v| *v == 0.0) {
                return Some(i);
            }
        }
    }
    None
}

/// An upper estimate of the memory [`train_observed`] allocates, in bytes: θ, Δθ, the
/// candidate θ + Δθ and the gradient (4p), optimizer buffers (≤ 4p), the margins and
/// weights (2m), the model's workspace (≤ 3 m×(⌈p/d⌉ + 1): the two-layer net's m × k
/// activations), the iterates kept at the trace points when `keep_iterates` is set
/// (≤ (trace_per_decade + 1) per decade of steps, each p floats), and the mini-batch buffers.
pub fn training_bytes(p: usize, m: usize, d: usize, cfg: &TrainConfig) -> u128 {
    let (p, m) = (p as u128, m as u128);
    let hidden = p.div_ceil(d.max(1) as u128) + 1;
    let decades = (cfg.max_steps.max(1) as f64).log10().ceil() as u128 + 1;
    let iterates = if cfg.keep_iterates {
        (u128::from(cfg.trace_per_decade) + 1) * decades + 2
    } else {
        0
    };
    // A mini-batch run adds its batch (b × d features, b labels), margins, weights, a
    // workspace for b samples and the full gradient's direction (p).
    let batch = match cfg.batch_size {
        Some(b) if (b as u128) < m => {
            let b = b as u128;
            b * (d as u128 + 3) + 3 * b * hidden + p
        }
        _ => 0,
    };
    let floats = 8 * p + 2 * m + 3 * m * hidden + iterates * p + batch;
    crate::resources::f64_bytes(floats)
}

/// Train `model` on `data` with `loss` and `optimizer` from `theta0` (full batch).
///
/// Errors only for invalid input (θ0 not matching the layout, data of the wrong dimension,
/// an invalid schedule, a norm that does not fit the layout, an optimizer error); numerical
/// failures during training end the run with a failure [`StopReason`] and the last finite θ.
pub fn train(
    model: &dyn Model,
    data: &Dataset,
    loss: Loss,
    optimizer: &dyn Optimizer,
    cfg: &TrainConfig,
    theta0: Vec<f64>,
) -> Result<TrainResult> {
    train_observed(model, data, loss, optimizer, cfg, theta0, &mut |_, _| true)
}

/// How often (in steps) [`train_observed`] calls its observer.
pub const OBSERVE_EVERY: u64 = 256;

/// [`train`] with an observer, called with (step, natural-log loss) at step 0 and every
/// [`OBSERVE_EVERY`] steps (for progress bars). Returning `false` stops the run with
/// [`StopReason::Interrupted`] (used for Ctrl-C). The observer cannot change the result
/// otherwise: an observed run that is not interrupted is bit-identical to [`train`].
pub fn train_observed(
    model: &dyn Model,
    data: &Dataset,
    loss: Loss,
    optimizer: &dyn Optimizer,
    cfg: &TrainConfig,
    theta0: Vec<f64>,
    observer: &mut dyn FnMut(u64, f64) -> bool,
) -> Result<TrainResult> {
    let start = Instant::now();
    let layout = model.layout().clone();
    layout.check(&theta0)?;
    model.validate_data(data)?;
    crate::resources::reserve(
        &format!(
            "training `{}` ({} parameters, {} samples)",
            model.name(),
            layout.len(),
            data.m()
        ),
        training_bytes(layout.len(), data.m(), data.d(), cfg),
    )?;
    cfg.schedule.validate()?;
    if let Some(t) = cfg.target_log_loss {
        if t.is_nan() {
            return Err(Error::Config("target_log_loss is NaN".into()));
        }
    }
    let tn = TraceNorms {
        norms: cfg
            .trace_norms
            .iter()
            .map(|s| s.build(&layout))
            .collect::<Result<Vec<_>>>()?,
        own: match optimizer.step_norm(&layout) {
            Some(s) => s.build(&layout).ok(),
            None => None,
        },
    };
    let m = data.m();
    let rows = data.margin_rows();
    let group = data.rows_per_sample();
    let p = layout.len();
    let mut theta = theta0;
    let mut state = optimizer.init(&layout)?;
    let mut ws = model.workspace(m);
    let mut q = vec![0.0; rows];
    let mut w = vec![0.0; rows];
    let mut s = vec![0.0; p];
    let mut delta = vec![0.0; p];
    let mut next = vec![0.0; p];
    let mut trace = Vec::new();
    let mut iterates = Vec::new();
    let mut checkpoints = Vec::new();
    let mut levels: Vec<f64> = cfg.checkpoint_log_losses.clone();
    levels.sort_by(|a, b| b.partial_cmp(a).unwrap_or(std::cmp::Ordering::Equal));
    let mut next_level = 0usize;
    let mut dead: Option<(usize, u64)> = None;
    let mut batching = match cfg.batch_size {
        Some(b) => crate::minibatch::MiniBatch::new(model, data, b, cfg.batch_seed)?,
        None => None,
    };
    // The full gradient's direction at trace steps of a mini-batch run (for the alignment).
    let mut full_dir = if batching.is_some() {
        vec![0.0; p]
    } else {
        Vec::new()
    };

    let mut steps: u64 = 0;
    let stop;
    let mut log_loss;
    loop {
        model.margins(&theta, data, &mut ws, &mut q);
        let (ll, c) = loss.log_loss_and_weights_grouped(&q, &mut w, group);
        log_loss = ll;
        if !log_loss.is_finite() || !crate::params::all_finite(&q) {
            stop = StopReason::Diverged { step: steps };
            break;
        }
        while next_level < levels.len() && log_loss <= levels[next_level] {
            checkpoints.push(Checkpoint {
                level: levels[next_level],
                step: steps,
                log_loss,
                theta: theta.clone(),
            });
            next_level += 1;
        }
        if steps.is_multiple_of(OBSERVE_EVERY) && !observer(steps, log_loss) {
            stop = StopReason::Interrupted { step: steps };
            break;
        }
        let reached = cfg.target_log_loss.is_some_and(|t| log_loss <= t);
        let out_of_steps = steps >= cfg.max_steps;
        let out_of_time = cfg
            .time_limit_secs
            .is_some_and(|lim| start.elapsed().as_secs_f64() >= lim);
        let tracing = is_trace_step(steps, cfg.trace_per_decade);
        let finishing = reached || out_of_steps || out_of_time;

        // Gradient: s = Σ w_i y_i ∇f(x_i); −∇L = e^{c} s (a batch estimate when batching).
        let c = match batching.as_mut() {
            None => {
                model.weighted_gradient(&theta, data, &w, &mut ws, &mut s);
                c
            }
            Some(mb) => mb.gradient(model, data, loss, &theta, &mut s),
        };
        // max_j |s_j| (NaN ignored, as `f64::max` does; exact in any order).
        let smax = crate::params::max_abs(&s);
        if !smax.is_finite() {
            stop = StopReason::Diverged { step: steps };
            break;
        }
        if smax > 0.0 {
            for v in s.iter_mut() {
                *v /= smax;
            }
        }
        // Mini-batch: the full gradient where the trace or the stuck test needs it.
        let full_max = if batching.is_some() && (tracing || finishing || smax == 0.0) {
            model.weighted_gradient(&theta, data, &w, &mut ws, &mut full_dir);
            let fm = crate::params::max_abs(&full_dir);
            if fm > 0.0 && fm.is_finite() {
                for v in full_dir.iter_mut() {
                    *v /= fm;
                }
            }
            Some(fm)
        } else {
            None
        };
        let (dir_for_trace, gmax) = match full_max {
            Some(fm) => (&full_dir[..], fm),
            None => (&s[..], smax),
        };
        if tracing || finishing {
            let lr_next = cfg.schedule.lr(steps + 1);
            trace.push(record(
                model,
                &layout,
                loss,
                &tn,
                steps,
                &theta,
                &q,
                log_loss,
                (gmax > 0.0).then_some(dir_for_trace),
                lr_next,
                group,
            ));
            if cfg.keep_iterates {
                iterates.push((steps, theta.clone()));
            }
            if !finishing {
                // A dead sample can revive when other samples move W, so only a sample that
                // stays dead for a whole decade of steps (and ≥ 1000 steps) stops the run.
                match (find_dead_sample(model, data, &theta, &q), dead) {
                    (Some(i), Some((j, since))) if i == j => {
                        if steps >= 10 * since.max(1) && steps - since >= 1000 {
                            stop = StopReason::DeadSample {
                                step: steps,
                                sample: i,
                            };
                            break;
                        }
                    }
                    (Some(i), _) => dead = Some((i, steps)),
                    (None, _) => dead = None,
                }
            }
        }
        if reached {
            stop = StopReason::TargetReached;
            break;
        }
        if out_of_steps {
            stop = StopReason::MaxSteps;
            break;
        }
        if out_of_time {
            stop = StopReason::TimeLimit;
            break;
        }
        if smax == 0.0 && gmax > 0.0 {
            // A mini-batch with zero gradient while the full one is not: no move this step.
            steps += 1;
            continue;
        }
        if smax == 0.0 {
            if let Some(i) = find_dead_sample(model, data, &theta, &q) {
                stop = StopReason::DeadSample {
                    step: steps,
                    sample: i,
                };
            } else {
                stop = StopReason::ZeroGradient { step: steps };
            }
            break;
        }
        // Loss gradient ∇L = e^{c + ln smax}·(−s).
        for v in s.iter_mut() {
            *v = -*v;
        }
        let t = steps + 1;
        let grad = ScaledGrad {
            log_scale: c + smax.ln(),
            dir: &s,
        };
        let step = Step {
            theta: &theta,
            layout: &layout,
            t,
            lr: cfg.schedule.lr(t),
        };
        match optimizer.update(grad, &mut state, &step, &mut delta) {
            Ok(()) => {}
            // A step whose true size overflows f64 is divergence, reported as a stop.
            Err(Error::Numerical(_)) => {
                stop = StopReason::Diverged { step: steps };
                break;
            }
            Err(e) => return Err(e),
        }
        // θ + Δθ into a second buffer, checked in one vectorizable pass, then swapped in (θ
        // keeps its last finite value on divergence).
        for ((nx, th), d) in next.iter_mut().zip(&theta).zip(&delta) {
            *nx = th + d;
        }
        if !crate::params::all_finite(&next) {
            stop = StopReason::Diverged { step: steps };
            break;
        }
        std::mem::swap(&mut theta, &mut next);
        steps = t;
    }
    if matches!(stop, StopReason::Diverged { .. }) {
        // Report the last trace point's loss rather than a non-finite value where possible.
        if !log_loss.is_finite() {
            log_loss = trace
                .last()
                .map(|p| p.log10_loss * std::f64::consts::LN_10)
                .unwrap_or(f64::NAN);
        }
    }
    let implicit_norm = optimizer.implicit_norm(&layout, Some(&state));
    Ok(TrainResult {
        theta,
        steps,
        log_loss,
        stop,
        trace,
        checkpoints,
        iterates,
        state,
        implicit_norm,
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::is_trace_step;

    #[test]
    fn trace_steps_are_log_spaced() {
        let pts: Vec<u64> = (0..=1000).filter(|&t| is_trace_step(t, 10)).collect();
        // 0, 1, then about 10 per decade over three decades.
        assert!(pts.len() >= 25 && pts.len() <= 35, "{pts:?}");
        assert_eq!(pts[0], 0);
        assert!(pts.contains(&10) && pts.contains(&100) && pts.contains(&1000));
    }
}
