//! Coverage report on real Can Tho data (83 communes, 2019 census, WorldPop
//! 2020 raster, 2011 road layer) with synthetic sites.
//!
//! ```text
//! cargo run --release --example cantho_real -- ../shared/data/cantho --out OUT_DIR [--uniform] [--sites N] [--write-scenario]
//! ```
//!
//! The data folder is the public Can Tho set described in its README (it is
//! read in place, never copied into the repository). What is taken from it:
//!
//! - `communes_2020_83.geojson`: the 83 communes of 2020–2024. Properties
//!   are mapped to the scenario contract: `gso_code` → `id`, `name`,
//!   `district`, `type` (Phường / Xã / Thị trấn) → `kind`, `pop_2019` →
//!   `population`, `households_2019` → `households`. A commune without
//!   census figures in the GeoJSON takes them from
//!   `communes_2019_census.csv`, summed over the 2019 units whose
//!   `code_2020_83` is its code (and both sources are checked to agree).
//! - `worldpop_2020_1km_cantho.tif` (unless `--uniform`): the WorldPop 2020
//!   1 km raster, sub-sampled 10 × 10 per cell and rescaled inside each
//!   commune to its census figures (`telecov::io::raster_population`), so
//!   people are placed by the raster's pattern and the totals are the
//!   census's. With `--uniform` each commune's people are spread uniformly.
//! - `roads_2011_thesis.geojson`: the 2011 road lines stand in for fibre
//!   routes (`id` = feature number from 1).
//!
//! There is no public list of Can Tho's base stations, so the sites are
//! **synthetic** and deterministic (no randomness; the same every run):
//!
//! - `--sites` (default 1,990, the city's published BTS count) shared among
//!   communes in proportion to their census population, largest remainders,
//!   at least one per commune;
//! - inside a commune, sites sit at the first points of the Halton sequence
//!   (bases 2 and 3) over its bounding box that fall inside the polygon;
//! - every site carries 2G, 3G and 4G; the first 40 sites placed in wards
//!   of Quận Ninh Kiều also carry 5G;
//! - wards (phường): height 30 m, three 120° sectors (azimuths 0°, 120°,
//!   240°, turned by 37° × site number), ranges 2G 1,200 m, 3G 900 m, 4G
//!   700 m, 5G 250 m; towns (thị trấn): 35 m, omnidirectional, 3,000 /
//!   2,000 / 1,500 / 400 m; communes (xã): 40 m, omnidirectional, 6,000 /
//!   4,000 / 3,000 / 800 m;
//! - operators Viettel, VNPT, MobiFone in turn.
//!
//! It evaluates the scenario in memory and writes `OUT_DIR/report.json`,
//! `communes.geojson` and `sites.geojson` with `telecov::io::write`'s
//! writers (and, with `--write-scenario`, the mapped scenario itself in
//! `OUT_DIR/scenario/`, ready for the `coverage` and `plan` examples). The
//! report's warnings hold the data's own oddities (overlapping commune
//! polygons) and the communes whose raster total differs from the census by
//! more than 10 %. It prints the per-district table and the
//! raster-versus-census figures.
//!
//! It also writes `scorecard.json` and `scorecard.csv` against the city
//! plan's targets (fibre 60 % of households; mobile broadband, DTT,
//! schools, wifi communes 100 %) and prints the city's figures it can
//! compute: fibre (from the road lines standing in for routes) and mobile
//! broadband (from the synthetic sites), each labelled with its source.
//! The public data holds no position of DTT transmitters, schools, public
//! wifi points or service points, so `dtt_people_pct`,
//! `schools_connected_pct`, `wifi_communes_pct` and the service-point
//! indicators are absent; it lists the files a user supplies for them
//! (`broadcast.geojson`, `schools.geojson`, `wifi.geojson`,
//! `service_points.geojson`, see the README's input table).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use geo::{BoundingRect, Intersects, Point};
use serde_json::Value;
use telecov::io::{RasterOptions, RasterPopulation};
use telecov::model::{
    CommuneKind, FeatureId, RadioParams, Scenario, Sector, Site, SiteRange, TechSet, Technology,
};

