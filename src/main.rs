//! `implicit-bias` command-line tool.
//!
//! * `implicit-bias list [--json]` — models, norms, optimizers, losses, schedules, generators.
//! * `implicit-bias maxmargin --data FILE --norm l1|l2|linf [--json]` — exact linear reference,
//!   certified by its duality gap or refused.
//! * `implicit-bias check --data D --model M --params P --norm N… [--own N] [--tau T]
//!   [--tau-smooth T] [--kink-tol T] [--tau-search auto|on|off] [--json]` — the KKT checker on
//!   externally produced parameters (with τ_kkt, the smallest τ at which each certificate is
//!   `kkt`).
//! * `implicit-bias which-norm OPTIMIZER [--cases …] [--norm …] [--json]` — which margin does
//!   an optimizer maximize (implicit-norm discovery on the standard cases).
//! * `implicit-bias run CONFIG.toml [--out DIR] [--jobs N] [--quiet]` — train every
//!   (model × run × seed) job of an experiment config in parallel, check the final directions,
//!   write `DIR/runs/*.json`, `DIR/trace.csv`, `DIR/report.md`, `DIR/report.json` and SVG
//!   figures, and print the final-margin and KKT tables. Ctrl-C / SIGTERM / SIGHUP: exit status 128 + signal (130 / 143 / 129), completed
//!   runs kept.
//! * `implicit-bias report DIR` — regenerate the report of a results directory.
//! * `implicit-bias compare A B [--tol T] [--json]` — margin/verdict differences.
//!
//! Exit codes: 0 success; 2 invalid input (config, data, spec, parameters) or usage;
//! 1 any other failure (I/O, numerical).

mod cmd;

