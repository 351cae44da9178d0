//! # telecov: telecom coverage planning per administrative unit
//!
//! telecov answers, commune by commune, the questions a department of
//! information and communications asks of its networks: what share of the
//! population do 2G, 3G, 4G and 5G reach, what share of households is passed
//! by fibre, which communes have public wifi, and who lives in the gaps.
//!
//! ```
//! use geo::{polygon, MultiPolygon, Point};
//! use telecov::model::*;
//!
//! // one square commune of about 2.2 km × 2.2 km near Can Tho, 10,000 people
//! let commune = Commune {
//!     id: FeatureId::Str("31117".into()),
//!     name: Some("Phường Tân An".into()),
//!     district: Some("Ninh Kiều".into()),
//!     kind: Some(CommuneKind::Ward),
//!     population: Some(10_000.0),
//!     households: Some(2_900.0),
//!     geometry: Some(MultiPolygon(vec![polygon![
//!         (x: 105.77, y: 10.02), (x: 105.79, y: 10.02), (x: 105.79, y: 10.04),
//!         (x: 105.77, y: 10.04), (x: 105.77, y: 10.02),
//!     ]])),
//! };
//! // one 4G site in the middle reaching 800 m
//! let site = Site {
//!     id: FeatureId::Int(1),
//!     operator: None,
//!     technologies: [Technology::G4].into_iter().collect(),
//!     height_m: DEFAULT_HEIGHT_M,
//!     range_m: SiteRange::All(800.0),
//!     sectors: vec![],
//!     radio: RadioParams::default(),
//!     location: Point::new(105.78, 10.03),
//! };
//! let scenario = Scenario { communes: vec![commune], sites: vec![site], ..Scenario::default() };
//! let report = telecov::evaluate(&scenario)?;
//! // π·800² / (2.19 km × 2.21 km) ≈ 41.5 % of the area, hence of the people
//! let pct = report.communes[0].population_covered_pct(Technology::G4);
//! assert!((pct - 41.5).abs() < 0.5, "{pct}");
//! assert_eq!(report.communes[0].population_covered.mobile_broadband, report.communes[0].population_covered.g4);
//! # Ok::<(), telecov::Error>(())
//! ```
//!
//! ## Pipeline and modules
//!
//! | step | module | entry point |
//! | --- | --- | --- |
//! | load and validate a scenario directory | [`io`] | [`io::load_scenario`] |
//! | the domain model (plain data) | [`model`] | [`model::Scenario`] |
//! | WGS 84 → metres | [`geodesy`] | [`geodesy::Strips`] |
//! | radio ranges from link budgets (Okumura-Hata, COST-231-Hata, 3GPP TR 38.901) | [`propagation`] | [`propagation::link_budget_range_m`] |
//! | demand grid / points | [`engine::demand`] | [`demand::grid_rows`] |
//! | indexes and parallel evaluation | [`engine`] | [`evaluate`], [`evaluate_with`] |
//! | signal-level mode: best server, antenna pattern, SINR | [`engine::signal`] | [`engine::signal::evaluate_signal`], [`engine::signal::best_server_map`] |
//! | signal-level rasters on a WGS 84 grid (level, SINR, serving site) | [`engine::raster`] | [`engine::raster::signal_raster`], [`io::write::write_signal_rasters`] (GeoTIFF) |
//! | per-commune figures, totals | [`report`] | [`Report`] |
//! | the digital-infrastructure scorecard against `[targets]` (schools, service points, DTT, fibre, mobile broadband, wifi) | [`scorecard`] | [`scorecard::scorecard`], [`io::write::write_scorecard_json`] |
//! | report.json, maps, plans, tables | [`io::write`] | [`io::write::write_report`], [`report_scenario`] |
//! | report.html (offline interactive map), map.png | [`io::write`](mod@io::write) | [`io::write::report_html`], [`io::write::map_png()`] |
//! | gap maps, site / wifi / fibre planning to targets | [`planning`] | [`planning::find_gaps`], [`planning::plan`] |
//! | synthetic cities for demos and benchmarks | [`synth`] | [`synth::generate`] |
//!
//! ## Cargo features
//!
//! | feature | default | what it adds | needs |
//! | --- | --- | --- | --- |
//! | `proj` | no | scenario files in another coordinate reference system: `crs = "EPSG:3405"` (VN-2000 / UTM zone 48N), or any PROJ string, in scenario.toml; positions are transformed to WGS 84 when loaded ([`io::load_scenario`]) | the georust `proj` crate, which builds PROJ 9.6 from the source it ships (SQLite bundled, `proj.db` embedded, no network): `cmake` and the `sqlite3` program at build time, nothing at run time |
//!
//! Without it the crate builds with Rust alone (no system library), and a
//! `crs` other than WGS 84 is refused with a message naming the feature.
//!
//! ## Units and coordinates
//!
//! - Input and output coordinates are WGS 84 longitude/latitude in degrees
//!   (RFC 7946 GeoJSON). With the `proj` feature, input files may be in
//!   another CRS named by `crs` in scenario.toml; they are transformed at
//!   load, and everything after loading (the model, the outputs) is WGS 84.
//! - Distances and ranges are metres on the ground (`range_m`, `height_m`,
//!   `fiber_drop_m`, `resolution_m`); areas are km² where the name says so
//!   (`area_km2`, on the WGS 84 ellipsoid: within 10⁻⁶ of the geodesic area). Radio quantities carry their unit
//!   (`frequency_mhz`, `tx_power_dbm`, `antenna_gain_dbi`, `_db`).
//! - Inside, geometry is projected to transverse Mercator frames of 1°-wide
//!   longitude strips, where distances are true to better than 0.01 %; ranges
//!   are corrected by the local scale factor and sector azimuths (true north,
//!   clockwise) by the grid convergence.
//! - Scenarios around the antimeridian (Fiji, Chukotka) are supported by
//!   the report, the signal mode, gap maps and planning alike: communes on
//!   both sides of 180° (or cut there as RFC 7946 §3.1.9 asks) are measured
//!   with continuous longitudes, so a site at 179.995° covers across.
//!   Every output stays in [−180, 180]; gap polygons and planned fibre
//!   segments crossing 180° are cut there into parts (RFC 7946 §3.1.9).
//!
//! ## Demand and counting
//!
//! Without demand points, each commune's population and households are
//! spread uniformly over its area and sampled at the centres of a
//! `resolution_m` grid, so a commune's covered share is the covered share of
//! its area. With `population.geojson`, each point belongs to the first
//! commune in input order that contains it (boundary included) or is
//! *unassigned*. Every person and household of the input is counted once;
//! the report is refused (an internal error) rather than written if that
//! ever fails. Results are bit-identical whatever the number of threads.
//!
//! ## Reading of the contract
//!
//! Where the scenario contract leaves room, telecov reads it as follows:
//! - ids are written back in their input JSON type (string or integer);
//! - `kind` is normalised to `ward`, `commune` or `town` (the Vietnamese
//!   names included); other values are kept as given, with a warning;
//! - `totals.sites` and `totals.wifi_points` count the features loaded; a
//!   feature skipped for its null geometry is named in `warnings` instead;
//! - the report adds one field to the contract: `demand` (`uniform` or
//!   `points`);
//! - uniform demand is "estimated on a grid of `resolution_m`" by row
//!   integration ([`Sampling::Rows`]): rows `resolution_m` high with their
//!   exact areas, covered shares measured on three lines per row where
//!   covered lengths are exact, rather than by counting cell centres, which can miss the contract's 0.5-point rule
//!   on small communes with straight edges ([`Sampling::CellCentres`] keeps
//!   that estimate available);
//! - consequently a commune smaller than one cell keeps its people spread
//!   over its own, exactly measured area; a representative point inside it
//!   carries them only when its area cannot be measured (degenerate
//!   geometry), with a warning.
//! - scenario.toml may hold two optional tables beyond the contract's
//!   keys, for the link budget: `[radio]` (handset height, shadowing,
//!   cell-edge probability, front-to-back ratio, and `[radio.2G]` …
//!   `[radio.5G]` with each technology's band, power, gains, losses,
//!   bandwidth, noise figure and required SINR; see
//!   [`propagation::RadioConfig`]) and `[environment]` (the environment of
//!   each commune kind, of sites outside communes, and per-commune
//!   overrides by id; see [`propagation::EnvironmentRules`]). Any other key
//!   is still refused. They are echoed in `report.json`'s `parameters` only
//!   when they differ from the defaults, so a contract-only scenario's
//!   report holds exactly the contract's parameters;
//! - a site may carry an `environment` property (`urban`, `suburban`,
//!   `rural`, `open`) that overrides the commune's for its link budget;
//! - a scenario may give its sites as `sites.csv` instead of
//!   `sites.geojson` (one row per site or per cell, header aliases of common
//!   exports: [`io::read_sites_csv`]; both files at once is refused), and its
//!   population as a WGS 84 GeoTIFF `population.tif` (WorldPop style)
//!   instead of `population.geojson`: each raster cell is sub-sampled into
//!   demand points, rescaled per commune to the communes' census figures
//!   when they are given ([`io::raster`]). Both feed the same engine as the
//!   contract's files;
//! - scenario.toml may hold a top-level `crs`, the coordinate reference
//!   system of every input position (GeoJSON files and `sites.csv`). Absent,
//!   `"EPSG:4326"`, `"OGC:CRS84"` or `"WGS84"` (any case) is the contract's
//!   WGS 84 longitude/latitude, read longitude first as GeoJSON writes it
//!   (not in EPSG:4326's official latitude-first order). Any other CRS
//!   needs the `proj` feature; positions are transformed to WGS 84 right
//!   after parsing, before the range checks, and a position that cannot be
//!   transformed is refused naming file, feature and `geometry`. Site
//!   azimuths stay degrees from true north and every range, height and
//!   drop stays metres on the ground. `report.json` echoes `crs` in
//!   `parameters` only when it is not WGS 84, and
//!   [`io::write_scenario`] never writes it (it writes WGS 84).
//!   `population.tif` is georeferenced by its own GeoKeys and must be
//!   WGS 84 whatever `crs` says.
//! - a scenario may hold its terrain, `terrain.tif` or `terrain/*.hgt`
//!   ([`io::read_scenario_dem`]; [`io::scenario_terrain`] is what the
//!   loader keeps: the files' digest, the heights decoded on first use),
//!   and scenario.toml a `[terrain]` table (`model = "delta-bullington"`
//!   or `"none"`, `k_factor`, `clutter = "none"` or `"commune"` with
//!   `clutter_urban_m`, `clutter_suburban_m`, `clutter_rural_m`;
//!   [`model::TerrainParameters`]). The range mode's discs and wedges then
//!   become terrain-shaped footprints ([`engine::footprint`]); flat ground
//!   gives the terrain-free figures. [`report_scenario`] caches footprints
//!   in `OUT_DIR/.telecov-cache` ([`io::footprint_cache`],
//!   [`report_scenario_with_cache`]); a run that finds them all there
//!   never decodes the DEM, and takes the elevation files' digests from
//!   the cache's `file-digests.tsv` when the files are unchanged
//!   ([`io::read::dem::DIGEST_MEMO`]) instead of hashing them again.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "cli")]
pub mod cli;
pub mod engine;
pub mod error;
pub mod geodesy;
pub mod io;
pub mod model;
pub mod planning;
pub mod propagation;
pub mod report;
pub mod scorecard;
pub mod synth;

