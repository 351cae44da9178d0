use serde::{Deserialize, Serialize};

use super::CapacityConfig;
use super::Technology;
use super::{EnvironmentRules, RadioConfig};

/// Default radius per technology layer, metres: used for a site layer that
/// has no `range_m` and no radio parameters (`[ranges_m]` in scenario.toml).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TechRanges {
    /// 2G radius, metres (default 5000).
    #[serde(rename = "2G")]
    pub g2: f64,
    /// 3G radius, metres (default 3000).
    #[serde(rename = "3G")]
    pub g3: f64,
    /// 4G radius, metres (default 2000).
    #[serde(rename = "4G")]
    pub g4: f64,
    /// 5G radius, metres (default 600).
    #[serde(rename = "5G")]
    pub g5: f64,
}

impl Default for TechRanges {
    fn default() -> Self {
        TechRanges {
            g2: 5000.0,
            g3: 3000.0,
            g4: 2000.0,
            g5: 600.0,
        }
    }
}

impl TechRanges {
    /// The default radius of `tech`, metres.
    pub fn get(&self, tech: Technology) -> f64 {
        match tech {
            Technology::G2 => self.g2,
            Technology::G3 => self.g3,
            Technology::G4 => self.g4,
            Technology::G5 => self.g5,
        }
    }

    /// Sets the default radius of `tech`, metres.
    pub fn set(&mut self, tech: Technology, range_m: f64) {
        match tech {
            Technology::G2 => self.g2 = range_m,
            Technology::G3 => self.g3 = range_m,
            Technology::G4 => self.g4 = range_m,
            Technology::G5 => self.g5 = range_m,
        }
    }
}

/// Scenario parameters (`scenario.toml`); every one has a default.
///
/// ```
/// use telecov::model::Parameters;
/// let p: Parameters = toml::from_str("resolution_m = 100\n[ranges_m]\n5G = 400").unwrap();
/// assert_eq!(p.resolution_m, 100.0);
/// assert_eq!(p.fiber_drop_m, 150.0);
/// assert_eq!(p.ranges_m.g5, 400.0);
/// assert_eq!(p.ranges_m.g4, 2000.0);
/// // an unknown key is refused: it is usually a typo
/// assert!(toml::from_str::<Parameters>("resolution = 100").is_err());
/// ```
///
/// Beyond the contract's keys, two optional tables tune the link budget
/// (see [`crate::propagation`]): `[radio]` ([`RadioConfig`]) and
/// `[environment]` ([`EnvironmentRules`]). They are echoed in
/// `report.json`'s `parameters` only when they differ from the defaults.
/// A top-level `crs` names the coordinate reference system of the input
/// files ([`Parameters::crs`]); it too is echoed only when it is not WGS 84.
///
/// ```
/// use telecov::model::{Parameters, Technology};
/// use telecov::propagation::Environment;
/// let p: Parameters = toml::from_str(
///     "[radio.5G]\nfrequency_mhz = 2600\n[environment]\ncommune = \"open\"",
/// )
/// .unwrap();
/// assert_eq!(p.radio.technology(Technology::G5).frequency_mhz, 2600.0);
/// assert_eq!(p.environment.commune, Environment::Open);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Parameters {
    /// Demand grid spacing when population is spread uniformly, metres (50).
    pub resolution_m: f64,
    /// Longest drop from a fibre route to a household, metres (150).
    pub fiber_drop_m: f64,
    /// Default reach of a public wifi access point, metres (100).
    pub wifi_range_m: f64,
    /// Default radius of each site layer, metres.
    pub ranges_m: TechRanges,
    /// Link-budget defaults (`[radio]`).
    #[serde(skip_serializing_if = "is_default_radio")]
    pub radio: RadioConfig,
    /// Environment rules (`[environment]`).
    #[serde(skip_serializing_if = "EnvironmentRules::is_default")]
    pub environment: EnvironmentRules,
    /// The coordinate reference system the scenario's input files are
    /// written in (`crs`), as given: `None`, `"EPSG:4326"`, `"OGC:CRS84"`
    /// or `"WGS84"` (any case) mean WGS 84 longitude/latitude; anything
    /// else (`"EPSG:3405"`, a PROJ string) needs the `proj` feature (see
    /// [`crate::io::load_scenario`]).
    ///
    /// It only tells [`crate::io::load_scenario`] how to read the files:
    /// a loaded [`crate::model::Scenario`] is always in WGS 84, whatever
    /// this says, the engine ignores it, and
    /// [`crate::io::write_scenario`] leaves it out (it writes WGS 84). It
    /// is echoed in `report.json`'s `parameters` only when it names
    /// another CRS than WGS 84.
    #[serde(skip_serializing_if = "crs_is_wgs84")]
    pub crs: Option<String>,
    // --- scorecard: [access] and [targets] ---
    /// Access ranges of the public service points (`[access]`), metres.
    /// Read from scenario.toml; never echoed in `report.json` (the
    /// scorecard carries them in its figures).
    #[serde(skip_serializing)]
    pub access: super::AccessRanges,
    /// The scorecard's targets (`[targets]`). Read from scenario.toml;
    /// never echoed in `report.json` (`scorecard.json` gives each target
    /// beside its indicator).
    #[serde(skip_serializing)]
    pub targets: super::Targets,
    /// Busy-hour demand of a capacity study (`[capacity]`,
    /// `[capacity.operators]`); echoed only when it differs from the
    /// defaults.
    #[serde(skip_serializing_if = "is_default_capacity")]
    pub capacity: CapacityConfig,
    /// Terrain-shaped coverage (`[terrain]`; used when the scenario has a
    /// DEM, see [`crate::model::terrain`]). Echoed in `report.json` only
    /// when it differs from the defaults.
    #[serde(skip_serializing_if = "super::terrain::TerrainParameters::is_default")]
    pub terrain: super::terrain::TerrainParameters,
    /// Unit costs of a plan's actions (`[costs]`, USD; see
    /// [`crate::model::costs`]). Echoed only when they differ from the
    /// defaults.
    #[serde(skip_serializing_if = "super::Costs::is_default")]
    pub costs: super::Costs,
}

