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
