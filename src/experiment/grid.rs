//! Running an experiment: the grid of (model spec × run × seed) jobs in a fixed order
//! ([`ExperimentConfig::jobs`]), one job ([`run_one`]: train, trace, check the final θ) and
//! the whole grid in parallel with hooks for progress and cancellation ([`run_grid`]), or
//! sequentially ([`run_experiment`]).

use super::records::{write_run, write_trace_csv, RunRecord};
use super::schema::ExperimentConfig;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::models::ModelSpec;
use crate::norms::NormSpec;
use crate::params::{Layout, Params};
use crate::train::{StopReason, TrainConfig};
use std::collections::BTreeMap;
use std::path::Path;

/// One (model spec × run × seed) job of an experiment grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Index of the model spec in [`crate::experiment::ModelConfig::all_specs`].
    pub spec_index: usize,
    /// The model spec string.
    pub spec: String,
    /// Index of the run in `[[runs]]`.
    pub run_index: usize,
    /// The run label.
    pub label: String,
    /// The seed.
    pub seed: u64,
    /// File stem of the run's JSON (`<label>-<seed>`, or `<label>-<model>-<seed>` when the
    /// config has several model specs; characters other than `[A-Za-z0-9._-]` become `_`).
    pub file_stem: String,
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Seed offset of a run's mini-batch sampler relative to its initialization seed.
pub const BATCH_SEED_XOR: u64 = 0xB5AD_4ECE_DA1C_E2A9;

impl ExperimentConfig {
    /// The grid in a fixed order: model spec, then run, then seed. Results and files follow
    /// this order whatever the number of threads.
    pub fn jobs(&self) -> Vec<Job> {
        let specs = self.model.all_specs();
        let multi = specs.len() > 1;
        let mut out = Vec::new();
        for (si, spec) in specs.iter().enumerate() {
            for (ri, run) in self.runs.iter().enumerate() {
                for &seed in &self.train.seeds {
                    let label = run.label_for(&self.train);
                    let file_stem = if multi {
                        format!("{label}-{}-{seed}", sanitize(spec))
                    } else {
                        format!("{label}-{seed}")
                    };
                    out.push(Job {
                        spec_index: si,
                        spec: spec.clone(),
                        run_index: ri,
                        label,
                        seed,
                        file_stem,
                    });
                }
            }
        }
        out
    }
}

/// cos(θ_t, θ_T) for every kept iterate.
fn cosines_to_last(iterates: &[(u64, Vec<f64>)], last: &[f64]) -> Vec<(u64, f64)> {
    let nl = crate::params::norm2(last);
    iterates
        .iter()
        .map(|(t, th)| {
            let n = crate::params::norm2(th);
            let c = if n > 0.0 && nl > 0.0 {
                (crate::params::dot(th, last) / (n * nl)).clamp(-1.0, 1.0)
            } else {
                f64::NAN
            };
            (*t, c)
        })
        .collect()
}

