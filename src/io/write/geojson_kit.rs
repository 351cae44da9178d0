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

impl Geom<'_> {
    /// The number of coordinates written.
    fn coords_count(self) -> usize {
        use geo::CoordsIter;
        match self {
            Geom::Point(_) => 1,
            Geom::Line(l) => l.0.len(),
            Geom::MultiLine(m) => m.coords_count(),
            Geom::Polygon(p) => p.coords_count(),
            Geom::MultiPolygon(m) => m.coords_count(),
        }
    }
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

/// [`write_features`] of `len` features, the `k`-th of geometry
/// `geometry_at(k)` and properties `properties_at(k)`, serialised side by
/// side on rayon's pool and written in order: the same bytes. The features are cut into tasks of about the same number of
/// coordinates ([`task_bounds`]), not of features (a map's few largest
/// features, a gap map's first ranks, hold most of its text), and the
/// tasks go in rounds of [`ROUND_TASKS`] a thread: a round is serialised
/// while the one before is written, so the writing overlaps the
/// serialising and no more than two rounds' text is held at once.
pub(crate) fn write_features_indexed<'a, G, F, P>(
    path: &Path,
    len: usize,
    geometry_at: G,
    properties_at: F,
) -> Result<()>
where
    G: Fn(usize) -> Option<Geom<'a>> + Sync,
    F: Fn(usize) -> P + Sync,
    P: serde::Serialize,
{
    use rayon::prelude::*;
    let costs: Vec<usize> = (0..len)
        .map(|k| geometry_at(k).map_or(0, Geom::coords_count) + FEATURE_COORDS)
        .collect();
    let threads = rayon::current_num_threads();
    let bounds = task_bounds(&costs, threads);
    let serialise = |tasks: &[usize]| -> io::Result<Vec<Vec<u8>>> {
        tasks
            .par_windows(2)
            .map(|w| {
                // the text's size foreseen from the coordinates: one buffer
                // at its size instead of one grown (and copied) by doubling
                let cost: usize = costs[w[0]..w[1]].iter().sum();
                let mut buf = Vec::with_capacity(cost * COORD_BYTES);
                for k in w[0]..w[1] {
                    buf.extend_from_slice(if k == 0 { b"\n" } else { b",\n" });
                    feature(&mut buf, geometry_at(k), &properties_at(k))?;
                }
                Ok(buf)
            })
            .collect()
    };
    write_atomic_with(path, |w| {
        w.write_all(br#"{"type":"FeatureCollection","features":["#)?;
        let mut serialised: Vec<Vec<u8>> = Vec::new();
        // rounds of tasks: bounds[start..=end] (consecutive rounds share
        // a bound)
        let per_round = ROUND_TASKS * threads.max(1);
        for start in (0..bounds.len().saturating_sub(1)).step_by(per_round) {
            let end = (start + per_round).min(bounds.len() - 1);
            let (written, next) = rayon::join(
                || serialised.iter().try_for_each(|b| w.write_all(b)),
                || serialise(&bounds[start..=end]),
            );
            written?;
            serialised = next?;
        }
        serialised.iter().try_for_each(|b| w.write_all(b))?;
        w.write_all(b"\n]}\n")
    })
}

/// Where the tasks of [`write_features_indexed`] cut features of the
/// given costs (coordinates, with [`FEATURE_COORDS`] for the rest of
/// each): `0`, the cuts, `costs.len()`. Each task takes features in order
/// until it holds a share of the cost: about eight tasks a thread
/// (so that a thread done early takes another), none smaller than
/// [`TASK_COORDS`] (a task has its own buffer and scheduling) nor larger
/// than [`MAX_TASK_COORDS`] (a round's text stays small). A feature
/// costing more than a share is a task of its own.
fn task_bounds(costs: &[usize], threads: usize) -> Vec<usize> {
    let share = task_share(costs.iter().sum(), threads);
    let mut bounds = vec![0];
    let mut held = 0;
    for (k, &c) in costs.iter().enumerate() {
        if held > 0 && held + c > share {
            bounds.push(k);
            held = 0;
        }
        held += c;
    }
    if !costs.is_empty() {
        bounds.push(costs.len());
    }
    bounds
}

/// The cost a task of [`task_bounds`] holds at most (but for a feature
/// costing more), for features of cost `total` on `threads` threads.
fn task_share(total: usize, threads: usize) -> usize {
    (total / (8 * threads.max(1))).clamp(TASK_COORDS, MAX_TASK_COORDS)
}

/// The least cost of a task of [`write_features_indexed`], coordinates.
const TASK_COORDS: usize = 1024;

/// The most cost of a task of [`write_features_indexed`] (but for a
/// feature costing more), coordinates: about 430 kB of text, so that two
/// rounds of a large map (the Vietnam-sized case's 100,000 sites) hold a
/// few megabytes.
const MAX_TASK_COORDS: usize = 1 << 14;

/// Tasks a thread per round of [`write_features_indexed`].
const ROUND_TASKS: usize = 2;

/// The text of one coordinate foreseen by [`write_features_indexed`]:
/// `,[105.1234567,10.1234567]` (a longer one grows the buffer once).
const COORD_BYTES: usize = 26;

/// The text of one feature besides its coordinates foreseen by
/// [`write_features_indexed`] (its members and properties, about 512
/// bytes), in coordinates' worth of text.
const FEATURE_COORDS: usize = 512 / COORD_BYTES;

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
            coord(w, p.0, false)?;
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
        coord(w, *c, i > 0)?;
    }
    w.write_all(b"]")
}

