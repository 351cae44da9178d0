//! Radio propagation: path-loss models, their inversion, and the link budget
//! that turns a site's radio parameters into a coverage radius.
//!
//! This is the "link budget" step of the contract's *Which range* rule: a
//! site layer with no explicit `range_m` but with `tx_power_dbm` gets the
//! radius [`link_budget_range_m`] computes (missing radio parameters take the
//! defaults below).
//!
//! # Catalogue
//!
//! Every model implements [`PathLossModel`]: frequency and heights are fixed
//! at construction (validated there), the distance is the argument of each
//! call. The loss is the median *basic transmission loss* between isotropic
//! antennas, dB.
//!
//! | model | file | frequency | base height `hb` | mobile height `hm` | distance | variants |
//! | --- | --- | --- | --- | --- | --- | --- |
//! | [`FreeSpace`] (Friis) | `free_space.rs` | any > 0 | — | — | ≥ max(1 m, 2 λ), no upper bound | — |
//! | [`OkumuraHata`] (Hata 1980) | `hata.rs` | 150–1500 MHz | 30–200 m | 1–10 m | 1–20 km | urban small/medium city, urban large city, suburban, open area |
//! | [`Cost231Hata`] (COST 231 final report, 1999) | `cost231.rs` | 1500–2000 MHz | 30–200 m | 1–10 m | 1–20 km | medium city & suburban centres (`Cm` = 0 dB), metropolitan centre (`Cm` = 3 dB), and two extensions with Hata's suburban / open-area corrections |
//! | [`Tr38901`] (3GPP TR 38.901 v16/v17, Table 7.4.1-1) | `tr38901.rs` | 0.5–30 GHz (RMa), 0.5–100 GHz (UMa, UMi) | 10–150 m (RMa), 25 m (UMa), 10 m (UMi) | 1–10 m (RMa), 1.5–22.5 m (UMa, UMi) | 10 m–10 km (RMa LOS), 10 m–5 km (others) | RMa, UMa, UMi street canyon × LOS, NLOS, LOS-probability weighted ([`Tr38901Condition`]) |
//!
//! Terrain diffraction is not a distance-only model: [`DeltaBullington`]
//! (`diffraction.rs`, ITU-R P.526-15 §4.5, the method of P.452-17 and
//! P.1812-6) takes a [`TerrainProfile`] (distances in km, heights in m above
//! sea level) and antenna heights above ground, 30 MHz – 50 GHz, k-factor
//! 0.5–4 (4/3 by default), and returns the Bullington loss of the actual and
//! smooth profiles, the spherical-Earth loss and their delta-Bullington
//! combination ([`DeltaBullingtonLoss`]); validated against the ITU-R
//! Study Group 3 examples within 0.005 dB.
//!
//! Helpers: [`inverse_normal_cdf`] (Acklam's rational approximation, relative
//! error below 1.15e-9) for shadow-fading margins, [`max_range_m`] /
//! [`solve_range`] to invert any model.
//!
//! # Units
//!
//! Names carry their unit. At this API distances are **metres** (`distance_m`,
//! `range_m`) even where the published formula is written in kilometres (the
//! Hata family converts internally), heights are metres (`base_height_m`,
//! `mobile_height_m`), frequencies are **MHz** (`frequency_mhz`; 1.8 GHz is
//! `1800.0`, never `1.8e9`), powers dBm, gains dBi, losses and margins dB,
//! bandwidths MHz. Logarithms are base 10.
//!
//! # Out-of-range parameters
//!
//! Each model has two constructors:
//!
//! * `new` is strict: a parameter outside the published validity range is
//!   refused with a [`PropagationError::OutOfRange`] that names the
//!   parameter, its value and the range.
//! * `extrapolated` is what a planner uses on real site data: the formula is
//!   evaluated outside its published frequency and base-height ranges (with
//!   a warning string for each), mobile heights outside 1–10 m are clamped
//!   (the fitted `a(hm)` curves turn over outside that span) and base heights
//!   are clamped to 1–1000 m, each with a warning. Only non-finite or
//!   non-positive values are refused.
//!
//! Distance is never refused: [`PathLossModel::path_loss_db`] evaluates the
//! formula at any distance > 0, and [`PathLossModel::validity`] says where it
//! is trusted; [`solve_range`] reports whether an inverted range fell inside.
//!
//! # Link-budget defaults
//!
//! [`link_budget_range_m`] runs a downlink budget (site → handset) on the
//! whole carrier: EIRP = `tx_power_dbm` + `antenna_gain_dbi` − feeder loss;
//! sensitivity = −174 dBm/Hz + 10·log10(bandwidth) + noise figure + required
//! SINR; maximum allowed path loss (MAPL) = EIRP + handset antenna gain
//! (0 dBi) − sensitivity − interference margin − shadow-fading margin −
//! indoor penetration loss − body loss. Radio parameters the site does not
//! give take these defaults ([`TechnologyDefaults`]):
//!
//! | tech | band (MHz) | tx power (dBm) | antenna gain (dBi) | feeder loss (dB) | bandwidth (MHz) | noise figure (dB) | required SINR (dB) | sensitivity (dBm) | interference margin (dB) | body loss (dB) |
//! | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//! | 2G | 900 | 43.0 | 15.0 | 3.0 | 0.20 | 10.0 | 9.0 | -102.0 | 2.0 | 3.0 |
//! | 3G | 2100 | 43.0 | 18.0 | 3.0 | 3.84 | 7.0 | -3.0 | -104.2 | 3.0 | 3.0 |
//! | 4G | 1800 | 46.0 | 18.0 | 1.0 | 18.00 | 7.0 | -3.0 | -97.4 | 3.0 | 0.0 |
//! | 5G | 3500 | 53.0 | 24.0 | 0.0 | 98.28 | 8.0 | -3.0 | -89.1 | 3.0 | 0.0 |
//!
//! Every value of this table, and the common terms below (handset height
//! and gain, shadowing σ, cell-edge probability), can be set per scenario in
//! scenario.toml (`[radio]`, `[radio.4G]`…: [`RadioConfig`]); the engine
//! then calls [`link_budget_range_with`].
//!
//! Why these values:
//!
//! * **2G**: GSM 900, one 20 W TRX; 200 kHz, handset noise figure 10 dB and
//!   C/N 9 dB reproduce the GSM handset reference sensitivity of −102 dBm
//!   (3GPP TS 45.005). Feeder 3 dB includes jumpers and combiner. Voice:
//!   3 dB body loss (handset at the head), as for 3G.
//! * **3G**: UMTS 2100, 20 W per carrier, 3.84 Mchip/s. −3 dB is the
//!   wideband SINR at which a 64 kbit/s downlink bearer (Eb/N0 ≈ 5 dB,
//!   processing gain 17.8 dB) gets about a tenth of the carrier power. The
//!   3 dB interference margin is the noise rise of a 50 %-loaded WCDMA cell.
//! * **4G**: LTE 1800, 40 W over 20 MHz (100 resource blocks = 18 MHz
//!   occupied), remote radio head at the mast top (1 dB jumper). −3 dB is a
//!   robust QPSK (CQI 2) cell-edge point. Data use: no body loss.
//! * **5G**: NR n78, 200 W over 100 MHz (273 resource blocks of 30 kHz =
//!   98.28 MHz), active antenna with 24 dBi including beamforming gain, no
//!   feeder. Handset noise figure 8 dB.
//! * All: handset at [`DEFAULT_MOBILE_HEIGHT_M`] = 1.5 m with a 0 dBi
//!   antenna; log-normal shadowing σ = [`DEFAULT_SHADOW_SIGMA_DB`] = 8 dB
//!   covered at a cell-edge probability of
//!   [`DEFAULT_CELL_EDGE_PROBABILITY`] = 75 % (margin 0.674·8 = 5.4 dB),
//!   which by Jakes' formula is about 90 % of the cell area for a path-loss
//!   slope of 35 dB/decade (Hata at `hb` = 30 m).
//!
//! The budget is downlink only. With these defaults the 3G and 4G uplinks
//! (handset 21–23 dBm, base-station noise figure 2–3 dB, receive diversity,
//! low-rate edge bearers) balance the downlink within a few dB; an NR n78
//! uplink is several dB tighter than this downlink (about 8 dB with a
//! 26 dBm handset), so 5G ranges here are downlink ranges.
//!
//! ## Environment
//!
//! [`Environment`] comes from the site's `environment` property or, by
//! default, from the kind of the commune it stands in
//! ([`Environment::from_commune_kind`]: ward → urban, town → suburban,
//! commune → rural, other → suburban); scenario.toml's `[environment]`
//! changes these rules and sets communes one by one
//! ([`EnvironmentRules`]). It picks the model variant and the indoor loss:
//!
//! | environment | f ≤ 1500 MHz: Okumura-Hata | 1500 < f ≤ 2200 MHz: COST-231-Hata | f > 2200 MHz: TR 38.901, LOS-probability weighted | indoor penetration loss |
//! | --- | --- | --- | --- | --- |
//! | Urban | urban, small/medium city | medium city, `Cm` = 0 dB | UMa (antenna ≥ 15 m), UMi street canyon (below 15 m) | TR 38.901 O2I low-loss + 0.5 dB/m × 25/3 m |
//! | Suburban | suburban | `Cm` = 0 dB − Hata suburban correction | UMa (antenna ≥ 15 m), UMi street canyon (below 15 m) | TR 38.901 O2I low-loss + 0.5 dB/m × 25/3 m |
//! | Rural | open area | `Cm` = 0 dB − Hata open-area correction | RMa (W = 20 m, h = 5 m) | TR 38.901 O2I low-loss + 0.5 dB/m × 10/3 m |
//! | Open | open area | `Cm` = 0 dB − Hata open-area correction | RMa (W = 20 m, h = 5 m) | 0 (users outdoors) |
//!
//! The indoor loss is the mean of 3GPP TR 38.901 §7.4.3's low-loss building
//! model: through-wall loss 5 − 10·log10(0.3·10^(−(2+0.2f)/10) +
//! 0.7·10^(−(5+4f)/10)) (f in GHz) plus 0.5 dB per metre indoors, the indoor
//! depth being the minimum of two uniform draws on 0–25 m (urban, suburban)
//! or 0–10 m (rural), whose mean is a third of the span. It is 14.7 dB at
//! 900 MHz and 16.9 dB at 3.5 GHz in urban areas.
//!
//! COST 231 defines only two city classes; suburban and rural areas at
//! 1.5–2.2 GHz take Hata's suburban and open-area corrections on top of the
//! `Cm` = 0 loss, as planning tools commonly do. Bands outside a model's
//! published frequency range are extrapolated, with a warning in
//! [`RangeEstimate::warnings`]: **3G at 2100 MHz** uses COST-231-Hata beyond
//! its 2000 MHz limit, so that the whole 2 GHz IMT band (UMTS band 1,
//! downlink 2110–2170 MHz) stays on the model it has always been planned
//! with; the extrapolation is small (the frequency term adds 0.7 dB from
//! 2000 to 2100 MHz).
//!
//! Above 2200 MHz (**5G at 3500 MHz**, and LTE 2300/2600) the loss is
//! 3GPP TR 38.901's ([`Tr38901`]) weighted by the LOS probability
//! ([`Tr38901Condition::LosProbabilityWeighted`]): P_LOS·PL_LOS +
//! (1 − P_LOS)·PL_NLOS, one loss per distance that moves from LOS near the
//! mast to NLOS where LOS becomes unlikely. TR 38.901 has no suburban
//! scenario, so suburban sites take the urban ones and **urban and suburban
//! 5G ranges are equal**: UMa for antennas at 15 m or more (published for
//! 25 m; other heights are extrapolated, with a warning) and UMi street
//! canyon below (published for 10 m). Rural and open sites take RMa with
//! its default street width (20 m) and building height (5 m). At 1 km from
//! a 30 m mast at 3.5 GHz the weighted UMa loss is 141.1 dB, 4.9 dB below
//! COST-231-Hata extrapolated there (146.0 dB, its 33.9 dB/decade frequency
//! term against TR 38.901's 20). In rural areas RMa is far more pessimistic
//! than Hata's open-area formula extrapolated to 3.5 GHz (159.0 dB at 5 km
//! from 30 m against 134.6 dB): LOS is unlikely at a few kilometres
//! (P_LOS under 2 % beyond 4 km) and RMa NLOS grows by 38.8 dB per decade
//! of distance from a 30 m mast.
//!
//! Hata's open-area formula is for open land; rural 2G–4G ranges below are
//! optimistic where villages sit among trees. Planners who want a
//! conservative figure for communes can pass [`Environment::Suburban`].
//!
//! Two physical limits bound every range: the loss never drops below free
//! space (the Hata open-area formula does below ~400 m when extrapolated), and
//! the range never exceeds the radio horizon over a 4/3-earth,
//! 4.12 km × (√`hb` + √`hm`).
//!
//! ## Resulting ranges
//!
//! [`link_budget_range_m`] with the defaults, site at 30 m (the contract's
//! default height); the 5G small cell is at 10 m with 43 dBm and 10 dBi.
//! Generated and checked by the test `ranges_table_is_plausible_and_documented`
//! in `link_budget.rs`.
//!
//! | tech | environment | height (m) | MAPL (dB) | range (m) |
//! | --- | --- | --- | --- | --- |
//! | 2G | urban | 30 | 131.9 | 1430 |
//! | 2G | suburban | 30 | 131.9 | 2738 |
//! | 2G | rural | 30 | 134.4 | 10851 |
//! | 2G | open | 30 | 146.6 | 24125 |
//! | 3G | urban | 30 | 134.7 | 781 |
//! | 3G | suburban | 30 | 134.7 | 1761 |
//! | 3G | rural | 30 | 137.2 | 7853 |
//! | 3G | open | 30 | 150.8 | 19072 |
//! | 4G | urban | 30 | 136.2 | 1003 |
//! | 4G | suburban | 30 | 136.2 | 2188 |
//! | 4G | rural | 30 | 138.7 | 9515 |
//! | 4G | open | 30 | 152.1 | 22718 |
//! | 5G | urban | 30 | 140.8 | 986 |
//! | 5G | suburban | 30 | 140.8 | 986 |
//! | 5G | rural | 30 | 143.3 | 2336 |
//! | 5G | open | 30 | 157.7 | 4647 |
//! | 5G small cell | urban | 10 | 116.8 | 248 |
//! | 5G small cell | suburban | 10 | 116.8 | 248 |
//!
//! # Example
//!
//! ```
//! use telecov::model::{RadioParams, Technology};
//! use telecov::propagation::{link_budget_range_m, Environment};
//!
//! // A 4G site in a ward, 30 m mast, only its transmit power known.
//! let radio = RadioParams { tx_power_dbm: Some(46.0), ..Default::default() };
//! let est = link_budget_range_m(Technology::G4, &radio, 30.0, Environment::Urban);
//! assert!(est.range_m > 300.0 && est.range_m < 2_000.0);
//! assert!(est.model.starts_with("COST-231-Hata"));
//! ```

