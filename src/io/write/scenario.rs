//! Writing a scenario directory in the contract's format.
//!
//! [`write_scenario`] is the inverse of [`load_scenario`](super::load_scenario):
//! `load_scenario` of a written directory gives back the same [`Scenario`]
//! (warnings aside), ids keeping their JSON type (integer or string),
//! coordinates and numbers bit for bit (shortest representation that reads
//! back exactly).

use std::fs;
use std::io::Write;
use std::path::Path;

use geo::{Coord, CoordsIter, MultiLineString, MultiPolygon, Polygon};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::write_atomic_with;
use crate::error::Location;
use crate::io::read::scenario::{BROADCAST, SCHOOLS, SERVICE_POINTS};
use crate::io::read::scenario::{COMMUNES, FIBER, PARAMETERS, POPULATION, SITES, WIFI};
use crate::model::{FeatureId, Scenario, SiteRange, Technology};
use crate::{Error, Result};

/// Writes `scenario` to `dir` in the contract's format.
///
/// Creates `dir` if needed, then writes `communes.geojson` and
/// `scenario.toml` (every parameter, defaults included; no `crs`: the
/// positions written are WGS 84 longitude/latitude, as the model holds
/// them, whatever CRS the scenario was read from), and
/// `sites.geojson`, `fiber.geojson`, `wifi.geojson` when the scenario has
/// such features and `population.geojson` when it has population points
/// (points mode). An optional file of the contract that the scenario does
/// not need is removed if `dir` holds one from before, so that the directory
/// describes this scenario and nothing else; other files are left alone.
///
/// Each file is written to a temporary file in `dir` and renamed into place,
/// so a reader never sees a half-written file. Features are written one per
/// line; a one-part geometry is written as a `Polygon` / `LineString`, a
/// commune without geometry with `"geometry": null`, and optional
/// properties only when set.
///
/// The scenario is written as given, not validated (the loader does that),
/// except that numbers JSON cannot hold are refused.
///
/// # Errors
///
/// [`Error::Io`] when a directory or file cannot be created, written or
/// renamed; [`Error::Invalid`] naming file, feature and property for a
/// non-finite number or coordinate.
///
/// # Example
///
/// ```
/// use telecov::io::{load_scenario, write_scenario};
/// use telecov::model::{Commune, FeatureId, Scenario};
/// use geo::{polygon, MultiPolygon};
///
/// let mut scenario = Scenario::default();
/// scenario.communes.push(Commune {
///     id: FeatureId::Int(7),
///     name: Some("Xã Hòa Bình".into()),
///     district: None,
///     kind: None,
///     population: Some(4200.0),
///     households: Some(1100.0),
///     geometry: Some(MultiPolygon(vec![polygon![
///         (x: 106.0, y: 10.5), (x: 106.01, y: 10.5), (x: 106.01, y: 10.51), (x: 106.0, y: 10.5),
///     ]])),
/// });
/// let dir = std::env::temp_dir().join(format!("telecov-doc-write-{}", std::process::id()));
/// write_scenario(&dir, &scenario)?;
/// assert_eq!(load_scenario(&dir)?, scenario);
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_scenario(dir: impl AsRef<Path>, scenario: &Scenario) -> Result<()> {
    let dir = dir.as_ref();
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;

    write_collection(&dir.join(COMMUNES), communes(scenario))?;
    optional(dir, SITES, !scenario.sites.is_empty(), |p| {
        write_collection(p, sites(scenario))
    })?;
    optional(dir, FIBER, !scenario.fiber.is_empty(), |p| {
        write_collection(p, fiber(scenario))
    })?;
    optional(dir, WIFI, !scenario.wifi.is_empty(), |p| {
        write_collection(p, wifi(scenario))
    })?;
    optional(dir, POPULATION, scenario.population.is_some(), |p| {
        write_collection(p, population(scenario))
    })?;
    // scorecard layers
    optional(dir, SCHOOLS, scenario.schools.is_some(), |p| {
        write_collection(p, schools(scenario))
    })?;
    optional(
        dir,
        SERVICE_POINTS,
        scenario.service_points.is_some(),
        |p| write_collection(p, service_points(scenario)),
    )?;
    optional(dir, BROADCAST, scenario.broadcast.is_some(), |p| {
        write_collection(p, broadcast(scenario))
    })?;

    let path = dir.join(PARAMETERS);
    // the geometry written is WGS 84, whatever CRS the scenario was read from
    let parameters = crate::model::Parameters {
        crs: None,
        ..scenario.parameters.clone()
    };
    let mut toml = toml::to_string(&parameters)
        .map_err(|e| Error::invalid(Location::file(&path), e.to_string()))?;
    // scorecard tables: [access] when not the defaults, [targets] when set
    let p = &scenario.parameters;
    let tables = [
        (
            "access",
            (p.access != crate::model::AccessRanges::default())
                .then(|| toml::Table::try_from(p.access)),
        ),
        (
            "targets",
            (!p.targets.is_empty()).then(|| toml::Table::try_from(&p.targets)),
        ),
    ];
    for (name, table) in tables {
        if let Some(table) = table {
            let table = table
                .map_err(|e| Error::invalid(Location::file(&path).property(name), e.to_string()))?;
            let mut outer = toml::Table::new();
            outer.insert(name.to_owned(), toml::Value::Table(table));
            toml.push('\n');
            toml.push_str(&outer.to_string());
        }
    }
    write_atomic_with(&path, |w| {
        w.write_all(b"# telecov scenario parameters (contract v1); lengths in metres\n")?;
        w.write_all(toml.as_bytes())
    })
}