/// Room for one number of [`put_fixed`]'s integer path: a sign, eight
/// integer digits, the point and seven decimals.
const NUMBER: usize = 24;

/// `[x,y]` (`,[x,y]` after another coordinate when `comma`), built in one
/// buffer and written at once.
fn coord(w: &mut impl Write, c: Coord<f64>, comma: bool) -> io::Result<()> {
    let mut text = [0u8; 3 + 2 * NUMBER + 1];
    let mut n = usize::from(comma);
    text[0] = b',';
    text[n] = b'[';
    let fast = put_fixed(c.x, &mut text, n + 1).and_then(|at| {
        text[at] = b',';
        put_fixed(c.y, &mut text, at + 1)
    });
    if let Some(at) = fast {
        text[at] = b']';
        n = at + 1;
        return w.write_all(&text[..n]);
    }
    // a value beyond the integer path: the formatter's text
    let (x, y) = (fixed(c.x)?, fixed(c.y)?);
    w.write_all(&text[..n + 1])?;
    w.write_all(x.as_bytes())?;
    w.write_all(b",")?;
    w.write_all(y.as_bytes())?;
    w.write_all(b"]")
}

/// Writes `v` as [`fixed`] does into `out` from `at`, returning the
/// position after it; `None` (nothing promised of `out`) when the integer
/// path cannot decide the rounding or `v` is not finite.
///
/// `v · 10⁷` is rounded in floating point, which can only differ from
/// the exact decimal rounding of the binary value when the product lies
/// within its own rounding error of a half: those values, and those of
/// 10⁸ or more, are left to the formatter.
fn put_fixed(v: f64, out: &mut [u8; 3 + 2 * NUMBER + 1], at: usize) -> Option<usize> {
    const SCALE: f64 = 1e7;
    const _: () = assert!(COORDINATE_DECIMALS == 7);
    let scaled = v.abs() * SCALE;
    let rounded = scaled.round();
    // the computed product is within half an ulp (≤ scaled · ε / 2) of the
    // exact one: its rounding is exact unless it lies that close to a half
    let margin = 4.0 * f64::EPSILON * scaled.max(1.0);
    if !(scaled < 1e15 && ((scaled - rounded).abs() - 0.5).abs() > margin) {
        return None;
    }
    // (below 2⁶³: the signed conversion, one instruction, is exact)
    let q = rounded as i64 as u64;
    let mut n = at;
    if q == 0 {
        out[n] = b'0';
        return Some(n + 1);
    }
    if v < 0.0 {
        out[n] = b'-';
        n += 1;
    }
    // below 10⁸ · 10⁷: both parts fit 32 bits
    let (int, frac) = ((q / 10_000_000) as u32, (q % 10_000_000) as u32);
    // integer digits: one to three for longitudes and latitudes
    if int < 10 {
        out[n] = b'0' + int as u8;
        n += 1;
    } else if int < 100 {
        out[n..n + 2].copy_from_slice(pair(int));
        n += 2;
    } else if int < 1000 {
        out[n] = b'0' + (int / 100) as u8;
        out[n + 1..n + 3].copy_from_slice(pair(int % 100));
        n += 3;
    } else {
        let mut int = int;
        let width = int.ilog10() as usize + 1;
        for k in (0..width).rev() {
            out[n + k] = b'0' + (int % 10) as u8;
            int /= 10;
        }
        n += width;
    }
    if frac > 0 {
        // the seven decimals after a leading zero, one digit a byte; the
        // trailing zeros dropped (the last digit is the highest byte)
        let digits = eight_digits(frac);
        let width = 7 - (digits.leading_zeros() / 8) as usize;
        out[n..n + 8].copy_from_slice(&(digits | ASCII_ZEROS).to_le_bytes());
        out[n] = b'.';
        n += 1 + width;
    }
    Some(n)
}

