use geo::{MultiLineString, Point};

use super::{FeatureId, TechSet, Technology};

/// A site's `range_m` property: absent, one radius for every layer, or one
/// per technology.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum SiteRange {
    /// No `range_m`: derived from the link budget or `[ranges_m]`.
    #[default]
    Unset,
    /// One radius in metres for every technology of the site.
    All(f64),
    /// Radius in metres per technology (indexed by [`Technology::index`]);
    /// `None` where the object has no entry.
    PerTechnology([Option<f64>; 4]),
}

impl SiteRange {
    /// The explicit range for `tech`, if the site gives one.
    pub fn get(&self, tech: Technology) -> Option<f64> {
        match self {
            SiteRange::Unset => None,
            SiteRange::All(r) => Some(*r),
            SiteRange::PerTechnology(r) => r[tech.index()],
        }
    }
}

/// A directional cell of a site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sector {
    /// Boresight, degrees clockwise from true north, in `[0, 360)`.
    pub azimuth_deg: f64,
    /// Full horizontal beamwidth in degrees, in `(0, 360]`.
    pub beamwidth_deg: f64,
    /// Radius of this sector in metres; overrides the site's range.
    pub range_m: Option<f64>,
}

impl Sector {
    /// Whether a point at true bearing `bearing_deg` from the site lies in the
    /// wedge (edges included).
    ///
    /// ```
    /// use telecov::model::Sector;
    /// let s = Sector { azimuth_deg: 350.0, beamwidth_deg: 60.0, range_m: None };
    /// assert!(s.contains_bearing(15.0));
    /// assert!(s.contains_bearing(320.0));
    /// assert!(!s.contains_bearing(90.0));
    /// ```
    pub fn contains_bearing(&self, bearing_deg: f64) -> bool {
        let diff = (bearing_deg - self.azimuth_deg).rem_euclid(360.0);
        let off = diff.min(360.0 - diff);
        off <= self.beamwidth_deg / 2.0 + 1e-9
    }
}

/// Radio parameters of a site, used in link-budget mode.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RadioParams {
    /// Transmit power at the antenna port, dBm. Its presence switches the
    /// site to link-budget mode.
    pub tx_power_dbm: Option<f64>,
    /// Antenna gain, dBi.
    pub antenna_gain_dbi: Option<f64>,
    /// Carrier frequency, MHz.
    pub frequency_mhz: Option<f64>,
    /// Propagation environment of the site (`environment` property); `None`
    /// = from the commune it stands in ([`EnvironmentRules`](super::EnvironmentRules)).
    pub environment: Option<super::Environment>,
}

/// A mobile base station (BTS / NodeB / eNodeB / gNodeB).
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Unique key.
    pub id: FeatureId,
    /// Network operator.
    pub operator: Option<String>,
    /// Radio layers on the site (never empty).
    pub technologies: TechSet,
    /// Antenna height above ground, metres (default 30).
    pub height_m: f64,
    /// Explicit coverage radius.
    pub range_m: SiteRange,
    /// Directional cells; empty = omnidirectional.
    pub sectors: Vec<Sector>,
    /// Radio parameters.
    pub radio: RadioParams,
    /// Position, WGS 84 degrees.
    pub location: Point<f64>,
}

/// Default antenna height when a site gives none, metres.
pub const DEFAULT_HEIGHT_M: f64 = 30.0;

/// A fibre route.
#[derive(Debug, Clone, PartialEq)]
pub struct FiberRoute {
    /// Unique key.
    pub id: FeatureId,
    /// Network operator.
    pub operator: Option<String>,
    /// Route geometry, WGS 84 degrees.
    pub geometry: MultiLineString<f64>,
}

/// A public wifi access point.
#[derive(Debug, Clone, PartialEq)]
pub struct WifiPoint {
    /// Unique key.
    pub id: FeatureId,
    /// Reach in metres; `None` = the scenario's `wifi_range_m`.
    pub range_m: Option<f64>,
    /// Position, WGS 84 degrees.
    pub location: Point<f64>,
}
