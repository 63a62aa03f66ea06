//! Mini-batch sampling for [`crate::train`]: seeded, reshuffled every epoch, bit-identical
//! across reruns.
//!
//! **Sampler** ([`BatchSampler`]). An epoch is a uniformly random permutation π of the m
//! sample indices (Fisher–Yates with a ChaCha8 stream seeded by `seed`); the batches of the
//! epoch are π[0..b], π[b..2b], …, and the last ⌊m/b⌋·b < m leftover indices are dropped
//! (every batch has exactly b samples; each sample is used at most once per epoch, and the
//! dropped ones differ from epoch to epoch). Then the next epoch draws a fresh permutation
//! from the same stream. Within a batch the indices are sorted, so a batch's gradient sums
//! its samples in data order.
//!
//! **Gradient estimate.** The training loss is the sum L(θ) = Σ_{i=1}^m ℓ(q_i(θ)), so the
//! batch estimate is ∇̂L = (m/b) Σ_{i∈B} ℓ'(q_i) y_i ∇f(x_i; θ), unbiased over a uniform
//! batch. In the log domain: −∇̂L = e^{c_B + ln(m/b)} Σ_{i∈B} w_i y_i ∇f(x_i; θ) with the
//! batch's gradient weights (c_B, w) from [`crate::loss::Loss::log_loss_and_weights`], so
//! training goes past L = 1e-300 with mini-batches too. Normalized and sign methods see only
//! the direction; for GD (then *SGD*) the factor m/b keeps the step the full-batch scale.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::models::{Model, Workspace};
use nalgebra::DMatrix;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Seeded epoch-wise sampler of batches of b out of m indices (module docs).
#[derive(Debug, Clone)]
pub struct BatchSampler {
    m: usize,
    b: usize,
    perm: Vec<usize>,
    pos: usize,
    batch: Vec<usize>,
    epochs: u64,
    rng: ChaCha8Rng,
}

impl BatchSampler {
    /// A sampler of batches of `b` out of `m` indices with stream `seed`. Errors
    /// ([`Error::Config`]) when b = 0 or b > m.
    pub fn new(m: usize, b: usize, seed: u64) -> Result<Self> {
        if b == 0 {
            return Err(Error::Config("batch_size must be ≥ 1".into()));
        }
        if b > m {
            return Err(Error::Config(format!(
                "batch_size = {b} exceeds the number of samples m = {m}"
            )));
        }
        Ok(BatchSampler {
            m,
            b,
            perm: (0..m).collect(),
            pos: m, // forces a shuffle on the first call
            batch: Vec::with_capacity(b),
            epochs: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
        })
    }

    /// The next batch: b distinct indices in increasing order.
    pub fn next_batch(&mut self) -> &[usize] {
        if self.pos + self.b > self.m {
            self.perm.sort_unstable();
            self.perm.shuffle(&mut self.rng);
            self.pos = 0;
            self.epochs += 1;
        }
        self.batch.clear();
        self.batch
            .extend_from_slice(&self.perm[self.pos..self.pos + self.b]);
        self.batch.sort_unstable();
        self.pos += self.b;
        &self.batch
    }

    /// Epochs started so far (1 after the first batch).
    pub fn epochs(&self) -> u64 {
        self.epochs
    }

    /// The batch size b.
    pub fn batch_size(&self) -> usize {
        self.b
    }
}

/// The mini-batch path of the training loop: the sampler and reusable batch buffers.
#[derive(Debug)]
pub(crate) struct MiniBatch {
    sampler: BatchSampler,
    data: Dataset,
    ws: Workspace,
    q: Vec<f64>,
    w: Vec<f64>,
    log_m_over_b: f64,
}

impl MiniBatch {
    /// Buffers for batches of `b` of `full`'s samples (`None` when b ≥ m: full batch).
    pub(crate) fn new(
        model: &dyn Model,
        full: &Dataset,
        b: usize,
        seed: u64,
    ) -> Result<Option<Self>> {
        let m = full.m();
        if b == 0 {
            return Err(Error::Config("batch_size must be ≥ 1".into()));
        }
        if b >= m {
            return Ok(None);
        }
        Ok(Some(MiniBatch {
            sampler: BatchSampler::new(m, b, seed)?,
            data: Dataset {
                x: DMatrix::zeros(b, full.d()),
                y: full.y[..b].to_vec(),
                classes: full.classes,
            },
            ws: model.workspace(b),
            q: vec![0.0; b * full.rows_per_sample()],
            w: vec![0.0; b * full.rows_per_sample()],
            log_m_over_b: (m as f64 / b as f64).ln(),
        }))
    }

    /// Draw the next batch and write Σ_{i∈B} w_i y_i ∇f(x_i; θ) to `out`; returns the
    /// log-scale c_B + ln(m/b) of the estimate −∇̂L = e^{that}·out (module docs).
    pub(crate) fn gradient(
        &mut self,
        model: &dyn Model,
        full: &Dataset,
        loss: Loss,
        theta: &[f64],
        out: &mut [f64],
    ) -> f64 {
        let idx = self.sampler.next_batch();
        for c in 0..full.d() {
            let src = full.x.column(c);
            let mut dst = self.data.x.column_mut(c);
            for (r, &i) in idx.iter().enumerate() {
                dst[r] = src[i];
            }
        }
        for (r, &i) in idx.iter().enumerate() {
            self.data.y[r] = full.y[i];
        }
        model.margins(theta, &self.data, &mut self.ws, &mut self.q);
        let (_, c) =
            loss.log_loss_and_weights_grouped(&self.q, &mut self.w, full.rows_per_sample());
        model.weighted_gradient(theta, &self.data, &self.w, &mut self.ws, out);
        c + self.log_m_over_b
    }
}
