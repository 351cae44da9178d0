//! Loading and validating a scenario directory (contract v1).
//!
//! [`load_scenario`] reads every file of the directory, checks it against
//! the contract and returns either a complete [`Scenario`] or the first
//! problem as an [`Error`]; nothing partial is ever returned.
//!
//! Every check is listed in the documentation of [`load_scenario`]; the
//! JSON reader is in `json.rs`, the per-feature rules in `feature.rs` and
//! the geometric warnings in `geometry_checks.rs`.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use geo::{MultiPolygon, Point};

use super::crs::InputCrs;
use super::feature::{self, describe, id_as_json, read_feature_collection, Feature, RawFeature};
use super::geometry_checks::{commune_findings, format_area, overlaps};
use super::json::{line_col, Json};
use crate::error::Location;
use crate::model::{
    Commune, CommuneKind, FeatureId, FiberRoute, Parameters, PopulationPoint, RadioParams,
    Scenario, Sector, Site, SiteRange, TechSet, Technology, WifiPoint, DEFAULT_HEIGHT_M,
};
use crate::model::{School, ServiceKind, ServicePoint, Transmitter};
use crate::propagation::Environment;
use crate::{Error, Result};

/// File names of the contract.
pub(crate) const COMMUNES: &str = "communes.geojson";
pub(crate) const SITES: &str = "sites.geojson";
pub(crate) const FIBER: &str = "fiber.geojson";
pub(crate) const WIFI: &str = "wifi.geojson";
pub(crate) const POPULATION: &str = "population.geojson";
pub(crate) const PARAMETERS: &str = "scenario.toml";
// --- scorecard layers ---
pub(crate) const SCHOOLS: &str = "schools.geojson";
pub(crate) const SERVICE_POINTS: &str = "service_points.geojson";
pub(crate) const BROADCAST: &str = "broadcast.geojson";