use clap::{Parser, Subcommand};
use implicit_bias::error::Error;
use implicit_bias::models::ModelSpec;
use implicit_bias::norms::NormSpec;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "implicit-bias",
    version,
    about = "Implicit-bias theorems as executable, regression-tested fact"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Memory budget checked before large allocations (bytes, or with K/M/G/T), e.g. `8G`.
    /// Default: IB_MEMORY_LIMIT, else the machine's available memory.
    #[arg(long, global = true, value_name = "SIZE")]
    memory_limit: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// List the available models, norms, optimizers, losses, schedules and data generators.
    List {
        /// Machine-readable JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Exact max-margin direction of a linear model under ℓ1, ℓ2, ℓ∞ or (multiclass) the
    /// spectral norm, certified by its duality gap (exit 1 when the certificate does not
    /// verify, 2 when the data are certified not separable).
    Maxmargin {
        /// Data file (CSV: label first — ±1 binary, or a class index 0…C−1 — then features;
        /// or JSON {"x": [[…]], "y": […]}). Multiclass data: the C×d linear model W x with
        /// pair margins (W_{y_i} − W_c)·x_i (Kesler's construction).
        #[arg(long)]
        data: PathBuf,
        /// Norm: l1, l2 or linf (entrywise on W for multiclass data), or spectral (alias
        /// max_spectral: the largest singular value of W; on binary data, W = θᵀ, it is l2).
        #[arg(long)]
        norm: String,
        /// Read the labels as C classes 0…C−1 (e.g. `--classes 2` for 0/1 labels).
        #[arg(long, value_name = "C")]
        classes: Option<usize>,
        /// Machine-readable JSON output (fields: norm, theta, direction, margin, dual_margin,
        /// lambda, support, certificate).
        #[arg(long)]
        json: bool,
    },
    /// Certify of which norms' max-margin problems θ/‖θ‖ is a KKT point.
    Check {
        /// Data file (CSV or JSON; labels ±1, or class indices 0…C−1 for multiclass data,
        /// whose models have C outputs).
        #[arg(long)]
        data: PathBuf,
        /// Read the labels as C classes 0…C−1 (e.g. `--classes 2` for 0/1 labels).
        #[arg(long, value_name = "C")]
        classes: Option<usize>,
        /// Model spec: linear, two_layer:<act>:k=<k>, two_layer_frozen:<act>:k=<k>,
        /// deep_linear:<D>[:k=<w>], diagonal_linear.
        #[arg(long)]
        model: String,
        /// Parameter file, by extension: .json ({"theta": [...]} or {"blocks": {name: {shape,
        /// data}}}), .npy (one array: a flat θ, or the block of a single-block model), .npz or
        /// .safetensors (named tensors; f64, f32, f16, bf16). PyTorch's `0.weight`/`2.weight`
        /// (…/`4.weight`, …) are recognised for two-layer nets and MLPs. Formats: docs of
        /// `implicit_bias::params_io`.
        #[arg(long)]
        params: PathBuf,
        /// Rename the file's tensors to the model's blocks: `block=tensor,…`
        /// (e.g. `W=0.weight,u=2.weight`); unmapped tensors keep their names. `tensor:T`
        /// transposes a 2-D tensor (JAX/Flax kernels are stored (in, out)), `tensor:N` keeps
        /// it; a tensor named `…kernel` needs one of the two.
        #[arg(long)]
        map: Option<String>,
        /// Norm to check (repeatable): l1, l2, linf, lp:<p>, spectral, max_spectral,
        /// hybrid:<w_M>:<w_v>, max_block:…, weighted_l2:<file>.
        #[arg(long = "norm", required = true)]
        norms: Vec<String>,
        /// The optimizer's own norm, for `coincident` detection (optional).
        #[arg(long)]
        own: Option<String>,
        /// τ of the relaxed subdifferential for the non-smooth norms (default 1e-2).
        #[arg(long)]
        tau: Option<f64>,
        /// τ for the smooth norms ℓ2, ℓp (default 0: their exact single-point
        /// subdifferential), 0 ≤ T < 1.
        #[arg(long, value_name = "T")]
        tau_smooth: Option<f64>,
        /// Near-kink tolerance of the Clarke relaxation: a (sample, unit) pair with
        /// |⟨w_j, x_i⟩| ≤ T·‖w_j‖‖x_i‖ may use any slope between the one-sided ones
        /// (default 1e-6), 0 ≤ T < 1.
        #[arg(long, value_name = "T")]
        kink_tol: Option<f64>,
        /// Search for τ_kkt, the smallest τ ≤ 0.5 at which each certificate would be `kkt`:
        /// auto (default; where it is cheap), on, off.
        #[arg(long, value_name = "MODE")]
        tau_search: Option<String>,
        /// `kkt` threshold on κ (default 0.01).
        #[arg(long)]
        kappa_kkt: Option<f64>,
        /// `not_kkt` threshold on the certified lower bound (default 0.03).
        #[arg(long)]
        kappa_not: Option<f64>,
        /// Disable the Clarke relaxation at ReLU kinks.
        #[arg(long)]
        no_clarke: bool,
        /// LP backend: clarabel (default), microlp, or highs (built with `--features highs`).
        #[arg(long)]
        backend: Option<String>,
        /// How the LP's p residual rows are handled: auto (default; row generation for
        /// p ≥ 1000), plain (every row, dense per-sample gradients) or row_generation. The
        /// certificate means the same whichever runs.
        #[arg(long)]
        strategy: Option<String>,
        /// Machine-readable JSON output (an array with one certificate per norm).
        #[arg(long)]
        json: bool,
    },
    /// Which margin does an optimizer maximize? Train it on the standard cases (linear,
    /// frozen-output ReLU² net, two-layer ReLU² net) and certify its final directions against
    /// a panel of norms (ℓ1, ℓ2, ℓ∞, ℓ3, spectral, max-spectral, hybrid) without being told
    /// its norm.
    WhichNorm {
        /// Optimizer: a name (`signum`), an inline table (`type = "adam", eps = 0, beta2 = 0.95`)
        /// or a TOML file with `[optimizer]` and optionally `[schedule]`.
        optimizer: String,
        /// Cases to run (comma-separated; default all: linear, frozen_relu2, relu2).
        #[arg(long, value_delimiter = ',')]
        cases: Vec<String>,
        /// Candidate norms (repeatable; default l1 l2 linf lp:3 spectral max_spectral hybrid:1:1).
        #[arg(long = "norm")]
        norms: Vec<String>,
        /// Override the schedule on every case: η0 (constant unless --decay is given).
        #[arg(long)]
        eta0: Option<f64>,
        /// Override the schedule: η(t) = η0·t^(−decay).
        #[arg(long)]
        decay: Option<f64>,
        /// Multiply every case's step cap by this factor.
        #[arg(long, default_value_t = 1.0)]
        steps_factor: f64,
        /// τ_kkt search for every certificate: auto (default; every polyhedral norm, and the
        /// column-generation norms on the linear case), on (also those on the nets, +7–11 s
        /// each), off.
        #[arg(long, value_name = "MODE")]
        tau_search: Option<String>,
        /// Machine-readable JSON output (the full report with every certificate).
        #[arg(long)]
        json: bool,
    },
    /// Train every (model × run × seed) job of an experiment config in parallel, check the
    /// final directions, and write runs/*.json, trace.csv, report.md, report.json and SVG
    /// figures. Ctrl-C, SIGTERM and SIGHUP keep the completed runs (exit status 128 + signal: 130, 143, 129).
    Run {
        /// Experiment config (TOML); relative data paths are resolved against its folder.
        config: PathBuf,
        /// Output directory.
        #[arg(long, default_value = "results")]
        out: PathBuf,
        /// Parallel jobs (0 = one per core). Results do not depend on it.
        #[arg(long, default_value_t = 0)]
        jobs: usize,
        /// No progress output (also off when stdout is not a terminal).
        #[arg(long)]
        quiet: bool,
    },
    /// Regenerate report.md, report.json and the figures of a results directory from its
    /// saved runs (e.g. after an interrupted run).
    Report {
        /// Results directory (with runs/*.json).
        dir: PathBuf,
    },
    /// Print the margin and verdict differences between two results directories (for
    /// reviewing the effect of a code change). Exit status 0 whether or not they differ.
    Compare {
        /// Baseline results directory.
        a: PathBuf,
        /// New results directory.
        b: PathBuf,
        /// Relative change of a mean margin below which it counts as unchanged.
        #[arg(long, default_value_t = 1e-9)]
        tol: f64,
        /// Machine-readable JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// `implicit-bias list`: every catalogue ([`implicit_bias::catalogue::all`]), as text
/// (usage with defaults, then the summary) or as JSON (`{kind: [rows]}`).
fn print_list(json_out: bool) {
    let all = implicit_bias::list::catalogues();
    if json_out {
        let map: serde_json::Map<String, serde_json::Value> = all
            .iter()
            .map(|c| (c.kind.to_string(), json!(c.rows)))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&map).expect("catalogue JSON")
        );
        return;
    }
    for c in &all {
        println!("{}:", c.kind);
        for r in &c.rows {
            let aliases = if r.aliases.is_empty() {
                String::new()
            } else {
                format!("   (also: {})", r.aliases.join(", "))
            };
            println!("  {}{aliases}\n      {}", r.usage, r.summary);
        }
    }
}