use std::path::Path;

pub use error::{Error, Result};

pub use engine::{demand, Lookup, Options, Progress, Sampling};
pub use report::Report;

/// Evaluates the coverage of a scenario with the default [`Options`].
///
/// ```no_run
/// let scenario = telecov::io::load_scenario("data/demo")?;
/// let report = telecov::evaluate(&scenario)?;
/// println!("4G reaches {:.1} % of residents", report.population_covered_pct(telecov::model::Technology::G4));
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn evaluate(scenario: &model::Scenario) -> Result<Report> {
    evaluate_with(scenario, &Options::default())
}

/// Evaluates the coverage of a scenario with explicit [`Options`].
pub fn evaluate_with(scenario: &model::Scenario, options: &Options) -> Result<Report> {
    report::measure(scenario, options, None)
}

/// [`evaluate_with`], reporting its progress to `progress` while
/// demand is measured (the long stage of a large run), for progress bars.
/// The report is the same as without it.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let scenario = telecov::synth::generate(&telecov::synth::CityConfig::can_tho());
/// let last = AtomicUsize::new(0);
/// let report = telecov::evaluate_with_progress(
///     &scenario,
///     &telecov::Options::default(),
///     &|done, _total| { last.fetch_max(done, Ordering::Relaxed); },
/// )?;
/// assert_eq!(last.load(Ordering::Relaxed), scenario.communes.len());
/// assert_eq!(report, telecov::evaluate(&scenario)?);
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn evaluate_with_progress(
    scenario: &model::Scenario,
    options: &Options,
    progress: Progress<'_>,
) -> Result<Report> {
    report::measure(scenario, options, Some(progress))
}

