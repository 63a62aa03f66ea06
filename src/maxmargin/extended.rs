//! Extended-exponent floats for the certificate: x = m·2^e with an f64 mantissa and an `i64`
//! exponent, so that margins of data at 1e±300 (and products of such numbers) neither
//! overflow nor underflow while the certificate is recomputed in the original coordinates.
//!
//! Only scaling by powers of two is done outside ordinary f64 arithmetic, and that is exact
//! (it changes the exponent, never the mantissa), so every operation here rounds exactly
//! like the f64 operation on the mantissas.

use std::cmp::Ordering;

/// 2^e for e ∈ [−1022, 1023] (a normal f64, exact).
fn pow2(e: i64) -> f64 {
    debug_assert!((-1022..=1023).contains(&e));
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// x·2^e, computed exactly while the result is a normal f64 (only the last step into the
/// subnormal range rounds); ±∞ on overflow.
pub(crate) fn ldexp(mut x: f64, mut e: i64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    while e > 1000 {
        x *= pow2(1000);
        e -= 1000;
        if x.is_infinite() {
            return x;
        }
    }
    while e < -1000 {
        x *= pow2(-1000);
        e += 1000;
        if x == 0.0 {
            return x;
        }
    }
    x * pow2(e)
}

/// (m, e) with x = m·2^e and 0.5 ≤ |m| < 1 (m = x, e = 0 for 0 and non-finite x). Exact,
/// subnormals included.
pub(crate) fn frexp(x: f64) -> (f64, i64) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    if biased == 0 {
        // Subnormal: scale into the normal range first (exact).
        let (m, e) = frexp(x * pow2(64));
        return (m, e - 64);
    }
    let m = f64::from_bits((bits & !(0x7ff_u64 << 52)) | (1022_u64 << 52));
    (m, biased - 1022)
}

/// The binary exponent e of x = m·2^e, 0.5 ≤ |m| < 1 (0 for x = 0).
pub(crate) fn exponent(x: f64) -> i64 {
    frexp(x).1
}

/// A real number m·2^e, normalized so that m = 0 (then e = 0) or 0.5 ≤ |m| < 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ext {
    m: f64,
    e: i64,
}

impl Ext {
    /// Zero.
    pub(crate) const ZERO: Ext = Ext { m: 0.0, e: 0 };

    /// x·2^e (x finite).
    pub(crate) fn scaled(x: f64, e: i64) -> Ext {
        let (m, k) = frexp(x);
        if m == 0.0 {
            return Ext::ZERO;
        }
        Ext { m, e: k + e }
    }

    /// x exactly.
    pub(crate) fn from_f64(x: f64) -> Ext {
        Ext::scaled(x, 0)
    }

    /// The nearest f64 (±∞ above f64::MAX, gradual underflow to 0 below the normal range).
    pub(crate) fn to_f64(self) -> f64 {
        ldexp(self.m, self.e)
    }

    /// Whether this is 0.
    pub(crate) fn is_zero(self) -> bool {
        self.m == 0.0
    }

    /// Whether this is > 0.
    pub(crate) fn is_positive(self) -> bool {
        self.m > 0.0
    }

    /// |x|.
    pub(crate) fn abs(self) -> Ext {
        Ext {
            m: self.m.abs(),
            e: self.e,
        }
    }

    /// The binary exponent e of x = m·2^e, 0.5 ≤ |m| < 1 (0 for x = 0).
    pub(crate) fn exponent(self) -> i64 {
        self.e
    }

    /// x·2^k as the nearest f64 (exact while the result is a normal f64).
    pub(crate) fn scale_to_f64(self, k: i64) -> f64 {
        ldexp(self.m, self.e + k)
    }

    /// log10 |x| (−∞ for 0), for messages.
    pub(crate) fn log10(self) -> f64 {
        (self.m.abs().log2() + self.e as f64) * std::f64::consts::LOG10_2
    }

    /// The larger of two values.
    pub(crate) fn max(self, o: Ext) -> Ext {
        if o > self {
            o
        } else {
            self
        }
    }

    /// The smaller of two values.
    pub(crate) fn min(self, o: Ext) -> Ext {
        if o < self {
            o
        } else {
            self
        }
    }

