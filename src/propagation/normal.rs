//! The inverse of the standard normal cumulative distribution function, for
//! log-normal shadow-fading margins.

// P. J. Acklam's rational approximation (2003): relative error below
// 1.15e-9 over (0, 1). Central region |p − 0.5| ≤ 0.47575, tails beyond.
// The coefficients are kept digit for digit as published.
#![allow(clippy::excessive_precision)]

const A: [f64; 6] = [
    -3.969683028665376e+01,
    2.209460984245205e+02,
    -2.759285104469687e+02,
    1.383577518672690e+02,
    -3.066479806614716e+01,
    2.506628277459239e+00,
];
const B: [f64; 5] = [
    -5.447609879822406e+01,
    1.615858368580409e+02,
    -1.556989798598866e+02,
    6.680131188771972e+01,
    -1.328068155288572e+01,
];
const C: [f64; 6] = [
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e+00,
    -2.549732539343734e+00,
    4.374664141464968e+00,
    2.938163982698783e+00,
];
const D: [f64; 4] = [
    7.784695709041462e-03,
    3.224671290700398e-01,
    2.445134137142996e+00,
    3.754408661907416e+00,
];
const P_LOW: f64 = 0.02425;

/// The standard normal quantile Φ⁻¹(p): the `z` with P(Z ≤ z) = `p`.
///
/// Acklam's rational approximation, relative error below 1.15e-9 on
/// (0, 1). Returns −∞ for `p` ≤ 0, +∞ for `p` ≥ 1 and NaN for NaN.
///
/// The shadow-fading margin that keeps the received level above the
/// threshold with probability `p` at the cell edge, for log-normal
/// shadowing of standard deviation σ dB, is Φ⁻¹(p)·σ.
///
/// ```
/// use telecov::propagation::inverse_normal_cdf;
/// assert!((inverse_normal_cdf(0.95) - 1.6449).abs() < 1e-4);
/// // 90 % at the cell edge with σ = 8 dB: a 10.25 dB margin
/// assert!((inverse_normal_cdf(0.9) * 8.0 - 10.25).abs() < 0.01);
/// ```
pub fn inverse_normal_cdf(p: f64) -> f64 {
    if p.is_nan() {
        return f64::NAN;
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    if p < P_LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    }
}

/// The lower-tail branch, in terms of q = √(−2·ln p).
fn tail(q: f64) -> f64 {
    (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
        / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Quantiles to 16 digits (standard tables; e.g. Python's
    /// `statistics.NormalDist().inv_cdf`, which uses Wichura's AS 241).
    const KNOWN: [(f64, f64); 12] = [
        (0.5, 0.0),
        (0.75, 0.6744897501960817),
        (0.8, 0.8416212335729144),
        (0.9, 1.2815515655446008),
        (0.95, 1.6448536269514715),
        (0.975, 1.9599639845400536),
        (0.99, 2.3263478740408408),
        (0.999, 3.090232306167813),
        (0.02425, -1.9729610513118845),
        (0.97575, 1.9729610513118847),
        (1e-6, -4.753424308822899),
        (1e-12, -7.034483825301132),
    ];

    #[test]
    fn brief_quantiles() {
        assert!((inverse_normal_cdf(0.9) - 1.2816).abs() < 1e-4);
        assert!((inverse_normal_cdf(0.95) - 1.6449).abs() < 1e-4);
    }

    #[test]
    fn known_quantiles_to_the_published_accuracy() {
        for (p, z) in KNOWN {
            let got = inverse_normal_cdf(p);
            assert!(
                (got - z).abs() <= 1.2e-9 * z.abs().max(1.0),
                "p = {p}: {got} vs {z}"
            );
            // symmetry: Φ⁻¹(1 − p) = −Φ⁻¹(p)
            if p > 1e-9 {
                let mirrored = inverse_normal_cdf(1.0 - p);
                assert!((mirrored + z).abs() <= 1e-8 * z.abs().max(1.0), "1 − {p}");
            }
        }
    }

    #[test]
    fn limits() {
        assert_eq!(inverse_normal_cdf(0.0), f64::NEG_INFINITY);
        assert_eq!(inverse_normal_cdf(-1.0), f64::NEG_INFINITY);
        assert_eq!(inverse_normal_cdf(1.0), f64::INFINITY);
        assert!(inverse_normal_cdf(f64::NAN).is_nan());
        assert!(inverse_normal_cdf(f64::MIN_POSITIVE).is_finite());
    }

    proptest! {
        #[test]
        fn increasing(p in 1e-12f64..0.999_999, k in 1.000_001f64..2.0) {
            let q = (p * k).min(1.0 - 1e-12);
            prop_assume!(q > p);
            prop_assert!(inverse_normal_cdf(q) > inverse_normal_cdf(p));
        }
    }
}