fn maxmargin(
    data: PathBuf,
    norm: &str,
    classes: Option<usize>,
    json_out: bool,
) -> Result<(), Error> {
    use implicit_bias::maxmargin::{max_margin, MaxMarginNorm};
    let norm = MaxMarginNorm::parse(norm)?;
    let ds = implicit_bias::data::load_with(&data, classes)?;
    let mm = max_margin(&ds, norm)?;
    if json_out {
        println!(
            "{}",
            serde_json::to_string_pretty(&mm).map_err(|e| Error::Json(e.to_string()))?
        );
    } else {
        let c = &mm.certificate;
        println!("norm          {}", mm.norm.name());
        println!("margin γ*     {:.12e}  (primal, 1/N(θ*))", mm.margin);
        println!(
            "dual margin   {:.12e}  (N_*(Σ w_i y_i x_i), the certificate's dual value)",
            mm.dual_margin
        );
        println!(
            "certified     relative gap {:.2e} ≤ tolerance {:.2e}",
            c.relative_gap, c.tolerance
        );
        println!("support       {:?}", mm.support);
        println!("theta         {:?}", mm.theta);
    }
    Ok(())
}

/// Parse a norm argument; `weighted_l2:<file>` reads its weights from the file.
fn parse_norm_arg(s: &str) -> Result<NormSpec, Error> {
    match s.strip_prefix("weighted_l2:") {
        Some(file) => Ok(NormSpec::WeightedL2(
            implicit_bias::params_io::load_weights(std::path::Path::new(file))?,
        )),
        None => NormSpec::parse(s),
    }
}

