//! Reading GeoJSON features: the `FeatureCollection` envelope, then each
//! feature's properties and geometry with the types and ranges of the
//! contract.
//!
//! Every refusal is an [`Error::Invalid`] whose [`Location`] names the file,
//! the feature (index, and id once it is known) and the property
//! (`geometry` for the geometry).

use std::borrow::Cow;
use std::fmt::Display;
use std::path::Path;

use geo::{Coord, LineString, MultiLineString, MultiPolygon, Polygon};

use super::crs::{self, InputCrs};
use super::json::{check_syntax, syntax_first, text_of, Json, Parser};
use crate::error::Location;
use crate::model::FeatureId;
use crate::{Error, Result};

/// A feature as read from the file, before interpretation.
#[derive(Debug, Default)]
pub(crate) struct RawFeature<'t> {
    /// The `type` member.
    kind: Option<Json<'t>>,
    /// The `geometry` member (`None` when absent).
    geometry: Option<Json<'t>>,
    /// The `properties` member (`None` when absent).
    properties: Option<Json<'t>>,
    /// Set when the array element is not an object: its JSON type.
    not_object: Option<&'static str>,
}

/// Reads `bytes` as a GeoJSON `FeatureCollection`, calling `on_feature` for
/// each feature in order, its positions already transformed from `crs` to
/// WGS 84. Syntax errors are [`Error::Parse`]; a document that is not a
/// `FeatureCollection`, or a position that cannot be transformed, is an
/// [`Error::Invalid`] naming the file (and feature).
pub(crate) fn read_feature_collection<'t>(
    path: &'t Path,
    bytes: &'t [u8],
    crs: &InputCrs,
    on_feature: impl FnMut(usize, RawFeature<'t>) -> Result<()>,
) -> Result<()> {
    // one reading that checks the syntax as it goes; on any refusal, a
    // syntax error anywhere in the file is the one reported (as when the
    // syntax was checked before reading)
    let text = text_of(path, bytes)?;
    let mut p = Parser::new(path, text);
    match read_collection(path, &mut p, crs, on_feature) {
        Ok(()) if p.within_checked_depth() => Ok(()),
        Ok(()) => check_syntax(path, bytes).map(|_| ()),
        Err(e) => Err(syntax_first(path, bytes, e)),
    }
}

/// [`read_feature_collection`]'s reading of the document by `p`.
fn read_collection<'t>(
    path: &'t Path,
    p: &mut Parser<'t>,
    crs: &InputCrs,
    mut on_feature: impl FnMut(usize, RawFeature<'t>) -> Result<()>,
) -> Result<()> {
    let not_collection = |reason: String| Error::invalid(Location::file(path), reason);
    if p.peek() != Some(b'{') {
        let v = p.value(0)?;
        return Err(not_collection(format!(
            "not a GeoJSON FeatureCollection: the document is {} {}",
            article(v.type_name()),
            v.type_name()
        )));
    }
    let mut kind_seen = false;
    let mut features_seen = false;
    p.object(0, |p, key| {
        match &*key {
            "type" => {
                let kind = p.value(1)?;
                if !matches!(&kind, Json::Str(s) if s == "FeatureCollection") {
                    return Err(Error::invalid(
                        Location::file(path).property("type"),
                        format!(
                            "not a GeoJSON FeatureCollection: type is {}",
                            describe(&kind)
                        ),
                    ));
                }
                kind_seen = true;
            }
            "features" => {
                if features_seen {
                    return Err(Error::invalid(
                        Location::file(path).property("features"),
                        "the member \"features\" appears twice",
                    ));
                }
                features_seen = true;
                if p.peek() != Some(b'[') {
                    let v = p.value(1)?;
                    return Err(Error::invalid(
                        Location::file(path).property("features"),
                        format!("must be an array, got {}", describe(&v)),
                    ));
                }
                p.array(1, |p, index| {
                    let mut feature = read_raw_feature(p)?;
                    if !crs.is_wgs84() {
                        transform_feature(path, index, &mut feature, crs)?;
                    }
                    on_feature(index, feature)
                })?;
            }
            "crs" => {
                let member = p.value(1)?;
                check_crs(path, &member, crs)?;
            }
            _ => {
                p.value(1)?;
            }
        }
        Ok(())
    })?;
    p.finish()?;
    if !kind_seen {
        return Err(Error::invalid(
            Location::file(path).property("type"),
            "not a GeoJSON FeatureCollection: no \"type\" member",
        ));
    }
    if !features_seen {
        return Err(Error::invalid(
            Location::file(path).property("features"),
            "not a GeoJSON FeatureCollection: no \"features\" member",
        ));
    }
    Ok(())
}

