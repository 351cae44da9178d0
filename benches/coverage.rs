//! Coverage engine benchmarks on the synthetic Can Tho–like city.
//!
//! - `demand_points`: the whole city at resolutions from 200 m to 25 m
//!   (about 36 thousand to 2.3 million demand cells): time against points.
//! - `demand_generation`: the cell-centre grid of every commune
//!   ([`telecov::demand::grid_rows`]) from 200 m to 12.5 m (36 thousand to
//!   9 million cells).
//! - `index_build`: the strips' spatial indexes alone
//!   ([`telecov::engine::build_indexes`]) for 100 to 100,000 sites.
//! - `sites`: the city at 100 m with 100 to 100,000 sites: time against sites.
//! - `layers`: fibre alone (routes passing 20 to 90 % of households) and
//!   wifi alone (32 to 10,000 points), no mobile sites.
//! - `lookup`: the R-tree lookup against the exhaustive baseline (every
//!   shape tested at every point), same scenario, same run.
//! - `points_mode`: 10⁴ to 10⁷ demand points given as `population.geojson`
//!   would give them.
//! - `demo_end_to_end`: load `data/demo` from disk and evaluate it; its
//!   scorecard alone, and the whole `report_scenario` (every file written).
//! - `signal`: signal-level mode against range mode on the demo.
//!
//! Run: `cargo bench --bench coverage`; results are recorded in
//! BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use geo::{Area, BoundingRect, Point};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use telecov::model::{PopulationPoint, Scenario};
use telecov::synth::{generate, CityConfig};
use telecov::{Lookup, Options};

fn city(sites: usize) -> Scenario {
    generate(&CityConfig {
        sites,
        ..CityConfig::can_tho()
    })
}

/// Approximate number of demand cells of the city at `resolution_m`.
fn cells(s: &Scenario, resolution_m: f64) -> u64 {
    let deg2: f64 = s
        .communes
        .iter()
        .filter_map(|c| c.geometry.as_ref())
        .map(|g| g.unsigned_area())
        .sum();
    // 1 degree ≈ 111.32 km north-south and 109.6 km east-west at 10° N
    (deg2 * 111_320.0 * 109_630.0 / (resolution_m * resolution_m)) as u64
}

fn demand_points(c: &mut Criterion) {
    let base = city(1_990);
    let mut group = c.benchmark_group("demand_points");
    group.sample_size(10);
    for res in [200.0, 100.0, 50.0, 25.0] {
        let mut s = base.clone();
        s.parameters.resolution_m = res;
        group.throughput(Throughput::Elements(cells(&s, res)));
        group.bench_with_input(BenchmarkId::new("resolution_m", res as u32), &s, |b, s| {
            b.iter(|| telecov::evaluate(s).unwrap())
        });
    }
    group.finish();
}

fn sites(c: &mut Criterion) {
    let mut group = c.benchmark_group("sites");
    group.sample_size(10);
    for n in SITE_COUNTS {
        let mut s = city(n);
        s.parameters.resolution_m = 100.0;
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("sites", n), &s, |b, s| {
            b.iter(|| telecov::evaluate(s).unwrap())
        });
    }
    group.finish();
}

/// Site counts of the `sites` and `index_build` groups.
const SITE_COUNTS: [usize; 4] = [100, 1_000, 10_000, 100_000];

fn index_build(c: &mut Criterion) {
    let mut group = c.benchmark_group("index_build");
    group.sample_size(10);
    let options = Options::default();
    for n in SITE_COUNTS {
        let s = city(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("sites", n), &s, |b, s| {
            b.iter(|| telecov::engine::build_indexes(s, &options).unwrap())
        });
    }
    group.finish();
}

fn demand_generation(c: &mut Criterion) {
    use geo::MapCoords;
    use telecov::geodesy::TransverseMercator;
    let s = city(1_990);
    let frame = TransverseMercator::new(105.75);
    let communes: Vec<geo::MultiPolygon<f64>> = s
        .communes
        .iter()
        .filter_map(|c| c.geometry.as_ref())
        .map(|g| {
            g.map_coords(|c| {
                let [x, y] = frame.forward(c.x, c.y);
                geo::coord! { x: x, y: y }
            })
        })
        .collect();
    let mut group = c.benchmark_group("demand_generation");
    group.sample_size(10);
    for res in [200.0, 100.0, 50.0, 25.0, 12.5] {
        let cells: u64 = communes
            .iter()
            .flat_map(|p| telecov::demand::grid_rows(p, res))
            .map(|r| r.cells())
            .sum();
        group.throughput(Throughput::Elements(cells));
        group.bench_with_input(
            BenchmarkId::new("resolution_m", res),
            &communes,
            |b, communes| {
                b.iter(|| {
                    communes
                        .iter()
                        .map(|p| telecov::demand::grid_rows(p, res).len())
                        .sum::<usize>()
                })
            },
        );
    }
    group.finish();
}

