//! WGS 84 at the boundary, metres inside: transverse Mercator strips.
//!
//! Scenarios arrive as WGS 84 longitude/latitude degrees. Coverage tests
//! (ranges, sector wedges, fibre drops, demand grids) run in metres on a
//! plane. This module supplies that plane: a [`TransverseMercator`] frame
//! (Krüger's series to sixth order in the third flattening `n`, after Karney
//! 2011, "Transverse Mercator with an accuracy of a few nanometers", J. Geod.
//! 85:475–485), and [`Strips`], a set of narrow longitude strips that each get
//! their own frame.
//!
//! # Why strips
//!
//! A transverse Mercator is conformal but not equidistant: a short distance
//! measured on the grid is the ground distance times the *point scale factor*
//! `k`, which grows away from the central meridian (CM) as
//!
//! ```text
//! k ≈ k0 · (1 + x² / (2 R²))        x: distance from the CM, R ≈ 6 371 km
//! ```
//!
//! With `k0 = 1`, the error `k − 1` stays within the contract's 0.01 %
//! (1e-4) as long as `|x| ≤ ~90 km`. A strip [`MAX_STRIP_WIDTH_DEG`] = 1° wide
//! reaches ±0.5° from its CM: ±55.7 km at the equator, ±52 km at 21° N
//! (Hanoi), less further north. Everything inside the strip, *plus* anything
//! within ~30 km outside it (a site across the edge whose coverage reaches
//! in, a fibre route, a wifi point), lies within ~86 km of the CM, where
//! `k − 1 ≤ 9.2e-5`.
//!
//! # Accuracy
//!
//! Figures measured by this module's tests, against GeographicLib geodesics
//! (through `geo::Geodesic`), PROJ's published values and numerical
//! integration:
//!
//! * The projection itself (forward and inverse) is accurate to a few
//!   nanometres within 3 900 km of the CM (Karney 2011): it matches PROJ's
//!   reference coordinates to 6e-9 m and the numerically integrated meridian
//!   arc to 1e-7 m; forward/inverse round trips agree to 3e-14° over
//!   latitudes −80..80 and ±3° from the CM.
//! * **Raw grid distances** (Euclidean, between projected points) are within
//!   the contract's 0.01 % of the geodesic distance whenever both ends are
//!   within ~86 km of the CM: at most 6.3e-5 for lines up to 30 km starting
//!   anywhere in a 1° strip (latitudes −60..60), 8.9e-5 for lines that run
//!   85 km from the CM.
//! * **Scaled by `k`**, they do much better. To test "within `r` metres on
//!   the ground" around a site, compare grid distances with `r · k(site)`
//!   ([`Projected::scale`] at the site): error ≤ 2.4e-5 for 30 km ranges.
//!   Dividing a grid distance by the mean `k` of its two ends: ≤ 1.9e-6;
//!   by Simpson's mean `(k₁ + 4 k_mid + k₂) / 6`: ≤ 3e-10.
//! * **Areas** on the grid are ground areas times `k²`: within 7.7e-5 for a
//!   shape inside its strip; divide by `k²` at its centroid to remove
//!   nearly all of that.
//!
//! # Bearings and the grid convergence
//!
//! Grid north (the +y axis) is parallel to true north only on the CM. At a
//! point, [`Projected::convergence_deg`] is the angle to **add to a true
//! (geodesic) bearing to get the grid bearing** there, both clockwise from
//! their north:
//!
//! ```text
//! grid bearing = true bearing + convergence_deg
//! convergence_deg ≈ −(lon − CM) · sin(lat)
//! ```
//!
//! It is negative east of the CM in the northern hemisphere (true north
//! leans towards the CM there) and positive west of it; the signs swap in the
//! southern hemisphere. (GeographicLib calls the opposite-signed quantity the
//! *meridian convergence* γ: ours is `−γ`.) In a 1° strip its size is at most
//! `0.5° · sin|lat|`: 0.18° at a strip edge at 21° N, which would move a
//! sector edge by about 90 m at 30 km, so turn sector azimuths before testing
//! a wedge on the grid:
//!
//! ```
//! use telecov::geodesy::TransverseMercator;
//!
//! let frame = TransverseMercator::new(105.5);
//! let site = frame.forward_with_distortion(106.0, 21.0);
//! let sector_azimuth_true_deg = 120.0;
//! let grid_azimuth_deg = sector_azimuth_true_deg + site.convergence_deg;
//! assert!((site.convergence_deg - (-0.5 * 21f64.to_radians().sin())).abs() < 1e-3);
//! // A target is in the wedge when its grid bearing from the site,
//! // atan2(dx, dy), is within half the beamwidth of `grid_azimuth_deg`,
//! // and its grid distance within range_m * site.scale.
//! # let _ = grid_azimuth_deg;
//! ```
//!
//! What remains is the curvature of geodesics on the grid (the "arc to
//! chord" correction, about `Δy · (2x₁ + x₂) / (6R²)` radians, growing
//! with the line's length): tests measure at most 4e-5° on 1 km lines and
//! 0.0012° on 30 km lines from anywhere in a strip, 0.6 m sideways at the
//! end of the line.

use std::f64::consts::FRAC_PI_2;
use std::f64::consts::PI;
use std::fmt;

use super::{WGS84_A, WGS84_F};
use crate::{Error, Result};

/// The widest strip [`Strips::covering`] makes, in degrees of longitude.
///
/// ±0.5° from the central meridian is at most 55.7 km (at the equator), so
/// a strip's own area and a 30 km margin around it stay within 86 km of its
/// central meridian, where the scale error is below 1e-4.
pub const MAX_STRIP_WIDTH_DEG: f64 = 1.0;

/// Order of the Krüger series.
const ORDER: usize = 6;

/// A point projected with [`TransverseMercator::forward_with_distortion`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projected {
    /// Grid coordinates `[x_m, y_m]`: metres east of the central meridian and
    /// north of the equator.
    pub xy: [f64; 2],
    /// Grid convergence at the point, degrees: the angle to **add to a true
    /// bearing to get the grid bearing** (`grid = true + convergence_deg`),
    /// both clockwise from their north. Negative east of the central
    /// meridian in the northern hemisphere; about `−(lon − CM) · sin(lat)`.
    /// This is the negative of GeographicLib's meridian convergence γ.
    pub convergence_deg: f64,
    /// Point scale factor `k`: grid length over ground length for a short
    /// line through the point, the same in every direction (the projection
    /// is conformal). 1 on the central meridian, about `1 + x²/(2R²)` away
    /// from it.
    pub scale: f64,
}

