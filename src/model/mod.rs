//! The domain model: plain data, validated at load time.
//!
//! Geometry here is WGS 84 longitude/latitude in degrees (as in the input
//! files); the engine projects it to metres in [`crate::geodesy`] frames.
//! Every quantity carries its unit in its name (`range_m`, `height_m`,
//! `frequency_mhz`, `tx_power_dbm`).

pub mod capacity;
mod commune;
pub mod costs;
pub mod dem;
mod id;
mod infrastructure;
mod layer;
mod parameters;
mod radio;
mod scenario;
mod services;
mod technology;
// terrain-shaped coverage: [terrain], the DEM's digest, footprints
pub mod terrain;

pub use capacity::{CapacityConfig, Demand, SiteCarriers};
pub use commune::{Commune, CommuneKind, PopulationPoint};
pub use costs::Costs;
pub use dem::{Dem, DemExtent, DemGrid, DemLayout};
pub use id::FeatureId;
pub use infrastructure::{
    FiberRoute, RadioParams, Sector, Site, SiteRange, WifiPoint, DEFAULT_HEIGHT_M,
};
pub use layer::{Layer, LayerFigures, LayerSet};
pub use parameters::{names_wgs84, Parameters, TechRanges};
pub use radio::{
    sensitivity_dbm, Environment, EnvironmentRules, RadioConfig, TechnologyDefaults,
    DEFAULT_CELL_EDGE_PROBABILITY, DEFAULT_FRONT_TO_BACK_DB, DEFAULT_MOBILE_HEIGHT_M,
    DEFAULT_SHADOW_SIGMA_DB, THERMAL_NOISE_DBM_PER_HZ,
};
pub use scenario::Scenario;
pub use services::{
    AccessRanges, School, ServiceKind, ServicePoint, Targets, Transmitter,
    DEFAULT_MOBILE_BROADBAND_COMMUNE_MIN_PCT, INDICATORS, MOBILE_BROADBAND_COMMUNE_MIN_PCT,
};
pub use technology::{TechSet, Technology};
pub use terrain::{
    Clutter, DemLoader, Footprint, FootprintStore, Terrain, TerrainModel, TerrainParameters,
};
