//! Terrain loss along a ray, evaluated incrementally: the Bullington loss
//! ([`crate::propagation::diffraction`], §1) from a transmitter to every
//! sample of an evenly spaced profile, in one pass along it.
//!
//! # The combination rule
//!
//! A point at distance `d` from a site, seen along a ray of terrain
//! heights, loses
//!
//! ```text
//! L(d) = Lemp(d) + max(0, Lbull,terrain(d) − Lbull,smooth(d))
//! ```
//!
//! where `Lemp` is the empirical median loss of the site layer's model
//! (Okumura-Hata, COST-231-Hata, TR 38.901, never below free space: the
//! terrain-free loss of [`crate::propagation::SiteLink`]),
//! `Lbull,terrain` is the Bullington loss over the actual profile (site
//! antenna `height_m` above the site's ground, handset `mobile_height_m`
//! above the point's ground) and `Lbull,smooth` the Bullington loss of
//! the same path over the smooth Earth (every height at the site's ground
//! level, same antennas, same effective Earth radius). The empirical model
//! already holds the loss of an average smooth path; only what the terrain
//! adds to diffraction beyond that is added. Over flat ground the two
//! Bullington terms are equal and `L = Lemp` exactly, so a flat DEM gives
//! the terrain-free coverage. (This is the "delta" idea of ITU-R P.526
//! §4.5 with the empirical model in place of the spherical-Earth term.)
//!
//! # One pass per ray
//!
//! With `gᵢ = hᵢ − 500·Cₑ·dᵢ²` (heights with the Earth's curvature taken
//! out), the slopes of eqs. (14) and (18) of P.452-17 become
//!
//! ```text
//! Stim(d) = 500·Cₑ·d + max over i of (gᵢ − hts)/dᵢ
//! Srim(d) = −500·Cₑ·d + max over i of (gᵢ − G)/(d − dᵢ),   G = hrs − 500·Cₑ·d²
//! ```
//!
//! The first is a running maximum (O(1) per sample). The second is the
//! tangent from the point `(d, G)` to the upper convex hull of the points
//! `(dᵢ, gᵢ)`, kept incrementally as the ray grows (monotone chain) and
//! searched by bisection: O(log n) per sample. The line-of-sight case
//! needs the largest `ν` over the profile; it is skipped exactly when
//! the bound `νmax ≤ −√(0.002·d·|Stim − Str|·|Srim + Str|/λ)` puts every
//! point below −0.78 (where `J(ν) = 0`), else scanned. The result equals
//! [`crate::propagation::DeltaBullington::bullington`] on each prefix of
//! the profile (tested to 10⁻⁹ dB).

use super::{knife_edge_loss_db, FreeSpace, PropagationError, ITU_EARTH_RADIUS_KM};

/// The Bullington loss from a transmitter to every sample of an evenly
/// spaced ray, and the smooth-Earth reference (see the
/// [module docs](self)).
///
/// ```
/// use telecov::propagation::terrain_loss::RayLoss;
/// // 900 MHz, k = 4/3, samples 30 m apart out to 3 km, 30 m mast, 1.5 m handset
/// let ray = RayLoss::new(900.0, 4.0 / 3.0, 30.0, 100, 30.0, 1.5).unwrap();
/// // flat ground: no excess anywhere
/// let flat = vec![5.0; 101];
/// let mut excess = Vec::new();
/// ray.excess_db(&flat, &mut excess);
/// assert!(excess.iter().all(|&e| e == 0.0));
/// // a 60 m ridge 1.5 km out shadows what lies behind it
/// let mut ridge = flat.clone();
/// ridge[50] = 65.0;
/// ray.excess_db(&ridge, &mut excess);
/// assert_eq!(excess[40], 0.0);
/// assert!(excess[80] > 10.0);
/// ```
#[derive(Debug, Clone)]
pub struct RayLoss {
    /// Cₑ = 1/aₑ, km⁻¹.
    ce: f64,
    /// λ, m.
    lambda_m: f64,
    /// Sample spacing, km.
    step_km: f64,
    tx_height_m: f64,
    rx_height_m: f64,
    /// Clutter height on the intermediate points, m (0: none).
    clutter_m: f64,
    /// Bullington loss over the smooth Earth at each sample, dB.
    reference_db: Vec<f64>,
}