mod cost231;
pub mod diffraction;
mod free_space;
mod hata;
mod link_budget;
mod normal;
pub mod spectral_efficiency;
// terrain-shaped coverage: Bullington loss along a ray in one pass
pub mod terrain_loss;
mod tr38901;

pub use crate::model::{
    Environment, EnvironmentRules, RadioConfig, TechnologyDefaults, DEFAULT_CELL_EDGE_PROBABILITY,
    DEFAULT_FRONT_TO_BACK_DB, DEFAULT_MOBILE_HEIGHT_M, DEFAULT_SHADOW_SIGMA_DB,
    THERMAL_NOISE_DBM_PER_HZ,
};
pub use cost231::{Cost231Area, Cost231Hata};
pub use diffraction::{
    knife_edge_loss_db, smooth_surface, Bullington, DeltaBullington, DeltaBullingtonLoss,
    Polarization, SmoothSurface, TerrainProfile, DEFAULT_K_FACTOR, ITU_EARTH_RADIUS_KM,
};
pub use free_space::FreeSpace;
pub use hata::{
    large_city_mobile_correction_db, open_area_correction_db, small_city_mobile_correction_db,
    suburban_correction_db, HataArea, OkumuraHata, LARGE_CITY_SPLIT_MHZ,
};
pub use link_budget::{
    indoor_penetration_loss_db, link_budget_range_m, link_budget_range_with, model_for,
    radio_horizon_m, LinkBudget, LinkTerms, RangeEstimate, SiteLink,
};
pub use normal::inverse_normal_cdf;
pub use tr38901::{
    rma_los_probability, uma_los_probability, umi_los_probability, RmaArea, Tr38901,
    Tr38901Condition, Tr38901Scenario, DEFAULT_BUILDING_HEIGHT_M, DEFAULT_STREET_WIDTH_M,
    EFFECTIVE_ENVIRONMENT_HEIGHT_M,
};

