//! SINR → downlink spectral efficiency: the attenuated and truncated Shannon
//! bound of 3GPP TR 36.942 Annex A.2.
//!
//! ```text
//! SE(SINR) = 0                        SINR < SINR_min
//!          = α · log2(1 + SINR)       SINR_min ≤ SINR < SINR_max
//!          = SE_max                   SINR ≥ SINR_max
//! ```
//!
//! with SINR linear, SE in bit/s/Hz per spatial layer, and SINR_max the SINR
//! at which α · log2(1 + SINR) reaches SE_max (so the curve is continuous).
//!
//! # Why this mapping
//!
//! The 3GPP CQI tables (TS 36.213 Table 7.2.3-1, TS 38.214 Tables
//! 5.2.2.1-2/-3) give the efficiency of each modulation and coding scheme,
//! but not the SINR at which a handset reports it: that depends on the
//! receiver and the target block error rate, and any threshold list would be
//! one vendor's or one simulator's. TR 36.942 gives the whole mapping as a
//! function of SINR, fitted to LTE link-level results (α = 0.6 stands for
//! the implementation losses of real modulation and coding against Shannon),
//! so every number below comes from a 3GPP document. The CQI tables are used
//! for what they do give: the highest efficiency (CQI 15).
//!
//! # Parameters per technology
//!
//! | technology | α | SINR_min | SE_max (bit/s/Hz) | SINR_max | source |
//! | --- | --- | --- | --- | --- | --- |
//! | 4G | 0.6 | −10 dB | 4.4 | 22.05 dB | TR 36.942 Table A.2.1 (downlink baseline) |
//! | 5G | 0.6 | −10 dB | 7.4063 | 37.16 dB | α and SINR_min as LTE; SE_max = CQI 15 of TS 38.214 Table 5.2.2.1-3 (256QAM, code rate 948/1024) |
//! | 3G | 0.6 | −10 dB | 4.4 | 22.05 dB | the LTE baseline, an assumption for HSPA+ (64QAM peak 21.1 Mbit/s over 3.84 Mcps is 5.5 bit/s/Hz: 4.4 is conservative) |
//! | 2G | — | — | 0 | — | no data capacity is modelled |
//!
//! The efficiency is per spatial layer; the sector capacity multiplies by
//! `[radio.<tech>] mimo_layers` and by 1 − `overhead`
//! ([`crate::engine::capacity`]).
//!
//! ```
//! use telecov::model::Technology;
//! use telecov::propagation::spectral_efficiency::ShannonMapping;
//! let lte = ShannonMapping::of(Technology::G4);
//! assert_eq!(lte.spectral_efficiency(-10.5), 0.0); // below SINR_min
//! assert!((lte.spectral_efficiency(0.0) - 0.6).abs() < 1e-12); // 0.6 · log2(2)
//! assert_eq!(lte.spectral_efficiency(30.0), 4.4); // the cap
//! ```

use crate::model::Technology;

/// The attenuated, truncated Shannon bound of one technology.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShannonMapping {
    /// Attenuation α of the Shannon bound.
    pub alpha: f64,
    /// Below this SINR nothing is carried, dB.
    pub sinr_min_db: f64,
    /// Highest spectral efficiency, bit/s/Hz per layer.
    pub se_max: f64,
}

/// α of TR 36.942 Table A.2.1 (downlink).
pub const ALPHA: f64 = 0.6;
/// SINR_min of TR 36.942 Table A.2.1 (downlink), dB.
pub const SINR_MIN_DB: f64 = -10.0;
/// SE_max of LTE, TR 36.942 Table A.2.1 (downlink), bit/s/Hz.
pub const LTE_SE_MAX: f64 = 4.4;
/// Efficiency of CQI 15 in TS 38.214 Table 5.2.2.1-3 (256QAM, code rate
/// 948/1024), bit/s/Hz: 8 · 948 / 1024.
pub const NR_SE_MAX: f64 = 7.4063;

impl ShannonMapping {
    /// The mapping of `tech` (see the table in the module docs).
    pub fn of(tech: Technology) -> ShannonMapping {
        let se_max = match tech {
            Technology::G2 => 0.0,
            Technology::G3 | Technology::G4 => LTE_SE_MAX,
            Technology::G5 => NR_SE_MAX,
        };
        ShannonMapping {
            alpha: ALPHA,
            sinr_min_db: SINR_MIN_DB,
            se_max,
        }
    }

    /// The SINR at which the cap is reached, dB.
    pub fn sinr_max_db(&self) -> f64 {
        10.0 * ((self.se_max / self.alpha).exp2() - 1.0).log10()
    }

    /// Spectral efficiency at `sinr_db`, bit/s/Hz per layer, in
    /// [0, `se_max`]; 0 for a NaN.
    pub fn spectral_efficiency(&self, sinr_db: f64) -> f64 {
        if sinr_db.is_nan() || sinr_db < self.sinr_min_db {
            return 0.0;
        }
        let linear = 10f64.powf(sinr_db / 10.0);
        (self.alpha * (1.0 + linear).log2()).min(self.se_max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_and_cap() {
        let lte = ShannonMapping::of(Technology::G4);
        // SINR_max of 4.4 bit/s/Hz at α = 0.6: 10·log10(2^(4.4/0.6) − 1)
        assert!(
            (lte.sinr_max_db() - 22.05).abs() < 0.01,
            "{}",
            lte.sinr_max_db()
        );
        let at_min = 0.6 * (1.0f64 + 0.1).log2();
        assert!((lte.spectral_efficiency(-10.0) - at_min).abs() < 1e-12);
        assert_eq!(lte.spectral_efficiency(-10.000001), 0.0);
        assert!((lte.spectral_efficiency(lte.sinr_max_db()) - 4.4).abs() < 1e-9);
        let nr = ShannonMapping::of(Technology::G5);
        assert!((NR_SE_MAX - 8.0 * 948.0 / 1024.0).abs() < 1e-4);
        assert!(
            (nr.sinr_max_db() - 37.16).abs() < 0.01,
            "{}",
            nr.sinr_max_db()
        );
        assert_eq!(
            ShannonMapping::of(Technology::G2).spectral_efficiency(40.0),
            0.0
        );
        assert_eq!(lte.spectral_efficiency(f64::NAN), 0.0);
    }

    #[test]
    fn monotone_and_never_above_the_cap() {
        for tech in Technology::ALL {
            let m = ShannonMapping::of(tech);
            let mut last = 0.0;
            for k in -300..=800 {
                let se = m.spectral_efficiency(k as f64 / 10.0);
                assert!(se >= last && se <= m.se_max, "{tech} {k}");
                last = se;
            }
        }
    }
}
