//! Site lists as CSV: `sites.csv`, one row per site or per cell / sector.
//!
//! Operators export their radio network as spreadsheets with one row per
//! cell (a technology on a sector of a site). [`read_sites_csv`] reads such
//! a file into [`Site`]s: rows sharing a site id are grouped into one site,
//! their technologies united and their azimuths turned into sectors.
//!
//! # Columns
//!
//! Headers are matched case-insensitively, ignoring surrounding spaces, with
//! spaces, dots and hyphens read as underscores (`Antenna Height` =
//! `antenna_height`). Columns may come in any order; unknown columns are
//! ignored with one warning naming them; two columns meaning the same field
//! are refused, and so is a row with more non-empty fields than the header. The delimiter is `,`, or `;` / tab when the header line
//! holds more of those than commas (spreadsheets in many locales).
//!
//! | field | required | accepted headers |
//! | --- | --- | --- |
//! | site id | yes (or a cell id) | `id`, `site_id`, `siteid`, `site`, `site_name`, `site_code`, `bts_id`, `bts`, `nodeb_id`, `enodeb_id`, `gnodeb_id` |
//! | cell id | no | `cell_id`, `cellid`, `cell`, `cell_name`, `sector_id`: only used as the site id when no site id column exists (each row is then its own site) |
//! | longitude, degrees | yes | `longitude`, `lon`, `lng`, `long`, `x`, `longitude_deg`, `lon_deg` |
//! | latitude, degrees | yes | `latitude`, `lat`, `y`, `latitude_deg`, `lat_deg` |
//! | technology | yes | `technology`, `technologies`, `tech`, `rat`, `radio`, `system`, `generation` |
//! | `azimuth_deg` | no | `azimuth_deg`, `azimuth`, `azi`, `az`, `bearing`, `direction` |
//! | `beamwidth_deg` | with an azimuth | `beamwidth_deg`, `beamwidth`, `beam_width`, `hbw`, `h_beamwidth`, `horizontal_beamwidth`, `bw` |
//! | `height_m` | no (30) | `height_m`, `height`, `antenna_height`, `antenna_height_m`, `ant_height`, `agl`, `agl_m` |
//! | `range_m` | no | `range_m`, `range`, `radius`, `radius_m`, `cell_radius`, `cell_radius_m`, `coverage_radius_m` |
//! | `tx_power_dbm` | no | `tx_power_dbm`, `tx_power`, `txpower`, `power_dbm` |
//! | `antenna_gain_dbi` | no | `antenna_gain_dbi`, `antenna_gain`, `gain`, `gain_dbi` |
//! | `frequency_mhz` | no | `frequency_mhz`, `frequency`, `freq`, `freq_mhz` |
//! | operator | no | `operator`, `carrier`, `mno`, `provider` |
//! | environment | no | `environment`, `env`, `clutter` (`urban`, `suburban`, `rural`, `open`) |
//!
//! A technology cell may list several layers separated by `;`, `,`, `/`,
//! `|` or spaces. Names are read case-insensitively: `2G`, `GSM`,
//! `EDGE`, `GPRS` → 2G; `3G`, `UMTS`, `WCDMA`, `HSPA`, `HSPA+` → 3G; `4G`,
//! `LTE`, `LTE-A` → 4G; `5G`, `NR` → 5G. An empty cell means "not given".
//!
//! # Grouping rows into sites
//!
//! - Sites come out in the order of their first row; an id made only of
//!   digits (no leading zero) is an integer id, anything else a string.
//! - Per-site values must agree between the rows of one site: coordinates,
//!   `height_m`, operator, radio parameters and environment. A row that
//!   leaves one empty inherits it; two rows giving different values are
//!   refused, naming both lines.
//! - Rows with an azimuth are sectors; rows with the same azimuth and
//!   beamwidth are the same sector (one per technology, say). A site mixing
//!   rows with and without an azimuth is refused.
//! - Ranges: when every row of the site gives the same `range_m`, it is the
//!   site's range; otherwise, for a sectorised site whose rows of each
//!   sector agree, each sector has its own range; otherwise, when the rows
//!   of each technology agree, the site has a range per technology (a
//!   technology no row gives a range for takes the library's default).
//!   Anything else (ranges differing by technology *and* by sector, which
//!   the model cannot hold) is refused, naming both lines.
//!
//! # Errors
//!
//! Every refusal is an [`Error::Parse`] naming the file, the line and the
//! column (one-based, in characters) and, in the message, the column's
//! header.