/// A median path-loss model: frequency and antenna heights are fixed when
/// the model is built, the distance is given to each call.
///
/// Implementations must be *strictly increasing* in distance on
/// [`MIN_SEARCH_DISTANCE_M`]..=[`MAX_SEARCH_DISTANCE_M`] so that
/// [`max_range_m`] can invert them. The trait is object safe; the link budget
/// works on `&dyn PathLossModel`.
///
/// ```
/// use telecov::propagation::{FreeSpace, PathLossModel};
/// let fs = FreeSpace::new(1800.0).unwrap();
/// // 32.45 + 20·log10(1800) + 20·log10(1 km) = 97.55 dB
/// assert!((fs.path_loss_db(1000.0) - 97.55).abs() < 0.01);
/// assert_eq!(fs.name(), "free space (Friis)");
/// ```
pub trait PathLossModel: Send + Sync {
    /// A short human-readable name, including the variant (e.g.
    /// `"Okumura-Hata (suburban)"`).
    fn name(&self) -> &'static str;

    /// Median basic transmission loss at `distance_m` metres (ground
    /// distance between the antennas), dB.
    ///
    /// The formula is evaluated at any distance > 0, outside
    /// [`PathLossModel::validity`] included (extrapolation); the result for a
    /// distance ≤ 0 or NaN is not meaningful (it may be −∞ or NaN) but the
    /// call does not panic.
    fn path_loss_db(&self, distance_m: f64) -> f64;

