//! Fuzzes the `sites.geojson` loader: the base scenario with that file replaced
//! by the input, loaded with `telecov::io::load_scenario`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telecov_fuzz::{fuzz_one_file, ScenarioDir};

thread_local! {
    static DIR: ScenarioDir = ScenarioDir::new("sites");
}

fuzz_target!(|data: &[u8]| {
    DIR.with(|dir| {
        fuzz_one_file(dir, "sites.geojson", data);
    });
});
