//! Diffraction over a terrain profile: the "delta-Bullington" method of
//! ITU-R P.526-15 §4.5, the diffraction model of ITU-R P.452-17 (§4.2) and
//! P.1812-6 (§4.3).
//!
//! Implemented from the published equations, written out below with the
//! equation numbers of P.452-17 (whose §4.2 is P.526-15 §4.5 word for word,
//! plus the smooth-surface heights of its Attachment 2, §5.1.6).
//!
//! # Inputs and units
//!
//! A [`TerrainProfile`]: `n` points along the great circle from the
//! transmitter (point 0, at 0 km) to the receiver (point `n − 1`, at `d` km),
//! distances `dᵢ` in **kilometres** (strictly increasing) and terrain heights
//! `hᵢ` in metres above sea level. The antennas are given in metres above
//! the ground at their ends, so that `hts = h₀ + tx_height_m` and
//! `hrs = hₙ₋₁ + rx_height_m` (metres above sea level). The frequency is in
//! MHz (`f` below is in GHz, λ = c/f in metres), the effective Earth radius
//! `aₑ = 6371·k` km with the k-factor `k` (4/3 by default,
//! [`DEFAULT_K_FACTOR`]); `Cₑ = 1/aₑ` km⁻¹. Logarithms are base 10. The sums
//! and maxima over "intermediate points" run over `i = 1 … n − 2`.
//!
//! # 1. Bullington loss (P.526-15 §4.5.1, P.452-17 §4.2.1)
//!
//! Highest slope from the transmitter to a point, and slope of the
//! transmitter–receiver line (m/km):
//!
//! ```text
//! Stim = max [ (hᵢ + 500·Cₑ·dᵢ·(d − dᵢ) − hts) / dᵢ ]        (14)
//! Str  = (hrs − hts) / d                                      (15)
//! ```
//!
//! *Case 1*, `Stim < Str`, line of sight: the highest diffraction parameter
//!
//! ```text
//! νmax = max { [hᵢ + 500·Cₑ·dᵢ·(d − dᵢ) − (hts·(d − dᵢ) + hrs·dᵢ)/d]
//!              · √(0.002·d / (λ·dᵢ·(d − dᵢ))) }              (16)
//! Luc  = J(νmax)                                              (17)
//! ```
//!
//! *Case 2*, `Stim ≥ Str`, trans-horizon: the highest slope from the
//! receiver, the Bullington point where the two slopes meet, and its ν:
//!
//! ```text
//! Srim = max [ (hᵢ + 500·Cₑ·dᵢ·(d − dᵢ) − hrs) / (d − dᵢ) ]  (18)
//! dbp  = (hrs − hts + Srim·d) / (Stim + Srim)                 (19)
//! νb   = [hts + Stim·dbp − (hts·(d − dbp) + hrs·dbp)/d]
//!        · √(0.002·d / (λ·dbp·(d − dbp)))                     (20)
//! Luc  = J(νb)                                                (21)
//! ```
//!
//! with the knife-edge loss of P.526-15 §4.1 (eq. 31),
//!
//! ```text
//! J(ν) = 6.9 + 20·log( √((ν − 0.1)² + 1) + ν − 0.1 )   for ν > −0.78, else 0,
//! ```
//!
//! and the Bullington loss, with its distance-dependent correction,
//!
//! ```text
//! Lbull = Luc + [1 − exp(−Luc/6)]·(10 + 0.02·d)               (22)
//! ```
//!
//! # 2. Spherical-Earth loss (P.526-15 §3.2, P.452-17 §4.2.2)
//!
//! For antenna heights `hte`, `hre` (m) above a smooth sphere of radius
//! `aₑ`, the marginal line-of-sight distance is
//!
//! ```text
//! dlos = √(2·aₑ) · (√(0.001·hte) + √(0.001·hre))   km        (23)
//! ```
//!
//! If `d ≥ dlos`, `Ldsph = Ldft(aₑ)` (24). Otherwise the smallest clearance
//! of the path over the sphere,
//!
//! ```text
//! c    = (hte − hre)/(hte + hre),    m = 250·d² / (aₑ·(hte + hre))
//! b    = 2·√((m + 1)/(3m)) · cos( π/3 + ⅓·arccos( (3c/2)·√(3m/(m + 1)³) ) )
//! dse1 = d·(1 + b)/2,                dse2 = d − dse1                  (25)
//! hse  = [(hte − 500·dse1²/aₑ)·dse2 + (hre − 500·dse2²/aₑ)·dse1] / d  (26)
//! hreq = 17.456·√(dse1·dse2·λ/d)                                       (27)
//! ```
//!
//! gives `Ldsph = 0` when `hse > hreq` (28); else, with the modified radius
//! `aem = 500·(d / (√hte + √hre))²` (29) that puts the path at grazing,
//! `Ldsph = max(0, (1 − hse/hreq)·Ldft(aem))` (30, 31). At `d = dlos` both
//! branches agree (`hse = 0`, `aem = aₑ`), so the loss is continuous.
//!
//! The first-term loss `Ldft(a)` (P.452-17 §4.2.2.1, P.526-15 §3.2) over
//! land (`εr = 22`, `σ = 0.003` S/m, the values P.452 uses):
//!
//! ```text
//! K_H  = 0.036·(a·f)^(−1/3) · [(εr − 1)² + (18σ/f)²]^(−1/4)            (29a)
//! K_V  = K_H · [εr² + (18σ/f)²]^(1/2)                                  (29b)
//! β    = (1 + 1.6K² + 0.67K⁴) / (1 + 4.5K² + 1.53K⁴)                   (30)
//! X    = 21.88·β·(f/a²)^(1/3)·d                                        (31)
//! Yt,r = 0.9575·β·(f²/a)^(1/3)·hte,re                                  (32)
//! F(X) = 11 + 10·log(X) − 17.6·X           for X ≥ 1.6
//!        −20·log(X) − 5.6488·X^1.425       otherwise                   (33)
//! G(Y) = 17.6·(B − 1.1)^0.5 − 5·log(B − 1.1) − 8    for B = β·Y > 2
//!        20·log(B + 0.1·B³)                          otherwise          (34)
//!        never below 2 + 20·log(K)
//! Ldft = −F(X) − G(Yt) − G(Yr)                                         (36)
//! ```
//!
//! # 3. Smooth-surface heights (P.452-17 Attachment 2, §5.1.6.2–5.1.6.3)
//!
//! The least-squares straight line through the profile,
//!
//! ```text
//! v1  = Σ (dᵢ − dᵢ₋₁)·(hᵢ + hᵢ₋₁)                                  (i = 1 … n − 1)
//! v2  = Σ (dᵢ − dᵢ₋₁)·[hᵢ·(2dᵢ + dᵢ₋₁) + hᵢ₋₁·(dᵢ + 2dᵢ₋₁)]
//! hst = (2·v1·d − v2)/d²,     hsr = (v2 − v1·d)/d²
//! ```
//!
//! is lowered under the highest obstruction above the straight line between
//! the antennas (flat-Earth geometry, intermediate points):
//!
//! ```text
//! Hᵢ   = hᵢ − [hts·(d − dᵢ) + hrs·dᵢ]/d
//! hobs = max Hᵢ,   αobt = max Hᵢ/dᵢ,   αobr = max Hᵢ/(d − dᵢ)
//! hstp = hst − hobs·αobt/(αobt + αobr),   hsrp = hsr − hobs·αobr/(αobt + αobr)   if hobs > 0
//! hstp = hst,                              hsrp = hsr                             otherwise
//! hstd = min(hstp, h₀),    hsrd = min(hsrp, hₙ₋₁)
//! ```
//!
//! # 4. The complete method (P.526-15 §4.5.2, P.452-17 §4.2.3)
//!
//! 1. `Lbulla`: the Bullington loss of the actual profile and antennas.
//! 2. `Lbulls`: the Bullington loss of the same distances with every height
//!    set to zero and antennas at `h'ts = hts − hstd`, `h'rs = hrs − hsrd`
//!    (38).
//! 3. `Ldsph`: the spherical-Earth loss over `d` with `hte = h'ts`,
//!    `hre = h'rs` (39).
//! 4. `L = Lbulla + max(Ldsph − Lbulls, 0)` (40).
//!
//! The Bullington construction alone underestimates the loss of smooth,
//! gently rolling paths; the last step adds the part of the smooth-Earth
//! loss it misses, so `L ≥ Lbulla` always.
//!
//! The basic transmission loss is free space ([`FreeSpace`], over the slant
//! distance between the antennas) plus `L`:
//! [`DeltaBullingtonLoss::basic_transmission_loss_db`].
//!
//! # Validation
//!
//! The tests below reproduce the ITU-R Study Group 3 validation examples for
//! the delta-Bullington method (WP 3M, spreadsheet `delB_valid_temp.xlsx`,
//! computed with `aₑ` = 8500 km and c = 3·10⁸ m/s): paths 1 and 4, five
//! antenna / frequency cases each. Every one of `Lbulla`, `Lbulls`, `Ldsph`
//! and `L` is within 0.005 dB of the published value (the spreadsheet's
//! notes ask for 0.1 dB; the remaining difference is its rounded speed of
//! light), and the smooth-surface heights `h'ts`, `h'rs` within 1 mm; plus
//! closed forms (a single knife edge gives `J(ν)`, a clear path 0 dB, a
//! smooth Earth beyond the horizon its spherical-Earth loss, continuity at
//! `dlos`, `L ≥ Lbulla`, reciprocity).
//!
//! # Scope
//!
//! Land paths only (the sea-path fraction `ω` of P.452 is 0); no clutter,
//! no time percentage (the median-refractivity k-factor is an input).