/// Refuses a legacy `crs` member that contradicts the scenario's CRS, so
/// that coordinates are never misread. With WGS 84 (the contract), it must
/// name WGS 84 longitude/latitude (`CRS84`, `EPSG:4326`); with another
/// `crs` in scenario.toml, the same EPSG code (or no member at all).
fn check_crs(path: &Path, member: &Json, crs: &InputCrs) -> Result<()> {
    let Some(Json::Str(name)) = member.get("properties").and_then(|p| p.get("name")) else {
        return Ok(());
    };
    let err = |reason: String| Error::invalid(Location::file(path).property("crs"), reason);
    let upper = name.to_ascii_uppercase();
    let declares_wgs84 = upper.contains("CRS84") || upper.contains("4326");
    match crs.name() {
        None if declares_wgs84 => Ok(()),
        None => Err(err(format!(
            "coordinates are declared in {name:?}; the contract requires WGS 84 \
             longitude/latitude in degrees (RFC 7946); for another CRS, name it with \
             `crs` in scenario.toml (needs the `proj` feature)"
        ))),
        Some(scenario) => match (crs::epsg_code(name), crs::epsg_code(scenario)) {
            (Some(a), Some(b)) if a == b => Ok(()),
            _ => Err(err(format!(
                "coordinates are declared in {name:?} but scenario.toml says \
                 crs = {scenario:?}; remove the member or make them agree"
            ))),
        },
    }
}

/// Transforms every position of a feature's geometry from `crs` to WGS 84;
/// a position that cannot be transformed is an error naming the file, the
/// feature, `geometry` and the position's path in `coordinates`.
fn transform_feature(
    path: &Path,
    index: usize,
    feature: &mut RawFeature<'_>,
    crs: &InputCrs,
) -> Result<()> {
    let Some(Json::Obj(members)) = &mut feature.geometry else {
        return Ok(());
    };
    // the member the readers use: the last one of that name
    let Some((_, coordinates)) = members.iter_mut().rev().find(|(k, _)| k == "coordinates") else {
        return Ok(());
    };
    let mut at = String::from("coordinates");
    transform_json(coordinates, crs, &mut at).map_err(|reason| {
        let id = feature
            .properties
            .as_ref()
            .and_then(|p| p.get("id"))
            .and_then(|id| parse_id(id).ok())
            .map(|id| id.to_string());
        Error::invalid(
            Location::file(path).feature(index, id).property("geometry"),
            reason,
        )
    })
}