    /// [`PathLossModel::path_loss_db`] for a caller that already holds
    /// `log10_distance_m` = log10(`distance_m`) (evaluating several models
    /// at one distance, point after point). Equal to `path_loss_db` up to
    /// rounding; models whose formula is linear in log-distance use the
    /// logarithm given instead of computing it again.
    fn path_loss_db_with_log(&self, distance_m: f64, log10_distance_m: f64) -> f64 {
        let _ = log10_distance_m;
        self.path_loss_db(distance_m)
    }

    /// The distance range, metres, over which the model is published as
    /// valid.
    fn validity(&self) -> Validity;
}

/// A closed distance interval, metres, where a model is valid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Validity {
    /// Shortest valid distance, metres.
    pub min_distance_m: f64,
    /// Longest valid distance, metres (`f64::INFINITY` when unbounded).
    pub max_distance_m: f64,
}

impl Validity {
    /// Whether `distance_m` lies in the interval (ends included).
    pub fn contains(&self, distance_m: f64) -> bool {
        distance_m >= self.min_distance_m && distance_m <= self.max_distance_m
    }
}

/// Shortest distance [`max_range_m`] searches, metres. A link that does not
/// close at 1 m covers nothing.
pub const MIN_SEARCH_DISTANCE_M: f64 = 1.0;