fn layers(c: &mut Criterion) {
    let mut group = c.benchmark_group("layers");
    group.sample_size(10);
    for share in [0.2, 0.6, 0.9] {
        let mut s = generate(&CityConfig {
            fiber_passed_share: share,
            ..CityConfig::can_tho()
        });
        s.sites.clear();
        s.wifi.clear();
        s.parameters.resolution_m = 100.0;
        let segments = telecov::engine::build_indexes(&s, &Options::default())
            .unwrap()
            .fiber_segments;
        group.throughput(Throughput::Elements(segments as u64));
        group.bench_with_input(BenchmarkId::new("fiber_segments", segments), &s, |b, s| {
            b.iter(|| telecov::evaluate(s).unwrap())
        });
    }
    for n in [32usize, 1_000, 10_000] {
        let mut s = generate(&CityConfig {
            wifi_points: n,
            ..CityConfig::can_tho()
        });
        s.sites.clear();
        s.fiber.clear();
        s.parameters.resolution_m = 100.0;
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("wifi_points", n), &s, |b, s| {
            b.iter(|| telecov::evaluate(s).unwrap())
        });
    }
    group.finish();
}

fn lookup(c: &mut Criterion) {
    let mut group = c.benchmark_group("lookup");
    group.sample_size(10);
    for n in [250usize, 1_000] {
        let mut s = city(n);
        s.parameters.resolution_m = 400.0;
        for (name, lookup) in [
            ("indexed", Lookup::Indexed),
            ("exhaustive", Lookup::Exhaustive),
        ] {
            let options = Options {
                lookup,
                ..Options::default()
            };
            group.bench_with_input(BenchmarkId::new(name, n), &s, |b, s| {
                b.iter(|| telecov::evaluate_with(s, &options).unwrap())
            });
        }
    }
    group.finish();
}

fn points_mode(c: &mut Criterion) {
    let mut s = city(1_990);
    let bbox = s
        .communes
        .iter()
        .filter_map(|c| c.geometry.as_ref()?.bounding_rect())
        .reduce(|a, b| {
            geo::Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
        .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut group = c.benchmark_group("points_mode");
    group.sample_size(10);
    for n in [10_000usize, 100_000, 1_000_000, 10_000_000] {
        s.population = Some(
            (0..n)
                .map(|_| PopulationPoint {
                    location: Some(Point::new(
                        rng.random_range(bbox.min().x..bbox.max().x),
                        rng.random_range(bbox.min().y..bbox.max().y),
                    )),
                    population: 1.2,
                    households: 0.35,
                })
                .collect(),
        );
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("points", n), &s, |b, s| {
            b.iter(|| telecov::evaluate(s).unwrap())
        });
    }
    group.finish();
}

fn demo_end_to_end(c: &mut Criterion) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo");
    let scenario = telecov::io::load_scenario(dir).unwrap();
    let mut group = c.benchmark_group("demo");
    group.sample_size(10);
    group.bench_function("load", |b| {
        b.iter(|| telecov::io::load_scenario(dir).unwrap())
    });
    group.bench_function("evaluate", |b| {
        b.iter(|| telecov::evaluate(&scenario).unwrap())
    });
    group.bench_function("load_and_evaluate", |b| {
        b.iter(|| telecov::evaluate(&telecov::io::load_scenario(dir).unwrap()).unwrap())
    });
    // the scorecard stage of a coverage run against the whole run
    let report = telecov::evaluate(&scenario).unwrap();
    group.bench_function("scorecard", |b| {
        b.iter(|| telecov::scorecard::scorecard(&scenario, &report, &Options::default()).unwrap())
    });
    let out = tempfile::tempdir().unwrap();
    group.bench_function("report_scenario", |b| {
        b.iter(|| telecov::report_scenario(dir, out.path(), &Options::default()).unwrap())
    });
    group.finish();
}

/// Signal-level mode against range mode on the demo, same run: range mode
/// (row integration, the default), range mode sampled at cell centres (the
/// same demand points as the signal mode), signal-level mode with the 3GPP
/// pattern, and with SINR on the 4G layer.
fn signal_mode(c: &mut Criterion) {
    use telecov::engine::signal::{evaluate_signal, SignalOptions};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo");
    let scenario = telecov::io::load_scenario(dir).unwrap();
    let mut group = c.benchmark_group("signal");
    group.sample_size(10);
    group.bench_function("range_mode", |b| {
        b.iter(|| telecov::evaluate(&scenario).unwrap())
    });
    let centres = Options {
        sampling: telecov::Sampling::CellCentres,
        ..Options::default()
    };
    group.bench_function("range_mode_cell_centres", |b| {
        b.iter(|| telecov::evaluate_with(&scenario, &centres).unwrap())
    });
    group.bench_function("signal_mode", |b| {
        b.iter(|| evaluate_signal(&scenario, &SignalOptions::default()).unwrap())
    });
    let sinr = SignalOptions {
        sinr_technology: Some(telecov::model::Technology::G4),
        ..SignalOptions::default()
    };
    group.bench_function("signal_mode_sinr_4g", |b| {
        b.iter(|| evaluate_signal(&scenario, &sinr).unwrap())
    });
    group.finish();
}

criterion_group!(
    benches,
    demo_end_to_end,
    signal_mode,
    demand_points,
    demand_generation,
    index_build,
    sites,
    layers,
    lookup,
    points_mode
);
criterion_main!(benches);