use super::{FreeSpace, ParamRange, PathLossModel, PropagationError};

const MODEL: &str = "delta-Bullington (ITU-R P.526-15 §4.5)";

/// The Earth radius ITU-R propagation methods use, km (P.452, P.526, P.1812).
pub const ITU_EARTH_RADIUS_KM: f64 = 6371.0;

/// The median k-factor of a standard atmosphere, 4/3: `aₑ` ≈ 8495 km.
pub const DEFAULT_K_FACTOR: f64 = 4.0 / 3.0;

/// Relative permittivity of land in the first-term spherical-Earth loss
/// (P.452-17 §4.2.2.1).
const LAND_PERMITTIVITY: f64 = 22.0;

/// Conductivity of land in the first-term spherical-Earth loss, S/m
/// (P.452-17 §4.2.2.1).
const LAND_CONDUCTIVITY_S_PER_M: f64 = 0.003;

/// Frequencies the method is applied at by ITU-R: from 30 MHz (P.1812) to
/// 50 GHz (P.452).
const FREQUENCY: ParamRange = ParamRange {
    parameter: "frequency_mhz",
    min: 30.0,
    max: 50_000.0,
    unit: "MHz",
};

/// k-factors from strong sub-refraction (0.5) to strong super-refraction (4).
const K_FACTOR: ParamRange = ParamRange {
    parameter: "k_factor",
    min: 0.5,
    max: 4.0,
    unit: "",
};

/// Antenna heights above ground, 1 m to 3 km (the terminal heights of
/// P.1812-6).
const TX_HEIGHT: ParamRange = ParamRange {
    parameter: "tx_height_m",
    min: 1.0,
    max: 3000.0,
    unit: "m",
};

/// See [`TX_HEIGHT`].
const RX_HEIGHT: ParamRange = ParamRange {
    parameter: "rx_height_m",
    min: 1.0,
    max: 3000.0,
    unit: "m",
};

/// Terrain heights accepted in a profile, m above sea level.
const TERRAIN_MIN_M: f64 = -500.0;
/// See [`TERRAIN_MIN_M`].
const TERRAIN_MAX_M: f64 = 9000.0;