/// Longest distance [`max_range_m`] returns, metres (100 km: beyond the radio
/// horizon of any mast of 200 m or less).
pub const MAX_SEARCH_DISTANCE_M: f64 = 100_000.0;

/// Where an inverted range lies relative to the model's [`Validity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeStatus {
    /// Inside the published distance range.
    Valid,
    /// Shorter than the model's minimum distance: the formula was
    /// extrapolated inwards.
    BelowValidity,
    /// Longer than the model's maximum distance: the formula was extrapolated
    /// outwards.
    AboveValidity,
    /// The loss at [`MIN_SEARCH_DISTANCE_M`] already exceeds the allowed
    /// loss (or the allowed loss is NaN): the range is 0.
    NoCoverage,
    /// The allowed loss is not reached before [`MAX_SEARCH_DISTANCE_M`]: the
    /// range is capped there.
    Capped,
}

/// A range obtained by inverting a path-loss model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RangeSolution {
    /// The distance, metres, at which the model's loss equals the allowed
    /// loss (0 for [`RangeStatus::NoCoverage`], [`MAX_SEARCH_DISTANCE_M`] for
    /// [`RangeStatus::Capped`]).
    pub range_m: f64,
    /// Where the range lies relative to the model's validity.
    pub status: RangeStatus,
}

