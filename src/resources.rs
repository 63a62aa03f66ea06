//! Resource guards: sizes computed with checked arithmetic, and a memory budget checked
//! before large allocations, so that an absurd size in a spec or config (a width of 10⁹, a
//! generator with m = 10⁹) is a clear error naming the size — never a `capacity overflow`
//! panic or an allocation abort (exit status 134).
//!
//! **The budget.** [`memory_limit`] is, in order: the value set with [`set_memory_limit`]
//! (the CLI's `--memory-limit`), the environment variable `IB_MEMORY_LIMIT` (bytes, or with a
//! suffix `K`, `M`, `G`, `T`: powers of 1024), the machine's available memory
//! (`MemAvailable` in `/proc/meminfo`), or 16 GiB where none of these is known.
//! [`reserve`] compares an estimate with it. The estimates are upper bounds of the dominant
//! buffers (documented where they are made), not exact accounting: their purpose is to refuse
//! sizes that cannot possibly fit, before the allocator is asked.
//!
//! **Threads.** [`MAX_JOBS`] caps the worker threads of an experiment grid.

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicU64, Ordering};

/// Most worker threads `run --jobs` starts (more are clamped to this, and to the grid size).
pub const MAX_JOBS: usize = 256;

/// 0 = not set.
static LIMIT_OVERRIDE: AtomicU64 = AtomicU64::new(0);

/// Set the memory budget for this process (`None`: back to the environment / machine).
pub fn set_memory_limit(bytes: Option<u64>) {
    LIMIT_OVERRIDE.store(bytes.unwrap_or(0), Ordering::SeqCst);
}

/// Parse a size: a number of bytes, optionally with a suffix `K`, `M`, `G`, `T` (× 1024^k),
/// e.g. `8G`, `512M`, `1073741824`.
pub fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                'B' => 1,
                _ => {
                    return Err(Error::Config(format!(
                        "size `{s}`: unknown suffix `{c}` (use K, M, G or T)"
                    )))
                }
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| Error::Config(format!("size `{s}` is not a number of bytes")))?;
    let bytes = v * mult as f64;
    if !(bytes >= 1.0 && bytes < 2f64.powi(63)) {
        return Err(Error::Config(format!(
            "size `{s}` must be at least 1 byte and below 2^63"
        )));
    }
    Ok(bytes as u64)
}

/// `MemAvailable` from `/proc/meminfo`, in bytes.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// The memory budget in bytes (see the module docs). An unparsable `IB_MEMORY_LIMIT` is
/// ignored here and reported by [`reserve`].
pub fn memory_limit() -> u64 {
    let o = LIMIT_OVERRIDE.load(Ordering::SeqCst);
    if o > 0 {
        return o;
    }
    if let Some(v) = std::env::var("IB_MEMORY_LIMIT")
        .ok()
        .and_then(|s| parse_size(&s).ok())
    {
        return v;
    }
    available_memory().unwrap_or(16 << 30)
}

/// Human-readable bytes (`1.5 GiB`).
pub fn show_bytes(bytes: u128) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else if v >= 1024.0 {
        format!("{:.3e} {}", v, units[u])
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// Refuse an estimated allocation of `bytes` for `what` when it exceeds the budget
/// ([`Error::Config`], naming the size, the budget and how to change it).
pub fn reserve(what: &str, bytes: u128) -> Result<()> {
    if let Ok(s) = std::env::var("IB_MEMORY_LIMIT") {
        if LIMIT_OVERRIDE.load(Ordering::SeqCst) == 0 {
            parse_size(&s).map_err(|e| Error::Config(format!("IB_MEMORY_LIMIT: {e}")))?;
        }
    }
    let limit = memory_limit();
    if bytes > u128::from(limit) {
        return Err(Error::Config(format!(
            "{what} needs about {} of memory, more than the budget of {} (the available \
             memory; set `--memory-limit` or IB_MEMORY_LIMIT to change it)",
            show_bytes(bytes),
            show_bytes(u128::from(limit))
        )));
    }
    Ok(())
}

/// a·b for sizes, or [`Error::Config`] naming `what` when it overflows `usize`.
pub fn checked_product(what: &str, a: usize, b: usize) -> Result<usize> {
    a.checked_mul(b)
        .ok_or_else(|| Error::Config(format!("{what}: {a} × {b} overflows the size range")))
}

/// Bytes of `n` f64 values, as u128 (never overflows).
pub fn f64_bytes(n: u128) -> u128 {
    n.saturating_mul(8)
}