/// Loads and validates the scenario in `dir`.
///
/// Reads `communes.geojson` (required), then `sites.geojson`,
/// `fiber.geojson`, `wifi.geojson`, `population.geojson`, the scorecard's
/// `schools.geojson`, `service_points.geojson`, `broadcast.geojson` and
/// `scenario.toml` when present (a missing optional file means none of that
/// infrastructure, or default parameters). When `population.geojson` is
/// present the scenario is in points mode: [`Scenario::population`] is
/// `Some`, and the communes' `population` and `households` become optional.
///
/// Every error is the first problem found; nothing partial is returned.
/// Geometrically odd but valid input is accepted with a message in
/// [`Scenario::warnings`].
///
/// The communes (with their geometry checks) and the infrastructure files
/// are read side by side on rayon's pool; the error returned and the order
/// of the warnings are those of a file-by-file read in the order above
/// (the commune geometry warnings last).
///
/// # What is refused
///
/// | problem | error |
/// | --- | --- |
/// | `communes.geojson` missing | [`Error::MissingFile`] |
/// | a file that is not JSON (a `NaN` token, a truncated file, invalid UTF-8, a number such as `1e999` beyond `f64`) or not TOML | [`Error::Parse`] with line and column |
/// | valid JSON that is not a `FeatureCollection` (or a feature that is not a `Feature`, `properties` that is not an object, a `crs` other than WGS 84) | [`Error::Invalid`] naming the file (and feature) |
/// | wrong geometry type (communes: Polygon / MultiPolygon; sites, wifi, population: Point; fibre: LineString / MultiLineString) | [`Error::Invalid`], property `geometry` |
/// | coordinates outside [-180, 180] × [-90, 90], a position with fewer than 2 numbers, a ring that is not closed or has fewer than 4 positions, a LineString with one position | [`Error::Invalid`], property `geometry` |
/// | a required property missing or `null`: `id` (every file but population), `population` and `households` (communes unless `population.geojson` is present; population points), `technologies` (sites) | [`Error::Invalid`] naming the property |
/// | a property of the wrong type (a string or boolean where a number is expected, ...) | [`Error::Invalid`] naming the property |
/// | an id that is not a non-empty string or an integer (a number with a fractional part), or a duplicate id in one file (`5` and `"5"` are the same id) | [`Error::Invalid`], property `id`, naming the earlier feature too |
/// | `population`, `households` < 0 | [`Error::Invalid`] |
/// | `technologies` empty or holding anything but `"2G"`, `"3G"`, `"4G"`, `"5G"` (any case) | [`Error::Invalid`] |
/// | `height_m`, `range_m` (site, sector, wifi), `frequency_mhz` not > 0; `range_m` object key that is not a technology | [`Error::Invalid`] |
/// | `sectors` empty or not an array of objects; `azimuth_deg` missing or not finite; `beamwidth_deg` missing or outside (0, 360] | [`Error::Invalid`], property `sectors[i].…` |
/// | `tx_power_dbm`, `antenna_gain_dbi` not numbers | [`Error::Invalid`] |
/// | `scenario.toml`: an unknown key, a value that is not a number, a value that is not finite and > 0 | [`Error::Invalid`] naming the key (`ranges_m.5G` style) |
/// | `scenario.toml`: `crs` not a string, a CRS PROJ does not know (PROJ's message quoted), or any CRS but WGS 84 without the `proj` feature (the message says to build with `--features proj`) | [`Error::Invalid`], scenario.toml, key `crs` |
/// | a position that cannot be transformed from `crs` to WGS 84 (outside the projection's domain, a non-finite result) | [`Error::Invalid`] naming file, feature and `geometry` with the position's path (`coordinates[0][3]`); for `sites.csv`, [`Error::Parse`] at the line and longitude column |
/// | a GeoJSON `crs` member (the 2008 draft's) that contradicts scenario.toml: not WGS 84 when `crs` is absent, not the same EPSG code when it is given | [`Error::Invalid`], property `crs` |
/// | scorecard layers (`schools.geojson`, `service_points.geojson`, `broadcast.geojson`, read after the others): a geometry that is not a Point, a duplicate or missing `id`; a service point's `kind` missing or not `telecom`, `postal`, `internet_agent` (the given kind quoted); a school's `connected` not a boolean, `students` < 0; a transmitter's `range_m` missing (also when `erp_kw` is given: ranges are not derived from power) or `range_m`, `erp_kw`, `height_m`, `frequency_mhz` not > 0 | [`Error::Invalid`] naming file, feature and property |
/// | `scenario.toml`: a `[targets]` key that names no indicator (`targets.NAME`, "unknown indicator"), a target < 0 or a percentage > 100; an `[access]` range not > 0 or an unknown `[access]` kind | [`Error::Invalid`] naming the key |
///
/// Unknown extra properties and unknown files are ignored. Optional
/// properties given as `null` count as absent.
///
/// # Inputs in another coordinate reference system
///
/// `scenario.toml` is read first. Its optional top-level `crs` (beyond the
/// contract) names the CRS of the positions in every GeoJSON file and in
/// `sites.csv`: absent, `"EPSG:4326"`, `"OGC:CRS84"` or `"WGS84"` (any
/// case) is WGS 84 longitude/latitude, longitude first as GeoJSON has it
/// (EPSG:4326's official axis order, latitude first, is not followed).
/// Anything else needs the `proj` cargo feature: an `AUTHORITY:CODE`
/// (`"EPSG:3405"`, VN-2000 / UTM zone 48N), a PROJ string (`"+proj=utm
/// +zone=48 +datum=WGS84 +units=m +no_defs"`), WKT or PROJJSON. Every
/// position is then transformed to WGS 84 longitude/latitude right after
/// parsing (easting first, or longitude first for a geographic CRS), before
/// the range checks above, by the transformation PROJ ranks best without
/// grid files (no network access). The returned [`Scenario`] is in WGS 84
/// like any other. What stays as it is: site azimuths are degrees
/// clockwise from true (geodesic) north, not grid north, and every range,
/// height and distance is metres on the ground, not in the projection's
/// units. `population.tif` carries its own CRS in its GeoKeys and must be
/// WGS 84 lon/lat whatever `crs` says (projected rasters are refused).
///
/// Beyond the contract: a `sites.csv` is read when there is no
/// `sites.geojson` ([`crate::io::sites_csv`]; errors name line and column),
/// and a `population.tif` raster, reconciled with the communes' census
/// figures, stands for `population.geojson` ([`crate::io::raster`]). Both
/// files of a pair together are refused.
///
/// # What is accepted with a warning
///
/// Warnings go to [`Scenario::warnings`], each naming file, feature (index
/// and id) and, where it applies, the property:
///
/// - a commune with a null or empty geometry (kept with `geometry: None`;
///   its people stay, all uncovered); empty parts of a MultiPolygon
///   (dropped);
/// - a site, wifi point or fibre route with a null or empty geometry
///   (skipped); empty parts of a MultiLineString (dropped);
/// - a population point with a null or empty geometry (kept with
///   `location: None`: unassigned);
/// - a `kind` other than ward / commune / town (phường / xã / thị trấn), kept
///   as given;
/// - a site `range_m` entry for a technology the site does not carry;
/// - commune geometry that is geometrically odd: self-intersecting rings,
///   holes outside their exterior, slivers (geodesic area < 100 m² or
///   Polsby–Popper compactness 4πA/P² < 0.01), and overlaps of more than
///   1 m² between communes or between the polygons of one commune (measured
///   on the ellipsoid, only for pairs whose bounding boxes overlap).
///
/// The 1 % agreement between commune totals and population points (points
/// mode) needs point-in-polygon assignment and is checked by the engine.
///
/// # Errors
///
/// The first problem found: [`Error::MissingFile`] without
/// `communes.geojson`, [`Error::Parse`] (file, line, column) for a file
/// that is not JSON or TOML, [`Error::Invalid`] (file, feature index and
/// id, property) for anything that breaks the contract, [`Error::Io`] when
/// a file cannot be read.
///
/// # Example
///
/// ```
/// use telecov::io::load_scenario;
/// use telecov::model::{FeatureId, Technology};
///
/// let dir = std::env::temp_dir().join(format!("telecov-doc-load-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(
///     dir.join("communes.geojson"),
///     r#"{"type": "FeatureCollection", "features": [{
///         "type": "Feature",
///         "properties": {"id": 1, "name": "Phường Tân An", "kind": "phường",
///                        "population": 12000, "households": 3100},
///         "geometry": {"type": "Polygon", "coordinates":
///             [[[105.0, 21.0], [105.02, 21.0], [105.02, 21.02], [105.0, 21.02], [105.0, 21.0]]]}
///     }]}"#,
/// )?;
/// std::fs::write(
///     dir.join("sites.geojson"),
///     r#"{"type": "FeatureCollection", "features": [{
///         "type": "Feature",
///         "properties": {"id": "BTS-1", "technologies": ["4G", "5G"], "range_m": 1500},
///         "geometry": {"type": "Point", "coordinates": [105.01, 21.01]}
///     }]}"#,
/// )?;
/// std::fs::write(dir.join("scenario.toml"), "resolution_m = 25\n")?;
///
/// let scenario = load_scenario(&dir)?;
/// assert_eq!(scenario.communes[0].id, FeatureId::Int(1));
/// assert_eq!(scenario.communes[0].population, Some(12000.0));
/// assert!(scenario.sites[0].technologies.contains(Technology::G5));
/// assert_eq!(scenario.parameters.resolution_m, 25.0);
/// assert!(scenario.population.is_none()); // uniform mode
/// assert!(scenario.warnings.is_empty());
///
/// // a typo in a property name of the contract is not guessed at:
/// std::fs::write(dir.join("scenario.toml"), "resolution = 25\n")?;
/// let err = load_scenario(&dir).unwrap_err();
/// assert!(err.to_string().contains("scenario.toml"));
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_scenario(dir: impl AsRef<Path>) -> Result<Scenario> {
    load_scenario_with_cache(dir.as_ref(), None)
}