/// The largest distance, metres, at which `model`'s loss does not exceed
/// `max_path_loss_db`: the cell radius for that maximum allowed path loss.
///
/// Same as [`solve_range`]`(model, max_path_loss_db).range_m`. The model's
/// formula is extrapolated outside its published distance range (the Hata
/// family is routinely used below 1 km): when the allowed loss is below the
/// loss at the model's minimum distance the result is shorter than that
/// minimum, and when it is above the loss at the maximum distance the result
/// is longer. Use [`solve_range`] to learn which case applies. Two hard
/// limits remain: 0 when the link does not close even at
/// [`MIN_SEARCH_DISTANCE_M`] (1 m) or `max_path_loss_db` is NaN, and
/// [`MAX_SEARCH_DISTANCE_M`] (100 km) when it closes even there.
///
/// Bisection on log-distance between 1 m and 100 km, to a relative distance
/// step of 1e-12: the model's loss at the returned distance equals
/// `max_path_loss_db` to far better than 0.01 dB.
///
/// ```
/// use telecov::propagation::{max_range_m, FreeSpace, PathLossModel};
/// let fs = FreeSpace::new(1800.0).unwrap();
/// let d = max_range_m(&fs, 97.55);
/// assert!((d - 1000.0).abs() < 1.0);
/// assert!((fs.path_loss_db(d) - 97.55).abs() < 0.01);
/// ```
pub fn max_range_m(model: &dyn PathLossModel, max_path_loss_db: f64) -> f64 {
    solve_range(model, max_path_loss_db).range_m
}

/// Inverts `model`: the distance at which its loss equals
/// `max_path_loss_db`, and where that distance lies relative to the model's
/// validity. See [`max_range_m`] for the behaviour at the limits.
pub fn solve_range(model: &dyn PathLossModel, max_path_loss_db: f64) -> RangeSolution {
    let lo_loss = model.path_loss_db(MIN_SEARCH_DISTANCE_M);
    if max_path_loss_db.is_nan() || lo_loss.is_nan() || max_path_loss_db < lo_loss {
        return RangeSolution {
            range_m: 0.0,
            status: RangeStatus::NoCoverage,
        };
    }
    if max_path_loss_db >= model.path_loss_db(MAX_SEARCH_DISTANCE_M) {
        return RangeSolution {
            range_m: MAX_SEARCH_DISTANCE_M,
            status: RangeStatus::Capped,
        };
    }
    // Invariant: loss(exp(lo)) <= mapl < loss(exp(hi)).
    let mut lo = MIN_SEARCH_DISTANCE_M.ln();
    let mut hi = MAX_SEARCH_DISTANCE_M.ln();
    while hi - lo > 1e-12 {
        let mid = 0.5 * (lo + hi);
        if model.path_loss_db(mid.exp()) <= max_path_loss_db {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let range_m = lo.exp();
    let validity = model.validity();
    let status = if range_m < validity.min_distance_m {
        RangeStatus::BelowValidity
    } else if range_m > validity.max_distance_m {
        RangeStatus::AboveValidity
    } else {
        RangeStatus::Valid
    };
    RangeSolution { range_m, status }
}

/// A model built by an `extrapolated` constructor, with one warning per
/// parameter that was outside the published range (empty when all were in).
#[derive(Debug, Clone, PartialEq)]
pub struct Extrapolated<M> {
    /// The model.
    pub model: M,
    /// What was extrapolated or clamped, one sentence each.
    pub warnings: Vec<String>,
}

/// Why a model could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PropagationError {
    /// A parameter is NaN, infinite, zero or negative.
    #[error("{model}: {parameter} must be a finite number > 0, got {value}")]
    NotPositive {
        /// The model refusing it.
        model: &'static str,
        /// The parameter, e.g. `frequency_mhz`.
        parameter: &'static str,
        /// The value given.
        value: f64,
    },
    /// A parameter lies outside the model's published validity range (strict
    /// constructors only).
    #[error("{model}: {parameter} = {value} is outside the published range {min}..={max} {unit}")]
    OutOfRange {
        /// The model refusing it.
        model: &'static str,
        /// The parameter, e.g. `base_height_m`.
        parameter: &'static str,
        /// The value given.
        value: f64,
        /// Lower end of the published range.
        min: f64,
        /// Upper end of the published range.
        max: f64,
        /// Unit of the range, e.g. `MHz`.
        unit: &'static str,
    },
    /// A terrain profile cannot be used (too few points, distances not
    /// increasing from 0, a height not finite or out of range).
    #[error("{model}: {parameter}: {reason}")]
    InvalidProfile {
        /// The model refusing it.
        model: &'static str,
        /// The offending input, `distances_km` or `heights_m`.
        parameter: &'static str,
        /// What is wrong, in words.
        reason: String,
    },
}

/// One parameter's published range, used by the constructors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParamRange {
    pub(crate) parameter: &'static str,
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) unit: &'static str,
}

