//! 3GPP TR 38.901 ("Study on channel model for frequencies from 0.5 to
//! 100 GHz", v16.1.0 / v17.0.0): the path-loss models of Table 7.4.1-1 and
//! the LOS probabilities of Table 7.4.2-1 for the rural macro (RMa), urban
//! macro (UMa) and urban micro street canyon (UMi) scenarios.

use std::f64::consts::PI;

use super::{Extrapolated, ParamRange, PathLossModel, PropagationError, Validity};

/// Speed of light in the breakpoint distances, m/s: the standard's rounded
/// c = 3.0·10⁸ m/s (notes 1 and 5 of Table 7.4.1-1).
const SPEED_OF_LIGHT_M_PER_S: f64 = 3.0e8;

/// Effective environment height `hE`, metres, in the UMa and UMi breakpoint
/// distance d'BP = 4·(hBS − hE)·(hUT − hE)·fc/c.
///
/// UMi uses hE = 1 m. For UMa the standard draws hE per link: 1 m with
/// probability 1/(1 + C(d2D, hUT)), otherwise uniformly from 12, 15, …,
/// hUT − 1.5 m, with C = 0 for hUT < 13 m. This crate computes a
/// deterministic median loss and takes hE = 1 m for UMa too, which is
/// exactly the standard for handsets below 13 m (the default 1.5 m
/// included) and its most likely draw above.
pub const EFFECTIVE_ENVIRONMENT_HEIGHT_M: f64 = 1.0;

/// RMa default average street width `W`, metres (Table 7.4.1-1).
pub const DEFAULT_STREET_WIDTH_M: f64 = 20.0;

/// RMa default average building height `h`, metres (Table 7.4.1-1).
pub const DEFAULT_BUILDING_HEIGHT_M: f64 = 5.0;

/// Published frequency range of RMa, 0.5–30 GHz (note 1 of Table 7.4.1-1;
/// the standard adds that above 7 GHz the RMa model rests on a single
/// measurement campaign, at 24 GHz).
const FREQUENCY_RMA: ParamRange = ParamRange {
    parameter: "frequency_mhz",
    min: 500.0,
    max: 30_000.0,
    unit: "MHz",
};

/// Published frequency range of UMa and UMi, 0.5–100 GHz.
const FREQUENCY_URBAN: ParamRange = ParamRange {
    parameter: "frequency_mhz",
    min: 500.0,
    max: 100_000.0,
    unit: "MHz",
};

/// RMa base-station height, 10–150 m.
const BASE_HEIGHT_RMA: ParamRange = ParamRange {
    parameter: "base_height_m",
    min: 10.0,
    max: 150.0,
    unit: "m",
};

/// UMa base-station height: the formulas are published for hBS = 25 m only.
const BASE_HEIGHT_UMA: ParamRange = ParamRange {
    parameter: "base_height_m",
    min: 25.0,
    max: 25.0,
    unit: "m",
};

/// UMi base-station height: the formulas are published for hBS = 10 m only.
const BASE_HEIGHT_UMI: ParamRange = ParamRange {
    parameter: "base_height_m",
    min: 10.0,
    max: 10.0,
    unit: "m",
};

/// RMa handset height, 1–10 m.
const MOBILE_HEIGHT_RMA: ParamRange = ParamRange {
    parameter: "mobile_height_m",
    min: 1.0,
    max: 10.0,
    unit: "m",
};

/// UMa and UMi handset height, 1.5–22.5 m.
const MOBILE_HEIGHT_URBAN: ParamRange = ParamRange {
    parameter: "mobile_height_m",
    min: 1.5,
    max: 22.5,
    unit: "m",
};

/// RMa average street width, 5–50 m.
const STREET_WIDTH: ParamRange = ParamRange {
    parameter: "street_width_m",
    min: 5.0,
    max: 50.0,
    unit: "m",
};

/// RMa average building height, 5–50 m.
const BUILDING_HEIGHT: ParamRange = ParamRange {
    parameter: "building_height_m",
    min: 5.0,
    max: 50.0,
    unit: "m",
};

/// Base heights the `extrapolated` constructors keep (outside: clamped):
/// RMa 1–1000 m; UMa and UMi 1.5–1000 m, so that hBS − hE stays positive.
const BASE_HEIGHT_HARD_MAX_M: f64 = 1000.0;
const BASE_HEIGHT_HARD_MIN_RMA_M: f64 = 1.0;
const BASE_HEIGHT_HARD_MIN_URBAN_M: f64 = 1.5;

/// Shortest 2D distance of every TR 38.901 path-loss formula, metres.
const MIN_DISTANCE_M: f64 = 10.0;

/// The deployment scenarios of TR 38.901 implemented here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tr38901Scenario {
    /// Rural macro: masts of 10–150 m (35 m nominal) over open land with
    /// scattered low buildings; parameters street width `W` and building
    /// height `h` ([`RmaArea`]).
    RMa,
    /// Urban macro: masts above the rooftops, published for hBS = 25 m.
    UMa,
    /// Urban micro, street canyon: antennas below the rooftops, published
    /// for hBS = 10 m.
    UMiStreetCanyon,
}

impl Tr38901Scenario {
    /// LOS probability at a 2D (outdoor) distance `distance_m` metres for a
    /// handset at `mobile_height_m` (used by UMa only): see
    /// [`rma_los_probability`], [`uma_los_probability`],
    /// [`umi_los_probability`].
    pub fn los_probability(self, distance_m: f64, mobile_height_m: f64) -> f64 {
        match self {
            Tr38901Scenario::RMa => rma_los_probability(distance_m),
            Tr38901Scenario::UMa => uma_los_probability(distance_m, mobile_height_m),
            Tr38901Scenario::UMiStreetCanyon => umi_los_probability(distance_m),
        }
    }

    /// The model name used in error messages and warnings.
    fn model(self) -> &'static str {
        match self {
            Tr38901Scenario::RMa => "3GPP TR 38.901 RMa",
            Tr38901Scenario::UMa => "3GPP TR 38.901 UMa",
            Tr38901Scenario::UMiStreetCanyon => "3GPP TR 38.901 UMi street canyon",
        }
    }

    fn frequency(self) -> ParamRange {
        match self {
            Tr38901Scenario::RMa => FREQUENCY_RMA,
            Tr38901Scenario::UMa | Tr38901Scenario::UMiStreetCanyon => FREQUENCY_URBAN,
        }
    }

    fn base_height(self) -> ParamRange {
        match self {
            Tr38901Scenario::RMa => BASE_HEIGHT_RMA,
            Tr38901Scenario::UMa => BASE_HEIGHT_UMA,
            Tr38901Scenario::UMiStreetCanyon => BASE_HEIGHT_UMI,
        }
    }

    fn mobile_height(self) -> ParamRange {
        match self {
            Tr38901Scenario::RMa => MOBILE_HEIGHT_RMA,
            Tr38901Scenario::UMa | Tr38901Scenario::UMiStreetCanyon => MOBILE_HEIGHT_URBAN,
        }
    }
}

/// Which loss of a scenario the model returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tr38901Condition {
    /// Line of sight: `PL_LOS`.
    Los,
    /// Non line of sight: `PL_NLOS` = max(`PL_LOS`, `PL'_NLOS`).
    Nlos,
    /// P_LOS(d2D)·PL_LOS + (1 − P_LOS(d2D))·PL_NLOS, in dB, with the LOS
    /// probability of Table 7.4.2-1.
    ///
    /// A coverage radius needs one median loss per distance, while the
    /// standard draws LOS or NLOS per link. Weighting the two losses in dB
    /// by the LOS probability gives the mean, over that draw, of the loss in
    /// dB: it moves from LOS near the mast to NLOS where LOS becomes
    /// unlikely, stays between the two, and is strictly increasing in
    /// distance (the probability only decreases while NLOS ≥ LOS), so it
    /// can be inverted. Averaging received *power* instead would let the
    /// rare LOS links dominate (LOS is 20–40 dB stronger at a kilometre)
    /// and give ranges set by a few lucky users; the median of the
    /// two-log-normal mixture has no closed form.
    LosProbabilityWeighted,
}

/// The RMa area parameters: average street width `W` and building height
/// `h`, both published for 5–50 m.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RmaArea {
    /// Average street width `W`, metres (default 20 m).
    pub street_width_m: f64,
    /// Average building height `h`, metres (default 5 m).
    pub building_height_m: f64,
}

impl Default for RmaArea {
    /// W = [`DEFAULT_STREET_WIDTH_M`], h = [`DEFAULT_BUILDING_HEIGHT_M`].
    fn default() -> Self {
        RmaArea {
            street_width_m: DEFAULT_STREET_WIDTH_M,
            building_height_m: DEFAULT_BUILDING_HEIGHT_M,
        }
    }
}

