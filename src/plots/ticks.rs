//! Axis ticks and tick labels, computed here rather than by plotters so that a log axis can
//! span ranges far outside f64 (the loss reaches 1e-2000 in long runs: the plot works on
//! log10 values, never on the quantity itself).
//!
//! * Linear axes get "nice" ticks at multiples of 1, 2 or 5 × 10^k.
//! * Log axes (values are exponents k, the quantity is 10^k) get ticks at integer exponents
//!   (every 1, 2, 5, 10, 20, 50, … decades) when the range spans at least three decades, and
//!   at mantissas 1, 2, 5 (or 1…9) × 10^e for short ranges. Labels are `1e-100`, `2e-3`, ….

use plotters::coord::ranged1d::{
    KeyPointHint, NoDefaultFormatting, Ranged, ReversibleRanged, ValueFormatter,
};
use std::ops::Range;

/// Largest |k| (tick index) for which ticks are generated; beyond it f64 spacing is too coarse.
const MAX_TICK_INDEX: f64 = 1e15;

/// The smallest step 1, 2 or 5 × 10^k (and at least `min_step`) that puts at most
/// `max_ticks + 1` ticks in `[lo, hi]`.
///
/// Consecutive candidates differ by a factor ≤ 2.5 and the previous one gave more than
/// max_ticks + 1 ticks, so unless `min_step` binds there are at least ⌊(max_ticks + 1)/2.5⌋
/// ticks: 2 or more for max_ticks ≥ 4, 3 or more for max_ticks ≥ 7.
/// Returns `min_step.max(1.0)` for an empty or non-finite range.
pub fn nice_step(lo: f64, hi: f64, max_ticks: usize, min_step: f64) -> f64 {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return min_step.max(1.0);
    }
    let max_count = max_ticks.max(1) + 1;
    let first_exp = (span / max_count as f64).log10().floor() as i32 - 1;
    for exp in first_exp..first_exp + 8 {
        for m in [1.0, 2.0, 5.0] {
            let step = (m * 10f64.powi(exp)).max(min_step);
            if multiples(lo, hi, step).len() <= max_count {
                return step;
            }
        }
    }
    span
}

/// All multiples of `step` inside `[lo, hi]` (with a relative slack of 1e-9 steps at both ends).
fn multiples(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let k0 = (lo / step - 1e-9).ceil();
    let k1 = (hi / step + 1e-9).floor();
    if !(k0.is_finite() && k1.is_finite()) || k0.abs() > MAX_TICK_INDEX || k1.abs() > MAX_TICK_INDEX
    {
        return vec![lo, hi];
    }
    let (k0, k1) = (k0 as i64, k1 as i64);
    (k0..=k1).map(|k| k as f64 * step).collect()
}

/// Nice linear ticks in `[lo, hi]`: the multiples of [`nice_step`]`(lo, hi, max_ticks, 0)`.
pub fn linear_ticks(lo: f64, hi: f64, max_ticks: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![];
    }
    multiples(lo, hi, nice_step(lo, hi, max_ticks, 0.0))
}

/// Exponents k = e + log10(m), m ∈ `mantissas`, that fall inside `[lo, hi]`, sorted.
fn mantissa_ticks(lo: f64, hi: f64, mantissas: &[f64]) -> Vec<f64> {
    let mut out = Vec::new();
    let (e0, e1) = (lo.floor() as i64, hi.ceil() as i64);
    for e in e0..=e1 {
        for &m in mantissas {
            let k = e as f64 + m.log10();
            if k >= lo - 1e-9 && k <= hi + 1e-9 {
                out.push(k);
            }
        }
    }
    out
}

/// Ticks of a log axis whose values are exponents k in `[lo, hi]` (the quantity is 10^k).
///
/// Integer exponents every 1, 2, 5, 10, … decades when at least three fit; otherwise mantissas
/// {1, 2, 5} or {1, …, 9} × 10^e; as a last resort nice linear ticks on the exponent (their
/// labels then carry a fractional mantissa such as `1.12e-3`).
pub fn log10_ticks(lo: f64, hi: f64, max_ticks: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![];
    }
    let max_ticks = max_ticks.max(2);
    let step = nice_step(lo, hi, max_ticks, 1.0);
    let integers = multiples(lo, hi, step);
    if integers.len() >= 3 || hi - lo > 20.0 {
        return integers;
    }
    let fits = |t: &Vec<f64>| t.len() >= 3 && t.len() <= max_ticks + 1;
    let one_two_five = mantissa_ticks(lo, hi, &[1.0, 2.0, 5.0]);
    if fits(&one_two_five) {
        return one_two_five;
    }
    if one_two_five.len() > max_ticks + 1 && integers.len() >= 2 {
        return integers;
    }
    let all: Vec<f64> = (1..10).map(f64::from).collect();
    let one_to_nine = mantissa_ticks(lo, hi, &all);
    if fits(&one_to_nine) {
        return one_to_nine;
    }
    if one_two_five.len() >= 2 {
        return one_two_five;
    }
    linear_ticks(lo, hi, max_ticks)
}

