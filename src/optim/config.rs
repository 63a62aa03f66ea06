//! [`OptimizerConfig`]: the serializable, validated description of an optimizer, as
//! written in experiment TOML files and accepted by `implicit-bias` on the command line.
//!
//! TOML / JSON form: a table with a `type` tag (snake_case) and the variant's fields, e.g.
//!
//! ```toml
//! [[optimizers]]
//! type = "muon_adam"
//! lr_ratio = 0.1        # η_A/η_M
//! ```
//!
//! Unknown fields and unknown types are rejected (the parameter-free optimizers are empty
//! struct variants such as `Gd {}` precisely so that `type = "ngd"` with a stray `beta = 0.9`
//! is an error rather than silently ignored). Omitted fields take these defaults:
//!
//! | field | default | why |
//! |---|---|---|
//! | `beta` (momentum_gd, normalized_momentum_gd, signum, muon, muon_ns, muon_signum), `beta_muon` | 0.9 | [M] App. D |
//! | `beta1`, `beta2` (adam, muon_adam) | 0.9, 0.999 | PyTorch defaults, [M] App. D |
//! | `eps` (adam, adam_no_momentum, muon_adam) | 0.0 | the ε = 0 regime of [M] Thm 3.6 |
//! | `beta` (rmsprop) | 0.99 | PyTorch's RMSprop α |
//! | `eps` (rmsprop, adagrad) | 1e-8 | [A] needs ε > 0; 1e-8 as in PyTorch's RMSprop |
//! | `steps` (muon_ns) | 5 | standard Newton–Schulz-5 |
//! | `lr_ratio` (muon_adam) | 1.0 | η_A = η_M |
//! | `normalized` (steepest_descent) | true | [M] eq. 3 |
//!
//! [`OptimizerConfig::build`] validates the hyper-parameters (β ∈ [0, 1), ε ≥ 0 finite,
//! steps ≥ 1, lr_ratio > 0 finite, a parseable norm) and returns the optimizer.

use super::{
    AdaGrad, Adam, MomentumGd, Muon, NormalizedMomentumGd, Optimizer, Partition, RmsProp, Signum,
    SteepestDescent,
};
use crate::error::{Error, Result};
use crate::norms::NormSpec;
use serde::{Deserialize, Serialize};

fn d_beta() -> f64 {
    0.9
}
fn d_beta2() -> f64 {
    0.999
}
fn d_rms_beta() -> f64 {
    0.99
}
fn d_eps_small() -> f64 {
    1e-8
}
fn d_steps() -> usize {
    5
}
fn d_one() -> f64 {
    1.0
}
fn d_true() -> bool {
    true
}