/// RMa LOS probability (Table 7.4.2-1) at a 2D outdoor distance of
/// `distance_m` metres: 1 up to 10 m, exp(−(d2D − 10)/1000) beyond.
///
/// ```
/// use telecov::propagation::rma_los_probability;
/// assert_eq!(rma_los_probability(10.0), 1.0);
/// // exp(−1000/1000) = 0.3679
/// assert!((rma_los_probability(1_010.0) - 0.3679).abs() < 1e-4);
/// ```
pub fn rma_los_probability(distance_m: f64) -> f64 {
    if distance_m <= 10.0 {
        1.0
    } else {
        (-(distance_m - 10.0) / 1000.0).exp()
    }
}

/// UMi street canyon LOS probability (Table 7.4.2-1) at a 2D outdoor
/// distance of `distance_m` metres: 1 up to 18 m,
/// 18/d2D + exp(−d2D/36)·(1 − 18/d2D) beyond.
///
/// ```
/// use telecov::propagation::umi_los_probability;
/// assert_eq!(umi_los_probability(18.0), 1.0);
/// // 0.18 + exp(−100/36)·0.82 = 0.18 + 0.0622·0.82 = 0.2310
/// assert!((umi_los_probability(100.0) - 0.2310).abs() < 1e-4);
/// ```
pub fn umi_los_probability(distance_m: f64) -> f64 {
    if distance_m <= 18.0 {
        1.0
    } else {
        let near = 18.0 / distance_m;
        near + (-distance_m / 36.0).exp() * (1.0 - near)
    }
}

/// UMa LOS probability (Table 7.4.2-1) at a 2D outdoor distance of
/// `distance_m` metres for a handset at `mobile_height_m` metres: 1 up to
/// 18 m, beyond
///
/// ```text
/// [18/d2D + exp(−d2D/63)·(1 − 18/d2D)]·(1 + C'(hUT)·5/4·(d2D/100)³·exp(−d2D/150))
/// C'(hUT) = 0 for hUT ≤ 13 m, ((hUT − 13)/10)^1.5 for 13 m < hUT ≤ 23 m
/// ```
///
/// For hUT > 13 m the published product exceeds 1 just beyond 18 m (by up
/// to 0.6 % at hUT = 23 m, up to d2D ≈ 18.5 m); it is capped at 1 here.
/// Heights above 23 m take C'(23 m) = 1.
///
/// ```
/// use telecov::propagation::uma_los_probability;
/// // 0.18 + exp(−100/63)·0.82 = 0.18 + 0.2045·0.82 = 0.3477
/// assert!((uma_los_probability(100.0, 1.5) - 0.3477).abs() < 1e-4);
/// ```
pub fn uma_los_probability(distance_m: f64, mobile_height_m: f64) -> f64 {
    if distance_m <= 18.0 {
        return 1.0;
    }
    let near = 18.0 / distance_m;
    let base = near + (-distance_m / 63.0).exp() * (1.0 - near);
    let c = if mobile_height_m <= 13.0 {
        0.0
    } else {
        ((mobile_height_m.min(23.0) - 13.0) / 10.0).powf(1.5)
    };
    let tall = 1.0 + c * 1.25 * (distance_m / 100.0).powi(3) * (-distance_m / 150.0).exp();
    (base * tall).min(1.0)
}

/// 3GPP TR 38.901 path loss (Table 7.4.1-1) for one scenario and
/// condition.
///
/// d2D is the ground distance (the argument of
/// [`PathLossModel::path_loss_db`], metres), d3D = √(d2D² + (hBS − hUT)²)
/// the distance between the antennas, fc the carrier frequency in **GHz**
/// in the formulas (this API takes `frequency_mhz`, converted once: 3.5 GHz
/// is `3500.0`), heights in metres, `log` base 10:
///
/// ```text
/// RMa  LOS   PL1 = 20·log(40π·d3D·fc/3) + min(0.03·h^1.72, 10)·log(d3D)
///                  − min(0.044·h^1.72, 14.77) + 0.002·log(h)·d3D      d2D ≤ dBP
///            PL2 = PL1(dBP) + 40·log(d3D/dBP)                          d2D > dBP
///            dBP = 2π·hBS·hUT·fc/c
///      NLOS  max(PL_LOS, PL'), PL' = 161.04 − 7.1·log W + 7.5·log h
///                  − (24.37 − 3.7·(h/hBS)²)·log hBS + (43.42 − 3.1·log hBS)·(log d3D − 3)
///                  + 20·log fc − (3.2·(log(11.75·hUT))² − 4.97)
/// UMa  LOS   PL1 = 28.0 + 22·log d3D + 20·log fc                       d2D ≤ d'BP
///            PL2 = 28.0 + 40·log d3D + 20·log fc − 9·log(d'BP² + (hBS − hUT)²)
///      NLOS  max(PL_LOS, PL'), PL' = 13.54 + 39.08·log d3D + 20·log fc − 0.6·(hUT − 1.5)
/// UMi  LOS   PL1 = 32.4 + 21·log d3D + 20·log fc                       d2D ≤ d'BP
///            PL2 = 32.4 + 40·log d3D + 20·log fc − 9.5·log(d'BP² + (hBS − hUT)²)
///      NLOS  max(PL_LOS, PL'), PL' = 35.3·log d3D + 22.4 + 21.3·log fc − 0.3·(hUT − 1.5)
/// d'BP = 4·(hBS − hE)·(hUT − hE)·fc/c, hE = 1 m; c = 3·10⁸ m/s, fc in Hz in dBP and d'BP
/// ```
///
/// Published validity: f 0.5–30 GHz (RMa) or 0.5–100 GHz (UMa, UMi);
/// hBS 10–150 m (RMa), 25 m (UMa), 10 m (UMi); hUT 1–10 m (RMa),
/// 1.5–22.5 m (UMa, UMi); W and h 5–50 m (RMa, defaults 20 m and 5 m);
/// d2D 10 m–10 km (RMa LOS), 10 m–5 km (everything else, and the weighted
/// condition, which needs NLOS). The optional simplified NLOS formulas of
/// the table are not implemented. See [`Tr38901Condition`] for the
/// LOS-probability weighting and [`EFFECTIVE_ENVIRONMENT_HEIGHT_M`] for hE.
///
/// Choices where the table leaves room:
///
/// * **RMa PL1(dBP)** is evaluated at the breakpoint's 3D distance
///   d3D,BP = √(dBP² + (hBS − hUT)²), and the 40 dB/decade term is
///   40·log(d3D/d3D,BP): PL2 then equals PL1 at d2D = dBP, as the UMa and
///   UMi PL2 formulas do by construction (their d'BP² + (hBS − hUT)² is
///   d3D,BP²). Reading dBP as a 3D distance instead (PL1 at d3D = dBP,
///   40·log(d3D/dBP)) differs by less than 0.035 dB over the published
///   ranges, but leaves a step at the breakpoint that goes *down* by up to
///   0.007 dB for tall buildings, so the loss would not be increasing.
/// * **Beyond the published distance** (above 5 km or 10 km) the last
///   formula continues, and below 10 m the first one does down to any
///   distance > 0. Both stay strictly increasing: d3D ≥ |hBS − hUT| grows
///   with d2D, every term in d3D has a positive coefficient, and the
///   weighted loss only moves from LOS towards the larger NLOS.
///   [`solve_range`](super::solve_range) reports when its range falls
///   outside the published distances.
///
/// ```
/// use telecov::propagation::{PathLossModel, Tr38901, Tr38901Condition, Tr38901Scenario};
/// let m = Tr38901::new(Tr38901Scenario::UMa, Tr38901Condition::Nlos, 3500.0, 25.0, 1.5).unwrap();
/// // d3D = √(500² + 23.5²) = 500.55 m:
/// // 13.54 + 39.08·2.6994 + 20·log(3.5) = 13.54 + 105.49 + 10.88 = 129.92 dB
/// assert!((m.path_loss_db(500.0) - 129.92).abs() < 0.01);
/// // fc is in MHz at this API: 3.5 is 3.5 MHz, outside 500–100 000 MHz
/// assert!(Tr38901::new(Tr38901Scenario::UMa, Tr38901Condition::Nlos, 3.5, 25.0, 1.5).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tr38901 {
    scenario: Tr38901Scenario,
    condition: Tr38901Condition,
    frequency_mhz: f64,
    base_height_m: f64,
    mobile_height_m: f64,
    area: RmaArea,
    /// hBS − hUT, metres.
    height_difference_m: f64,
    /// dBP (RMa) or d'BP (UMa, UMi), metres of 2D distance.
    breakpoint_m: f64,
    /// log10 of the 3D distance at the breakpoint, √(dBP² + (hBS − hUT)²).
    log_breakpoint_3d: f64,
    /// log10(fc / 1 GHz).
    log_fc: f64,
}

