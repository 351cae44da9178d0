//! `map.png`: a static choropleth of one layer, drawn in Rust.
//!
//! The communes are filled with the [`legend`] classes of
//! their share of the layer (percent of residents; of households for
//! fibre), under a title, beside a legend (each class with its % bounds,
//! the whole area's share) and a scale bar with its length in m or km.
//! The projection is the page's local equirectangular frame, north up
//! (see [`html`](super::html)). Shapes are rasterised by `tiny-skia`
//! (communes filled by pixel centres under anti-aliased borders, the
//! border of two neighbours drawn once, its sub-pixel steps merged), text
//! is the public-domain 8×8 bitmap font of `font8x8` scaled by whole
//! pixels: no system library, no font file.

use std::path::Path;

use font8x8::UnicodeFonts;
use tiny_skia::{
    FillRule, IntSize, Paint, PathBuilder, Pixmap, PremultipliedColorU8, Rect, Stroke, Transform,
    BYTES_PER_PIXEL,
};

use super::frame::Frame;
use super::legend::{self, CLASSES, NO_DATA_COLOUR};
use super::write_atomic;
use crate::model::Layer;
use crate::model::Scenario;
use crate::report::Report;
use crate::{Error, Result};

/// Width of the `map.png` a `coverage` run writes, pixels.
pub const DEFAULT_WIDTH_PX: u32 = 1200;

/// Narrowest and widest picture [`map_png`] draws, pixels.
pub const WIDTH_RANGE_PX: (u32, u32) = (320, 8192);

/// The choropleth of `layer` for `scenario` and its `report`, as PNG bytes,
/// `width_px` wide (the height follows the communes' shape).
///
/// Fails when `width_px` is outside [`WIDTH_RANGE_PX`] or `report` is not
/// the report of `scenario`.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use telecov::model::*;
/// use telecov::planning::Layer;
///
/// let commune = Commune {
///     id: FeatureId::Int(1), name: None, district: None, kind: None,
///     population: Some(1000.0), households: Some(250.0),
///     geometry: Some(MultiPolygon(vec![polygon![
///         (x: 105.77, y: 10.02), (x: 105.79, y: 10.02), (x: 105.79, y: 10.04),
///         (x: 105.77, y: 10.04), (x: 105.77, y: 10.02),
///     ]])),
/// };
/// let scenario = Scenario { communes: vec![commune], ..Scenario::default() };
/// let report = telecov::evaluate(&scenario)?;
/// let png = telecov::io::write::map_png::map_png(&scenario, &report, Layer::G4, 600)?;
/// assert_eq!(&png[1..4], b"PNG");
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn map_png(
    scenario: &Scenario,
    report: &Report,
    layer: Layer,
    width_px: u32,
) -> Result<Vec<u8>> {
    let pixmap = render(scenario, report, layer, width_px)?;
    encode(&pixmap).map_err(|e| Error::Internal(format!("map.png could not be encoded: {e}")))
}

/// The picture as an 8-bit RGBA PNG (straight alpha), compressed with the
/// fast setting: the map's flat colours compress well either way, and the
/// default setting took longer than drawing the map.
fn encode(pixmap: &Pixmap) -> std::result::Result<Vec<u8>, png::EncodingError> {
    // an opaque picture (the map's background fills it) is its own
    // straight-alpha form: premultiplying by 255 leaves every channel as is
    // (every pixel's alpha and-ed together, without a branch per pixel)
    let alphas = pixmap
        .data()
        .chunks_exact(4)
        .fold(u8::MAX, |all, p| all & p[3]);
    let rgba: std::borrow::Cow<'_, [u8]> = if alphas == u8::MAX {
        std::borrow::Cow::Borrowed(pixmap.data())
    } else {
        std::borrow::Cow::Owned(
            pixmap
                .pixels()
                .iter()
                .flat_map(|p| {
                    let c = p.demultiply();
                    [c.red(), c.green(), c.blue(), c.alpha()]
                })
                .collect(),
        )
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    // one filter for every row: the adaptive choice tries all five on
    // each; Paeth alone gives a file about as small (118 kB on the demo)
    // for a tenth fewer instructions in the picture
    encoder.set_filter(png::Filter::Paeth);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgba)?;
    writer.finish()?;
    Ok(out)
}

