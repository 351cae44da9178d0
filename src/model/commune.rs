use geo::{MultiPolygon, Point};

use super::FeatureId;

/// The kind of administrative unit, as the contract names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CommuneKind {
    /// `ward` (phường): urban.
    Ward,
    /// `commune` (xã): rural.
    Commune,
    /// `town` (thị trấn): district seat.
    Town,
    /// Any other value, kept as given (with a warning at load time).
    Other(String),
}

impl CommuneKind {
    /// Parses a kind: `ward`, `commune`, `town` or the Vietnamese `phường`,
    /// `xã`, `thị trấn`, in any case; anything else becomes
    /// [`CommuneKind::Other`].
    ///
    /// ```
    /// use telecov::model::CommuneKind;
    /// assert_eq!(CommuneKind::parse("Phường"), CommuneKind::Ward);
    /// assert_eq!(CommuneKind::parse("THỊ TRẤN"), CommuneKind::Town);
    /// assert_eq!(CommuneKind::parse("hamlet"), CommuneKind::Other("hamlet".into()));
    /// ```
    pub fn parse(s: &str) -> Self {
        match s.trim().to_lowercase().as_str() {
            "ward" | "phường" => CommuneKind::Ward,
            "commune" | "xã" => CommuneKind::Commune,
            "town" | "thị trấn" => CommuneKind::Town,
            _ => CommuneKind::Other(s.to_owned()),
        }
    }

    /// The name written in reports: `ward`, `commune`, `town`, or the
    /// original text of an unknown kind.
    pub fn as_str(&self) -> &str {
        match self {
            CommuneKind::Ward => "ward",
            CommuneKind::Commune => "commune",
            CommuneKind::Town => "town",
            CommuneKind::Other(s) => s,
        }
    }
}

/// An administrative unit (ward, commune or town) with its residents.
#[derive(Debug, Clone, PartialEq)]
pub struct Commune {
    /// Unique key.
    pub id: FeatureId,
    /// Display name.
    pub name: Option<String>,
    /// Parent unit.
    pub district: Option<String>,
    /// Kind of unit.
    pub kind: Option<CommuneKind>,
    /// Residents. `None` only in points mode when the file omits it.
    pub population: Option<f64>,
    /// Households. `None` only in points mode when the file omits it.
    pub households: Option<f64>,
    /// Boundary in WGS 84 degrees; `None` for a null or empty geometry (its
    /// people are then kept, all uncovered).
    pub geometry: Option<MultiPolygon<f64>>,
}

/// One demand point of `population.geojson`.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationPoint {
    /// Position in WGS 84 degrees; `None` for a null geometry (unassigned).
    pub location: Option<Point<f64>>,
    /// Residents at this point.
    pub population: f64,
    /// Households at this point.
    pub households: f64,
}

impl Commune {
    /// A commune with its boundary, residents and households; no name,
    /// district or kind (set them with the `with_` methods).
    ///
    /// The geometry may be anything `geo` turns into a
    /// [`MultiPolygon`]: a `Polygon`, a `Vec<Polygon>` or a `MultiPolygon`.
    ///
    /// ```
    /// use geo::polygon;
    /// use telecov::model::{Commune, CommuneKind, FeatureId};
    /// let square = polygon![(x: 105.0, y: 21.0), (x: 105.01, y: 21.0), (x: 105.01, y: 21.01), (x: 105.0, y: 21.01)];
    /// let c = Commune::new("31117", square, 12_000.0, 3_000.0)
    ///     .with_name("Tân An")
    ///     .with_district("Ninh Kiều")
    ///     .with_kind(CommuneKind::Ward);
    /// assert_eq!(c.id, FeatureId::Str("31117".into()));
    /// assert_eq!(c.population, Some(12_000.0));
    /// assert_eq!(c.kind, Some(CommuneKind::Ward));
    /// assert_eq!(c.geometry.unwrap().0.len(), 1);
    /// ```
    pub fn new(
        id: impl Into<FeatureId>,
        geometry: impl Into<MultiPolygon<f64>>,
        population: f64,
        households: f64,
    ) -> Self {
        Commune {
            id: id.into(),
            name: None,
            district: None,
            kind: None,
            population: Some(population),
            households: Some(households),
            geometry: Some(geometry.into()),
        }
    }

    /// The commune with display name `name`.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The commune with parent unit `district`.
    pub fn with_district(mut self, district: impl Into<String>) -> Self {
        self.district = Some(district.into());
        self
    }

    /// The commune with kind `kind`.
    pub fn with_kind(mut self, kind: CommuneKind) -> Self {
        self.kind = Some(kind);
        self
    }
}

impl PopulationPoint {
    /// A demand point at `location` (WGS 84 degrees: a `Point` or a
    /// `(lon, lat)` pair) with its residents and households.
    ///
    /// ```
    /// use geo::Point;
    /// use telecov::model::PopulationPoint;
    /// let p = PopulationPoint::new((105.75, 10.03), 4.0, 1.0);
    /// assert_eq!(p.location, Some(Point::new(105.75, 10.03)));
    /// assert_eq!((p.population, p.households), (4.0, 1.0));
    /// ```
    pub fn new(location: impl Into<Point<f64>>, population: f64, households: f64) -> Self {
        PopulationPoint {
            location: Some(location.into()),
            population,
            households,
        }
    }
}
