//! Shared helpers of the telecov fuzz targets.
//!
//! The loaders are reached the way a planner reaches them: through
//! [`telecov::io::load_scenario`] on a scenario directory. Each target
//! writes a small valid scenario ([`BASE`]) into a directory of its own
//! (under `/dev/shm` when it exists, so no disk I/O), replaces one file with
//! the fuzzer's bytes, and loads it. Whatever the bytes, loading must return
//! `Ok` or `Err` without panicking, and a loaded scenario must satisfy the
//! invariants the engine relies on ([`telecov::model::Scenario::validate`]).

use std::path::{Path, PathBuf};

use telecov::model::Scenario;
use telecov::{Error, Options};

/// `communes.geojson` of the base scenario: two adjacent squares of about
/// 1.1 km near Can Tho, one with a hole.
pub const COMMUNES: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"31117","name":"Phường Tân An","district":"Ninh Kiều","kind":"ward","population":12000,"households":3100},"geometry":{"type":"Polygon","coordinates":[[[105.77,10.02],[105.78,10.02],[105.78,10.03],[105.77,10.03],[105.77,10.02]]]}},
{"type":"Feature","properties":{"id":31118,"name":"Xã An Bình","kind":"xã","population":4000.5,"households":1000},"geometry":{"type":"MultiPolygon","coordinates":[[[[105.78,10.02],[105.79,10.02],[105.79,10.03],[105.78,10.03],[105.78,10.02]],[[105.783,10.023],[105.784,10.023],[105.784,10.024],[105.783,10.023]]]]}}
]}"#;

/// `sites.geojson` of the base scenario: an omni site, a sectored site with
/// per-technology ranges, a link-budget site.
pub const SITES: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"BTS1","operator":"VNPT","technologies":["4G","5G"],"range_m":800},"geometry":{"type":"Point","coordinates":[105.775,10.025]}},
{"type":"Feature","properties":{"id":2,"technologies":["2G","3G","4G"],"height_m":32,"range_m":{"2G":900,"3G":550,"4G":400},"sectors":[{"azimuth_deg":0,"beamwidth_deg":65},{"azimuth_deg":120,"beamwidth_deg":65,"range_m":300},{"azimuth_deg":240,"beamwidth_deg":65}]},"geometry":{"type":"Point","coordinates":[105.785,10.025]}},
{"type":"Feature","properties":{"id":"BTS3","technologies":["3G"],"tx_power_dbm":43,"antenna_gain_dbi":15,"frequency_mhz":2100,"environment":"urban"},"geometry":{"type":"Point","coordinates":[105.781,10.029]}}
]}"#;

/// `fiber.geojson` of the base scenario.
pub const FIBER: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"FO1","operator":"VNPT"},"geometry":{"type":"LineString","coordinates":[[105.771,10.021],[105.789,10.029]]}},
{"type":"Feature","properties":{"id":"FO2"},"geometry":{"type":"MultiLineString","coordinates":[[[105.772,10.028],[105.775,10.028]],[[105.786,10.021],[105.786,10.024],[105.788,10.024]]]}}
]}"#;

/// `wifi.geojson` of the base scenario.
pub const WIFI: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"W1"},"geometry":{"type":"Point","coordinates":[105.776,10.026]}},
{"type":"Feature","properties":{"id":"W2","range_m":250},"geometry":{"type":"Point","coordinates":[105.787,10.022]}}
]}"#;

/// `population.geojson` for points mode (not part of [`BASE`]: its presence
/// switches the scenario to points mode).
pub const POPULATION: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"population":120,"households":30},"geometry":{"type":"Point","coordinates":[105.775,10.025]}},
{"type":"Feature","properties":{"population":80.5,"households":20},"geometry":{"type":"Point","coordinates":[105.78,10.025]}},
{"type":"Feature","properties":{"population":7,"households":2},"geometry":{"type":"Point","coordinates":[105.70,10.10]}},
{"type":"Feature","properties":{"population":3,"households":1},"geometry":null}
]}"#;

/// `scenario.toml` of the base scenario: a coarse resolution, so one
/// evaluation is fast.
pub const SCENARIO_TOML: &str = "resolution_m = 100\nfiber_drop_m = 150\nwifi_range_m = 100\n\n[ranges_m]\n2G = 5000\n3G = 3000\n4G = 2000\n5G = 600\n";

/// The files of the base scenario (uniform mode), by contract name.
pub const BASE: [(&str, &str); 5] = [
    ("communes.geojson", COMMUNES),
    ("sites.geojson", SITES),
    ("fiber.geojson", FIBER),
    ("wifi.geojson", WIFI),
    ("scenario.toml", SCENARIO_TOML),
];

