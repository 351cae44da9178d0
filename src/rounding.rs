//! Rounding to integers without a call into the C library.
//!
//! On the baseline x86-64 target, `f64::round` and `f64::floor` are calls
//! into libm (the instruction that does them inline, SSE4.1's `roundsd`,
//! is not in the baseline). The writers and the gap outlines round
//! hundreds of thousands of numbers per run; these give the same results
//! from a truncation (`as i64`, one instruction) and one exact correction.

/// `x.round() as i64` (half away from zero; NaN gives 0, beyond the range
/// saturates), the same for every `x`.
///
/// Below 2⁵² the truncation `t` and the fraction `x − t` are exact; from
/// 2⁵² on `x` is an integer, its fraction 0.
#[inline]
pub(crate) fn round_i64(x: f64) -> i64 {
    let t = x as i64;
    let f = x - t as f64;
    if f >= 0.5 {
        t.saturating_add(1)
    } else if f <= -0.5 {
        t.saturating_sub(1)
    } else {
        t
    }
}

/// `x.floor() as i64`, the same for every `x`.
#[inline]
pub(crate) fn floor_i64(x: f64) -> i64 {
    let t = x as i64;
    if (t as f64) > x {
        t.saturating_sub(1)
    } else {
        t
    }
}

/// `x.floor()`, the same for every `x` (the sign of a zero included).
#[inline]
pub(crate) fn floor(x: f64) -> f64 {
    // below 2⁶² in magnitude, never NaN: the integer path
    if x.abs() < 4.611_686_018_427_388e18 {
        (floor_i64(x) as f64).copysign(x)
    } else {
        x.floor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values where rounding turns: halves, integers and their
    /// neighbours, zeros, the edges of the exact range, non-finite ones;
    /// then random ones of every magnitude.
    fn values() -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            9.223_372_036_854_776e18,
            -9.223_372_036_854_776e18,
            4.611_686_018_427_388e18,
        ];
        for k in -60i64..60 {
            let base = k as f64 * 0.5;
            for d in [-2i32, -1, 0, 1, 2] {
                let mut x = base;
                for _ in 0..d.abs() {
                    x = if d > 0 { x.next_up() } else { x.next_down() };
                }
                v.push(x);
            }
        }
        for e in [52, 53, 62, 63] {
            let p = 2f64.powi(e);
            for x in [p, p.next_down(), p.next_up(), p - 0.5, p + 0.5, p - 1.5] {
                v.push(x);
                v.push(-x);
            }
        }
        let mut s = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..200_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let x = f64::from_bits(s);
            if x.is_finite() {
                v.push(x);
            }
            v.push((s >> 11) as f64 / (1u64 << 30) as f64 - 4096.0);
        }
        v
    }

    #[test]
    fn the_same_as_the_standard_library() {
        for x in values() {
            assert_eq!(round_i64(x), x.round() as i64, "round {x:e}");
            assert_eq!(floor_i64(x), x.floor() as i64, "floor_i64 {x:e}");
            let (a, b) = (floor(x), x.floor());
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "floor {x:e}: {a:e} against {b:e}"
            );
        }
    }
}
