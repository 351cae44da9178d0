//! Elementary functions from IEEE basic operations only, so that results do
//! not depend on the platform's maths library.

use std::f64::consts::{FRAC_PI_2, LN_2, SQRT_2};

// Cody-Waite splittings of ln 2 and pi/2 (the fdlibm constants).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const PIO2_HI: f64 = f64::from_bits(0x3ff9_21fb_5440_0000);
const PIO2_LO: f64 = f64::from_bits(0x3dd0_b461_1a62_6331);

/// `1 / k!` for k = 0..=20, computed at compile time.
const INV_FACT: [f64; 21] = {
    let mut t = [1.0; 21];
    let mut k = 1;
    while k < 21 {
        t[k] = t[k - 1] / k as f64;
        k += 1;
    }
    t
};

fn pow2(n: i32) -> f64 {
    f64::from_bits(((n + 1023) as u64) << 52)
}

/// e^x.
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.0 {
        return f64::INFINITY;
    }
    if x < -708.0 {
        return 0.0;
    }
    let n = (x / LN_2).round();
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut sum = INV_FACT[15];
    for k in (0..15).rev() {
        sum = sum * r + INV_FACT[k];
    }
    sum * pow2(n as i32)
}

/// Natural logarithm of a positive normal number.
pub fn ln(x: f64) -> f64 {
    assert!(x >= f64::MIN_POSITIVE && x.is_finite(), "ln of {x}");
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i32 - 1023;
    let mut m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    if m > SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    // ln m = 2 atanh(s), |s| < 0.172
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut sum = 1.0 / 41.0;
    for k in (0..20).rev() {
        sum = sum * s2 + 1.0 / (2 * k + 1) as f64;
    }
    2.0 * s * sum + e as f64 * LN2_LO + e as f64 * LN2_HI
}

/// x^y for x > 0.
pub fn pow(x: f64, y: f64) -> f64 {
    exp(y * ln(x))
}

/// Taylor polynomials on |r| <= pi/4.
fn sin_poly(r: f64) -> f64 {
    let r2 = r * r;
    let mut sum = INV_FACT[19];
    for k in (0..9).rev() {
        let c = INV_FACT[2 * k + 1];
        sum = sum * -r2 + c;
    }
    sum * r
}

fn cos_poly(r: f64) -> f64 {
    let r2 = r * r;
    let mut sum = INV_FACT[20];
    for k in (0..10).rev() {
        sum = sum * -r2 + INV_FACT[2 * k];
    }
    sum
}

/// Sine and cosine of `x` radians (|x| up to about 1e6).
pub fn sin_cos(x: f64) -> (f64, f64) {
    let k = (x / FRAC_PI_2).round();
    let r = (x - k * PIO2_HI) - k * PIO2_LO;
    let (s, c) = (sin_poly(r), cos_poly(r));
    match (k as i64).rem_euclid(4) {
        0 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    }
}

/// Sine of `x` radians.
pub fn sin(x: f64) -> f64 {
    let k = (x / FRAC_PI_2).round();
    let r = (x - k * PIO2_HI) - k * PIO2_LO;
    match (k as i64).rem_euclid(4) {
        0 => sin_poly(r),
        1 => cos_poly(r),
        2 => -sin_poly(r),
        _ => -cos_poly(r),
    }
}

#[cfg(test)]
mod tests {
    use super::super::dmath;

    #[test]
    fn deterministic_maths_is_accurate() {
        for i in -2000..2000 {
            let x = i as f64 * 0.0137;
            let (s, c) = dmath::sin_cos(x);
            assert!((s - x.sin()).abs() < 1e-14, "sin {x}");
            assert!((c - x.cos()).abs() < 1e-14, "cos {x}");
            assert!((dmath::exp(x / 3.0) / (x / 3.0).exp() - 1.0).abs() < 1e-14);
            let y = (x * 7.0).abs() + 1e-3;
            assert!((dmath::ln(y) - y.ln()).abs() < 1e-14 * y.ln().abs().max(1.0));
        }
    }
}
