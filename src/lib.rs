//! # telecov: telecom coverage planning per administrative unit
//!
//! telecov answers, commune by commune, the questions a department of
//! information and communications asks of its networks: what share of the
//! population do 2G, 3G, 4G and 5G reach, what share of households is passed
//! by fibre, which communes have public wifi, and who lives in the gaps.
//!
//! (Crate documentation is completed in this file as the modules land.)
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod demand;
pub mod engine;
pub mod error;
pub mod io;
pub mod model;
pub mod projection;
pub mod propagation;
pub mod report;
pub mod synth;

pub use error::{Error, Result};

pub use engine::{Lookup, Options};
pub use report::Report;

/// Evaluates the coverage of a scenario with the default [`Options`].
///
/// ```no_run
/// let scenario = telecov::io::load_scenario("data/demo")?;
/// let report = telecov::evaluate(&scenario)?;
/// println!("4G reaches {:.1} % of residents", report.population_covered_pct(telecov::model::Technology::G4));
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn evaluate(scenario: &model::Scenario) -> Result<Report> {
    evaluate_with(scenario, &Options::default())
}

/// Evaluates the coverage of a scenario with explicit [`Options`].
pub fn evaluate_with(scenario: &model::Scenario, options: &Options) -> Result<Report> {
    let evaluation = engine::run(scenario, options)?;
    report::assemble(scenario, evaluation)
}