impl RayLoss {
    /// A ray of `samples + 1` points `step_m` apart (the transmitter at
    /// point 0) at `frequency_mhz` (30 MHz – 50 GHz), effective Earth
    /// radius `6371·k_factor` km, antennas `tx_height_m` and `rx_height_m`
    /// above the ground (> 0).
    pub fn new(
        frequency_mhz: f64,
        k_factor: f64,
        step_m: f64,
        samples: usize,
        tx_height_m: f64,
        rx_height_m: f64,
    ) -> Result<Self, PropagationError> {
        // the same checks as the full method
        let model = super::DeltaBullington::new(frequency_mhz, k_factor)?;
        let _ = FreeSpace::new(frequency_mhz)?;
        for (parameter, v) in [
            ("step_m", step_m),
            ("tx_height_m", tx_height_m),
            ("rx_height_m", rx_height_m),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(PropagationError::NotPositive {
                    model: "terrain ray",
                    parameter,
                    value: v,
                });
            }
        }
        let mut ray = RayLoss {
            ce: 1.0 / (ITU_EARTH_RADIUS_KM * k_factor),
            lambda_m: model.wavelength_m(),
            step_km: step_m / 1000.0,
            tx_height_m,
            rx_height_m,
            clutter_m: 0.0,
            reference_db: Vec::new(),
        };
        let flat = vec![0.0; samples + 1];
        let mut reference = Vec::new();
        ray.bullington_db(&flat, &mut reference);
        ray.reference_db = reference;
        Ok(ray)
    }

    /// The ray with clutter `clutter_m` metres high standing on every
    /// intermediate point of a profile (ITU-R P.1812-6 §3.2: the
    /// representative clutter height `R` added to the terrain height,
    /// `gᵢ = hᵢ + Rᵢ`, except at the two terminals, which stand on the
    /// ground; the receiver is thus in the clutter). The smooth-Earth
    /// reference keeps no clutter: clutter adds loss wherever it rises
    /// into the path, and 0 m gives exactly the ray without it. Negative
    /// or non-finite heights count as 0.
    ///
    /// ```
    /// use telecov::propagation::terrain_loss::RayLoss;
    /// let ray = RayLoss::new(900.0, 4.0 / 3.0, 30.0, 100, 30.0, 1.5).unwrap();
    /// let flat = vec![5.0; 101];
    /// let mut bare = Vec::new();
    /// ray.excess_db(&flat, &mut bare);
    /// assert!(bare.iter().all(|&e| e == 0.0));
    /// // 15 m of buildings: the 1.5 m handset 2 km from a 30 m mast is
    /// // behind them
    /// let mut built = Vec::new();
    /// ray.clone().with_clutter_m(15.0).excess_db(&flat, &mut built);
    /// assert!(built[66] > 5.0);
    /// ```
    pub fn with_clutter_m(mut self, clutter_m: f64) -> Self {
        self.clutter_m = if clutter_m.is_finite() && clutter_m > 0.0 {
            clutter_m
        } else {
            0.0
        };
        self
    }

    /// Number of samples after the transmitter.
    pub fn samples(&self) -> usize {
        self.reference_db.len().saturating_sub(1)
    }

    /// The Bullington loss over the smooth Earth at each sample, dB.
    pub fn reference_db(&self) -> &[f64] {
        &self.reference_db
    }

    /// The terrain's excess loss `max(0, Lbull,terrain − Lbull,smooth)` at
    /// each sample of `heights_m` (ground heights, point 0 under the
    /// transmitter; at most `samples + 1` of them) into `out`.
    pub fn excess_db(&self, heights_m: &[f64], out: &mut Vec<f64>) {
        self.bullington_db(heights_m, out);
        for (e, r) in out.iter_mut().zip(&self.reference_db) {
            *e = (*e - r).max(0.0);
        }
    }

    /// The Bullington loss `Lbull` from point 0 to each point of
    /// `heights_m` (0 dB at points 0 and 1, which have no intermediate
    /// point), in one pass.
    pub fn bullington_db(&self, heights_m: &[f64], out: &mut Vec<f64>) {
        out.clear();
        let Some(&h0) = heights_m.first() else {
            return;
        };
        let (ce, s, lambda) = (self.ce, self.step_km, self.lambda_m);
        // heights relative to the site's ground (the method only uses differences)
        let hts = self.tx_height_m;
        let mut stim_run = f64::NEG_INFINITY;
        // upper hull of (dᵢ, gᵢ), i ≥ 1
        let mut hull: Vec<(f64, f64)> = Vec::new();
        for (j, &hj) in heights_m.iter().enumerate() {
            if j < 2 {
                out.push(0.0);
                continue;
            }
            // add point i = j − 1
            let i = j - 1;
            let di = i as f64 * s;
            let hi = heights_m[i] - h0 + self.clutter_m;
            let gi = hi - 500.0 * ce * di * di;
            stim_run = stim_run.max((gi - hts) / di);
            while hull.len() >= 2 {
                let (x1, y1) = hull[hull.len() - 2];
                let (x2, y2) = hull[hull.len() - 1];
                // drop the middle point when it is on or below the chord
                if (x2 - x1) * (gi - y1) - (y2 - y1) * (di - x1) >= 0.0 {
                    hull.pop();
                } else {
                    break;
                }
            }
            hull.push((di, gi));

            let d = j as f64 * s;
            let hrs = hj - h0 + self.rx_height_m;
            let stim = stim_run + 500.0 * ce * d;
            let str_ = (hrs - hts) / d;
            let g_r = hrs - 500.0 * ce * d * d;
            let srim = tangent(&hull, d, g_r) - 500.0 * ce * d;
            let nu_factor = |x: f64| (0.002 * d / (lambda * x * (d - x))).sqrt();
            let nu = if stim >= str_ && stim + srim > 0.0 {
                let dbp = ((hrs - hts + srim * d) / (stim + srim)).clamp(0.0, d);
                let clearance = hts + stim * dbp - (hts * (d - dbp) + hrs * dbp) / d;
                clearance * nu_factor(dbp)
            } else {
                // c = clearance below the antennas' line (< 0 here): cᵢ ≤ δt·dᵢ
                // and cᵢ ≤ δr·(d − dᵢ), so ν > −0.78 only where both
                // bounds allow it, a range of dᵢ found in closed form
                let dt = stim - str_;
                let dr = srim + str_;
                let kappa = 0.78 * 0.78 * lambda / (0.002 * d);
                let mut lo = 1usize;
                let mut hi = j - 1;
                if dt < 0.0 {
                    // q may overflow to ∞: d / (1 + 1/q) stays finite
                    let q = kappa / (dt * dt);
                    let limit = d / (1.0 + 1.0 / q);
                    hi = hi.min(((limit / s).floor() as usize).saturating_add(1));
                }
                if dr < 0.0 {
                    let r = kappa / (dr * dr);
                    let limit = d / (1.0 + r);
                    lo = lo.max(((limit / s).ceil() as usize).saturating_sub(1));
                }
                // ν = c·√(K / (dk·(d − dk))), K = 0.002·d/λ: below the
                // line (c < 0) the largest ν is the smallest c²/(dk·(d − dk)),
                // found without a division or a root per point; a point on
                // or above the line (by rounding) is taken as it is
                let (mut num, mut den) = (f64::INFINITY, 1.0);
                let mut above = f64::NEG_INFINITY;
                for (k, &hk) in heights_m.iter().enumerate().take(hi + 1).skip(lo.max(1)) {
                    let dk = k as f64 * s;
                    let w = dk * (d - dk);
                    let bulged = hk - h0 + self.clutter_m + 500.0 * ce * w;
                    let clearance = bulged - (hts * (d - dk) + hrs * dk) / d;
                    if clearance < 0.0 {
                        let c2 = clearance * clearance;
                        if c2 * den < num * w {
                            (num, den) = (c2, w);
                        }
                    } else {
                        above = above.max(clearance * nu_factor(dk));
                    }
                }
                if above > f64::NEG_INFINITY {
                    above
                } else if num.is_finite() {
                    -(0.002 * d / lambda * num / den).sqrt()
                } else {
                    f64::NEG_INFINITY
                }
            };
            let luc = knife_edge_loss_db(nu);
            out.push(if luc == 0.0 {
                // the formula's value at 0, without the exponential
                0.0
            } else {
                luc + (1.0 - (-luc / 6.0).exp()) * (10.0 + 0.02 * d)
            });
        }
    }
}

