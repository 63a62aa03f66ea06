//! Seeded random initialization of a parameter vector, block by block.
//!
//! Every block gets a fan-in: `cols` for a row-major `rows × cols` matrix block (row r holds
//! the incoming weights of unit r), `n` for a vector block (the output layer u ∈ ℝ^k of a
//! two-layer net has fan-in k; the linear model's θ ∈ ℝ^d has fan-in d).
//!
//! * [`Init::KaimingNormal`]: θ_j ~ scale · N(0, 1/fan_in) — Kaiming "with no corrections
//!   for non-linearities", multiplied by α = 0.01 (\[M\] App. D); this is the default.
//! * [`Init::Uniform`]: θ_j ~ U[−α/fan_in, α/fan_in] — the teacher–student setup of \[F\] §4.1
//!   (w_jl ~ U[−α/d, α/d], u_j ~ U[−α/k′, α/k′]).
//! * [`Init::File`]: θ0 read from a parameter file — any format `check --params` reads
//!   (`.json` flat θ / blocks, a `runs/*.json` record of `implicit-bias run`, `.npy`, `.npz`,
//!   `.safetensors`), mapped to the model's blocks as there ([`crate::params_io`]). Every
//!   seed then starts from the same θ0 (the seed still drives mini-batch sampling). The file
//!   is read by [`crate::params_io::instantiate`]; [`initialize`] refuses it.
//!
//! Draws come from one `ChaCha8Rng::seed_from_u64(seed)` stream, blocks in layout order and
//! entries in row-major order, so a seed fixes θ0 on every platform (ChaCha is specified
//! bit-for-bit; the normal sampler is `rand_distr`'s ziggurat).

use crate::error::{Error, Result};
use crate::params::{BlockShape, Layout};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Uniform};
use serde::{Deserialize, Serialize};

/// An initialization scheme (TOML: `init = { type = "kaiming_normal", scale = 0.01 }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Init {
    /// θ_j ~ scale · N(0, 1/fan_in) (\[M\] App. D: Kaiming without gain, times α = 0.01).
    KaimingNormal {
        /// Multiplier of the Kaiming standard deviation 1/√fan_in (> 0).
        scale: f64,
    },
    /// θ_j ~ U[−α/fan_in, α/fan_in] (\[F\] §4.1).
    Uniform {
        /// Scale α (> 0).
        alpha: f64,
    },
    /// θ0 from a parameter file (`init = { type = "file", path = "theta0.json" }`; a relative
    /// path in a config file is relative to that file).
    File {
        /// The parameter file.
        path: std::path::PathBuf,
    },
}

impl Default for Init {
    /// Kaiming normal × 0.01, as in \[M\] App. D.
    fn default() -> Self {
        Init::KaimingNormal { scale: 0.01 }
    }
}

impl Init {
    /// Every initialization (for `implicit-bias list`; a test checks it against the serde
    /// tags). The default of `[model] init` is `kaiming_normal` with scale 0.01.
    pub fn catalogue() -> Vec<crate::catalogue::Row> {
        use crate::catalogue::Row;
        vec![
            Row::new(
                "kaiming_normal",
                "kaiming_normal {scale}",
                "θ_j ~ scale·N(0, 1/fan_in) ([M] App. D: scale 0.01, the default)",
            ),
            Row::new(
                "uniform",
                "uniform {alpha}",
                "θ_j ~ U[−α/fan_in, α/fan_in] ([F] §4.1)",
            ),
            Row::new(
                "file",
                "file {path}",
                "θ0 read from a parameter file (any `check --params` format, or a runs/*.json record)",
            ),
        ]
    }

    /// The same scheme with a relative file path taken relative to `base` (the directory of
    /// the config file that names it); other schemes unchanged.
    pub fn relative_to(&self, base: &std::path::Path) -> Init {
        match self {
            Init::File { path } if path.is_relative() => Init::File {
                path: base.join(path),
            },
            other => other.clone(),
        }
    }

    /// Check that the scale (or α) is finite and > 0, or that a file path is given.
    pub fn validate(&self) -> Result<()> {
        let (name, v) = match self {
            Init::KaimingNormal { scale } => ("kaiming_normal scale", *scale),
            Init::Uniform { alpha } => ("uniform alpha", *alpha),
            Init::File { path } if path.as_os_str().is_empty() => {
                return Err(Error::Config("init: type = \"file\" needs a path".into()))
            }
            Init::File { .. } => return Ok(()),
        };
        if v > 0.0 && v.is_finite() {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "init: {name} must be finite and > 0, got {v}"
            )))
        }
    }
}

/// Fan-in of a block: `cols` for a row-major matrix block, `n` for a vector block.
pub fn fan_in(shape: &BlockShape) -> usize {
    match *shape {
        BlockShape::Vector(n) => n,
        BlockShape::Matrix { cols, .. } => cols,
    }
}

/// Draw θ0 for `layout` (see the module docs), deterministic in `seed`.
pub fn initialize(layout: &Layout, init: &Init, seed: u64) -> Result<Vec<f64>> {
    init.validate()?;
    crate::resources::reserve(
        &format!("initializing {} parameters", layout.len()),
        crate::resources::f64_bytes(layout.len() as u128),
    )?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut theta = Vec::with_capacity(layout.len());
    for block in layout.blocks() {
        let fan = fan_in(&block.shape) as f64;
        let n = block.shape.len();
        match *init {
            Init::File { ref path } => {
                return Err(Error::Config(format!(
                    "init = file ({}): parameters from a file are read by \
                     params_io::instantiate, not drawn",
                    path.display()
                )))
            }
            Init::KaimingNormal { scale } => {
                let dist = Normal::new(0.0, scale / fan.sqrt())
                    .map_err(|e| Error::Config(format!("init: block `{}`: {e}", block.name)))?;
                theta.extend((0..n).map(|_| dist.sample(&mut rng)));
            }
            Init::Uniform { alpha } => {
                let b = alpha / fan;
                let dist = Uniform::new_inclusive(-b, b)
                    .map_err(|e| Error::Config(format!("init: block `{}`: {e}", block.name)))?;
                theta.extend((0..n).map(|_| dist.sample(&mut rng)));
            }
        }
    }
    Ok(theta)
}