/// [`load_scenario`], and when `footprint_cache` is given and the
/// scenario's terrain shapes coverage, the footprints cached there read
/// into its terrain's store ([`crate::io::footprint_cache::load_footprints`])
/// as soon as the elevation input's digest is known, beside the reading
/// of the other files.
pub(crate) fn load_scenario_with_cache(
    dir: &Path,
    footprint_cache: Option<&Path>,
) -> Result<Scenario> {
    refuse_near_misses(dir)?;

    // scenario.toml first: `crs` says how to read every other file
    let parameters_path = dir.join(PARAMETERS);
    let parameters = match read_optional(&parameters_path)? {
        Some(bytes) => read_parameters(&parameters_path, &bytes)?,
        None => Parameters::default(),
    };
    // validated here, once; each branch below builds its own (a PROJ
    // transformation object belongs to one thread)
    let crs_name = parameters.crs.as_deref();
    let new_crs = || {
        InputCrs::new(crs_name).map_err(|reason| {
            Error::invalid(Location::file(&parameters_path).property("crs"), reason)
        })
    };
    drop(new_crs()?);

    let communes_path = dir.join(COMMUNES);
    let communes_bytes = read_optional(&communes_path)?.ok_or_else(|| Error::MissingFile {
        path: communes_path.clone(),
    })?;
    let population_path = dir.join(POPULATION);
    let geojson_points = fs::metadata(&population_path).is_ok();
    let raster_points = super::raster::scenario_has_raster(dir, geojson_points)?;
    let points_mode = geojson_points || raster_points;

    // Three independent branches run side by side: the communes with their
    // geometry checks, the infrastructure (with a points-mode
    // population.geojson), and the scorecard's point layers. Each keeps
    // its warnings; they are joined in the order of a sequential read, and
    // of two errors the one a sequential read would meet first is returned
    // (the communes', then the infrastructure's, then the checks between
    // sites and scenario.toml, then the scorecard layers'). The elevation
    // input's digest (terrain.tif or terrain/*.hgt read whole) is taken
    // beside them, then the footprints cached for it; its error comes
    // last, where a sequential read meets it. The joins nest so that an
    // idle thread, which takes the oldest branch left, takes the elevation
    // input first (mostly nothing to read), then the infrastructure (one
    // long chain: sites.geojson is read as one piece), then the scorecard
    // layers, while the joining thread reads the communes (whose checks
    // are parallel in turn).
    let (((communes_part, scorecard), infrastructure), terrain) = rayon::join(
        || {
            rayon::join(
                || {
                    rayon::join(
                        || {
                            read_communes_part(
                                &new_crs,
                                &communes_path,
                                &communes_bytes,
                                points_mode,
                            )
                        },
                        || -> Result<_> {
                            let mut warnings = Vec::new();
                            let layers = read_scorecard_layers(dir, &new_crs()?, &mut warnings)?;
                            Ok((layers, warnings))
                        },
                    )
                },
                || {
                    let points = geojson_points && !raster_points;
                    read_infrastructure(&new_crs, dir, &population_path, points)
                },
            )
        },
        || {
            use crate::io::footprint_cache::{load_footprints, shapes_coverage};
            let terrain = super::dem::scenario_terrain_memo(dir, footprint_cache)?;
            if let (Some(terrain), Some(cache)) = (&terrain, footprint_cache) {
                if shapes_coverage(&parameters) {
                    load_footprints(cache, terrain)?;
                }
            }
            Ok(terrain)
        },
    );
    let (communes, mut warnings, geometry_warnings) = communes_part?;
    drop(communes_bytes);
    let Infrastructure {
        sites,
        fiber,
        wifi,
        mut population,
        warnings: infrastructure_warnings,
    } = infrastructure?;
    warnings.extend(infrastructure_warnings);
    if raster_points {
        population = Some(super::raster::scenario_raster_points(
            dir,
            &communes,
            &mut warnings,
        )?);
    }
    if let Some(id) = parameters
        .environment
        .communes
        .keys()
        .find(|id| !communes.iter().any(|c| c.id.key() == **id))
    {
        return Err(Error::invalid(
            Location::file(&parameters_path).property(format!("environment.communes.{id}")),
            "no commune has this id",
        ));
    }
    warnings.extend(geometry_warnings);
    // capacity study: with [capacity.operators], every site names one
    if let Err((i, reason)) =
        crate::model::capacity::check_site_operators(&parameters.capacity, &sites)
    {
        let file = if fs::metadata(dir.join(SITES)).is_ok() {
            dir.join(SITES)
        } else {
            dir.join("sites.csv")
        };
        return Err(Error::invalid(
            Location::file(file)
                .feature(i, Some(sites[i].id.key()))
                .property("operator"),
            reason,
        ));
    }
    // capacity study: [capacity.carriers] names sites of the scenario
    if let Err((site_id, reason)) =
        crate::model::capacity::check_site_carriers(&parameters.capacity, &sites)
    {
        return Err(Error::invalid(
            Location::file(dir.join(PARAMETERS)).property(format!("capacity.carriers.{site_id}")),
            reason,
        ));
    }

    // scorecard layers: their errors and warnings after the others'
    let (scorecard, scorecard_warnings) = scorecard?;
    warnings.extend(scorecard_warnings);

    // terrain: terrain.tif or terrain/*.hgt, when present; its samples
    // are decoded only when a footprint has to be computed
    let terrain = terrain?;
    if terrain.is_some() && parameters.terrain.model == crate::model::TerrainModel::None {
        warnings.push(
            "scenario.toml: [terrain] model = \"none\": the elevation model is not used".into(),
        );
    }

    Ok(Scenario {
        communes,
        sites,
        fiber,
        wifi,
        population,
        parameters,
        warnings,
        schools: scorecard.schools,
        service_points: scorecard.service_points,
        broadcast: scorecard.broadcast,
        terrain,
    })
}

/// The scorecard's optional layers (`None`: file absent).
struct ScorecardLayers {
    schools: Option<Vec<School>>,
    service_points: Option<Vec<ServicePoint>>,
    broadcast: Option<Vec<Transmitter>>,
}

/// Reads `schools.geojson`, `service_points.geojson` and
/// `broadcast.geojson` when present, with the rules of the other point
/// layers: unique ids, `Point` geometries (a null one skipped with a
/// warning), typed properties; an unknown service point `kind` is refused
/// by name, a transmitter without `range_m` is refused.
fn read_scorecard_layers(
    dir: &Path,
    crs: &InputCrs,
    warnings: &mut Vec<String>,
) -> Result<ScorecardLayers> {
    let path = dir.join(SCHOOLS);
    let schools = match read_optional(&path)? {
        Some(bytes) => Some(read_schools(&path, &bytes, crs, warnings)?),
        None => None,
    };
    let path = dir.join(SERVICE_POINTS);
    let service_points = match read_optional(&path)? {
        Some(bytes) => Some(read_service_points(&path, &bytes, crs, warnings)?),
        None => None,
    };
    let path = dir.join(BROADCAST);
    let broadcast = match read_optional(&path)? {
        Some(bytes) => Some(read_broadcast(&path, &bytes, crs, warnings)?),
        None => None,
    };
    Ok(ScorecardLayers {
        schools,
        service_points,
        broadcast,
    })
}

