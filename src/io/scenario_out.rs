//! Writing a scenario directory.

use std::path::Path;

use crate::model::Scenario;
use crate::Result;

/// Writes `scenario` to `dir` in the contract's format.
pub fn write_scenario(dir: impl AsRef<Path>, scenario: &Scenario) -> Result<()> {
    let _ = (dir.as_ref(), scenario);
    todo!("scenario writer")
}
