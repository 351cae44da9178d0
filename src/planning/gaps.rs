//! Gap maps: uncovered demand grouped into connected regions.
//!
//! - **Uniform demand**: a gap is a set of grid cells (the report's
//!   `resolution_m` lattice of each strip) that are at least half uncovered
//!   (see [`super::cells`]) and connected through their sides.
//! - **Point demand**: uncovered points are linked when they lie within
//!   [`GapOptions::point_link_m`] of each other (default three times
//!   `resolution_m`, at least 1.5 times it); a gap is a linked group, drawn as
//!   the cells holding its points (one polygon per side-connected piece).
//!
//! Each gap carries the layer, its uncovered people and households, its
//! area, the communes it touches, the distance from its edge to the nearest
//! existing infrastructure of the layer (site carrying the layer, fibre
//! route or wifi point) and its rank by uncovered demand (people; households
//! for fibre). The people of a layer's gaps add up to the layer's uncovered
//! people in `report.json` (communes without geometry aside, which have no
//! place on a map: [`GapMap::unplaced`]).
//!
//! Around the antimeridian the outlines are traced with continuous
//! longitudes and cut at 180° (see the `planning` module docs). A gap
//! whose outline would wind around a pole (an uncovered ring around it, or
//! an uncovered pole) cannot be drawn in longitude/latitude: the gap map,
//! and so the plan, is refused with an error naming the commune.

use geo::{
    BooleanOps, BoundingRect, Coord, GeodesicArea, LineString, MapCoords, MultiPolygon, Point,
    Polygon, Rect,
};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;

use super::cells::{Uncovered, Unit};
use super::trace::{components, outline};
use super::Layer;
use crate::engine::probe::{east, inverse_near, unwrapped};
use crate::model::{FeatureId, LayerSet, Scenario};
use crate::report::Report;
use crate::{Error, Options, Result};

/// Longest link between the points of one gap, metres: beyond it every
/// point would link to thousands of others.
pub const MAX_POINT_LINK_M: f64 = 10_000.0;

/// Options of the gap map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GapOptions {
    /// Engine options (the demand cell limit applies to the gap grid too).
    pub engine: Options,
    /// Point demand only: uncovered points closer than this, metres, belong
    /// to the same gap. `None` = three times `resolution_m`. Values below
    /// 1.5 × `resolution_m` are raised to it (two points in one cell are
    /// always linked, so gaps never share a cell); values above
    /// [`MAX_POINT_LINK_M`] are refused.
    pub point_link_m: Option<f64>,
    /// Largest number of gap features written per layer (the largest
    /// first); the people of the rest are still counted in the layer's
    /// total. Default 10,000.
    pub max_gaps_per_layer: usize,
}

impl Default for GapOptions {
    fn default() -> Self {
        GapOptions {
            engine: Options::default(),
            point_link_m: None,
            max_gaps_per_layer: 10_000,
        }
    }
}

/// One connected region of uncovered demand.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// The layer the region is uncovered by.
    pub layer: Layer,
    /// Rank within the layer by uncovered people (households for fibre),
    /// 1 = the largest.
    pub rank: usize,
    /// Uncovered people in the gap.
    pub population: f64,
    /// Uncovered households in the gap.
    pub households: f64,
    /// Geodesic area of the gap polygon, km².
    pub area_km2: f64,
    /// Number of grid cells in the polygon.
    pub cells: usize,
    /// Communes the gap's demand belongs to (indices into the scenario's
    /// communes, ascending).
    pub communes: Vec<usize>,
    /// Distance from the gap's edge cells to the nearest existing
    /// infrastructure of the layer (a site carrying it, a fibre route, a
    /// wifi point), metres; `None` when the scenario has none.
    pub nearest_m: Option<f64>,
    /// Id of that nearest feature.
    pub nearest_id: Option<FeatureId>,
    /// Outline, WGS 84: one polygon per side-connected piece.
    pub geometry: MultiPolygon<f64>,
}