/// Run one job of an experiment on already-loaded data (`test`: the `[data.test]` set).
/// `observer` sees (step, log L) every [`crate::train::OBSERVE_EVERY`] steps and may stop the
/// run (the record then has [`StopReason::Interrupted`] and is not checked).
pub fn run_one(
    cfg: &ExperimentConfig,
    data: &Dataset,
    test: Option<&Dataset>,
    job: &Job,
    observer: &mut dyn FnMut(u64, f64) -> bool,
) -> Result<RunRecord> {
    let run = cfg
        .runs
        .get(job.run_index)
        .ok_or_else(|| Error::Config(format!("no run with index {}", job.run_index)))?;
    let seed = job.seed;
    let spec = ModelSpec::parse(&job.spec)?;
    let (model, theta0) =
        crate::params_io::instantiate(&spec, data.d(), data.outputs(), &cfg.model.init, seed)?;
    let opt = run.optimizer.build()?;
    let norms = &cfg.train.norms;
    let schedule = run.schedule_for(&job.spec);
    let tc = TrainConfig {
        schedule,
        max_steps: cfg.train.max_steps,
        target_log_loss: cfg.target_log_loss(),
        time_limit_secs: cfg.train.time_limit_secs,
        trace_norms: norms.clone(),
        trace_per_decade: cfg.train.trace_per_decade,
        checkpoint_log_losses: Vec::new(),
        keep_iterates: true,
        batch_size: run.batch(&cfg.train),
        // The sampler's stream: the run's seed, decorrelated from the initialization's.
        batch_seed: seed ^ BATCH_SEED_XOR,
    };
    let mut res = crate::train::train_observed(
        model.as_ref(),
        data,
        cfg.train.loss,
        opt.as_ref(),
        &tc,
        theta0,
        observer,
    )?;
    let cosine_to_last = cosines_to_last(&res.iterates, &res.theta);
    res.iterates = Vec::new();
    let interrupted = matches!(res.stop, StopReason::Interrupted { .. });
    let test_accuracy = match test {
        Some(t) if !interrupted => {
            model.validate_data(t)?;
            let mut ws = model.workspace(t.m());
            let mut q = vec![0.0; t.margin_rows()];
            model.margins(&res.theta, t, &mut ws, &mut q);
            let correct = crate::margin::correct_samples(&q, t.rows_per_sample());
            Some(correct as f64 / t.m() as f64)
        }
        _ => None,
    };
    // `None` for every other optimizer (its state is not AdaGrad's).
    let adagrad_h_inv_sqrt = crate::optim::AdaGrad::h_inv_sqrt(&res.state).ok();
    let layout: Layout = model.layout().clone();
    let last = res.trace.last();
    let mut margins = BTreeMap::new();
    for (i, n) in norms.iter().enumerate() {
        if let Some(p) = last {
            margins.insert(n.to_string(), p.margins[i]);
        }
    }
    let frozen_u = model.frozen_output().map(|u| u.to_vec());
    let mut check = BTreeMap::new();
    let mut check_error = None;
    let check_this_seed = match &cfg.check.seeds {
        None => true,
        Some(v) => v.contains(&seed),
    };
    if cfg.check.enabled && !interrupted && check_this_seed {
        let check_norms: &[NormSpec] = cfg.check.norms.as_deref().unwrap_or(norms);
        if !check_norms.is_empty() {
            // The optimizer's own norm is always certified too (under its spec string, e.g.
            // AdaGrad's `weighted_l2` with the final state's weights), so the report can show
            // the own-norm verdict even when it is not among the requested norms.
            match crate::kkt::check_set(
                model.as_ref(),
                data,
                &res.theta,
                check_norms,
                res.implicit_norm.as_ref(),
                &cfg.check.config,
            ) {
                // Non-separated data, θ = 0, …: recorded, not fatal for the experiment.
                Err(e) => check_error = Some(e.to_string()),
                Ok(set) => {
                    for (n, c) in check_norms.iter().zip(set.certs) {
                        check.insert(n.to_string(), c);
                    }
                    if let Some(c) = set.own {
                        check.entry(c.norm.clone()).or_insert(c);
                    }
                }
            }
        }
    }
    Ok(RunRecord {
        label: run.label_for(&cfg.train),
        seed,
        optimizer: run.optimizer.clone(),
        schedule,
        model: spec.to_string(),
        degree: model.degree(),
        loss: cfg.train.loss,
        data: cfg.data.clone(),
        m: data.m(),
        d: data.d(),
        theta: Params::new(layout, res.theta.clone())?,
        frozen_u,
        steps: res.steps,
        final_log10_loss: res.log_loss / std::f64::consts::LN_10,
        stop: res.stop.clone(),
        separated: last.is_some_and(|p| p.q_min > 0.0),
        margins,
        check,
        check_error,
        implicit_norm: res.implicit_norm.as_ref().map(|n| n.to_string()),
        schedule_check: schedule.check(opt.schedule_class(), model.degree()),
        trace_norms: norms.iter().map(|n| n.to_string()).collect(),
        trace: res.trace,
        cosine_to_last,
        test_accuracy,
        adagrad_h_inv_sqrt,
        wall_seconds: res.wall_seconds,
    })
}