fn check_cmd(
    (data, classes): (PathBuf, Option<usize>),
    model: &str,
    (params, map): (PathBuf, Option<&str>),
    norms: &[String],
    own: Option<&str>,
    cfg: &implicit_bias::kkt::CheckConfig,
    json_out: bool,
) -> Result<(), Error> {
    let spec = ModelSpec::parse(model)?;
    let ds = implicit_bias::data::load_with(&data, classes)?;
    let mut raw = implicit_bias::params_io::load_params_file(&params)?;
    if let Some(map) = map {
        raw = implicit_bias::params_io::apply_map(raw, map)?;
    }
    let (m, theta) =
        implicit_bias::params_io::model_and_theta_for(&spec, ds.d(), ds.outputs(), &raw)?;
    let specs: Vec<NormSpec> = norms
        .iter()
        .map(|n| parse_norm_arg(n))
        .collect::<Result<_, _>>()?;
    let own = own.map(parse_norm_arg).transpose()?;
    let certs = implicit_bias::kkt::check_many(m.as_ref(), &ds, &theta, &specs, own.as_ref(), cfg)?;
    if json_out {
        println!(
            "{}",
            serde_json::to_string_pretty(&certs).map_err(|e| Error::Json(e.to_string()))?
        );
        return Ok(());
    }
    println!(
        "{:<22} {:>12} {:>10} {:>10} {:>10} {:>10} {:>9}  verdict",
        "norm", "margin", "κ", "κ lower", "ε_rel", "δ_rel", "τ_kkt"
    );
    for c in &certs {
        println!(
            "{:<22} {:>12.5e} {:>10.3e} {:>10.3e} {:>10.3e} {:>10.3e} {:>9}  {}",
            c.norm,
            c.margin,
            c.kappa,
            c.kappa_lower_bound,
            c.eps_rel,
            c.delta_rel,
            tau_kkt_cell(c),
            serde_json::to_value(c.verdict)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        );
        if let Some(r) = &c.reason {
            println!("    reason: {r}");
        }
    }
    println!(
        "tolerances: τ = {} (non-smooth norms), τ_smooth = {} (ℓ2, ℓp; weighted ℓ2 always 0), kink_tol = {}, clarke = {}, κ_kkt = {}, κ_not = {}",
        cfg.tau, cfg.tau_smooth, cfg.kink_tol, cfg.clarke, cfg.kappa_kkt, cfg.kappa_not
    );
    println!(
        "τ_kkt: smallest τ at which κ ≤ κ_kkt (to a factor 1 + 2⁻⁴; `>0.5`: not even at τ = 0.5; \
         `–`: not searched, --tau-search {})",
        cfg.tau_search.name()
    );
    Ok(())
}

/// The τ_kkt cell of the text table: the value, `>0.5` when the search found none up to
/// τ_max, `–` without a search.
fn tau_kkt_cell(c: &implicit_bias::kkt::Certificate) -> String {
    match (&c.tau_search, c.tau_kkt) {
        (None, _) => "–".into(),
        (Some(_), Some(0.0)) => "0".into(),
        (Some(_), Some(t)) => format!("{t:.2e}"),
        (Some(s), None) => format!(">{}", s.tau_max),
    }
}

fn exit_code(e: &Error) -> ExitCode {
    ExitCode::from(e.exit_status())
}

