//! Loading and validating a scenario directory.

use std::path::Path;

use crate::model::Scenario;
use crate::Result;

/// Loads and validates the scenario in `dir`.
pub fn load_scenario(dir: impl AsRef<Path>) -> Result<Scenario> {
    let _ = dir.as_ref();
    todo!("scenario loader")
}