fn read_schools(
    path: &Path,
    bytes: &[u8],
    crs: &InputCrs,
    warnings: &mut Vec<String>,
) -> Result<Vec<School>> {
    let mut out = Vec::new();
    let mut ids = SeenIds::default();
    read_feature_collection(path, bytes, crs, |index, raw| {
        let mut f = Feature::new(path, index, &raw)?;
        let id = f.required_id()?;
        ids.insert(&f, &id)?;
        let location = read_point(&f)?;
        let name = f.string("name")?;
        let level = f.string("level")?;
        let students = f.non_negative("students")?;
        let connected = match f.get("connected") {
            None => None,
            Some(Json::Bool(b)) => Some(*b),
            Some(other) => {
                return Err(f.err(
                    "connected",
                    format!("must be true or false, got {}", feature::describe(other)),
                ))
            }
        };
        match location {
            Ok(location) => out.push(School {
                id,
                name,
                level,
                students,
                connected,
                location,
            }),
            Err(why) => {
                warnings.push(f.warning(Some("geometry"), format!("{why}: school skipped")))
            }
        }
        Ok(())
    })?;
    Ok(out)
}

fn read_service_points(
    path: &Path,
    bytes: &[u8],
    crs: &InputCrs,
    warnings: &mut Vec<String>,
) -> Result<Vec<ServicePoint>> {
    let mut out = Vec::new();
    let mut ids = SeenIds::default();
    read_feature_collection(path, bytes, crs, |index, raw| {
        let mut f = Feature::new(path, index, &raw)?;
        let id = f.required_id()?;
        ids.insert(&f, &id)?;
        let location = read_point(&f)?;
        let kind = match f.string("kind")? {
            None => return Err(f.err("kind", "missing required property")),
            Some(k) => k.parse::<ServiceKind>().map_err(|why| f.err("kind", why))?,
        };
        let name = f.string("name")?;
        match location {
            Ok(location) => out.push(ServicePoint {
                id,
                kind,
                name,
                location,
            }),
            Err(why) => {
                warnings.push(f.warning(Some("geometry"), format!("{why}: service point skipped")))
            }
        }
        Ok(())
    })?;
    Ok(out)
}