/// Transverse Mercator on the WGS 84 ellipsoid, Krüger n-series (order 6, as
/// in Karney 2011 "Transverse Mercator with an accuracy of a few
/// nanometers"), scale `k0 = 1` on the central meridian, no false easting,
/// northing measured from the equator.
///
/// `x` is metres east of the central meridian, `y` metres north of the
/// equator (negative south of it). The series coefficients are computed
/// once in [`TransverseMercator::new`]; a frame is a small `Copy` value,
/// `Send + Sync`, and [`TransverseMercator::forward`] costs about ten
/// transcendental function calls.
///
/// Accurate to a few nanometres within 3 900 km of the central meridian;
/// the whole ellipsoid is accepted (points more than 90° from the central
/// meridian map to the "back side", `|y|` beyond the quarter meridian), but
/// only points within a few degrees of the central meridian are useful for
/// distances: see the [`geodesy`](crate::geodesy) module's documentation.
///
/// # Example
///
/// ```
/// use telecov::geodesy::TransverseMercator;
///
/// let frame = TransverseMercator::new(105.5); // central meridian 105.5° E
/// let [x, y] = frame.forward(105.75, 10.0); // near Can Tho
/// assert!((x - 27_410.0).abs() < 5.0); // ~27.4 km east of the CM
/// assert!((y - 1_106_000.0).abs() < 1_000.0); // ~1 106 km north of the equator
///
/// let (lon, lat) = frame.inverse([x, y]);
/// assert!((lon - 105.75).abs() < 1e-12 && (lat - 10.0).abs() < 1e-12);
///
/// let p = frame.forward_with_distortion(105.75, 10.0);
/// assert_eq!(p.xy, [x, y]);
/// assert!(p.scale > 1.0 && p.scale < 1.0 + 1e-5); // k - 1 ≈ x²/2R²
/// assert!(p.convergence_deg < 0.0); // east of the CM, northern hemisphere
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct TransverseMercator {
    /// Central meridian, degrees, as given.
    central_meridian_deg: f64,
    /// Scale on the central meridian.
    k0: f64,
    /// `k0 · A`: grid metres per radian of the Gauss–Krüger `ξ, η`.
    k0_a: f64,
    /// `A / a`, the rectifying radius over the semi-major axis.
    a_ratio: f64,
    /// First eccentricity `e`.
    e: f64,
    /// `e²`.
    e2: f64,
    /// `1 − e²`.
    e2m: f64,
    /// Krüger's α (forward) coefficients, `alpha[j − 1] = α_j`.
    alpha: [f64; ORDER],
    /// Krüger's β (inverse) coefficients, `beta[j − 1] = β_j`.
    beta: [f64; ORDER],
    /// Geodetic from conformal latitude, `φ = χ + Σ δ_j sin 2jχ`,
    /// `delta[j − 1] = δ_j` (see [`delta_series`]).
    delta: [f64; DELTA_TERMS],
}

/// Terms of the `δ` series: `δ_j` falls as `n^j` (`n` ≈ 1/600 on WGS 84),
/// so the ninth is below 1e-24 radians.
const DELTA_TERMS: usize = 8;

/// The `δ` coefficients of the frame's ellipsoid, `φ(χ) − χ = Σ δ_j sin 2jχ`
/// (an odd function of period π), by the discrete sine transform of the
/// exact `φ(χ)` (Newton's method, [`TransverseMercator::tau_from_taup`]) on
/// `N` equal steps of `χ` in [0, π/2]: exact for the series' first `N − 1`
/// terms up to aliasing from terms beyond `N`, which are below 1e-40 here.
fn delta_series(frame: &TransverseMercator) -> [f64; DELTA_TERMS] {
    const N: usize = 16;
    let samples: Vec<f64> = (1..N)
        .map(|k| {
            let chi = k as f64 * FRAC_PI_2 / N as f64;
            frame.tau_from_taup(chi.tan()).atan() - chi
        })
        .collect();
    std::array::from_fn(|j| {
        let j = (j + 1) as f64;
        samples
            .iter()
            .enumerate()
            .map(|(k, f)| f * (j * (k + 1) as f64 * PI / N as f64).sin())
            .sum::<f64>()
            * 2.0
            / N as f64
    })
}

/// The WGS 84 `δ` coefficients, computed once.
static WGS84_DELTA: std::sync::OnceLock<[f64; DELTA_TERMS]> = std::sync::OnceLock::new();

impl fmt::Debug for TransverseMercator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransverseMercator")
            .field("central_meridian_deg", &self.central_meridian_deg)
            .field("k0", &self.k0)
            .finish_non_exhaustive()
    }
}

impl TransverseMercator {
    /// A WGS 84 frame with the given central meridian (degrees, any finite
    /// value; longitudes are taken relative to it modulo 360°).
    ///
    /// A non-finite central meridian gives a frame that returns NaN.
    pub fn new(central_meridian_deg: f64) -> Self {
        Self::with_ellipsoid(central_meridian_deg, WGS84_A, WGS84_F, 1.0)
    }

    /// A frame on any oblate ellipsoid (`a` metres, flattening `f`) with
    /// scale `k0` on the central meridian. Used by tests against published
    /// values on GRS 80 and for UTM (`k0 = 0.9996`).
    fn with_ellipsoid(central_meridian_deg: f64, a: f64, f: f64, k0: f64) -> Self {
        let n = f / (2.0 - f);
        let n2 = n * n;
        let n3 = n2 * n;
        let n4 = n3 * n;
        let n5 = n4 * n;
        let n6 = n5 * n;
        let e2 = f * (2.0 - f);
        let e = e2.sqrt();
        let e2m = 1.0 - e2;
        // Rectifying radius: 2πA is the length of a meridian ellipse.
        let a_ratio = (1.0 + n2 / 4.0 + n4 / 64.0 + n6 / 256.0) / (1.0 + n);
        // Karney 2011, eq. (35).
        let alpha = [
            n / 2.0 - 2.0 / 3.0 * n2 + 5.0 / 16.0 * n3 + 41.0 / 180.0 * n4 - 127.0 / 288.0 * n5
                + 7891.0 / 37800.0 * n6,
            13.0 / 48.0 * n2 - 3.0 / 5.0 * n3 + 557.0 / 1440.0 * n4 + 281.0 / 630.0 * n5
                - 1_983_433.0 / 1_935_360.0 * n6,
            61.0 / 240.0 * n3 - 103.0 / 140.0 * n4
                + 15061.0 / 26880.0 * n5
                + 167_603.0 / 181_440.0 * n6,
            49561.0 / 161_280.0 * n4 - 179.0 / 168.0 * n5 + 6_601_661.0 / 7_257_600.0 * n6,
            34729.0 / 80640.0 * n5 - 3_418_889.0 / 1_995_840.0 * n6,
            212_378_941.0 / 319_334_400.0 * n6,
        ];
        // Karney 2011, eq. (36).
        let beta = [
            n / 2.0 - 2.0 / 3.0 * n2 + 37.0 / 96.0 * n3 - 1.0 / 360.0 * n4 - 81.0 / 512.0 * n5
                + 96199.0 / 604_800.0 * n6,
            n2 / 48.0 + n3 / 15.0 - 437.0 / 1440.0 * n4 + 46.0 / 105.0 * n5
                - 1_118_711.0 / 3_870_720.0 * n6,
            17.0 / 480.0 * n3 - 37.0 / 840.0 * n4 - 209.0 / 4480.0 * n5 + 5569.0 / 90720.0 * n6,
            4397.0 / 161_280.0 * n4 - 11.0 / 504.0 * n5 - 830_251.0 / 7_257_600.0 * n6,
            4583.0 / 161_280.0 * n5 - 108_847.0 / 3_991_680.0 * n6,
            20_648_693.0 / 638_668_800.0 * n6,
        ];
        let mut frame = TransverseMercator {
            central_meridian_deg,
            k0,
            k0_a: k0 * a * a_ratio,
            a_ratio,
            e,
            e2,
            e2m,
            alpha,
            beta,
            delta: [0.0; DELTA_TERMS],
        };
        frame.delta = if f == WGS84_F {
            *WGS84_DELTA.get_or_init(|| delta_series(&frame))
        } else {
            delta_series(&frame)
        };
        frame
    }

    /// The central meridian, degrees, as given to [`TransverseMercator::new`].
    pub fn central_meridian_deg(&self) -> f64 {
        self.central_meridian_deg
    }

    /// Projects a WGS 84 longitude/latitude (degrees; latitude in [−90, 90])
    /// to grid `[x_m, y_m]`.
    #[inline]
    pub fn forward(&self, lon_deg: f64, lat_deg: f64) -> [f64; 2] {
        self.project::<false>(lon_deg, lat_deg).xy
    }

