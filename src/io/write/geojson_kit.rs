//! The one GeoJSON writer of the maps: a FeatureCollection streamed feature
//! by feature (or, for the large maps, serialised in rounds side by side
//! and written in order: the same bytes), geometry straight from `geo`
//! types with coordinates rounded to 7 decimals (about 1 cm on the ground; RFC 7946 §11.2 recommends 6),
//! properties through serde_json.
//!
//! Numbers are written as short as they round-trip: `105.77` rather than
//! `105.77000000000001`. Non-finite coordinates cannot be written (JSON has
//! no NaN): the writer refuses them instead of writing a broken file.

use std::io::{self, Write};
use std::path::Path;

use geo::{Coord, LineString, MultiLineString, MultiPolygon, Point, Polygon};
use geojson::JsonObject;

use super::write_atomic_with;
use crate::Result;

/// Decimals of a written coordinate (degrees): 1e-7° is 1.1 cm of latitude.
pub const COORDINATE_DECIMALS: usize = 7;

/// A geometry to write, borrowed from the `geo` value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Geom<'a> {
    /// A Point.
    Point(&'a Point<f64>),
    /// A LineString.
    Line(&'a LineString<f64>),
    /// A MultiLineString, written as a LineString when it holds one line.
    MultiLine(&'a MultiLineString<f64>),
    /// A Polygon.
    Polygon(&'a Polygon<f64>),
    /// A MultiPolygon, written as a Polygon when it holds one polygon.
    MultiPolygon(&'a MultiPolygon<f64>),
}

/// Writes a FeatureCollection to `path` atomically: every `(geometry,
/// properties)` of `features` in order (`None`: a null geometry).
pub(crate) fn write_features<'a, I>(path: &Path, features: I) -> Result<()>
where
    I: IntoIterator<Item = (Option<Geom<'a>>, JsonObject)>,
{
    write_atomic_with(path, |w| {
        w.write_all(br#"{"type":"FeatureCollection","features":["#)?;
        for (i, (geometry, properties)) in features.into_iter().enumerate() {
            if i > 0 {
                w.write_all(b",\n")?;
            } else {
                w.write_all(b"\n")?;
            }
            feature(w, geometry, &properties)?;
        }
        w.write_all(b"\n]}\n")
    })
}

/// [`write_features`] of `len` features, the `k`-th `feature_at(k)`,
/// serialised side by side on rayon's pool and written in order: the same
/// bytes. Features go in rounds of [`ROUND_FEATURES`]; a round is
/// serialised while the one before is written, so no more than two rounds'
/// text is held at once.
pub(crate) fn write_features_indexed<'a, F, P>(path: &Path, len: usize, feature_at: F) -> Result<()>
where
    F: Fn(usize) -> (Option<Geom<'a>>, P) + Sync,
    P: serde::Serialize,
{
    use rayon::prelude::*;
    /// Features serialised by one task.
    const TASK_FEATURES: usize = 32;
    let serialise = |round: std::ops::Range<usize>| -> io::Result<Vec<Vec<u8>>> {
        let tasks = round.len().div_ceil(TASK_FEATURES);
        (0..tasks)
            .into_par_iter()
            .map(|t| {
                let from = round.start + t * TASK_FEATURES;
                let mut buf = Vec::new();
                for k in from..(from + TASK_FEATURES).min(round.end) {
                    buf.extend_from_slice(if k == 0 { b"\n" } else { b",\n" });
                    let (geometry, properties) = feature_at(k);
                    feature(&mut buf, geometry, &properties)?;
                }
                Ok(buf)
            })
            .collect()
    };
    write_atomic_with(path, |w| {
        w.write_all(br#"{"type":"FeatureCollection","features":["#)?;
        let mut serialised: Vec<Vec<u8>> = Vec::new();
        for start in (0..len).step_by(ROUND_FEATURES) {
            let round = start..(start + ROUND_FEATURES).min(len);
            let (written, next) = rayon::join(
                || serialised.iter().try_for_each(|b| w.write_all(b)),
                || serialise(round),
            );
            written?;
            serialised = next?;
        }
        serialised.iter().try_for_each(|b| w.write_all(b))?;
        w.write_all(b"\n]}\n")
    })
}

/// Features per round of [`write_features_indexed`].
const ROUND_FEATURES: usize = 1024;

/// One Feature.
fn feature(
    w: &mut impl Write,
    geometry: Option<Geom<'_>>,
    properties: &impl serde::Serialize,
) -> io::Result<()> {
    w.write_all(br#"{"type":"Feature","geometry":"#)?;
    match geometry {
        None => w.write_all(b"null")?,
        Some(g) => write_geometry(w, g)?,
    }
    w.write_all(br#","properties":"#)?;
    serde_json::to_writer(&mut *w, properties).map_err(io::Error::other)?;
    w.write_all(b"}")
}

/// A geometry object.
pub(crate) fn write_geometry(w: &mut impl Write, g: Geom<'_>) -> io::Result<()> {
    match g {
        Geom::Point(p) => {
            w.write_all(br#"{"type":"Point","coordinates":"#)?;
            coord(w, p.0)?;
        }
        Geom::Line(l) => {
            w.write_all(br#"{"type":"LineString","coordinates":"#)?;
            line(w, l)?;
        }
        Geom::MultiLine(m) if m.0.len() == 1 => return write_geometry(w, Geom::Line(&m.0[0])),
        Geom::MultiLine(m) => {
            w.write_all(br#"{"type":"MultiLineString","coordinates":["#)?;
            for (i, l) in m.0.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                line(w, l)?;
            }
            w.write_all(b"]")?;
        }
        Geom::Polygon(p) => {
            w.write_all(br#"{"type":"Polygon","coordinates":"#)?;
            polygon_body(w, p)?;
        }
        Geom::MultiPolygon(m) if m.0.len() == 1 => {
            return write_geometry(w, Geom::Polygon(&m.0[0]))
        }
        Geom::MultiPolygon(m) => {
            w.write_all(br#"{"type":"MultiPolygon","coordinates":["#)?;
            for (i, p) in m.0.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                polygon_body(w, p)?;
            }
            w.write_all(b"]")?;
        }
    }
    w.write_all(b"}")
}

fn polygon_body(w: &mut impl Write, p: &Polygon<f64>) -> io::Result<()> {
    w.write_all(b"[")?;
    line(w, p.exterior())?;
    for ring in p.interiors() {
        w.write_all(b",")?;
        line(w, ring)?;
    }
    w.write_all(b"]")
}

fn line(w: &mut impl Write, l: &LineString<f64>) -> io::Result<()> {
    w.write_all(b"[")?;
    for (i, c) in l.0.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        coord(w, *c)?;
    }
    w.write_all(b"]")
}

fn coord(w: &mut impl Write, c: Coord<f64>) -> io::Result<()> {
    let (mut bx, mut by) = ([0u8; 64], [0u8; 64]);
    let (x, y) = (fixed(c.x, &mut bx)?, fixed(c.y, &mut by)?);
    // "[x,y]" in one write
    let mut text = [0u8; 131];
    text[0] = b'[';
    text[1..1 + x.len()].copy_from_slice(x);
    text[1 + x.len()] = b',';
    let at = 2 + x.len();
    text[at..at + y.len()].copy_from_slice(y);
    text[at + y.len()] = b']';
    w.write_all(&text[..at + y.len() + 1])
}

/// `v` with [`COORDINATE_DECIMALS`] decimals, trailing zeros (and a bare
/// point) removed, `-0` written as `0`.
///
/// The text is that of `format!("{v:.7}")` (the decimal rounding of the
/// exact binary value), built from an integer for speed: `v · 10⁷` is
/// rounded in floating point, which can only differ from the exact
/// rounding when the product lies within its own rounding error of a
/// half; those values (and values too large for the integer path) take
/// the formatter.
fn fixed(v: f64, buf: &mut [u8; 64]) -> io::Result<&[u8]> {
    if !v.is_finite() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a coordinate is {v}, which GeoJSON cannot hold"),
        ));
    }
    const SCALE: f64 = 1e7;
    const _: () = assert!(COORDINATE_DECIMALS == 7);
    let scaled = v.abs() * SCALE;
    let rounded = scaled.round();
    // the computed product is within half an ulp (≤ scaled · ε / 2) of the
    // exact one: its rounding is exact unless it lies that close to a half
    let margin = 4.0 * f64::EPSILON * scaled.max(1.0);
    if scaled < 1e15 && ((scaled - rounded).abs() - 0.5).abs() > margin {
        let q = rounded as u64;
        if q == 0 {
            buf[0] = b'0';
            return Ok(&buf[..1]);
        }
        let (int, frac) = (q / 10_000_000, q % 10_000_000);
        let mut n = 0;
        if v < 0.0 {
            buf[n] = b'-';
            n += 1;
        }
        let mut digits = itoa::Buffer::new();
        let int = digits.format(int).as_bytes();
        buf[n..n + int.len()].copy_from_slice(int);
        n += int.len();
        if frac > 0 {
            // seven digits, the trailing zeros dropped
            let mut seven = [b'0'; 7];
            let mut f = frac;
            for d in seven.iter_mut().rev() {
                *d = b'0' + (f % 10) as u8;
                f /= 10;
            }
            let width = seven.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1);
            buf[n] = b'.';
            buf[n + 1..n + 1 + width].copy_from_slice(&seven[..width]);
            n += 1 + width;
        }
        return Ok(&buf[..n]);
    }
    let mut cursor = io::Cursor::new(&mut buf[..]);
    write!(cursor, "{v:.COORDINATE_DECIMALS$}")?;
    let n = cursor.position() as usize;
    let text = &buf[..n];
    let mut end = text.len();
    while end > 0 && text[end - 1] == b'0' {
        end -= 1;
    }
    if end > 0 && text[end - 1] == b'.' {
        end -= 1;
    }
    let text = &buf[..end];
    Ok(if text == b"-0" { b"0" } else { text })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn text(v: f64) -> String {
        let mut buf = [0u8; 64];
        String::from_utf8(fixed(v, &mut buf).unwrap().to_vec()).unwrap()
    }

    #[test]
    fn coordinates_are_short_and_round_to_seven_decimals() {
        assert_eq!(text(105.77), "105.77");
        assert_eq!(text(105.770_000_000_000_01), "105.77");
        assert_eq!(text(-8.123_456_789), "-8.1234568");
        assert_eq!(text(180.0), "180");
        assert_eq!(text(-0.000_000_01), "0");
        assert_eq!(text(0.0), "0");
        assert!(fixed(f64::NAN, &mut [0; 64]).is_err());
    }

    /// The formatter's text, trimmed: what the integer path must equal.
    fn reference(v: f64) -> String {
        let t = format!("{v:.7}");
        let t = t.trim_end_matches('0').trim_end_matches('.');
        if t == "-0" {
            "0".into()
        } else {
            t.into()
        }
    }

    #[test]
    fn the_integer_path_writes_the_formatters_text() {
        // a deterministic walk over coordinates, near-ties, tiny and large values
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..200_000 {
            let r = next();
            let unit = (r >> 11) as f64 / (1u64 << 53) as f64;
            let v = match r % 5 {
                0 => (unit - 0.5) * 360.0,
                1 => (unit - 0.5) * 180.0,
                2 => ((next() % 3_600_000_000) as f64 + 0.5) / 1e7 - 180.0,
                3 => (unit - 0.5) * 2e-6,
                _ => (unit - 0.5) * 1e9,
            };
            assert_eq!(text(v), reference(v), "{v:e}");
        }
        for v in [1e15, -1e15, 1.5e-7, 2.5e-7, -0.5e-7, 179.999_999_95, 9.9e40] {
            assert_eq!(text(v), reference(v), "{v:e}");
        }
    }

    /// The features serialised side by side in rounds are the bytes of
    /// the one-by-one writer, for collections that end inside a task, on
    /// a task's end and past a round's end, and for none at all.
    #[test]
    fn indexed_writer_writes_the_bytes_of_the_sequential_one() {
        let dir = tempfile::tempdir().unwrap();
        let points: Vec<Point<f64>> = (0..2 * ROUND_FEATURES + 37)
            .map(|k| Point::new(105.0 + k as f64 * 1e-4, 10.0 - k as f64 * 3e-5))
            .collect();
        let props = |k: usize| {
            let mut p = JsonObject::new();
            p.insert("k".into(), k.into());
            p
        };
        for len in [0, 1, 31, 32, 33, ROUND_FEATURES, 2 * ROUND_FEATURES + 37] {
            let (a, b) = (dir.path().join("a.geojson"), dir.path().join("b.geojson"));
            write_features(
                &a,
                points[..len]
                    .iter()
                    .enumerate()
                    .map(|(k, p)| ((k % 5 != 3).then_some(Geom::Point(p)), props(k))),
            )
            .unwrap();
            write_features_indexed(&b, len, |k| {
                ((k % 5 != 3).then_some(Geom::Point(&points[k])), props(k))
            })
            .unwrap();
            let (a, b) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
            assert!(a == b, "{len} features");
            let fc: geojson::FeatureCollection = String::from_utf8(b)
                .unwrap()
                .parse::<geojson::GeoJson>()
                .unwrap()
                .try_into()
                .unwrap();
            assert_eq!(fc.features.len(), len);
        }
        // a feature that cannot be written fails the whole file
        let path = dir.path().join("nan.geojson");
        let nan = Point::new(f64::NAN, 10.0);
        let at = |k: usize| {
            (
                Some(Geom::Point(if k == 1500 { &nan } else { &points[k] })),
                props(k),
            )
        };
        assert!(write_features_indexed(&path, 2000, at).is_err());
        assert!(!path.exists());
    }

    #[test]
    fn collections_parse_back_with_their_geometry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.geojson");
        let square = polygon![
            (x: 105.0, y: 10.0), (x: 105.1, y: 10.0), (x: 105.1, y: 10.1), (x: 105.0, y: 10.0)
        ];
        let multi = MultiPolygon(vec![square.clone(), square.clone()]);
        let point = Point::new(105.123_456_789, 10.5);
        let mut props = JsonObject::new();
        props.insert("name".into(), "Tân An \"A\"".into());
        write_features(
            &path,
            vec![
                (Some(Geom::Polygon(&square)), props.clone()),
                (Some(Geom::MultiPolygon(&multi)), JsonObject::new()),
                (Some(Geom::Point(&point)), JsonObject::new()),
                (None, props),
            ],
        )
        .unwrap();
        let fc: geojson::FeatureCollection = std::fs::read_to_string(&path)
            .unwrap()
            .parse::<geojson::GeoJson>()
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(fc.features.len(), 4);
        let g: geo::Geometry = fc.features[0].geometry.clone().unwrap().try_into().unwrap();
        assert_eq!(g, geo::Geometry::Polygon(square));
        let g: geo::Geometry = fc.features[1].geometry.clone().unwrap().try_into().unwrap();
        assert_eq!(g, geo::Geometry::MultiPolygon(multi));
        let g: geo::Geometry = fc.features[2].geometry.clone().unwrap().try_into().unwrap();
        assert_eq!(g, geo::Geometry::Point(Point::new(105.123_456_8, 10.5)));
        assert!(fc.features[3].geometry.is_none());
        assert_eq!(fc.features[3].property("name").unwrap(), "Tân An \"A\"");
    }
}