use std::collections::HashMap;
use std::path::Path;

use geo::Point;

use super::crs::InputCrs;
use super::json::line_col;
use crate::model::{
    FeatureId, RadioParams, Sector, Site, SiteRange, TechSet, Technology, DEFAULT_HEIGHT_M,
};
use crate::propagation::Environment;
use crate::{Error, Result};

/// The fields a column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Id,
    Cell,
    Lon,
    Lat,
    Tech,
    Azimuth,
    Beamwidth,
    Height,
    Range,
    TxPower,
    Gain,
    Frequency,
    Operator,
    Environment,
}

impl Field {
    /// The contract's name of the field, for messages.
    fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Cell => "cell_id",
            Field::Lon => "longitude",
            Field::Lat => "latitude",
            Field::Tech => "technology",
            Field::Azimuth => "azimuth_deg",
            Field::Beamwidth => "beamwidth_deg",
            Field::Height => "height_m",
            Field::Range => "range_m",
            Field::TxPower => "tx_power_dbm",
            Field::Gain => "antenna_gain_dbi",
            Field::Frequency => "frequency_mhz",
            Field::Operator => "operator",
            Field::Environment => "environment",
        }
    }
}

/// The field a header names, if any (see the module docs for the table).
fn header_field(header: &str) -> Option<Field> {
    let h: String = header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .chars()
        .map(|c| if matches!(c, ' ' | '-' | '.') { '_' } else { c })
        .collect();
    let f = match h.as_str() {
        "id" | "site_id" | "siteid" | "site" | "site_name" | "sitename" | "site_code"
        | "bts_id" | "bts" | "nodeb_id" | "enodeb_id" | "gnodeb_id" => Field::Id,
        "cell_id" | "cellid" | "cell" | "cell_name" | "sector_id" => Field::Cell,
        "longitude" | "lon" | "lng" | "long" | "x" | "longitude_deg" | "lon_deg" => Field::Lon,
        "latitude" | "lat" | "y" | "latitude_deg" | "lat_deg" => Field::Lat,
        "technology" | "technologies" | "tech" | "rat" | "radio" | "system" | "generation" => {
            Field::Tech
        }
        "azimuth_deg" | "azimuth" | "azi" | "az" | "bearing" | "direction" => Field::Azimuth,
        "beamwidth_deg"
        | "beamwidth"
        | "beam_width"
        | "hbw"
        | "h_beamwidth"
        | "horizontal_beamwidth"
        | "bw" => Field::Beamwidth,
        "height_m" | "height" | "antenna_height" | "antenna_height_m" | "ant_height" | "agl"
        | "agl_m" => Field::Height,
        "range_m" | "range" | "radius" | "radius_m" | "cell_radius" | "cell_radius_m"
        | "coverage_radius_m" => Field::Range,
        "tx_power_dbm" | "tx_power" | "txpower" | "power_dbm" => Field::TxPower,
        "antenna_gain_dbi" | "antenna_gain" | "gain" | "gain_dbi" => Field::Gain,
        "frequency_mhz" | "frequency" | "freq" | "freq_mhz" => Field::Frequency,
        "operator" | "carrier" | "mno" | "provider" => Field::Operator,
        "environment" | "env" | "clutter" => Field::Environment,
        _ => return None,
    };
    Some(f)
}