/// Transforms the positions in `v` (`at` is its path, for messages).
fn transform_json(v: &mut Json<'_>, crs: &InputCrs, at: &mut String) -> GeomResult<()> {
    let one = |c: &mut Coord<f64>, at: &dyn Display| -> GeomResult<()> {
        let (x, y) = crs
            .to_wgs84(c.x, c.y)
            .map_err(|why| format!("{at}: {why}"))?;
        *c = Coord { x, y };
        Ok(())
    };
    match v {
        Json::Pos(c) => one(c, &at),
        Json::Line(coords) => {
            for (i, c) in coords.iter_mut().enumerate() {
                one(c, &format_args!("{at}[{i}]"))?;
            }
            Ok(())
        }
        Json::Arr(items) => {
            let len = at.len();
            for (i, item) in items.iter_mut().enumerate() {
                at.push_str(&format!("[{i}]"));
                transform_json(item, crs, at)?;
                at.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn read_raw_feature<'t>(p: &mut Parser<'t>) -> Result<RawFeature<'t>> {
    let mut f = RawFeature::default();
    if p.peek() != Some(b'{') {
        let v = p.value(2)?;
        f.not_object = Some(v.type_name());
        return Ok(f);
    }
    p.object(2, |p, key| {
        match &*key {
            "type" => f.kind = Some(p.value(3)?),
            "geometry" => f.geometry = Some(p.value(3)?),
            "properties" => f.properties = Some(p.value(3)?),
            _ => {
                p.value(3)?;
            }
        }
        Ok(())
    })?;
    Ok(f)
}

/// `a` or `an` for a JSON type name.
fn article(type_name: &str) -> &'static str {
    if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// A short description of a value for messages: `the string "x"`, `a
/// number (12.5)`, `an array`, ...
pub(crate) fn describe(v: &Json<'_>) -> String {
    match v {
        Json::Null => "null".into(),
        Json::Bool(b) => format!("the boolean {b}"),
        Json::Num(n) => format!("the number {}", n.value),
        Json::Str(s) => format!("the string {s:?}"),
        other => format!("{} {}", article(other.type_name()), other.type_name()),
    }
}

/// One feature being interpreted: where it is (for messages) and its
/// properties.
pub(crate) struct Feature<'a> {
    file: &'a Path,
    index: usize,
    /// The `id` shown in messages, rendered only when a message is made.
    id: Option<&'a Json<'a>>,
    raw: &'a RawFeature<'a>,
    props: &'a [(Cow<'a, str>, Json<'a>)],
}

impl<'a> Feature<'a> {
    /// Checks the feature envelope (`type` is `"Feature"`, `properties` is an
    /// object or null).
    pub(crate) fn new(file: &'a Path, index: usize, raw: &'a RawFeature<'a>) -> Result<Self> {
        let mut f = Feature {
            file,
            index,
            id: None,
            raw,
            props: &[],
        };
        if let Some(t) = raw.not_object {
            return Err(f.error_at(
                None,
                format!("a feature must be an object, got {} {t}", article(t)),
            ));
        }
        match &raw.kind {
            Some(Json::Str(s)) if s == "Feature" => {}
            Some(other) => {
                return Err(f.err(
                    "type",
                    format!(
                        "a feature's type must be \"Feature\", got {}",
                        describe(other)
                    ),
                ))
            }
            None => return Err(f.err("type", "a feature needs \"type\": \"Feature\"")),
        }
        match &raw.properties {
            None | Some(Json::Null) => {}
            Some(Json::Obj(members)) => f.props = members,
            Some(other) => {
                return Err(f.err(
                    "properties",
                    format!("must be an object, got {}", describe(other)),
                ))
            }
        }
        Ok(f)
    }

    /// Zero-based index of the feature in the file.
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// Shows the feature's `id` in later messages when it is a valid id
    /// (for files where the id is optional).
    pub(crate) fn show_valid_id(&mut self) {
        if let Some(v) = self.get("id").filter(|v| parse_id(v).is_ok()) {
            self.id = Some(v);
        }
    }

    /// The location of this feature, optionally narrowed to a property.
    pub(crate) fn location(&self, property: Option<&str>) -> Location {
        let id = self
            .id
            .and_then(|v| parse_id(v).ok())
            .map(|id| id.to_string());
        let loc = Location::file(self.file).feature(self.index, id);
        match property {
            Some(p) => loc.property(p),
            None => loc,
        }
    }

    fn error_at(&self, property: Option<&str>, reason: impl Into<String>) -> Error {
        Error::invalid(self.location(property), reason)
    }

    /// An [`Error::Invalid`] for `property` of this feature.
    pub(crate) fn err(&self, property: &str, reason: impl Into<String>) -> Error {
        self.error_at(Some(property), reason)
    }

    /// A warning about this feature, in the same form as errors.
    pub(crate) fn warning(
        &self,
        property: Option<&str>,
        message: impl std::fmt::Display,
    ) -> String {
        format!("{}: {message}", self.location(property))
    }

    /// Property `key`; `null` counts as absent.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Json<'a>> {
        self.props
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| !matches!(v, Json::Null))
    }

    /// A required property.
    pub(crate) fn required(&self, key: &str) -> Result<&'a Json<'a>> {
        self.get(key)
            .ok_or_else(|| self.err(key, "missing required property"))
    }

    /// The feature's `id` property (string or integer), or `None` when
    /// absent.
    pub(crate) fn id(&self) -> Result<Option<FeatureId>> {
        self.get("id")
            .map(|v| parse_id(v).map_err(|r| self.err("id", r)))
            .transpose()
    }

    /// A required `id`; it is recorded for later messages.
    pub(crate) fn required_id(&mut self) -> Result<FeatureId> {
        let id = self
            .id()?
            .ok_or_else(|| self.err("id", "missing required property"))?;
        self.id = self.get("id");
        Ok(id)
    }

    /// An optional string property.
    pub(crate) fn string(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Str(s)) => Ok(Some(s.to_string())),
            Some(other) => Err(self.err(key, format!("must be a string, got {}", describe(other)))),
        }
    }

    /// An optional finite number.
    pub(crate) fn number(&self, key: &str) -> Result<Option<f64>> {
        self.get(key).map(|v| self.number_value(key, v)).transpose()
    }

    /// `v` as a finite number, or an error naming `property` (written out
    /// only for the error: `format_args!` suits a composed name).
    pub(crate) fn number_value(&self, property: impl Display + Copy, v: &Json<'_>) -> Result<f64> {
        match v {
            Json::Num(n) if n.value.is_finite() => Ok(n.value),
            Json::Num(n) => Err(self.err(
                &property.to_string(),
                format!("must be finite, got {}", n.value),
            )),
            other => Err(self.err(
                &property.to_string(),
                format!("must be a number, got {}", describe(other)),
            )),
        }
    }

    /// `v` as a finite number > 0 (see [`Feature::number_value`]).
    pub(crate) fn positive_value(
        &self,
        property: impl Display + Copy,
        v: &Json<'_>,
    ) -> Result<f64> {
        let x = self.number_value(property, v)?;
        if x > 0.0 {
            Ok(x)
        } else {
            Err(self.err(&property.to_string(), format!("must be > 0, got {x}")))
        }
    }

    /// An optional finite number > 0.
    pub(crate) fn positive(&self, key: &str) -> Result<Option<f64>> {
        self.get(key)
            .map(|v| self.positive_value(key, v))
            .transpose()
    }

    /// An optional finite number >= 0.
    pub(crate) fn non_negative(&self, key: &str) -> Result<Option<f64>> {
        match self.number(key)? {
            Some(x) if x < 0.0 => Err(self.err(key, format!("must be >= 0, got {x}"))),
            other => Ok(other),
        }
    }

    /// The geometry: `None` for a null or absent geometry, otherwise its
    /// type (which must be one of `allowed`) and coordinates.
    pub(crate) fn geometry(
        &self,
        allowed: &[&'static str],
    ) -> Result<Option<(&'static str, &'a Json<'a>)>> {
        let g = match &self.raw.geometry {
            None | Some(Json::Null) => return Ok(None),
            Some(g @ Json::Obj(_)) => g,
            Some(other) => {
                return Err(self.err(
                    "geometry",
                    format!(
                        "must be a GeoJSON geometry object or null, got {}",
                        describe(other)
                    ),
                ))
            }
        };
        let expected = || {
            let names: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
            names.join(" or ")
        };
        let kind = match g.get("type") {
            Some(Json::Str(s)) => &**s,
            Some(other) => {
                return Err(self.err(
                    "geometry",
                    format!("geometry type must be a string, got {}", describe(other)),
                ))
            }
            None => return Err(self.err("geometry", "geometry has no \"type\"")),
        };
        let Some(kind) = allowed.iter().copied().find(|a| *a == kind) else {
            return Err(self.err(
                "geometry",
                format!("wrong geometry type {kind:?}: expected {}", expected()),
            ));
        };
        match g.get("coordinates") {
            Some(c) => Ok(Some((kind, c))),
            None => Err(self.err(
                "geometry",
                format!("{kind} geometry has no \"coordinates\""),
            )),
        }
    }
}

