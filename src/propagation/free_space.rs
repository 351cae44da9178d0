//! Free-space path loss (Friis).

use std::f64::consts::PI;

use super::{Extrapolated, ParamRange, PathLossModel, PropagationError, Validity};

/// Speed of light in vacuum, m/s.
const SPEED_OF_LIGHT_M_PER_S: f64 = 299_792_458.0;

const NAME: &str = "free space (Friis)";

const FREQUENCY: ParamRange = ParamRange {
    parameter: "frequency_mhz",
    min: 0.0,
    max: f64::INFINITY,
    unit: "MHz",
};

/// Free-space basic transmission loss between isotropic antennas (Friis):
///
/// ```text
/// L = 20·log10(4π·d·f / c)
///   = 32.45 + 20·log10(f / 1 MHz) + 20·log10(d / 1 km)   dB
/// ```
///
/// The constant is computed from c = 299 792 458 m/s (32.4478 dB), not the
/// rounded 32.45. Any positive frequency is accepted (the formula is
/// physics, not a fit). Valid in the far field: from max(1 m, 2 λ) outwards,
/// with no upper distance bound (the model knows no horizon).
///
/// ```
/// use telecov::propagation::{FreeSpace, PathLossModel};
/// let fs = FreeSpace::new(900.0).unwrap();
/// // doubling the distance adds 6.02 dB
/// let step = fs.path_loss_db(2_000.0) - fs.path_loss_db(1_000.0);
/// assert!((step - 6.0206).abs() < 1e-4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FreeSpace {
    frequency_mhz: f64,
    /// 20·log10(4π·f/c) with f in Hz, so that L = this + 20·log10(d_m).
    constant_db: f64,
}

impl FreeSpace {
    /// Free space at `frequency_mhz` (MHz). Refuses a frequency that is not
    /// a finite number > 0.
    pub fn new(frequency_mhz: f64) -> Result<Self, PropagationError> {
        let f = FREQUENCY.positive(NAME, frequency_mhz)?;
        let f_hz = f * 1e6;
        Ok(FreeSpace {
            frequency_mhz: f,
            constant_db: 20.0 * (4.0 * PI * f_hz / SPEED_OF_LIGHT_M_PER_S).log10(),
        })
    }

    /// Same as [`FreeSpace::new`] (free space has no published range to
    /// extrapolate beyond); provided for symmetry with the other models.
    pub fn extrapolated(frequency_mhz: f64) -> Result<Extrapolated<Self>, PropagationError> {
        Ok(Extrapolated {
            model: Self::new(frequency_mhz)?,
            warnings: Vec::new(),
        })
    }

    /// The carrier frequency, MHz.
    pub fn frequency_mhz(&self) -> f64 {
        self.frequency_mhz
    }

    /// The wavelength, metres.
    pub fn wavelength_m(&self) -> f64 {
        SPEED_OF_LIGHT_M_PER_S / (self.frequency_mhz * 1e6)
    }
}