/// The gaps of every layer.
#[derive(Debug, Clone, PartialEq)]
pub struct GapMap {
    /// Gaps, layer by layer ([`Layer::ALL`] order), each layer by rank.
    pub gaps: Vec<Gap>,
    /// Per layer ([`Layer::ALL`] order): uncovered people and households of
    /// communes without geometry, which no gap can hold.
    pub unplaced: [(f64, f64); 7],
    /// Per layer: uncovered people and households of gaps beyond
    /// [`GapOptions::max_gaps_per_layer`].
    pub omitted: [(f64, f64); 7],
}

impl GapMap {
    /// The gaps of one layer, by rank.
    pub fn layer(&self, layer: Layer) -> impl Iterator<Item = &Gap> {
        self.gaps.iter().filter(move |g| g.layer == layer)
    }
}

/// Finds the gaps of every layer of `scenario`, whose coverage report is
/// `report` (computed with `options.engine`).
///
/// ```
/// use geo::{polygon, MultiPolygon, Point};
/// use telecov::model::*;
/// use telecov::planning::{find_gaps, GapOptions, Layer};
///
/// let commune = Commune {
///     id: FeatureId::Int(1), name: None, district: None, kind: None,
///     population: Some(1000.0), households: Some(250.0),
///     geometry: Some(MultiPolygon(vec![polygon![
///         (x: 105.77, y: 10.02), (x: 105.79, y: 10.02), (x: 105.79, y: 10.04),
///         (x: 105.77, y: 10.04), (x: 105.77, y: 10.02),
///     ]])),
/// };
/// let mut scenario = Scenario { communes: vec![commune], ..Scenario::default() };
/// scenario.parameters.resolution_m = 100.0;
/// let report = telecov::evaluate(&scenario)?;
/// let gaps = find_gaps(&scenario, &report, &GapOptions::default())?;
/// // no site at all: one 4G gap holding everyone
/// let g4: Vec<_> = gaps.layer(Layer::G4).collect();
/// assert_eq!(g4.len(), 1);
/// assert!((g4[0].population - 1000.0).abs() < 1e-6);
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn find_gaps(scenario: &Scenario, report: &Report, options: &GapOptions) -> Result<GapMap> {
    scenario.validate()?;
    // around 180°, the engine's continuous longitudes (see `super` docs)
    let unwrapped = unwrapped(scenario);
    let scenario = unwrapped.as_ref().unwrap_or(scenario);
    let uncovered = Uncovered::measure(scenario, report, &options.engine)?;
    gaps_of(scenario, &uncovered, options)
}

/// Gaps from measured uncovered demand.
pub(crate) fn gaps_of(
    scenario: &Scenario,
    uncovered: &Uncovered,
    options: &GapOptions,
) -> Result<GapMap> {
    let res = uncovered.resolution_m;
    let link_m = match options.point_link_m {
        Some(l) if !(l.is_finite() && l > 0.0 && l <= MAX_POINT_LINK_M) => {
            return Err(Error::Parameter {
                name: "point_link_m",
                reason: format!("must lie in (0, {MAX_POINT_LINK_M}] metres, got {l}"),
            })
        }
        Some(l) => l.max(1.5 * res),
        None => 3.0 * res,
    };
    let near = Nearest::new(scenario, uncovered);
    let mut gaps = Vec::new();
    let mut omitted = [(0.0, 0.0); 7];
    // layers in parallel (each is independent), then in layer order
    let per_layer: Vec<Vec<Gap>> = Layer::ALL
        .par_iter()
        .map(|&layer| -> Result<Vec<Gap>> {
            let units: Vec<&Unit> = uncovered.units(layer).iter().filter(|u| u.in_gap).collect();
            let groups = if uncovered.points_mode {
                link_points(&units, link_m)
            } else {
                merge_cells(&units)
            };
            let mut layer_gaps: Vec<Gap> = groups
                .par_iter()
                .map(|g| build_gap(layer, &units, g, uncovered, &near))
                .collect::<std::result::Result<_, AroundPole>>()
                .map_err(|p| p.error(scenario))?;
            let measure = |g: &Gap| {
                if layer == Layer::Fiber {
                    g.households
                } else {
                    g.population
                }
            };
            // stable: ties keep the order of the groups (strip, row, column)
            layer_gaps.sort_by(|a, b| measure(b).total_cmp(&measure(a)));
            Ok(layer_gaps)
        })
        .collect::<Result<_>>()?;
    for (layer, mut layer_gaps) in Layer::ALL.into_iter().zip(per_layer) {
        for g in layer_gaps.drain(options.max_gaps_per_layer.min(layer_gaps.len())..) {
            omitted[layer.bit()].0 += g.population;
            omitted[layer.bit()].1 += g.households;
        }
        for (k, g) in layer_gaps.iter_mut().enumerate() {
            g.rank = k + 1;
        }
        gaps.extend(layer_gaps);
    }
    Ok(GapMap {
        gaps,
        unplaced: uncovered.unplaced,
        omitted,
    })
}