/// Every optimizer of DESIGN §3 with its hyper-parameters (see the module docs for the
/// serialized form and the defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum OptimizerConfig {
    /// Gradient descent Δ = −η g ([F] eq. 1, ℓ2).
    Gd {},
    /// Normalized GD Δ = −η g/‖g‖₂ ([M] eq. 3, ℓ2).
    Ngd {},
    /// Sign GD Δ = −η sign(g) ([M] eq. 3, ℓ∞).
    SignGd {},
    /// Coordinate descent ([F] eq. 1, ℓ1; ties split evenly).
    CoordinateDescent {},
    /// Spectral descent Δ_b = −η U_b V_bᵀ ([F] App. C.2; max-spectral).
    SpectralDescent {},
    /// Steepest descent for any norm spec ([F] eq. 1 / [M] eq. 3).
    SteepestDescent {
        /// Norm spec string (`l1`, `l2`, `linf`, `lp:3`, `spectral`, `max_spectral`, …).
        norm: String,
        /// Normalized (‖Δ‖ = η) or not (‖Δ‖ = η‖g‖_*).
        #[serde(default = "d_true")]
        normalized: bool,
    },
    /// Momentum GD m ← βm + (1−β)g, Δ = −η m ([M] eq. 5, 19).
    MomentumGd {
        /// β ∈ [0, 1).
        #[serde(default = "d_beta")]
        beta: f64,
    },
    /// Normalized momentum GD Δ = −η m/‖m‖₂ ([M] eq. 6).
    NormalizedMomentumGd {
        /// β ∈ [0, 1).
        #[serde(default = "d_beta")]
        beta: f64,
    },
    /// Signum Δ = −η sign(m).
    Signum {
        /// β ∈ [0, 1).
        #[serde(default = "d_beta")]
        beta: f64,
    },
    /// Muon with exact orthogonalization.
    Muon {
        /// β ∈ [0, 1).
        #[serde(default = "d_beta")]
        beta: f64,
    },
    /// Muon with Newton–Schulz-5 orthogonalization.
    MuonNs {
        /// β ∈ [0, 1).
        #[serde(default = "d_beta")]
        beta: f64,
        /// Newton–Schulz iterations (≥ 1).
        #[serde(default = "d_steps")]
        steps: usize,
    },
    /// Adam ([M] eq. 20).
    Adam {
        /// β1 ∈ [0, 1).
        #[serde(default = "d_beta")]
        beta1: f64,
        /// β2 ∈ [0, 1).
        #[serde(default = "d_beta2")]
        beta2: f64,
        /// ε ≥ 0 (outside the square root).
        #[serde(default)]
        eps: f64,
    },
    /// Adam with β1 = 0.
    AdamNoMomentum {
        /// β2 ∈ [0, 1).
        #[serde(default = "d_beta2")]
        beta2: f64,
        /// ε ≥ 0.
        #[serde(default)]
        eps: f64,
    },
    /// RMSProp ([A] eq. 3, ε inside the square root).
    #[serde(alias = "rmsprop")]
    RmsProp {
        /// β ∈ [0, 1).
        #[serde(default = "d_rms_beta")]
        beta: f64,
        /// ε ≥ 0.
        #[serde(default = "d_eps_small")]
        eps: f64,
    },
    /// AdaGrad ([A] eq. 3).
    #[serde(alias = "adagrad")]
    AdaGrad {
        /// ε ≥ 0 (the theory needs ε > 0).
        #[serde(default = "d_eps_small")]
        eps: f64,
    },
    /// Muon on matrix blocks + Signum on vector blocks ([M] Cor. 3.5).
    MuonSignum {
        /// β ∈ [0, 1) for both.
        #[serde(default = "d_beta")]
        beta: f64,
    },
    /// Muon on matrix blocks + Adam on vector blocks ([M] Thm 3.7).
    MuonAdam {
        /// Muon's β ∈ [0, 1).
        #[serde(default = "d_beta")]
        beta_muon: f64,
        /// Adam's β1 ∈ [0, 1).
        #[serde(default = "d_beta")]
        beta1: f64,
        /// Adam's β2 ∈ [0, 1).
        #[serde(default = "d_beta2")]
        beta2: f64,
        /// Adam's ε ≥ 0.
        #[serde(default)]
        eps: f64,
        /// η_A/η_M > 0.
        #[serde(default = "d_one")]
        lr_ratio: f64,
    },
}

fn check_beta(who: &str, field: &str, v: f64) -> Result<()> {
    if (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "optimizer `{who}`: {field} must be in [0, 1), got {v}"
        )))
    }
}

fn check_eps(who: &str, v: f64) -> Result<()> {
    if v >= 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "optimizer `{who}`: eps must be finite and ≥ 0, got {v}"
        )))
    }
}