impl ParamRange {
    /// Refuses non-finite or non-positive values.
    pub(crate) fn positive(
        &self,
        model: &'static str,
        value: f64,
    ) -> Result<f64, PropagationError> {
        if value.is_finite() && value > 0.0 {
            Ok(value)
        } else {
            Err(PropagationError::NotPositive {
                model,
                parameter: self.parameter,
                value,
            })
        }
    }

    /// Strict check: positive and inside the published range.
    pub(crate) fn strict(&self, model: &'static str, value: f64) -> Result<f64, PropagationError> {
        let v = self.positive(model, value)?;
        if v < self.min || v > self.max {
            return Err(PropagationError::OutOfRange {
                model,
                parameter: self.parameter,
                value: v,
                min: self.min,
                max: self.max,
                unit: self.unit,
            });
        }
        Ok(v)
    }

    /// Lenient check: positive; outside the published range the value is
    /// kept (formula extrapolated) with a warning.
    pub(crate) fn extrapolate(
        &self,
        model: &'static str,
        value: f64,
        warnings: &mut Vec<String>,
    ) -> Result<f64, PropagationError> {
        let v = self.positive(model, value)?;
        if v < self.min || v > self.max {
            warnings.push(format!(
                "{model}: {} = {v} is outside the published {}–{} {}; formula extrapolated",
                self.parameter, self.min, self.max, self.unit
            ));
        }
        Ok(v)
    }

    /// Lenient check: positive; outside `lo..=hi` the value is clamped with a
    /// warning; between `lo..=hi` and outside the published range it is kept
    /// (extrapolated) with a warning.
    pub(crate) fn extrapolate_within(
        &self,
        model: &'static str,
        value: f64,
        lo: f64,
        hi: f64,
        warnings: &mut Vec<String>,
    ) -> Result<f64, PropagationError> {
        let v = self.positive(model, value)?;
        if v < lo || v > hi {
            let c = v.clamp(lo, hi);
            warnings.push(format!(
                "{model}: {} = {v} is outside {lo}–{hi} {}; clamped to {c}",
                self.parameter, self.unit
            ));
            if c < self.min || c > self.max {
                warnings.push(format!(
                    "{model}: {} = {c} is outside the published {}–{} {}; formula extrapolated",
                    self.parameter, self.min, self.max, self.unit
                ));
            }
            return Ok(c);
        }
        self.extrapolate(model, v, warnings)
    }

