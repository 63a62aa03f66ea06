//! `implicit-bias which-norm OPTIMIZER`: train the optimizer on the standard cases and report
//! which panel norm's KKT conditions its final directions satisfy
//! ([`implicit_bias::which_norm`]).

use implicit_bias::error::{Error, Result};
use implicit_bias::norms::NormSpec;
use implicit_bias::optim::{OptimizerConfig, Schedule};
use implicit_bias::which_norm::{which_norm, WhichNormConfig};
use serde::Deserialize;
use std::path::Path;

/// Arguments of `which-norm`.
pub struct Args {
    /// Name, inline TOML table or TOML file.
    pub optimizer: String,
    /// Case names (empty: all).
    pub cases: Vec<String>,
    /// Panel norms (empty: the default panel).
    pub panel: Vec<String>,
    /// Schedule override: η0.
    pub eta0: Option<f64>,
    /// Schedule override: decay exponent (with `eta0`; absent: constant).
    pub decay: Option<f64>,
    /// Step-cap multiplier.
    pub steps_factor: f64,
    /// τ search mode override (`auto`, `on`, `off`).
    pub tau_search: Option<String>,
    /// JSON output.
    pub json: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptimizerFile {
    optimizer: OptimizerConfig,
    #[serde(default)]
    schedule: Option<Schedule>,
}

/// Parse the OPTIMIZER argument: an existing `.toml` file with `[optimizer]` (and optionally
/// `[schedule]`), an inline table body such as `type = "adam", eps = 0, beta2 = 0.95`, or a
/// bare optimizer name with default hyper-parameters.
pub fn parse_optimizer(arg: &str) -> Result<(OptimizerConfig, Option<Schedule>)> {
    let p = Path::new(arg);
    if arg.ends_with(".toml") || p.is_file() {
        let text = implicit_bias::read_file::read_text(p, "optimizer file")
            .map_err(|e| Error::Config(format!("cannot read optimizer file {arg}: {e}")))?;
        let f: OptimizerFile = toml::from_str(&text)
            .map_err(|e| Error::Config(format!("optimizer file {arg}: {e}")))?;
        return Ok((f.optimizer, f.schedule));
    }
    if arg.contains('=') {
        let text = format!("optimizer = {{ {arg} }}");
        let f: OptimizerFile =
            toml::from_str(&text).map_err(|e| Error::Config(format!("optimizer `{arg}`: {e}")))?;
        return Ok((f.optimizer, None));
    }
    Ok((OptimizerConfig::parse_name(arg)?, None))
}

/// Run the command.
pub fn run(a: Args) -> Result<()> {
    let (opt_cfg, file_schedule) = parse_optimizer(&a.optimizer)?;
    let opt = opt_cfg.build()?;
    let mut cfg = WhichNormConfig {
        steps_factor: a.steps_factor,
        tau_search: a
            .tau_search
            .as_deref()
            .map(implicit_bias::kkt::TauSearchMode::parse)
            .transpose()?,
        ..WhichNormConfig::default()
    };
    if !a.cases.is_empty() {
        cfg.select_cases(&a.cases)?;
    }
    if !a.panel.is_empty() {
        cfg.panel = a
            .panel
            .iter()
            .map(|n| NormSpec::parse(n))
            .collect::<Result<_>>()?;
    }
    cfg.schedule = match (a.eta0, a.decay) {
        (Some(eta0), None) => Some(Schedule::Constant { eta0 }),
        (Some(eta0), Some(decay)) => Some(Schedule::Power { eta0, decay }),
        (None, Some(_)) => {
            return Err(Error::Config("--decay needs --eta0".into()));
        }
        (None, None) => file_schedule,
    };
    if !a.json {
        eprintln!(
            "which-norm: training {} on {} standard case(s) and checking {} norms …",
            opt.name(),
            cfg.cases.len(),
            cfg.panel.len()
        );
    }
    let report = which_norm(opt.as_ref(), &cfg)?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| Error::Json(e.to_string()))?
        );
    } else {
        print!("{}", report.table());
    }
    Ok(())
}