/// The knife-edge diffraction loss `J(ν)` of ITU-R P.526-15 §4.1 (eq. 31),
/// dB: `6.9 + 20·log(√((ν − 0.1)² + 1) + ν − 0.1)` for ν > −0.78, 0 below
/// (where the formula is within 0.01 dB of 0).
///
/// ```
/// use telecov::propagation::knife_edge_loss_db;
/// // grazing incidence: about 6 dB
/// assert!((knife_edge_loss_db(0.0) - 6.03).abs() < 0.01);
/// assert_eq!(knife_edge_loss_db(-1.0), 0.0);
/// ```
pub fn knife_edge_loss_db(nu: f64) -> f64 {
    if nu > -0.78 {
        let v = nu - 0.1;
        6.9 + 20.0 * ((v * v + 1.0).sqrt() + v).log10()
    } else {
        0.0
    }
}

/// A terrain profile along a great circle, from the transmitter to the
/// receiver.
#[derive(Debug, Clone, PartialEq)]
pub struct TerrainProfile {
    distances_km: Vec<f64>,
    heights_m: Vec<f64>,
}

impl TerrainProfile {
    /// A profile of points at `distances_km` (kilometres from the
    /// transmitter: the first 0, strictly increasing) with terrain heights
    /// `heights_m` (metres above sea level, −500 to 9000).
    ///
    /// Refused, naming the parameter: fewer than 2 points, lengths that
    /// differ, a first distance other than 0, distances not strictly
    /// increasing or not finite, heights not finite or out of range.
    pub fn new(distances_km: Vec<f64>, heights_m: Vec<f64>) -> Result<Self, PropagationError> {
        let bad = |parameter: &'static str, reason: String| PropagationError::InvalidProfile {
            model: MODEL,
            parameter,
            reason,
        };
        if heights_m.len() < 2 {
            return Err(bad(
                "heights_m",
                format!("{} points; a profile needs at least 2", heights_m.len()),
            ));
        }
        if distances_km.len() != heights_m.len() {
            return Err(bad(
                "distances_km",
                format!(
                    "{} distances for {} heights",
                    distances_km.len(),
                    heights_m.len()
                ),
            ));
        }
        if distances_km.first() != Some(&0.0) {
            return Err(bad(
                "distances_km",
                format!(
                    "the first point is the transmitter, at 0 km; got {:?}",
                    distances_km.first()
                ),
            ));
        }
        for (i, w) in distances_km.windows(2).enumerate() {
            let (a, b) = (w[0], w[1]);
            if !(b.is_finite() && b > a) {
                return Err(bad(
                    "distances_km",
                    format!(
                        "point {}: {b} km does not follow {a} km (distances must increase strictly)",
                        i + 1
                    ),
                ));
            }
        }
        if let Some((i, h)) = heights_m
            .iter()
            .enumerate()
            .find(|(_, h)| !(h.is_finite() && (TERRAIN_MIN_M..=TERRAIN_MAX_M).contains(*h)))
        {
            return Err(bad(
                "heights_m",
                format!(
                    "point {i}: {h} m is outside {TERRAIN_MIN_M}..={TERRAIN_MAX_M} m above sea level"
                ),
            ));
        }
        Ok(TerrainProfile {
            distances_km,
            heights_m,
        })
    }

    /// A profile of `heights_m` at evenly spaced points from 0 to
    /// `length_km` (`heights_m.len() − 1` steps).
    ///
    /// ```
    /// use telecov::propagation::TerrainProfile;
    /// let p = TerrainProfile::evenly_spaced(10.0, vec![5.0, 80.0, 5.0]).unwrap();
    /// assert_eq!(p.distances_km(), &[0.0, 5.0, 10.0]);
    /// ```
    pub fn evenly_spaced(length_km: f64, heights_m: Vec<f64>) -> Result<Self, PropagationError> {
        let steps = heights_m.len().saturating_sub(1).max(1) as f64;
        let distances = (0..heights_m.len())
            .map(|i| length_km * i as f64 / steps)
            .collect();
        Self::new(distances, heights_m)
    }

    /// Distances from the transmitter, km.
    pub fn distances_km(&self) -> &[f64] {
        &self.distances_km
    }

    /// Terrain heights, m above sea level.
    pub fn heights_m(&self) -> &[f64] {
        &self.heights_m
    }

    /// The path length `d`, km.
    pub fn length_km(&self) -> f64 {
        self.distances_km.last().copied().unwrap_or(0.0)
    }

    /// The intermediate points (all but the two ends): (dᵢ, hᵢ).
    fn intermediate(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let n = self.heights_m.len();
        self.distances_km
            .iter()
            .copied()
            .zip(self.heights_m.iter().copied())
            .take(n.saturating_sub(1))
            .skip(1)
    }

    fn ends_m(&self) -> (f64, f64) {
        (
            self.heights_m.first().copied().unwrap_or(0.0),
            self.heights_m.last().copied().unwrap_or(0.0),
        )
    }
}

/// Polarization of the wave, for the first-term spherical-Earth loss (it
/// matters little over land above about 100 MHz).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Polarization {
    /// Horizontal (the ITU validation examples use it).
    #[default]
    Horizontal,
    /// Vertical.
    Vertical,
}

/// The heights of the smooth surface under the terminals that the
/// diffraction model uses, `hstd` and `hsrd` (m above sea level;
/// P.452-17 Attachment 2, §5.1.6.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmoothSurface {
    /// `hstd`, under the transmitter.
    pub tx_m: f64,
    /// `hsrd`, under the receiver.
    pub rx_m: f64,
}