/// Eight `b'0'` bytes.
const ASCII_ZEROS: u64 = 0x3030_3030_3030_3030;

/// The eight decimal digits of `v` (below 10⁸, leading zeros kept) as the
/// bytes of a little-endian word, most significant digit first in memory,
/// each the digit's value: `v` split into halves of four digits, each into
/// pairs, each pair into digits, every lane at once (each lane's value is
/// small enough that its products stay within it).
#[inline]
fn eight_digits(v: u32) -> u64 {
    let v = u64::from(v);
    // two 4-digit numbers in 32-bit lanes, the leading one lowest
    let x = (v / 10_000) | ((v % 10_000) << 32);
    // ÷ 100 in each lane (exact below 10⁴: 5243 / 2¹⁹ ≈ 1 / 100)
    let hundreds = ((x * 5243) >> 19) & 0x0000_007F_0000_007F;
    let x = hundreds | ((x - hundreds * 100) << 16);
    // ÷ 10 in each 16-bit lane (exact below 100: 103 / 2¹⁰ ≈ 1 / 10)
    let tens = ((x * 103) >> 10) & 0x000F_000F_000F_000F;
    tens | ((x - tens * 10) << 8)
}

/// The two digits of `v` (below 100).
#[inline]
fn pair(v: u32) -> &'static [u8; 2] {
    const PAIRS: [[u8; 2]; 100] = {
        let mut t = [[0u8; 2]; 100];
        let mut k = 0;
        while k < 100 {
            t[k] = [b'0' + (k / 10) as u8, b'0' + (k % 10) as u8];
            k += 1;
        }
        t
    };
    &PAIRS[v as usize]
}

