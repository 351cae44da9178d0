//! The scorecard's layers: schools, public service points and broadcast
//! (digital terrestrial TV) transmitters, and scenario.toml's `[access]`
//! ranges and `[targets]`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use geo::Point;
use serde::{Deserialize, Serialize};

use super::FeatureId;

/// A school (`schools.geojson`).
#[derive(Debug, Clone, PartialEq)]
pub struct School {
    /// Unique key.
    pub id: FeatureId,
    /// Display name.
    pub name: Option<String>,
    /// Level as given (`primary`, `lower_secondary`, `upper_secondary`, …).
    pub level: Option<String>,
    /// Pupils.
    pub students: Option<f64>,
    /// `connected` property: `Some(true)` counts the school as connected
    /// whatever the layers say (a line the department knows of).
    pub connected: Option<bool>,
    /// Position, WGS 84 degrees.
    pub location: Point<f64>,
}

impl School {
    /// A school at `location` (WGS 84 degrees) with no other property.
    ///
    /// ```
    /// use telecov::model::School;
    /// let s = School::new(1, (105.75, 10.03)).with_connected(true);
    /// assert_eq!(s.connected, Some(true));
    /// ```
    pub fn new(id: impl Into<FeatureId>, location: impl Into<Point<f64>>) -> Self {
        School {
            id: id.into(),
            name: None,
            level: None,
            students: None,
            connected: None,
            location: location.into(),
        }
    }

    /// The school with its `connected` property set.
    pub fn with_connected(mut self, connected: bool) -> Self {
        self.connected = Some(connected);
        self
    }
}

/// The kind of a public service point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceKind {
    /// A telecom operator's service point (shop, transaction office).
    Telecom,
    /// A public postal service point (post office, commune cultural post
    /// office).
    Postal,
    /// A public internet agent (internet café, public access point).
    InternetAgent,
}

impl ServiceKind {
    /// Every kind, in scorecard order.
    pub const ALL: [ServiceKind; 3] = [
        ServiceKind::Telecom,
        ServiceKind::Postal,
        ServiceKind::InternetAgent,
    ];

    /// The name in files: `telecom`, `postal`, `internet_agent`.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::Telecom => "telecom",
            ServiceKind::Postal => "postal",
            ServiceKind::InternetAgent => "internet_agent",
        }
    }

    /// Position in [`ServiceKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for ServiceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ServiceKind {
    type Err = String;

    /// Parses `telecom`, `postal` or `internet_agent` (exactly).
    ///
    /// ```
    /// use telecov::model::ServiceKind;
    /// assert_eq!("postal".parse(), Ok(ServiceKind::Postal));
    /// assert!("bank".parse::<ServiceKind>().unwrap_err().contains("\"bank\""));
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "telecom" => Ok(ServiceKind::Telecom),
            "postal" => Ok(ServiceKind::Postal),
            "internet_agent" => Ok(ServiceKind::InternetAgent),
            _ => Err(format!(
                "unknown kind {s:?} (expected telecom, postal or internet_agent)"
            )),
        }
    }
}

/// A public service point (`service_points.geojson`).
#[derive(Debug, Clone, PartialEq)]
pub struct ServicePoint {
    /// Unique key.
    pub id: FeatureId,
    /// What it offers.
    pub kind: ServiceKind,
    /// Display name.
    pub name: Option<String>,
    /// Position, WGS 84 degrees.
    pub location: Point<f64>,
}

impl ServicePoint {
    /// A point of `kind` at `location` (WGS 84 degrees).
    pub fn new(
        id: impl Into<FeatureId>,
        kind: ServiceKind,
        location: impl Into<Point<f64>>,
    ) -> Self {
        ServicePoint {
            id: id.into(),
            kind,
            name: None,
            location: location.into(),
        }
    }
}

/// A digital terrestrial TV transmitter (`broadcast.geojson`).
///
/// Its coverage (layer `dtt`) is a disc of `range_m` on the ground, as a
/// wifi point's; `erp_kw`, `height_m` and `frequency_mhz` are kept for the
/// record (a file giving `erp_kw` without `range_m` is refused: ranges are
/// not derived from the effective radiated power).
#[derive(Debug, Clone, PartialEq)]
pub struct Transmitter {
    /// Unique key.
    pub id: FeatureId,
    /// Display name.
    pub name: Option<String>,
    /// Service radius, metres on the ground.
    pub range_m: f64,
    /// Effective radiated power, kW.
    pub erp_kw: Option<f64>,
    /// Antenna height above ground, metres.
    pub height_m: Option<f64>,
    /// Channel centre frequency, MHz.
    pub frequency_mhz: Option<f64>,
    /// Position, WGS 84 degrees.
    pub location: Point<f64>,
}

