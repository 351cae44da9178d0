//! Writes a synthetic `terrain.tif` into a scenario folder, over the
//! communes' box padded by 10 km: the flat delta or the mountains of
//! `telecov::synth::dem`, at a cell size in metres (30 m ≈ 1″, 90 m ≈ 3″).
//!
//! ```sh
//! cargo run --release --example add_terrain -- SCENARIO_DIR [--kind delta|mountain] [--cell-m 30] [--seed 1]
//! ```
//!
//! The folder is changed in place: copy a scenario first (never point it
//! at `data/demo`, whose report stays terrain-free).

use geo::{BoundingRect, Rect};
use telecov::synth::dem::{delta_terrain, mountain_terrain, write_terrain_tif, ONE_ARC_SECOND_DEG};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let (mut kind, mut cell_m, mut seed) = ("mountain".to_owned(), 30.0f64, 1u64);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--kind" => kind = args.next().ok_or("--kind needs a value")?,
            "--cell-m" => cell_m = args.next().ok_or("--cell-m needs a value")?.parse()?,
            "--seed" => seed = args.next().ok_or("--seed needs a value")?.parse()?,
            _ => dir = Some(std::path::PathBuf::from(a)),
        }
    }
    let dir = dir.ok_or(
        "usage: add_terrain SCENARIO_DIR [--kind delta|mountain] [--cell-m 30] [--seed 1]",
    )?;
    let scenario = telecov::io::load_scenario(&dir)?;
    let bbox = scenario
        .communes
        .iter()
        .filter_map(|c| c.geometry.as_ref()?.bounding_rect())
        .reduce(|a, b| {
            Rect::new(
                (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
            )
        })
        .ok_or("the scenario has no commune geometry")?;
    let pad = 0.1;
    let bbox = Rect::new(
        (bbox.min().x - pad, bbox.min().y - pad),
        (bbox.max().x + pad, bbox.max().y + pad),
    );
    // 1″ is about 30.9 m of latitude
    let cell_deg = cell_m / 30.87 * ONE_ARC_SECOND_DEG;
    let grid = match kind.as_str() {
        "delta" => delta_terrain(bbox, cell_deg, seed)?,
        "mountain" => mountain_terrain(bbox, cell_deg, seed)?,
        other => return Err(format!("unknown --kind {other} (delta or mountain)").into()),
    };
    let path = write_terrain_tif(&dir, &grid)?;
    let l = grid.layout();
    println!(
        "{}: {} × {} samples of {cell_deg:.6}°",
        path.display(),
        l.width,
        l.height
    );
    Ok(())
}
