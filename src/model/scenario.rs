use super::{Commune, FiberRoute, Parameters, PopulationPoint, Site, WifiPoint};

/// A complete, validated scenario: what a scenario directory holds.
///
/// Read one from disk with [`load_scenario`](crate::io::load_scenario),
/// which validates every file, or fill the fields from code (the
/// [`synth`](crate::synth) generator does). Built in code, the values must
/// respect the same rules the loader enforces: finite, non-negative
/// populations, positive ranges, beamwidths in (0, 360], coordinates in
/// range.
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