/// One line per optimizer for `implicit-bias list`: (name, rule and implicit norm).
const CATALOGUE: &[(&str, &str)] = &[
    ("gd", "Δ = −η g; implicit ℓ2 ([F] Thm 3.4)"),
    ("ngd", "Δ = −η g/‖g‖₂; implicit ℓ2 ([M] Thm 3.2)"),
    ("sign_gd", "Δ = −η sign(g); implicit ℓ∞ ([M] Thm 3.2)"),
    (
        "coordinate_descent",
        "Δ = −η‖g‖_∞ on argmax |g_j| (ties split); implicit ℓ1 ([F] Thm 3.4)",
    ),
    (
        "spectral_descent",
        "Δ_b = −η U_b V_bᵀ per block (Shampoo w/o accumulation); implicit max-spectral ([M] Thm 3.2, [F] App. C.2)",
    ),
    (
        "steepest_descent",
        "steepest descent for `norm` (normalized or not); implicit: that norm ([F] Thm 3.4, [M] Thm 3.2)",
    ),
    ("momentum_gd", "m ← βm + (1−β)g, Δ = −η m; implicit ℓ2 ([M] Thm 3.3)"),
    (
        "normalized_momentum_gd",
        "Δ = −η m/‖m‖₂; implicit ℓ2 ([M] Thm 3.3)",
    ),
    ("signum", "Δ = −η sign(m); implicit ℓ∞ ([M] Thm 3.3)"),
    (
        "muon",
        "Δ_b = −η U Vᵀ of the momentum per block (exact SVD); implicit max-spectral ([M] Cor. 3.4)",
    ),
    (
        "muon_ns",
        "Muon with Newton–Schulz-5; implicit max-spectral (approximate)",
    ),
    (
        "adam",
        "[M] eq. 20; implicit ℓ∞ for ε = 0 ([M] Thm 3.6), ℓ2 for fixed ε > 0 ([A] Thm 7, asymptotic)",
    ),
    ("adam_no_momentum", "Adam with β1 = 0; as Adam"),
    (
        "rms_prop",
        "Δ = −η g/√(ε + v) ([A] eq. 3); implicit ℓ2 for ε > 0 ([A] Thm 7), ℓ∞ for ε = 0",
    ),
    (
        "ada_grad",
        "Δ = −η g/√(ε + Σg²) ([A] eq. 3); implicit weighted ℓ2 ‖h∞^{-1/2}⊙θ‖ from its state ([A] Thm 6)",
    ),
    (
        "muon_signum",
        "Muon on matrices + Signum on vectors; implicit max{‖W‖_msp, ‖u‖_∞} ([M] Cor. 3.5)",
    ),
    (
        "muon_adam",
        "Muon on matrices + Adam (rate ratio η_A/η_M) on vectors; implicit max{(η_A/η_M)‖W‖_msp, ‖u‖_∞} ([M] Thm 3.7)",
    ),
];

impl OptimizerConfig {
    /// The `type` tag (`"ngd"`, `"muon_adam"`, …).
    pub fn name(&self) -> String {
        use OptimizerConfig::*;
        match self {
            Gd {} => "gd",
            Ngd {} => "ngd",
            SignGd {} => "sign_gd",
            CoordinateDescent {} => "coordinate_descent",
            SpectralDescent {} => "spectral_descent",
            SteepestDescent { .. } => "steepest_descent",
            MomentumGd { .. } => "momentum_gd",
            NormalizedMomentumGd { .. } => "normalized_momentum_gd",
            Signum { .. } => "signum",
            Muon { .. } => "muon",
            MuonNs { .. } => "muon_ns",
            Adam { .. } => "adam",
            AdamNoMomentum { .. } => "adam_no_momentum",
            RmsProp { .. } => "rms_prop",
            AdaGrad { .. } => "ada_grad",
            MuonSignum { .. } => "muon_signum",
            MuonAdam { .. } => "muon_adam",
        }
        .to_string()
    }

    /// The config with default hyper-parameters for a name. Accepts every `type` tag, the
    /// aliases `rmsprop` / `adagrad`, and the optimizer names
    /// `steepest_descent:<norm>` (unnormalized) and `normalized_steepest_descent:<norm>`.
    pub fn parse_name(name: &str) -> Result<OptimizerConfig> {
        let s = name.trim();
        if let Some(norm) = s.strip_prefix("normalized_steepest_descent:") {
            return Ok(OptimizerConfig::SteepestDescent {
                norm: norm.to_string(),
                normalized: true,
            });
        }
        if let Some(norm) = s.strip_prefix("steepest_descent:") {
            return Ok(OptimizerConfig::SteepestDescent {
                norm: norm.to_string(),
                normalized: false,
            });
        }
        let tag = match s {
            "steepest_descent" => {
                return Err(Error::spec(
                    name,
                    "steepest_descent needs a norm: `steepest_descent:<norm>` or \
                     `normalized_steepest_descent:<norm>`",
                ))
            }
            t => t,
        };
        let mut obj = serde_json::Map::new();
        obj.insert("type".into(), serde_json::Value::String(tag.into()));
        serde_json::from_value(serde_json::Value::Object(obj)).map_err(|_| {
            let names: Vec<&str> = CATALOGUE.iter().map(|c| c.0).collect();
            Error::spec(
                name,
                format!("unknown optimizer; expected one of {}", names.join(", ")),
            )
        })
    }