fn read_broadcast(
    path: &Path,
    bytes: &[u8],
    crs: &InputCrs,
    warnings: &mut Vec<String>,
) -> Result<Vec<Transmitter>> {
    let mut out = Vec::new();
    let mut ids = SeenIds::default();
    read_feature_collection(path, bytes, crs, |index, raw| {
        let mut f = Feature::new(path, index, &raw)?;
        let id = f.required_id()?;
        ids.insert(&f, &id)?;
        let location = read_point(&f)?;
        let name = f.string("name")?;
        let erp_kw = f.positive("erp_kw")?;
        let height_m = f.positive("height_m")?;
        let frequency_mhz = f.positive("frequency_mhz")?;
        let Some(range_m) = f.positive("range_m")? else {
            let why = if erp_kw.is_some() {
                "missing required property: the DTT layer is a disc of range_m (ranges are not derived from erp_kw)"
            } else {
                "missing required property"
            };
            return Err(f.err("range_m", why));
        };
        match location {
            Ok(location) => out.push(Transmitter {
                id,
                name,
                range_m,
                erp_kw,
                height_m,
                frequency_mhz,
                location,
            }),
            Err(why) => {
                warnings.push(f.warning(Some("geometry"), format!("{why}: transmitter skipped")))
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// The communes branch of [`load_scenario`]: the communes of
/// `communes.geojson` (its bytes) in the CRS `new_crs` makes, their
/// warnings, and the warnings of their geometry checks.
fn read_communes_part(
    new_crs: &impl Fn() -> Result<InputCrs>,
    communes_path: &Path,
    communes_bytes: &[u8],
    points_mode: bool,
) -> Result<(Vec<Commune>, Vec<String>, Vec<String>)> {
    let crs = new_crs()?;
    let mut warnings = Vec::new();
    let communes = read_communes(
        communes_path,
        communes_bytes,
        points_mode,
        &crs,
        &mut warnings,
    )?;
    let mut geometry_warnings = Vec::new();
    commune_geometry_warnings(communes_path, &communes, &mut geometry_warnings);
    Ok((communes, warnings, geometry_warnings))
}

/// The infrastructure branch of [`load_scenario`]: sites (GeoJSON or
/// CSV), fibre, wifi and, when `population_points`, `population.geojson`,
/// in the CRS `new_crs` makes.
fn read_infrastructure(
    new_crs: &impl Fn() -> Result<InputCrs>,
    dir: &Path,
    population_path: &Path,
    population_points: bool,
) -> Result<Infrastructure> {
    let crs = new_crs()?;
    let mut warnings = Vec::new();
    let sites_path = dir.join(SITES);
    let sites_bytes = read_optional(&sites_path)?;
    let csv_sites =
        super::sites_csv::scenario_sites_csv(dir, sites_bytes.is_some(), &crs, &mut warnings)?;
    let sites = match sites_bytes {
        Some(bytes) => read_sites(&sites_path, &bytes, &crs, &mut warnings)?,
        None => csv_sites.unwrap_or_default(),
    };
    let fiber_path = dir.join(FIBER);
    let fiber = match read_optional(&fiber_path)? {
        Some(bytes) => read_fiber(&fiber_path, &bytes, &crs, &mut warnings)?,
        None => Vec::new(),
    };
    let wifi_path = dir.join(WIFI);
    let wifi = match read_optional(&wifi_path)? {
        Some(bytes) => read_wifi(&wifi_path, &bytes, &crs, &mut warnings)?,
        None => Vec::new(),
    };
    let population = if population_points {
        let bytes = fs::read(population_path).map_err(|e| Error::io(population_path, e))?;
        Some(read_population(
            population_path,
            &bytes,
            &crs,
            &mut warnings,
        )?)
    } else {
        None
    };
    Ok(Infrastructure {
        sites,
        fiber,
        wifi,
        population,
        warnings,
    })
}

/// What the infrastructure branch of [`load_scenario`] reads.
struct Infrastructure {
    sites: Vec<Site>,
    fiber: Vec<FiberRoute>,
    wifi: Vec<WifiPoint>,
    /// `population.geojson` (points mode without a raster).
    population: Option<Vec<PopulationPoint>>,
    warnings: Vec<String>,
}

/// The bytes of `path`, or `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Ids seen so far in one file, for the uniqueness rule.
#[derive(Default)]
struct SeenIds(HashMap<String, (usize, bool)>);

impl SeenIds {
    /// Records `id` for feature `f`, refusing a duplicate.
    fn insert(&mut self, f: &Feature<'_>, id: &FeatureId) -> Result<()> {
        use std::collections::hash_map::Entry;
        let is_int = matches!(id, FeatureId::Int(_));
        match self.0.entry(id.key()) {
            Entry::Vacant(slot) => {
                slot.insert((f.index(), is_int));
                Ok(())
            }
            Entry::Occupied(seen) => {
                let (key, &(first, first_is_int)) = (seen.key(), seen.get());
                // the same key as an integer id: its digits (see FeatureId::key)
                let first_id = match key.parse() {
                    Ok(i) if first_is_int => FeatureId::Int(i),
                    _ => FeatureId::Str(key.clone()),
                };
                let same = if first_is_int == is_int {
                    ""
                } else {
                    " (an integer id and the same digits as a string are the same id)"
                };
                Err(f.err(
                    "id",
                    format!(
                        "duplicate id {}: feature {first} already has id {}{same}",
                        id_as_json(id),
                        id_as_json(&first_id)
                    ),
                ))
            }
        }
    }
}

fn read_communes(
    path: &Path,
    bytes: &[u8],
    points_mode: bool,
    crs: &InputCrs,
    warnings: &mut Vec<String>,
) -> Result<Vec<Commune>> {
    let mut communes = Vec::new();
    let mut ids = SeenIds::default();
    read_feature_collection(path, bytes, crs, |index, raw| {
        let mut f = Feature::new(path, index, &raw)?;
        let id = f.required_id()?;
        ids.insert(&f, &id)?;
        let geometry = match f.geometry(&["Polygon", "MultiPolygon"])? {
            None => {
                warnings.push(f.warning(
                    Some("geometry"),
                    "null geometry: the commune is kept, its people all uncovered",
                ));
                None
            }
            Some((kind, coords)) => {
                let areas = feature::areas(kind, coords).map_err(|r| f.err("geometry", r))?;
                if areas.empty_parts > 0 && !areas.polygons.0.is_empty() {
                    warnings.push(f.warning(
                        Some("geometry"),
                        format!("{} empty polygon(s) dropped", areas.empty_parts),
                    ));
                }
                if areas.polygons.0.is_empty() {
                    warnings.push(f.warning(
                        Some("geometry"),
                        "empty geometry: the commune is kept, its people all uncovered",
                    ));
                    None
                } else {
                    Some(areas.polygons)
                }
            }
        };
        let name = f.string("name")?;
        let district = f.string("district")?;
        let kind = f.string("kind")?.map(|k| CommuneKind::parse(&k));
        if let Some(CommuneKind::Other(k)) = &kind {
            warnings.push(f.warning(
                Some("kind"),
                format!(
                    "unknown kind {k:?} (expected ward, commune or town: phường, xã, thị trấn); kept as given"
                ),
            ));
        }
        let population = f.non_negative("population")?;
        let households = f.non_negative("households")?;
        if !points_mode {
            for (key, v) in [("population", population), ("households", households)] {
                if v.is_none() {
                    return Err(f.err(
                        key,
                        "missing required property (optional only when population.geojson is present)",
                    ));
                }
            }
        }
        communes.push(Commune {
            id,
            name,
            district,
            kind,
            population,
            households,
            geometry,
        });
        Ok(())
    })?;
    Ok(communes)
}

/// A point geometry: `None` (with the reason) for a null or empty one.
fn read_point(f: &Feature<'_>) -> Result<std::result::Result<Point<f64>, &'static str>> {
    match f.geometry(&["Point"])? {
        None => Ok(Err("null geometry")),
        Some((_, coords)) => match feature::point(coords).map_err(|r| f.err("geometry", r))? {
            Some(c) => Ok(Ok(Point(c))),
            None => Ok(Err("empty geometry")),
        },
    }
}

fn read_sites(
    path: &Path,
    bytes: &[u8],
    crs: &InputCrs,
    warnings: &mut Vec<String>,
) -> Result<Vec<Site>> {
    let mut sites = Vec::new();
    let mut ids = SeenIds::default();
    read_feature_collection(path, bytes, crs, |index, raw| {
        let mut f = Feature::new(path, index, &raw)?;
        let id = f.required_id()?;
        ids.insert(&f, &id)?;
        let location = read_point(&f)?;
        let operator = f.string("operator")?;
        let technologies = read_technologies(&f)?;
        let height_m = f.positive("height_m")?.unwrap_or(DEFAULT_HEIGHT_M);
        let range_m = read_site_range(&f, technologies, warnings)?;
        let sectors = read_sectors(&f)?;
        let radio = RadioParams {
            tx_power_dbm: f.number("tx_power_dbm")?,
            antenna_gain_dbi: f.number("antenna_gain_dbi")?,
            frequency_mhz: f.positive("frequency_mhz")?,
            environment: match f.string("environment")? {
                None => None,
                Some(name) => Some(Environment::parse(&name).ok_or_else(|| {
                    f.err(
                        "environment",
                        format!(
                            "unknown environment {name:?} (expected urban, suburban, rural or open)"
                        ),
                    )
                })?),
            },
        };
        match location {
            Ok(location) => sites.push(Site {
                id,
                operator,
                technologies,
                height_m,
                range_m,
                sectors,
                radio,
                location,
            }),
            Err(why) => warnings.push(f.warning(Some("geometry"), format!("{why}: site skipped"))),
        }
        Ok(())
    })?;
    Ok(sites)
}

fn read_technologies(f: &Feature<'_>) -> Result<TechSet> {
    let key = "technologies";
    let items: Vec<&Json> = match f.required(key)? {
        Json::Arr(items) => items.iter().collect(),
        other => {
            return Err(f.err(
                key,
                format!(
                    "must be an array of \"2G\", \"3G\", \"4G\", \"5G\", got {}",
                    describe(other)
                ),
            ))
        }
    };
    if items.is_empty() {
        return Err(f.err(
            key,
            "must not be empty: a site carries at least one technology",
        ));
    }
    let mut set = TechSet::EMPTY;
    for (i, item) in items.iter().enumerate() {
        match item {
            Json::Str(s) => {
                let tech: Technology = s
                    .parse()
                    .map_err(|reason: String| f.err(key, format!("element {i}: {reason}")))?;
                set.insert(tech);
            }
            other => {
                return Err(f.err(
                    key,
                    format!(
                        "element {i}: expected \"2G\", \"3G\", \"4G\" or \"5G\", got {}",
                        describe(other)
                    ),
                ))
            }
        }
    }
    Ok(set)
}

fn read_site_range(
    f: &Feature<'_>,
    technologies: TechSet,
    warnings: &mut Vec<String>,
) -> Result<SiteRange> {
    match f.get("range_m") {
        None => Ok(SiteRange::Unset),
        Some(Json::Obj(entries)) => {
            let mut ranges = [None; 4];
            for (key, value) in entries {
                let property = || format!("range_m.{key}");
                let tech: Technology = key.parse().map_err(|reason: String| {
                    f.err(&property(), format!("unknown key: {reason}"))
                })?;
                if matches!(value, Json::Null) {
                    continue;
                }
                let r = f.positive_value(format_args!("range_m.{key}"), value)?;
                if let Some(slot) = ranges.get_mut(tech.index()) {
                    if slot.is_some() {
                        return Err(f.err(&property(), format!("a second entry for {tech}")));
                    }
                    *slot = Some(r);
                }
                if !technologies.contains(tech) {
                    warnings.push(f.warning(
                        Some(&property()),
                        format!("the site does not carry {tech}; this range is unused"),
                    ));
                }
            }
            Ok(SiteRange::PerTechnology(ranges))
        }
        Some(v @ Json::Num(_)) => Ok(SiteRange::All(f.positive_value("range_m", v)?)),
        Some(other) => Err(f.err(
            "range_m",
            format!(
                "must be a number > 0 or an object technology -> number, got {}",
                describe(other)
            ),
        )),
    }
}

fn read_sectors(f: &Feature<'_>) -> Result<Vec<Sector>> {
    let key = "sectors";
    let items = match f.get(key) {
        None => return Ok(Vec::new()),
        Some(Json::Arr(items)) => items,
        Some(other) => {
            return Err(f.err(
                key,
                format!(
                    "must be an array of {{\"azimuth_deg\", \"beamwidth_deg\", \"range_m\"?}} objects, got {}",
                    describe(other)
                ),
            ))
        }
    };
    if items.is_empty() {
        return Err(f.err(
            key,
            "must not be empty (leave it out for an omnidirectional site)",
        ));
    }
    let mut sectors = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if !matches!(item, Json::Obj(_)) {
            return Err(f.err(
                &format!("{key}[{i}]"),
                format!(
                    "a sector must be an object {{\"azimuth_deg\", \"beamwidth_deg\", \"range_m\"?}}, got {}",
                    describe(item)
                ),
            ));
        }
        let field = |name: &str| item.get(name).filter(|v| !matches!(v, Json::Null));
        // a property's path is written out only for a message
        let prop = |name: &str| format!("{key}[{i}].{name}");
        let required_number = |name: &str| -> Result<f64> {
            let v = field(name).ok_or_else(|| f.err(&prop(name), "missing required property"))?;
            f.number_value(format_args!("{key}[{i}].{name}"), v)
        };
        let azimuth_deg = required_number("azimuth_deg")?;
        let beamwidth_deg = required_number("beamwidth_deg")?;
        if !(beamwidth_deg > 0.0 && beamwidth_deg <= 360.0) {
            return Err(f.err(
                &prop("beamwidth_deg"),
                format!("must lie in (0, 360], got {beamwidth_deg}"),
            ));
        }
        let range_m = field("range_m")
            .map(|v| f.positive_value(format_args!("{key}[{i}].range_m"), v))
            .transpose()?;
        sectors.push(Sector {
            azimuth_deg: normalize_azimuth(azimuth_deg),
            beamwidth_deg,
            range_m,
        });
    }
    Ok(sectors)
}

/// An azimuth taken modulo 360 into `[0, 360)`.
fn normalize_azimuth(deg: f64) -> f64 {
    let a = deg.rem_euclid(360.0) + 0.0; // + 0.0 turns -0.0 into 0.0
    if a >= 360.0 {
        0.0
    } else {
        a
    }
}

fn read_fiber(
    path: &Path,
    bytes: &[u8],
    crs: &InputCrs,
    warnings: &mut Vec<String>,
) -> Result<Vec<FiberRoute>> {
    let mut routes = Vec::new();
    let mut ids = SeenIds::default();
    read_feature_collection(path, bytes, crs, |index, raw| {
        let mut f = Feature::new(path, index, &raw)?;
        let id = f.required_id()?;
        ids.insert(&f, &id)?;
        let geometry = match f.geometry(&["LineString", "MultiLineString"])? {
            None => Err("null geometry"),
            Some((kind, coords)) => {
                let lines = feature::lines(kind, coords).map_err(|r| f.err("geometry", r))?;
                if lines.lines.0.is_empty() {
                    Err("empty geometry")
                } else {
                    if lines.empty_parts > 0 {
                        warnings.push(f.warning(
                            Some("geometry"),
                            format!("{} empty LineString(s) dropped", lines.empty_parts),
                        ));
                    }
                    Ok(lines.lines)
                }
            }
        };
        let operator = f.string("operator")?;
        match geometry {
            Ok(geometry) => routes.push(FiberRoute {
                id,
                operator,
                geometry,
            }),
            Err(why) => {
                warnings.push(f.warning(Some("geometry"), format!("{why}: fibre route skipped")))
            }
        }
        Ok(())
    })?;
    Ok(routes)
}

fn read_wifi(
    path: &Path,
    bytes: &[u8],
    crs: &InputCrs,
    warnings: &mut Vec<String>,
) -> Result<Vec<WifiPoint>> {
    let mut points = Vec::new();
    let mut ids = SeenIds::default();
    read_feature_collection(path, bytes, crs, |index, raw| {
        let mut f = Feature::new(path, index, &raw)?;
        let id = f.required_id()?;
        ids.insert(&f, &id)?;
        let location = read_point(&f)?;
        let range_m = f.positive("range_m")?;
        match location {
            Ok(location) => points.push(WifiPoint {
                id,
                range_m,
                location,
            }),
            Err(why) => {
                warnings.push(f.warning(Some("geometry"), format!("{why}: wifi point skipped")))
            }
        }
        Ok(())
    })?;
    Ok(points)
}

fn read_population(
    path: &Path,
    bytes: &[u8],
    crs: &InputCrs,
    warnings: &mut Vec<String>,
) -> Result<Vec<PopulationPoint>> {
    let mut points = Vec::new();
    read_feature_collection(path, bytes, crs, |index, raw: RawFeature| {
        let mut f = Feature::new(path, index, &raw)?;
        // ids are optional here; a usable one only serves the messages
        f.show_valid_id();
        let location = read_point(&f)?;
        let population = f.non_negative("population")?;
        let households = f.non_negative("households")?;
        let (Some(population), Some(households)) = (population, households) else {
            let key = if population.is_none() {
                "population"
            } else {
                "households"
            };
            return Err(f.err(key, "missing required property"));
        };
        let location = match location {
            Ok(p) => Some(p),
            Err(why) => {
                warnings.push(f.warning(
                    Some("geometry"),
                    format!("{why}: the point's people are unassigned"),
                ));
                None
            }
        };
        points.push(PopulationPoint {
            location,
            population,
            households,
        });
        Ok(())
    })?;
    Ok(points)
}

/// Reads `scenario.toml`: syntax errors are [`Error::Parse`]; unknown keys,
/// values that are not numbers and values out of range are
/// [`Error::Invalid`] naming the key.
fn read_parameters(path: &Path, bytes: &[u8]) -> Result<Parameters> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col(bytes, e.valid_up_to());
        Error::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: "invalid UTF-8".into(),
        }
    })?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let at = e.span().map_or(0, |s| s.start);
        let (line, column) = line_col(text.as_bytes(), at);
        Error::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().trim().to_owned(),
        }
    })?;
    // the keys the model knows, taken from its own serialisation
    let known = Parameters::known_keys();
    // scorecard: an unknown indicator in [targets] is named as such
    if let Some(toml::Value::Table(targets)) = table.get("targets") {
        for key in targets.keys() {
            let probe = crate::model::Targets([(key.clone(), 0.0)].into_iter().collect());
            if let Err((name, reason)) = probe.check() {
                return Err(Error::invalid(Location::file(path).property(name), reason));
            }
        }
    }
    check_toml_keys(path, &table, &known, "")?;
    let parameters: Parameters =
        toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| {
                Error::invalid(Location::file(path), e.message().trim().to_owned())
            })?;
    parameters
        .check()
        .map_err(|(key, reason)| Error::invalid(Location::file(path).property(key), reason))?;
    Ok(parameters)
}

