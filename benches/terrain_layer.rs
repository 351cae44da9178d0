//! One terrain-shaped site layer of 10 km radius over a 30 m (1″) DEM,
//! measured on its own: the figure to set beside Signal-Server's published
//! 11 s per site for a 10 km radius at 30 m. A 900 MHz (2G) omni layer on a
//! 30 m mast, the default handset, every ray of the footprint swept (rays
//! one DEM cell apart at 10 km, each sampled every cell), over the
//! synthetic mountains and the synthetic delta of `telecov::synth::dem`. One thread: the sweep of one layer is
//! sequential (layers run side by side in a whole run).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use geo::{Point, Rect};
use telecov::engine::footprint::{compute_footprint, FootprintRequest};
use telecov::model::{Dem, Environment, Site, Technology, Terrain, TerrainParameters};
use telecov::propagation::{RadioConfig, SiteLink};
use telecov::synth::dem::{delta_terrain, mountain_terrain, ONE_ARC_SECOND_DEG};

fn ten_km_layer(c: &mut Criterion) {
    let (lon, lat) = (105.8, 21.0);
    let pad = 0.12; // more than 10 km each way
    let bbox = Rect::new((lon - pad, lat - pad), (lon + pad, lat + pad));
    let site = Site::new(1, Point::new(lon, lat), [Technology::G2])
        .with_range_m(10_000.0)
        .with_height_m(30.0);
    let (link, _) = SiteLink::resolve(
        Technology::G2,
        &site.radio,
        site.height_m,
        Environment::Rural,
        &RadioConfig::default(),
    );
    let link = link.unwrap();
    let request = FootprintRequest {
        site: &site,
        technology: Technology::G2,
        range_m: 10_000.0,
        sector: None,
        environment: Environment::Rural,
        allowed_db: None,
    };
    let mut group = c.benchmark_group("terrain_layer_10km_30m");
    group.sample_size(10);
    for kind in ["mountain", "delta"] {
        let grid = match kind {
            "mountain" => mountain_terrain(bbox, ONE_ARC_SECOND_DEG, 1),
            _ => delta_terrain(bbox, ONE_ARC_SECOND_DEG, 1),
        }
        .unwrap();
        let terrain = Terrain::new(Dem::from(grid));
        let params = TerrainParameters::default();
        group.bench_with_input(BenchmarkId::from_parameter(kind), &kind, |b, _| {
            b.iter(|| compute_footprint(&terrain, &params, &request, &link).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, ten_km_layer);
criterion_main!(benches);