/// Published number of BTS sites in Can Tho, the default site count.
pub const CANTHO_SITES: usize = 1_990;
/// Sites carrying 5G (in Ninh Kiều wards).
pub const CANTHO_5G_SITES: usize = 40;

#[derive(Parser)]
#[command(about = "Coverage report on the real Can Tho communes, census and WorldPop raster")]
pub struct Args {
    /// The Can Tho data folder (default: ../shared/data/cantho).
    data: Option<PathBuf>,
    /// Output directory (default: out/cantho_real).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Spread each commune's people uniformly instead of by the raster.
    #[arg(long)]
    uniform: bool,
    /// Number of synthetic sites.
    #[arg(long, default_value_t = CANTHO_SITES)]
    sites: usize,
    /// Also write the mapped scenario to OUT_DIR/scenario/ (for the
    /// `coverage` and `plan` examples; about 30 MB of population points).
    #[arg(long)]
    write_scenario: bool,
}

/// How to build the scenario.
#[derive(Debug, Clone, Copy)]
pub struct CanThoOptions {
    /// Use the WorldPop raster for where people live (else uniform).
    pub raster: bool,
    /// Number of synthetic sites.
    pub sites: usize,
}

impl Default for CanThoOptions {
    fn default() -> Self {
        CanThoOptions {
            raster: true,
            sites: CANTHO_SITES,
        }
    }
}

/// The scenario built from the data folder, with the raster's figures.
pub struct CanTho {
    /// The mapped scenario (communes, synthetic sites, roads as fibre,
    /// population points when the raster is used).
    pub scenario: Scenario,
    /// Raster and reconciled totals per commune, when the raster is used.
    pub raster: Option<RasterPopulation>,
}

type BoxError = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

pub fn run(args: Args) -> Result<(), BoxError> {
    let data = args
        .data
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/cantho"));
    let out = args.out.unwrap_or_else(|| PathBuf::from("out/cantho_real"));
    let t0 = Instant::now();
    let options = CanThoOptions {
        raster: !args.uniform,
        sites: args.sites,
    };
    if let (Ok(a), Ok(b)) = (data.canonicalize(), out.canonicalize()) {
        if a == b {
            return Err("the output directory is the data folder; write elsewhere".into());
        }
    }
    let cantho = build_scenario(&data, &options)?;
    let built = t0.elapsed();
    let mut scenario = cantho.scenario;
    scenario.parameters.targets = city_targets();
    let report = telecov::evaluate(&scenario)?;
    let card = telecov::scorecard::scorecard(&scenario, &report, &telecov::Options::default())?;
    let cantho = CanTho { scenario, ..cantho };
    std::fs::create_dir_all(&out)?;
    telecov::io::write::write_scorecard_json(out.join("scorecard.json"), &card)?;
    telecov::io::write::write_scorecard_csv(out.join("scorecard.csv"), &card)?;
    telecov::io::write::write_report(out.join("report.json"), &report)?;
    telecov::io::write::write_communes_map(
        out.join("communes.geojson"),
        &cantho.scenario,
        &report,
    )?;
    telecov::io::write::write_atomic(
        &out.join("sites.geojson"),
        telecov::io::write::sites_map(&cantho.scenario)
            .to_string()
            .as_bytes(),
    )?;
    if args.write_scenario {
        let scenario_dir = out.join("scenario");
        telecov::io::write_scenario(&scenario_dir, &cantho.scenario)?;
    }
    let elapsed = t0.elapsed();

    println!("Can Tho, real communes ({})", data.display());
    print!("{}", telecov::io::write::summary_table(&report));
    println!(
        "communes {}, people {:.0}, households {:.0}, sites {}, fibre routes {}",
        report.communes.len(),
        report.totals.population,
        report.totals.households,
        report.totals.sites,
        cantho.scenario.fiber.len()
    );
    if let Some(r) = &cantho.raster {
        let inside: f64 = r.communes.iter().map(|c| c.raster_population).sum();
        println!(
            "WorldPop 2020: {:.0} people in the raster window, {inside:.0} inside the communes ({:+.1} % against the census), {}×{} sub-points per cell; rescaled per commune to the census",
            r.raster_total,
            (inside / report.totals.population - 1.0) * 100.0,
            r.subsamples_per_side,
            r.subsamples_per_side
        );
        let mut far: Vec<_> = r
            .communes
            .iter()
            .filter_map(|c| c.raster_to_census_ratio().map(|k| (k, c)))
            .collect();
        far.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (k, c) in far.iter().take(3).chain(far.iter().rev().take(3)) {
            println!(
                "  commune {}: raster {:.0}, census {:.0} (×{k:.2})",
                c.id,
                c.raster_population,
                c.census_population.unwrap_or(0.0)
            );
        }
    }
    print_scorecard(&card);
    println!(
        "{} warning(s) in report.json; built in {:.2} s, total {:.2} s: {}/report.json, communes.geojson, sites.geojson, scorecard.json, scorecard.csv",
        report.warnings.len(),
        built.as_secs_f64(),
        elapsed.as_secs_f64(),
        out.display()
    );
    Ok(())
}