/// The file names a pipeline input is split into, in order (see
/// [`split_pipeline_input`]).
pub const PIPELINE_FILES: [&str; 6] = [
    "communes.geojson",
    "sites.geojson",
    "fiber.geojson",
    "wifi.geojson",
    "population.geojson",
    "scenario.toml",
];

/// Largest uniform demand a fuzzed scenario may ask for: scenarios beyond
/// it are refused by the engine's own resource check, which keeps one
/// execution short.
pub const MAX_DEMAND_CELLS: u64 = 50_000;

/// A scenario directory owned by one fuzzing process.
pub struct ScenarioDir {
    path: PathBuf,
}

impl ScenarioDir {
    /// A fresh directory for target `name`, holding the base scenario.
    pub fn new(name: &str) -> ScenarioDir {
        let root = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let path = root.join(format!("telecov-fuzz-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create fuzz scenario directory");
        let dir = ScenarioDir { path };
        dir.reset();
        dir
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Restores the base scenario (and removes `population.geojson`).
    pub fn reset(&self) {
        for (name, text) in BASE {
            self.set(name, Some(text.as_bytes()));
        }
        self.set("population.geojson", None);
    }

    /// Writes file `name` with `bytes`, or removes it for `None`.
    pub fn set(&self, name: &str, bytes: Option<&[u8]>) {
        let p = self.path.join(name);
        match bytes {
            Some(b) => std::fs::write(&p, b).expect("write fuzz input"),
            None => match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => panic!("remove {}: {e}", p.display()),
            },
        }
    }

    /// Loads the directory; a loaded scenario must pass
    /// [`Scenario::validate`], and a refusal must have a message.
    pub fn load(&self) -> Option<Scenario> {
        match telecov::io::load_scenario(&self.path) {
            Ok(s) => {
                if let Err(e) = s.validate() {
                    panic!("the loader accepted a scenario that validate() refuses: {e}");
                }
                Some(s)
            }
            Err(e) => {
                assert!(!e.to_string().is_empty());
                None
            }
        }
    }
}

impl Drop for ScenarioDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Runs one loader target: the base scenario with `name` replaced by
/// `bytes` (and, for `population.geojson`, in points mode).
pub fn fuzz_one_file(dir: &ScenarioDir, name: &str, bytes: &[u8]) -> Option<Scenario> {
    dir.set(name, Some(bytes));
    let loaded = dir.load();
    dir.reset();
    loaded
}

/// Splits a pipeline input into the six files of [`PIPELINE_FILES`]: parts
/// separated by NUL bytes, in that order; an empty or missing part means the
/// file is absent (for `communes.geojson`: the base communes).
pub fn split_pipeline_input(data: &[u8]) -> [Option<&[u8]>; 6] {
    let mut parts = data.splitn(6, |&b| b == 0);
    std::array::from_fn(|_| parts.next().filter(|p| !p.is_empty()))
}

/// Evaluates a loaded scenario the way the `coverage` example does and
/// checks what must hold for any valid scenario: no panic, no internal
/// error, every person and household counted once, covered never above
/// the commune's people, a report that serialises.
pub fn evaluate_and_check(s: &Scenario) {
    let options = Options {
        max_demand_cells: MAX_DEMAND_CELLS,
        ..Options::default()
    };
    let report = match telecov::evaluate_with(s, &options) {
        Ok(r) => r,
        Err(Error::TooLarge(_)) => return,
        Err(e) => panic!("evaluate failed on a valid scenario: {e}"),
    };
    let (pop, hh) = match &s.population {
        Some(p) => p
            .iter()
            .fold((0.0, 0.0), |(a, b), q| (a + q.population, b + q.households)),
        None => s.communes.iter().fold((0.0, 0.0), |(a, b), c| {
            (
                a + c.population.unwrap_or(0.0),
                b + c.households.unwrap_or(0.0),
            )
        }),
    };
    let t = &report.totals;
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    assert!(
        close(t.population + t.unassigned_population, pop),
        "people lost: {} + {} != {pop}",
        t.population,
        t.unassigned_population
    );
    assert!(
        close(t.households + t.unassigned_households, hh),
        "households lost: {} + {} != {hh}",
        t.households,
        t.unassigned_households
    );
    for c in &report.communes {
        let slack = 1e-9 * c.population.max(1.0);
        for v in [
            c.population_covered.g2,
            c.population_covered.g3,
            c.population_covered.g4,
            c.population_covered.g5,
            c.population_covered.mobile_broadband,
            c.population_wifi_covered,
        ] {
            assert!(
                v.is_finite() && v >= 0.0 && v <= c.population + slack,
                "{v} of {}",
                c.population
            );
        }
        assert!(c.households_fiber_passed <= c.households + 1e-9 * c.households.max(1.0));
    }
    let json = report.to_json();
    assert!(json.starts_with('{'));
}