/// Checks that every key of `table` is known and that numbers are numbers
/// and tables are tables, naming the first key that is not.
fn check_toml_keys(
    path: &Path,
    table: &toml::Table,
    known: &toml::Table,
    prefix: &str,
) -> Result<()> {
    for (key, value) in table {
        let name = format!("{prefix}{key}");
        let err =
            |reason: String| Error::invalid(Location::file(path).property(name.clone()), reason);
        let Some(expected) = known.get(key) else {
            let mut keys: Vec<String> = known
                .iter()
                .map(|(k, v)| match v {
                    toml::Value::Table(_) => format!("[{prefix}{k}]"),
                    _ => format!("{prefix}{k}"),
                })
                .collect();
            keys.sort();
            return Err(err(format!(
                "unknown key (expected one of {})",
                keys.join(", ")
            )));
        };
        match (expected, value) {
            // free keys: commune ids, each naming an environment
            (toml::Value::Table(_), toml::Value::Table(table))
                if name == "environment.communes" =>
            {
                for (id, v) in table {
                    check_environment(path, &format!("{name}.{id}"), v)?;
                }
            }
            // capacity study: free keys (operator or technology names),
            // each a share
            (toml::Value::Table(_), toml::Value::Table(table))
                if name == "capacity.operators" || name == "capacity.technology_share" =>
            {
                for (key, v) in table {
                    if !matches!(v, toml::Value::Integer(_) | toml::Value::Float(_)) {
                        return Err(Error::invalid(
                            Location::file(path).property(format!("{name}.{key}")),
                            format!("must be a number, got {}", v.type_str()),
                        ));
                    }
                }
            }
            // capacity study: free keys (site ids), each a table of
            // technologies to counts (checked when the table is read)
            (toml::Value::Table(_), toml::Value::Table(_)) if name == "capacity.carriers" => {}
            (toml::Value::Array(_), toml::Value::Array(items))
                if name == "capacity.throughput_thresholds_mbps" =>
            {
                if let Some(v) = items
                    .iter()
                    .find(|v| !matches!(v, toml::Value::Integer(_) | toml::Value::Float(_)))
                {
                    return Err(err(format!(
                        "must be an array of numbers, got a {}",
                        v.type_str()
                    )));
                }
            }
            (toml::Value::Table(known), toml::Value::Table(table)) => {
                check_toml_keys(path, table, known, &format!("{name}."))?;
            }
            (toml::Value::String(_), toml::Value::String(_)) if name == "crs" => {}
            (toml::Value::String(_), value) if name == "terrain.model" => match value.as_str() {
                Some("delta-bullington" | "none") => {}
                _ => {
                    return Err(err(format!(
                        "must be \"delta-bullington\" or \"none\", got {value}"
                    )))
                }
            },
            (toml::Value::String(_), value) if name == "terrain.clutter" => match value.as_str() {
                Some("none" | "commune") => {}
                _ => return Err(err(format!("must be \"none\" or \"commune\", got {value}"))),
            },
            (toml::Value::String(_), other) if name == "crs" => {
                return Err(err(format!(
                    "must be a string naming a coordinate reference system (\"EPSG:3405\", a PROJ string), got {}",
                    other.type_str()
                )));
            }
            // the other strings scenario.toml holds are environment names
            (toml::Value::String(_), value) => check_environment(path, &name, value)?,
            (toml::Value::Table(_), other) => {
                return Err(err(format!("must be a table, got {}", other.type_str())));
            }
            (_, toml::Value::Integer(_) | toml::Value::Float(_)) => {}
            (_, other) => {
                return Err(err(format!("must be a number, got {}", other.type_str())));
            }
        }
    }
    Ok(())
}

