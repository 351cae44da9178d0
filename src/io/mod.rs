//! Reading scenarios and writing scenarios, reports and maps.
//!
//! - [`load_scenario`] reads a scenario directory (contract v1), validates
//!   every file and returns a [`Scenario`](crate::model::Scenario) or the
//!   first error, naming file, feature and property.
//! - [`write_scenario`] writes a scenario back to a directory in the same
//!   contract (used by the demo generator and the planner).
//! - [`output`] writes `report.json` and the `communes.geojson` map.
//! - [`write`](mod@write): `report.html` (interactive, offline) and `map.png`.
//! - [`sites_csv`]: site lists as CSV ([`read_sites_csv`]; `sites.csv` in a
//!   scenario directory), one row per site or per cell.
//! - [`raster`]: population rasters ([`read_population_raster`],
//!   [`raster_population`]; `population.tif` in a scenario directory),
//!   reconciled with the census.

pub(crate) mod crs;
mod feature;
mod geometry_checks;
mod json;
pub mod output;
pub mod raster;
mod scenario_in;
mod scenario_out;
pub mod sites_csv;
pub mod write;

pub use raster::{
    raster_population, read_population_raster, PopulationRaster, RasterCommuneTotals,
    RasterOptions, RasterPopulation,
};
pub use scenario_in::load_scenario;
pub use scenario_out::write_scenario;
pub use sites_csv::{parse_sites_csv, read_sites_csv};
