//! COST-231-Hata (COST Action 231, "Digital mobile radio towards future
//! generation systems", final report, EUR 18957, 1999, §4.4.1): Hata's
//! formula refitted to Okumura's curves for 1500–2000 MHz.

use super::hata::{
    distance_slope_db_per_decade, open_area_correction_db, small_city_mobile_correction_db,
    suburban_correction_db, BASE_HEIGHT, BASE_HEIGHT_HARD_MAX_M, BASE_HEIGHT_HARD_MIN_M,
    MOBILE_HEIGHT, VALIDITY,
};
use super::{Extrapolated, ParamRange, PathLossModel, PropagationError, Validity};

const MODEL: &str = "COST-231-Hata";

/// Published frequency range, 1500–2000 MHz.
const FREQUENCY: ParamRange = ParamRange {
    parameter: "frequency_mhz",
    min: 1500.0,
    max: 2000.0,
    unit: "MHz",
};

/// The area classes: the two COST 231 publishes, and two extensions with
/// Hata's area corrections for the environments COST 231 does not cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cost231Area {
    /// Medium-sized city and suburban centres with medium tree density:
    /// `Cm` = 0 dB (published).
    MediumCity,
    /// Metropolitan centre: `Cm` = 3 dB (published).
    MetropolitanCentre,
    /// Extension: the `Cm` = 0 dB loss minus Hata's suburban correction
    /// 2·(log(f/28))² + 5.4 (see [`suburban_correction_db`]); the correction
    /// was fitted up to 1500 MHz and is extrapolated here.
    Suburban,
    /// Extension: the `Cm` = 0 dB loss minus Hata's open-area correction
    /// 4.78·(log f)² − 18.33·log f + 40.94 (see
    /// [`open_area_correction_db`]); extrapolated beyond 1500 MHz likewise.
    OpenArea,
}

impl Cost231Area {
    fn name(self) -> &'static str {
        match self {
            Cost231Area::MediumCity => "COST-231-Hata (medium city, Cm = 0 dB)",
            Cost231Area::MetropolitanCentre => "COST-231-Hata (metropolitan centre, Cm = 3 dB)",
            Cost231Area::Suburban => "COST-231-Hata (Cm = 0 dB) with Hata suburban correction",
            Cost231Area::OpenArea => "COST-231-Hata (Cm = 0 dB) with Hata open-area correction",
        }
    }
}

/// COST-231-Hata median path loss:
///
/// ```text
/// L = 46.3 + 33.9·log f − 13.82·log hb − a(hm) + (44.9 − 6.55·log hb)·log d + Cm
/// ```
///
/// f in MHz, hb and hm in metres, d in **km** in the formula (metres at this
/// API), `a(hm)` the small/medium-city correction of Okumura-Hata
/// ([`small_city_mobile_correction_db`]), `Cm` per [`Cost231Area`].
/// Published validity: f 1500–2000 MHz, hb 30–200 m, hm 1–10 m, d 1–20 km.
/// All constants are real numbers: nothing is truncated to integers.
///
/// ```
/// use telecov::propagation::{Cost231Area, Cost231Hata, PathLossModel};
/// let m = Cost231Hata::new(1800.0, 30.0, 1.5, Cost231Area::MediumCity).unwrap();
/// // 46.3 + 110.35 − 20.41 − 0.04 + 0 = 136.20 dB at 1 km
/// assert!((m.path_loss_db(1_000.0) - 136.20).abs() < 0.01);
/// // 3500 MHz needs the lenient constructor, which says what it did
/// let e = Cost231Hata::extrapolated(3500.0, 30.0, 1.5, Cost231Area::MediumCity).unwrap();
/// assert!(e.warnings[0].contains("frequency_mhz = 3500"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cost231Hata {
    frequency_mhz: f64,
    base_height_m: f64,
    mobile_height_m: f64,
    area: Cost231Area,
    /// Loss at 1 km, dB.
    loss_1km_db: f64,
    /// dB per decade of distance.
    slope_db: f64,
}