/// The smooth-surface heights `hstd`, `hsrd` of `profile` for antennas at
/// `tx_amsl_m` and `rx_amsl_m` (m above sea level); see the
/// [module docs](crate::propagation::diffraction), §3.
pub fn smooth_surface(profile: &TerrainProfile, tx_amsl_m: f64, rx_amsl_m: f64) -> SmoothSurface {
    let d = profile.length_km();
    let (mut v1, mut v2) = (0.0, 0.0);
    for (dw, hw) in profile
        .distances_km
        .windows(2)
        .zip(profile.heights_m.windows(2))
    {
        let (d0, d1, h0, h1) = (dw[0], dw[1], hw[0], hw[1]);
        v1 += (d1 - d0) * (h1 + h0);
        v2 += (d1 - d0) * (h1 * (2.0 * d1 + d0) + h0 * (d1 + 2.0 * d0));
    }
    let hst = (2.0 * v1 * d - v2) / (d * d);
    let hsr = (v2 - v1 * d) / (d * d);
    let (mut hobs, mut aobt, mut aobr) = (f64::NEG_INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for (di, hi) in profile.intermediate() {
        let h = hi - (tx_amsl_m * (d - di) + rx_amsl_m * di) / d;
        hobs = hobs.max(h);
        aobt = aobt.max(h / di);
        aobr = aobr.max(h / (d - di));
    }
    let (hstp, hsrp) = if hobs > 0.0 {
        // hobs > 0 makes both angles > 0
        let gt = aobt / (aobt + aobr);
        let gr = aobr / (aobt + aobr);
        (hst - hobs * gt, hsr - hobs * gr)
    } else {
        (hst, hsr)
    };
    let (h_first, h_last) = profile.ends_m();
    SmoothSurface {
        tx_m: hstp.min(h_first),
        rx_m: hsrp.min(h_last),
    }
}

/// The Bullington loss of one profile (see the [module docs](crate::propagation::diffraction), §1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bullington {
    /// Whether the path is trans-horizon (`Stim ≥ Str`).
    pub trans_horizon: bool,
    /// The diffraction parameter used: `νb` at the Bullington point
    /// (trans-horizon), else `νmax` (−∞ for a profile without
    /// intermediate points).
    pub nu: f64,
    /// Where that ν was taken, km from the transmitter.
    pub point_km: f64,
    /// `Luc` = J(ν), dB.
    pub knife_edge_db: f64,
    /// `Lbull` = Luc + [1 − exp(−Luc/6)]·(10 + 0.02·d), dB.
    pub loss_db: f64,
}

/// The losses of the delta-Bullington method for one path, dB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeltaBullingtonLoss {
    /// `Lbulla`: Bullington loss of the actual profile.
    pub actual_db: f64,
    /// `Lbulls`: Bullington loss of the smooth profile (heights zero,
    /// antennas at `hts − hstd`, `hrs − hsrd`).
    pub smooth_db: f64,
    /// `Ldsph`: spherical-Earth loss for the smooth profile's antennas.
    pub spherical_db: f64,
    /// `L = Lbulla + max(Ldsph − Lbulls, 0)`: the diffraction loss.
    pub diffraction_db: f64,
    /// Free-space loss over the slant distance between the antennas.
    pub free_space_db: f64,
    /// The smooth surface under the terminals.
    pub smooth_surface: SmoothSurface,
    /// Whether the actual profile is trans-horizon.
    pub trans_horizon: bool,
}

impl DeltaBullingtonLoss {
    /// Free space plus diffraction: the median basic transmission loss
    /// between isotropic antennas, dB.
    pub fn basic_transmission_loss_db(&self) -> f64 {
        self.free_space_db + self.diffraction_db
    }
}

/// The delta-Bullington diffraction model at one frequency and k-factor.
///
/// ```
/// use telecov::propagation::{DeltaBullington, TerrainProfile, DEFAULT_K_FACTOR};
/// let model = DeltaBullington::new(900.0, DEFAULT_K_FACTOR).unwrap();
/// // 20 km over flat ground at 10 m with a 150 m ridge half-way
/// let mut heights = vec![10.0; 41];
/// heights[20] = 150.0;
/// let profile = TerrainProfile::evenly_spaced(20.0, heights).unwrap();
/// let loss = model.loss(&profile, 30.0, 1.5).unwrap();
/// assert!(loss.trans_horizon);
/// assert!(loss.diffraction_db > 20.0 && loss.diffraction_db >= loss.actual_db);
/// assert!(loss.basic_transmission_loss_db() > loss.free_space_db);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeltaBullington {
    free_space: FreeSpace,
    k_factor: f64,
    /// aₑ, km.
    radius_km: f64,
    /// λ, m.
    wavelength_m: f64,
    polarization: Polarization,
}

impl DeltaBullington {
    /// The model at `frequency_mhz` (30 MHz – 50 GHz) with the effective
    /// Earth radius `6371·k_factor` km (`k_factor` 0.5 – 4; 4/3 is
    /// [`DEFAULT_K_FACTOR`]), horizontal polarization. Values outside these
    /// ranges are refused, naming the parameter.
    pub fn new(frequency_mhz: f64, k_factor: f64) -> Result<Self, PropagationError> {
        let f = FREQUENCY.strict(MODEL, frequency_mhz)?;
        let k = K_FACTOR.strict(MODEL, k_factor)?;
        let free_space = FreeSpace::new(f)?;
        Ok(DeltaBullington {
            free_space,
            k_factor: k,
            radius_km: ITU_EARTH_RADIUS_KM * k,
            wavelength_m: free_space.wavelength_m(),
            polarization: Polarization::Horizontal,
        })
    }

    /// The same model with another polarization.
    pub fn with_polarization(mut self, polarization: Polarization) -> Self {
        self.polarization = polarization;
        self
    }

    /// The frequency, MHz.
    pub fn frequency_mhz(&self) -> f64 {
        self.free_space.frequency_mhz()
    }

    /// The k-factor.
    pub fn k_factor(&self) -> f64 {
        self.k_factor
    }

    /// The effective Earth radius `aₑ`, km.
    pub fn effective_earth_radius_km(&self) -> f64 {
        self.radius_km
    }

    /// The wavelength λ, m.
    pub fn wavelength_m(&self) -> f64 {
        self.wavelength_m
    }

    /// The polarization.
    pub fn polarization(&self) -> Polarization {
        self.polarization
    }