    /// Projects like [`TransverseMercator::forward`] and also returns the
    /// grid convergence (degrees, `grid bearing = true bearing +
    /// convergence_deg`) and the point scale factor `k` at the point. See
    /// [`Projected`].
    pub fn forward_with_distortion(&self, lon_deg: f64, lat_deg: f64) -> Projected {
        self.project::<true>(lon_deg, lat_deg)
    }

    /// Grid `[x_m, y_m]` back to WGS 84 `(lon_deg, lat_deg)`. The longitude
    /// is normalised to [−180, 180).
    pub fn inverse(&self, xy: [f64; 2]) -> (f64, f64) {
        let mut xi = xy[1] / self.k0_a;
        let mut eta = xy[0] / self.k0_a;
        let xisign = if xi.is_sign_negative() { -1.0 } else { 1.0 };
        let etasign = if eta.is_sign_negative() { -1.0 } else { 1.0 };
        xi *= xisign;
        eta *= etasign;
        let backside = xi > FRAC_PI_2;
        if backside {
            xi = PI - xi;
        }
        // ζ' = ζ − Σ β_j sin(2jζ), ζ = ξ + iη.
        let (s2, c2) = (2.0 * xi).sin_cos();
        let (sh2, ch2) = sinh_cosh(2.0 * eta);
        let two_cos = Complex::new(2.0 * c2 * ch2, -2.0 * s2 * sh2);
        let mut b1 = Complex::ZERO;
        let mut b2 = Complex::ZERO;
        for beta in self.beta.iter().rev() {
            let b = two_cos * b1 - b2 - Complex::new(*beta, 0.0);
            b2 = b1;
            b1 = b;
        }
        let zp = Complex::new(xi, eta) + Complex::new(s2 * ch2, c2 * sh2) * b1;
        let (xip, etap) = (zp.re, zp.im);
        let (s, ch) = sinh_cosh(etap);
        let (sin_xip, cos_xip) = xip.sin_cos();
        let c = cos_xip.max(0.0);
        let r = (s * s + c * c).sqrt();
        let (mut lat, mut lon) = if r != 0.0 {
            let lam = s.atan2(c);
            // conformal latitude χ: sin χ = sin ξ' / cosh η', cos χ = r / cosh η'
            let (sin_chi, cos_chi) = (sin_xip / ch, r / ch);
            let chi = sin_chi.atan2(cos_chi);
            // φ = χ + Σ δ_j sin 2jχ by Clenshaw's recurrence
            let (s2, c2) = (
                2.0 * sin_chi * cos_chi,
                (cos_chi - sin_chi) * (cos_chi + sin_chi),
            );
            let (mut b1, mut b2) = (0.0, 0.0);
            for d in self.delta.iter().rev() {
                let b = 2.0 * c2 * b1 - b2 + d;
                b2 = b1;
                b1 = b;
            }
            ((chi + s2 * b1).to_degrees(), lam.to_degrees())
        } else {
            (90.0, 0.0)
        };
        if backside {
            lon = 180.0 - lon;
        }
        lat *= xisign;
        lon *= etasign;
        (normalize_deg(lon + self.central_meridian_deg), lat)
    }

    /// Forward projection; distortion (convergence, scale) only when `D`.
    #[inline]
    fn project<const D: bool>(&self, lon_deg: f64, lat_deg: f64) -> Projected {
        let mut lon = diff_deg(self.central_meridian_deg, lon_deg);
        let mut lat = lat_deg;
        // Reduce to the first quadrant (0 ≤ lat, 0 ≤ lon ≤ 90) by symmetry.
        let mut latsign = if lat.is_sign_negative() { -1.0 } else { 1.0 };
        let lonsign = if lon.is_sign_negative() { -1.0 } else { 1.0 };
        lat *= latsign;
        lon *= lonsign;
        let backside = lon > 90.0;
        if backside {
            if lat == 0.0 {
                latsign = -1.0;
            }
            lon = 180.0 - lon;
        }
        let (sphi, cphi) = lat.to_radians().sin_cos();
        let (slam, clam) = lon.to_radians().sin_cos();
        let clam = clam.max(0.0);
        // Conformal latitude χ, as u = tan χ · cos φ (finite at the pole),
        // Karney 2011 eq. (7–9).
        let sig = (self.e * (self.e * sphi).atanh()).sinh();
        let u = sphi * (1.0 + sig * sig).sqrt() - sig;
        let w = cphi * clam;
        let r = (u * u + w * w).sqrt();
        // Gauss–Schreiber (conformal sphere) coordinates ξ', η', eq. (10).
        let xip = u.atan2(w);
        let etap = asinh(slam * cphi / r);
        // Their convergence γ' and scale k', eq. (13–14).
        let (mut gamma, mut k) = if D {
            (
                (slam * u).atan2(clam * (cphi * cphi + u * u).sqrt()),
                (self.e2m + self.e2 * cphi * cphi).sqrt() / r,
            )
        } else {
            (0.0, 1.0)
        };
        // ζ = ζ' + Σ α_j sin(2jζ'), by Clenshaw summation on complex ζ'.
        let (s2, c2) = (2.0 * xip).sin_cos();
        let (sh2, ch2) = sinh_cosh(2.0 * etap);
        let two_cos = Complex::new(2.0 * c2 * ch2, -2.0 * s2 * sh2);
        let mut y1 = Complex::ZERO;
        let mut y2 = Complex::ZERO;
        let mut z1 = Complex::ZERO;
        let mut z2 = Complex::ZERO;
        for (j, alpha) in self.alpha.iter().enumerate().rev() {
            let y = two_cos * y1 - y2 + Complex::new(*alpha, 0.0);
            y2 = y1;
            y1 = y;
            if D {
                let z = two_cos * z1 - z2 + Complex::new(2.0 * (j + 1) as f64 * alpha, 0.0);
                z2 = z1;
                z1 = z;
            }
        }
        let zeta = Complex::new(xip, etap) + Complex::new(s2 * ch2, c2 * sh2) * y1;
        let (mut xi, eta) = (zeta.re, zeta.im);
        if backside {
            xi = PI - xi;
        }
        let xy = [self.k0_a * eta * lonsign, self.k0_a * xi * latsign];
        if !D {
            return Projected {
                xy,
                convergence_deg: 0.0,
                scale: 0.0,
            };
        }
        // dζ/dζ' = 1 + Σ 2jα_j cos(2jζ') = p' − i q'.
        let dz = Complex::new(1.0, 0.0) - z2 + Complex::new(c2 * ch2, -s2 * sh2) * z1;
        gamma -= dz.im.atan2(dz.re);
        k *= self.k0 * self.a_ratio * dz.re.hypot(dz.im);
        let mut gamma_deg = gamma.to_degrees();
        if backside {
            gamma_deg = 180.0 - gamma_deg;
        }
        gamma_deg *= latsign * lonsign;
        Projected {
            xy,
            convergence_deg: -normalize_deg(gamma_deg),
            scale: k,
        }
    }

    /// `tan χ` from `tan φ` (χ: conformal latitude), Karney 2011 eq. (7–9);
    /// `|tau|` below 1e150.
    #[inline]
    fn taup_from_tau(&self, tau: f64) -> f64 {
        let tau1 = (1.0 + tau * tau).sqrt();
        let sig = (self.e * (self.e * tau / tau1).atanh()).sinh();
        (1.0 + sig * sig).sqrt() * tau - sig * tau1
    }

