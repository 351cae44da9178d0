//! Fuzzes the site CSV reader (`telecov::io::parse_sites_csv`); sites it
//! accepts must pass `Scenario::validate` alongside the base communes.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use telecov::model::Scenario;

fuzz_target!(|data: &[u8]| {
    if let Ok((sites, _warnings)) = telecov::io::parse_sites_csv(Path::new("sites.csv"), data) {
        let s = Scenario {
            sites,
            ..Scenario::default()
        };
        if let Err(e) = s.validate() {
            panic!("parse_sites_csv accepted sites that validate() refuses: {e}");
        }
    }
});