/// An id: a string (non-empty) or an integer. A number with a fractional
/// part is refused; an integral number written with a fraction or exponent
/// (`5.0`, `1e3`) is the integer it denotes.
pub(crate) fn parse_id(v: &Json<'_>) -> std::result::Result<FeatureId, String> {
    match v {
        Json::Str(s) if s.trim().is_empty() => Err("id must not be an empty string".into()),
        Json::Str(s) => Ok(FeatureId::Str(s.to_string())),
        Json::Num(n) => {
            if let Some(i) = n.int {
                return Ok(FeatureId::Int(i));
            }
            let x = n.value;
            if x.fract() != 0.0 {
                Err(format!(
                    "an id must be a string or an integer; the number {x} has a fractional part"
                ))
            } else if x.abs() <= 9_007_199_254_740_992.0 {
                // |x| <= 2^53: exactly an integer, and within i64
                Ok(FeatureId::Int(x as i64))
            } else {
                Err(format!("the integer id {x} is too large (use a string)"))
            }
        }
        other => Err(format!(
            "an id must be a string or an integer, got {}",
            describe(other)
        )),
    }
}

/// How an id is written in JSON, for messages: `5` or `"5"`.
pub(crate) fn id_as_json(id: &FeatureId) -> String {
    match id {
        FeatureId::Int(i) => i.to_string(),
        FeatureId::Str(s) => format!("{s:?}"),
    }
}

