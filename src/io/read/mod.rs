//! Every reader: the scenario directory (GeoJSON, `scenario.toml`,
//! `sites.csv`, `population.tif`), its CRS, and the planner's candidate
//! files. Input is validated here, once; the layers below work on valid
//! data.

pub(crate) mod crs;
mod feature;
mod geometry_checks;
mod geotiff;
mod json;
pub mod raster;
pub(crate) mod scenario;
pub mod sites_csv;

pub use raster::{
    raster_population, read_population_raster, PopulationRaster, RasterCommuneTotals,
    RasterOptions, RasterPopulation,
};
pub use scenario::{load_scenario, read_candidates};
pub use sites_csv::{parse_sites_csv, read_sites_csv};