/// Parses one technology name (see the module docs).
fn parse_technology(token: &str) -> Option<Technology> {
    let t: String = token
        .to_ascii_uppercase()
        .chars()
        .filter(|c| !matches!(c, '-' | '_'))
        .collect();
    Some(match t.as_str() {
        "2G" | "GSM" | "EDGE" | "GPRS" => Technology::G2,
        "3G" | "UMTS" | "WCDMA" | "HSPA" | "HSPA+" | "HSDPA" => Technology::G3,
        "4G" | "LTE" | "LTEA" | "4G+" => Technology::G4,
        "5G" | "NR" | "5GNR" => Technology::G5,
        _ => return None,
    })
}

/// Reads a site list from a CSV file (see the [module docs](self) for the
/// columns, the header aliases and how rows are grouped into sites).
///
/// Returns the sites in the order of their first row, and warnings (unknown
/// columns ignored).
///
/// ```
/// let dir = std::env::temp_dir().join(format!("telecov-doc-csv-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("sites.csv");
/// std::fs::write(
///     &path,
///     "Site_ID,Cell_ID,LNG,LAT,RAT,Azimuth,HBW,Antenna_Height\n\
///      BTS-1,BTS-1A,105.78,10.03,LTE,0,65,32\n\
///      BTS-1,BTS-1B,105.78,10.03,LTE,120,65,32\n\
///      BTS-1,BTS-1C,105.78,10.03,GSM,240,65,32\n",
/// )?;
/// let (sites, warnings) = telecov::io::read_sites_csv(&path)?;
/// assert_eq!(sites.len(), 1);
/// assert_eq!(sites[0].sectors.len(), 3);
/// assert_eq!(sites[0].height_m, 32.0);
/// assert!(sites[0].technologies.contains(telecov::model::Technology::G2));
/// assert!(warnings.is_empty());
///
/// // a bad value is named by file, line and column
/// std::fs::write(&path, "id,lon,lat,tech\nA,105.7,10.0,6G\n")?;
/// let err = telecov::io::read_sites_csv(&path).unwrap_err().to_string();
/// assert!(err.contains("sites.csv: line 2, column 14"), "{err}");
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be read, [`Error::Parse`] (file, line,
/// column) for anything else: malformed CSV, a missing required column or
/// value, a value that is not a number or out of range, an unknown
/// technology or environment, rows of one site that disagree.
pub fn read_sites_csv(path: impl AsRef<Path>) -> Result<(Vec<Site>, Vec<String>)> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_sites_csv(path, &bytes)
}

/// Parses the bytes of a site CSV; `path` only names the file in messages.
/// See [`read_sites_csv`].
pub fn parse_sites_csv(path: &Path, bytes: &[u8]) -> Result<(Vec<Site>, Vec<String>)> {
    parse_sites_csv_in(path, bytes, &InputCrs::wgs84())
}