// ---------------------------------------------------------------------------
// Geometry: coordinates to geo types, with the contract's checks. Errors are
// reasons (`String`) that the caller attaches to the feature's "geometry".

type GeomResult<T> = std::result::Result<T, String>;

/// Checks that a position is finite and within [-180, 180] × [-90, 90].
/// `path` is written out only in an error.
fn check_coord(c: Coord<f64>, path: impl Display) -> GeomResult<()> {
    if !c.x.is_finite() || !c.y.is_finite() {
        return Err(format!("{path}: position [{}, {}] is not finite", c.x, c.y));
    }
    let swapped_hint = |ok: bool| {
        if ok {
            " (are longitude and latitude swapped?)"
        } else {
            ""
        }
    };
    if !(-180.0..=180.0).contains(&c.x) {
        let hint = if c.x.abs() > 1000.0 || c.y.abs() > 1000.0 {
            " (projected coordinates? name their CRS with `crs` in scenario.toml)"
        } else {
            ""
        };
        return Err(format!(
            "{path}: longitude {} is outside [-180, 180]{hint}",
            c.x
        ));
    }
    if !(-90.0..=90.0).contains(&c.y) {
        let hint = swapped_hint((-90.0..=90.0).contains(&c.x));
        return Err(format!(
            "{path}: latitude {} is outside [-90, 90]{hint}",
            c.y
        ));
    }
    Ok(())
}

/// Why `v` is not a position.
fn not_a_position(v: &Json<'_>, path: &str) -> String {
    match v {
        Json::Arr(items) if items.iter().all(|i| matches!(i, Json::Num(_))) => format!(
            "{path}: a position needs at least 2 numbers [longitude, latitude], got {}",
            items.len()
        ),
        Json::Arr(_) => format!("{path}: a position must hold numbers only"),
        Json::Line(_) => format!("{path}: expected a position, got an array of positions"),
        other => format!(
            "{path}: expected a position [longitude, latitude], got {}",
            describe(other)
        ),
    }
}

/// A Point's coordinates; `None` for an empty point (`[]`).
pub(crate) fn point(v: &Json<'_>) -> GeomResult<Option<Coord<f64>>> {
    match v {
        Json::Pos(c) => {
            check_coord(*c, "coordinates")?;
            Ok(Some(*c))
        }
        v if v.is_empty_array() => Ok(None),
        other => Err(not_a_position(other, "coordinates")),
    }
}

