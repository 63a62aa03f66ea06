//! What a finished run leaves behind: its [`RunRecord`] (`DIR/runs/<file stem>.json`,
//! written atomically by [`write_run`], read back by [`read_runs`]) and the rows of
//! `DIR/trace.csv` ([`write_trace_csv`]).
//!
//! Records written by earlier versions stay readable: norms are stored as their spec strings.

use crate::data::DataConfig;
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::numfmt::csv_num;
use crate::optim::{OptimizerConfig, Schedule};
use crate::params::Params;
use crate::train::{StopReason, TracePoint};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Everything saved about one finished run (`DIR/runs/<label>-<seed>.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// Run label.
    pub label: String,
    /// Seed.
    pub seed: u64,
    /// Optimizer config.
    pub optimizer: OptimizerConfig,
    /// Schedule.
    pub schedule: Schedule,
    /// Model spec string.
    pub model: String,
    /// Model degree L.
    #[serde(with = "crate::json_f64::scalar")]
    pub degree: f64,
    /// Loss.
    pub loss: Loss,
    /// Data description.
    pub data: DataConfig,
    /// Samples and dimension.
    pub m: usize,
    /// Input dimension.
    pub d: usize,
    /// Final parameters with their layout.
    pub theta: Params,
    /// Frozen output weights (frozen two-layer nets only).
    #[serde(with = "crate::json_f64::option_vec")]
    pub frozen_u: Option<Vec<f64>>,
    /// Steps taken.
    pub steps: u64,
    /// Final log10 loss.
    #[serde(with = "crate::json_f64::scalar")]
    pub final_log10_loss: f64,
    /// Why the run stopped.
    pub stop: StopReason,
    /// Whether the final θ separates the training data (all y_i f(x_i; θ) > 0). When false
    /// the margins are non-positive and no implicit-bias theorem applies.
    pub separated: bool,
    /// Final hard margins per traced norm (norm spec → γ_N).
    #[serde(with = "crate::json_f64::map")]
    pub margins: BTreeMap<String, f64>,
    /// The optimizer's implicit norm (spec string) per theory, if any.
    pub implicit_norm: Option<String>,
    /// Whether the schedule meets the theorem's assumption for this model degree.
    pub schedule_check: crate::optim::schedule::ScheduleCheck,
    /// KKT certificates of the final θ per checked norm (norm spec → certificate), with the
    /// optimizer's implicit norm as the own norm for `coincident` detection. Empty when
    /// checking is disabled or the data are not separated (`check_error` then says why).
    pub check: BTreeMap<String, crate::kkt::Certificate>,
    /// Why the check could not run, if it could not.
    pub check_error: Option<String>,
    /// Norm order of the trace's margin columns.
    pub trace_norms: Vec<String>,
    /// The log-spaced trace.
    pub trace: Vec<TracePoint>,
    /// Cosine similarity ⟨θ_t, θ_T⟩/(‖θ_t‖₂‖θ_T‖₂) of each trace point's θ_t with the final
    /// θ_T, as (step, cosine) (\[M\] Fig. 1b). NaN where θ_t = 0.
    #[serde(default)]
    #[serde(with = "crate::json_f64::pairs")]
    pub cosine_to_last: Vec<(u64, f64)>,
    /// Accuracy of the final θ on `[data.test]`, if given.
    #[serde(default)]
    #[serde(with = "crate::json_f64::option")]
    pub test_accuracy: Option<f64>,
    /// AdaGrad only: the final preconditioner h∞^{−1/2} = 1/(√G + ε) per parameter, whose
    /// direction defines the implicit weighted ℓ2 norm (\[A\] Thm 6, Fig. 2).
    #[serde(default)]
    #[serde(with = "crate::json_f64::option_vec")]
    pub adagrad_h_inv_sqrt: Option<Vec<f64>>,
    /// Wall time, seconds.
    #[serde(with = "crate::json_f64::scalar")]
    pub wall_seconds: f64,
}

impl RunRecord {
    /// Whether training completed (not interrupted).
    pub fn completed(&self) -> bool {
        !matches!(self.stop, StopReason::Interrupted { .. })
    }
}

/// Write `DIR/runs/<file_stem>.json` and its final θ as `DIR/runs/<file_stem>.safetensors`
/// (one F64 tensor per layout block, row-major, and the fixed output weights of a frozen net
/// as `u` — readable by `check --params` and `init = file`, and by
/// `safetensors.numpy.load_file`), each atomically ([`crate::write_file::write_atomic`]: an
/// interrupted or killed experiment never leaves a half-written file).
pub fn write_run(dir: &Path, file_stem: &str, rec: &RunRecord) -> Result<PathBuf> {
    let runs = dir.join("runs");
    std::fs::create_dir_all(&runs).map_err(|e| Error::io(&runs, e))?;
    let path = runs.join(format!("{file_stem}.json"));
    let text = serde_json::to_string_pretty(rec).map_err(|e| Error::Json(e.to_string()))?;
    let st = runs.join(format!("{file_stem}.safetensors"));
    let bytes = crate::params_io::safetensors_bytes(
        &rec.theta.layout,
        &rec.theta.data,
        rec.frozen_u.as_deref(),
    )?;
    crate::write_file::write_atomic(&st, &bytes)?;
    crate::write_file::write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

/// Read every `DIR/runs/*.json` (sorted by file name). Errors name the bad file.
pub fn read_runs(dir: &Path) -> Result<Vec<RunRecord>> {
    let runs = dir.join("runs");
    let rd = std::fs::read_dir(&runs).map_err(|e| Error::io(&runs, e))?;
    let mut paths: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    paths.sort();
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        let text = crate::read_file::read_text(&p, "run record")?;
        let rec: RunRecord = serde_json::from_str(&text)
            .map_err(|e| Error::Json(format!("{}: {e}", p.display())))?;
        out.push(rec);
    }
    Ok(out)
}

/// Write `DIR/trace.csv`: one row per (run, seed, trace point).
///
/// Columns: `label,optimizer,seed,step,log10_loss,lr,train_accuracy,q_min,alignment`, then
/// `margin_<norm>` and `soft_margin_<norm>` for each traced norm.
pub fn write_trace_csv(dir: &Path, records: &[RunRecord]) -> Result<PathBuf> {
    let path = dir.join("trace.csv");
    let norms: Vec<String> = records
        .first()
        .map(|r| r.trace_norms.clone())
        .unwrap_or_default();
    let mut out =
        String::from("label,optimizer,seed,step,log10_loss,lr,train_accuracy,q_min,alignment");
    for n in &norms {
        out.push_str(&format!(",margin_{n}"));
    }
    for n in &norms {
        out.push_str(&format!(",soft_margin_{n}"));
    }
    out.push('\n');
    for r in records {
        for p in &r.trace {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{}",
                r.label,
                r.optimizer.name(),
                r.seed,
                p.step,
                csv_num(p.log10_loss),
                csv_num(p.lr),
                csv_num(p.train_accuracy),
                csv_num(p.q_min),
                p.alignment.map(csv_num).unwrap_or_default()
            ));
            for v in p.margins.iter().chain(&p.soft_margins) {
                out.push(',');
                out.push_str(&csv_num(*v));
            }
            out.push('\n');
        }
    }
    crate::write_file::write_atomic(&path, out.as_bytes())?;
    Ok(path)
}