/// Writes [`map_png`] to `path` (atomically).
pub fn write_map_png(
    path: impl AsRef<Path>,
    scenario: &Scenario,
    report: &Report,
    layer: Layer,
    width_px: u32,
) -> Result<()> {
    let png = map_png(scenario, report, layer, width_px)?;
    write_atomic(path.as_ref(), &png)
}

const INK: [u8; 3] = [0x22, 0x22, 0x22];

/// Steps of a border shorter than this are merged into the next one,
/// pixels: a commune's outline has about a vertex per pixel at the
/// default width, and each step of a thin anti-aliased line costs two
/// end caps.
const MIN_STEP_PX: f32 = 1.0;

/// A border is drawn once for the two communes it separates, where each
/// would draw its own: its thin line is widened to about the coverage two
/// lines give together (`1 − (1 − w)²`, 0.84 to 0.91 for a width `w` of
/// 0.6 to 0.7 pixel; 1.4 `w` is 0.84 to 0.98).
const BORDER_COVERAGE: f32 = 1.4;

/// For every edge of every commune ring, in drawing order (communes, their
/// polygons, exterior then holes, vertex by vertex), whether an earlier
/// ring already has the same edge (the same two vertices, either way):
/// the border between two neighbours is drawn once.
fn shared_edges(scenario: &Scenario) -> Vec<bool> {
    type Key = ((u64, u64), (u64, u64));
    let bits = |c: &geo::Coord<f64>| (c.x.to_bits(), c.y.to_bits());
    let edges: usize = (scenario.communes.iter())
        .filter_map(|c| c.geometry.as_ref())
        .map(geo::CoordsIter::coords_count)
        .sum();
    let mut keys: Vec<Key> = Vec::with_capacity(edges);
    for commune in &scenario.communes {
        let Some(geom) = &commune.geometry else {
            continue;
        };
        for p in &geom.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                for w in ring.0.windows(2) {
                    let (a, b) = (bits(&w[0]), bits(&w[1]));
                    keys.push((a.min(b), a.max(b)));
                }
            }
        }
    }
    // sorted by a 64-bit digest of the key (equal keys, equal digests),
    // then by position; equal digests compared by their keys
    let digest = |k: &Key| {
        let mut h = 0x9e37_79b9_7f4a_7c15_u64;
        for v in [k.0 .0, k.0 .1, k.1 .0, k.1 .1] {
            h = (h ^ v).wrapping_mul(0xff51_afd7_ed55_8ccd);
            h ^= h >> 32;
        }
        h
    };
    let mut order: Vec<(u64, usize)> = keys.iter().map(digest).zip(0..).collect();
    order.sort_unstable();
    let mut shared = vec![false; keys.len()];
    let mut i = 0;
    while i < order.len() {
        let mut end = i + 1;
        while end < order.len() && order[end].0 == order[i].0 {
            end += 1;
        }
        // the edges of one digest, by position: each is shared when an
        // earlier one has its key
        for k in i + 1..end {
            let e = order[k].1;
            shared[e] = order[i..k].iter().any(|&(_, f)| keys[f] == keys[e]);
        }
        i = end;
    }
    shared
}

const BORDER: [u8; 3] = [0x4d, 0x4d, 0x4d];
const MAP_BACKGROUND: [u8; 3] = [0xee, 0xf2, 0xf5];

fn paint(rgb: [u8; 3]) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(rgb[0], rgb[1], rgb[2], 255);
    p.anti_alias = true;
    p
}