/// Groups of units (indices) forming one gap each, for cell demand: units
/// merged by cell, cells grouped by side adjacency within a strip.
fn merge_cells(units: &[&Unit]) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < units.len() {
        let strip = units[start].strip;
        let mut end = start;
        while end < units.len() && units[end].strip == strip {
            end += 1;
        }
        // unique cells of the strip, with the units of each
        let mut cells: Vec<(i64, i64)> = Vec::new();
        let mut cell_units: Vec<Vec<usize>> = Vec::new();
        for (k, u) in units.iter().enumerate().take(end).skip(start) {
            let key = (u.i, u.j);
            if cells.last() == Some(&key) {
                if let Some(v) = cell_units.last_mut() {
                    v.push(k);
                }
            } else {
                cells.push(key);
                cell_units.push(vec![k]);
            }
        }
        // units are sorted by (row, column): sort cells by (column, row)
        // for the tracer while keeping their unit lists
        let mut order: Vec<usize> = (0..cells.len()).collect();
        order.sort_by_key(|&k| cells[k]);
        let sorted: Vec<(i64, i64)> = order.iter().map(|&k| cells[k]).collect();
        for comp in components(&sorted) {
            let mut group: Vec<usize> = comp
                .iter()
                .flat_map(|&c| cell_units[order[c]].iter().copied())
                .collect();
            group.sort_unstable();
            out.push(group);
        }
        start = end;
    }
    // groups in the order of their first unit
    out.sort_by_key(|g| g[0]);
    out
}