/// [`evaluate_with`], also returning what the engine decided for each site
/// ([`engine::SiteAudit`]: commune, environment, range per technology and
/// why, link-budget terms), from the same pass: what `sites.geojson` is
/// written from ([`io::write::write_sites_audit`]).
///
/// ```
/// let scenario = telecov::synth::generate(&telecov::synth::CityConfig { sites: 50, ..Default::default() });
/// let (report, audits) = telecov::evaluate_with_sites(&scenario, &telecov::Options::default())?;
/// assert_eq!(audits, telecov::engine::audit_sites(&scenario));
/// assert_eq!(report, telecov::evaluate(&scenario)?);
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn evaluate_with_sites(
    scenario: &model::Scenario,
    options: &Options,
) -> Result<(Report, Vec<engine::SiteAudit>)> {
    report::measure_audited(scenario, options)
}

/// Loads the scenario in `scenario_dir`, evaluates it with `options` and
/// writes `report.json`, `communes.geojson` and `communes.csv` (flat
/// figures per commune, [`io::write::commune_columns`]), `sites.geojson`
/// ([`io::write::sites_map`]) and `gaps.geojson` (uncovered regions of every
/// layer, [`planning::find_gaps`]), `report.html` (the interactive map and
/// tables, [`io::write::html`]) and `map.png` (the 4G choropleth,
/// [`io::write::map_png()`]), and `scorecard.json` / `scorecard.csv` (the
/// digital-infrastructure scorecard, [`scorecard::scorecard`]) into
/// `out_dir` (created if needed).
/// Returns the report.
///
/// Nothing is written unless every step before succeeds: a refused
/// scenario leaves `out_dir` untouched. `out_dir` must not be the scenario
/// directory (outputs never mix with inputs).
///
/// ```no_run
/// let report = telecov::report_scenario("data/demo", "out/demo", &telecov::Options::default())?;
/// println!("{}", telecov::io::write::summary_table(&report));
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn report_scenario(
    scenario_dir: impl AsRef<Path>,
    out_dir: impl AsRef<Path>,
    options: &Options,
) -> Result<Report> {
    let cache = out_dir.as_ref().join(io::footprint_cache::CACHE_DIR);
    report_scenario_with_cache(scenario_dir, out_dir, options, Some(&cache))
}