/// The city's digital-transformation targets (mid-2022 figures of its
/// information and communications department), as `[targets]`.
fn city_targets() -> telecov::model::Targets {
    telecov::model::Targets(
        [
            ("fiber_households_pct", 60.0),
            ("mobile_broadband_people_pct", 100.0),
            ("mobile_broadband_communes_pct", 100.0),
            ("dtt_people_pct", 100.0),
            ("schools_connected_pct", 100.0),
            ("wifi_communes_pct", 100.0),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    )
}

/// Prints the scorecard's city figures, where each comes from, and the
/// indicators public data cannot give with the file a user supplies.
fn print_scorecard(card: &telecov::scorecard::Scorecard) {
    println!("Scorecard (city; targets of the city's plan):");
    let source = |name: &str| match name {
        "fiber_households_pct" => "2011 road lines standing in for fibre routes",
        "mobile_broadband_people_pct" | "mobile_broadband_communes_pct" => {
            "synthetic sites (no public base-station list)"
        }
        _ => "",
    };
    let num = |v: Option<f64>| v.map_or("–".to_owned(), |x| format!("{x:.2}"));
    for (name, i) in &card.city {
        println!(
            "  {name:<32} {:>7} target {:>5} met {:<5} gap {:>10}  ({})",
            num(i.value),
            num(i.target),
            i.met.map_or("–".to_owned(), |m| m.to_string()),
            num(i.gap),
            source(name)
        );
    }
    println!("Not computable from the public data (no public positions); supply these files:");
    for (names, file) in [
        (
            "dtt_people_pct",
            "broadcast.geojson: DTT transmitters, points with id, range_m (erp_kw, height_m, frequency_mhz kept)",
        ),
        (
            "schools_connected_pct",
            "schools.geojson: points with id, optional name, level, students, connected",
        ),
        (
            "wifi_communes_pct",
            "wifi.geojson: public wifi points with id, optional range_m",
        ),
        (
            "telecom/postal/internet_agent_within_range_pct, people_per_…",
            "service_points.geojson: points with id, kind = telecom | postal | internet_agent",
        ),
    ] {
        println!("  {names:<32} {file}");
    }
}

/// Builds the Can Tho scenario from the data folder (see the file's docs).
pub fn build_scenario(data: &Path, options: &CanThoOptions) -> Result<CanTho, BoxError> {
    let staging = tempfile::tempdir()?;
    // communes: the contract's property names
    let communes_json = mapped_communes(data)?;
    std::fs::write(
        staging.path().join("communes.geojson"),
        serde_json::to_vec(&communes_json)?,
    )?;
    // roads as fibre routes, with ids
    let mut roads: Value = read_json(&data.join("roads_2011_thesis.geojson"))?;
    if let Some(features) = roads.get_mut("features").and_then(Value::as_array_mut) {
        for (i, f) in features.iter_mut().enumerate() {
            let mut props = serde_json::Map::new();
            props.insert("id".into(), Value::from(i + 1));
            if let Some(Value::Object(old)) = f.get("properties") {
                if let Some(name) = old.get("ten_duong").filter(|v| v.is_string()) {
                    props.insert("name".into(), name.clone());
                }
            }
            f["properties"] = Value::Object(props);
        }
    }
    std::fs::write(
        staging.path().join("fiber.geojson"),
        serde_json::to_vec(&roads)?,
    )?;
    let mut scenario = telecov::io::load_scenario(staging.path())?;

    let raster = if options.raster {
        let grid = telecov::io::read_population_raster(data.join("worldpop_2020_1km_cantho.tif"))?;
        let out = telecov::io::raster_population(
            &grid,
            &scenario.communes,
            &RasterOptions {
                subsamples_per_side: Some(10),
            },
        )?;
        scenario.population = Some(out.points.clone());
        Some(out)
    } else {
        None
    };
    scenario.sites = synthetic_sites(&scenario, options.sites);
    if let Some(r) = &raster {
        scenario.warnings.extend(r.warnings.iter().cloned());
    }
    Ok(CanTho { scenario, raster })
}

fn read_json(path: &Path) -> Result<Value, BoxError> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?)
}