/// [`parse_sites_csv`] with positions in `crs` (the longitude column holds
/// the first coordinate, easting; the latitude column the second,
/// northing), transformed to WGS 84 before the range checks.
pub(crate) fn parse_sites_csv_in(
    path: &Path,
    bytes: &[u8],
    crs: &InputCrs,
) -> Result<(Vec<Site>, Vec<String>)> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let skipped = bytes.len() - body.len();
    let parse_err = |line: usize, column: usize, message: String| Error::Parse {
        path: path.to_path_buf(),
        line,
        column,
        message,
    };
    let first_line = body.split(|&b| b == b'\n').next().unwrap_or_default();
    let count = |d: u8| first_line.iter().filter(|&&b| b == d).count();
    let delimiter = [b';', b'\t']
        .into_iter()
        .find(|&d| count(d) > count(b','))
        .unwrap_or(b',');

    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut records = reader.records();
    let at = |pos: Option<&csv::Position>| -> (usize, usize) {
        let offset = pos.map_or(0, |p| p.byte() as usize);
        line_col(bytes, offset + skipped)
    };
    let csv_err = |e: csv::Error| {
        let (line, column) = at(e.position());
        let message = match e.kind() {
            csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_owned(),
            _ => e.to_string(),
        };
        parse_err(line, column, message)
    };
    let Some(header) = records.next().transpose().map_err(csv_err)? else {
        return Err(parse_err(1, 1, "empty file: expected a header line".into()));
    };
    let header_start = header.position().map_or(0, |p| p.byte() as usize);
    // column of field `i` of a record starting at byte `start` of `body`
    let field_column = |start: usize, i: usize| -> usize {
        let mut quoted = false;
        let mut fields = 0;
        let mut offset = start;
        for (k, &b) in body.iter().enumerate().skip(start) {
            if fields == i {
                offset = k;
                break;
            }
            match b {
                b'"' => quoted = !quoted,
                b'\n' | b'\r' if !quoted => {
                    offset = k;
                    break;
                }
                d if d == delimiter && !quoted => fields += 1,
                _ => {}
            }
            offset = k + 1;
        }
        line_col(bytes, offset + skipped).1
    };

    let mut columns: HashMap<Field, usize> = HashMap::new();
    let mut unknown = Vec::new();
    for (i, h) in header.iter().enumerate() {
        match header_field(h) {
            Some(f) => {
                if let Some(&j) = columns.get(&f) {
                    return Err(parse_err(
                        at(header.position()).0,
                        field_column(header_start, i),
                        format!(
                            "column {h:?} means {} like column {:?}; keep one of them",
                            f.name(),
                            header.get(j).unwrap_or_default()
                        ),
                    ));
                }
                columns.insert(f, i);
            }
            None if h.trim().is_empty() => {}
            None => unknown.push(format!("{:?}", h.trim())),
        }
    }
    let header_line = at(header.position()).0;
    for (f, aliases) in [
        (Field::Lon, "longitude, lon, lng, long, x"),
        (Field::Lat, "latitude, lat, y"),
        (Field::Tech, "technology, tech, rat, radio, system"),
    ] {
        if !columns.contains_key(&f) {
            return Err(parse_err(
                header_line,
                1,
                format!("no {} column (expected one of: {aliases})", f.name()),
            ));
        }
    }
    let id_field = if columns.contains_key(&Field::Id) {
        Field::Id
    } else if columns.contains_key(&Field::Cell) {
        Field::Cell
    } else {
        return Err(parse_err(
            header_line,
            1,
            "no site id column (expected one of: id, site_id, site, site_name, bts_id, enodeb_id, gnodeb_id, or cell_id)".into(),
        ));
    };
    let mut warnings = Vec::new();
    if !unknown.is_empty() {
        warnings.push(format!(
            "{}: line {header_line}: column(s) {} not used (see telecov::io::sites_csv for the recognised headers)",
            file_name(path),
            unknown.join(", ")
        ));
    }

    let mut groups: Vec<Group> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for record in records {
        let record = record.map_err(csv_err)?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let line = at(record.position()).0;
        if let Some(extra) = (header.len()..record.len())
            .find(|&i| record.get(i).is_some_and(|f| !f.trim().is_empty()))
        {
            return Err(parse_err(
                line,
                field_column(start, extra),
                format!(
                    "{} fields, but the header has {} (an unquoted delimiter in a value?)",
                    record.len(),
                    header.len()
                ),
            ));
        }
        let cell = |f: Field| -> Option<(&str, usize)> {
            let i = *columns.get(&f)?;
            let v = record.get(i)?.trim();
            (!v.is_empty()).then(|| (v, field_column(start, i)))
        };
        let err_at = |f: Field, column: usize, why: String| {
            parse_err(line, column, format!("column {:?}: {why}", f.name()))
        };
        let required = |f: Field| -> Result<(&str, usize)> {
            cell(f).ok_or_else(|| {
                let column = columns.get(&f).map_or(1, |&i| field_column(start, i));
                err_at(f, column, "missing value".into())
            })
        };
        let number = |f: Field| -> Result<Option<f64>> {
            let Some((v, column)) = cell(f) else {
                return Ok(None);
            };
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(err_at(f, column, format!("expected a number, got {v:?}"))),
            }
        };
        let positive = |f: Field| -> Result<Option<f64>> {
            match number(f)? {
                Some(x) if x <= 0.0 => {
                    let column = cell(f).map_or(1, |c| c.1);
                    Err(err_at(f, column, format!("must be > 0, got {x}")))
                }
                other => Ok(other),
            }
        };

        let (id_text, _) = required(id_field)?;
        let id = parse_id(id_text);
        let (lon_text, lon_col) = required(Field::Lon)?;
        let (lat_text, lat_col) = required(Field::Lat)?;
        let lon = number(Field::Lon)?.unwrap_or(f64::NAN);
        let lat = number(Field::Lat)?.unwrap_or(f64::NAN);
        let (lon, lat) = crs
            .to_wgs84(lon, lat)
            .map_err(|why| err_at(Field::Lon, lon_col, why))?;
        if !(-180.0..=180.0).contains(&lon) {
            return Err(err_at(
                Field::Lon,
                lon_col,
                format!("{lon_text} is outside [-180, 180]"),
            ));
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(err_at(
                Field::Lat,
                lat_col,
                format!("{lat_text} is outside [-90, 90]"),
            ));
        }
        let (tech_text, tech_col) = required(Field::Tech)?;
        let mut technologies = TechSet::EMPTY;
        for token in tech_text
            .split([';', ',', '/', '|', ' '])
            .filter(|t| !t.is_empty())
        {
            let tech = parse_technology(token).or_else(|| {
                // "LTE+" / "4G+": a trailing plus is a marketing name
                parse_technology(token.trim_end_matches('+'))
            });
            match tech {
                Some(t) => technologies.insert(t),
                None => {
                    return Err(err_at(
                        Field::Tech,
                        tech_col,
                        format!("unknown technology {token:?} (expected 2G/GSM, 3G/UMTS/WCDMA, 4G/LTE or 5G/NR)"),
                    ))
                }
            }
        }
        if technologies.is_empty() {
            return Err(err_at(Field::Tech, tech_col, "no technology given".into()));
        }
        let azimuth = number(Field::Azimuth)?;
        let beamwidth = positive(Field::Beamwidth)?;
        if let Some(b) = beamwidth {
            if b > 360.0 {
                let column = cell(Field::Beamwidth).map_or(1, |c| c.1);
                return Err(err_at(
                    Field::Beamwidth,
                    column,
                    format!("must lie in (0, 360], got {b}"),
                ));
            }
        }
        let sector = match (azimuth, beamwidth) {
            (Some(a), Some(b)) => Some((normalize_azimuth(a), b)),
            (Some(_), None) => {
                let column = columns
                    .get(&Field::Beamwidth)
                    .map_or(1, |&i| field_column(start, i));
                return Err(err_at(
                    Field::Beamwidth,
                    column,
                    "missing value: a row with an azimuth is a sector and needs its beamwidth"
                        .into(),
                ));
            }
            (None, _) => None,
        };
        let environment = match cell(Field::Environment) {
            None => None,
            Some((v, column)) => Some(Environment::parse(v).ok_or_else(|| {
                err_at(
                    Field::Environment,
                    column,
                    format!("unknown environment {v:?} (expected urban, suburban, rural or open)"),
                )
            })?),
        };
        let row = Row {
            line,
            lon,
            lat,
            technologies,
            sector,
            height_m: positive(Field::Height)?,
            range_m: positive(Field::Range)?,
            range_column: columns
                .get(&Field::Range)
                .map_or(1, |&i| field_column(start, i)),
            tx_power_dbm: number(Field::TxPower)?,
            antenna_gain_dbi: number(Field::Gain)?,
            frequency_mhz: positive(Field::Frequency)?,
            operator: cell(Field::Operator).map(|(v, _)| v.to_owned()),
            environment,
        };
        // per-site values must agree with the site's earlier rows
        let key = id.key();
        let index = *by_id.entry(key).or_insert_with(|| {
            groups.push(Group {
                id: id.clone(),
                rows: Vec::new(),
            });
            groups.len() - 1
        });
        let Some(group) = groups.get_mut(index) else {
            return Err(Error::Internal("site group index out of range".into()));
        };
        if let Some(first) = group.rows.first() {
            let column_of = |f: Field| columns.get(&f).map_or(1, |&i| field_column(start, i));
            let site_err = |f: Field, earlier: usize, why: String| {
                parse_err(
                    line,
                    column_of(f),
                    format!(
                        "column {:?}: site {:?}: {why} (line {earlier})",
                        f.name(),
                        group.id.to_string()
                    ),
                )
            };
            if first.lon != row.lon || first.lat != row.lat {
                return Err(site_err(
                    Field::Lon,
                    first.line,
                    format!(
                        "coordinates ({}, {}) differ from ({}, {}) on an earlier row of the same site",
                        row.lon, row.lat, first.lon, first.lat
                    ),
                ));
            }
            if first.sector.is_some() != row.sector.is_some() {
                return Err(site_err(
                    Field::Azimuth,
                    first.line,
                    "rows with and without an azimuth for one site: give every row of a sectorised site its azimuth and beamwidth".into(),
                ));
            }
            for (f, get) in [
                (
                    Field::Height,
                    (|r: &Row| r.height_m) as fn(&Row) -> Option<f64>,
                ),
                (Field::TxPower, |r: &Row| r.tx_power_dbm),
                (Field::Gain, |r: &Row| r.antenna_gain_dbi),
                (Field::Frequency, |r: &Row| r.frequency_mhz),
            ] {
                if let Some(v) = get(&row) {
                    if let Some(other) = group.rows.iter().find(|r| get(r).is_some_and(|w| w != v))
                    {
                        return Err(site_err(
                            f,
                            other.line,
                            format!(
                                "{v} differs from {} on an earlier row of the same site (one value per site)",
                                get(other).unwrap_or(f64::NAN)
                            ),
                        ));
                    }
                }
            }
            if let Some(v) = &row.operator {
                if let Some(other) = group
                    .rows
                    .iter()
                    .find(|r| r.operator.as_ref().is_some_and(|w| w != v))
                {
                    return Err(site_err(
                        Field::Operator,
                        other.line,
                        format!(
                            "{v:?} differs from {:?} on an earlier row of the same site",
                            other.operator.as_deref().unwrap_or_default()
                        ),
                    ));
                }
            }
            if let Some(v) = row.environment {
                if let Some(other) = group
                    .rows
                    .iter()
                    .find(|r| r.environment.is_some_and(|w| w != v))
                {
                    return Err(site_err(
                        Field::Environment,
                        other.line,
                        "differs from an earlier row of the same site".into(),
                    ));
                }
            }
        }
        group.rows.push(row);
    }

    let mut sites = Vec::with_capacity(groups.len());
    for group in groups {
        sites.push(group.into_site().map_err(|(line, column, f, why)| {
            parse_err(line, column, format!("column {:?}: {why}", f.name()))
        })?);
    }
    Ok((sites, warnings))
}

