//! Element types accepted in binary parameter files and their exact widening to f64.
//!
//! Every accepted type is a binary floating-point format whose values are a subset of
//! f64's, so widening is exact (no rounding): f64 as is; f32 (24-bit significand, exponent
//! range ⊂ f64's) by `as f64`; IEEE half f16 (11-bit significand, exponents −24…15) and
//! bfloat16 (the top 16 bits of an f32) by reassembling their bits. Integer, boolean,
//! complex, 8-bit-float and extended-precision (`f16` in NumPy's sense of float128) arrays
//! are rejected: parameters of a homogeneous model are real numbers, and a silent cast from
//! an integer array almost always means the wrong tensor was picked.

/// A floating-point element type that widens exactly to f64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Float {
    /// IEEE 754 binary16.
    F16,
    /// bfloat16 (1 sign, 8 exponent, 7 fraction bits).
    BF16,
    /// IEEE 754 binary32.
    F32,
    /// IEEE 754 binary64.
    F64,
}

impl Float {
    /// Bytes per element.
    pub(crate) fn size(self) -> usize {
        match self {
            Float::F16 | Float::BF16 => 2,
            Float::F32 => 4,
            Float::F64 => 8,
        }
    }
}

/// IEEE binary16 bits → f64, exactly: (−1)^s · 2^(e−15) · 1.m for normal numbers,
/// (−1)^s · 2^(−24) · m for subnormals, ±∞ and NaN preserved.
pub(crate) fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let mant = f64::from(bits & 0x3ff);
    let mag = match exp {
        0 => mant * 2f64.powi(-24),
        31 if mant == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1024.0 + mant) * 2f64.powi(e - 25),
    };
    sign * mag
}

/// bfloat16 bits → f64, exactly (bfloat16 is the upper half of an f32).
pub(crate) fn bf16_to_f64(bits: u16) -> f64 {
    f64::from(f32::from_bits(u32::from(bits) << 16))
}

/// Decode `bytes` (exactly n·size of them) as elements of `kind` in the given byte order.
pub(crate) fn decode(kind: Float, big_endian: bool, bytes: &[u8]) -> Vec<f64> {
    let size = kind.size();
    debug_assert_eq!(bytes.len() % size, 0);
    bytes
        .chunks_exact(size)
        .map(|c| {
            let mut b = [0u8; 8];
            b[..size].copy_from_slice(c);
            if big_endian {
                b[..size].reverse();
            }
            match kind {
                Float::F16 => f16_to_f64(u16::from_le_bytes([b[0], b[1]])),
                Float::BF16 => bf16_to_f64(u16::from_le_bytes([b[0], b[1]])),
                Float::F32 => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                Float::F64 => f64::from_le_bytes(b),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_values_are_exact() {
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f16_to_f64(0xc000), -2.0);
        assert_eq!(f16_to_f64(0x7bff), 65504.0); // largest normal
        assert_eq!(f16_to_f64(0x0001), 2f64.powi(-24)); // smallest subnormal
        assert_eq!(f16_to_f64(0x3555), 0.333251953125);
        assert!(f16_to_f64(0x7c00).is_infinite());
        assert!(f16_to_f64(0x7e00).is_nan());
        assert_eq!(bf16_to_f64(0x3f80), 1.0);
        assert_eq!(bf16_to_f64(0xc0a0), -5.0);
    }

    #[test]
    fn byte_orders_agree() {
        let x = -1.2345678901234567_f64;
        let le = decode(Float::F64, false, &x.to_le_bytes());
        let be = decode(Float::F64, true, &x.to_be_bytes());
        assert_eq!(le, vec![x]);
        assert_eq!(be, vec![x]);
        let y = 0.1_f32;
        assert_eq!(
            decode(Float::F32, true, &y.to_be_bytes()),
            vec![f64::from(y)]
        );
    }
}