/// Callbacks of [`run_grid`] (all called from worker threads).
pub trait GridHooks: Sync {
    /// A job starts.
    fn start(&self, _index: usize, _job: &Job) {}
    /// Progress of a running job: (step, natural-log loss).
    fn progress(&self, _index: usize, _step: u64, _log_loss: f64) {}
    /// A job finished (completed or interrupted).
    fn finish(&self, _index: usize, _record: &RunRecord) {}
}

/// Hooks that do nothing.
pub struct NoHooks;
impl GridHooks for NoHooks {}

/// Options of [`run_grid`].
#[derive(Debug, Clone, Default)]
pub struct GridOptions {
    /// Worker threads (0 = one per core). Results do not depend on it: every job is
    /// independent and single-threaded, and outputs follow the grid order ([`ExperimentConfig::jobs`]).
    pub jobs: usize,
    /// Set to stop: running jobs end at their next observation point and are discarded,
    /// jobs not yet started are skipped; completed runs stay written.
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

/// Result of [`run_grid`].
#[derive(Debug)]
pub struct GridOutcome {
    /// Completed runs, in grid order.
    pub records: Vec<RunRecord>,
    /// Whether the grid was cancelled before every job completed.
    pub interrupted: bool,
    /// Wall time of the whole grid, seconds.
    pub wall_seconds: f64,
}

/// The number of worker threads: `requested` (0 = one per core), at most the number of jobs
/// and [`crate::resources::MAX_JOBS`].
pub fn worker_threads(requested: usize, jobs: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let want = if requested == 0 { cores } else { requested };
    want.min(jobs.max(1)).min(crate::resources::MAX_JOBS)
}

/// Everything that can be checked before anything is written or trained: for every model
/// spec, the model on the data (dimension, labels, the test set), every traced and checked
/// norm on its layout, every run's optimizer on its layout, and the memory of `threads`
/// concurrent runs ([`crate::train::training_bytes`]) against the budget
/// ([`crate::resources`]). A config that passes can still fail numerically, never on input.
pub fn preflight(
    cfg: &ExperimentConfig,
    data: &Dataset,
    test: Option<&Dataset>,
    threads: usize,
) -> Result<()> {
    let mut worst = 0u128;
    for sp in cfg.model.all_specs() {
        let spec = ModelSpec::parse(&sp)?;
        // Frozen nets need their u to be built: instantiate draws it (seed 0).
        let model = if spec.is_frozen() {
            crate::params_io::instantiate(&spec, data.d(), data.outputs(), &cfg.model.init, 0)?.0
        } else {
            spec.build_for(data.d(), data.outputs(), None)?
        };
        model.validate_data(data)?;
        if let Some(t) = test {
            model.validate_data(t)?;
        }
        let layout = model.layout();
        let norms = cfg
            .train
            .norms
            .iter()
            .chain(cfg.check.norms.iter().flatten());
        for n in norms {
            n.build(layout).map_err(|e| match e {
                Error::Config(msg) => Error::Config(format!("model `{sp}`, norm `{n}`: {msg}")),
                other => other,
            })?;
        }
        for r in &cfg.runs {
            r.optimizer.build()?.init(layout).map_err(|e| match e {
                Error::Config(msg) => Error::Config(format!(
                    "run `{}` on model `{sp}`: {msg}",
                    r.label_for(&cfg.train)
                )),
                other => other,
            })?;
        }
        let tc = TrainConfig {
            max_steps: cfg.train.max_steps,
            trace_per_decade: cfg.train.trace_per_decade,
            keep_iterates: true,
            batch_size: cfg.train.batch_size,
            ..TrainConfig::default()
        };
        worst = worst.max(crate::train::training_bytes(
            layout.len(),
            data.m(),
            data.d(),
            &tc,
        ));
    }
    crate::resources::reserve(
        &format!("{threads} concurrent runs"),
        worst.saturating_mul(threads as u128),
    )
}

/// Create the output directory (and its parents); a path that exists and is not a
/// directory is an [`Error::Config`].
fn prepare_out_dir(out: &Path) -> Result<()> {
    if out.exists() && !out.is_dir() {
        return Err(Error::Config(format!(
            "--out {} exists and is not a directory",
            out.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))
}

/// Run every job of an experiment in parallel (rayon, `opts.jobs` threads), writing each
/// completed run's JSON atomically as soon as it finishes, then `DIR/trace.csv` and a copy
/// of the config (`DIR/config.toml`, for `implicit-bias report`).
pub fn run_grid(
    cfg: &ExperimentConfig,
    base: &Path,
    out: &Path,
    opts: &GridOptions,
    hooks: &dyn GridHooks,
) -> Result<GridOutcome> {
    use rayon::prelude::*;
    use std::sync::atomic::Ordering;
    let t0 = std::time::Instant::now();
    let data = cfg.data.load(base)?;
    let test = cfg.data.load_test(base)?;
    let jobs = cfg.jobs();
    let threads = worker_threads(opts.jobs, jobs.len());
    preflight(cfg, &data, test.as_ref(), threads)?;
    prepare_out_dir(out)?;
    let cfg_text = toml::to_string_pretty(cfg).map_err(|e| Error::Config(e.to_string()))?;
    let cfg_path = out.join("config.toml");
    crate::write_file::write_atomic(&cfg_path, cfg_text.as_bytes())?;
    let cancelled = || {
        opts.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::SeqCst))
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Config(format!("thread pool: {e}")))?;
    let results: Vec<Result<Option<RunRecord>>> = pool.install(|| {
        jobs.par_iter()
            .enumerate()
            .map(|(i, job)| {
                if cancelled() {
                    return Ok(None);
                }
                hooks.start(i, job);
                let mut obs = |step: u64, ll: f64| {
                    hooks.progress(i, step, ll);
                    !cancelled()
                };
                let rec = run_one(cfg, &data, test.as_ref(), job, &mut obs)?;
                hooks.finish(i, &rec);
                if !rec.completed() {
                    return Ok(None);
                }
                write_run(out, &job.file_stem, &rec)?;
                Ok(Some(rec))
            })
            .collect()
    });
    let mut records = Vec::with_capacity(jobs.len());
    for r in results {
        if let Some(rec) = r? {
            records.push(rec);
        }
    }
    write_trace_csv(out, &records)?;
    Ok(GridOutcome {
        interrupted: records.len() < jobs.len(),
        records,
        wall_seconds: t0.elapsed().as_secs_f64(),
    })
}

/// Run a whole experiment sequentially (one thread), calling `progress` before each job with
/// (index, total, label, seed); see [`run_grid`] for the parallel version.
pub fn run_experiment(
    cfg: &ExperimentConfig,
    base: &Path,
    out: &Path,
    progress: impl Fn(usize, usize, &str, u64) + Sync,
) -> Result<Vec<RunRecord>> {
    struct P<F>(F, usize);
    impl<F: Fn(usize, usize, &str, u64) + Sync> GridHooks for P<F> {
        fn start(&self, i: usize, job: &Job) {
            (self.0)(i, self.1, &job.label, job.seed)
        }
    }
    let total = cfg.jobs().len();
    let o = run_grid(
        cfg,
        base,
        out,
        &GridOptions {
            jobs: 1,
            cancel: None,
        },
        &P(progress, total),
    )?;
    Ok(o.records)
}