/// `v` with [`COORDINATE_DECIMALS`] decimals, trailing zeros (and a bare
/// point) removed, `-0` written as `0`: the text of `format!("{v:.7}")`
/// (the decimal rounding of the exact binary value), trimmed. Coordinates
/// take [`put_fixed`]'s integer path, which writes the same text, unless
/// it cannot decide.
fn fixed(v: f64) -> io::Result<String> {
    if !v.is_finite() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a coordinate is {v}, which GeoJSON cannot hold"),
        ));
    }
    let text = format!("{v:.COORDINATE_DECIMALS$}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    Ok(if text == "-0" {
        "0".into()
    } else {
        text.into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    /// `v` as a coordinate is written: the integer path's text when it
    /// decides, else the formatter's.
    fn text(v: f64) -> String {
        let mut buf = [0u8; 3 + 2 * NUMBER + 1];
        match put_fixed(v, &mut buf, 5) {
            Some(n) => String::from_utf8(buf[5..n].to_vec()).unwrap(),
            None => fixed(v).unwrap(),
        }
    }

    #[test]
    fn coordinates_are_short_and_round_to_seven_decimals() {
        assert_eq!(text(105.77), "105.77");
        assert_eq!(text(105.770_000_000_000_01), "105.77");
        assert_eq!(text(-8.123_456_789), "-8.1234568");
        assert_eq!(text(180.0), "180");
        assert_eq!(text(-0.000_000_01), "0");
        assert_eq!(text(0.0), "0");
        assert!(fixed(f64::NAN).is_err());
        let mut out = Vec::new();
        coord(&mut out, Coord { x: 105.5, y: -8.25 }, true).unwrap();
        coord(&mut out, Coord { x: 1e9, y: 0.1 }, false).unwrap();
        assert_eq!(out, b",[105.5,-8.25][1000000000,0.1]");
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(coord(&mut Vec::new(), Coord { x: 105.0, y: bad }, false).is_err());
        }
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
    fn eight_digits_are_the_formatters() {
        let check = |v: u32| {
            let bytes = (eight_digits(v) | ASCII_ZEROS).to_le_bytes();
            assert_eq!(
                std::str::from_utf8(&bytes).unwrap(),
                format!("{v:08}"),
                "{v}"
            );
        };
        for v in (0..100_000_000).step_by(7_919) {
            check(v);
        }
        for v in [
            0, 1, 9, 10, 99, 100, 9_999, 10_000, 10_001, 99_999_999, 12_345_678,
        ] {
            check(v);
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
    /// the one-by-one writer, for collections of one task, of several
    /// rounds, and of none at all; with points only, and with lines of a
    /// few to thousands of coordinates among them (tasks cut by
    /// coordinates, a long line a task of its own).
    #[test]
    fn indexed_writer_writes_the_bytes_of_the_sequential_one() {
        let dir = tempfile::tempdir().unwrap();
        let points: Vec<Point<f64>> = (0..2085)
            .map(|k| Point::new(105.0 + k as f64 * 1e-4, 10.0 - k as f64 * 3e-5))
            .collect();
        let lines: Vec<LineString<f64>> = (0..2085)
            .map(|k| {
                let n = [2, 5000, 3, 40, 1200][k % 5] + k % 7;
                LineString::from(
                    (0..n)
                        .map(|i| (105.0 + i as f64 * 1e-5, 10.0 + k as f64 * 1e-4))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let props = |k: usize| {
            let mut p = JsonObject::new();
            p.insert("k".into(), k.into());
            p
        };
        let geom = |k: usize| match k % 3 {
            0 => Some(Geom::Line(&lines[k])),
            1 => Some(Geom::Point(&points[k])),
            _ => None,
        };
        for len in [0, 1, 7, 300, 1027] {
            let (a, b) = (dir.path().join("a.geojson"), dir.path().join("b.geojson"));
            write_features(&a, (0..len).map(|k| (geom(k), props(k)))).unwrap();
            write_features_indexed(&b, len, geom, props).unwrap();
            let (a, b) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
            assert!(a == b, "{len} features with lines");
        }
        for len in [0, 1, 31, 32, 33, 1024, 2085] {
            let (a, b) = (dir.path().join("a.geojson"), dir.path().join("b.geojson"));
            write_features(
                &a,
                points[..len]
                    .iter()
                    .enumerate()
                    .map(|(k, p)| ((k % 5 != 3).then_some(Geom::Point(p)), props(k))),
            )
            .unwrap();
            write_features_indexed(
                &b,
                len,
                |k| (k % 5 != 3).then_some(Geom::Point(&points[k])),
                props,
            )
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
        let at = |k: usize| Some(Geom::Point(if k == 1500 { &nan } else { &points[k] }));
        assert!(write_features_indexed(&path, 2000, at, props).is_err());
        assert!(!path.exists());
    }

    /// Tasks take every feature once, in order; each holds no more than
    /// a share of the cost unless it is one feature, and is cut
    /// only where the next feature would take it past a share.
    #[test]
    fn tasks_cut_the_round_by_cost() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for case in 0..200 {
            let n = rng.random_range(0..400);
            let costs: Vec<usize> = (0..n)
                .map(|_| match rng.random_range(0..10) {
                    0 => rng.random_range(1000..200_000),
                    _ => rng.random_range(1..200),
                })
                .collect();
            // (shares clamped at either end, and in between)
            let threads = 1 + case % 4;
            let costs = if case % 3 == 0 {
                costs[..n / 8].to_vec()
            } else {
                costs
            };
            let n = costs.len();
            let bounds = task_bounds(&costs, threads);
            let total: usize = costs.iter().sum();
            let share = task_share(total, threads);
            assert!((TASK_COORDS..=MAX_TASK_COORDS).contains(&share));
            assert_eq!(bounds[0], 0);
            if n == 0 {
                assert_eq!(bounds, [0]);
                continue;
            }
            assert_eq!(*bounds.last().unwrap(), n);
            for w in bounds.windows(2) {
                assert!(w[0] < w[1], "an empty task: {bounds:?}");
                let held: usize = costs[w[0]..w[1]].iter().sum();
                assert!(held <= share || w[1] - w[0] == 1, "{held} > {share}");
                if w[1] < n {
                    assert!(held + costs[w[1]] > share, "cut early at {}", w[1]);
                }
            }
            // no more tasks than the shares the cost makes, twice over
            assert!(bounds.len() - 1 <= 2 * total.div_ceil(share) + 1);
        }
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
