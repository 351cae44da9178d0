//! `telecov compare`: what changed between two runs (two years, or a run
//! and the run of its plan's `scenario_with_plan/`).

use std::path::PathBuf;

use clap::Args;

use crate::io::write::{write_changes, write_changes_map};
use crate::io::{read_commune_outlines, read_report};

/// `telecov compare BEFORE AFTER`: changes.json and changes.geojson.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Output folder of the earlier run (holding report.json).
    pub before: PathBuf,
    /// Output folder of the later run (holding report.json and communes.geojson).
    pub after: PathBuf,
    /// Output directory (default: out/compare).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs `telecov compare`.
pub fn run(args: CompareArgs) -> Result<(), Box<dyn std::error::Error>> {
    let before = read_report(&args.before)?;
    let after = read_report(&args.after)?;
    let changes = crate::report::compare(&before, &after)?;
    let out = args.out.unwrap_or_else(|| PathBuf::from("out/compare"));
    std::fs::create_dir_all(&out).map_err(|e| crate::Error::io(&out, e))?;
    let (b, a) = (
        args.before.display().to_string(),
        args.after.display().to_string(),
    );
    write_changes(out.join("changes.json"), &changes, &b, &a)?;
    let map = args.after.join("communes.geojson");
    let outlines = if map.is_file() {
        read_commune_outlines(&map)?
    } else {
        Vec::new()
    };
    write_changes_map(out.join("changes.geojson"), &changes, &outlines)?;

    println!("{b} -> {a}");
    println!(
        "{:<22} {:>12} {:>12} {:>10}",
        "figure", "before", "after", "change"
    );
    for (name, c) in &changes.totals {
        if name.starts_with("pct_")
            || name == "population"
            || name == "sites"
            || name == "wifi_points"
        {
            println!(
                "{name:<22} {:>12.3} {:>12.3} {:>+10.3}",
                c.before, c.after, c.change
            );
        }
    }
    let moved = changes
        .communes
        .iter()
        .filter(|c| c.figures.iter().any(|(_, f)| f.change != 0.0))
        .count();
    println!(
        "{} communes in both runs ({moved} with a change), {} new, {} gone",
        changes.communes.len(),
        changes.new.len(),
        changes.gone.len()
    );
    for (what, list) in [("new", &changes.new), ("gone", &changes.gone)] {
        for (id, name) in list.iter().take(10) {
            println!("  {what}: {id} {}", name.as_deref().unwrap_or(""));
        }
    }
    println!("written to {}/changes.json, changes.geojson", out.display());
    Ok(())
}