impl Transmitter {
    /// A transmitter at `location` (WGS 84 degrees) serving `range_m`
    /// metres around it.
    pub fn new(id: impl Into<FeatureId>, location: impl Into<Point<f64>>, range_m: f64) -> Self {
        Transmitter {
            id: id.into(),
            name: None,
            range_m,
            erp_kw: None,
            height_m: None,
            frequency_mhz: None,
            location: location.into(),
        }
    }
}

/// `[access]` of scenario.toml: how far, in metres on the ground, a
/// resident may live from a service point of each kind to count as served
/// (`telecom_within_range_pct` and the others). Defaults 3000 m each, the
/// service radius of public postal points in Vietnam's postal network
/// planning.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccessRanges {
    /// Range of a telecom service point, metres (3000).
    pub telecom: f64,
    /// Range of a public postal point, metres (3000).
    pub postal: f64,
    /// Range of a public internet agent, metres (3000).
    pub internet_agent: f64,
}

impl Default for AccessRanges {
    fn default() -> Self {
        AccessRanges {
            telecom: 3000.0,
            postal: 3000.0,
            internet_agent: 3000.0,
        }
    }
}

impl AccessRanges {
    /// The range of `kind`, metres.
    pub fn get(&self, kind: ServiceKind) -> f64 {
        match kind {
            ServiceKind::Telecom => self.telecom,
            ServiceKind::Postal => self.postal,
            ServiceKind::InternetAgent => self.internet_agent,
        }
    }
}

/// The scorecard's indicators, in scorecard order. Each is a value in
/// percent or in people (see [`Targets`]).
pub const INDICATORS: [&str; 12] = [
    "fiber_households_pct",
    "mobile_broadband_people_pct",
    "mobile_broadband_communes_pct",
    "dtt_people_pct",
    "schools_connected_pct",
    "wifi_communes_pct",
    "telecom_within_range_pct",
    "postal_within_range_pct",
    "internet_agent_within_range_pct",
    "people_per_telecom_point",
    "people_per_postal_point",
    "people_per_internet_agent",
];

/// The `[targets]` key that is a threshold, not an indicator: the share of
/// its people mobile broadband must reach for a commune to count in
/// `mobile_broadband_communes_pct` (default
/// [`DEFAULT_MOBILE_BROADBAND_COMMUNE_MIN_PCT`]).
pub const MOBILE_BROADBAND_COMMUNE_MIN_PCT: &str = "mobile_broadband_commune_min_pct";

/// Default of [`MOBILE_BROADBAND_COMMUNE_MIN_PCT`], percent.
pub const DEFAULT_MOBILE_BROADBAND_COMMUNE_MIN_PCT: f64 = 90.0;

/// `[targets]` of scenario.toml: a goal per indicator of [`INDICATORS`],
/// each met by the city and by every commune separately.
///
/// A `_pct` indicator's target is a floor (the value must reach it);
/// `people_per_…` targets are ceilings (at most that many residents per
/// point). The key [`MOBILE_BROADBAND_COMMUNE_MIN_PCT`] sets the share of
/// a commune's people mobile broadband must reach for the commune to count
/// as served. Any other key is refused by name when loading.
///
/// ```
/// use telecov::model::Targets;
/// let t: Targets = toml::from_str("fiber_households_pct = 60\nwifi_communes_pct = 100").unwrap();
/// assert_eq!(t.get("fiber_households_pct"), Some(60.0));
/// assert_eq!(t.get("dtt_people_pct"), None);
/// assert!(t.check().is_ok());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Targets(pub BTreeMap<String, f64>);

impl Targets {
    /// The target of `indicator`, if set.
    pub fn get(&self, indicator: &str) -> Option<f64> {
        self.0.get(indicator).copied()
    }

    /// The threshold of [`MOBILE_BROADBAND_COMMUNE_MIN_PCT`], percent.
    pub fn mobile_broadband_commune_min_pct(&self) -> f64 {
        self.get(MOBILE_BROADBAND_COMMUNE_MIN_PCT)
            .unwrap_or(DEFAULT_MOBILE_BROADBAND_COMMUNE_MIN_PCT)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks every key names an indicator (or the threshold) and every
    /// value is finite and ≥ 0 (≤ 100 for a percentage), naming the first
    /// key that is not (`targets.NAME`).
    pub fn check(&self) -> Result<(), (String, String)> {
        for (k, v) in &self.0 {
            let name = format!("targets.{k}");
            if !INDICATORS.contains(&k.as_str()) && k != MOBILE_BROADBAND_COMMUNE_MIN_PCT {
                return Err((
                    name,
                    format!(
                        "unknown indicator {k:?} (expected one of {}, {MOBILE_BROADBAND_COMMUNE_MIN_PCT})",
                        INDICATORS.join(", ")
                    ),
                ));
            }
            if !v.is_finite() || *v < 0.0 {
                return Err((name, format!("must be a finite number >= 0, got {v}")));
            }
            if k.ends_with("_pct") && *v > 100.0 {
                return Err((name, format!("is a percentage: must be <= 100, got {v}")));
            }
        }
        Ok(())
    }
}
