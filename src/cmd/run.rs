//! `implicit-bias run CONFIG --out DIR [--jobs N] [--quiet]`: train the experiment grid in
//! parallel with a progress bar per running job, check every final direction, write the runs,
//! `trace.csv`, `report.md`, `report.json` and the figures. Ctrl-C, SIGTERM or SIGHUP stops
//! the running jobs, keeps every completed run's JSON and writes the report of the completed
//! runs; the exit status is then 128 + the signal (`signals.rs`).

use implicit_bias::error::{Error, Result};
use implicit_bias::experiment::{
    run_grid, ExperimentConfig, GridHooks, GridOptions, Job, RunRecord,
};
use implicit_bias::numfmt::kappa_with_bound;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// Progress bars: one per running job (step, log10 L, ETA), plus an overall counter.
struct Bars {
    multi: MultiProgress,
    overall: ProgressBar,
    bars: Mutex<Vec<Option<(ProgressBar, f64)>>>,
    max_steps: u64,
    target: Option<f64>,
    jobs: Vec<Job>,
}

impl Bars {
    fn new(cfg: &ExperimentConfig, visible: bool) -> Bars {
        let multi = MultiProgress::with_draw_target(if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        let jobs = cfg.jobs();
        let overall = multi.add(ProgressBar::new(jobs.len() as u64));
        overall.set_style(
            ProgressStyle::with_template("runs {pos}/{len} [{elapsed_precise}] {wide_bar}")
                .expect("static template"),
        );
        Bars {
            multi,
            overall,
            bars: Mutex::new(vec![None; jobs.len()]),
            max_steps: cfg.train.max_steps,
            target: cfg.target_log_loss(),
            jobs,
        }
    }
}

impl GridHooks for Bars {
    fn start(&self, index: usize, job: &Job) {
        let pb = self.multi.add(ProgressBar::new(1000));
        pb.set_style(
            ProgressStyle::with_template("{prefix:<28} [{bar:24}] {msg} ETA {eta}")
                .expect("static template")
                .progress_chars("=> "),
        );
        pb.set_prefix(job.file_stem.clone());
        if let Ok(mut b) = self.bars.lock() {
            b[index] = Some((pb, f64::NAN));
        }
    }

    fn progress(&self, index: usize, step: u64, log_loss: f64) {
        let Ok(mut b) = self.bars.lock() else { return };
        let Some((pb, l0)) = b[index].as_mut() else {
            return;
        };
        if l0.is_nan() {
            *l0 = log_loss;
        }
        // Fraction done: the larger of the step fraction and the log-loss fraction towards
        // the target (training usually stops at the target long before max_steps).
        let by_steps = step as f64 / self.max_steps.max(1) as f64;
        let by_loss = match self.target {
            Some(t) if *l0 > t => ((*l0 - log_loss) / (*l0 - t)).clamp(0.0, 1.0),
            _ => 0.0,
        };
        pb.set_position((by_steps.max(by_loss) * 1000.0) as u64);
        pb.set_message(format!(
            "step {step:>8} log10 L {:>9.3}",
            log_loss / std::f64::consts::LN_10
        ));
    }

    fn finish(&self, index: usize, record: &RunRecord) {
        if let Ok(mut b) = self.bars.lock() {
            if let Some((pb, _)) = b[index].take() {
                pb.finish_and_clear();
                self.multi.remove(&pb);
            }
        }
        self.overall.inc(1);
        let _ = self.multi.println(format!(
            "done {:<28} {:>8} steps, log10 L {:>9.3}, {:.1} s",
            self.jobs[index].file_stem, record.steps, record.final_log10_loss, record.wall_seconds
        ));
    }
}

/// Arguments of `run`.
pub struct Args {
    /// Config file.
    pub config: PathBuf,
    /// Output directory.
    pub out: PathBuf,
    /// Worker threads (0: one per core).
    pub jobs: usize,
    /// No progress output.
    pub quiet: bool,
}

/// Run the command; `Ok(true)` when interrupted.
pub fn run(a: Args) -> Result<bool> {
    let cfg = ExperimentConfig::load(&a.config)?;
    let base = a
        .config
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|| PathBuf::from("."));
    let cancel = Arc::new(AtomicBool::new(false));
    // SIGINT, SIGTERM and SIGHUP all stop the grid and keep the completed runs.
    super::signals::install(cancel.clone());
    let visible = !a.quiet && std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    let bars = Bars::new(&cfg, visible);
    let opts = GridOptions {
        jobs: a.jobs,
        cancel: Some(cancel),
    };
    let outcome = run_grid(&cfg, &base, &a.out, &opts, &bars)?;
    bars.overall.finish_and_clear();
    let records = outcome.records;
    if !a.quiet {
        eprintln!(
            "{} {} of {} runs in {:.1} s; wrote {}/runs/*.json and {}/trace.csv",
            if outcome.interrupted {
                "interrupted:"
            } else {
                "finished"
            },
            records.len(),
            cfg.jobs().len(),
            outcome.wall_seconds,
            a.out.display(),
            a.out.display()
        );
    }
    if records.is_empty() {
        return Ok(outcome.interrupted);
    }
    let rep = implicit_bias::report::write(&a.out, Some(&cfg), &records)?;
    print_table(&records);
    for e in rep.expectations.iter().filter(|e| !e.holds) {
        println!(
            "expected ordering not shown: `{}` {}: expected largest {:?}, measured {:?}",
            e.model, e.norm, e.expected, e.actual
        );
    }
    if !a.quiet {
        eprintln!(
            "wrote {}/report.md, {}/report.json and {} figures{}",
            a.out.display(),
            a.out.display(),
            rep.figures.len(),
            if outcome.interrupted {
                format!(
                    "; the report covers the completed runs only — rerun the config to finish, \
                     or `implicit-bias report {}` to regenerate",
                    a.out.display()
                )
            } else {
                String::new()
            }
        );
    }
    for r in records.iter().filter(|r| !r.separated) {
        eprintln!(
            "warning: run {} (seed {}, {}) did not separate the data: its margins are non-positive \
             and no max-margin statement applies",
            r.label, r.seed, r.model
        );
    }
    Ok(outcome.interrupted)
}