/// Groups of point units linked within `link_m` (same strip).
fn link_points(units: &[&Unit], link_m: f64) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..units.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let strips = units
        .iter()
        .map(|u| u.strip)
        .max()
        .map_or(0, |z| z as usize + 1);
    for z in 0..strips {
        let tree = RTree::bulk_load(
            units
                .iter()
                .enumerate()
                .filter(|(_, u)| u.strip as usize == z)
                .map(|(k, u)| GeomWithData::new(u.xy, k))
                .collect(),
        );
        for (k, u) in units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.strip as usize == z)
        {
            for n in tree.locate_within_distance(u.xy, link_m * link_m) {
                let (a, b) = (find(&mut parent, k), find(&mut parent, n.data));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    let mut slot: Vec<Option<usize>> = vec![None; units.len()];
    let mut out: Vec<Vec<usize>> = Vec::new();
    for k in 0..units.len() {
        let r = find(&mut parent, k);
        let s = *slot[r].get_or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        out[s].push(k);
    }
    out
}

/// A gap whose outline winds around a pole: no longitude/latitude polygon
/// can draw it (its ring would circle the pole), so the gap map is refused
/// rather than written wrong.
struct AroundPole {
    layer: Layer,
    commune: usize,
    north: bool,
}

impl AroundPole {
    fn error(&self, scenario: &Scenario) -> Error {
        use crate::error::Location;
        let c = &scenario.communes[self.commune];
        Error::invalid(
            Location::file("communes.geojson")
                .feature(self.commune, Some(c.id.key()))
                .property("geometry"),
            format!(
                "a {} gap around the commune winds around the {} pole, which no \
                 longitude/latitude polygon can outline; gap maps and plans are refused \
                 for such a scenario (its coverage report is not affected)",
                self.layer,
                if self.north { "north" } else { "south" }
            ),
        )
    }
}

/// Whether the outline of a side-connected set of cells (strip lattice of
/// `frame`) surrounds a pole: `Some(true)` for the north pole.
fn pole_inside(
    part: &[(i64, i64)],
    frame: &crate::geodesy::TransverseMercator,
    res: f64,
) -> Option<bool> {
    use geo::Intersects;
    let (mut i0, mut i1, mut j0, mut j1) = (i64::MAX, i64::MIN, i64::MAX, i64::MIN);
    for &(i, j) in part {
        (i0, i1, j0, j1) = (i0.min(i), i1.max(i), j0.min(j), j1.max(j));
    }
    for north in [true, false] {
        let lat = if north { 90.0 } else { -90.0 };
        let [x, y] = frame.forward(frame.central_meridian_deg(), lat);
        let inside_box = i0 as f64 * res <= x
            && x <= (i1 + 1) as f64 * res
            && j0 as f64 * res <= y
            && y <= (j1 + 1) as f64 * res;
        if !inside_box {
            continue;
        }
        let metres = |i: i64, j: i64| Coord {
            x: i as f64 * res,
            y: j as f64 * res,
        };
        if let Some(p) = outline(part, metres) {
            if Polygon::new(p.exterior().clone(), vec![]).intersects(&Point::new(x, y)) {
                return Some(north);
            }
        }
    }
    None
}

fn build_gap(
    layer: Layer,
    units: &[&Unit],
    group: &[usize],
    uncovered: &Uncovered,
    near: &Nearest,
) -> std::result::Result<Gap, AroundPole> {
    let res = uncovered.resolution_m;
    let strip = units[group[0]].strip;
    let mut population = 0.0;
    let mut households = 0.0;
    let mut communes: Vec<usize> = Vec::new();
    let mut cells: Vec<(i64, i64)> = Vec::with_capacity(group.len());
    for &k in group {
        let u = units[k];
        population += u.gap_population;
        households += u.gap_households;
        communes.push(u.commune as usize);
        cells.push((u.i, u.j));
    }
    communes.sort_unstable();
    communes.dedup();
    cells.sort_unstable();
    cells.dedup();
    let set: std::collections::HashSet<(i64, i64), super::trace::Fast> =
        cells.iter().copied().collect();
    let frame = uncovered.frames[strip as usize];
    let corner = |i: i64, j: i64| {
        // continuous across 180° (cut below)
        let (x, y) = inverse_near(&frame, [i as f64 * res, j as f64 * res]);
        Coord { x, y }
    };
    let mut polygons: Vec<Polygon<f64>> = Vec::new();
    for comp in components(&cells) {
        let part: Vec<(i64, i64)> = comp.iter().map(|&k| cells[k]).collect();
        if let Some(north) = pole_inside(&part, &frame, res) {
            return Err(AroundPole {
                layer,
                commune: communes[0],
                north,
            });
        }
        if let Some(p) = outline(&part, corner) {
            polygons.push(p);
        }
    }
    let geometry = MultiPolygon(polygons);
    // the geodesic area of the continuous outline (the cut keeps it)
    let area_km2 = geometry.geodesic_area_unsigned() / 1e6;
    let geometry = cut_at_antimeridian(geometry);
    // distance from the edge cells
    let mut nearest: Option<(f64, usize)> = None;
    for &(i, j) in &cells {
        let edge = [(i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)]
            .iter()
            .any(|n| !set.contains(n));
        if !edge {
            continue;
        }
        let p = [(i as f64 + 0.5) * res, (j as f64 + 0.5) * res];
        if let Some((d, id)) = near.nearest(layer, strip as usize, p) {
            if nearest.is_none_or(|(best, _)| d < best) {
                nearest = Some((d, id));
            }
        }
    }
    Ok(Gap {
        layer,
        rank: 0,
        population,
        households,
        area_km2,
        cells: cells.len(),
        communes,
        nearest_m: nearest.map(|n| n.0),
        nearest_id: nearest.map(|n| near.id(layer, n.1)),
        geometry,
    })
}

/// An outline with continuous longitudes (possibly beyond ±180°) cut at
/// the antimeridian as RFC 7946 §3.1.9 asks: the parts east of 180° (or
/// west of −180°) are clipped off and moved by 360°, so every part lies in
/// [−180, 180] and none crosses 180°. An outline within [−180, 180] is
/// returned as it is; a polygon beyond it but not across is only moved.
fn cut_at_antimeridian(mp: MultiPolygon<f64>) -> MultiPolygon<f64> {
    let beyond = |r: &Rect<f64>| r.min().x < -180.0 || r.max().x > 180.0;
    if !mp.bounding_rect().is_some_and(|r| beyond(&r)) {
        return mp;
    }
    let mut parts = Vec::with_capacity(mp.0.len() + 1);
    for polygon in mp.0 {
        let Some(r) = polygon.bounding_rect() else {
            continue;
        };
        for k in [-1.0, 0.0, 1.0] {
            let (lo, hi) = (-180.0 + 360.0 * k, 180.0 + 360.0 * k);
            if r.max().x <= lo || r.min().x >= hi {
                continue;
            }
            let moved = |c: Coord<f64>| Coord {
                x: (c.x - 360.0 * k).clamp(-180.0, 180.0),
                y: c.y,
            };
            if lo <= r.min().x && r.max().x <= hi {
                parts.push(polygon.map_coords(moved));
                continue;
            }
            let window = Rect::new(Coord { x: lo, y: -90.0 }, Coord { x: hi, y: 90.0 });
            let piece = polygon.intersection(&window.to_polygon());
            parts.extend(piece.0.into_iter().map(|p| p.map_coords(moved)));
        }
    }
    MultiPolygon(parts)
}

/// Points in strip metres with the index of their feature.
type PointTree = RTree<GeomWithData<[f64; 2], usize>>;

/// Indexes of existing infrastructure per strip, for distances.
struct Nearest {
    /// Per strip, per mobile bit (2G..5G, broadband): site points.
    sites: Vec<[PointTree; 5]>,
    /// Per strip: wifi points.
    wifi: Vec<RTree<GeomWithData<[f64; 2], usize>>>,
    /// Per strip: fibre segments with their route index.
    fiber: Vec<RTree<GeomWithData<Line<[f64; 2]>, usize>>>,
    site_ids: Vec<FeatureId>,
    wifi_ids: Vec<FeatureId>,
    fiber_ids: Vec<FeatureId>,
}

impl Nearest {
    fn new(scenario: &Scenario, uncovered: &Uncovered) -> Self {
        let mut sites = Vec::new();
        let mut wifi = Vec::new();
        let mut fiber = Vec::new();
        for frame in &uncovered.frames {
            let projected: Vec<[f64; 2]> = scenario
                .sites
                .iter()
                .map(|s| frame.forward(s.location.x(), s.location.y()))
                .collect();
            sites.push(std::array::from_fn(|b| {
                RTree::bulk_load(
                    scenario
                        .sites
                        .iter()
                        .zip(&projected)
                        .enumerate()
                        .filter(|(_, (s, _))| {
                            let bits = s.technologies.bits();
                            if b == 4 {
                                bits & 0b1110 != 0
                            } else {
                                (bits >> b) & 1 == 1
                            }
                        })
                        .map(|(k, (_, p))| GeomWithData::new(*p, k))
                        .collect(),
                )
            }));
            wifi.push(RTree::bulk_load(
                scenario
                    .wifi
                    .iter()
                    .enumerate()
                    .map(|(k, w)| {
                        GeomWithData::new(frame.forward(w.location.x(), w.location.y()), k)
                    })
                    .collect(),
            ));
            let mut segs = Vec::new();
            for (k, route) in scenario.fiber.iter().enumerate() {
                for ls in &route.geometry.0 {
                    push_segments(ls, frame, k, &mut segs);
                }
            }
            fiber.push(RTree::bulk_load(segs));
        }
        Nearest {
            sites,
            wifi,
            fiber,
            site_ids: scenario.sites.iter().map(|s| s.id.clone()).collect(),
            wifi_ids: scenario.wifi.iter().map(|w| w.id.clone()).collect(),
            fiber_ids: scenario.fiber.iter().map(|f| f.id.clone()).collect(),
        }
    }

    fn nearest(&self, layer: Layer, strip: usize, p: [f64; 2]) -> Option<(f64, usize)> {
        use rstar::PointDistance;
        match layer {
            Layer::Fiber => self.fiber[strip]
                .nearest_neighbor(&p)
                .map(|s| (s.geom().distance_2(&p).sqrt(), s.data)),
            Layer::Wifi => self.wifi[strip]
                .nearest_neighbor(&p)
                .map(|s| (s.geom().distance_2(&p).sqrt(), s.data)),
            _ => self.sites[strip][layer.bit()]
                .nearest_neighbor(&p)
                .map(|s| (s.geom().distance_2(&p).sqrt(), s.data)),
        }
    }

    fn id(&self, layer: Layer, k: usize) -> FeatureId {
        match layer {
            Layer::Fiber => self.fiber_ids[k].clone(),
            Layer::Wifi => self.wifi_ids[k].clone(),
            _ => self.site_ids[k].clone(),
        }
    }
}

/// Pushes the segments of a route projected into `frame`.
pub(crate) fn push_segments(
    ls: &LineString<f64>,
    frame: &crate::geodesy::TransverseMercator,
    data: usize,
    out: &mut Vec<GeomWithData<Line<[f64; 2]>, usize>>,
) {
    let pts: Vec<[f64; 2]> = ls.coords().map(|c| frame.forward(c.x, c.y)).collect();
    for w in pts.windows(2) {
        out.push(GeomWithData::new(Line::new(w[0], w[1]), data));
    }
    if pts.len() == 1 {
        out.push(GeomWithData::new(Line::new(pts[0], pts[0]), data));
    }
}

/// The layers covering WGS 84 points of `scenario`, as the report
/// evaluates demand points; `None` for a point in no commune. Useful to check a gap
/// map: points inside a gap should lack the gap's bit.
pub fn point_flags(
    scenario: &Scenario,
    options: &Options,
    points: &[Point<f64>],
) -> Result<Vec<Option<LayerSet>>> {
    scenario.validate()?;
    let unwrapped = unwrapped(scenario);
    let moved = unwrapped.is_some();
    let scenario = unwrapped.as_ref().unwrap_or(scenario);
    let probe = crate::engine::probe::Probe::new(scenario, options)?;
    Ok(points
        .iter()
        .map(|p| {
            // in the scenario's continuous longitudes around 180°
            let p = if moved {
                Point::new(east(p.x()), p.y())
            } else {
                *p
            };
            let c = probe.locate(p)?;
            let z = probe.commune_strip(c)?;
            let xy = probe.frame(z).forward(p.x(), p.y());
            Some(LayerSet::from_bits(probe.flags(z, xy)))
        })
        .collect())
}
