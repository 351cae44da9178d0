//! Fuzzes the population raster reader: the base scenario with the input
//! as `population.tif` (raster points mode), loaded with
//! `telecov::io::load_scenario`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telecov_fuzz::{fuzz_one_file, ScenarioDir};

thread_local! {
    static DIR: ScenarioDir = ScenarioDir::new("population_tif");
}

fuzz_target!(|data: &[u8]| {
    DIR.with(|dir| {
        fuzz_one_file(dir, "population.tif", data);
        dir.set("population.tif", None);
    });
});
