//! Reading scenarios at one end, writing reports, maps and plans at the
//! other: the only module that touches files.
//!
//! - [`read`]: [`load_scenario`] reads a scenario directory (contract v1),
//!   validates every file and returns a [`Scenario`](crate::model::Scenario)
//!   or the first error, naming file, feature and property; site lists as
//!   CSV ([`read_sites_csv`]), population rasters
//!   ([`read_population_raster`], [`raster_population`]), the planner's
//!   candidate files ([`read_candidates`]), elevation ([`read_dem`]:
//!   `terrain.tif` or a `terrain/` folder of SRTM `.hgt` tiles).
//! - [`write`](mod@write): `report.json`, `communes.geojson`, `sites.geojson`,
//!   `gaps.geojson`, plans, signal maps, [`write_scenario`] (a scenario
//!   back in the same contract) and [`write_dem_geotiff`] (elevation as
//!   `terrain.tif`), every file through one atomic write.
//!
//! [`output`], [`raster`] and [`sites_csv`] keep the paths of earlier
//! versions.

// terrain footprints kept between runs
pub mod footprint_cache;
pub mod read;
pub mod write;

pub use read::{
    load_scenario, parse_sites_csv, raster, raster_population, read_candidates,
    read_commune_outlines, read_dem, read_dem_geotiff, read_hgt, read_hgt_folder,
    read_population_raster, read_report, read_scenario_dem, read_sites_csv, scenario_terrain,
    sites_csv, PopulationRaster, RasterCommuneTotals, RasterOptions, RasterPopulation,
};
pub use write::{write_dem_geotiff, write_scenario};

/// The writers under their earlier path ([`write`](mod@write) holds them all);
/// [`report_scenario`](crate::report_scenario) is the facade's.
pub mod output {
    pub use super::write::{
        communes_map, sites_map, summary_table, write_atomic, write_communes_map, write_report,
    };
    pub use crate::report_scenario;
}
