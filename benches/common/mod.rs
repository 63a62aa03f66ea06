//! Shared inputs of the benches (`mod common;` from each bench file; this directory is not a
//! bench target itself).
//!
//! The three problem sizes of the performance issue (#6):
//!
//! | size | m | d | k | data |
//! |---|---|---|---|---|
//! | small | 40 | 10 | 16 | `generators::quadratic_rank4(40, 10, normalized, seed 1)` |
//! | digits | 1797 | 64 | 64 | `fixtures/datasets/digits_even_odd.csv` |
//! | large | 2048 | 784 | 128 | seeded Gaussian, x_i ~ N(0, I/d), y_i = sign⟨w*, x_i⟩ |
//!
//! A step of the two-layer net costs two GEMMs of 2·m·d·k flops each (H = X Wᵀ and
//! ∇W = Xᵀ B, see `src/models/two_layer.rs`), so the benches report throughput in those
//! flops: criterion's "elem/s" column is GEMM-FLOP/s.

#![allow(dead_code)] // each bench uses a subset

use implicit_bias::data::{generators, load_csv, Dataset};
use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One benchmark size: name, data and hidden width k.
pub struct Size {
    /// `small`, `digits` or `large`.
    pub name: &'static str,
    /// The data (m × d).
    pub data: Dataset,
    /// Hidden width.
    pub k: usize,
}

impl Size {
    /// Flops of the two GEMMs of one training step: 4·m·d·k.
    pub fn step_flops(&self) -> u64 {
        4 * (self.data.m() * self.data.d() * self.k) as u64
    }
}

/// Seeded standard-normal matrix (column-major m × n) from ChaCha8.
pub fn gaussian(m: usize, n: usize, scale: f64, seed: u64) -> DMatrix<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    DMatrix::from_fn(m, n, |_, _| {
        scale * rng.sample::<f64, _>(rand_distr::StandardNormal)
    })
}

/// m samples x_i ~ N(0, I/d) with labels sign⟨w*, x_i⟩ for a seeded Gaussian w*.
pub fn gaussian_dataset(m: usize, d: usize, seed: u64) -> Dataset {
    let x = gaussian(m, d, 1.0 / (d as f64).sqrt(), seed);
    let w = gaussian(d, 1, 1.0, seed.wrapping_add(1));
    let f = &x * &w;
    let y = f
        .iter()
        .map(|v| if *v >= 0.0 { 1.0 } else { -1.0 })
        .collect();
    Dataset::new(x, y).expect("gaussian dataset")
}

/// small (m = 40, d = 10, k = 16).
pub fn small() -> Size {
    Size {
        name: "small",
        data: generators::quadratic_rank4(40, 10, true, 1).expect("generator"),
        k: 16,
    }
}

/// digits (m = 1797, d = 64, k = 64), the bundled even-vs-odd fixture.
pub fn digits() -> Size {
    let data = load_csv(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/datasets/digits_even_odd.csv"
    ))
    .expect("bundled digits fixture");
    Size {
        name: "digits",
        data,
        k: 64,
    }
}

/// large (m = 2048, d = 784, k = 128), seeded Gaussian data.
pub fn large() -> Size {
    Size {
        name: "large",
        data: gaussian_dataset(2048, 784, 7),
        k: 128,
    }
}

/// All three sizes.
pub fn sizes() -> Vec<Size> {
    vec![small(), digits(), large()]
}

/// `vzeroupper` after a direct faer call (faer's AVX kernels leave the upper vector halves
/// dirty; the crate does the same in `linalg::clear_upper_simd_state`, which is crate-private).
#[inline]
pub fn clear_upper_simd_state() {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: only needs AVX, checked just above; no live values in the upper halves.
            unsafe { std::arch::x86_64::_mm256_zeroupper() }
        }
    }
}

/// True when the environment variable is set to something other than "", "0" or "false".
pub fn env_flag(name: &str) -> bool {
    std::env::var(name)
        .map(|v| !v.is_empty() && v != "0" && v != "false")
        .unwrap_or(false)
}