/// Checks that `value` (at key `name`) names an [`Environment`].
fn check_environment(path: &Path, name: &str, value: &toml::Value) -> Result<()> {
    let err = |reason: String| Error::invalid(Location::file(path).property(name), reason);
    match value {
        toml::Value::String(s) if Environment::parse(s).is_some() => Ok(()),
        toml::Value::String(s) => Err(err(format!(
            "unknown environment {s:?} (expected urban, suburban, rural or open)"
        ))),
        other => Err(err(format!("must be a string, got {}", other.type_str()))),
    }
}

/// Geometry warnings on communes (see [`super::geometry_checks`]).
fn commune_geometry_warnings(path: &Path, communes: &[Commune], warnings: &mut Vec<String>) {
    let label = |i: usize, property: Option<&str>| {
        let id = communes.get(i).map(|c| c.id.to_string());
        let loc = Location::file(path).feature(i, id);
        match property {
            Some(p) => loc.property(p),
            None => loc,
        }
    };
    let findings: Vec<(usize, Vec<String>)> = {
        use rayon::prelude::*;
        communes
            .par_iter()
            .enumerate()
            .filter_map(|(i, c)| c.geometry.as_ref().map(|g| (i, commune_findings(g))))
            .filter(|(_, f)| !f.is_empty())
            .collect()
    };
    for (i, messages) in findings {
        for m in messages {
            warnings.push(format!("{}: {m}", label(i, Some("geometry"))));
        }
    }
    let geoms: Vec<Option<&MultiPolygon<f64>>> =
        communes.iter().map(|c| c.geometry.as_ref()).collect();
    for (i, j, area) in overlaps(&geoms) {
        let other = match communes.get(j) {
            Some(c) => format!("feature {j} (id {:?})", c.id.to_string()),
            None => format!("feature {j}"),
        };
        warnings.push(match area {
            Some(a) => format!(
                "{}: overlaps {other} by {}; people in the overlap are counted once, in the first commune",
                label(i, None),
                format_area(a)
            ),
            None => format!(
                "{}: may overlap {other} (the overlap area could not be measured)",
                label(i, None)
            ),
        });
    }
}