impl PathLossModel for FreeSpace {
    fn name(&self) -> &'static str {
        NAME
    }

    fn path_loss_db(&self, distance_m: f64) -> f64 {
        self.constant_db + 20.0 * distance_m.log10()
    }

    fn path_loss_db_with_log(&self, _distance_m: f64, log10_distance_m: f64) -> f64 {
        self.constant_db + 20.0 * log10_distance_m
    }

    fn validity(&self) -> Validity {
        Validity {
            min_distance_m: (2.0 * self.wavelength_m()).max(1.0),
            max_distance_m: f64::INFINITY,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{max_range_m, solve_range, RangeStatus};
    use super::*;

    fn fs(f: f64) -> FreeSpace {
        FreeSpace::new(f).unwrap()
    }

    #[test]
    fn reference_values() {
        // 1800 MHz, 1 km: 32.45 + 20·log10(1800) + 20·log10(1)
        //   = 32.45 + 65.105 + 0 = 97.55 dB
        assert!((fs(1800.0).path_loss_db(1000.0) - 97.55).abs() < 0.01);
        // 900 MHz, 1 km: 32.45 + 20·log10(900) = 32.45 + 59.085 = 91.53 dB
        assert!((fs(900.0).path_loss_db(1000.0) - 91.53).abs() < 0.01);
        // 2400 MHz, 100 m: 32.45 + 67.604 + 20·log10(0.1) = 32.45 + 67.60 − 20
        //   = 80.05 dB
        assert!((fs(2400.0).path_loss_db(100.0) - 80.05).abs() < 0.01);
        // 3500 MHz, 10 km: 32.45 + 70.881 + 20 = 123.33 dB
        assert!((fs(3500.0).path_loss_db(10_000.0) - 123.33).abs() < 0.01);
        // 150 MHz, 20 km: 32.45 + 43.522 + 26.021 = 101.99 dB
        assert!((fs(150.0).path_loss_db(20_000.0) - 101.99).abs() < 0.01);
    }

    #[test]
    fn units_are_mhz_and_metres() {
        // λ at 300 MHz is 0.9993 m; in Hz the model would be 60 dB off.
        assert!((fs(299.792458).wavelength_m() - 1.0).abs() < 1e-12);
        // 1 m at 1 MHz: 20·log10(4π·1e6/c) = −27.55 dB.
        assert!((fs(1.0).path_loss_db(1.0) + 27.55).abs() < 0.01);
        // metres, not kilometres: 1000 m is 60 dB more than 1 m
        let f = fs(1800.0);
        assert!((f.path_loss_db(1000.0) - f.path_loss_db(1.0) - 60.0).abs() < 1e-9);
    }

    #[test]
    fn validity_is_the_far_field() {
        assert_eq!(fs(1800.0).validity().min_distance_m, 1.0);
        // 150 MHz: λ = 2.0 m → from 4.0 m
        assert!((fs(150.0).validity().min_distance_m - 3.997).abs() < 0.001);
        assert_eq!(fs(1800.0).validity().max_distance_m, f64::INFINITY);
    }

    #[test]
    fn refuses_bad_frequencies() {
        for f in [0.0, -900.0, f64::NAN, f64::INFINITY] {
            let e = FreeSpace::new(f).unwrap_err();
            assert!(e.to_string().contains("frequency_mhz"), "{e}");
        }
        assert!(FreeSpace::extrapolated(1800.0).unwrap().warnings.is_empty());
    }

    #[test]
    fn inversion_round_trip() {
        let f = fs(1800.0);
        for mapl in [60.0, 97.55, 120.0, 137.0] {
            let d = max_range_m(&f, mapl);
            assert!((f.path_loss_db(d) - mapl).abs() < 0.01, "{mapl}");
        }
        assert!((max_range_m(&f, 97.55) - 1000.0).abs() < 1.0);
        // below the loss at 1 m (37.55 dB): no coverage
        assert_eq!(solve_range(&f, 30.0).status, RangeStatus::NoCoverage);
    }

    proptest! {
        #[test]
        fn increasing_in_distance(f in 1.0f64..100_000.0, d in 1.0f64..1e5, k in 1.001f64..10.0) {
            let m = fs(f);
            prop_assert!(m.path_loss_db(d * k) > m.path_loss_db(d));
        }

        #[test]
        fn increasing_in_frequency(f in 1.0f64..100_000.0, d in 1.0f64..1e5, k in 1.001f64..10.0) {
            prop_assert!(fs(f * k).path_loss_db(d) > fs(f).path_loss_db(d));
        }

        #[test]
        fn round_trip(f in 100.0f64..10_000.0, d in 1.0f64..100_000.0) {
            let m = fs(f);
            let mapl = m.path_loss_db(d);
            let r = max_range_m(&m, mapl);
            prop_assert!((m.path_loss_db(r) - mapl).abs() < 0.01);
            prop_assert!((r - d).abs() <= 1e-6 * d);
        }
    }
}