/// `communes_2020_83.geojson` with the contract's property names; census
/// figures missing there come from `communes_2019_census.csv`.
fn mapped_communes(data: &Path) -> Result<Value, BoxError> {
    let path = data.join("communes_2020_83.geojson");
    let mut fc = read_json(&path)?;
    let census = census_by_2020_code(&data.join("communes_2019_census.csv"))?;
    let features = fc
        .get_mut("features")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| format!("{}: no features array", path.display()))?;
    for (i, f) in features.iter_mut().enumerate() {
        let old = f
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let code = old
            .get("gso_code")
            .and_then(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .or_else(|| v.as_i64().map(|c| c.to_string()))
            })
            .ok_or_else(|| format!("{}: feature {i}: no gso_code", path.display()))?;
        let from_csv = census.get(&code).copied();
        let number = |key: &str, csv: Option<f64>| -> Result<f64, BoxError> {
            let given = old.get(key).and_then(Value::as_f64);
            match (given, csv) {
                (Some(g), Some(c)) if g != c => Err(format!(
                    "{}: commune {code}: {key} {g} differs from the census CSV's {c}",
                    path.display()
                )
                .into()),
                (Some(g), _) => Ok(g),
                (None, Some(c)) => Ok(c),
                (None, None) => Err(format!(
                    "{}: commune {code}: no {key}, and not in communes_2019_census.csv",
                    path.display()
                )
                .into()),
            }
        };
        let population = number("pop_2019", from_csv.map(|c| c.0))?;
        let households = number("households_2019", from_csv.map(|c| c.1))?;
        let mut props = serde_json::Map::new();
        props.insert("id".into(), Value::from(code.clone()));
        for (to, from) in [("name", "name"), ("district", "district"), ("kind", "type")] {
            if let Some(v) = old.get(from).filter(|v| v.is_string()) {
                props.insert(to.into(), v.clone());
            }
        }
        props.insert("population".into(), Value::from(population));
        props.insert("households".into(), Value::from(households));
        f["properties"] = Value::Object(props);
    }
    if let Some(obj) = fc.as_object_mut() {
        // the CRS84 member is WGS 84 lon/lat, as the contract has it
        obj.remove("crs");
        obj.remove("name");
    }
    Ok(fc)
}

/// Census population and households per 2020 commune code, summed over the
/// 2019 units of the census CSV.
fn census_by_2020_code(path: &Path) -> Result<HashMap<String, (f64, f64)>, BoxError> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("{}: no column {name:?}", path.display()))
    };
    let (code, pop, hh) = (
        col("code_2020_83")?,
        col("pop_2019")?,
        col("households_2019")?,
    );
    let mut out: HashMap<String, (f64, f64)> = HashMap::new();
    for (line, record) in reader.records().enumerate() {
        let record = record?;
        let field = |i: usize| record.get(i).unwrap_or_default().trim();
        let num = |i: usize| -> Result<f64, BoxError> {
            field(i).parse::<f64>().map_err(|_| {
                format!(
                    "{}: line {}: {:?} is not a number",
                    path.display(),
                    line + 2,
                    field(i)
                )
                .into()
            })
        };
        let e = out.entry(field(code).to_owned()).or_default();
        e.0 += num(pop)?;
        e.1 += num(hh)?;
    }
    Ok(out)
}