fn main() -> ExitCode {
    // Behave like other Unix tools when the reader of stdout goes away (`… | head`): end
    // quietly instead of panicking in `println!` on a broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default SIGPIPE disposition at startup, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    if let Some(m) = &cli.memory_limit {
        match implicit_bias::resources::parse_size(m) {
            Ok(b) => implicit_bias::resources::set_memory_limit(Some(b)),
            Err(e) => {
                eprintln!("error: --memory-limit: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let result = match cli.command {
        Command::List { json } => {
            print_list(json);
            Ok(())
        }
        Command::Run {
            config,
            out,
            jobs,
            quiet,
        } => match cmd::run::run(cmd::run::Args {
            config,
            out,
            jobs,
            quiet,
        }) {
            Ok(true) => return ExitCode::from(cmd::signals::exit_status()),
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        },
        Command::Report { dir } => cmd::run::report(&dir),
        Command::Compare { a, b, tol, json } => cmd::run::compare(&a, &b, tol, json).map(|_| ()),
        Command::WhichNorm {
            optimizer,
            cases,
            norms,
            eta0,
            decay,
            steps_factor,
            tau_search,
            json,
        } => cmd::which_norm::run(cmd::which_norm::Args {
            optimizer,
            cases,
            panel: norms,
            eta0,
            decay,
            steps_factor,
            tau_search,
            json,
        }),
        Command::Maxmargin {
            data,
            norm,
            classes,
            json,
        } => maxmargin(data, &norm, classes, json),
        Command::Check {
            data,
            classes,
            model,
            params,
            map,
            norms,
            own,
            tau,
            tau_smooth,
            kink_tol,
            tau_search,
            kappa_kkt,
            kappa_not,
            no_clarke,
            backend,
            strategy,
            json,
        } => {
            let mut cfg = implicit_bias::kkt::CheckConfig::default();
            for (flag, v) in [
                ("--tau", tau),
                ("--tau-smooth", tau_smooth),
                ("--kink-tol", kink_tol),
            ] {
                if let Some(t) = v {
                    if !(0.0..1.0).contains(&t) {
                        eprintln!("error: {flag} {t}: expected 0 ≤ T < 1");
                        return ExitCode::from(2);
                    }
                }
            }
            if let Some(t) = tau {
                cfg.tau = t;
            }
            if let Some(t) = tau_smooth {
                cfg.tau_smooth = t;
            }
            if let Some(t) = kink_tol {
                cfg.kink_tol = t;
            }
            if let Some(mode) = tau_search {
                match implicit_bias::kkt::TauSearchMode::parse(&mode) {
                    Ok(v) => cfg.tau_search = v,
                    Err(_) => {
                        eprintln!("error: unknown --tau-search mode `{mode}` (auto, on, off)");
                        return ExitCode::from(2);
                    }
                }
            }
            if let Some(k) = kappa_kkt {
                cfg.kappa_kkt = k;
            }
            if let Some(k) = kappa_not {
                cfg.kappa_not = k;
            }
            cfg.clarke = !no_clarke;
            if let Some(b) = backend {
                match serde_json::from_value(serde_json::Value::String(b.clone())) {
                    Ok(v) => cfg.backend = v,
                    Err(_) => {
                        eprintln!(
                            "error: unknown LP backend `{b}` (clarabel, microlp; highs when built with --features highs)"
                        );
                        return ExitCode::from(2);
                    }
                }
            }
            if let Some(st) = strategy {
                match serde_json::from_value(serde_json::Value::String(st.clone())) {
                    Ok(v) => cfg.strategy = v,
                    Err(_) => {
                        eprintln!(
                            "error: unknown checker strategy `{st}` (auto, plain, row_generation)"
                        );
                        return ExitCode::from(2);
                    }
                }
            }
            check_cmd(
                (data, classes),
                &model,
                (params, map.as_deref()),
                &norms,
                own.as_deref(),
                &cfg,
                json,
            )
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            exit_code(&e)
        }
    }
}