/// Drop trailing zeros (and a trailing '.') of a fixed-point number string.
fn trim_zeros(s: String) -> String {
    if !s.contains('.') {
        return s;
    }
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Label of the linear tick `v` on an axis whose ticks are `step` apart.
///
/// Fixed point with as many decimals as the step needs (`0.25`, `-3`, `0`), scientific
/// (`1.5e-5`, `2e7`) when |v| ≥ 1e5 or the step is below 1e-4.
pub fn format_linear(v: f64, step: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let step = if step.is_finite() && step > 0.0 {
        step
    } else {
        v.abs().max(1.0)
    };
    if v.abs() < step * 1e-6 {
        return "0".to_string();
    }
    let step_exp = step.log10().floor();
    if v.abs() >= 1e5 || step < 1e-4 {
        let digits = (v.abs().log10().floor() - step_exp).clamp(0.0, 15.0) as usize;
        let s = format!("{:.*e}", digits, v);
        // "1.50e-5" → "1.5e-5"
        return match s.split_once('e') {
            Some((mant, exp)) => format!("{}e{}", trim_zeros(mant.to_string()), exp),
            None => s,
        };
    }
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step_exp).max(0.0) as usize
    };
    trim_zeros(format!("{:.*}", decimals, v))
}

/// Label of the log tick at exponent `k` (the quantity 10^k) on an axis whose ticks are at
/// least `step` decades apart: `1e-100` for integer k, `2e-3` / `3.16e-3` otherwise (enough
/// mantissa decimals to tell neighbouring ticks apart). Never overflows: 10^k is not formed.
pub fn format_log10(k: f64, step: f64) -> String {
    if !k.is_finite() {
        return String::new();
    }
    let nearest = k.round();
    if (k - nearest).abs() < 1e-9 {
        return format!("1e{}", nearest as i64);
    }
    let e = k.floor();
    let mantissa = 10f64.powf(k - e);
    let step = if step.is_finite() && step > 0.0 {
        step.min(1.0)
    } else {
        1.0
    };
    let decimals = (-(step * std::f64::consts::LN_10).log10())
        .ceil()
        .clamp(0.0, 8.0) as usize;
    let text = trim_zeros(format!("{:.*}", decimals, mantissa));
    if text == "10" {
        return format!("1e{}", e as i64 + 1);
    }
    format!("{}e{}", text, e as i64)
}

/// How an axis maps values and labels ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scale {
    /// Values are shown as they are.
    Linear,
    /// Values are exponents k; ticks are labelled 10^k.
    Log10,
}

/// One axis of a chart: a plotters coordinate with our own ticks and labels.
#[derive(Clone, Debug)]
pub(crate) struct Axis {
    lo: f64,
    hi: f64,
    scale: Scale,
    major: Vec<f64>,
    minor: Vec<f64>,
    /// Smallest gap between consecutive major ticks (drives the label precision).
    step: f64,
}

impl Axis {
    /// An axis over `[lo, hi]` (finite, lo < hi; the caller pads) with about `max_ticks` ticks.
    pub(crate) fn new(lo: f64, hi: f64, scale: Scale, max_ticks: usize) -> Axis {
        let major = match scale {
            Scale::Linear => linear_ticks(lo, hi, max_ticks),
            Scale::Log10 => log10_ticks(lo, hi, max_ticks),
        };
        let step = major
            .windows(2)
            .map(|w| w[1] - w[0])
            .fold(f64::INFINITY, f64::min);
        let step = if step.is_finite() { step } else { hi - lo };
        let minor = minor_ticks(lo, hi, scale, &major, step);
        Axis {
            lo,
            hi,
            scale,
            major,
            minor,
            step,
        }
    }

    /// The tick labels, in order.
    pub(crate) fn labels(&self) -> Vec<String> {
        self.major.iter().map(|v| self.label(*v)).collect()
    }

    fn label(&self, v: f64) -> String {
        match self.scale {
            Scale::Linear => format_linear(v, self.step),
            Scale::Log10 => format_log10(v, self.step),
        }
    }

    /// Lower end of the axis.
    pub(crate) fn lo(&self) -> f64 {
        self.lo
    }
}

/// Light grid lines. Log axis: the mantissas 2…9 of each decade when ticks are one decade
/// apart (and at most 8 decades are shown), every decade when they are 2 or 5 apart. Otherwise
/// (evenly spaced ticks) fifths of the step, quarters for a step of 2·10^k.
fn minor_ticks(lo: f64, hi: f64, scale: Scale, major: &[f64], step: f64) -> Vec<f64> {
    if major.len() < 2 {
        return vec![];
    }
    let evenly = major
        .windows(2)
        .all(|w| ((w[1] - w[0]) - step).abs() <= 1e-9 * step);
    if !evenly {
        return vec![];
    }
    if scale == Scale::Log10 && (step - 1.0).abs() < 1e-12 {
        if hi - lo > 8.0 {
            return vec![];
        }
        let all: Vec<f64> = (2..10).map(f64::from).collect();
        return mantissa_ticks(lo, hi, &all);
    }
    if scale == Scale::Log10 && ((step - 2.0).abs() < 1e-12 || (step - 5.0).abs() < 1e-12) {
        return multiples(lo, hi, 1.0);
    }
    let lead = step / 10f64.powf(step.log10().floor());
    let parts = if (lead - 2.0).abs() < 1e-6 { 4.0 } else { 5.0 };
    multiples(lo, hi, step / parts)
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = (value - self.lo) / (self.hi - self.lo);
        let px = f64::from(limit.0) + t * f64::from(limit.1 - limit.0);
        // Values are inside the padded range by construction; the clamp only guards the cast.
        px.round().clamp(-1e6, 1e6) as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.major.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl ReversibleRanged for Axis {
    fn unmap(&self, input: i32, limit: (i32, i32)) -> Option<f64> {
        if limit.0 == limit.1 {
            return None;
        }
        let t = f64::from(input - limit.0) / f64::from(limit.1 - limit.0);
        Some(self.lo + t * (self.hi - self.lo))
    }
}

impl ValueFormatter<f64> for Axis {
    fn format_ext(&self, value: &f64) -> String {
        self.label(*value)
    }
}