/// Draws the picture.
fn render(scenario: &Scenario, report: &Report, layer: Layer, width_px: u32) -> Result<Pixmap> {
    let (lo, hi) = WIDTH_RANGE_PX;
    if !(lo..=hi).contains(&width_px) {
        return Err(Error::Parameter {
            name: "width_px",
            reason: format!("must lie in [{lo}, {hi}], got {width_px}"),
        });
    }
    let paired = scenario.communes.len() == report.communes.len()
        && scenario
            .communes
            .iter()
            .zip(&report.communes)
            .all(|(c, r)| c.id.key() == r.id.key());
    if !paired {
        return Err(Error::Parameter {
            name: "report",
            reason: "is not the report of this scenario".to_owned(),
        });
    }

    // layout, in pixels: title on top, map on the left, legend column on
    // the right
    let w = width_px as f32;
    let s = (width_px / 450).clamp(1, 4); // text scale
    let g = 8.0 * s as f32; // glyph size
    let pad = 2.0 * g;
    let total_share = match layer {
        Layer::Fiber => report.fiber_pct(),
        Layer::Wifi => report.wifi_pct(),
        Layer::MobileBroadband => report.mobile_broadband_pct(),
        l => l
            .technology()
            .map_or(0.0, |t| report.population_covered_pct(t)),
    };
    let title = format!("{} coverage per commune", ascii(legend::layer_title(layer)));
    let mut lines: Vec<(String, Option<[u8; 3]>)> = vec![
        (format!("% of {}", legend::share_of(layer)), None),
        (format!("whole area: {total_share:.1} %"), None),
        (String::new(), None),
    ];
    for c in CLASSES.iter().rev() {
        lines.push((format!("{}-{} %", c.lo, c.hi), Some(c.rgb)));
    }
    lines.push(("nobody to cover".to_owned(), Some(NO_DATA_COLOUR)));
    let swatch_w = 3.0 * g;
    let text_w = lines.iter().map(|(t, _)| t.len()).max().unwrap_or(0) as f32 * g;
    let legend_w = (pad + swatch_w + g + text_w + pad).min(w * 0.45);
    let title_h = 2.0 * g + 2.0 * pad;
    let row_h = 2.0 * g;
    let legend_h = lines.len() as f32 * row_h + 6.0 * g;
    let frame = Frame::new(scenario);
    let [x0, y0, x1, y1] = frame.extent;
    let (ext_w, ext_h) = ((x1 - x0) as f32, (y1 - y0) as f32);
    let map_w = w - legend_w - pad;
    let map_h = (map_w * ext_h / ext_w)
        .clamp(map_w * 0.5, map_w * 1.5)
        .max(legend_h);
    let h = title_h + map_h + pad;
    // white from the start (opaque white is its own premultiplied form):
    // one pass over the picture's memory where a zeroed picture filled
    // white took two
    let mut pixmap = IntSize::from_wh(width_px, h.ceil() as u32)
        .and_then(|size| {
            let bytes = size.width() as usize * size.height() as usize * BYTES_PER_PIXEL;
            Pixmap::from_vec(vec![u8::MAX; bytes], size)
        })
        .ok_or_else(|| {
            Error::Internal(format!("no {width_px} × {h} picture could be allocated"))
        })?;

    // map area
    let area = Rect::from_xywh(pad, title_h, map_w - pad, map_h);
    if let Some(r) = area {
        pixmap.fill_rect(r, &paint(MAP_BACKGROUND), Transform::identity(), None);
    }
    let inner = 0.96;
    let k = (inner * (map_w - pad) / ext_w).min(inner * map_h / ext_h);
    let (cx, cy) = (((x0 + x1) / 2.0) as f32, ((y0 + y1) / 2.0) as f32);
    let (ox, oy) = (pad + (map_w - pad) / 2.0, title_h + map_h / 2.0);
    let to_px = |lon: f64, lat: f64| {
        let [x, y] = frame.xy(lon, lat);
        (ox + (x as f32 - cx) * k, oy + (y as f32 - cy) * k)
    };
    let border = Stroke {
        width: BORDER_COVERAGE * (0.35 * s as f32).max(0.6),
        line_join: tiny_skia::LineJoin::Round,
        ..Stroke::default()
    };
    let shared = shared_edges(scenario);
    let mut borders = PathBuilder::new();
    let mut edge = 0;
    for (commune, row) in scenario.communes.iter().zip(&report.communes) {
        let Some(geom) = &commune.geometry else {
            continue;
        };
        let mut pb = PathBuilder::new();
        for p in &geom.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                // the border: the ring's edges no earlier commune drew, in
                // runs; within a run, a vertex closer than MIN_STEP_PX to
                // the last one kept is passed over (the run's end is kept)
                let mut last: Option<(f32, f32)> = None;
                for (i, c) in ring.0.iter().enumerate() {
                    let (x, y) = to_px(c.x, c.y);
                    if i == 0 {
                        pb.move_to(x, y);
                    } else {
                        pb.line_to(x, y);
                        let drawn = !shared.get(edge).copied().unwrap_or(false);
                        edge += 1;
                        let run_ends =
                            i + 1 == ring.0.len() || shared.get(edge).copied().unwrap_or(false);
                        match last {
                            Some(_) if !drawn => last = None,
                            None if !drawn => {}
                            None => {
                                let (px, py) = to_px(ring.0[i - 1].x, ring.0[i - 1].y);
                                borders.move_to(px, py);
                                borders.line_to(x, y);
                                last = Some((x, y));
                            }
                            Some((lx, ly)) => {
                                let far = (x - lx).hypot(y - ly) >= MIN_STEP_PX;
                                if far || run_ends {
                                    borders.line_to(x, y);
                                    last = Some((x, y));
                                }
                            }
                        }
                    }
                }
                pb.close();
            }
        }
        if let Some(path) = pb.finish() {
            // filled by pixel centres: neighbours sharing an edge tile the
            // map without a seam of background between them, and the
            // anti-aliased border drawn over every edge below smooths it
            let mut fill = paint(legend::fill_of(row, layer));
            fill.anti_alias = false;
            pixmap.fill_path(&path, &fill, FillRule::EvenOdd, Transform::identity(), None);
        }
    }
    // borders over every fill, so no neighbour hides one; each edge once
    if let Some(path) = borders.finish() {
        pixmap.stroke_path(&path, &paint(BORDER), &border, Transform::identity(), None);
    }

    // title
    text(&mut pixmap, &title, pad, pad, 2 * s, INK);

    // legend column
    let lx = w - legend_w + g;
    let mut y = title_h + 0.5 * g;
    for (label, swatch) in &lines {
        match swatch {
            Some(rgb) => {
                if let Some(r) = Rect::from_xywh(lx, y - 0.25 * g, swatch_w, 1.5 * g) {
                    pixmap.fill_rect(r, &paint(*rgb), Transform::identity(), None);
                    let mut pb = PathBuilder::new();
                    pb.push_rect(r);
                    if let Some(p) = pb.finish() {
                        let thin = Stroke {
                            width: 1.0,
                            ..Stroke::default()
                        };
                        pixmap.stroke_path(&p, &paint(BORDER), &thin, Transform::identity(), None);
                    }
                }
                text(&mut pixmap, label, lx + swatch_w + g, y, s, INK);
            }
            None => text(&mut pixmap, label, lx, y, s, INK),
        }
        y += row_h;
    }

    // scale bar: 1, 2 or 5 × 10^n metres, at most the legend's width
    let max_px = (legend_w - 2.0 * g).max(g);
    let m_per_px = 1.0 / k as f64;
    let mut len_m = 1.0;
    for e in 0..8 {
        for f in [1.0, 2.0, 5.0] {
            let l = f * 10f64.powi(e);
            if (l / m_per_px) as f32 <= max_px {
                len_m = l;
            }
        }
    }
    let bar_px = (len_m / m_per_px) as f32;
    y += g;
    let label = if len_m >= 1000.0 {
        format!("{} km", len_m / 1000.0)
    } else {
        format!("{len_m} m")
    };
    text(&mut pixmap, &label, lx, y, s, INK);
    y += 1.5 * g;
    let bar_h = (0.6 * g).max(4.0);
    for i in 0..4 {
        let seg = bar_px / 4.0;
        if let Some(r) = Rect::from_xywh(lx + i as f32 * seg, y, seg, bar_h) {
            let colour = if i % 2 == 0 { INK } else { [255, 255, 255] };
            pixmap.fill_rect(r, &paint(colour), Transform::identity(), None);
        }
    }
    if let Some(r) = Rect::from_xywh(lx, y, bar_px, bar_h) {
        let mut pb = PathBuilder::new();
        pb.push_rect(r);
        if let Some(p) = pb.finish() {
            let thin = Stroke {
                width: 1.0,
                ..Stroke::default()
            };
            pixmap.stroke_path(&p, &paint(INK), &thin, Transform::identity(), None);
        }
    }
    y += bar_h + g;
    text(&mut pixmap, "north up", lx, y, s, INK);
    Ok(pixmap)
}