    /// The complete delta-Bullington loss over `profile` for antennas
    /// `tx_height_m` and `rx_height_m` above the ground at its ends
    /// (1 m – 3 km, else refused by name).
    pub fn loss(
        &self,
        profile: &TerrainProfile,
        tx_height_m: f64,
        rx_height_m: f64,
    ) -> Result<DeltaBullingtonLoss, PropagationError> {
        let htg = TX_HEIGHT.strict(MODEL, tx_height_m)?;
        let hrg = RX_HEIGHT.strict(MODEL, rx_height_m)?;
        let (h_first, h_last) = profile.ends_m();
        let hts = h_first + htg;
        let hrs = h_last + hrg;
        let d = profile.length_km();

        let actual = self.bullington(profile, hts, hrs);
        let surface = smooth_surface(profile, hts, hrs);
        // hstd ≤ h₀ and hsrd ≤ hₙ₋₁, so both are at least the antenna heights
        let hte = hts - surface.tx_m;
        let hre = hrs - surface.rx_m;
        let flat = TerrainProfile {
            distances_km: profile.distances_km.clone(),
            heights_m: vec![0.0; profile.heights_m.len()],
        };
        let smooth = self.bullington(&flat, hte, hre);
        let spherical = self.spherical_earth_db(d, hte, hre);
        let diffraction = actual.loss_db + (spherical - smooth.loss_db).max(0.0);
        let slant_m = (d * 1000.0).hypot(hts - hrs);
        Ok(DeltaBullingtonLoss {
            actual_db: actual.loss_db,
            smooth_db: smooth.loss_db,
            spherical_db: spherical,
            diffraction_db: diffraction,
            free_space_db: self.free_space.path_loss_db(slant_m),
            smooth_surface: surface,
            trans_horizon: actual.trans_horizon,
        })
    }

    /// The Bullington loss over `profile` for antennas at `tx_amsl_m` and
    /// `rx_amsl_m`, metres above sea level (see the [module docs](crate::propagation::diffraction),
    /// §1). The heights are not checked.
    pub fn bullington(
        &self,
        profile: &TerrainProfile,
        tx_amsl_m: f64,
        rx_amsl_m: f64,
    ) -> Bullington {
        let d = profile.length_km();
        let ce = 1.0 / self.radius_km;
        let lambda = self.wavelength_m;
        let (hts, hrs) = (tx_amsl_m, rx_amsl_m);
        // heights with the Earth's bulge, m
        let bulged = |di: f64, hi: f64| hi + 500.0 * ce * di * (d - di);
        let nu_factor = |di: f64| (0.002 * d / (lambda * di * (d - di))).sqrt();

        let mut stim = f64::NEG_INFINITY;
        let mut srim = f64::NEG_INFINITY;
        for (di, hi) in profile.intermediate() {
            let h = bulged(di, hi);
            stim = stim.max((h - hts) / di);
            srim = srim.max((h - hrs) / (d - di));
        }
        let str_ = (hrs - hts) / d;

        let (trans_horizon, nu, point_km) = if stim >= str_ && stim + srim > 0.0 {
            let dbp = ((hrs - hts + srim * d) / (stim + srim)).clamp(0.0, d);
            let clearance = hts + stim * dbp - (hts * (d - dbp) + hrs * dbp) / d;
            (true, clearance * nu_factor(dbp), dbp)
        } else {
            // line of sight (or an obstruction exactly on the line, where
            // both constructions give the same ν = 0)
            let mut best = (f64::NEG_INFINITY, 0.0);
            for (di, hi) in profile.intermediate() {
                let clearance = bulged(di, hi) - (hts * (d - di) + hrs * di) / d;
                let nu = clearance * nu_factor(di);
                if nu > best.0 {
                    best = (nu, di);
                }
            }
            (false, best.0, best.1)
        };
        let luc = knife_edge_loss_db(nu);
        Bullington {
            trans_horizon,
            nu,
            point_km,
            knife_edge_db: luc,
            loss_db: luc + (1.0 - (-luc / 6.0).exp()) * (10.0 + 0.02 * d),
        }
    }

    /// The marginal line-of-sight distance `dlos` (km) over the smooth
    /// Earth for antennas `hte_m`, `hre_m` above it (eq. 23).
    pub fn marginal_los_km(&self, hte_m: f64, hre_m: f64) -> f64 {
        (2.0 * self.radius_km).sqrt() * ((0.001 * hte_m).sqrt() + (0.001 * hre_m).sqrt())
    }

    /// The spherical-Earth diffraction loss `Ldsph` (dB) over `length_km`
    /// for antennas `hte_m`, `hre_m` (> 0) above a smooth Earth of radius
    /// `aₑ` (see the [module docs](crate::propagation::diffraction), §2).
    pub fn spherical_earth_db(&self, length_km: f64, hte_m: f64, hre_m: f64) -> f64 {
        let (d, hte, hre) = (length_km, hte_m, hre_m);
        let ae = self.radius_km;
        if d >= self.marginal_los_km(hte, hre) {
            return self.first_term_db(d, hte, hre, ae);
        }
        let c = (hte - hre) / (hte + hre);
        let m = 250.0 * d * d / (ae * (hte + hre));
        let arg = (1.5 * c * (3.0 * m / (m + 1.0).powi(3)).sqrt()).clamp(-1.0, 1.0);
        let b = 2.0
            * ((m + 1.0) / (3.0 * m)).sqrt()
            * (std::f64::consts::FRAC_PI_3 + arg.acos() / 3.0).cos();
        let dse1 = d * (1.0 + b) / 2.0;
        let dse2 = d - dse1;
        let hse =
            ((hte - 500.0 * dse1 * dse1 / ae) * dse2 + (hre - 500.0 * dse2 * dse2 / ae) * dse1) / d;
        let hreq = 17.456 * (dse1 * dse2 * self.wavelength_m / d).sqrt();
        if hse > hreq {
            return 0.0;
        }
        let aem = 500.0 * (d / (hte.sqrt() + hre.sqrt())).powi(2);
        let ldft = self.first_term_db(d, hte, hre, aem);
        if ldft < 0.0 {
            0.0
        } else {
            (1.0 - hse / hreq) * ldft
        }
    }