    /// `tan φ` from `tan χ` by Newton's method, Karney 2011 eq. (19–21).
    /// Two iterations suffice except very near the equator (one).
    fn tau_from_taup(&self, taup: f64) -> f64 {
        const TOL: f64 = 1.5e-9; // sqrt(f64::EPSILON) / 10: quadratic convergence
        const TAU_MAX: f64 = 1.35e8; // 2 / sqrt(f64::EPSILON)
        let mut tau = if taup.abs() > 70.0 {
            taup * (self.e * self.e.atanh()).exp()
        } else {
            taup / self.e2m
        };
        if tau.is_nan() || tau.abs() >= TAU_MAX {
            return tau; // ±∞, NaN, or so close to a pole that τ = τ'·const
        }
        let stol = TOL * taup.abs().max(1.0);
        for _ in 0..5 {
            let taupa = self.taup_from_tau(tau);
            let dtau = (taup - taupa) * (1.0 + self.e2m * tau * tau)
                / (self.e2m * (1.0 + tau * tau).sqrt() * (1.0 + taupa * taupa).sqrt());
            tau += dtau;
            if dtau.is_nan() || dtau.abs() < stol {
                break;
            }
        }
        tau
    }
}

/// `lon − cm` reduced to [−180, 180].
#[inline]
fn diff_deg(cm: f64, lon: f64) -> f64 {
    let d = lon - cm;
    if (-180.0..=180.0).contains(&d) {
        return d;
    }
    let d = d % 360.0;
    if d > 180.0 {
        d - 360.0
    } else if d < -180.0 {
        d + 360.0
    } else {
        d
    }
}

/// An angle in degrees reduced to [−180, 180).
#[inline]
fn normalize_deg(x: f64) -> f64 {
    if (-180.0..180.0).contains(&x) {
        return x;
    }
    let r = x.rem_euclid(360.0);
    if r >= 180.0 {
        r - 360.0
    } else {
        r
    }
}

/// `(sinh x, cosh x)` from one `exp_m1`, to a few ulps.
#[inline]
fn sinh_cosh(x: f64) -> (f64, f64) {
    if x.abs() > 350.0 {
        return (x.sinh(), x.cosh());
    }
    let em1 = x.exp_m1();
    let ex = em1 + 1.0;
    (0.5 * (em1 + em1 / ex), 1.0 + 0.5 * em1 * em1 / ex)
}

/// `asinh x` as `ln_1p(x + x² / (1 + sqrt(1 + x²)))`, without the `hypot`
/// of the standard library's version.
#[inline]
fn asinh(x: f64) -> f64 {
    let ax = x.abs();
    if ax > 1e150 {
        return x.asinh();
    }
    (ax + ax * ax / (1.0 + (1.0 + ax * ax).sqrt()))
        .ln_1p()
        .copysign(x)
}

/// Just enough complex arithmetic for Clenshaw summation.
#[derive(Clone, Copy)]
struct Complex {
    re: f64,
    im: f64,
}

impl Complex {
    const ZERO: Complex = Complex { re: 0.0, im: 0.0 };

    #[inline]
    fn new(re: f64, im: f64) -> Self {
        Complex { re, im }
    }
}

impl std::ops::Add for Complex {
    type Output = Complex;
    #[inline]
    fn add(self, o: Complex) -> Complex {
        Complex::new(self.re + o.re, self.im + o.im)
    }
}

impl std::ops::Sub for Complex {
    type Output = Complex;
    #[inline]
    fn sub(self, o: Complex) -> Complex {
        Complex::new(self.re - o.re, self.im - o.im)
    }
}

impl std::ops::Mul for Complex {
    type Output = Complex;
    #[inline]
    fn mul(self, o: Complex) -> Complex {
        Complex::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
}

/// A set of narrow longitude strips, each with its own
/// [`TransverseMercator`] frame, covering a scenario.
///
/// The strips have equal width, at most [`MAX_STRIP_WIDTH_DEG`], and tile
/// `[lon_min, lon_max]` without gaps; each frame's central meridian is the
/// middle of its strip. Never empty.
///
/// # Example
///
/// ```
/// use telecov::geodesy::Strips;
///
/// // Viet Nam spans about 102.1° E to 109.5° E: 8 strips of 0.925°.
/// let strips = Strips::covering(102.1, 109.5)?;
/// assert_eq!(strips.len(), 8);
///
/// // Hanoi (105.85° E, 21.03° N) falls in strip 4 (counting from 0).
/// let z = strips.strip_of(105.85);
/// assert_eq!(z, 4);
/// let (west, east) = strips.bounds_deg(z);
/// assert!(west <= 105.85 && 105.85 <= east);
/// let [x, y] = strips.frame(z).forward(105.85, 21.03);
/// assert!(x.abs() < 55_000.0 && y > 2_300_000.0);
///
/// // A single city is narrower than a strip: one frame centred on it.
/// let can_tho = Strips::covering(105.2, 105.85)?;
/// assert_eq!(can_tho.len(), 1);
/// assert!((can_tho.frame(0).central_meridian_deg() - 105.525).abs() < 1e-12);
/// # Ok::<(), telecov::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Strips {
    /// West edge of the first strip, degrees.
    west_deg: f64,
    /// East edge of the last strip, degrees.
    east_deg: f64,
    /// Width of every strip, degrees.
    width_deg: f64,
    /// One frame per strip, west to east.
    frames: Vec<TransverseMercator>,
}

impl Strips {
    /// Strips of equal width, at most [`MAX_STRIP_WIDTH_DEG`] (1°) wide,
    /// covering `[lon_min_deg, lon_max_deg]`; a scenario narrower than that
    /// gets one strip centred on it (`lon_min_deg == lon_max_deg` included).
    ///
    /// The bounds may lie outside [−180, 180] (for example 177..183 for a
    /// region across the antimeridian); [`Strips::strip_of`] accepts the
    /// longitudes of such a region either way.
    ///
    /// # Errors
    ///
    /// [`Error::Parameter`] when a bound is not finite, when `lon_min_deg >
    /// lon_max_deg`, or when the range is wider than 360°.
    pub fn covering(lon_min_deg: f64, lon_max_deg: f64) -> Result<Self> {
        if !lon_min_deg.is_finite() {
            return Err(Error::Parameter {
                name: "lon_min_deg",
                reason: format!("must be finite, got {lon_min_deg}"),
            });
        }
        if !lon_max_deg.is_finite() {
            return Err(Error::Parameter {
                name: "lon_max_deg",
                reason: format!("must be finite, got {lon_max_deg}"),
            });
        }
        if lon_min_deg > lon_max_deg {
            return Err(Error::Parameter {
                name: "lon_min_deg",
                reason: format!("{lon_min_deg} is east of lon_max_deg {lon_max_deg}"),
            });
        }
        let span = lon_max_deg - lon_min_deg;
        if span > 360.0 {
            return Err(Error::Parameter {
                name: "lon_max_deg",
                reason: format!("the range {lon_min_deg}..{lon_max_deg} is wider than 360 degrees"),
            });
        }
        let count = ((span / MAX_STRIP_WIDTH_DEG).ceil() as usize).max(1);
        let width_deg = span / count as f64;
        let mut strips = Strips {
            west_deg: lon_min_deg,
            east_deg: lon_max_deg,
            width_deg,
            frames: Vec::with_capacity(count),
        };
        for i in 0..count {
            let (west, east) = strips.edges(i, count);
            strips
                .frames
                .push(TransverseMercator::new(0.5 * (west + east)));
        }
        Ok(strips)
    }

    /// Number of strips (at least 1).
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Always `false`: [`Strips::covering`] makes at least one strip.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Index of the strip holding `lon_deg`. A longitude outside the covered
    /// range gets the nearer end strip (first or last), nearness measured
    /// around the globe, so longitudes may be given modulo 360°. A longitude
    /// on the edge between two strips gets one of them (either frame is
    /// equally accurate there). NaN gets strip 0.
    pub fn strip_of(&self, lon_deg: f64) -> usize {
        let n = self.frames.len();
        if n <= 1 || !lon_deg.is_finite() {
            return 0;
        }
        let span = self.east_deg - self.west_deg;
        // Offset east of the west edge, in [0, 360).
        let d = (lon_deg - self.west_deg).rem_euclid(360.0);
        if d > span {
            // Outside: the nearer end, going east past the last strip or
            // west before the first.
            return if d - span <= 360.0 - d { n - 1 } else { 0 };
        }
        let mut i = ((d / self.width_deg) as usize).min(n - 1);
        // Settle rounding at the edges against the published bounds.
        let lon = self.west_deg + d;
        let (west, east) = self.edges(i, n);
        if lon < west && i > 0 {
            i -= 1;
        } else if lon > east && i + 1 < n {
            i += 1;
        }
        i
    }

