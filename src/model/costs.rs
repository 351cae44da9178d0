//! Unit costs of a plan's actions (`[costs]` in scenario.toml), in US
//! dollars (USD) of capital expenditure.
//!
//! | key | default | what one unit is |
//! | --- | --- | --- |
//! | `carrier_usd` | 4,000 | one more carrier on one sector of one technology: a remote radio unit |
//! | `site_usd` | 63,500 | one new site from the plan's template |
//! | `wifi_point_usd` | 1,000 | one public wifi access point |
//! | `fiber_usd_per_km` | 5,000 | one kilometre of new fibre route |
//!
//! The defaults are the unit costs of the open cost model pytal (E. J.
//! Oughton et al., `tests/conftest.py` of github.com/edwardoughton/pytal,
//! "all costs in $USD"):
//!
//! - a carrier is one `single_remote_radio_unit`, 4,000;
//! - a site is a greenfield three-sector macro site: three times
//!   (`single_sector_antenna` 1,500 and `single_remote_radio_unit` 4,000),
//!   plus `single_baseband_unit` 10,000, `tower` 10,000, `civil_materials`
//!   5,000, `transportation` 10,000, `installation` 5,000,
//!   `power_generator_battery_system` 5,000 and `router` 2,000: 63,500
//!   (site rental, an operating cost, left out);
//! - fibre is `fiber_backhaul_urban_m`, 5 USD per metre;
//! - pytal gives no wifi cost: 1,000 USD for an outdoor access point with
//!   its installation is an assumption.
//!
//! They are not Vietnamese prices; give the operator's own in `[costs]`.
//!
//! ```
//! use telecov::model::{Costs, Parameters};
//! let p: Parameters = toml::from_str("[costs]\nsite_usd = 40000").unwrap();
//! assert_eq!(p.costs.site_usd, 40_000.0);
//! assert_eq!(p.costs.carrier_usd, Costs::default().carrier_usd);
//! ```

use serde::{Deserialize, Serialize};

/// `[costs]`: what each action of a plan costs, USD (see the module docs
/// for the defaults and their source).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Costs {
    /// One more carrier on one sector of one technology, USD (4,000).
    pub carrier_usd: f64,
    /// One new site, USD (63,500).
    pub site_usd: f64,
    /// One public wifi access point, USD (1,000).
    pub wifi_point_usd: f64,
    /// One kilometre of fibre route, USD (5,000).
    pub fiber_usd_per_km: f64,
}

impl Default for Costs {
    fn default() -> Self {
        Costs {
            carrier_usd: 4_000.0,
            site_usd: 63_500.0,
            wifi_point_usd: 1_000.0,
            fiber_usd_per_km: 5_000.0,
        }
    }
}

impl Costs {
    /// Whether these are the defaults (then not echoed).
    pub fn is_default(&self) -> bool {
        *self == Costs::default()
    }

    /// Checks every cost is finite and >= 0, naming the first that is not
    /// (`costs.site_usd` style).
    pub fn check(&self) -> Result<(), (String, String)> {
        for (key, v) in [
            ("carrier_usd", self.carrier_usd),
            ("site_usd", self.site_usd),
            ("wifi_point_usd", self.wifi_point_usd),
            ("fiber_usd_per_km", self.fiber_usd_per_km),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err((
                    format!("costs.{key}"),
                    format!("must be a finite number >= 0, got {v}"),
                ));
            }
        }
        Ok(())
    }
}