impl Cost231Hata {
    /// Strict constructor: every parameter must lie in the published range
    /// (f 1500–2000 MHz, hb 30–200 m, hm 1–10 m); otherwise
    /// [`PropagationError::OutOfRange`] names the first that does not.
    pub fn new(
        frequency_mhz: f64,
        base_height_m: f64,
        mobile_height_m: f64,
        area: Cost231Area,
    ) -> Result<Self, PropagationError> {
        let f = FREQUENCY.strict(MODEL, frequency_mhz)?;
        let hb = BASE_HEIGHT.strict(MODEL, base_height_m)?;
        let hm = MOBILE_HEIGHT.strict(MODEL, mobile_height_m)?;
        Ok(Self::build(f, hb, hm, area))
    }

    /// Lenient constructor for real site data, with the same policy as
    /// [`OkumuraHata::extrapolated`](super::OkumuraHata::extrapolated):
    /// frequency extrapolated (warning), base height extrapolated between
    /// 1 m and 1000 m and clamped beyond (warning), mobile height clamped to
    /// 1–10 m (warning). Only values that are not finite numbers > 0 are
    /// refused.
    pub fn extrapolated(
        frequency_mhz: f64,
        base_height_m: f64,
        mobile_height_m: f64,
        area: Cost231Area,
    ) -> Result<Extrapolated<Self>, PropagationError> {
        let mut warnings = Vec::new();
        let f = FREQUENCY.extrapolate(MODEL, frequency_mhz, &mut warnings)?;
        let hb = BASE_HEIGHT.extrapolate_within(
            MODEL,
            base_height_m,
            BASE_HEIGHT_HARD_MIN_M,
            BASE_HEIGHT_HARD_MAX_M,
            &mut warnings,
        )?;
        let hm = MOBILE_HEIGHT.clamp(MODEL, mobile_height_m, &mut warnings)?;
        Ok(Extrapolated {
            model: Self::build(f, hb, hm, area),
            warnings,
        })
    }