    /// The frame of strip `strip`.
    ///
    /// # Panics
    ///
    /// If `strip >= self.len()`.
    pub fn frame(&self, strip: usize) -> &TransverseMercator {
        &self.frames[strip]
    }

    /// `(west, east)` edges of strip `strip`, degrees, as given to
    /// [`Strips::covering`] (not normalised to [−180, 180]). Adjacent strips
    /// share their edge exactly.
    ///
    /// # Panics
    ///
    /// If `strip >= self.len()`.
    pub fn bounds_deg(&self, strip: usize) -> (f64, f64) {
        assert!(
            strip < self.frames.len(),
            "strip {strip} out of range (only {} strips)",
            self.frames.len()
        );
        self.edges(strip, self.frames.len())
    }

    /// Edges of strip `i` of `n`; the last one ends exactly at `east_deg`.
    fn edges(&self, i: usize, n: usize) -> (f64, f64) {
        let west = self.west_deg + i as f64 * self.width_deg;
        let east = if i + 1 == n {
            self.east_deg
        } else {
            self.west_deg + (i + 1) as f64 * self.width_deg
        };
        (west, east)
    }
}

/// A safe bounding-box half-size `(dlon, dlat)`, in degrees, for everything
/// within `distance_m` metres (on the WGS 84 ellipsoid) of a point at
/// latitude `lat_deg`: any such point lies within `lon ± dlon`, `lat ±
/// dlat`. Slightly generous, never too small.
///
/// The bounds are rigorous: `dlat` uses the smallest meridian radius of
/// curvature, `a(1 − e²)` (at the equator); `dlon` uses the prime-vertical
/// radius's minimum `a` and the cosine of the highest latitude reachable,
/// `|lat| + dlat`, then both get a margin of 1e-6. At 45° and 10 km, `dlon`
/// is about 0.3 % wider than the true extent.
///
/// Near the poles the cosine is floored: when `|lat| + dlat` reaches 85°
/// (`cos` = 0.087), or the box would span more than the globe, `dlon` is
/// 360, meaning "every longitude". `dlat` is at most 180. A negative or
/// non-finite distance, or a non-finite latitude, gives `(360, 180)`.
pub fn metres_to_degrees_bound(distance_m: f64, lat_deg: f64) -> (f64, f64) {
    /// Relative margin over the rigorous bound, for rounding.
    const MARGIN: f64 = 1.0 + 1e-6;
    /// Beyond this latitude, give up on longitude.
    const POLAR_LAT_DEG: f64 = 85.0;
    if !distance_m.is_finite() || distance_m < 0.0 || !lat_deg.is_finite() {
        return (360.0, 180.0);
    }
    let e2 = WGS84_F * (2.0 - WGS84_F);
    let min_meridian_radius = WGS84_A * (1.0 - e2);
    let dlat = (distance_m / min_meridian_radius).to_degrees() * MARGIN;
    let lat_max = lat_deg.abs() + dlat;
    if lat_max >= POLAR_LAT_DEG {
        return (360.0, dlat.min(180.0));
    }
    let dlon = (distance_m / (WGS84_A * lat_max.to_radians().cos())).to_degrees() * MARGIN;
    if dlon >= 180.0 {
        return (360.0, dlat.min(180.0));
    }
    (dlon, dlat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Bearing, Destination, Distance, Geodesic, Point};

    /// GRS 80 flattening (PROJ's reference values use GRS 80).
    const GRS80_F: f64 = 1.0 / 298.257_222_101;

    fn assert_send_sync_copy<T: Send + Sync + Copy + fmt::Debug>() {}

    #[test]
    fn frame_is_send_sync_copy() {
        assert_send_sync_copy::<TransverseMercator>();
        assert_send_sync_copy::<Projected>();
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Strips>();
        let f = TransverseMercator::new(105.5);
        assert_eq!(f.central_meridian_deg(), 105.5);
        let dbg = format!("{f:?}");
        assert!(dbg.contains("105.5"), "{dbg}");
    }

    #[test]
    fn delta_series_equals_newton_on_every_latitude() {
        for f in [WGS84_F, GRS80_F, 1.0 / 150.0] {
            let tm = TransverseMercator::with_ellipsoid(0.0, WGS84_A, f, 1.0);
            let mut worst: f64 = 0.0;
            for k in 0..=20_000 {
                let chi = -FRAC_PI_2 + PI * k as f64 / 20_000.0;
                let newton = tm.tau_from_taup(chi.tan()).atan();
                let series = chi
                    + tm.delta
                        .iter()
                        .enumerate()
                        .map(|(j, d)| d * (2.0 * (j + 1) as f64 * chi).sin())
                        .sum::<f64>();
                worst = worst.max((newton - series).abs());
            }
            // 1e-14 rad is 0.06 mm on the ground
            assert!(worst < 1e-14, "f = {f}: {worst:e} rad");
        }
    }

    #[test]
    fn round_trip_better_than_1e_9_degrees() {
        let cm = 105.5;
        let tm = TransverseMercator::new(cm);
        let mut worst: f64 = 0.0;
        for lat10 in -800..=800 {
            let lat = lat10 as f64 / 10.0;
            for dlon20 in -60..=60 {
                let lon = cm + dlon20 as f64 / 20.0;
                let (lon2, lat2) = tm.inverse(tm.forward(lon, lat));
                worst = worst.max((lon2 - lon).abs()).max((lat2 - lat).abs());
            }
        }
        assert!(worst < 1e-9, "worst round-trip error {worst:e} degrees");
        eprintln!("round trip, lat -80..80, CM ± 3°: worst {worst:e} degrees");
        // Far from the CM and on the back side (more than 90° from the CM),
        // within the series' 3 900 km domain: still consistent.
        for &(dlon, lat) in &[
            (30.0, 40.0),
            (-20.0, -35.0),
            (150.0, 50.0),
            (-150.0, -30.0),
            (180.0, 70.0),
            (0.0, 90.0),
            (0.0, -90.0),
        ] {
            let lon = normalize_deg(cm + dlon);
            let (lon2, lat2) = tm.inverse(tm.forward(lon, lat));
            assert!((lat2 - lat).abs() < 1e-9, "lat {lat} dlon {dlon}: {lat2}");
            if lat.abs() < 90.0 {
                assert!(
                    diff_deg(lon, lon2).abs() < 1e-9,
                    "lat {lat} dlon {dlon}: lon {lon2} vs {lon}"
                );
            }
        }
    }

    #[test]
    fn central_meridian_and_equator_are_the_axes() {
        let tm = TransverseMercator::new(-3.0);
        assert_eq!(tm.forward(-3.0, 0.0), [0.0, 0.0]);
        let [x, y] = tm.forward(-3.0, 45.0);
        assert_eq!(x, 0.0);
        assert!(y > 4_000_000.0);
        let [x, y] = tm.forward(-1.0, 0.0);
        assert!(x > 200_000.0);
        assert_eq!(y, 0.0);
        // Symmetries.
        let p = tm.forward(-1.7, 33.0);
        let m = tm.forward(-4.3, 33.0);
        assert!((m[0] + p[0]).abs() < 1e-6 && (m[1] - p[1]).abs() < 1e-6);
        assert_eq!(tm.forward(-1.7, -33.0), [p[0], -p[1]]);
        // Longitudes are taken modulo 360.
        let q = tm.forward(357.0 + 0.3, 12.0);
        let r = tm.forward(-2.7, 12.0);
        assert!((q[0] - r[0]).abs() < 1e-6 && (q[1] - r[1]).abs() < 1e-6);
    }

    /// Meridian arc length from the equator by Simpson's rule on
    /// M(φ) = a(1 − e²) / (1 − e² sin²φ)^{3/2}.
    fn meridian_arc_simpson(lat_deg: f64) -> f64 {
        let a = WGS84_A;
        let e2 = WGS84_F * (2.0 - WGS84_F);
        let m = |phi: f64| {
            let s = phi.sin();
            a * (1.0 - e2) / (1.0 - e2 * s * s).powf(1.5)
        };
        let n = 200_000; // even
        let phi = lat_deg.to_radians();
        let h = phi / n as f64;
        let mut sum = m(0.0) + m(phi);
        for i in 1..n {
            let w = if i % 2 == 1 { 4.0 } else { 2.0 };
            sum += w * m(i as f64 * h);
        }
        sum * h / 3.0
    }

    #[test]
    fn northing_on_the_central_meridian_is_the_meridian_arc() {
        let tm = TransverseMercator::new(0.0);
        let mut worst: f64 = 0.0;
        for lat in [0.5, 1.0, 10.0, 21.0, 30.0, 45.0, 60.0, 75.0, 89.0, 90.0] {
            let [x, y] = tm.forward(0.0, lat);
            assert_eq!(x, 0.0);
            let arc = meridian_arc_simpson(lat);
            worst = worst.max((y - arc).abs());
            assert!((y - arc).abs() < 1e-6, "lat {lat}: {y} vs {arc}");
        }
        // The published WGS 84 quarter meridian: 10 001 965.729 m.
        let [_, y] = tm.forward(0.0, 90.0);
        assert!((y - 10_001_965.729).abs() < 1e-3, "{y}");
        eprintln!("meridian arc: worst |y - simpson| = {worst:e} m");
    }

    /// PROJ's test suite (`builtins.gie`, `+proj=tmerc +ellps=GRS80`, its
    /// default Poder/Engsager algorithm, an independent implementation of
    /// the same sixth-order series) and UTM zone 30 on GRS 80.
    #[test]
    fn matches_proj_reference_values_on_grs80() {
        let tm = TransverseMercator::with_ellipsoid(0.0, WGS84_A, GRS80_F, 1.0);
        let cases = [
            ((2.0, 1.0), (222_650.796_797_586, 110_642.229_411_933)),
            ((2.0, -1.0), (222_650.796_797_586, -110_642.229_411_933)),
            ((-2.0, 1.0), (-222_650.796_797_586, 110_642.229_411_933)),
            ((30.0, 89.9999), (5.584_698_978, 10_001_956.056_248_082)),
        ];
        let mut worst: f64 = 0.0;
        for ((lon, lat), (x, y)) in cases {
            let [px, py] = tm.forward(lon, lat);
            worst = worst.max((px - x).abs()).max((py - y).abs());
            assert!(
                (px - x).abs() < 1e-6 && (py - y).abs() < 1e-6,
                "({lon}, {lat}): got ({px}, {py}), expected ({x}, {y})"
            );
        }
        // UTM zone 30 (CM 3° W, k0 = 0.9996, false easting 500 km).
        let utm30 = TransverseMercator::with_ellipsoid(-3.0, WGS84_A, GRS80_F, 0.9996);
        let [x, y] = utm30.forward(2.0, 1.0);
        assert!((x + 500_000.0 - 1_057_002.405_491_298).abs() < 1e-6, "{x}");
        assert!((y - 110_955.141_175_949).abs() < 1e-6, "{y}");
        worst = worst
            .max((x + 500_000.0 - 1_057_002.405_491_298).abs())
            .max((y - 110_955.141_175_949).abs());
        eprintln!("PROJ reference values: worst difference {worst:e} m");
    }

    /// UTM at the equator: the zone edges (3° from the CM) are at eastings
    /// 166 021.443 m and 833 978.557 m.
    #[test]
    fn matches_utm_zone_edge_at_the_equator() {
        let utm = TransverseMercator::with_ellipsoid(105.0, WGS84_A, WGS84_F, 0.9996);
        let [x, y] = utm.forward(108.0, 0.0);
        assert!(
            (x + 500_000.0 - 833_978.557).abs() < 1e-3,
            "{}",
            x + 500_000.0
        );
        assert_eq!(y, 0.0);
        let [x, _] = utm.forward(102.0, 0.0);
        assert!(
            (x + 500_000.0 - 166_021.443).abs() < 1e-3,
            "{}",
            x + 500_000.0
        );
        // And the k0 = 1 frame is the same map scaled by 1/0.9996.
        let [x1, y1] = TransverseMercator::new(105.0).forward(107.3, 21.0);
        let [xu, yu] = utm.forward(107.3, 21.0);
        assert!((x1 * 0.9996 - xu).abs() < 1e-9 && (y1 * 0.9996 - yu).abs() < 1e-9);
    }

    fn geodesic_dest(lon: f64, lat: f64, azimuth_deg: f64, distance_m: f64) -> (f64, f64) {
        let p = Geodesic.destination(Point::new(lon, lat), azimuth_deg, distance_m);
        (p.x(), p.y())
    }

    fn grid_distance(a: [f64; 2], b: [f64; 2]) -> f64 {
        (a[0] - b[0]).hypot(a[1] - b[1])
    }

    #[test]
    fn grid_distances_match_geodesics_within_contract() {
        let cm = 105.5;
        let tm = TransverseMercator::new(cm);
        // Worst relative errors of: the raw grid distance; the grid distance
        // over k at the start (how a range around a site is scaled); over
        // the mean k of the two ends; over Simpson's mean (k1 + 4 km + k2)/6.
        let mut worst = [0.0f64; 4];
        let mut pairs = 0;
        for lat5 in -12..=12 {
            let lat = lat5 as f64 * 5.0;
            // Starting points across the strip, edges included.
            for dlon10 in -5..=5 {
                let lon = cm + dlon10 as f64 / 10.0;
                let p = tm.forward_with_distortion(lon, lat);
                for &dist in &[100.0, 1_000.0, 10_000.0, 30_000.0] {
                    for az10 in 0..36 {
                        let az = az10 as f64 * 10.0 + 3.0;
                        let (lon2, lat2) = geodesic_dest(lon, lat, az, dist);
                        let q = tm.forward_with_distortion(lon2, lat2);
                        let ground =
                            Geodesic.distance(Point::new(lon, lat), Point::new(lon2, lat2));
                        let grid = grid_distance(p.xy, q.xy);
                        let mid = [0.5 * (p.xy[0] + q.xy[0]), 0.5 * (p.xy[1] + q.xy[1])];
                        let (lon_m, lat_m) = tm.inverse(mid);
                        let k_mid = tm.forward_with_distortion(lon_m, lat_m).scale;
                        let k_simpson = (p.scale + 4.0 * k_mid + q.scale) / 6.0;
                        let errors = [
                            grid,
                            grid / p.scale,
                            grid / (0.5 * (p.scale + q.scale)),
                            grid / k_simpson,
                        ]
                        .map(|g| (g - ground).abs() / ground);
                        let at = format!("lat {lat} lon {lon} az {az} d {dist}: {errors:?}");
                        // Both ends within 86 km of the CM: the contract's 0.01 %.
                        assert!(p.xy[0].abs().max(q.xy[0].abs()) < 86_000.0, "{at}");
                        assert!(errors[0] < 1e-4, "{at}");
                        assert!(errors[1] < 3e-5, "{at}");
                        assert!(errors[2] < 1e-5, "{at}");
                        assert!(errors[3] < 1e-8, "{at}");
                        for (w, e) in worst.iter_mut().zip(errors) {
                            *w = w.max(e);
                        }
                        pairs += 1;
                    }
                }
            }
        }
        eprintln!(
            "{pairs} pairs: worst relative error: raw {:e}, over k(start) {:e}, \
             over mean k of the ends {:e}, over Simpson mean k {:e}",
            worst[0], worst[1], worst[2], worst[3]
        );
    }

    #[test]
    fn raw_grid_error_below_1e_4_within_85_km_of_cm() {
        let cm = 0.0;
        let tm = TransverseMercator::new(cm);
        let mut worst: f64 = 0.0;
        for lat in (0..=60).step_by(5) {
            let lat = lat as f64;
            // Points at x = ±85 km, ±60 km, 0, joined by lines up to 30 km
            // that stay within 85 km of the CM.
            for &x0 in &[-85_000.0, -60_000.0, 0.0, 60_000.0, 85_000.0] {
                let y0 = tm.forward(cm, lat)[1];
                let (lon, lat0) = tm.inverse([x0, y0]);
                let p = tm.forward(lon, lat0);
                for &dist in &[500.0, 5_000.0, 30_000.0] {
                    for az10 in 0..36 {
                        let az = az10 as f64 * 10.0;
                        let (lon2, lat2) = geodesic_dest(lon, lat0, az, dist);
                        let q = tm.forward(lon2, lat2);
                        if q[0].abs() > 85_000.0 {
                            continue;
                        }
                        let ground =
                            Geodesic.distance(Point::new(lon, lat0), Point::new(lon2, lat2));
                        let raw = (grid_distance(p, q) - ground).abs() / ground;
                        assert!(raw < 1e-4, "x0 {x0} lat {lat} az {az} d {dist}: {raw:e}");
                        worst = worst.max(raw);
                    }
                }
            }
        }
        eprintln!("within 85 km of the CM: worst raw grid error {worst:e}");
        // The error is real and near its bound at the edge, not vanishing.
        assert!(worst > 8e-5);
    }

    /// The grid bearing of a short line, atan2(dx, dy), is the geodesic
    /// azimuth plus `convergence_deg`.
    #[test]
    fn convergence_turns_true_bearings_into_grid_bearings() {
        let cm = 105.5;
        let tm = TransverseMercator::new(cm);
        // Line lengths, tolerances (degrees), worst errors measured. What
        // remains after the convergence is the curvature of the geodesic on
        // the grid, proportional to the length.
        let lines = [(10.0, 1e-6), (1_000.0, 1e-4), (30_000.0, 2e-3)];
        let mut worst = [0.0f64; 3];
        for lat5 in -16..=16 {
            let lat = lat5 as f64 * 5.0;
            for dlon10 in -5..=5 {
                let lon = cm + dlon10 as f64 / 10.0;
                let p = tm.forward_with_distortion(lon, lat);
                for az10 in 0..36 {
                    let az = az10 as f64 * 10.0 + 1.0;
                    for ((dist, tol), worst) in lines.iter().zip(worst.iter_mut()) {
                        let (lon2, lat2) = geodesic_dest(lon, lat, az, *dist);
                        let true_az =
                            Geodesic.bearing(Point::new(lon, lat), Point::new(lon2, lat2));
                        let q = tm.forward(lon2, lat2);
                        let grid_az = (q[0] - p.xy[0]).atan2(q[1] - p.xy[1]).to_degrees();
                        let err = diff_deg(true_az + p.convergence_deg, grid_az).abs();
                        assert!(err < *tol, "lat {lat} lon {lon} az {az} d {dist}: {err:e}");
                        *worst = worst.max(err);
                    }
                }
            }
        }
        eprintln!(
            "bearing error (deg): 10 m lines {:e}, 1 km lines {:e}, 30 km lines {:e}",
            worst[0], worst[1], worst[2]
        );
    }

    #[test]
    fn convergence_sign_convention() {
        let tm = TransverseMercator::new(105.5);
        // East of the CM, northern hemisphere: true north leans towards the
        // CM, so a true bearing becomes a smaller grid bearing.
        let ne = tm.forward_with_distortion(106.0, 21.0);
        assert!(ne.convergence_deg < 0.0);
        let approx = -(0.5f64) * 21f64.to_radians().sin();
        assert!(
            (ne.convergence_deg - approx).abs() < 1e-3,
            "{}",
            ne.convergence_deg
        );
        // West of the CM, or south of the equator: positive.
        assert!(tm.forward_with_distortion(105.0, 21.0).convergence_deg > 0.0);
        assert!(tm.forward_with_distortion(106.0, -21.0).convergence_deg > 0.0);
        assert!(tm.forward_with_distortion(105.0, -21.0).convergence_deg < 0.0);
        // Zero on the CM and on the equator.
        assert_eq!(tm.forward_with_distortion(105.5, 40.0).convergence_deg, 0.0);
        assert_eq!(tm.forward_with_distortion(106.5, 0.0).convergence_deg, 0.0);
        // A line due true north east of the CM heads west of grid north.
        let (lon2, lat2) = geodesic_dest(106.0, 21.0, 0.0, 1_000.0);
        let q = tm.forward(lon2, lat2);
        assert!(q[0] < ne.xy[0]);
    }

    /// Published reference values for WGS 84, k0 = 1, 2° west of the CM at
    /// 1° N (from the Julia Geodesy package's test suite): x = −222 650.797
    /// m, y = 110 642.229 m, γ = −0.034 919 280 383 593° in GeographicLib's
    /// sign convention (so `convergence_deg` is +), k = 1.000 613 467 775 594 5.
    #[test]
    fn distortion_matches_reference_values() {
        let tm = TransverseMercator::new(3.0);
        let p = tm.forward_with_distortion(1.0, 1.0);
        assert!((p.xy[0] + 222_650.796_797_583).abs() < 1e-5, "{}", p.xy[0]);
        assert!((p.xy[1] - 110_642.229_415_579).abs() < 1e-5, "{}", p.xy[1]);
        assert!((p.convergence_deg - 0.034_919_280_383_593_07).abs() < 1e-12);
        assert!(
            (p.scale - 1.000_613_467_775_594_5).abs() < 1e-14,
            "{}",
            p.scale
        );
    }

    /// k is the ratio of grid length to ground length of a tiny step.
    #[test]
    fn scale_factor_is_the_numerical_derivative() {
        let cm = 105.5;
        let tm = TransverseMercator::new(cm);
        let mut worst: f64 = 0.0;
        for lat5 in -16..=16 {
            let lat = lat5 as f64 * 5.0;
            for dlon in [-3.0, -0.5, -0.2, 0.0, 0.3, 0.5, 1.5, 3.0] {
                let lon = cm + dlon;
                let p = tm.forward_with_distortion(lon, lat);
                for az in [0.0, 37.0, 90.0, 161.0] {
                    // A 1 m geodesic step centred on the point.
                    let (lon_a, lat_a) = geodesic_dest(lon, lat, az, 0.5);
                    let (lon_b, lat_b) = geodesic_dest(lon, lat, az + 180.0, 0.5);
                    let grid = grid_distance(tm.forward(lon_a, lat_a), tm.forward(lon_b, lat_b));
                    let err = (grid / 1.0 - p.scale).abs();
                    assert!(err < 1e-7, "lat {lat} dlon {dlon} az {az}: {err:e}");
                    worst = worst.max(err);
                }
            }
        }
        eprintln!("scale factor vs numerical derivative: worst {worst:e}");
        // k = 1 on the CM; about 1 + x²/2R² off it.
        assert!((tm.forward_with_distortion(cm, 30.0).scale - 1.0).abs() < 1e-15);
        let p = tm.forward_with_distortion(cm + 0.5, 0.0);
        // On the equator the radii of curvature are a(1 − e²) and a.
        let e2 = WGS84_F * (2.0 - WGS84_F);
        let approx = 1.0 + p.xy[0].powi(2) / (2.0 * WGS84_A * WGS84_A * (1.0 - e2));
        assert!((p.scale - approx).abs() < 1e-7, "{} vs {approx}", p.scale);
    }

    #[test]
    fn pole_is_handled() {
        let tm = TransverseMercator::new(10.0);
        let p = tm.forward_with_distortion(40.0, 90.0);
        assert!(p.xy[0].abs() < 1e-6);
        assert!((p.xy[1] - 10_001_965.729).abs() < 1e-3);
        // The pole lies on every meridian, the CM included: k = k0.
        assert!((p.scale - 1.0).abs() < 1e-12, "{}", p.scale);
        let (_, lat) = tm.inverse(p.xy);
        assert!((lat - 90.0).abs() < 1e-9);
        let s = tm.forward_with_distortion(40.0, -90.0);
        assert!((s.xy[1] + 10_001_965.729).abs() < 1e-3);
    }

    #[test]
    fn zones_for_a_city_is_one_centred_strip() {
        let z = Strips::covering(105.2, 105.85).unwrap();
        assert_eq!(z.len(), 1);
        assert!(!z.is_empty());
        assert!((z.frame(0).central_meridian_deg() - 105.525).abs() < 1e-12);
        assert_eq!(z.bounds_deg(0), (105.2, 105.85));
        assert_eq!(z.strip_of(105.5), 0);
        assert_eq!(z.strip_of(0.0), 0);
        // A single point.
        let p = Strips::covering(105.0, 105.0).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p.frame(0).central_meridian_deg(), 105.0);
        assert_eq!(p.strip_of(106.0), 0);
    }

    #[test]
    fn zones_for_viet_nam() {
        let z = Strips::covering(102.1, 109.5).unwrap();
        assert_eq!(z.len(), 8);
        let mut previous_east = 102.1;
        for i in 0..z.len() {
            let (w, e) = z.bounds_deg(i);
            assert_eq!(
                w,
                previous_east,
                "strips {i} and {} do not meet",
                i.max(1) - 1
            );
            assert!(e - w <= MAX_STRIP_WIDTH_DEG && e > w);
            assert!((z.frame(i).central_meridian_deg() - 0.5 * (w + e)).abs() < 1e-12);
            previous_east = e;
            // Points inside a strip map to it.
            for t in [0.01, 0.25, 0.5, 0.75, 0.99] {
                let lon = w + t * (e - w);
                assert_eq!(z.strip_of(lon), i, "lon {lon}");
            }
            // Edges map to a strip that holds them.
            for lon in [w, e] {
                let j = z.strip_of(lon);
                let (wj, ej) = z.bounds_deg(j);
                assert!(wj <= lon && lon <= ej && j.abs_diff(i) <= 1);
            }
        }
        assert_eq!(previous_east, 109.5);
        // Hanoi and Ho Chi Minh City.
        assert_eq!(z.strip_of(105.85), 4);
        assert_eq!(z.strip_of(106.7), 4);
        assert_eq!(z.strip_of(109.4), 7);
        // Outside: clamped to the nearer end.
        assert_eq!(z.strip_of(101.0), 0);
        assert_eq!(z.strip_of(-170.0), 7); // 80.5° east of the range, 272.1° west
        assert_eq!(z.strip_of(0.0), 0); // 102.1° west of the range, 250.5° east
        assert_eq!(z.strip_of(115.0), 7);
        assert_eq!(z.strip_of(f64::NAN), 0);
    }

    #[test]
    fn zones_across_the_antimeridian() {
        let z = Strips::covering(177.0, 183.0).unwrap();
        assert_eq!(z.len(), 6);
        assert_eq!(z.strip_of(178.5), 1);
        assert_eq!(z.strip_of(-179.5), 3); // = 180.5
        assert_eq!(z.strip_of(182.5), 5);
        let f = z.frame(3);
        let (lon, lat) = f.inverse(f.forward(-179.5, -17.0));
        assert!((lon + 179.5).abs() < 1e-12 && (lat + 17.0).abs() < 1e-12);
        // Whole world: 360 strips.
        assert_eq!(Strips::covering(-180.0, 180.0).unwrap().len(), 360);
    }

    #[test]
    fn zones_refuse_bad_bounds() {
        for (lo, hi) in [
            (f64::NAN, 105.0),
            (105.0, f64::NAN),
            (f64::NEG_INFINITY, 105.0),
            (105.0, f64::INFINITY),
            (106.0, 105.0),
            (-180.0, 190.0),
        ] {
            match Strips::covering(lo, hi) {
                Err(Error::Parameter { name, reason }) => {
                    assert!(name.starts_with("lon_"), "{name}");
                    assert!(!reason.is_empty());
                }
                other => panic!("({lo}, {hi}) gave {other:?}"),
            }
        }
    }

    #[test]
    fn degree_bounds_hold_every_destination() {
        for lat in [
            -84.0, -60.0, -21.0, 0.0, 10.0, 21.0, 45.0, 60.0, 75.0, 80.0, 84.9,
        ] {
            for dist in [1.0, 150.0, 5_000.0, 30_000.0, 200_000.0, 1_000_000.0] {
                let (dlon, dlat) = metres_to_degrees_bound(dist, lat);
                assert!(dlon > 0.0 && dlat > 0.0);
                for az in (0..360).step_by(5) {
                    let (lon2, lat2) = geodesic_dest(0.0, lat, az as f64, dist);
                    assert!(
                        (lat2 - lat).abs() <= dlat,
                        "lat {lat} d {dist} az {az}: {lat2}"
                    );
                    assert!(
                        lon2.abs() <= dlon,
                        "lat {lat} d {dist} az {az}: {lon2} > {dlon}"
                    );
                }
            }
        }
    }

    #[test]
    fn degree_bounds_are_only_slightly_generous() {
        for lat in [0.0, 21.0, 45.0, 60.0] {
            let dist = 10_000.0;
            let (dlon, dlat) = metres_to_degrees_bound(dist, lat);
            let north = geodesic_dest(0.0, lat, 0.0, dist).1 - lat;
            let east = (0..=180)
                .map(|a| geodesic_dest(0.0, lat, a as f64 * 0.5 + 45.0, dist).0)
                .fold(0.0, f64::max);
            assert!(dlat / north < 1.01, "lat {lat}: dlat {dlat} vs {north}");
            assert!(dlon / east < 1.01, "lat {lat}: dlon {dlon} vs {east}");
        }
    }

    #[test]
    fn degree_bounds_near_poles_and_bad_input() {
        assert_eq!(metres_to_degrees_bound(1_000.0, 86.0).0, 360.0);
        assert_eq!(metres_to_degrees_bound(1_000.0, -89.0).0, 360.0);
        // Reaching 85° from below also gives up on longitude.
        assert_eq!(metres_to_degrees_bound(200_000.0, 84.0).0, 360.0);
        // Very long distances.
        let (dlon, dlat) = metres_to_degrees_bound(30_000_000.0, 0.0);
        assert_eq!((dlon, dlat), (360.0, 180.0));
        assert_eq!(metres_to_degrees_bound(0.0, 10.0), (0.0, 0.0));
        assert_eq!(metres_to_degrees_bound(-1.0, 10.0), (360.0, 180.0));
        assert_eq!(metres_to_degrees_bound(f64::NAN, 10.0), (360.0, 180.0));
        assert_eq!(metres_to_degrees_bound(1.0, f64::NAN), (360.0, 180.0));
    }
}
