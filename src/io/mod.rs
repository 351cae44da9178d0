//! Reading scenarios and writing scenarios, reports and maps.
//!
//! - [`load_scenario`] reads a scenario directory (contract v1), validates
//!   every file and returns a [`Scenario`](crate::model::Scenario) or the
//!   first error, naming file, feature and property.
//! - [`write_scenario`] writes a scenario back to a directory in the same
//!   contract (used by the demo generator and the planner).
//! - [`output`] writes `report.json` and the `communes.geojson` map.

mod feature;
mod geometry_checks;
mod json;
pub mod output;
mod scenario_in;
mod scenario_out;

pub use scenario_in::load_scenario;
pub use scenario_out::write_scenario;
