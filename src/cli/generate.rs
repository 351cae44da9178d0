//! `telecov generate` (and the `generate_demo` example): the deterministic
//! synthetic city calibrated on Can Tho, written as a scenario folder.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::io::write_scenario;
use crate::model::Technology;
use crate::synth::{generate, CityConfig};
use clap::Args;
use geo::{Contains, Geodesic, GeodesicArea, Length};

/// `telecov generate`: the synthetic demo city (or a scaled copy) as a
/// scenario folder.
#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// Scenario directory to write (created if needed).
    #[arg(long, default_value = "data/demo")]
    pub out: PathBuf,
    /// Copies of the city, side by side (for benchmarks).
    #[arg(long, default_value_t = 1)]
    pub scale: u32,
    /// Seed of every random choice.
    #[arg(long, default_value_t = CityConfig::can_tho().seed)]
    pub seed: u64,
    /// The Vietnam-sized country of the scale study instead (128 copies,
    /// 331,000 km², 100,000 sites); `--scale` is ignored.
    #[arg(long)]
    pub vietnam: bool,
    /// Demand grid spacing written to scenario.toml, metres (default: the
    /// contract's 50; with `--vietnam`, the scale study's 100).
    #[arg(long)]
    pub resolution_m: Option<f64>,
}

/// Grid spacing of the Vietnam-sized country unless `--resolution-m` says
/// otherwise: the scale study's, metres.
pub const VIETNAM_RESOLUTION_M: f64 = 100.0;

impl GenerateArgs {
    /// The grid spacing to write, metres: `--resolution-m`, else
    /// [`VIETNAM_RESOLUTION_M`] with `--vietnam`, else the generated
    /// city's own (`None`).
    pub fn resolution(&self) -> Option<f64> {
        self.resolution_m
            .or(self.vietnam.then_some(VIETNAM_RESOLUTION_M))
    }
}

/// Runs `telecov generate`.
pub fn run(args: GenerateArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.scale == 0 || args.scale > crate::synth::MAX_SCALE {
        return Err(format!("--scale must be in 1..={}", crate::synth::MAX_SCALE).into());
    }
    let base = if args.vietnam {
        CityConfig::vietnam()
    } else {
        CityConfig::scaled(args.scale)
    };
    let config = CityConfig {
        seed: args.seed,
        ..base
    };
    let mut city = generate(&config);
    if let Some(r) = args.resolution() {
        if !(r.is_finite() && r > 0.0) {
            return Err(format!("--resolution-m must be a number > 0, got {r}").into());
        }
        city.parameters.resolution_m = r;
    }
    write_scenario(&args.out, &city)?;

    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut districts: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut people, mut households, mut area_m2) = (0.0, 0.0, 0.0);
    for c in &city.communes {
        *kinds
            .entry(c.kind.as_ref().map_or("?", |k| k.as_str()))
            .or_default() += 1;
        *districts
            .entry(c.district.as_deref().unwrap_or("?"))
            .or_default() += 1;
        people += c.population.unwrap_or(0.0);
        households += c.households.unwrap_or(0.0);
        area_m2 += c
            .geometry
            .as_ref()
            .map_or(0.0, |g| g.geodesic_area_unsigned());
    }
    let mut layers: BTreeMap<String, usize> = BTreeMap::new();
    let mut with = [0usize; 4];
    let mut sectored = 0;
    for s in &city.sites {
        let names: Vec<&str> = s.technologies.iter().map(Technology::as_str).collect();
        *layers.entry(names.join("+")).or_default() += 1;
        for t in s.technologies.iter() {
            with[t.index()] += 1;
        }
        sectored += usize::from(!s.sectors.is_empty());
    }
    let fiber_km: f64 = city
        .fiber
        .iter()
        .flat_map(|f| f.geometry.iter())
        .map(|ls| Geodesic.length(ls))
        .sum::<f64>()
        / 1000.0;
    let with_wifi = city
        .communes
        .iter()
        .filter(|c| {
            c.geometry
                .as_ref()
                .is_some_and(|g| city.wifi.iter().any(|w| g.contains(&w.location)))
        })
        .count();

    println!("wrote {}", args.out.display());
    println!(
        "communes: {} in {} districts {:?}",
        city.communes.len(),
        districts.len(),
        kinds
    );
    println!("area: {:.1} km² (geodesic)", area_m2 / 1e6);
    println!(
        "population: {people:.0} in {households:.0} households ({:.2} per household)",
        people / households
    );
    println!(
        "sites: {} ({} three-sector, {} omni); 2G {} / 3G {} / 4G {} / 5G {}",
        city.sites.len(),
        sectored,
        city.sites.len() - sectored,
        with[0],
        with[1],
        with[2],
        with[3]
    );
    println!("site layers: {layers:?}");
    println!("fibre: {} routes, {fiber_km:.0} km", city.fiber.len());
    println!("wifi: {} points in {with_wifi} communes", city.wifi.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: GenerateArgs,
    }

    fn parse(argv: &[&str]) -> GenerateArgs {
        Cli::try_parse_from(std::iter::once("generate").chain(argv.iter().copied()))
            .expect("valid arguments")
            .args
    }

    #[test]
    fn the_vietnam_sized_country_is_written_at_the_scale_studys_spacing() {
        assert_eq!(parse(&["--vietnam"]).resolution(), Some(100.0));
        assert_eq!(
            parse(&["--vietnam", "--resolution-m", "50"]).resolution(),
            Some(50.0)
        );
        // the city keeps its own (the contract's 50) unless asked
        assert_eq!(parse(&["--scale", "16"]).resolution(), None);
        assert_eq!(parse(&["--resolution-m", "100"]).resolution(), Some(100.0));
    }
}
