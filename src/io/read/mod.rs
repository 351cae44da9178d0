//! Every reader: the scenario directory (GeoJSON, `scenario.toml`,
//! `sites.csv`, `population.tif`), its CRS, the planner's candidate files,
//! and elevation (`terrain.tif`, `terrain/*.hgt`). Input is validated here,
//! once; the layers below work on valid data.

pub(crate) mod crs;
pub mod dem;
mod feature;
mod geometry_checks;
mod geotiff;
mod json;
mod outputs;
pub mod raster;
pub(crate) mod scenario;
pub mod sites_csv;

pub use dem::{
    read_dem, read_dem_geotiff, read_hgt, read_hgt_folder, read_scenario_dem, scenario_terrain,
    MAX_DEM_CELLS,
};
pub use outputs::{read_commune_outlines, read_report};
pub use raster::{
    raster_population, read_population_raster, PopulationRaster, RasterCommuneTotals,
    RasterOptions, RasterPopulation,
};
pub use scenario::{load_scenario, read_candidates};
pub use sites_csv::{parse_sites_csv, read_sites_csv};