    /// (name, one-line description with the implicit norm) for every optimizer type.
    pub fn catalogue() -> Vec<(&'static str, &'static str)> {
        CATALOGUE.to_vec()
    }

    /// Validate the hyper-parameters and build the optimizer.
    pub fn build(&self) -> Result<Box<dyn Optimizer>> {
        use OptimizerConfig as C;
        let who = self.name();
        let w = who.as_str();
        Ok(match self {
            C::Gd {} => Box::new(SteepestDescent::gd()),
            C::Ngd {} => Box::new(SteepestDescent::ngd()),
            C::SignGd {} => Box::new(SteepestDescent::sign_gd()),
            C::CoordinateDescent {} => Box::new(SteepestDescent::coordinate_descent()),
            C::SpectralDescent {} => Box::new(SteepestDescent::spectral_descent()),
            C::SteepestDescent { norm, normalized } => {
                let spec = NormSpec::parse(norm)
                    .map_err(|e| Error::Config(format!("optimizer `{w}`: norm: {e}")))?;
                Box::new(SteepestDescent {
                    norm: spec,
                    normalized: *normalized,
                })
            }
            C::MomentumGd { beta } => {
                check_beta(w, "beta", *beta)?;
                Box::new(MomentumGd { beta: *beta })
            }
            C::NormalizedMomentumGd { beta } => {
                check_beta(w, "beta", *beta)?;
                Box::new(NormalizedMomentumGd { beta: *beta })
            }
            C::Signum { beta } => {
                check_beta(w, "beta", *beta)?;
                Box::new(Signum { beta: *beta })
            }
            C::Muon { beta } => {
                check_beta(w, "beta", *beta)?;
                Box::new(Muon::exact(*beta))
            }
            C::MuonNs { beta, steps } => {
                check_beta(w, "beta", *beta)?;
                if *steps == 0 {
                    return Err(Error::Config(format!(
                        "optimizer `{w}`: steps must be ≥ 1, got 0"
                    )));
                }
                Box::new(Muon::newton_schulz(*beta, *steps))
            }
            C::Adam { beta1, beta2, eps } => {
                check_beta(w, "beta1", *beta1)?;
                check_beta(w, "beta2", *beta2)?;
                check_eps(w, *eps)?;
                Box::new(Adam {
                    beta1: *beta1,
                    beta2: *beta2,
                    eps: *eps,
                })
            }
            C::AdamNoMomentum { beta2, eps } => {
                check_beta(w, "beta2", *beta2)?;
                check_eps(w, *eps)?;
                Box::new(Adam::no_momentum(*beta2, *eps))
            }
            C::RmsProp { beta, eps } => {
                check_beta(w, "beta", *beta)?;
                check_eps(w, *eps)?;
                Box::new(RmsProp {
                    beta: *beta,
                    eps: *eps,
                })
            }
            C::AdaGrad { eps } => {
                check_eps(w, *eps)?;
                Box::new(AdaGrad { eps: *eps })
            }
            C::MuonSignum { beta } => {
                check_beta(w, "beta", *beta)?;
                Box::new(Partition::muon_signum(*beta))
            }
            C::MuonAdam {
                beta_muon,
                beta1,
                beta2,
                eps,
                lr_ratio,
            } => {
                check_beta(w, "beta_muon", *beta_muon)?;
                check_beta(w, "beta1", *beta1)?;
                check_beta(w, "beta2", *beta2)?;
                check_eps(w, *eps)?;
                if !(*lr_ratio > 0.0 && lr_ratio.is_finite()) {
                    return Err(Error::Config(format!(
                        "optimizer `{w}`: lr_ratio must be finite and > 0, got {lr_ratio}"
                    )));
                }
                Box::new(Partition::muon_adam(
                    *beta_muon, *beta1, *beta2, *eps, *lr_ratio,
                ))
            }
        })
    }
}