/// An array of positions (possibly empty), checked for range.
fn positions(v: &Json<'_>, path: &str) -> GeomResult<Vec<Coord<f64>>> {
    let coords = match v {
        Json::Line(coords) => coords.clone(),
        v if v.is_empty_array() => Vec::new(),
        Json::Arr(items) => {
            let (i, bad) = items
                .iter()
                .enumerate()
                .find(|(_, j)| !matches!(j, Json::Pos(_)))
                .ok_or_else(|| format!("{path}: expected an array of positions"))?;
            return Err(not_a_position(bad, &format!("{path}[{i}]")));
        }
        Json::Pos(_) => {
            return Err(format!(
                "{path}: expected an array of positions, got a single position"
            ))
        }
        other => {
            return Err(format!(
                "{path}: expected an array of positions, got {}",
                describe(other)
            ))
        }
    };
    for (i, c) in coords.iter().enumerate() {
        check_coord(*c, format_args!("{path}[{i}]"))?;
    }
    Ok(coords)
}

/// A LineString's positions: at least two; `None` when empty.
fn line_string(v: &Json<'_>, path: &str) -> GeomResult<Option<LineString<f64>>> {
    let coords = positions(v, path)?;
    match coords.len() {
        0 => Ok(None),
        1 => Err(format!(
            "{path}: a LineString needs at least 2 positions, got 1"
        )),
        _ => Ok(Some(LineString(coords))),
    }
}

/// A linear ring: at least four positions, first equal to last.
fn ring(v: &Json<'_>, path: &str) -> GeomResult<LineString<f64>> {
    let coords = positions(v, path)?;
    if coords.len() < 4 {
        return Err(format!(
            "{path}: a polygon ring needs at least 4 positions (first repeated last), got {}",
            coords.len()
        ));
    }
    if let (Some(first), Some(last)) = (coords.first(), coords.last()) {
        if first != last {
            return Err(format!(
                "{path}: ring is not closed: first position [{}, {}] differs from last [{}, {}]",
                first.x, first.y, last.x, last.y
            ));
        }
    }
    Ok(LineString(coords))
}

/// A Polygon's rings; `None` for an empty polygon (`[]`).
fn polygon(v: &Json<'_>, path: &str) -> GeomResult<Option<Polygon<f64>>> {
    let rings = match v {
        Json::Arr(rings) if rings.is_empty() => return Ok(None),
        Json::Arr(rings) => rings,
        Json::Line(_) => {
            return Err(format!(
                "{path}: expected an array of rings, got an array of positions"
            ))
        }
        Json::Pos(_) => {
            return Err(format!(
                "{path}: expected an array of rings, got a position"
            ))
        }
        other => {
            return Err(format!(
                "{path}: expected an array of rings, got {}",
                describe(other)
            ))
        }
    };
    let mut out = Vec::with_capacity(rings.len());
    for (i, r) in rings.iter().enumerate() {
        out.push(ring(r, &format!("{path}[{i}]"))?);
    }
    let mut it = out.into_iter();
    let exterior = it.next().unwrap_or_else(|| LineString(Vec::new()));
    Ok(Some(Polygon::new(exterior, it.collect())))
}

/// Area geometry read from a Polygon or MultiPolygon.
#[derive(Debug)]
pub(crate) struct Areas {
    /// The non-empty polygons.
    pub polygons: MultiPolygon<f64>,
    /// How many empty polygons (`[]`) a MultiPolygon held.
    pub empty_parts: usize,
}

/// The coordinates of a `Polygon` or `MultiPolygon`.
pub(crate) fn areas(kind: &str, v: &Json<'_>) -> GeomResult<Areas> {
    if kind == "Polygon" {
        let polygons = polygon(v, "coordinates")?.into_iter().collect();
        return Ok(Areas {
            polygons: MultiPolygon(polygons),
            empty_parts: 0,
        });
    }
    let parts = match v {
        Json::Arr(parts) => parts,
        other => {
            return Err(format!(
                "coordinates: expected an array of polygons, got {}",
                match other {
                    Json::Line(_) => "an array of positions".to_owned(),
                    Json::Pos(_) => "a position".to_owned(),
                    o => describe(o),
                }
            ))
        }
    };
    let mut polygons = Vec::with_capacity(parts.len());
    let mut empty_parts = 0;
    for (i, part) in parts.iter().enumerate() {
        match polygon(part, &format!("coordinates[{i}]"))? {
            Some(p) => polygons.push(p),
            None => empty_parts += 1,
        }
    }
    Ok(Areas {
        polygons: MultiPolygon(polygons),
        empty_parts,
    })
}