impl Tr38901 {
    /// Strict constructor: every parameter must lie in the published range
    /// of `scenario` (see the struct docs); otherwise
    /// [`PropagationError::OutOfRange`] names the first that does not. RMa
    /// takes the default [`RmaArea`] (W = 20 m, h = 5 m); see
    /// [`Tr38901::new_rma`] for other values.
    pub fn new(
        scenario: Tr38901Scenario,
        condition: Tr38901Condition,
        frequency_mhz: f64,
        base_height_m: f64,
        mobile_height_m: f64,
    ) -> Result<Self, PropagationError> {
        let model = scenario.model();
        let f = scenario.frequency().strict(model, frequency_mhz)?;
        let hb = scenario.base_height().strict(model, base_height_m)?;
        let hm = scenario.mobile_height().strict(model, mobile_height_m)?;
        Ok(Self::build(
            scenario,
            condition,
            f,
            hb,
            hm,
            RmaArea::default(),
        ))
    }

    /// Strict RMa constructor with the street width and building height of
    /// `area` (each 5–50 m).
    pub fn new_rma(
        condition: Tr38901Condition,
        frequency_mhz: f64,
        base_height_m: f64,
        mobile_height_m: f64,
        area: RmaArea,
    ) -> Result<Self, PropagationError> {
        let scenario = Tr38901Scenario::RMa;
        let model = scenario.model();
        let f = FREQUENCY_RMA.strict(model, frequency_mhz)?;
        let hb = BASE_HEIGHT_RMA.strict(model, base_height_m)?;
        let hm = MOBILE_HEIGHT_RMA.strict(model, mobile_height_m)?;
        let area = RmaArea {
            street_width_m: STREET_WIDTH.strict(model, area.street_width_m)?,
            building_height_m: BUILDING_HEIGHT.strict(model, area.building_height_m)?,
        };
        Ok(Self::build(scenario, condition, f, hb, hm, area))
    }

    /// Lenient constructor for real site data. Outside the published ranges:
    ///
    /// * frequency: the formulas are extrapolated (warning);
    /// * base height: extrapolated (warning) between 1 m (RMa) or 1.5 m
    ///   (UMa, UMi: above hE) and 1000 m, clamped to that span beyond
    ///   (warning). UMa and UMi are published for one height only (25 m and
    ///   10 m): any other height is extrapolated;
    /// * mobile height: clamped to the published range (warning), as for
    ///   the Hata family;
    ///
    /// Only values that are not finite numbers > 0 are refused.
    pub fn extrapolated(
        scenario: Tr38901Scenario,
        condition: Tr38901Condition,
        frequency_mhz: f64,
        base_height_m: f64,
        mobile_height_m: f64,
    ) -> Result<Extrapolated<Self>, PropagationError> {
        let mut warnings = Vec::new();
        let model = scenario.model();
        let f = scenario
            .frequency()
            .extrapolate(model, frequency_mhz, &mut warnings)?;
        let hb = lenient_base_height(scenario, base_height_m, &mut warnings)?;
        let hm = scenario
            .mobile_height()
            .clamp(model, mobile_height_m, &mut warnings)?;
        Ok(Extrapolated {
            model: Self::build(scenario, condition, f, hb, hm, RmaArea::default()),
            warnings,
        })
    }

    /// Lenient RMa constructor with the street width and building height of
    /// `area`: the policy of [`Tr38901::extrapolated`], and `W` and `h`
    /// clamped to 5–50 m (warning; the `h` terms turn over below 1 m).
    pub fn extrapolated_rma(
        condition: Tr38901Condition,
        frequency_mhz: f64,
        base_height_m: f64,
        mobile_height_m: f64,
        area: RmaArea,
    ) -> Result<Extrapolated<Self>, PropagationError> {
        let scenario = Tr38901Scenario::RMa;
        let model = scenario.model();
        let mut warnings = Vec::new();
        let f = FREQUENCY_RMA.extrapolate(model, frequency_mhz, &mut warnings)?;
        let hb = lenient_base_height(scenario, base_height_m, &mut warnings)?;
        let hm = MOBILE_HEIGHT_RMA.clamp(model, mobile_height_m, &mut warnings)?;
        let area = RmaArea {
            street_width_m: STREET_WIDTH.clamp(model, area.street_width_m, &mut warnings)?,
            building_height_m: BUILDING_HEIGHT.clamp(
                model,
                area.building_height_m,
                &mut warnings,
            )?,
        };
        Ok(Extrapolated {
            model: Self::build(scenario, condition, f, hb, hm, area),
            warnings,
        })
    }

    fn build(
        scenario: Tr38901Scenario,
        condition: Tr38901Condition,
        frequency_mhz: f64,
        base_height_m: f64,
        mobile_height_m: f64,
        area: RmaArea,
    ) -> Self {
        // the one conversion: the formulas take fc in GHz, the breakpoint
        // distances in Hz
        let fc_ghz = frequency_mhz / 1000.0;
        let fc_hz = frequency_mhz * 1e6;
        let dh = base_height_m - mobile_height_m;
        let breakpoint_m = match scenario {
            Tr38901Scenario::RMa => {
                2.0 * PI * base_height_m * mobile_height_m * fc_hz / SPEED_OF_LIGHT_M_PER_S
            }
            Tr38901Scenario::UMa | Tr38901Scenario::UMiStreetCanyon => {
                4.0 * (base_height_m - EFFECTIVE_ENVIRONMENT_HEIGHT_M)
                    * (mobile_height_m - EFFECTIVE_ENVIRONMENT_HEIGHT_M)
                    * fc_hz
                    / SPEED_OF_LIGHT_M_PER_S
            }
        };
        // never log10(0): hBS = hUT with a vanishing breakpoint
        let bp_3d_squared = (breakpoint_m * breakpoint_m + dh * dh).max(f64::MIN_POSITIVE);
        Tr38901 {
            scenario,
            condition,
            frequency_mhz,
            base_height_m,
            mobile_height_m,
            area,
            height_difference_m: dh,
            breakpoint_m,
            log_breakpoint_3d: 0.5 * bp_3d_squared.log10(),
            log_fc: fc_ghz.log10(),
        }
    }

    /// Carrier frequency, MHz.
    pub fn frequency_mhz(&self) -> f64 {
        self.frequency_mhz
    }

    /// Base-station antenna height, metres (after any clamping).
    pub fn base_height_m(&self) -> f64 {
        self.base_height_m
    }

    /// Mobile antenna height, metres (after any clamping).
    pub fn mobile_height_m(&self) -> f64 {
        self.mobile_height_m
    }

    /// The scenario.
    pub fn scenario(&self) -> Tr38901Scenario {
        self.scenario
    }

    /// The condition.
    pub fn condition(&self) -> Tr38901Condition {
        self.condition
    }

    /// The RMa street width and building height (the defaults for UMa and
    /// UMi, which do not use them).
    pub fn area(&self) -> RmaArea {
        self.area
    }

    /// The breakpoint distance, metres of 2D distance: dBP = 2π·hBS·hUT·fc/c
    /// (RMa) or d'BP = 4·(hBS − 1)·(hUT − 1)·fc/c (UMa, UMi), fc in Hz,
    /// c = 3·10⁸ m/s.
    pub fn breakpoint_distance_m(&self) -> f64 {
        self.breakpoint_m
    }

    /// The 3D distance d3D = √(d2D² + (hBS − hUT)²), metres.
    fn distance_3d_m(&self, distance_m: f64) -> f64 {
        distance_m.hypot(self.height_difference_m)
    }

    /// RMa PL1 at a 3D distance of `d3_m` metres.
    fn rma_pl1_db(&self, d3_m: f64) -> f64 {
        let h = self.area.building_height_m;
        let h172 = h.powf(1.72);
        20.0 * (40.0 * PI * d3_m / 3.0).log10()
            + 20.0 * self.log_fc
            + (0.03 * h172).min(10.0) * d3_m.log10()
            - (0.044 * h172).min(14.77)
            + 0.002 * h.log10() * d3_m
    }

    /// `PL_LOS` at a 2D distance of `distance_m` metres, dB, whatever the
    /// model's condition.
    pub fn los_db(&self, distance_m: f64) -> f64 {
        let d3 = self.distance_3d_m(distance_m);
        let beyond = distance_m > self.breakpoint_m;
        match self.scenario {
            Tr38901Scenario::RMa => {
                if beyond {
                    let d3_bp = 10f64.powf(self.log_breakpoint_3d);
                    self.rma_pl1_db(d3_bp) + 40.0 * (d3.log10() - self.log_breakpoint_3d)
                } else {
                    self.rma_pl1_db(d3)
                }
            }
            Tr38901Scenario::UMa => {
                if beyond {
                    28.0 + 40.0 * d3.log10() + 20.0 * self.log_fc - 18.0 * self.log_breakpoint_3d
                } else {
                    28.0 + 22.0 * d3.log10() + 20.0 * self.log_fc
                }
            }
            Tr38901Scenario::UMiStreetCanyon => {
                if beyond {
                    32.4 + 40.0 * d3.log10() + 20.0 * self.log_fc - 19.0 * self.log_breakpoint_3d
                } else {
                    32.4 + 21.0 * d3.log10() + 20.0 * self.log_fc
                }
            }
        }
    }

