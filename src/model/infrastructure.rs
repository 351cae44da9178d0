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
    /// A sector pointing at `azimuth_deg` (degrees clockwise from true
    /// north) with full beamwidth `beamwidth_deg`, using the site's range.
    ///
    /// ```
    /// use telecov::model::Sector;
    /// let s = Sector::new(120.0, 65.0).with_range_m(800.0);
    /// assert_eq!((s.azimuth_deg, s.beamwidth_deg, s.range_m), (120.0, 65.0, Some(800.0)));
    /// assert_eq!(Sector::new(0.0, 360.0).range_m, None);
    /// ```
    pub fn new(azimuth_deg: f64, beamwidth_deg: f64) -> Self {
        Sector {
            azimuth_deg,
            beamwidth_deg,
            range_m: None,
        }
    }

    /// The sector with its own radius `range_m`, metres.
    pub fn with_range_m(mut self, range_m: f64) -> Self {
        self.range_m = Some(range_m);
        self
    }

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

impl Site {
    /// An omnidirectional site at `location` (WGS 84 degrees: a `Point` or
    /// a `(lon, lat)` pair) carrying `technologies` (a [`TechSet`], an
    /// array or a slice of [`Technology`]), as a file giving only those
    /// would load: no operator, the default height ([`DEFAULT_HEIGHT_M`]),
    /// no range ([`SiteRange::Unset`]), no sectors, no radio parameters.
    ///
    /// ```
    /// use telecov::model::{Sector, Site, SiteRange, Technology, DEFAULT_HEIGHT_M};
    /// let s = Site::new(7, (105.75, 10.03), [Technology::G2, Technology::G4])
    ///     .with_range_m(1_500.0)
    ///     .with_height_m(42.0)
    ///     .with_operator("VNPT")
    ///     .with_sectors(vec![Sector::new(0.0, 120.0), Sector::new(120.0, 120.0)]);
    /// assert!(s.technologies.contains(Technology::G4));
    /// assert_eq!(s.range_m, SiteRange::All(1_500.0));
    /// assert_eq!((s.height_m, s.sectors.len()), (42.0, 2));
    /// assert_eq!(Site::new("A", (0.0, 0.0), [Technology::G5]).height_m, DEFAULT_HEIGHT_M);
    /// ```
    pub fn new(
        id: impl Into<FeatureId>,
        location: impl Into<Point<f64>>,
        technologies: impl Into<TechSet>,
    ) -> Self {
        Site {
            id: id.into(),
            operator: None,
            technologies: technologies.into(),
            height_m: DEFAULT_HEIGHT_M,
            range_m: SiteRange::Unset,
            sectors: Vec::new(),
            radio: RadioParams::default(),
            location: location.into(),
        }
    }

    /// The site with one radius `range_m` (metres) for every technology
    /// ([`SiteRange::All`]).
    pub fn with_range_m(self, range_m: f64) -> Self {
        self.with_range(SiteRange::All(range_m))
    }

    /// The site with `range_m` as its range property (for instance
    /// [`SiteRange::PerTechnology`]).
    pub fn with_range(mut self, range_m: SiteRange) -> Self {
        self.range_m = range_m;
        self
    }

    /// The site with directional cells `sectors` instead of one omni cell.
    pub fn with_sectors(mut self, sectors: Vec<Sector>) -> Self {
        self.sectors = sectors;
        self
    }

    /// The site with its antenna `height_m` metres above ground.
    pub fn with_height_m(mut self, height_m: f64) -> Self {
        self.height_m = height_m;
        self
    }

    /// The site run by `operator`.
    pub fn with_operator(mut self, operator: impl Into<String>) -> Self {
        self.operator = Some(operator.into());
        self
    }

    /// The site with radio parameters `radio` (link-budget mode when they
    /// give a transmit power).
    pub fn with_radio(mut self, radio: RadioParams) -> Self {
        self.radio = radio;
        self
    }
}

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

impl FiberRoute {
    /// A route with no operator along `geometry` (WGS 84 degrees): a
    /// `LineString`, a `Vec` of `(lon, lat)` pairs (one line) or a
    /// `MultiLineString`.
    ///
    /// ```
    /// use telecov::model::FiberRoute;
    /// let f = FiberRoute::new("F1", vec![(105.70, 10.00), (105.72, 10.01)]).with_operator("VNPT");
    /// assert_eq!(f.geometry.0.len(), 1);
    /// assert_eq!(f.operator.as_deref(), Some("VNPT"));
    /// ```
    pub fn new(id: impl Into<FeatureId>, geometry: impl Into<MultiLineString<f64>>) -> Self {
        FiberRoute {
            id: id.into(),
            operator: None,
            geometry: geometry.into(),
        }
    }

    /// The route run by `operator`.
    pub fn with_operator(mut self, operator: impl Into<String>) -> Self {
        self.operator = Some(operator.into());
        self
    }
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

impl WifiPoint {
    /// An access point at `location` (WGS 84 degrees: a `Point` or a
    /// `(lon, lat)` pair) reaching the scenario's `wifi_range_m`.
    ///
    /// ```
    /// use telecov::model::WifiPoint;
    /// let w = WifiPoint::new(1, (105.75, 10.03));
    /// assert_eq!(w.range_m, None);
    /// assert_eq!(w.with_range_m(250.0).range_m, Some(250.0));
    /// ```
    pub fn new(id: impl Into<FeatureId>, location: impl Into<Point<f64>>) -> Self {
        WifiPoint {
            id: id.into(),
            range_m: None,
            location: location.into(),
        }
    }

    /// The access point with its own reach `range_m`, metres.
    pub fn with_range_m(mut self, range_m: f64) -> Self {
        self.range_m = Some(range_m);
        self
    }
}