/// [`report_scenario`] with the terrain footprint cache in `cache_dir`
/// (`None`: no cache). A scenario with terrain loads the footprints cached
/// for its DEM before evaluating and, once every output is written, adds
/// those it computed ([`io::footprint_cache`]). [`report_scenario`] uses
/// `OUT_DIR/.telecov-cache`.
pub fn report_scenario_with_cache(
    scenario_dir: impl AsRef<Path>,
    out_dir: impl AsRef<Path>,
    options: &Options,
    cache_dir: Option<&Path>,
) -> Result<Report> {
    report_scenario_with_stages(scenario_dir, out_dir, options, cache_dir, &|_, _| {})
}

/// The files [`report_scenario`] writes, in the order `telecov coverage`
/// lists them.
pub const OUTPUT_FILES: [&str; 9] = [
    "report.json",
    "report.html",
    "map.png",
    "communes.geojson",
    "communes.csv",
    "sites.geojson",
    "gaps.geojson",
    "scorecard.json",
    "scorecard.csv",
];

/// [`report_scenario_with_cache`], telling `stage` the wall time of each
/// stage as it ends: `load`, `evaluate`, then `gaps` (the gap maps) and,
/// built beside them, `scorecard`, the files that need neither (one entry
/// per file, such as `report.json` or `map.png` with the drawing of its
/// picture) and `report.html page` (the page but for the gaps' paths),
/// then `report.html` and `gaps.geojson`, which need the gap maps, and
/// `write` for everything after `evaluate`: what `telecov
/// coverage --timings` prints. The files ([`OUTPUT_FILES`]) are written into
/// a staging folder inside `out_dir` and moved into place once all are
/// written.
///
/// ```no_run
/// let report = telecov::report_scenario_with_stages(
///     "data/demo",
///     "out/demo",
///     &telecov::Options::default(),
///     None,
///     &|name, took| eprintln!("{name}: {:.1} ms", took.as_secs_f64() * 1e3),
/// )?;
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn report_scenario_with_stages(
    scenario_dir: impl AsRef<Path>,
    out_dir: impl AsRef<Path>,
    options: &Options,
    cache_dir: Option<&Path>,
    stage: &(dyn Fn(&str, std::time::Duration) + Sync),
) -> Result<Report> {
    report_scenario_keeping(scenario_dir, out_dir, options, cache_dir, stage)
        .map(|(report, _)| report)
}