/// Line geometry read from a LineString or MultiLineString.
#[derive(Debug)]
pub(crate) struct Lines {
    /// The non-empty lines.
    pub lines: MultiLineString<f64>,
    /// How many empty lines (`[]`) a MultiLineString held.
    pub empty_parts: usize,
}

/// The coordinates of a `LineString` or `MultiLineString`.
pub(crate) fn lines(kind: &str, v: &Json<'_>) -> GeomResult<Lines> {
    if kind == "LineString" {
        let lines = line_string(v, "coordinates")?.into_iter().collect();
        return Ok(Lines {
            lines: MultiLineString(lines),
            empty_parts: 0,
        });
    }
    let parts = match v {
        Json::Arr(parts) => parts.as_slice(),
        Json::Line(_) => {
            return Err(
                "coordinates: expected an array of LineStrings, got an array of positions".into(),
            )
        }
        other => {
            return Err(format!(
                "coordinates: expected an array of LineStrings, got {}",
                describe(other)
            ))
        }
    };
    let mut out = Vec::with_capacity(parts.len());
    let mut empty_parts = 0;
    for (i, part) in parts.iter().enumerate() {
        match line_string(part, &format!("coordinates[{i}]"))? {
            Some(l) => out.push(l),
            None => empty_parts += 1,
        }
    }
    Ok(Lines {
        lines: MultiLineString(out),
        empty_parts,
    })
}

#[cfg(test)]
mod tests {
    use super::super::json::parse;
    use super::*;