/// File name of the CSV site list in a scenario directory.
pub(crate) const SITES_CSV: &str = "sites.csv";

/// The sites of the scenario's `sites.csv`, if present (warnings appended);
/// refuses a directory holding both `sites.geojson` and `sites.csv`.
pub(crate) fn scenario_sites_csv(
    dir: &Path,
    geojson_present: bool,
    crs: &InputCrs,
    warnings: &mut Vec<String>,
) -> Result<Option<Vec<Site>>> {
    let path = dir.join(SITES_CSV);
    if std::fs::metadata(&path).is_err() {
        return Ok(None);
    }
    if geojson_present {
        return Err(Error::invalid(
            crate::error::Location::file(&path),
            "both sites.geojson and sites.csv are present: keep one (the sites would be counted twice)",
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let (sites, w) = parse_sites_csv_in(&path, &bytes, crs)?;
    warnings.extend(w);
    Ok(Some(sites))
}

/// The file name of `path`, for messages.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// An id: an integer when the text is a plain decimal integer (no sign, no
/// leading zero), else a string.
fn parse_id(text: &str) -> FeatureId {
    let plain =
        text.bytes().all(|b| b.is_ascii_digit()) && !(text.len() > 1 && text.starts_with('0'));
    match text.parse::<i64>() {
        Ok(i) if plain => FeatureId::Int(i),
        _ => FeatureId::Str(text.to_owned()),
    }
}

/// An azimuth taken modulo 360 into `[0, 360)`.
fn normalize_azimuth(deg: f64) -> f64 {
    let a = deg.rem_euclid(360.0) + 0.0;
    if a >= 360.0 {
        0.0
    } else {
        a
    }
}

/// One data row, parsed and checked.
struct Row {
    line: usize,
    lon: f64,
    lat: f64,
    technologies: TechSet,
    /// `(azimuth_deg, beamwidth_deg)` of a sector row.
    sector: Option<(f64, f64)>,
    height_m: Option<f64>,
    range_m: Option<f64>,
    /// Column of the range cell, for messages.
    range_column: usize,
    tx_power_dbm: Option<f64>,
    antenna_gain_dbi: Option<f64>,
    frequency_mhz: Option<f64>,
    operator: Option<String>,
    environment: Option<Environment>,
}

/// The rows of one site, in file order (never empty).
struct Group {
    id: FeatureId,
    rows: Vec<Row>,
}

impl Group {
    /// The site, or `(line, column, field, reason)` for rows that cannot be
    /// merged.
    fn into_site(self) -> std::result::Result<Site, (usize, usize, Field, String)> {
        let Some(first) = self.rows.first() else {
            return Err((0, 1, Field::Id, "a site without rows".into()));
        };
        let technologies = self
            .rows
            .iter()
            .fold(TechSet::EMPTY, |acc, r| acc | r.technologies);
        let pick = |get: fn(&Row) -> Option<f64>| self.rows.iter().find_map(get);
        // sectors: rows with the same azimuth and beamwidth are one sector
        let mut sectors: Vec<Sector> = Vec::new();
        let mut sector_of_row: Vec<Option<usize>> = Vec::with_capacity(self.rows.len());
        for r in &self.rows {
            let Some((azimuth_deg, beamwidth_deg)) = r.sector else {
                sector_of_row.push(None);
                continue;
            };
            let k = match sectors
                .iter()
                .position(|s| s.azimuth_deg == azimuth_deg && s.beamwidth_deg == beamwidth_deg)
            {
                Some(k) => k,
                None => {
                    sectors.push(Sector {
                        azimuth_deg,
                        beamwidth_deg,
                        range_m: None,
                    });
                    sectors.len() - 1
                }
            };
            sector_of_row.push(Some(k));
        }

        // ranges: one for the site, per technology, or per sector
        let given: Vec<(&Row, f64)> = self
            .rows
            .iter()
            .filter_map(|r| r.range_m.map(|v| (r, v)))
            .collect();
        let range_m = if given.is_empty() {
            SiteRange::Unset
        } else if given.len() == self.rows.len()
            && given
                .iter()
                .all(|(_, v)| Some(*v) == given.first().map(|g| g.1))
        {
            SiteRange::All(given.first().map_or(0.0, |g| g.1))
        } else {
            // a range per technology, when rows of one technology agree
            let mut per_tech: [Option<(f64, usize)>; 4] = [None; 4];
            let mut tech_conflict: Option<(&Row, usize, f64)> = None;
            for (r, v) in &given {
                for t in r.technologies.iter() {
                    if let Some(slot) = per_tech.get_mut(t.index()) {
                        match slot {
                            Some((w, line)) if *w != *v => {
                                tech_conflict.get_or_insert((*r, *line, *w));
                            }
                            Some(_) => {}
                            None => *slot = Some((*v, r.line)),
                        }
                    }
                }
            }
            // a range per sector, when rows of one sector agree
            let mut per_sector: Vec<Option<(f64, usize)>> = vec![None; sectors.len()];
            let mut sector_conflict: Option<(&Row, usize, f64)> = None;
            for (r, k) in self.rows.iter().zip(&sector_of_row) {
                let (Some(v), Some(slot)) = (r.range_m, k.and_then(|k| per_sector.get_mut(k)))
                else {
                    continue;
                };
                match slot {
                    Some((w, line)) if *w != v => {
                        sector_conflict.get_or_insert((r, *line, *w));
                    }
                    Some(_) => {}
                    None => *slot = Some((v, r.line)),
                }
            }
            match (tech_conflict, sector_conflict) {
                // a range written on each sector's rows is the sector's
                (_, None) if !sectors.is_empty() => {
                    for (s, e) in sectors.iter_mut().zip(&per_sector) {
                        s.range_m = e.map(|(v, _)| v);
                    }
                    SiteRange::Unset
                }
                (None, _) => SiteRange::PerTechnology(per_tech.map(|e| e.map(|(v, _)| v))),
                (Some((r, line, w)), _) => {
                    return Err((
                        r.line,
                        r.range_column,
                        Field::Range,
                        format!(
                            "site {:?}: range {} here and {w} on line {line} for the same technology{}: a site holds one range per technology or one per sector, not both",
                            self.id.to_string(),
                            r.range_m.unwrap_or(f64::NAN),
                            if sectors.is_empty() { "" } else { " and the sectors differ too" }
                        ),
                    ))
                }
            }
        };
        Ok(Site {
            id: self.id.clone(),
            operator: self.rows.iter().find_map(|r| r.operator.clone()),
            technologies,
            height_m: pick(|r| r.height_m).unwrap_or(DEFAULT_HEIGHT_M),
            range_m,
            sectors,
            radio: RadioParams {
                tx_power_dbm: pick(|r| r.tx_power_dbm),
                antenna_gain_dbi: pick(|r| r.antenna_gain_dbi),
                frequency_mhz: pick(|r| r.frequency_mhz),
                environment: self.rows.iter().find_map(|r| r.environment),
            },
            location: Point::new(first.lon, first.lat),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn technology_names() {
        for (s, t) in [
            ("GSM", Technology::G2),
            ("wcdma", Technology::G3),
            ("LTE-A", Technology::G4),
            ("nr", Technology::G5),
        ] {
            assert_eq!(parse_technology(s), Some(t), "{s}");
        }
        assert_eq!(parse_technology("6G"), None);
    }

    #[test]
    fn header_aliases() {
        assert_eq!(header_field(" Antenna Height "), Some(Field::Height));
        assert_eq!(header_field("LNG"), Some(Field::Lon));
        assert_eq!(header_field("eNodeB-ID"), Some(Field::Id));
        assert_eq!(header_field("colour"), None);
    }

    #[test]
    fn ids() {
        assert_eq!(parse_id("17"), FeatureId::Int(17));
        assert_eq!(parse_id("017"), FeatureId::Str("017".into()));
        assert_eq!(parse_id("BTS-1"), FeatureId::Str("BTS-1".into()));
    }
}