    /// Σ of the values: aligned to the largest exponent, summed in f64 (as accurate as an f64
    /// sum of the aligned terms; terms below 2^-1074 of the largest are lost).
    pub(crate) fn sum(xs: &[Ext]) -> Ext {
        let Some(top) = xs.iter().filter(|x| !x.is_zero()).map(|x| x.e).max() else {
            return Ext::ZERO;
        };
        let s: f64 = xs.iter().map(|x| ldexp(x.m, x.e - top)).sum();
        Ext::scaled(s, top)
    }

    /// (Σ x_i²)^{1/2} without overflow.
    pub(crate) fn norm2(xs: &[Ext]) -> Ext {
        let Some(top) = xs.iter().filter(|x| !x.is_zero()).map(|x| x.e).max() else {
            return Ext::ZERO;
        };
        let s: f64 = xs
            .iter()
            .map(|x| {
                let v = ldexp(x.m, x.e - top);
                v * v
            })
            .sum();
        Ext::scaled(s.sqrt(), top)
    }
}

impl std::ops::Mul for Ext {
    type Output = Ext;
    fn mul(self, o: Ext) -> Ext {
        Ext::scaled(self.m * o.m, self.e + o.e)
    }
}

impl std::ops::Div for Ext {
    type Output = Ext;
    /// x / y (y ≠ 0; a zero divisor gives a non-finite mantissa).
    fn div(self, o: Ext) -> Ext {
        Ext::scaled(self.m / o.m, self.e - o.e)
    }
}

impl std::ops::Neg for Ext {
    type Output = Ext;
    fn neg(self) -> Ext {
        Ext {
            m: -self.m,
            e: self.e,
        }
    }
}

impl std::ops::Add for Ext {
    type Output = Ext;
    fn add(self, o: Ext) -> Ext {
        Ext::sum(&[self, o])
    }
}

impl std::ops::Sub for Ext {
    type Output = Ext;
    fn sub(self, o: Ext) -> Ext {
        Ext::sum(&[self, -o])
    }
}

impl PartialOrd for Ext {
    fn partial_cmp(&self, o: &Ext) -> Option<Ordering> {
        let sign = |x: &Ext| {
            if x.m > 0.0 {
                1
            } else if x.m < 0.0 {
                -1
            } else {
                0
            }
        };
        let (sa, sb) = (sign(self), sign(o));
        if sa != sb || sa == 0 {
            return sa.partial_cmp(&sb);
        }
        // Same nonzero sign: compare magnitudes, then flip for negatives.
        let mag = match self.e.cmp(&o.e) {
            Ordering::Equal => self.m.abs().partial_cmp(&o.m.abs())?,
            c => c,
        };
        Some(if sa > 0 { mag } else { mag.reverse() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_ldexp_round_trip_exactly() {
        for &x in &[
            1.0,
            -3.5,
            1e-308,
            5e-324,
            -2.2250738585072014e-308,
            1.7976931348623157e308,
            0.1,
        ] {
            let (m, e) = frexp(x);
            assert!((0.5..1.0).contains(&m.abs()), "{x}: m = {m}");
            assert_eq!(ldexp(m, e), x);
        }
        assert_eq!(ldexp(1.0, 1024), f64::INFINITY);
        assert_eq!(ldexp(1.0, -1075), 0.0);
        assert_eq!(ldexp(1.0, -1074), 5e-324);
    }

    #[test]
    fn arithmetic_beyond_the_f64_range() {
        let big = Ext::scaled(1.5, 2000);
        let small = Ext::scaled(1.25, -2000);
        assert_eq!((big * small).to_f64(), 1.875);
        assert_eq!((small / small).to_f64(), 1.0);
        assert!(big > small && -big < -small && small > Ext::ZERO && -small < Ext::ZERO);
        assert_eq!((big + small).to_f64(), f64::INFINITY);
        assert_eq!(Ext::sum(&[big, -big, small]).to_f64(), 0.0);
        let n = Ext::norm2(&[Ext::scaled(3.0, -3000), Ext::scaled(4.0, -3000)]);
        assert_eq!(n, Ext::scaled(5.0, -3000));
        assert!((Ext::scaled(1.0, -3000).log10() + 903.09).abs() < 0.01);
    }
}
