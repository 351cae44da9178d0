//! Fuzzes the whole pipeline: a small scenario directory (six files split
//! from the input at NUL bytes, see `split_pipeline_input`) loaded and
//! evaluated, with conservation of people and households checked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telecov_fuzz::{evaluate_and_check, split_pipeline_input, ScenarioDir, PIPELINE_FILES};

thread_local! {
    static DIR: ScenarioDir = ScenarioDir::new("pipeline");
}

fuzz_target!(|data: &[u8]| {
    DIR.with(|dir| {
        let parts = split_pipeline_input(data);
        for (name, part) in PIPELINE_FILES.iter().zip(parts) {
            if *name == "communes.geojson" && part.is_none() {
                continue; // keep the base communes
            }
            dir.set(name, part);
        }
        if let Some(s) = dir.load() {
            evaluate_and_check(&s);
        }
        dir.reset();
    });
});