/// Writes the optional file `name` with `write` when `present`, else removes
/// a stale one.
fn optional(
    dir: &Path,
    name: &str,
    present: bool,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let path = dir.join(name);
    if present {
        write(&path)
    } else {
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(&path, e)),
        }
    }
}

/// One feature to write: its index and id (for error messages), its
/// properties in order and its geometry.
struct OutFeature<'a> {
    id: Option<&'a FeatureId>,
    properties: Vec<(&'static str, Prop)>,
    geometry: Option<Geometry<'a>>,
}

/// A property value.
enum Prop {
    Json(Value),
    Num(f64),
    Obj(Vec<(&'static str, Prop)>),
    List(Vec<Prop>),
}

impl Prop {
    /// The path (below `path`) of the first non-finite number, if any.
    fn non_finite(&self, path: String) -> Option<(String, f64)> {
        match self {
            Prop::Json(_) => None,
            Prop::Num(x) => (!x.is_finite()).then_some((path, *x)),
            Prop::Obj(members) => members
                .iter()
                .find_map(|(k, v)| v.non_finite(format!("{path}.{k}"))),
            Prop::List(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| v.non_finite(format!("{path}[{i}]"))),
        }
    }
}

/// Writes a FeatureCollection, one feature per line.
fn write_collection<'a>(path: &Path, features: impl Iterator<Item = OutFeature<'a>>) -> Result<()> {
    // check first, so that no file is touched for a scenario JSON cannot hold
    let features: Vec<OutFeature<'a>> = features.collect();
    for (index, f) in features.iter().enumerate() {
        let loc = |property: &str| {
            Location::file(path)
                .feature(index, f.id.map(|id| id.to_string()))
                .property(property)
        };
        for (key, value) in &f.properties {
            if let Some((property, x)) = value.non_finite((*key).to_owned()) {
                return Err(Error::invalid(
                    loc(&property),
                    format!("{x} is not finite and cannot be written to JSON"),
                ));
            }
        }
        if let Some(g) = &f.geometry {
            if !g.is_finite() {
                return Err(Error::invalid(
                    loc("geometry"),
                    "a non-finite coordinate cannot be written to JSON",
                ));
            }
        }
    }
    write_atomic_with(path, |w| {
        w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
        for (i, f) in features.iter().enumerate() {
            w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut *w, f)?;
        }
        w.write_all(b"\n]}\n")
    })
}

impl Serialize for Prop {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Prop::Json(v) => v.serialize(s),
            Prop::Num(x) => s.serialize_f64(*x),
            Prop::Obj(members) => Props(members).serialize(s),
            Prop::List(items) => s.collect_seq(items),
        }
    }
}

/// Properties, in order.
struct Props<'b>(&'b [(&'static str, Prop)]);

impl Serialize for Props<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for OutFeature<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("type", "Feature")?;
        m.serialize_entry("properties", &Props(&self.properties))?;
        m.serialize_entry("geometry", &self.geometry)?;
        m.end()
    }
}

