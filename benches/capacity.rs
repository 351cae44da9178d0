//! Capacity study against the signal-level mode it builds on, on the demo
//! city with its operators' market shares, at `resolution_m` 200 and 100
//! (16 and 4 times fewer demand points than the demo's 50 m), so scaling
//! with the number of points is visible. Whole-process figures at the
//! demo's own resolution: `telecov coverage --capacity` under
//! `/usr/bin/time` (BENCHMARKS.md).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use telecov::engine::capacity::evaluate_capacity;
use telecov::engine::signal::{evaluate_signal, SignalOptions};
use telecov::model::{Parameters, Technology};

fn capacity_vs_signal(c: &mut Criterion) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo");
    let mut scenario = telecov::io::load_scenario(dir).unwrap();
    let p: Parameters = toml::from_str(
        "[capacity]\n[capacity.operators]\nViettel = 0.42\nVNPT = 0.31\nMobiFone = 0.27\n",
    )
    .unwrap();
    scenario.parameters.capacity = p.capacity;
    let sinr = SignalOptions {
        sinr_technology: Some(Technology::G4),
        ..SignalOptions::default()
    };
    let mut group = c.benchmark_group("capacity");
    group.sample_size(10);
    for res in [200.0, 100.0] {
        scenario.parameters.resolution_m = res;
        group.bench_with_input(BenchmarkId::new("signal_sinr_4g", res), &res, |b, _| {
            b.iter(|| evaluate_signal(&scenario, &sinr).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("capacity", res), &res, |b, _| {
            b.iter(|| evaluate_capacity(&scenario, &SignalOptions::default()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, capacity_vs_signal);
criterion_main!(benches);