/// Reads candidate site locations for the planner
/// ([`crate::planning::PlanOptions::candidates`]) from a GeoJSON file of
/// Point features, written in `crs` (scenario.toml's `crs`; `None`: WGS 84
/// longitude/latitude) and read by the same rules as the scenario's point
/// files. Errors name the file, the feature and the property; a file of
/// more than [`crate::planning::PlanOptions::MAX_SITES`] features is
/// refused before it is read.
///
/// ```no_run
/// let points = telecov::io::read_candidates("candidates.geojson", None)?;
/// println!("{} candidate sites", points.len());
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn read_candidates(path: impl AsRef<Path>, crs: Option<&str>) -> Result<Vec<Point<f64>>> {
    let path = path.as_ref();
    let crs = InputCrs::new(crs).map_err(|reason| Error::Parameter {
        name: "crs",
        reason,
    })?;
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    let limit = crate::planning::PlanOptions::MAX_SITES;
    let mut out = Vec::new();
    read_feature_collection(path, &bytes, &crs, |index, raw| {
        if index >= limit {
            return Err(Error::TooLarge(format!(
                "{}: more than the limit of {limit} candidates",
                path.display()
            )));
        }
        let f = Feature::new(path, index, &raw)?;
        match read_point(&f)? {
            Ok(p) => out.push(p),
            Err(why) => return Err(f.err("geometry", format!("{why}: a candidate needs a point"))),
        }
        Ok(())
    })?;
    Ok(out)
}

/// Every file name a scenario directory may hold.
pub(crate) const SCENARIO_FILES: [&str; 11] = [
    COMMUNES,
    SITES,
    super::sites_csv::SITES_CSV,
    FIBER,
    WIFI,
    POPULATION,
    super::raster::POPULATION_TIF,
    PARAMETERS,
    // scorecard layers
    SCHOOLS,
    SERVICE_POINTS,
    BROADCAST,
];

/// Refuses a file one edit away from a scenario file's name
/// (`fibre.geojson`, `site.geojson`, `Communes.geojson`, `sites.cvs`):
/// telecov would silently ignore it, and the data it holds would be missing
/// from every figure. Other files (a README, notes) are left alone.
fn refuse_near_misses(dir: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        // a missing directory is reported by the communes file
        return Ok(());
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        if SCENARIO_FILES.contains(&name.as_str()) {
            continue;
        }
        if let Some(known) = SCENARIO_FILES.iter().find(|k| near_miss(&name, k)) {
            return Err(Error::invalid(
                Location::file(dir.join(&name)),
                format!(
                    "not a scenario file: did you mean {known}? telecov reads only the \
                     names of the scenario contract and would ignore this file"
                ),
            ));
        }
    }
    Ok(())
}

/// Whether `name` is within one edit (insertion, deletion, substitution or
/// swap of neighbours), ignoring case, of `known`, or names it with
/// British spelling (`fibre`).
fn near_miss(name: &str, known: &str) -> bool {
    let a: Vec<char> = name
        .to_lowercase()
        .replace("fibre", "fiber")
        .chars()
        .collect();
    let b: Vec<char> = known.chars().collect();
    if a == b {
        return true;
    }
    // optimal string alignment distance, stopped at 2
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m] <= 1
}