/// A geometry to write.
enum Geometry<'a> {
    Point(Coord<f64>),
    Lines(&'a MultiLineString<f64>),
    Areas(&'a MultiPolygon<f64>),
}

impl Geometry<'_> {
    fn is_finite(&self) -> bool {
        let ok = |c: Coord<f64>| c.x.is_finite() && c.y.is_finite();
        match self {
            Geometry::Point(c) => ok(*c),
            Geometry::Lines(l) => l.coords_iter().all(ok),
            Geometry::Areas(a) => a.coords_iter().all(ok),
        }
    }
}

struct Pos(Coord<f64>);
struct Positions<'a>(&'a [Coord<f64>]);
struct Rings<'a>(&'a Polygon<f64>);

impl Serialize for Pos {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(&self.0.x)?;
        seq.serialize_element(&self.0.y)?;
        seq.end()
    }
}

impl Serialize for Positions<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|c| Pos(*c)))
    }
}

impl Serialize for Rings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let rings = std::iter::once(self.0.exterior()).chain(self.0.interiors());
        s.collect_seq(rings.map(|r| Positions(&r.0)))
    }
}

impl Serialize for Geometry<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        match self {
            Geometry::Point(c) => {
                m.serialize_entry("type", "Point")?;
                m.serialize_entry("coordinates", &Pos(*c))?;
            }
            Geometry::Lines(lines) => match lines.0.as_slice() {
                [one] => {
                    m.serialize_entry("type", "LineString")?;
                    m.serialize_entry("coordinates", &Positions(&one.0))?;
                }
                many => {
                    m.serialize_entry("type", "MultiLineString")?;
                    let parts: Vec<Positions<'_>> = many.iter().map(|l| Positions(&l.0)).collect();
                    m.serialize_entry("coordinates", &parts)?;
                }
            },
            Geometry::Areas(areas) => match areas.0.as_slice() {
                [one] => {
                    m.serialize_entry("type", "Polygon")?;
                    m.serialize_entry("coordinates", &Rings(one))?;
                }
                many => {
                    m.serialize_entry("type", "MultiPolygon")?;
                    let parts: Vec<Rings<'_>> = many.iter().map(Rings).collect();
                    m.serialize_entry("coordinates", &parts)?;
                }
            },
        }
        m.end()
    }
}

fn id_value(id: &FeatureId) -> Value {
    match id {
        FeatureId::Int(i) => Value::from(*i),
        FeatureId::Str(s) => Value::from(s.as_str()),
    }
}

/// Appends `key` when `value` is set.
fn push_str(props: &mut Vec<(&'static str, Prop)>, key: &'static str, value: Option<&str>) {
    if let Some(v) = value {
        props.push((key, Prop::Json(Value::from(v))));
    }
}

fn push_num(props: &mut Vec<(&'static str, Prop)>, key: &'static str, value: Option<f64>) {
    if let Some(v) = value {
        props.push((key, Prop::Num(v)));
    }
}

fn communes(s: &Scenario) -> impl Iterator<Item = OutFeature<'_>> {
    s.communes.iter().map(|c| {
        let mut p = vec![("id", Prop::Json(id_value(&c.id)))];
        push_str(&mut p, "name", c.name.as_deref());
        push_str(&mut p, "district", c.district.as_deref());
        push_str(&mut p, "kind", c.kind.as_ref().map(|k| k.as_str()));
        push_num(&mut p, "population", c.population);
        push_num(&mut p, "households", c.households);
        OutFeature {
            id: Some(&c.id),
            properties: p,
            geometry: c.geometry.as_ref().map(Geometry::Areas),
        }
    })
}

fn sites(s: &Scenario) -> impl Iterator<Item = OutFeature<'_>> {
    s.sites.iter().map(|site| {
        let mut p = vec![("id", Prop::Json(id_value(&site.id)))];
        push_str(&mut p, "operator", site.operator.as_deref());
        let techs: Vec<Value> = site
            .technologies
            .iter()
            .map(|t| Value::from(t.as_str()))
            .collect();
        p.push(("technologies", Prop::Json(Value::Array(techs))));
        p.push(("height_m", Prop::Num(site.height_m)));
        match site.range_m {
            SiteRange::Unset => {}
            SiteRange::All(r) => p.push(("range_m", Prop::Num(r))),
            SiteRange::PerTechnology(_) => {
                let entries = Technology::ALL
                    .into_iter()
                    .filter_map(|t| site.range_m.get(t).map(|r| (t.as_str(), Prop::Num(r))))
                    .collect();
                p.push(("range_m", Prop::Obj(entries)));
            }
        }
        if !site.sectors.is_empty() {
            let sectors = site
                .sectors
                .iter()
                .map(|sec| {
                    let mut m = vec![
                        ("azimuth_deg", Prop::Num(sec.azimuth_deg)),
                        ("beamwidth_deg", Prop::Num(sec.beamwidth_deg)),
                    ];
                    push_num(&mut m, "range_m", sec.range_m);
                    Prop::Obj(m)
                })
                .collect();
            p.push(("sectors", Prop::List(sectors)));
        }
        push_num(&mut p, "tx_power_dbm", site.radio.tx_power_dbm);
        push_num(&mut p, "antenna_gain_dbi", site.radio.antenna_gain_dbi);
        push_num(&mut p, "frequency_mhz", site.radio.frequency_mhz);
        push_str(
            &mut p,
            "environment",
            site.radio.environment.map(|e| e.as_str()),
        );
        OutFeature {
            id: Some(&site.id),
            properties: p,
            geometry: Some(Geometry::Point(site.location.0)),
        }
    })
}