/// The text as the bitmap font can draw it (non-ASCII letters lose their
/// marks; others become `?`).
fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '–' | '—' => '-',
            c if c.is_ascii() => c,
            _ => '?',
        })
        .collect()
}

/// Draws `s` with its top-left corner at (`x`, `y`), each font pixel
/// `scale` × `scale` pixels.
fn text(pixmap: &mut Pixmap, s: &str, x: f32, y: f32, scale: u32, rgb: [u8; 3]) {
    // each dot of a glyph is an opaque square of whole pixels: written
    // straight into them (what filling it with an opaque paint without
    // anti-aliasing writes), clipped to the picture
    let colour = PremultipliedColorU8::from_rgba(rgb[0], rgb[1], rgb[2], u8::MAX)
        .expect("an opaque colour is premultiplied as it is");
    let (w, h) = (i64::from(pixmap.width()), i64::from(pixmap.height()));
    let (x, y, sc) = (x.round() as i64, y.round() as i64, i64::from(scale));
    let pixels = pixmap.pixels_mut();
    for (i, ch) in s.chars().enumerate() {
        let Some(glyph) = font8x8::BASIC_FONTS.get(ch) else {
            continue;
        };
        let gx = x + i as i64 * 8 * sc;
        for (row, bits) in (0..).zip(glyph.iter()) {
            for col in 0..8 {
                if bits & (1 << col) == 0 {
                    continue;
                }
                let (px, py) = (gx + col * sc, y + row * sc);
                let (x0, x1) = (px.max(0), (px + sc).min(w));
                for yy in py.max(0)..(py + sc).min(h) {
                    if x0 < x1 {
                        let at = (yy * w) as usize;
                        pixels[at + x0 as usize..at + x1 as usize].fill(colour);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Commune, FeatureId};
    use geo::{polygon, MultiPolygon};

    fn commune(id: i64, x: f64, pop: f64) -> Commune {
        Commune {
            id: FeatureId::Int(id),
            name: None,
            district: None,
            kind: None,
            population: Some(pop),
            households: Some(pop / 4.0),
            geometry: Some(MultiPolygon(vec![polygon![
                (x: x, y: 10.0), (x: x + 0.02, y: 10.0), (x: x + 0.02, y: 10.02),
                (x: x, y: 10.02), (x: x, y: 10.0),
            ]])),
        }
    }

    /// The border of two neighbours is one edge drawn once (marked shared
    /// on the second commune's ring), and it shows: along the middle row
    /// of the map, three dark lines cross the communes' fill (the outer
    /// borders and the shared one).
    #[test]
    fn a_shared_border_is_drawn_once_and_seen() {
        let square = |id: i64, x0: f64| Commune {
            geometry: Some(MultiPolygon(vec![polygon![
                (x: x0, y: 10.0), (x: x0 + 0.25, y: 10.0), (x: x0 + 0.25, y: 10.25),
                (x: x0, y: 10.25), (x: x0, y: 10.0),
            ]])),
            ..commune(id, 0.0, 100.0)
        };
        let scenario = Scenario {
            communes: vec![square(1, 105.0), square(2, 105.25)],
            ..Default::default()
        };
        let shared = shared_edges(&scenario);
        assert_eq!(shared.len(), 8);
        assert_eq!(
            (0..shared.len()).filter(|&k| shared[k]).collect::<Vec<_>>(),
            vec![7],
            "{shared:?}"
        );
        let report = crate::report::measure(&scenario, &crate::Options::default(), None).unwrap();
        let pixmap = render(&scenario, &report, Layer::G4, 600).unwrap();
        let fill = legend::fill_of(&report.communes[0], Layer::G4);
        assert_eq!(fill, legend::fill_of(&report.communes[1], Layer::G4));
        let y = (0..pixmap.height())
            .max_by_key(|&y| {
                (0..pixmap.width())
                    .filter(|&x| {
                        let p = pixmap.pixel(x, y).unwrap();
                        [p.red(), p.green(), p.blue()] == fill
                    })
                    .count()
            })
            .unwrap();
        let luma = |x: u32| {
            let p = pixmap.pixel(x, y).unwrap();
            p.red() as u32 + p.green() as u32 + p.blue() as u32
        };
        let fill_luma = fill.iter().map(|&c| c as u32).sum::<u32>();
        // across the communes: from the first pixel darker than the light
        // background to the next light one
        let light = |x: u32| luma(x) >= 700;
        let start = (0..pixmap.width()).find(|&x| !light(x)).unwrap();
        let end = (start..pixmap.width()).find(|&x| light(x)).unwrap();
        let dark: Vec<bool> = (start..end).map(|x| luma(x) + 15 < fill_luma).collect();
        let lines = std::iter::once(&false)
            .chain(&dark)
            .zip(&dark)
            .filter(|(before, now)| **now && !**before)
            .count();
        assert_eq!(lines, 3, "dark lines along row {y}");
    }

    #[test]
    fn the_png_decodes_to_the_drawn_pixels() {
        let scenario = Scenario {
            communes: vec![commune(1, 105.0, 100.0), commune(2, 105.02, 0.0)],
            ..Default::default()
        };
        let report = crate::report::measure(&scenario, &crate::Options::default(), None).unwrap();
        let pixmap = render(&scenario, &report, Layer::G4, 400).unwrap();
        let png = map_png(&scenario, &report, Layer::G4, 400).unwrap();
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; decoder.output_buffer_size().unwrap()];
        let info = decoder.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (pixmap.width(), pixmap.height()));
        assert_eq!(info.color_type, png::ColorType::Rgba);
        let want: Vec<u8> = pixmap
            .pixels()
            .iter()
            .flat_map(|p| {
                let c = p.demultiply();
                [c.red(), c.green(), c.blue(), c.alpha()]
            })
            .collect();
        assert_eq!(&buf[..info.buffer_size()], &want[..]);
    }

    #[test]
    fn draws_class_colours_legend_and_refuses_bad_widths() {
        let scenario = Scenario {
            communes: vec![commune(1, 105.0, 100.0), commune(2, 105.02, 0.0)],
            ..Scenario::default()
        };
        let report = crate::report::measure(&scenario, &crate::Options::default(), None).unwrap();
        let pixmap = render(&scenario, &report, Layer::G4, 800).unwrap();
        let count = |rgb: [u8; 3]| {
            pixmap
                .pixels()
                .iter()
                .filter(|p| [p.red(), p.green(), p.blue()] == rgb)
                .count()
        };
        // commune 1 (nobody covered): the lowest class, over a large area;
        // commune 2 (nobody living there): the no-data grey, as large
        let (low, grey) = (count(CLASSES[0].rgb), count(NO_DATA_COLOUR));
        assert!(low > 40_000, "{low}");
        assert!(grey > 40_000, "{grey}");
        // the legend's swatches show every class
        for c in &CLASSES[1..] {
            assert!(count(c.rgb) > 100, "{:?}", c);
        }
        assert!(count(INK) > 500);
        for bad in [0, 100, 100_000] {
            assert!(map_png(&scenario, &report, Layer::G4, bad).is_err());
        }
        let other = Scenario {
            communes: vec![commune(7, 105.0, 1.0)],
            ..Scenario::default()
        };
        assert!(map_png(&other, &report, Layer::G4, 800).is_err());
        assert_eq!(ascii("fibre – Tân"), "fibre - T?n");
    }
}