    fn build(f: f64, hb: f64, hm: f64, area: Cost231Area) -> Self {
        let base =
            46.3 + 33.9 * f.log10() - 13.82 * hb.log10() - small_city_mobile_correction_db(f, hm);
        let loss_1km_db = match area {
            Cost231Area::MediumCity => base,
            Cost231Area::MetropolitanCentre => base + 3.0,
            Cost231Area::Suburban => base - suburban_correction_db(f),
            Cost231Area::OpenArea => base - open_area_correction_db(f),
        };
        Cost231Hata {
            frequency_mhz: f,
            base_height_m: hb,
            mobile_height_m: hm,
            area,
            loss_1km_db,
            slope_db: distance_slope_db_per_decade(hb),
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

    /// Area class.
    pub fn area(&self) -> Cost231Area {
        self.area
    }
}

impl PathLossModel for Cost231Hata {
    fn name(&self) -> &'static str {
        self.area.name()
    }

    fn path_loss_db(&self, distance_m: f64) -> f64 {
        // the formula takes kilometres
        self.loss_1km_db + self.slope_db * (distance_m / 1000.0).log10()
    }

    fn path_loss_db_with_log(&self, _distance_m: f64, log10_distance_m: f64) -> f64 {
        // log10(d / 1000 m) = log10(d) − 3
        self.loss_1km_db + self.slope_db * (log10_distance_m - 3.0)
    }

    fn validity(&self) -> Validity {
        VALIDITY
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::max_range_m;
    use super::*;
    use Cost231Area::*;

    fn cost(f: f64, hb: f64, hm: f64, area: Cost231Area) -> Cost231Hata {
        Cost231Hata::new(f, hb, hm, area).unwrap()
    }

    fn check(m: Cost231Hata, d_m: f64, expected_db: f64) {
        let got = m.path_loss_db(d_m);
        assert!(
            (got - expected_db).abs() < 0.1,
            "{m:?} d={d_m}: {got} vs {expected_db}"
        );
    }

    // Reference values derived by hand from the COST 231 final report.
    // Notation: T1 = 33.9·log f, T2 = 13.82·log hb,
    // a = (1.1·log f − 0.7)·hm − (1.56·log f − 0.8), B = 44.9 − 6.55·log hb,
    // T4 = B·log d_km. L = 46.3 + T1 − T2 − a + T4 + Cm.

    #[test]
    fn medium_city() {
        // f 1800 MHz (log 3.2553), hb 30 m (log 1.4771), hm 1.5 m, d 1 km:
        // T1 = 110.354; T2 = 20.414; a = 4.3212 − 4.2782 = 0.043;
        // B = 35.225; T4 = 0; Cm = 0.
        // L = 46.3 + 110.354 − 20.414 − 0.043 + 0 + 0 = 136.20 dB
        check(cost(1800.0, 30.0, 1.5, MediumCity), 1_000.0, 136.20);
        // f 2000 MHz (log 3.3010), hb 200 m (log 2.3010), hm 10 m, d 20 km:
        // T1 = 111.905; T2 = 31.800; a = 29.3113 − 4.3496 = 24.962;
        // B = 44.9 − 15.072 = 29.828; T4 = 29.828·1.3010 = 38.807.
        // L = 46.3 + 111.905 − 31.800 − 24.962 + 38.807 = 140.25 dB
        check(cost(2000.0, 200.0, 10.0, MediumCity), 20_000.0, 140.25);
        // f 2114 MHz (log 3.3251, beyond 2000: lenient constructor), hb 30 m,
        // hm 1 m, d 2 km: T1 = 112.721; T2 = 20.414;
        // a = 2.9576 − 4.3872 = −1.430; T4 = 35.225·0.30103 = 10.604.
        // L = 46.3 + 112.721 − 20.414 + 1.430 + 10.604 = 150.64 dB
        // (ns-3's okumura-hata test suite gives 150.64 for this case.)
        let e = Cost231Hata::extrapolated(2114.0, 30.0, 1.0, MediumCity).unwrap();
        assert_eq!(e.warnings.len(), 1);
        check(e.model, 2_000.0, 150.64);
    }

    #[test]
    fn metropolitan_centre() {
        // f 1500 MHz (log 3.1761), hb 50 m (log 1.6990), hm 1 m, d 5 km:
        // T1 = 107.669; T2 = 23.480; a = 2.7937 − 4.1547 = −1.361;
        // B = 44.9 − 11.128 = 33.772; T4 = 33.772·0.6990 = 23.605; Cm = 3.
        // L = 46.3 + 107.669 − 23.480 + 1.361 + 23.605 + 3 = 158.46 dB
        check(cost(1500.0, 50.0, 1.0, MetropolitanCentre), 5_000.0, 158.46);
        // f 1900 MHz (log 3.2788), hb 45 m (log 1.6532), hm 2 m, d 3 km:
        // T1 = 111.150; T2 = 22.847; a = 5.8133 − 4.3149 = 1.498;
        // B = 44.9 − 10.829 = 34.071; T4 = 34.071·0.4771 = 16.256; Cm = 3.
        // L = 46.3 + 111.150 − 22.847 − 1.498 + 16.256 + 3 = 152.36 dB
        check(cost(1900.0, 45.0, 2.0, MetropolitanCentre), 3_000.0, 152.36);
        // Cm is exactly 3 dB, at every distance
        let (a, b) = (
            cost(1800.0, 30.0, 1.5, MetropolitanCentre),
            cost(1800.0, 30.0, 1.5, MediumCity),
        );
        for d in [1_000.0, 7_000.0, 20_000.0] {
            assert!((a.path_loss_db(d) - b.path_loss_db(d) - 3.0).abs() < 1e-9);
        }
    }

    #[test]
    fn hata_corrected_extensions() {
        // f 1800 MHz, hb 30 m, hm 1.5 m, d 2 km: Cm = 0 loss
        //   = 136.197 + 35.225·0.30103 = 146.801;
        // suburban correction = 2·(log(1800/28))² + 5.4 = 2·1.8081² + 5.4
        //   = 11.939. L = 146.801 − 11.939 = 134.86 dB
        check(cost(1800.0, 30.0, 1.5, Suburban), 2_000.0, 134.86);
        // same at d 5 km: Cm = 0 loss = 136.197 + 35.225·0.6990 = 160.818;
        // open-area correction = 4.78·3.2553² − 18.33·3.2553 + 40.94
        //   = 50.654 − 59.669 + 40.94 = 31.924. L = 160.818 − 31.924
        //   = 128.89 dB
        check(cost(1800.0, 30.0, 1.5, OpenArea), 5_000.0, 128.89);
    }

    #[test]
    fn continuous_with_the_lower_band_is_not_assumed() {
        // COST-231 at 1500 MHz and Hata at 1500 MHz differ (the refit moved
        // the intercept): 46.3 + 33.9·3.1761 = 153.969 vs
        // 69.55 + 26.16·3.1761 = 152.637, so COST is 1.33 dB higher.
        let c = cost(1500.0, 30.0, 1.5, MediumCity).path_loss_db(1_000.0);
        let h = super::super::OkumuraHata::new(
            1500.0,
            30.0,
            1.5,
            super::super::HataArea::UrbanSmallMediumCity,
        )
        .unwrap()
        .path_loss_db(1_000.0);
        assert!((c - h - 1.33).abs() < 0.01, "{c} {h}");
    }

    #[test]
    fn strict_constructor_names_the_parameter() {
        for (f, hb, hm, param) in [
            (1400.0, 30.0, 1.5, "frequency_mhz"),
            (2100.0, 30.0, 1.5, "frequency_mhz"),
            (1800.0, 10.0, 1.5, "base_height_m"),
            (1800.0, 30.0, 15.0, "mobile_height_m"),
            (1800.0, 30.0, f64::INFINITY, "mobile_height_m"),
        ] {
            let e = Cost231Hata::new(f, hb, hm, MediumCity).unwrap_err();
            assert!(e.to_string().contains(param), "{e}");
        }
    }

    #[test]
    fn frequency_is_in_mhz() {
        // 33.9 dB per decade of frequency at hm where a(hm) does not depend
        // on f: 1.1·hm − 1.56 = 0 → hm = 1.418 m
        let hm = 1.56 / 1.1;
        let lo = cost(1500.0, 30.0, hm, MediumCity).path_loss_db(1_000.0);
        let hi = Cost231Hata::extrapolated(15_000.0, 30.0, hm, MediumCity)
            .unwrap()
            .model
            .path_loss_db(1_000.0);
        assert!((hi - lo - 33.9).abs() < 1e-9);
    }

    fn area() -> impl Strategy<Value = Cost231Area> {
        prop_oneof![
            Just(MediumCity),
            Just(MetropolitanCentre),
            Just(Suburban),
            Just(OpenArea)
        ]
    }

    proptest! {
        #[test]
        fn increasing_in_distance(
            f in 1500.0f64..=2000.0, hb in 30.0f64..=200.0, hm in 1.0f64..=10.0,
            d in 1_000.0f64..20_000.0, k in 1.001f64..20.0, a in area(),
        ) {
            let m = cost(f, hb, hm, a);
            prop_assert!(m.path_loss_db(d * k) > m.path_loss_db(d));
        }

        #[test]
        fn increasing_in_frequency(
            f in 1500.0f64..2000.0, k in 1.0001f64..2.0, hb in 30.0f64..=200.0,
            hm in 1.0f64..=10.0, d in 1_000.0f64..=20_000.0, a in area(),
        ) {
            let f2 = (f * k).min(2000.0);
            prop_assume!(f2 > f);
            prop_assert!(cost(f2, hb, hm, a).path_loss_db(d) > cost(f, hb, hm, a).path_loss_db(d));
        }

        #[test]
        fn increasing_in_frequency_when_extrapolated(
            f in 1500.0f64..6000.0, k in 1.0001f64..2.0, hb in 10.0f64..=200.0,
            d in 100.0f64..=20_000.0, a in area(),
        ) {
            let m = |f| Cost231Hata::extrapolated(f, hb, 1.5, a).unwrap().model;
            prop_assert!(m(f * k).path_loss_db(d) > m(f).path_loss_db(d));
        }

        #[test]
        fn round_trip(
            f in 1500.0f64..=2000.0, hb in 30.0f64..=200.0, hm in 1.0f64..=10.0,
            d in 1_000.0f64..=20_000.0, a in area(),
        ) {
            let m = cost(f, hb, hm, a);
            let mapl = m.path_loss_db(d);
            let r = max_range_m(&m, mapl);
            prop_assert!((m.path_loss_db(r) - mapl).abs() < 0.01);
            prop_assert!((r - d).abs() <= 1e-6 * d);
        }
    }
}