    /// `PL'_NLOS` (before the max with LOS), dB.
    fn nlos_prime_db(&self, distance_m: f64) -> f64 {
        let log_d3 = self.distance_3d_m(distance_m).log10();
        let (hb, hm) = (self.base_height_m, self.mobile_height_m);
        match self.scenario {
            Tr38901Scenario::RMa => {
                let RmaArea {
                    street_width_m: w,
                    building_height_m: h,
                } = self.area;
                161.04 - 7.1 * w.log10() + 7.5 * h.log10()
                    - (24.37 - 3.7 * (h / hb).powi(2)) * hb.log10()
                    + (43.42 - 3.1 * hb.log10()) * (log_d3 - 3.0)
                    + 20.0 * self.log_fc
                    - (3.2 * (11.75 * hm).log10().powi(2) - 4.97)
            }
            Tr38901Scenario::UMa => 13.54 + 39.08 * log_d3 + 20.0 * self.log_fc - 0.6 * (hm - 1.5),
            Tr38901Scenario::UMiStreetCanyon => {
                35.3 * log_d3 + 22.4 + 21.3 * self.log_fc - 0.3 * (hm - 1.5)
            }
        }
    }

    /// `PL_NLOS` = max(`PL_LOS`, `PL'_NLOS`) at a 2D distance of
    /// `distance_m` metres, dB, whatever the model's condition.
    pub fn nlos_db(&self, distance_m: f64) -> f64 {
        self.los_db(distance_m).max(self.nlos_prime_db(distance_m))
    }

    /// The scenario's LOS probability at a 2D distance of `distance_m`
    /// metres for this model's handset height.
    pub fn los_probability(&self, distance_m: f64) -> f64 {
        self.scenario
            .los_probability(distance_m, self.mobile_height_m)
    }
}

/// The lenient base-height policy of [`Tr38901::extrapolated`].
fn lenient_base_height(
    scenario: Tr38901Scenario,
    base_height_m: f64,
    warnings: &mut Vec<String>,
) -> Result<f64, PropagationError> {
    let model = scenario.model();
    let range = scenario.base_height();
    match scenario {
        Tr38901Scenario::RMa => range.extrapolate_within(
            model,
            base_height_m,
            BASE_HEIGHT_HARD_MIN_RMA_M,
            BASE_HEIGHT_HARD_MAX_M,
            warnings,
        ),
        Tr38901Scenario::UMa | Tr38901Scenario::UMiStreetCanyon => {
            let v = range.positive(model, base_height_m)?;
            let c = v.clamp(BASE_HEIGHT_HARD_MIN_URBAN_M, BASE_HEIGHT_HARD_MAX_M);
            if c != v {
                warnings.push(format!(
                    "{model}: base_height_m = {v} is outside {BASE_HEIGHT_HARD_MIN_URBAN_M}–{BASE_HEIGHT_HARD_MAX_M} m; clamped to {c}"
                ));
            }
            if c != range.min {
                warnings.push(format!(
                    "{model}: base_height_m = {c} differs from the {} m the formulas are published for; formula extrapolated",
                    range.min
                ));
            }
            Ok(c)
        }
    }
}

