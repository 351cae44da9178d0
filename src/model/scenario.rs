use super::{Commune, FiberRoute, Parameters, PopulationPoint, Site, WifiPoint};

/// A complete, validated scenario: what a scenario directory holds.
///
/// Build one with [`Scenario::load`](crate::io::load_scenario) from disk, or
/// by filling the fields from code (then call [`Scenario::validate`]
/// is not needed for the engine, which only relies on the invariants the
/// types already carry).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scenario {
    /// Administrative units, in input order.
    pub communes: Vec<Commune>,
    /// Mobile base stations.
    pub sites: Vec<Site>,
    /// Fibre routes.
    pub fiber: Vec<FiberRoute>,
    /// Public wifi access points.
    pub wifi: Vec<WifiPoint>,
    /// Demand points: `Some` when `population.geojson` is present (points
    /// mode), `None` to spread each commune's people uniformly.
    pub population: Option<Vec<PopulationPoint>>,
    /// Parameters in effect.
    pub parameters: Parameters,
    /// Warnings raised while loading (odd but accepted input).
    pub warnings: Vec<String>,
}