fn fiber(s: &Scenario) -> impl Iterator<Item = OutFeature<'_>> {
    s.fiber.iter().map(|route| {
        let mut p = vec![("id", Prop::Json(id_value(&route.id)))];
        push_str(&mut p, "operator", route.operator.as_deref());
        OutFeature {
            id: Some(&route.id),
            properties: p,
            geometry: Some(Geometry::Lines(&route.geometry)),
        }
    })
}

fn wifi(s: &Scenario) -> impl Iterator<Item = OutFeature<'_>> {
    s.wifi.iter().map(|w| {
        let mut p = vec![("id", Prop::Json(id_value(&w.id)))];
        push_num(&mut p, "range_m", w.range_m);
        OutFeature {
            id: Some(&w.id),
            properties: p,
            geometry: Some(Geometry::Point(w.location.0)),
        }
    })
}

fn schools(s: &Scenario) -> impl Iterator<Item = OutFeature<'_>> {
    s.schools.iter().flatten().map(|x| {
        let mut p = vec![("id", Prop::Json(id_value(&x.id)))];
        push_str(&mut p, "name", x.name.as_deref());
        push_str(&mut p, "level", x.level.as_deref());
        push_num(&mut p, "students", x.students);
        if let Some(c) = x.connected {
            p.push(("connected", Prop::Json(Value::from(c))));
        }
        OutFeature {
            id: Some(&x.id),
            properties: p,
            geometry: Some(Geometry::Point(x.location.0)),
        }
    })
}

fn service_points(s: &Scenario) -> impl Iterator<Item = OutFeature<'_>> {
    s.service_points.iter().flatten().map(|x| {
        let mut p = vec![
            ("id", Prop::Json(id_value(&x.id))),
            ("kind", Prop::Json(Value::from(x.kind.as_str()))),
        ];
        push_str(&mut p, "name", x.name.as_deref());
        OutFeature {
            id: Some(&x.id),
            properties: p,
            geometry: Some(Geometry::Point(x.location.0)),
        }
    })
}

fn broadcast(s: &Scenario) -> impl Iterator<Item = OutFeature<'_>> {
    s.broadcast.iter().flatten().map(|x| {
        let mut p = vec![("id", Prop::Json(id_value(&x.id)))];
        push_str(&mut p, "name", x.name.as_deref());
        p.push(("range_m", Prop::Num(x.range_m)));
        push_num(&mut p, "erp_kw", x.erp_kw);
        push_num(&mut p, "height_m", x.height_m);
        push_num(&mut p, "frequency_mhz", x.frequency_mhz);
        OutFeature {
            id: Some(&x.id),
            properties: p,
            geometry: Some(Geometry::Point(x.location.0)),
        }
    })
}

fn population(s: &Scenario) -> impl Iterator<Item = OutFeature<'_>> {
    s.population.iter().flatten().map(|pt| OutFeature {
        id: None,
        properties: vec![
            ("population", Prop::Num(pt.population)),
            ("households", Prop::Num(pt.households)),
        ],
        geometry: pt.location.map(|l| Geometry::Point(l.0)),
    })
}