/// [`report_scenario_with_stages`], returning the loaded scenario with the
/// report (for a command that uses it further, or lets the process's exit
/// release it instead of freeing its footprints one by one).
pub(crate) fn report_scenario_keeping(
    scenario_dir: impl AsRef<Path>,
    out_dir: impl AsRef<Path>,
    options: &Options,
    cache_dir: Option<&Path>,
    stage: &(dyn Fn(&str, std::time::Duration) + Sync),
) -> Result<(Report, model::Scenario)> {
    use std::time::Instant;
    let timed = |name: &str, t0: Instant| stage(name, t0.elapsed());
    let (scenario_dir, out_dir) = (scenario_dir.as_ref(), out_dir.as_ref());
    if let (Ok(a), Ok(b)) = (scenario_dir.canonicalize(), out_dir.canonicalize()) {
        if a == b {
            return Err(Error::Parameter {
                name: "out_dir",
                reason: format!(
                    "{} is the scenario directory; write the outputs elsewhere",
                    out_dir.display()
                ),
            });
        }
    }
    let t0 = Instant::now();
    // with the terrain footprints cached by earlier runs
    let scenario = io::read::scenario::load_scenario_with_cache(scenario_dir, cache_dir)?;
    timed("load", t0);
    // the engine's indexes serve the gap maps too; the scorecard's access
    // discs are measured on the report's own lines
    let t0 = Instant::now();
    let discs = scorecard::access_discs(&scenario);
    let (report, audits, mut probe) = report::measure_keeping(&scenario, options, discs.as_ref())?;
    drop(discs);
    let access_measured = probe.as_mut().and_then(|p| p.take_alongside());
    timed("evaluate", t0);
    let t0 = Instant::now();
    let gap_options = planning::GapOptions {
        engine: *options,
        ..Default::default()
    };
    // Files into a staging folder inside `out_dir`, moved into place only
    // when all are written: a refused report writes nothing. Each file is
    // written on its own task (the pictures drawn on theirs); those that do
    // not need the gap maps (and the scorecard they need) beside the gap
    // maps, then the two that do.
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let staging = io::write::Staging::new(out_dir, OUTPUT_FILES)?;
    type Writer<'w> = &'w (dyn Fn(&Path) -> Result<()> + Sync);
    let write_all = |files: &[(&str, Writer<'_>)]| -> Result<()> {
        use rayon::prelude::*;
        files
            .par_iter()
            .map(|(name, write)| {
                let t0 = Instant::now();
                let written = write(&staging.path(name));
                timed(name, t0);
                written
            })
            .collect::<Vec<Result<()>>>()
            .into_iter()
            .collect()
    };
    // Two branches side by side. One takes the engine's indexes: the
    // schools and the scorecard's access discs are measured on them first,
    // then the gap maps take them, beside the scorecard's files and
    // report.html's page but for its gaps. The other writes the files that
    // need neither the gap maps nor the scorecard.
    let independent: [(&str, Writer<'_>); 5] = [
        ("sites.geojson", &|p| {
            io::write::write_sites_audit(p, &scenario, &audits)
        }),
        ("communes.geojson", &|p| {
            io::write::write_communes_map(p, &scenario, &report)
        }),
        ("map.png", &|p| {
            let png = io::write::map_png(
                &scenario,
                &report,
                model::Layer::G4,
                io::write::map_png::DEFAULT_WIDTH_PX,
            )?;
            io::write::write_atomic(p, &png)
        }),
        ("communes.csv", &|p| {
            io::write::write_communes_csv(p, &report)
        }),
        ("report.json", &|p| io::write::write_report(p, &report)),
    ];
    let (branch, written) = rayon::join(
        || -> Result<_> {
            // the schools are tested against the report's own indexes
            // before the gap maps take them (an engine of their own when
            // it kept none)
            let t1 = Instant::now();
            let schools = match probe.as_ref() {
                Some(p) => scorecard::school_connections(&scenario, p, false),
                None => scorecard::schools_pass(&scenario, options)?,
            };
            timed("schools", t1);
            // the scorecard's access figures (measured by the report's
            // sweep, or else on its strips and projected communes before
            // the gap maps take those)
            let t1 = Instant::now();
            let access = scorecard::access_pass_measured(
                &scenario,
                options,
                probe.as_ref(),
                access_measured,
            )?;
            timed("access", t1);
            let (gaps, page) = rayon::join(
                || {
                    let gaps = planning::find_gaps_probed(&scenario, &report, &gap_options, probe);
                    timed("gaps", t0);
                    gaps
                },
                || -> Result<_> {
                    let t1 = Instant::now();
                    // the digital-infrastructure scorecard (scorecard.json, scorecard.csv)
                    let card = scorecard::scorecard_of(&scenario, &report, access, schools)?;
                    let card_csv = io::write::scorecard_csv(&card)?;
                    timed("scorecard", t1);
                    let files: [(&str, Writer<'_>); 2] = [
                        ("scorecard.json", &|p| {
                            io::write::write_scorecard_json(p, &card)
                        }),
                        ("scorecard.csv", &|p| io::write::write_atomic(p, &card_csv)),
                    ];
                    // report.html but for the gaps' paths, built beside the files
                    let (written, page) = rayon::join(
                        || write_all(&files),
                        || {
                            let t1 = Instant::now();
                            let page = io::write::html::page_parts(
                                &scenario,
                                &report,
                                true,
                                &io::write::html::HtmlOptions::default(),
                                Some(&card),
                                Some(&audits),
                            );
                            timed("report.html page", t1);
                            page
                        },
                    );
                    written?;
                    page
                },
            );
            Ok((gaps?, page?))
        },
        || write_all(&independent),
    );
    let (gaps, page) = branch?;
    written?;
    let files: [(&str, Writer<'_>); 2] = [
        ("report.html", &|p| {
            io::write::write_atomic_with(p, |w| page.write_with(w, Some(&gaps)))
        }),
        ("gaps.geojson", &|p| {
            io::write::write_gaps(p, &scenario, &gaps)
        }),
    ];
    write_all(&files)?;
    staging.commit(OUTPUT_FILES)?;
    timed("write", t0);
    let shaping = io::footprint_cache::shaping_terrain(&scenario);
    if let (Some(terrain), Some(dir)) = (shaping, cache_dir) {
        let t0 = Instant::now();
        io::footprint_cache::store_footprints(dir, terrain)?;
        timed("terrain cache", t0);
    }
    Ok((report, scenario))
}

/// Loads the scenario in `scenario_dir`, runs the capacity study
/// ([`engine::capacity::evaluate_capacity`], with the signal mode's
/// `options`) and writes `capacity.json` and `sectors.geojson` into
/// `out_dir` (created if needed). Returns the study. Nothing is written for
/// a refused scenario.
///
/// ```no_run
/// use telecov::engine::signal::SignalOptions;
/// let study = telecov::capacity_scenario("data/demo", "out/demo", &SignalOptions::default())?;
/// let overloaded = study.sectors.iter().filter(|s| s.utilisation.is_some_and(|u| u > 1.0));
/// println!("{} sectors overloaded", overloaded.count());
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn capacity_scenario(
    scenario_dir: impl AsRef<Path>,
    out_dir: impl AsRef<Path>,
    options: &engine::signal::SignalOptions,
) -> Result<engine::capacity::CapacityReport> {
    let scenario = io::load_scenario(scenario_dir)?;
    let study = engine::capacity::evaluate_capacity(&scenario, options)?;
    io::write::write_capacity(out_dir.as_ref(), &scenario, &study)?;
    Ok(study)
}

/// The README's example compiles as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
