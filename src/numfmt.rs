//! Number formatting: every float-to-text rule of the crate's outputs in one place.
//!
//! * [`sig3`], [`sig3_floor`] — 3 significant digits in scientific notation, for snapshots
//!   and tables of margins and ratios (`"1.23e-3"`);
//! * [`log10_1`], [`log10_1_floor`] — log10 rounded to one decimal (`"-2.3"`), for snapshots
//!   of quantities that move in their 2nd–3rd digit under harmless linear-algebra changes
//!   (KKT gaps κ, their certified lower bounds, residuals ε_rel);
//! * [`num`] — the report's Markdown cells: fixed point with 3 significant digits in
//!   [10⁻³, 10⁴), scientific outside, `–` for NaN;
//! * [`csv_num`] — `trace.csv` cells: the shortest round-trip representation, empty for
//!   non-finite values;
//! * [`kappa_with_bound`] — the `κ (certified lower bound)` cell of the CLI tables
//!   (`"1.23e-3 (4.56e-4)"`).
//!
//! ```
//! use implicit_bias::numfmt::{csv_num, log10_1, num, sig3};
//! assert_eq!(sig3(0.0012345), "1.23e-3");
//! assert_eq!(log10_1(0.005), "-2.3");
//! assert_eq!(num(0.0012345), "0.00123");
//! assert_eq!(csv_num(f64::NAN), "");
//! ```

/// `v` with 3 significant digits in scientific notation (`"1.23e-3"`); `"nan"`, `"inf"`,
/// `"-inf"`, `"0"` for the special values. Used for snapshots so they are stable across
/// platforms.
pub fn sig3(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.into()
    } else if v == 0.0 {
        "0".into()
    } else {
        format!("{v:.2e}")
    }
}

/// Like [`sig3`], but |v| < `floor` prints as `"<floor"` (e.g. `"<1e-6"`).
pub fn sig3_floor(v: f64, floor: f64) -> String {
    if v.is_finite() && v.abs() < floor {
        format!("<{floor:e}")
    } else {
        sig3(v)
    }
}

/// log10 of `v` (> 0) rounded to one decimal: `"-2.3"` for 0.005, `"0.0"` for 1 (never
/// `"-0.0"`); `"nan"` for NaN or v < 0, `"-inf"` for 0, `"inf"` for +∞.
///
/// A tenth of a decade is a factor 1.26: numbers that jitter in their 2nd–3rd significant
/// digit (1e-14 rounding amplified by an LP or a polar factor) keep their string, except
/// near a rounding boundary.
pub fn log10_1(v: f64) -> String {
    if v.is_nan() || v < 0.0 {
        "nan".into()
    } else if v == 0.0 {
        "-inf".into()
    } else if v.is_infinite() {
        "inf".into()
    } else {
        let s = format!("{:.1}", v.log10());
        if s == "-0.0" {
            "0.0".into()
        } else {
            s
        }
    }
}

/// Like [`log10_1`], but a finite v < `floor` (zero and negative values included) prints as
/// `"<log10(floor)"` (e.g. `"<-6"` for `floor = 1e-6`): values below the floor are solver
/// noise.
pub fn log10_1_floor(v: f64, floor: f64) -> String {
    if v.is_finite() && v < floor {
        format!("<{}", floor.log10().round())
    } else {
        log10_1(v)
    }
}

/// `1.23e-4` style with 3 significant digits, fixed point (`0.00123`, `12.3`, `1234`) for
/// |v| in [10⁻³, 10⁴); `–` for NaN, `0` for zero.
pub fn num(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v == 0.0 {
        "0".into()
    } else if (1e-3..1e4).contains(&v.abs()) {
        let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
        format!("{v:.digits$}")
    } else {
        format!("{v:.2e}")
    }
}

/// A CSV cell: `v` in Rust's shortest round-trip form, empty for NaN and ±∞.
pub fn csv_num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

/// `"κ (lower bound)"` with 3 significant digits each: `"1.23e-3 (4.56e-4)"`.
pub fn kappa_with_bound(kappa: f64, lower_bound: f64) -> String {
    format!("{kappa:.2e} ({lower_bound:.2e})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sig3_rounds_to_three_significant_digits() {
        assert_eq!(sig3(0.0012345), "1.23e-3");
        assert_eq!(sig3(-2.0), "-2.00e0");
        assert_eq!(sig3(0.0), "0");
        assert_eq!(sig3(f64::NAN), "nan");
        assert_eq!(sig3(f64::NEG_INFINITY), "-inf");
        assert_eq!(sig3_floor(3e-9, 1e-6), "<1e-6");
        assert_eq!(sig3_floor(3e-3, 1e-6), "3.00e-3");
    }

    #[test]
    fn log10_1_rounds_to_a_tenth_of_a_decade() {
        assert_eq!(log10_1(0.005), "-2.3");
        assert_eq!(log10_1(1.0), "0.0");
        assert_eq!(log10_1(0.99), "0.0");
        assert_eq!(log10_1(250.0), "2.4");
        assert_eq!(log10_1(0.0), "-inf");
        assert_eq!(log10_1(f64::NAN), "nan");
        assert_eq!(log10_1(-1.0), "nan");
        assert_eq!(log10_1(f64::INFINITY), "inf");
        assert_eq!(log10_1_floor(3e-9, 1e-6), "<-6");
        assert_eq!(log10_1_floor(0.0, 1e-6), "<-6");
        assert_eq!(log10_1_floor(-1e-9, 1e-6), "<-6");
        assert_eq!(log10_1_floor(f64::NAN, 1e-6), "nan");
        assert_eq!(log10_1_floor(3e-3, 1e-6), "-2.5");
    }

    #[test]
    fn num_is_fixed_point_in_the_middle_range() {
        assert_eq!(num(f64::NAN), "–");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(0.0012345), "0.00123");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(1234.4), "1234");
        assert_eq!(num(12345.0), "1.23e4");
        assert_eq!(num(-0.5), "-0.500");
    }

    #[test]
    fn csv_and_kappa_cells() {
        assert_eq!(csv_num(0.1), "0.1");
        assert_eq!(csv_num(f64::INFINITY), "");
        assert_eq!(kappa_with_bound(1.2345e-3, 4.5e-4), "1.23e-3 (4.50e-4)");
    }
}