    fn json(s: &str) -> Json<'_> {
        parse(Path::new("t.json"), s.as_bytes()).unwrap()
    }

    /// Reading a collection in one pass (serde_json's syntax check only
    /// for a refused file) gives what the check followed by the reading
    /// gave: the same features, or the same error, also when the caller
    /// refuses a feature for its contents before a syntax error further
    /// on (the syntax error is reported, as before). On 100,000 random
    /// edits of a small collection.
    #[test]
    fn one_pass_reports_what_check_then_read_reported() {
        let path = Path::new("t.geojson");
        let crs = InputCrs::wgs84();
        // the caller refuses a feature whose properties hold "bad"
        let run = |one_pass: bool, bytes: &[u8]| -> String {
            let mut seen = Vec::new();
            let on_feature = |i: usize, f: RawFeature<'_>| {
                let text = format!("{i}: {f:?}");
                if text.contains("bad") {
                    return Err(Error::invalid(Location::file(path), format!("feature {i}")));
                }
                seen.push(text);
                Ok(())
            };
            let result = if one_pass {
                read_feature_collection(path, bytes, &crs, on_feature)
            } else {
                check_syntax(path, bytes).and_then(|text| {
                    let mut p = Parser::new(path, text);
                    read_collection(path, &mut p, &crs, on_feature)
                })
            };
            match result {
                Ok(()) => format!("{seen:?}"),
                Err(e) => format!("error {e}"),
            }
        };
        let seed: &[u8] = br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":1,"name":"a"},"geometry":{"type":"Point","coordinates":[105.5,10.2]}},{"type":"Feature","properties":{"id":2,"name":"bad"},"geometry":null},{"type":"Feature","properties":{"id":3},"geometry":{"type":"LineString","coordinates":[[105,10],[105.1,10.1]]}}]}"#;
        assert!(run(true, seed).starts_with("error"));
        let alphabet: &[u8] = b"{}[],:\"-+.e0129 \nnbad\x01";
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |m: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % m as u64) as usize
        };
        let mut outcomes = [0usize; 3];
        for _ in 0..100_000 {
            let mut doc = seed.to_vec();
            for _ in 0..1 + next(2) {
                let at = next(doc.len() + 1);
                match next(3) {
                    0 if at < doc.len() => {
                        doc.remove(at);
                    }
                    1 if at < doc.len() => doc[at] = alphabet[next(alphabet.len())],
                    _ => doc.insert(at, alphabet[next(alphabet.len())]),
                }
            }
            let (new, old) = (run(true, &doc), run(false, &doc));
            assert_eq!(new, old, "{:?}", String::from_utf8_lossy(&doc));
            outcomes[match () {
                _ if !new.starts_with("error") => 0,
                _ if new.contains("feature 1") => 1,
                _ => 2,
            }] += 1;
        }
        // every kind of outcome met: loaded, refused by the caller, refused
        // for the syntax or the collection's form
        assert!(outcomes.iter().all(|&n| n > 100), "{outcomes:?}");
    }

    #[test]
    fn ids() {
        assert_eq!(parse_id(&json("5")), Ok(FeatureId::Int(5)));
        assert_eq!(parse_id(&json("5.0")), Ok(FeatureId::Int(5)));
        assert_eq!(parse_id(&json("\"5\"")), Ok(FeatureId::Str("5".into())));
        assert!(parse_id(&json("5.5")).unwrap_err().contains("fractional"));
        assert!(parse_id(&json("true")).is_err());
        assert!(parse_id(&json("\"\"")).is_err());
        assert!(parse_id(&json("1e300")).is_err());
        assert_eq!(
            parse_id(&json("-9223372036854775808")),
            Ok(FeatureId::Int(i64::MIN))
        );
    }

    #[test]
    fn points() {
        assert_eq!(
            point(&json("[105.5, 21, 12]")),
            Ok(Some(Coord { x: 105.5, y: 21.0 }))
        );
        assert_eq!(point(&json("[]")), Ok(None));
        assert!(point(&json("[181, 0]"))
            .unwrap_err()
            .contains("longitude 181"));
        assert!(point(&json("[21, 105]")).unwrap_err().contains("swapped"));
        assert!(point(&json("[1]")).unwrap_err().contains("at least 2"));
        assert!(point(&json("[[1, 2]]")).is_err());
        assert!(point(&json("\"x\"")).is_err());
    }

    #[test]
    fn rings_and_polygons() {
        let square = "[[0,0],[1,0],[1,1],[0,1],[0,0]]";
        let a = areas("Polygon", &json(&format!("[{square}]"))).unwrap();
        assert_eq!(a.polygons.0.len(), 1);
        assert_eq!(a.polygons.0[0].exterior().0.len(), 5);
        let open = areas("Polygon", &json("[[[0,0],[1,0],[1,1],[0,1]]]")).unwrap_err();
        assert!(open.contains("not closed"), "{open}");
        let short = areas("Polygon", &json("[[[0,0],[1,0],[0,0]]]")).unwrap_err();
        assert!(short.contains("at least 4"), "{short}");
        assert!(areas("Polygon", &json("[]")).unwrap().polygons.0.is_empty());
        let m = areas("MultiPolygon", &json(&format!("[[{square}], []]"))).unwrap();
        assert_eq!((m.polygons.0.len(), m.empty_parts), (1, 1));
        assert!(areas("MultiPolygon", &json(&format!("[{square}]"))).is_err());
        assert!(areas("Polygon", &json(square)).is_err());
    }

    #[test]
    fn line_strings() {
        let l = lines("LineString", &json("[[0,0],[1,1]]")).unwrap();
        assert_eq!(l.lines.0.len(), 1);
        assert!(lines("LineString", &json("[[0,0]]")).is_err());
        assert!(lines("LineString", &json("[]")).unwrap().lines.0.is_empty());
        let m = lines("MultiLineString", &json("[[[0,0],[1,1]], []]")).unwrap();
        assert_eq!((m.lines.0.len(), m.empty_parts), (1, 1));
        assert!(lines("MultiLineString", &json("[[0,0],[1,1]]")).is_err());
    }
}