    /// The first-term spherical-Earth loss `Ldft` (dB) over land for
    /// `length_km`, antennas `hte_m`, `hre_m` and Earth radius `radius_km`
    /// (see the [module docs](crate::propagation::diffraction), §2).
    pub fn first_term_db(&self, length_km: f64, hte_m: f64, hre_m: f64, radius_km: f64) -> f64 {
        let f = self.free_space.frequency_mhz() / 1000.0; // GHz
        let a = radius_km;
        let er = LAND_PERMITTIVITY;
        let s = 18.0 * LAND_CONDUCTIVITY_S_PER_M / f;
        let kh = 0.036 * (a * f).powf(-1.0 / 3.0) * ((er - 1.0).powi(2) + s * s).powf(-0.25);
        let k = match self.polarization {
            Polarization::Horizontal => kh,
            Polarization::Vertical => kh * (er * er + s * s).sqrt(),
        };
        let k2 = k * k;
        let k4 = k2 * k2;
        let beta = (1.0 + 1.6 * k2 + 0.67 * k4) / (1.0 + 4.5 * k2 + 1.53 * k4);
        let x = 21.88 * beta * (f / (a * a)).cbrt() * length_km;
        let y_factor = 0.9575 * beta * (f * f / a).cbrt();
        let fx = if x >= 1.6 {
            11.0 + 10.0 * x.log10() - 17.6 * x
        } else {
            -20.0 * x.log10() - 5.6488 * x.powf(1.425)
        };
        let g_min = 2.0 + 20.0 * k.log10();
        let g = |h: f64| {
            let b = beta * y_factor * h;
            let g = if b > 2.0 {
                17.6 * (b - 1.1).sqrt() - 5.0 * (b - 1.1).log10() - 8.0
            } else {
                20.0 * (b + 0.1 * b * b * b).log10()
            };
            g.max(g_min)
        };
        -fx - g(hte_m) - g(hre_m)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// aₑ = 8500 km, as in the ITU validation examples.
    fn itu_model(frequency_mhz: f64) -> DeltaBullington {
        DeltaBullington::new(frequency_mhz, 8500.0 / ITU_EARTH_RADIUS_KM).unwrap()
    }

    /// A validation path from `tests/data/delta_bullington/`: heights 20 a
    /// line every 0.05 km, then the last point at `last_km`.
    fn itu_path(text: &str, last_km: f64) -> TerrainProfile {
        let heights: Vec<f64> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(|l| l.split_whitespace())
            .map(|w| w.parse().unwrap())
            .collect();
        let n = heights.len();
        let mut distances: Vec<f64> = (0..n - 1).map(|i| i as f64 * 0.05).collect();
        distances.push(last_km);
        TerrainProfile::new(distances, heights).unwrap()
    }

    /// One validation case: tx and rx antenna heights above ground (m),
    /// frequency (MHz), then the published h'ts, h'rs (m) and Lbulla,
    /// Lbulls, Ldsph, L (dB).
    type Case = (f64, f64, f64, [f64; 2], [f64; 4]);

    fn check(profile: &TerrainProfile, cases: &[Case]) -> f64 {
        let mut worst: f64 = 0.0;
        for &(htg, hrg, f, [htsp, hrsp], expected) in cases {
            let got = itu_model(f).loss(profile, htg, hrg).unwrap();
            let (h0, hn) = profile.ends_m();
            let hts_mod = h0 + htg - got.smooth_surface.tx_m;
            let hrs_mod = hn + hrg - got.smooth_surface.rx_m;
            assert!(
                (hts_mod - htsp).abs() < 1e-3,
                "{htg}/{hrg}/{f}: h'ts {hts_mod} vs {htsp}"
            );
            assert!(
                (hrs_mod - hrsp).abs() < 1e-3,
                "{htg}/{hrg}/{f}: h'rs {hrs_mod} vs {hrsp}"
            );
            let values = [
                got.actual_db,
                got.smooth_db,
                got.spherical_db,
                got.diffraction_db,
            ];
            for (name, (v, e)) in ["Lbulla", "Lbulls", "Ldsph", "L"]
                .iter()
                .zip(values.iter().zip(expected))
            {
                let diff = (v - e).abs();
                worst = worst.max(diff);
                assert!(diff < 0.1, "{htg}/{hrg}/{f} MHz: {name} {v:.4} vs {e:.4}");
            }
        }
        worst
    }

    #[test]
    fn itu_validation_path_1() {
        // ITU-R SG3 delta-Bullington validation examples, path 1 (83.08 km,
        // 800 m falling to 302 m), aₑ = 8500 km, horizontal polarization,
        // land. Published values (spreadsheet "outputs" sheet).
        let profile = itu_path(
            include_str!("../../tests/data/delta_bullington/path1.txt"),
            83.07993853,
        );
        assert_eq!(profile.heights_m().len(), 1663);
        let cases: [Case; 5] = [
            (
                30.0,
                30.0,
                1000.0,
                [211.3366061, 30.0],
                [32.84284766, 13.74840484, 15.3485837, 34.44302652],
            ),
            (
                50.0,
                10.0,
                2500.0,
                [233.4945304, 10.0],
                [37.229036, 18.5970601, 23.6973069, 42.32928281],
            ),
            (
                20.0,
                20.0,
                600.0,
                [204.7165548, 20.0],
                [31.22595813, 15.79373777, 20.91384864, 36.34606901],
            ),
            (
                40.0,
                50.0,
                200.0,
                [215.727222, 50.0],
                [24.87792613, 11.50981857, 14.32933641, 27.69744396],
            ),
            (
                70.0,
                5.0,
                150.0,
                [252.3138569, 5.0],
                [24.78223928, 14.93033347, 33.13883693, 42.99074274],
            ),
        ];
        let worst = check(&profile, &cases);
        assert!(worst < 0.005, "largest difference {worst} dB");
    }

    #[test]
    fn itu_validation_path_4() {
        // ITU-R SG3 delta-Bullington validation examples, path 4 (40.51 km,
        // 720 m rising to 1408 m): line of sight over the smooth surface
        // (Lbulls = Ldsph = 0), Lbulla alone.
        let profile = itu_path(
            include_str!("../../tests/data/delta_bullington/path4.txt"),
            40.51112702,
        );
        assert_eq!(profile.heights_m().len(), 812);
        let cases: [Case; 5] = [
            (
                30.0,
                30.0,
                1000.0,
                [139.8495825, 543.1729418],
                [7.870985135, 0.0, 0.0, 7.870985135],
            ),
            (
                50.0,
                10.0,
                2500.0,
                [159.8495825, 523.1729418],
                [0.0, 0.0, 0.0, 0.0],
            ),
            (
                20.0,
                20.0,
                600.0,
                [129.8495825, 533.1729418],
                [15.30876397, 0.0, 0.0, 15.30876397],
            ),
            (
                40.0,
                50.0,
                200.0,
                [149.8495825, 563.1729418],
                [6.526730443, 0.0, 0.0, 6.526730443],
            ),
            (
                70.0,
                5.0,
                150.0,
                [179.8495825, 518.1729418],
                [0.0, 0.0, 0.0, 0.0],
            ),
        ];
        let worst = check(&profile, &cases);
        assert!(worst < 0.005, "largest difference {worst} dB");
    }

    #[test]
    fn knife_edge_values() {
        // J(ν) of P.526-15 eq. 31, by hand:
        // ν = 0:  6.9 + 20·log(√1.01 − 0.1)  = 6.9 + 20·log(0.904988) = 6.033
        // ν = 1:  6.9 + 20·log(√1.81 + 0.9)  = 6.9 + 20·log(2.245362) = 13.926
        // ν = 2.4: 6.9 + 20·log(√6.29 + 2.3) = 6.9 + 20·log(4.807987) = 20.539
        assert!((knife_edge_loss_db(0.0) - 6.033).abs() < 1e-3);
        assert!((knife_edge_loss_db(1.0) - 13.926).abs() < 1e-3);
        assert!((knife_edge_loss_db(2.4) - 20.539).abs() < 1e-3);
        // continuous (within 0.01 dB) where it is cut to 0
        assert!(knife_edge_loss_db(-0.7799).abs() < 0.01);
        assert_eq!(knife_edge_loss_db(-0.78), 0.0);
        assert_eq!(knife_edge_loss_db(f64::NEG_INFINITY), 0.0);
    }

    /// A 10 km path over sea-level ground with one obstacle half-way whose
    /// top stands `clearance_m` above the straight line between 30 m masts
    /// (the Earth's bulge included).
    fn one_edge(model: &DeltaBullington, clearance_m: f64) -> TerrainProfile {
        let d: f64 = 10.0;
        let bulge = 500.0 * 5.0 * 5.0 / model.effective_earth_radius_km();
        let mut heights = vec![0.0; 101];
        heights[50] = 30.0 + clearance_m - bulge;
        TerrainProfile::evenly_spaced(d, heights).unwrap()
    }

    #[test]
    fn a_single_knife_edge_gives_j_of_nu() {
        // P.526-15 §4.1: ν = h·√(2/λ·(1/d1 + 1/d2)), metres
        let model = DeltaBullington::new(1000.0, DEFAULT_K_FACTOR).unwrap();
        let lambda = model.wavelength_m();
        let per_metre = (2.0 / lambda * (1.0 / 5000.0 + 1.0 / 5000.0)).sqrt();
        for target_nu in [-0.5, 0.0, 0.5, 1.0, 2.4, 5.0] {
            let profile = one_edge(&model, target_nu / per_metre);
            let b = model.bullington(&profile, 30.0, 30.0);
            if target_nu != 0.0 {
                // at grazing (ν = 0) either construction applies
                assert_eq!(b.trans_horizon, target_nu > 0.0, "ν = {target_nu}");
            }
            assert!((b.nu - target_nu).abs() < 1e-9, "ν {} vs {target_nu}", b.nu);
            assert!((b.point_km - 5.0).abs() < 1e-9);
            let j = knife_edge_loss_db(target_nu);
            assert!((b.knife_edge_db - j).abs() < 1e-9);
            // the distance term: [1 − exp(−J/6)]·(10 + 0.02·10)
            let expected = j + (1.0 - (-j / 6.0).exp()) * 10.2;
            assert!((b.loss_db - expected).abs() < 1e-9);
        }
        // ν = 1 → 13.926 dB of knife edge
        let b = model.bullington(&one_edge(&model, 1.0 / per_metre), 30.0, 30.0);
        assert!((b.knife_edge_db - 13.926).abs() < 1e-3);
    }

    #[test]
    fn a_clear_path_loses_nothing() {
        // 5 km over flat ground at 10 m, masts of 100 m: far above the first
        // Fresnel zone (radius 19 m at 1.8 GHz), well inside the horizon
        let model = DeltaBullington::new(1800.0, DEFAULT_K_FACTOR).unwrap();
        let profile = TerrainProfile::evenly_spaced(5.0, vec![10.0; 51]).unwrap();
        let loss = model.loss(&profile, 100.0, 100.0).unwrap();
        assert!(!loss.trans_horizon);
        assert_eq!(loss.actual_db, 0.0);
        assert_eq!(loss.smooth_db, 0.0);
        assert_eq!(loss.spherical_db, 0.0);
        assert_eq!(loss.diffraction_db, 0.0);
        assert_eq!(loss.basic_transmission_loss_db(), loss.free_space_db);
        // free space over 5 km at 1800 MHz: 32.45 + 65.105 + 13.979 = 111.53 dB
        assert!((loss.free_space_db - 111.53).abs() < 0.01);
    }

    #[test]
    fn a_smooth_earth_beyond_the_horizon_gives_the_spherical_loss() {
        // sea-level smooth Earth, masts of 10 m: dlos = √(2·8494.7)·2·√0.01
        // = 26.07 km; at 60 km the path is well beyond the horizon
        let model = DeltaBullington::new(900.0, DEFAULT_K_FACTOR).unwrap();
        assert!((model.marginal_los_km(10.0, 10.0) - 26.07).abs() < 0.01);
        let profile = TerrainProfile::evenly_spaced(60.0, vec![0.0; 601]).unwrap();
        let loss = model.loss(&profile, 10.0, 10.0).unwrap();
        assert!(loss.trans_horizon);
        assert_eq!(
            loss.smooth_surface,
            SmoothSurface {
                tx_m: 0.0,
                rx_m: 0.0
            }
        );
        assert_eq!(loss.actual_db, loss.smooth_db);
        let ldft = model.first_term_db(60.0, 10.0, 10.0, model.effective_earth_radius_km());
        assert_eq!(loss.spherical_db, ldft);
        assert!(loss.spherical_db > loss.actual_db);
        assert!((loss.diffraction_db - ldft).abs() < 1e-9);
        // about 40 dB below free space there
        assert!(ldft > 30.0 && ldft < 60.0, "{ldft}");
    }

    #[test]
    fn spherical_loss_is_continuous_at_the_marginal_los_distance() {
        for (f, hte, hre) in [
            (150.0, 10.0, 10.0),
            (900.0, 30.0, 1.5),
            (3500.0, 200.0, 5.0),
        ] {
            let model = DeltaBullington::new(f, DEFAULT_K_FACTOR).unwrap();
            let dlos = model.marginal_los_km(hte, hre);
            let below = model.spherical_earth_db(dlos * (1.0 - 1e-9), hte, hre);
            let above = model.spherical_earth_db(dlos * (1.0 + 1e-9), hte, hre);
            assert!((below - above).abs() < 1e-3, "{f}: {below} vs {above}");
            assert!(above > 0.0);
        }
    }

    #[test]
    fn strict_constructor_and_profile_refusals_name_the_parameter() {
        for (f, k, name) in [
            (10.0, 4.0 / 3.0, "frequency_mhz"),
            (60_000.0, 4.0 / 3.0, "frequency_mhz"),
            (f64::NAN, 4.0 / 3.0, "frequency_mhz"),
            (900.0, 0.0, "k_factor"),
            (900.0, 10.0, "k_factor"),
        ] {
            let e = DeltaBullington::new(f, k).unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
        let model = DeltaBullington::new(900.0, DEFAULT_K_FACTOR).unwrap();
        let p = TerrainProfile::evenly_spaced(1.0, vec![0.0; 3]).unwrap();
        let e = model.loss(&p, 0.5, 10.0).unwrap_err().to_string();
        assert!(e.contains("tx_height_m"), "{e}");
        let e = model.loss(&p, 30.0, 5000.0).unwrap_err().to_string();
        assert!(e.contains("rx_height_m"), "{e}");
        for (d, h, name) in [
            (vec![0.0], vec![0.0], "heights_m"),
            (vec![0.0, 1.0, 2.0], vec![0.0; 2], "distances_km"),
            (vec![0.5, 1.0], vec![0.0, 0.0], "distances_km"),
            (vec![0.0, 1.0, 1.0], vec![0.0; 3], "distances_km"),
            (vec![0.0, f64::NAN], vec![0.0; 2], "distances_km"),
            (vec![0.0, 1.0], vec![0.0, f64::NAN], "heights_m"),
            (vec![0.0, 1.0], vec![0.0, 10_000.0], "heights_m"),
        ] {
            let e = TerrainProfile::new(d, h).unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
    }

    #[test]
    fn a_two_point_profile_has_no_obstacle() {
        // no intermediate point: no Bullington loss; what remains is the
        // smooth Earth's (a 1.5 m handset 2 km away does not clear the
        // first Fresnel zone over the sphere: about 1 dB)
        let model = DeltaBullington::new(900.0, DEFAULT_K_FACTOR).unwrap();
        let p = TerrainProfile::new(vec![0.0, 2.0], vec![5.0, 7.0]).unwrap();
        let loss = model.loss(&p, 30.0, 1.5).unwrap();
        assert_eq!(
            loss.smooth_surface,
            SmoothSurface {
                tx_m: 5.0,
                rx_m: 7.0
            }
        );
        assert_eq!(loss.actual_db, 0.0);
        assert_eq!(loss.smooth_db, 0.0);
        assert_eq!(loss.diffraction_db, loss.spherical_db);
        assert!(loss.spherical_db > 0.5 && loss.spherical_db < 2.0);
    }

    fn profiles() -> impl Strategy<Value = (Vec<f64>, f64)> {
        (prop::collection::vec(0.0f64..400.0, 3..60), 0.5f64..80.0)
    }

    proptest! {
        #[test]
        fn total_is_never_below_the_actual_bullington_loss(
            (heights, length) in profiles(),
            f in 30.0f64..6000.0,
            htg in 1.0f64..200.0,
            hrg in 1.0f64..50.0,
            k in 0.5f64..4.0,
        ) {
            let model = DeltaBullington::new(f, k).unwrap();
            let p = TerrainProfile::evenly_spaced(length, heights).unwrap();
            let loss = model.loss(&p, htg, hrg).unwrap();
            prop_assert!(loss.diffraction_db.is_finite());
            prop_assert!(loss.actual_db >= 0.0 && loss.smooth_db >= 0.0 && loss.spherical_db >= 0.0);
            prop_assert!(loss.diffraction_db >= loss.actual_db);
        }

        #[test]
        fn reciprocal(
            (heights, length) in profiles(),
            f in 30.0f64..6000.0,
            htg in 1.0f64..200.0,
            hrg in 1.0f64..50.0,
        ) {
            let model = DeltaBullington::new(f, DEFAULT_K_FACTOR).unwrap();
            let forward = TerrainProfile::evenly_spaced(length, heights.clone()).unwrap();
            let mut rev = heights;
            rev.reverse();
            let backward = TerrainProfile::evenly_spaced(length, rev).unwrap();
            let a = model.loss(&forward, htg, hrg).unwrap();
            let b = model.loss(&backward, hrg, htg).unwrap();
            prop_assert!((a.diffraction_db - b.diffraction_db).abs() < 1e-6,
                "{} vs {}", a.diffraction_db, b.diffraction_db);
        }
    }
}