/// The final-margin table and the KKT table.
pub fn print_table(records: &[RunRecord]) {
    let Some(first) = records.first() else { return };
    let norms = &first.trace_norms;
    let multi_model = records.iter().any(|r| r.model != first.model);
    let name = |r: &RunRecord| {
        if multi_model {
            format!("{} [{}]", r.label, r.model)
        } else {
            r.label.clone()
        }
    };
    let w = records
        .iter()
        .map(|r| name(r).len())
        .max()
        .unwrap_or(3)
        .max(3);
    print!(
        "{:<w$} {:>5} {:>8} {:>11}",
        "run", "seed", "steps", "log10 loss"
    );
    for n in norms {
        print!(" {:>14}", format!("γ[{n}]"));
    }
    println!("  stop");
    for r in records {
        let ll = if r.final_log10_loss.abs() < 1e6 {
            format!("{:.3}", r.final_log10_loss)
        } else {
            format!("{:.3e}", r.final_log10_loss)
        };
        print!("{:<w$} {:>5} {:>8} {:>11}", name(r), r.seed, r.steps, ll);
        for n in norms {
            print!(" {:>14.6e}", r.margins.get(n).copied().unwrap_or(f64::NAN));
        }
        println!("  {}", r.stop.as_str());
    }
    let checked: Vec<String> = records
        .iter()
        .flat_map(|r| r.check.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if checked.is_empty() {
        return;
    }
    println!();
    println!("KKT gap κ (certified lower bound) and verdict per norm; own = the optimizer's implicit norm");
    print!("{:<w$} {:>5} {:>14}", "run", "seed", "own");
    for n in &checked {
        print!(" {n:>30}");
    }
    println!();
    for r in records
        .iter()
        .filter(|r| !r.check.is_empty() || r.check_error.is_some())
    {
        print!(
            "{:<w$} {:>5} {:>14}",
            name(r),
            r.seed,
            r.implicit_norm.clone().unwrap_or_else(|| "-".into())
        );
        for n in &checked {
            let cell = match r.check.get(n) {
                Some(c) => format!(
                    "{} {}",
                    kappa_with_bound(c.kappa, c.kappa_lower_bound),
                    c.verdict.as_str()
                ),
                None => "-".into(),
            };
            print!(" {cell:>30}");
        }
        println!();
        if let Some(e) = &r.check_error {
            println!("    check: {e}");
        }
    }
}

/// `implicit-bias report DIR`.
pub fn report(dir: &Path) -> Result<()> {
    let rep = implicit_bias::report::regenerate(dir)?;
    println!(
        "wrote {}/report.md, {}/report.json and {} figures from {} runs",
        dir.display(),
        dir.display(),
        rep.figures.len(),
        rep.setting.runs
    );
    Ok(())
}

/// `implicit-bias compare A B [--tol T] [--json]`; returns whether nothing changed (the exit
/// status is 0 either way: a difference is a finding, not an error).
pub fn compare(a: &Path, b: &Path, tol: f64, json: bool) -> Result<bool> {
    if !(tol >= 0.0 && tol.is_finite()) {
        return Err(Error::Config(format!("--tol must be ≥ 0, got {tol}")));
    }
    let (ca, ra) = implicit_bias::report::load_dir(a)?;
    let (cb, rb) = implicit_bias::report::load_dir(b)?;
    let rep_a = implicit_bias::report::build(ca.as_ref(), &ra)?;
    let rep_b = implicit_bias::report::build(cb.as_ref(), &rb)?;
    let (changed, same) = implicit_bias::report::compare(&rep_a, &rep_b, tol);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "a": a.display().to_string(),
                "b": b.display().to_string(),
                "tolerance": tol,
                "changed": changed,
                "unchanged": same.len(),
            }))
            .map_err(|e| Error::Json(e.to_string()))?
        );
        return Ok(changed.is_empty());
    }
    use implicit_bias::numfmt::num;
    println!(
        "compare {} → {}: {} of {} (model, run, norm) cells changed (relative margin tolerance {tol})",
        a.display(),
        b.display(),
        changed.len(),
        changed.len() + same.len()
    );
    if !changed.is_empty() {
        println!(
            "{:<30} {:<20} {:<14} {:>12} {:>12} {:>9}  verdict",
            "model", "run", "norm", "margin A", "margin B", "rel."
        );
        for d in &changed {
            println!(
                "{:<30} {:<20} {:<14} {:>12} {:>12} {:>9}  {} → {}",
                d.model,
                d.label,
                d.norm,
                num(d.margin_a),
                num(d.margin_b),
                if d.relative_change.is_finite() {
                    format!("{:+.2}%", 100.0 * d.relative_change)
                } else {
                    "–".into()
                },
                d.verdict_a,
                d.verdict_b
            );
        }
    }
    Ok(changed.is_empty())
}