fn is_default_capacity(c: &CapacityConfig) -> bool {
    *c == CapacityConfig::default()
}

fn crs_is_wgs84(crs: &Option<String>) -> bool {
    crs.as_deref().is_none_or(names_wgs84)
}

fn is_default_radio(r: &RadioConfig) -> bool {
    *r == RadioConfig::default()
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters {
            resolution_m: 50.0,
            fiber_drop_m: 150.0,
            wifi_range_m: 100.0,
            ranges_m: TechRanges::default(),
            radio: RadioConfig::default(),
            environment: EnvironmentRules::default(),
            crs: None,
            access: super::AccessRanges::default(),
            targets: super::Targets::default(),
            capacity: CapacityConfig::default(),
            terrain: Default::default(),
            costs: Default::default(),
        }
    }
}

impl Parameters {
    /// Every key scenario.toml may hold, with its default value (the
    /// optional tables written out in full, `crs` as `"EPSG:4326"`);
    /// `[environment.communes]` is the one table whose keys are free
    /// (commune ids).
    pub fn known_keys() -> toml::Table {
        let d = Parameters::default();
        let mut t = toml::Table::try_from(&d).unwrap_or_default();
        if let Ok(radio) = toml::Table::try_from(d.radio) {
            t.insert("radio".into(), toml::Value::Table(radio));
        }
        if let Ok(env) = toml::Table::try_from(&d.environment) {
            t.insert("environment".into(), toml::Value::Table(env));
        }
        t.insert("crs".into(), toml::Value::String("EPSG:4326".into()));
        // scorecard tables (not serialised with the parameters)
        if let Ok(access) = toml::Table::try_from(d.access) {
            t.insert("access".into(), toml::Value::Table(access));
        }
        let mut targets = toml::Table::new();
        for name in super::INDICATORS
            .iter()
            .chain([&super::MOBILE_BROADBAND_COMMUNE_MIN_PCT])
        {
            targets.insert((*name).into(), toml::Value::Float(0.0));
        }
        t.insert("targets".into(), toml::Value::Table(targets));
        t.insert(
            "capacity".into(),
            toml::Value::Table(super::capacity::known_capacity_keys()),
        );
        if let Ok(terrain) = toml::Table::try_from(d.terrain) {
            t.insert("terrain".into(), toml::Value::Table(terrain));
        }
        if let Ok(costs) = toml::Table::try_from(d.costs) {
            t.insert("costs".into(), toml::Value::Table(costs));
        }
        t
    }

    /// Checks every value is finite and positive, naming the first that is
    /// not (`ranges_m.5G` style for the table).
    pub fn check(&self) -> Result<(), (String, String)> {
        let mut all = vec![
            ("resolution_m".to_owned(), self.resolution_m),
            ("fiber_drop_m".to_owned(), self.fiber_drop_m),
            ("wifi_range_m".to_owned(), self.wifi_range_m),
        ];
        for t in Technology::ALL {
            all.push((format!("ranges_m.{t}"), self.ranges_m.get(t)));
        }
        // scorecard: [access]
        for kind in super::ServiceKind::ALL {
            all.push((format!("access.{kind}"), self.access.get(kind)));
        }
        for (name, v) in all {
            if !v.is_finite() || v <= 0.0 {
                return Err((name, format!("must be a finite number > 0, got {v}")));
            }
        }
        // scorecard: [targets]
        self.targets.check()?;
        self.radio.check()?;
        self.capacity.check()?;
        self.costs.check()?;
        self.terrain.check()
    }
}

/// Whether `crs` (scenario.toml's `crs`) names WGS 84 longitude/latitude:
/// `EPSG:4326`, `OGC:CRS84`, `CRS84`, `WGS84` and their URN and URL forms,
/// in any case and spacing.
///
/// ```
/// assert!(telecov::model::names_wgs84("epsg:4326"));
/// assert!(!telecov::model::names_wgs84("EPSG:3405"));
/// ```
pub fn names_wgs84(crs: &str) -> bool {
    let upper: String = crs
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    matches!(
        upper.as_str(),
        "EPSG:4326"
            | "OGC:CRS84"
            | "CRS84"
            | "WGS84"
            | "URN:OGC:DEF:CRS:EPSG::4326"
            | "URN:OGC:DEF:CRS:OGC:1.3:CRS84"
            | "URN:OGC:DEF:CRS:OGC::CRS84"
            | "HTTP://WWW.OPENGIS.NET/DEF/CRS/OGC/1.3/CRS84"
            | "HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/0/4326"
    )
}