    /// Lenient check: positive; outside the published range the value is
    /// clamped to it with a warning.
    pub(crate) fn clamp(
        &self,
        model: &'static str,
        value: f64,
        warnings: &mut Vec<String>,
    ) -> Result<f64, PropagationError> {
        let v = self.positive(model, value)?;
        if v < self.min || v > self.max {
            let c = v.clamp(self.min, self.max);
            warnings.push(format!(
                "{model}: {} = {v} is outside the published {}–{} {}; clamped to {c}",
                self.parameter, self.min, self.max, self.unit
            ));
            return Ok(c);
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pure log-distance model: loss = 100 + 35·log10(d / 1 km), valid
    /// 1–20 km.
    struct LogDistance;

    impl PathLossModel for LogDistance {
        fn name(&self) -> &'static str {
            "log-distance test model"
        }
        fn path_loss_db(&self, distance_m: f64) -> f64 {
            100.0 + 35.0 * (distance_m / 1000.0).log10()
        }
        fn validity(&self) -> Validity {
            Validity {
                min_distance_m: 1000.0,
                max_distance_m: 20_000.0,
            }
        }
    }

    #[test]
    fn inversion_matches_closed_form() {
        // d = 1 km · 10^((L − 100)/35)
        for mapl in [30.0, 65.0, 100.0, 120.0, 145.0, 169.0] {
            let d = max_range_m(&LogDistance, mapl);
            let closed = 1000.0 * 10f64.powf((mapl - 100.0) / 35.0);
            assert!(
                (d - closed).abs() <= 1e-9 * closed,
                "{mapl}: {d} vs {closed}"
            );
            assert!((LogDistance.path_loss_db(d) - mapl).abs() < 1e-6);
        }
    }

    #[test]
    fn inversion_reports_where_the_range_lies() {
        let s = solve_range(&LogDistance, 100.0 + 35.0 * 0.5f64.log10());
        assert_eq!(s.status, RangeStatus::BelowValidity);
        assert!((s.range_m - 500.0).abs() < 1e-6);
        assert_eq!(solve_range(&LogDistance, 120.0).status, RangeStatus::Valid);
        let far = solve_range(&LogDistance, 100.0 + 35.0 * 30f64.log10());
        assert_eq!(far.status, RangeStatus::AboveValidity);
        assert!((far.range_m - 30_000.0).abs() < 1e-6);
    }

    #[test]
    fn inversion_limits() {
        // loss at 1 m = 100 − 105 = −5 dB; at 100 km = 170 dB
        let none = solve_range(&LogDistance, -6.0);
        assert_eq!(none.status, RangeStatus::NoCoverage);
        assert_eq!(none.range_m, 0.0);
        assert_eq!(solve_range(&LogDistance, f64::NAN).range_m, 0.0);
        assert_eq!(solve_range(&LogDistance, f64::NEG_INFINITY).range_m, 0.0);
        let cap = solve_range(&LogDistance, 171.0);
        assert_eq!(cap.status, RangeStatus::Capped);
        assert_eq!(cap.range_m, MAX_SEARCH_DISTANCE_M);
        assert_eq!(
            max_range_m(&LogDistance, f64::INFINITY),
            MAX_SEARCH_DISTANCE_M
        );
    }

    #[test]
    fn errors_name_the_parameter() {
        let r = ParamRange {
            parameter: "base_height_m",
            min: 30.0,
            max: 200.0,
            unit: "m",
        };
        let e = r.strict("Okumura-Hata", 12.0).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("base_height_m"), "{msg}");
        assert!(msg.contains("12"), "{msg}");
        assert!(msg.contains("30..=200 m"), "{msg}");
        assert!(matches!(
            r.strict("Okumura-Hata", f64::NAN),
            Err(PropagationError::NotPositive { .. })
        ));
        let mut w = Vec::new();
        assert_eq!(r.clamp("m", 500.0, &mut w).unwrap(), 200.0);
        assert_eq!(r.extrapolate("m", 20.0, &mut w).unwrap(), 20.0);
        assert_eq!(
            r.extrapolate_within("m", 0.5, 1.0, 1000.0, &mut w).unwrap(),
            1.0
        );
        assert_eq!(w.len(), 4, "{w:?}");
    }
}