impl PathLossModel for Tr38901 {
    fn name(&self) -> &'static str {
        use Tr38901Condition::*;
        use Tr38901Scenario::*;
        match (self.scenario, self.condition) {
            (RMa, Los) => "3GPP TR 38.901 RMa LOS",
            (RMa, Nlos) => "3GPP TR 38.901 RMa NLOS",
            (RMa, LosProbabilityWeighted) => "3GPP TR 38.901 RMa (LOS-probability weighted)",
            (UMa, Los) => "3GPP TR 38.901 UMa LOS",
            (UMa, Nlos) => "3GPP TR 38.901 UMa NLOS",
            (UMa, LosProbabilityWeighted) => "3GPP TR 38.901 UMa (LOS-probability weighted)",
            (UMiStreetCanyon, Los) => "3GPP TR 38.901 UMi street canyon LOS",
            (UMiStreetCanyon, Nlos) => "3GPP TR 38.901 UMi street canyon NLOS",
            (UMiStreetCanyon, LosProbabilityWeighted) => {
                "3GPP TR 38.901 UMi street canyon (LOS-probability weighted)"
            }
        }
    }

    fn path_loss_db(&self, distance_m: f64) -> f64 {
        match self.condition {
            Tr38901Condition::Los => self.los_db(distance_m),
            Tr38901Condition::Nlos => self.nlos_db(distance_m),
            Tr38901Condition::LosProbabilityWeighted => {
                let p = self.los_probability(distance_m);
                let los = self.los_db(distance_m);
                if p >= 1.0 {
                    return los;
                }
                let nlos = los.max(self.nlos_prime_db(distance_m));
                if p <= 0.0 {
                    return nlos;
                }
                p * los + (1.0 - p) * nlos
            }
        }
    }

    fn validity(&self) -> Validity {
        let max_distance_m = match (self.scenario, self.condition) {
            (Tr38901Scenario::RMa, Tr38901Condition::Los) => 10_000.0,
            _ => 5_000.0,
        };
        Validity {
            min_distance_m: MIN_DISTANCE_M,
            max_distance_m,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{max_range_m, solve_range, RangeStatus};
    use super::*;
    use Tr38901Condition::*;
    use Tr38901Scenario::*;

    fn model(s: Tr38901Scenario, c: Tr38901Condition, f: f64, hb: f64, hm: f64) -> Tr38901 {
        Tr38901::new(s, c, f, hb, hm).unwrap()
    }

    fn check(m: &Tr38901, d_m: f64, expected_db: f64) {
        let got = m.path_loss_db(d_m);
        assert!(
            (got - expected_db).abs() < 0.1,
            "{} f={} hb={} hm={} d={d_m}: {got} vs {expected_db}",
            m.name(),
            m.frequency_mhz(),
            m.base_height_m(),
            m.mobile_height_m()
        );
    }

    // Reference values derived by hand from TR 38.901 Table 7.4.1-1, fc in
    // GHz, log = log10, d3 = √(d2² + (hBS − hUT)²).

    #[test]
    fn rma_los() {
        // RMa constants for h = 5 m: h^1.72 = 15.930;
        // a = min(0.03·15.930, 10) = 0.4779; b = min(0.044·15.930, 14.77)
        //   = 0.7009; c = 0.002·log 5 = 0.001398.
        // PL1 = 20·log(40π·d3·fc/3) + a·log d3 − b + c·d3.
        //
        // 3500 MHz (fc = 3.5), hBS 35 m, hUT 1.5 m:
        // dBP = 2π·35·1.5·3.5e9/3e8 = 3848.45 m.
        let m = model(RMa, Los, 3500.0, 35.0, 1.5);
        assert!((m.breakpoint_distance_m() - 3848.45).abs() < 0.01);
        // d2 = 10 m: d3 = √(100 + 33.5²) = 34.961;
        // 40π·34.961·3.5/3 = 5125.5 → 20·log = 74.195; a·log d3 = 0.4779·1.5436
        //   = 0.738; c·d3 = 0.049.
        // PL = 74.195 + 0.738 − 0.701 + 0.049 = 74.28 dB
        check(&m, 10.0, 74.28);
        // d2 = 1 km (PL1): d3 = 1000.561; 40π·1000.561·3.5/3 = 146 690
        //   → 20·log = 103.328; a·log d3 = 0.4779·3.0002 = 1.434;
        //   c·d3 = 1.399. PL = 103.328 + 1.434 − 0.701 + 1.399 = 105.46 dB
        check(&m, 1_000.0, 105.46);
        // d2 = 8 km (PL2): d3 = 8000.070; d3,BP = √(3848.45² + 33.5²)
        //   = 3848.597; PL1(d3,BP): 40π·3848.597·3.5/3 = 564 240
        //   → 20·log = 115.029; a·log = 0.4779·3.5853 = 1.713;
        //   c·d3,BP = 5.380; PL1 = 115.029 + 1.713 − 0.701 + 5.380 = 121.422;
        //   40·log(8000.070/3848.597) = 40·0.31779 = 12.712.
        // PL = 121.422 + 12.712 = 134.13 dB
        check(&m, 8_000.0, 134.13);
        // 800 MHz (fc = 0.8), hBS 10 m, hUT 1 m, d2 = 2 km:
        // dBP = 2π·10·1·0.8e9/3e8 = 167.55 m; d3 = 2000.020;
        // d3,BP = √(167.55² + 9²) = 167.793; 40π·167.793·0.8/3 = 5623.1
        //   → 20·log = 74.999; a·log = 0.4779·2.2248 = 1.063; c·d3,BP
        //   = 0.235; PL1 = 74.999 + 1.063 − 0.701 + 0.235 = 75.596;
        //   40·log(2000.020/167.793) = 40·1.07626 = 43.050.
        // PL = 75.596 + 43.050 = 118.65 dB
        check(&model(RMa, Los, 800.0, 10.0, 1.0), 2_000.0, 118.65);
    }

    #[test]
    fn rma_nlos() {
        // PL' = 161.04 − 7.1·log W + 7.5·log h − (24.37 − 3.7·(h/hBS)²)·log hBS
        //   + (43.42 − 3.1·log hBS)·(log d3 − 3) + 20·log fc
        //   − (3.2·(log 11.75·hUT)² − 4.97)
        //
        // 3500 MHz, hBS 35 m, hUT 1.5 m, W 20 m, h 5 m:
        // −7.1·1.30103 = −9.237; 7.5·0.69897 = 5.242;
        // (5/35)² = 0.020408 → −(24.37 − 0.0755)·1.54407 = −37.512;
        // slope 43.42 − 3.1·1.54407 = 38.633; 20·log 3.5 = 10.881;
        // log(17.625) = 1.24613 → −(3.2·1.55285 − 4.97) = −(−0.0009) = 0.001.
        // Constant part = 161.04 − 9.237 + 5.242 − 37.512 + 10.881 + 0.001
        //   = 130.415.
        let m = model(RMa, Nlos, 3500.0, 35.0, 1.5);
        // d2 = 1 km: log d3 = log 1000.561 = 3.00024 → + 38.633·0.00024
        //   = 0.009. PL' = 130.42 dB > LOS 105.46, so NLOS = 130.42 dB
        check(&m, 1_000.0, 130.42);
        // d2 = 5 km: log 5000.112 = 3.69898 → + 38.633·0.69898 = 27.004.
        // PL' = 157.42 dB (LOS there 125.97)
        check(&m, 5_000.0, 157.42);
        // 700 MHz (fc = 0.7), hBS 60 m, hUT 3 m, W 30 m, h 10 m, d2 = 2 km:
        // −7.1·log 30 = −10.488; 7.5·log 10 = 7.5;
        // (10/60)² = 0.027778 → −(24.37 − 0.1028)·1.77815 = −43.151;
        // slope 43.42 − 3.1·1.77815 = 37.908; d3 = √(2000² + 57²) = 2000.812,
        //   log = 3.30121 → 37.908·0.30121 = 11.418; 20·log 0.7 = −3.098;
        // log(35.25) = 1.54716 → −(3.2·2.39370 − 4.97) = −2.690.
        // PL' = 161.04 − 10.488 + 7.5 − 43.151 + 11.418 − 3.098 − 2.690
        //   = 120.53 dB
        let area = RmaArea {
            street_width_m: 30.0,
            building_height_m: 10.0,
        };
        let m = Tr38901::new_rma(Nlos, 700.0, 60.0, 3.0, area).unwrap();
        check(&m, 2_000.0, 120.53);
        // 28 GHz, hBS 20 m, hUT 2 m, default area, d2 = 300 m:
        // (5/20)² = 0.0625 → −(24.37 − 0.23125)·1.30103 = −31.405;
        // slope 43.42 − 3.1·1.30103 = 39.387; d3 = √(300² + 18²) = 300.540,
        //   log = 2.47790 → 39.387·(−0.52210) = −20.564; 20·log 28 = 28.943;
        // log(23.5) = 1.37107 → −(3.2·1.87983 − 4.97) = −1.045.
        // PL' = 161.04 − 9.237 + 5.242 − 31.405 − 20.564 + 28.943 − 1.045
        //   = 132.97 dB
        check(&model(RMa, Nlos, 28_000.0, 20.0, 2.0), 300.0, 132.97);
    }

    #[test]
    fn uma_los() {
        // 3500 MHz, hBS 25 m, hUT 1.5 m: d'BP = 4·24·0.5·3.5e9/3e8 = 560 m;
        // 20·log 3.5 = 10.881.
        let m = model(UMa, Los, 3500.0, 25.0, 1.5);
        assert!((m.breakpoint_distance_m() - 560.0).abs() < 1e-9);
        // d2 = 100 m (PL1): d3 = √(100² + 23.5²) = 102.724, log = 2.01167.
        // PL = 28 + 22·2.01167 + 10.881 = 28 + 44.257 + 10.881 = 83.14 dB
        check(&m, 100.0, 83.14);
        // d2 = 2 km (PL2): d3 = 2000.138, log = 3.30106;
        // d'BP² + 23.5² = 313 600 + 552.25 = 314 152.25, log = 5.49714.
        // PL = 28 + 132.042 + 10.881 − 49.474 = 121.45 dB
        check(&m, 2_000.0, 121.45);
        // 900 MHz (fc = 0.9), hBS 25 m, hUT 10 m, d2 = 1 km:
        // d'BP = 4·24·9·0.9e9/3e8 = 2592 m, so PL1; d3 = √(1000² + 15²)
        //   = 1000.112, log = 3.00005; 20·log 0.9 = −0.915.
        // PL = 28 + 66.001 − 0.915 = 93.09 dB
        check(&model(UMa, Los, 900.0, 25.0, 10.0), 1_000.0, 93.09);
    }

    #[test]
    fn uma_nlos() {
        // PL' = 13.54 + 39.08·log d3 + 20·log fc − 0.6·(hUT − 1.5)
        // 3500 MHz, hBS 25, hUT 1.5, d2 = 500 m: d3 = 500.552, log = 2.69945.
        // PL' = 13.54 + 105.495 + 10.881 − 0 = 129.92 dB (LOS 98.27)
        check(&model(UMa, Nlos, 3500.0, 25.0, 1.5), 500.0, 129.92);
        // 28 GHz, d2 = 200 m: d3 = 201.376, log = 2.30401; 20·log 28 = 28.943.
        // PL' = 13.54 + 90.040 + 28.943 = 132.52 dB (LOS 107.63)
        check(&model(UMa, Nlos, 28_000.0, 25.0, 1.5), 200.0, 132.52);
        // 900 MHz, hUT 10 m, d2 = 1 km: log d3 = 3.00005;
        // PL' = 13.54 + 117.242 − 0.915 − 0.6·8.5 = 124.77 dB (LOS 93.09)
        check(&model(UMa, Nlos, 900.0, 25.0, 10.0), 1_000.0, 124.77);
    }

    #[test]
    fn umi_los() {
        // 3500 MHz, hBS 10 m, hUT 1.5 m: d'BP = 4·9·0.5·3.5e9/3e8 = 210 m.
        let m = model(UMiStreetCanyon, Los, 3500.0, 10.0, 1.5);
        assert!((m.breakpoint_distance_m() - 210.0).abs() < 1e-9);
        // d2 = 50 m (PL1): d3 = √(50² + 8.5²) = 50.717, log = 1.70516.
        // PL = 32.4 + 21·1.70516 + 10.881 = 32.4 + 35.808 + 10.881 = 79.09 dB
        check(&m, 50.0, 79.09);
        // d2 = 1 km (PL2): d3 = 1000.036, log = 3.00002;
        // 210² + 8.5² = 44 172.25, log = 4.64515.
        // PL = 32.4 + 120.001 + 10.881 − 9.5·4.64515 (= 44.129) = 119.15 dB
        check(&m, 1_000.0, 119.15);
        // 28 GHz, d2 = 1 km: d'BP = 4·9·0.5·28e9/3e8 = 1680 m, so PL1;
        // PL = 32.4 + 21·3.00002 + 28.943 = 32.4 + 63.000 + 28.943 = 124.34 dB
        check(
            &model(UMiStreetCanyon, Los, 28_000.0, 10.0, 1.5),
            1_000.0,
            124.34,
        );
    }

    #[test]
    fn umi_nlos() {
        // PL' = 35.3·log d3 + 22.4 + 21.3·log fc − 0.3·(hUT − 1.5)
        // 3500 MHz, hUT 1.5 m, d2 = 200 m: d3 = 200.181, log = 2.30142;
        // 21.3·log 3.5 = 11.589.
        // PL' = 81.240 + 22.4 + 11.589 = 115.23 dB (LOS 91.61)
        check(
            &model(UMiStreetCanyon, Nlos, 3500.0, 10.0, 1.5),
            200.0,
            115.23,
        );
        // 60 GHz, hUT 5 m, d2 = 100 m: d3 = √(100² + 5²) = 100.125,
        //   log = 2.00054; 21.3·log 60 = 21.3·1.77815 = 37.875.
        // PL' = 70.619 + 22.4 + 37.875 − 1.05 = 129.84 dB (LOS 109.97)
        check(
            &model(UMiStreetCanyon, Nlos, 60_000.0, 10.0, 5.0),
            100.0,
            129.84,
        );
        // 28 GHz, hUT 1.5 m, d2 = 1 km: 21.3·log 28 = 30.824;
        // PL' = 35.3·3.00002 + 22.4 + 30.824 = 105.901 + 53.224 = 159.12 dB
        check(
            &model(UMiStreetCanyon, Nlos, 28_000.0, 10.0, 1.5),
            1_000.0,
            159.12,
        );
    }

    #[test]
    fn frequency_is_in_mhz() {
        // 3500 MHz is fc = 3.5 in the formulas: UMa LOS PL1 at d2 = 100 m is
        // 28 + 22·2.01167 + 20·log 3.5 = 83.14 dB (see `uma_los`). Had the
        // MHz value been used as fc, the 20·log term would be 70.88 dB, not
        // 10.88 dB.
        let m = model(UMa, Los, 3500.0, 25.0, 1.5);
        check(&m, 100.0, 83.14);
        let fc_term = m.path_loss_db(100.0) - 28.0 - 22.0 * 102.7241f64.log10();
        assert!((fc_term - 10.881).abs() < 1e-3, "{fc_term}");
        // 3.5 given as MHz (someone meaning GHz) is refused by `new`, naming
        // the parameter and the range in MHz
        for s in [RMa, UMa, UMiStreetCanyon] {
            let hb = if s == UMa { 25.0 } else { 10.0 };
            let e = Tr38901::new(s, Nlos, 3.5, hb, 1.5).unwrap_err();
            match e {
                PropagationError::OutOfRange { parameter, min, .. } => {
                    assert_eq!(parameter, "frequency_mhz");
                    assert_eq!(min, 500.0);
                }
                _ => panic!("{e}"),
            }
            assert!(e.to_string().contains("frequency_mhz = 3.5"), "{e}");
        }
        // ten times the frequency in the PL1 region adds exactly 20 dB
        // (d'BP grows with fc, so 100 m stays below it)
        let lo = model(UMa, Los, 3500.0, 25.0, 1.5).path_loss_db(100.0);
        let hi = model(UMa, Los, 35_000.0, 25.0, 1.5).path_loss_db(100.0);
        assert!((hi - lo - 20.0).abs() < 1e-9);
        // and 21.3 dB for UMi NLOS'
        let lo = model(UMiStreetCanyon, Nlos, 3500.0, 10.0, 1.5).path_loss_db(300.0);
        let hi = model(UMiStreetCanyon, Nlos, 35_000.0, 10.0, 1.5).path_loss_db(300.0);
        assert!((hi - lo - 21.3).abs() < 1e-9);
    }

    #[test]
    fn distance_is_two_dimensional_metres() {
        // the argument is d2D: at d2 = 0+ the loss is the loss at
        // d3 = hBS − hUT = 23.5 m, 28 + 22·log 23.5 + 10.881 = 69.04 dB
        let m = model(UMa, Los, 3500.0, 25.0, 1.5);
        assert!((m.path_loss_db(1e-9) - 69.04).abs() < 0.01);
        // a decade of d3 (both below d'BP = 560 m) adds exactly 22 dB
        let d2 = |d3: f64| (d3 * d3 - 23.5f64 * 23.5).sqrt();
        let step = m.path_loss_db(d2(300.0)) - m.path_loss_db(d2(30.0));
        assert!((step - 22.0).abs() < 1e-9, "{step}");
    }

    #[test]
    fn breakpoints_and_slopes() {
        let d2_at = |m: &Tr38901, d3: f64| {
            let dh = m.base_height_m() - m.mobile_height_m();
            (d3 * d3 - dh * dh).sqrt()
        };
        // UMa and UMi: PL2 = PL1 at d2 = d'BP exactly, the standard's own
        // construction (d'BP² + Δh² = d3²(d'BP), so 40·log d3 − 9·log d3² =
        // 22·log d3 and 40·log d3 − 9.5·log d3² = 21·log d3)
        for (s, hb, f, below, above) in [
            (UMa, 25.0, 3500.0, 22.0, 40.0),
            (UMa, 25.0, 28_000.0, 22.0, 40.0),
            (UMiStreetCanyon, 10.0, 3500.0, 21.0, 40.0),
            (UMiStreetCanyon, 10.0, 700.0, 21.0, 40.0),
        ] {
            let m = model(s, Los, f, hb, 1.5);
            let bp = m.breakpoint_distance_m();
            let pl1 = match s {
                UMa => 28.0 + 22.0 * m.distance_3d_m(bp).log10() + 20.0 * m.log_fc,
                _ => 32.4 + 21.0 * m.distance_3d_m(bp).log10() + 20.0 * m.log_fc,
            };
            assert!((m.los_db(bp) - pl1).abs() < 1e-9);
            let just_after = m.los_db(bp * (1.0 + 1e-12));
            assert!(
                (just_after - pl1).abs() < 1e-6,
                "{s:?} {f}: {just_after} vs {pl1}"
            );
            // slope per decade of d3: PL1 below, 40 dB beyond
            let d3_bp = m.distance_3d_m(bp);
            let (a, b) = ((d3_bp / 20.0).max(9.0), d3_bp * 0.99);
            let s1 = (m.los_db(d2_at(&m, b)) - m.los_db(d2_at(&m, a))) / (b / a).log10();
            assert!((s1 - below).abs() < 1e-9, "{s:?} {f}: {s1}");
            let s2 = m.los_db(d2_at(&m, d3_bp * 20.0)) - m.los_db(d2_at(&m, d3_bp * 2.0));
            assert!((s2 - above).abs() < 1e-9, "{s:?} {f}: {s2}");
        }
        // RMa: PL2 continues PL1 at dBP, and beyond adds 40 dB per decade of
        // d3. Below, the slope is 20 + a = 20.478 dB/decade plus the linear
        // c·d3 term: from d3 = 100 to 1000 m, 20.478 + 0.0013979·900 =
        // 21.736 dB.
        let m = model(RMa, Los, 3500.0, 35.0, 1.5);
        let bp = m.breakpoint_distance_m();
        assert!((m.los_db(bp * (1.0 + 1e-12)) - m.los_db(bp)).abs() < 1e-6);
        let s1 = m.los_db(d2_at(&m, 1000.0)) - m.los_db(d2_at(&m, 100.0));
        assert!((s1 - 21.736).abs() < 1e-3, "{s1}");
        let s2 = m.los_db(d2_at(&m, 80_000.0)) - m.los_db(d2_at(&m, 8_000.0));
        assert!((s2 - 40.0).abs() < 1e-9, "{s2}");
    }

    #[test]
    fn rma_breakpoint_reading_differs_little_from_the_literal_one() {
        // The literal reading PL1(d3 = dBP) + 40·log(d3/dBP) and the one used
        // (PL1 at d3,BP, 40·log(d3/d3,BP)) differ by less than 0.035 dB over
        // the published ranges; the literal one steps down at dBP for h = 50.
        let mut worst: f64 = 0.0;
        for f in [500.0, 3500.0, 30_000.0] {
            for hb in [10.0, 35.0, 150.0] {
                for hm in [1.0, 1.5, 10.0] {
                    for h in [5.0, 20.0, 50.0] {
                        let area = RmaArea {
                            street_width_m: 20.0,
                            building_height_m: h,
                        };
                        let m = Tr38901::new_rma(Los, f, hb, hm, area).unwrap();
                        let bp = m.breakpoint_distance_m();
                        for d in [bp * 1.0001, bp * 3.0, 10_000.0f64.max(bp * 1.5)] {
                            let literal =
                                m.rma_pl1_db(bp) + 40.0 * (m.distance_3d_m(d) / bp).log10();
                            worst = worst.max((m.los_db(d) - literal).abs());
                        }
                    }
                }
            }
        }
        assert!(worst < 0.035, "{worst}");
        // the step of the literal reading at dBP: down for h = 50 m, 35 m
        // mast, 3.5 GHz
        let area = RmaArea {
            street_width_m: 20.0,
            building_height_m: 50.0,
        };
        let m = Tr38901::new_rma(Los, 3500.0, 35.0, 1.5, area).unwrap();
        let bp = m.breakpoint_distance_m();
        let literal_after = m.rma_pl1_db(bp) + 40.0 * (m.distance_3d_m(bp) / bp).log10();
        assert!(literal_after < m.los_db(bp));
        assert!(m.los_db(bp * (1.0 + 1e-9)) >= m.los_db(bp));
    }

    #[test]
    fn nlos_is_the_max_of_los_and_nlos_prime() {
        // LOS dominates: RMa at d2 = 10 m (3500 MHz, 35 m, 1.5 m):
        // LOS 74.28 dB (see `rma_los`); PL' = 130.415 + 38.633·(log 34.961
        //   − 3) = 130.415 + 38.633·(−1.45638) = 130.415 − 56.264 = 74.15 dB.
        let m = model(RMa, Nlos, 3500.0, 35.0, 1.5);
        assert!((m.nlos_prime_db(10.0) - 74.15).abs() < 0.1);
        assert!(m.los_db(10.0) > m.nlos_prime_db(10.0));
        assert_eq!(m.path_loss_db(10.0), m.los_db(10.0));
        check(&m, 10.0, 74.28);
        // LOS dominates: UMa, tall handset (hUT 22.5 m), d2 = 10 m:
        // d3 = √(10² + 2.5²) = 10.308, log = 1.01316;
        // LOS (d'BP = 4·24·21.5·3.5e9/3e8 = 24 080 m: PL1)
        //   = 28 + 22.290 + 10.881 = 61.17 dB;
        // PL' = 13.54 + 39.594 + 10.881 − 0.6·21 = 51.42 dB.
        let m = model(UMa, Nlos, 3500.0, 25.0, 22.5);
        assert!((m.nlos_prime_db(10.0) - 51.42).abs() < 0.1);
        check(&m, 10.0, 61.17);
        assert_eq!(m.path_loss_db(10.0), m.los_db(10.0));
        // NLOS' dominates: UMa, hUT 1.5 m, d2 = 10 m: d3 = 25.539,
        //   log = 1.40721; LOS = 28 + 30.959 + 10.881 = 69.84 dB;
        //   PL' = 13.54 + 54.994 + 10.881 = 79.41 dB.
        let m = model(UMa, Nlos, 3500.0, 25.0, 1.5);
        check(&m, 10.0, 79.41);
        assert!((m.los_db(10.0) - 69.84).abs() < 0.1);
        // ... and everywhere on 10 m–5 km for UMi at the defaults
        let m = model(UMiStreetCanyon, Nlos, 3500.0, 10.0, 1.5);
        for d in [10.0, 100.0, 1_000.0, 5_000.0] {
            assert_eq!(m.path_loss_db(d), m.nlos_prime_db(d));
            assert!(m.path_loss_db(d) > m.los_db(d));
        }
    }

    #[test]
    fn los_probabilities() {
        // UMi: 1 up to 18 m; at 100 m, 18/100 + exp(−100/36)·(1 − 18/100)
        //   = 0.18 + 0.062177·0.82 = 0.23098
        assert_eq!(umi_los_probability(18.0), 1.0);
        assert_eq!(umi_los_probability(5.0), 1.0);
        let expected = 18.0 / 100.0 + (-100.0f64 / 36.0).exp() * (1.0 - 18.0 / 100.0);
        assert!((umi_los_probability(100.0) - expected).abs() < 1e-15);
        assert!((umi_los_probability(100.0) - 0.23098).abs() < 1e-5);
        // at 50 m: 0.36 + exp(−1.3889)·0.64 = 0.36 + 0.24935·0.64 = 0.51959
        assert!((umi_los_probability(50.0) - 0.51959).abs() < 1e-5);
        // UMa, hUT ≤ 13 m: at 100 m, 0.18 + exp(−100/63)·0.82
        //   = 0.18 + 0.204477·0.82 = 0.34767
        assert_eq!(uma_los_probability(18.0, 1.5), 1.0);
        assert!((uma_los_probability(100.0, 1.5) - 0.34767).abs() < 1e-5);
        assert_eq!(
            uma_los_probability(100.0, 13.0),
            uma_los_probability(100.0, 1.5)
        );
        // UMa, hUT 18 m: C' = (5/10)^1.5 = 0.353553; 5/4·1³·exp(−100/150)
        //   = 1.25·0.513417 = 0.641771; × (1 + 0.353553·0.641771 = 1.226900)
        //   → 0.34767·1.226900 = 0.42656
        assert!((uma_los_probability(100.0, 18.0) - 0.42656).abs() < 1e-5);
        // capped at 1 just beyond 18 m for tall handsets
        assert_eq!(uma_los_probability(18.1, 22.5), 1.0);
        // RMa: 1 up to 10 m; exp(−(1010 − 10)/1000) = e^−1 = 0.36788;
        //   exp(−0.49) = 0.61263 at 500 m
        assert_eq!(rma_los_probability(10.0), 1.0);
        assert!((rma_los_probability(1_010.0) - 0.36788).abs() < 1e-5);
        assert!((rma_los_probability(500.0) - 0.61263).abs() < 1e-5);
        // through the scenario
        assert_eq!(RMa.los_probability(500.0, 1.5), rma_los_probability(500.0));
        assert_eq!(
            UMiStreetCanyon.los_probability(100.0, 1.5),
            umi_los_probability(100.0)
        );
    }

    #[test]
    fn los_probability_weighted() {
        // UMa, 3500 MHz, 25 m, 1.5 m, d2 = 100 m: P = 0.34767,
        // LOS = 83.138 (see `uma_los`), NLOS = max(83.138, 13.54
        //   + 39.08·2.01167 + 10.881 = 103.038) = 103.038.
        // 0.34767·83.138 + 0.65233·103.038 = 28.905 + 67.215 = 96.12 dB
        check(
            &model(UMa, LosProbabilityWeighted, 3500.0, 25.0, 1.5),
            100.0,
            96.12,
        );
        // UMi, 3500 MHz, 10 m, 1.5 m, d2 = 100 m: P = 0.23098;
        // LOS = 32.4 + 21·2.00156 + 10.881 = 85.314 (d'BP = 210 m);
        // NLOS = 35.3·2.00156 + 22.4 + 11.589 = 104.644.
        // 0.23098·85.314 + 0.76902·104.644 = 19.706 + 80.473 = 100.18 dB
        check(
            &model(UMiStreetCanyon, LosProbabilityWeighted, 3500.0, 10.0, 1.5),
            100.0,
            100.18,
        );
        // RMa, 3500 MHz, 35 m, 1.5 m, d2 = 1 km: P = exp(−0.99) = 0.37158;
        // LOS 105.460, NLOS 130.424 (see `rma_los`, `rma_nlos`).
        // 0.37158·105.460 + 0.62842·130.424 = 39.187 + 81.961 = 121.15 dB
        check(
            &model(RMa, LosProbabilityWeighted, 3500.0, 35.0, 1.5),
            1_000.0,
            121.15,
        );
        // P = 1 up to 18 m (UMa, UMi) and 10 m (RMa): the LOS loss
        let m = model(UMa, LosProbabilityWeighted, 3500.0, 25.0, 1.5);
        assert_eq!(m.path_loss_db(15.0), m.los_db(15.0));
    }

    #[test]
    fn strict_constructor_names_the_parameter() {
        let cases = [
            (RMa, 400.0, 35.0, 1.5, "frequency_mhz"),
            (RMa, 40_000.0, 35.0, 1.5, "frequency_mhz"),
            (RMa, 3500.0, 5.0, 1.5, "base_height_m"),
            (RMa, 3500.0, 200.0, 1.5, "base_height_m"),
            (RMa, 3500.0, 35.0, 0.5, "mobile_height_m"),
            (RMa, 3500.0, 35.0, 12.0, "mobile_height_m"),
            (UMa, 120_000.0, 25.0, 1.5, "frequency_mhz"),
            (UMa, 3500.0, 30.0, 1.5, "base_height_m"),
            (UMa, 3500.0, 25.0, 1.0, "mobile_height_m"),
            (UMa, 3500.0, 25.0, 23.0, "mobile_height_m"),
            (UMiStreetCanyon, 3500.0, 25.0, 1.5, "base_height_m"),
            (UMiStreetCanyon, f64::NAN, 10.0, 1.5, "frequency_mhz"),
            (UMiStreetCanyon, 3500.0, -10.0, 1.5, "base_height_m"),
        ];
        for (s, f, hb, hm, param) in cases {
            let e = Tr38901::new(s, Los, f, hb, hm).unwrap_err();
            assert!(e.to_string().contains(param), "{e}");
        }
        // the limits themselves are valid
        assert!(Tr38901::new(RMa, Los, 500.0, 10.0, 1.0).is_ok());
        assert!(Tr38901::new(RMa, Los, 30_000.0, 150.0, 10.0).is_ok());
        assert!(Tr38901::new(UMa, Los, 100_000.0, 25.0, 22.5).is_ok());
        assert!(Tr38901::new(UMiStreetCanyon, Los, 500.0, 10.0, 1.5).is_ok());
        // RMa area
        let bad = RmaArea {
            street_width_m: 60.0,
            building_height_m: 5.0,
        };
        let e = Tr38901::new_rma(Los, 3500.0, 35.0, 1.5, bad).unwrap_err();
        assert!(e.to_string().contains("street_width_m"), "{e}");
        let bad = RmaArea {
            street_width_m: 20.0,
            building_height_m: 2.0,
        };
        let e = Tr38901::new_rma(Los, 3500.0, 35.0, 1.5, bad).unwrap_err();
        assert!(e.to_string().contains("building_height_m"), "{e}");
    }

    #[test]
    fn lenient_constructor_extrapolates_and_clamps() {
        let e = Tr38901::extrapolated(UMa, Nlos, 3500.0, 25.0, 1.5).unwrap();
        assert!(e.warnings.is_empty(), "{:?}", e.warnings);
        // a 30 m UMa mast: extrapolated with a warning
        let e = Tr38901::extrapolated(UMa, Nlos, 3500.0, 30.0, 1.5).unwrap();
        assert_eq!(e.model.base_height_m(), 30.0);
        assert_eq!(e.warnings.len(), 1);
        assert!(
            e.warnings[0].contains("base_height_m = 30"),
            "{:?}",
            e.warnings
        );
        assert!(e.warnings[0].contains("25 m"), "{:?}", e.warnings);
        // a 1 m UMi mast: clamped to 1.5 m (and not the published 10 m)
        let e = Tr38901::extrapolated(UMiStreetCanyon, Nlos, 3500.0, 1.0, 1.5).unwrap();
        assert_eq!(e.model.base_height_m(), 1.5);
        assert_eq!(e.warnings.len(), 2, "{:?}", e.warnings);
        // RMa at 40 GHz: extrapolated; handset at 20 m: clamped to 10 m
        let e = Tr38901::extrapolated(RMa, Los, 40_000.0, 35.0, 20.0).unwrap();
        assert_eq!(e.model.frequency_mhz(), 40_000.0);
        assert_eq!(e.model.mobile_height_m(), 10.0);
        assert_eq!(e.warnings.len(), 2, "{:?}", e.warnings);
        // RMa area clamped
        let area = RmaArea {
            street_width_m: 100.0,
            building_height_m: 0.5,
        };
        let e = Tr38901::extrapolated_rma(Nlos, 3500.0, 35.0, 1.5, area).unwrap();
        assert_eq!(e.model.area().street_width_m, 50.0);
        assert_eq!(e.model.area().building_height_m, 5.0);
        assert_eq!(e.warnings.len(), 2, "{:?}", e.warnings);
        // non-positive is still refused
        assert!(Tr38901::extrapolated(UMa, Nlos, 0.0, 25.0, 1.5).is_err());
        assert!(Tr38901::extrapolated(UMa, Nlos, 3500.0, f64::NAN, 1.5).is_err());
    }

    #[test]
    fn validity_and_inversion() {
        let m = model(RMa, Los, 3500.0, 35.0, 1.5);
        assert_eq!(m.validity().min_distance_m, 10.0);
        assert_eq!(m.validity().max_distance_m, 10_000.0);
        for c in [Nlos, LosProbabilityWeighted] {
            assert_eq!(
                model(RMa, c, 3500.0, 35.0, 1.5).validity().max_distance_m,
                5_000.0
            );
        }
        // 129.92 dB is the UMa NLOS loss at 500 m (see `uma_nlos`)
        let m = model(UMa, Nlos, 3500.0, 25.0, 1.5);
        let s = solve_range(&m, m.path_loss_db(500.0));
        assert_eq!(s.status, RangeStatus::Valid);
        assert!((s.range_m - 500.0).abs() < 1e-6);
        // beyond 5 km: the formula continues, reported as extrapolated
        let s = solve_range(&m, m.path_loss_db(8_000.0));
        assert_eq!(s.status, RangeStatus::AboveValidity);
        assert!((s.range_m - 8_000.0).abs() < 1e-5);
        // below 10 m likewise
        let s = solve_range(&m, m.path_loss_db(4.0));
        assert_eq!(s.status, RangeStatus::BelowValidity);
        assert!((s.range_m - 4.0).abs() < 1e-8);
    }

    #[test]
    fn names() {
        assert_eq!(
            model(UMa, LosProbabilityWeighted, 3500.0, 25.0, 1.5).name(),
            "3GPP TR 38.901 UMa (LOS-probability weighted)"
        );
        assert_eq!(
            model(UMiStreetCanyon, Nlos, 3500.0, 10.0, 1.5).name(),
            "3GPP TR 38.901 UMi street canyon NLOS"
        );
        assert_eq!(
            model(RMa, Los, 3500.0, 35.0, 1.5).name(),
            "3GPP TR 38.901 RMa LOS"
        );
    }

    #[test]
    fn strictly_increasing_on_a_dense_grid() {
        // every variant, 1 m to 100 km in steps of 0.05 %, tall handsets (the
        // UMa C'(hUT) term) and extrapolated masts included
        let conditions = [Los, Nlos, LosProbabilityWeighted];
        let mut models = Vec::new();
        for c in conditions {
            for f in [500.0, 3500.0, 28_000.0] {
                for hm in [1.5, 10.0, 16.0, 22.5] {
                    for hb in [5.0, 10.0, 25.0, 40.0] {
                        models.push(Tr38901::extrapolated(UMa, c, f, hb, hm).unwrap().model);
                        models.push(
                            Tr38901::extrapolated(UMiStreetCanyon, c, f, hb, hm)
                                .unwrap()
                                .model,
                        );
                    }
                }
                for hm in [1.0, 1.5, 10.0] {
                    for hb in [10.0, 35.0, 150.0] {
                        for h in [5.0, 50.0] {
                            let area = RmaArea {
                                street_width_m: 20.0,
                                building_height_m: h,
                            };
                            models.push(Tr38901::new_rma(c, f, hb, hm, area).unwrap());
                        }
                    }
                }
            }
        }
        for m in &models {
            let mut prev = m.path_loss_db(1.0);
            for i in 1..=10_000 {
                let d = 10f64.powf(5.0 * f64::from(i) / 10_000.0);
                let l = m.path_loss_db(d);
                assert!(l > prev, "{} {m:?}: {prev} then {l} at {d} m", m.name());
                prev = l;
            }
        }
    }

    fn scenario() -> impl Strategy<Value = Tr38901Scenario> {
        prop_oneof![Just(RMa), Just(UMa), Just(UMiStreetCanyon)]
    }

    fn condition() -> impl Strategy<Value = Tr38901Condition> {
        prop_oneof![Just(Los), Just(Nlos), Just(LosProbabilityWeighted)]
    }

    /// A model with every parameter inside the published ranges of `s`;
    /// `u_*` in [0, 1] pick the values.
    fn in_range(s: Tr38901Scenario, c: Tr38901Condition, f: f64, u_hb: f64, u_hm: f64) -> Tr38901 {
        let pick = |r: ParamRange, u: f64| r.min + u * (r.max - r.min);
        let hb = pick(s.base_height(), u_hb);
        let hm = pick(s.mobile_height(), u_hm);
        let f = f.min(s.frequency().max);
        Tr38901::new(s, c, f, hb, hm).unwrap()
    }

    proptest! {
        #[test]
        fn increasing_in_distance(
            s in scenario(), c in condition(), f in 500.0f64..=100_000.0,
            u_hb in 0.0f64..=1.0, u_hm in 0.0f64..=1.0,
            d in 1.0f64..100_000.0, k in 1.0001f64..20.0,
        ) {
            let m = in_range(s, c, f, u_hb, u_hm);
            prop_assert!(m.path_loss_db(d * k) > m.path_loss_db(d), "{m:?} {d} {k}");
        }

        #[test]
        fn increasing_in_distance_when_extrapolated(
            s in scenario(), c in condition(), f in 100.0f64..=200_000.0,
            hb in 0.1f64..2_000.0, hm in 0.5f64..30.0,
            d in 1.0f64..100_000.0, k in 1.0001f64..20.0,
        ) {
            let m = Tr38901::extrapolated(s, c, f, hb, hm).unwrap().model;
            prop_assert!(m.path_loss_db(d * k) > m.path_loss_db(d), "{m:?} {d} {k}");
        }

        #[test]
        fn increasing_in_frequency(
            s in scenario(), c in condition(), f in 500.0f64..100_000.0,
            k in 1.0001f64..10.0, u_hb in 0.0f64..=1.0, u_hm in 0.0f64..=1.0,
            d in 10.0f64..=10_000.0,
        ) {
            let lo = in_range(s, c, f, u_hb, u_hm);
            let hi = in_range(s, c, f * k, u_hb, u_hm);
            prop_assume!(hi.frequency_mhz() > lo.frequency_mhz());
            prop_assert!(hi.path_loss_db(d) > lo.path_loss_db(d), "{lo:?} {hi:?} {d}");
        }

        #[test]
        fn round_trip(
            s in scenario(), c in condition(), f in 500.0f64..=100_000.0,
            u_hb in 0.0f64..=1.0, u_hm in 0.0f64..=1.0, d in 1.0f64..=50_000.0,
        ) {
            let m = in_range(s, c, f, u_hb, u_hm);
            let allowed = m.path_loss_db(d);
            let r = max_range_m(&m, allowed);
            prop_assert!((m.path_loss_db(r) - allowed).abs() < 0.01, "{m:?} {d} {r}");
        }
    }
}