/// Element `i` of the van der Corput sequence in `base`.
fn van_der_corput(mut i: u64, base: u64) -> f64 {
    let (mut x, mut f) = (0.0, 1.0 / base as f64);
    while i > 0 {
        x += (i % base) as f64 * f;
        i /= base;
        f /= base as f64;
    }
    x
}

/// Shares `total` among `weights` by largest remainders, at least one each
/// (when `total` allows).
fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let floor = usize::from(total >= n);
    let rest = total - floor * n;
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights
        .iter()
        .map(|w| {
            if sum > 0.0 {
                w / sum * rest as f64
            } else {
                0.0
            }
        })
        .collect();
    let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize + floor).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let mut left = total - counts.iter().sum::<usize>();
    for i in order.into_iter().cycle().take(n * 2) {
        if left == 0 {
            break;
        }
        counts[i] += 1;
        left -= 1;
    }
    counts
}

/// The synthetic sites (see the file's docs).
fn synthetic_sites(scenario: &Scenario, total: usize) -> Vec<Site> {
    let weights: Vec<f64> = scenario
        .communes
        .iter()
        .map(|c| {
            if c.geometry.is_some() {
                c.population.unwrap_or(0.0)
            } else {
                0.0
            }
        })
        .collect();
    let counts = apportion(total, &weights);
    let operators = ["Viettel", "VNPT", "MobiFone"];
    let mut sites = Vec::with_capacity(total);
    let mut five_g = 0;
    for (c, &count) in scenario.communes.iter().zip(&counts) {
        let Some(geometry) = &c.geometry else {
            continue;
        };
        let Some(bbox) = geometry.bounding_rect() else {
            continue;
        };
        let kind = c.kind.clone().unwrap_or(CommuneKind::Commune);
        let ninh_kieu = c
            .district
            .as_deref()
            .is_some_and(|d| d.contains("Ninh Kiều"));
        let mut placed = 0;
        let mut k: u64 = 1;
        while placed < count && k < 1_000_000 {
            let p = Point::new(
                bbox.min().x + van_der_corput(k, 2) * bbox.width(),
                bbox.min().y + van_der_corput(k, 3) * bbox.height(),
            );
            k += 1;
            if !geometry.intersects(&p) {
                continue;
            }
            placed += 1;
            let n = sites.len();
            let mut technologies: TechSet = [Technology::G2, Technology::G3, Technology::G4]
                .into_iter()
                .collect();
            if kind == CommuneKind::Ward && ninh_kieu && five_g < CANTHO_5G_SITES {
                technologies.insert(Technology::G5);
                five_g += 1;
            }
            let (height_m, ranges, sectors) = match kind {
                CommuneKind::Ward => {
                    let turn = (n as f64 * 37.0) % 120.0;
                    let sectors = (0..3)
                        .map(|s| Sector {
                            azimuth_deg: turn + 120.0 * f64::from(s),
                            beamwidth_deg: 120.0,
                            range_m: None,
                        })
                        .collect();
                    (30.0, [1_200.0, 900.0, 700.0, 250.0], sectors)
                }
                CommuneKind::Town => (35.0, [3_000.0, 2_000.0, 1_500.0, 400.0], Vec::new()),
                _ => (40.0, [6_000.0, 4_000.0, 3_000.0, 800.0], Vec::new()),
            };
            sites.push(Site {
                id: FeatureId::Str(format!("CT{:04}", n + 1)),
                operator: operators.get(n % operators.len()).map(|s| (*s).to_owned()),
                technologies,
                height_m,
                range_m: SiteRange::PerTechnology(Technology::ALL.map(|t| {
                    ranges
                        .get(t.index())
                        .copied()
                        .filter(|_| technologies.contains(t))
                })),
                sectors,
                radio: RadioParams::default(),
                location: Point::new(round6(p.x()), round6(p.y())),
            });
        }
    }
    sites
}

/// Degrees rounded to 1e-6 (about 0.1 m), as the input files are.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