/// `max over hull points of (g − gq)/(dq − d)` for a query `(dq, gq)` to
/// the right of every point of the upper hull `hull` (x increasing,
/// slopes decreasing): the tangent point, by bisection.
fn tangent(hull: &[(f64, f64)], dq: f64, gq: f64) -> f64 {
    let value = |p: (f64, f64)| (p.1 - gq) / (dq - p.0);
    // the value rises along the hull up to the tangent point, then falls:
    // find the first edge along which it stops rising (compared without
    // dividing: both denominators are positive)
    let rises = |p: (f64, f64), q: (f64, f64)| (q.1 - gq) * (dq - p.0) > (p.1 - gq) * (dq - q.0);
    let (mut lo, mut hi) = (0usize, hull.len() - 1);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if rises(hull[mid], hull[mid + 1]) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    value(hull[lo])
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::propagation::{DeltaBullington, TerrainProfile};

    /// The full method on the prefix 0..=j.
    fn brute(model: &DeltaBullington, step_m: f64, heights: &[f64], tx: f64, rx: f64) -> Vec<f64> {
        (0..heights.len())
            .map(|j| {
                if j < 2 {
                    return 0.0;
                }
                let d: Vec<f64> = (0..=j).map(|i| i as f64 * step_m / 1000.0).collect();
                let p = TerrainProfile::new(d, heights[..=j].to_vec()).unwrap();
                model
                    .bullington(&p, heights[0] + tx, heights[j] + rx)
                    .loss_db
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn one_pass_equals_the_method_on_every_prefix(
            heights in proptest::collection::vec(0.0..300.0f64, 3..80),
            step_m in 10.0..200.0f64,
            tx in 5.0..80.0f64,
            rx in 1.0..10.0f64,
            f in prop_oneof![Just(900.0), Just(1800.0), Just(3500.0)],
        ) {
            let model = DeltaBullington::new(f, 4.0 / 3.0).unwrap();
            let ray = RayLoss::new(f, 4.0 / 3.0, step_m, heights.len() - 1, tx, rx).unwrap();
            let mut got = Vec::new();
            ray.bullington_db(&heights, &mut got);
            let want = brute(&model, step_m, &heights, tx, rx);
            for (j, (g, w)) in got.iter().zip(&want).enumerate() {
                prop_assert!((g - w).abs() < 1e-9, "sample {j}: {g} vs {w}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// Clutter: the full method on each prefix with the clutter added
        /// to its intermediate points (its two ends on the ground); never
        /// less loss than without; 0 m the ray without clutter, bit for bit.
        #[test]
        fn clutter_stands_on_the_intermediate_points(
            heights in proptest::collection::vec(0.0..100.0f64, 3..60),
            step_m in 10.0..100.0f64,
            clutter_m in 0.5..25.0f64,
            f in prop_oneof![Just(900.0), Just(2600.0)],
        ) {
            let model = DeltaBullington::new(f, 4.0 / 3.0).unwrap();
            let ray = RayLoss::new(f, 4.0 / 3.0, step_m, heights.len() - 1, 30.0, 1.5).unwrap();
            let built = ray.clone().with_clutter_m(clutter_m);
            let (mut got, mut bare) = (Vec::new(), Vec::new());
            built.bullington_db(&heights, &mut got);
            ray.bullington_db(&heights, &mut bare);
            for j in 2..heights.len() {
                let mut raised = heights[..=j].to_vec();
                for h in &mut raised[1..j] {
                    *h += clutter_m;
                }
                let d: Vec<f64> = (0..=j).map(|i| i as f64 * step_m / 1000.0).collect();
                let p = TerrainProfile::new(d, raised).unwrap();
                let want = model.bullington(&p, heights[0] + 30.0, heights[j] + 1.5).loss_db;
                prop_assert!((got[j] - want).abs() < 1e-9, "sample {j}: {} vs {want}", got[j]);
                prop_assert!(got[j] >= bare[j] - 1e-12);
            }
            let mut zero = Vec::new();
            ray.clone().with_clutter_m(0.0).bullington_db(&heights, &mut zero);
            prop_assert_eq!(zero, bare);
            // the smooth-Earth reference has no clutter
            prop_assert_eq!(built.reference_db(), ray.reference_db());
        }
    }

    #[test]
    fn smooth_reference_is_the_method_over_zero_heights() {
        let model = DeltaBullington::new(1800.0, 4.0 / 3.0).unwrap();
        let ray = RayLoss::new(1800.0, 4.0 / 3.0, 90.0, 400, 25.0, 1.5).unwrap();
        let want = brute(&model, 90.0, &[0.0; 401], 25.0, 1.5);
        for (g, w) in ray.reference_db().iter().zip(&want) {
            assert!((g - w).abs() < 1e-9);
        }
        // beyond the smooth horizon (about 26 km for 25 m and 1.5 m) the
        // reference itself diffracts
        assert!(
            ray.reference_db()[400] > 10.0,
            "{}",
            ray.reference_db()[400]
        );
    }

    #[test]
    fn rough_profiles_take_the_scan_and_agree() {
        // a ragged ray with many near-grazing points
        let heights: Vec<f64> = (0..150)
            .map(|i| 20.0 + 8.0 * ((i as f64) * 0.7).sin() + (i as f64) * 0.1)
            .collect();
        let model = DeltaBullington::new(700.0, 1.0).unwrap();
        let ray = RayLoss::new(700.0, 1.0, 30.0, 149, 10.0, 1.5).unwrap();
        let mut got = Vec::new();
        ray.bullington_db(&heights, &mut got);
        let want = brute(&model, 30.0, &heights, 10.0, 1.5);
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-9, "{g} vs {w}");
        }
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(RayLoss::new(10.0, 4.0 / 3.0, 30.0, 10, 30.0, 1.5).is_err());
        assert!(RayLoss::new(900.0, 4.0 / 3.0, 0.0, 10, 30.0, 1.5).is_err());
        assert!(RayLoss::new(900.0, 9.0, 30.0, 10, 30.0, 1.5).is_err());
    }
}
