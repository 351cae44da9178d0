//! Gap maps: uncovered demand grouped into connected regions.
//!
//! - **Uniform demand**: a gap is a region of the rows of a strip where the
//!   layer leaves the commune uncovered on at least half of the row's
//!   weight (two of the three sampling lines the report traces in the row,
//!   taken from the report's own row sweep), connected through overlapping
//!   row intervals, across commune borders (see [`super::runs`] and
//!   [`crate::engine::gap_rows`]); its outline is traced from the interval
//!   ends ([`super::outline`]), so it follows coverage edges to within half
//!   a row.
//! - **Point demand**: uncovered points are linked when they lie within
//!   [`GapOptions::point_link_m`] of each other (default three times
//!   `resolution_m`, at least 1.5 times it); a gap is a linked group, drawn as
//!   the cells holding its points (one polygon per side-connected piece).
//!
//! Each gap carries the layer, its uncovered people and households, its
//! area, the communes it touches, the distance from its outline to the nearest
//! existing infrastructure of the layer (site carrying the layer, fibre
//! route or wifi point) and its rank by uncovered demand (people; households
//! for fibre). The people of a layer's gaps add up to the layer's uncovered
//! people in `report.json`, commune by commune (communes without geometry
//! aside, which have no place on a map: [`GapMap::unplaced`]).
//!
//! Around the antimeridian the outlines are traced with continuous
//! longitudes and cut at 180° (see the `planning` module docs). A gap
//! whose outline would wind around a pole (an uncovered ring around it, or
//! an uncovered pole) cannot be drawn in longitude/latitude: the gap map,
//! and so the plan, is refused with an error naming the commune.

use geo::{
    BooleanOps, BoundingRect, Coord, LineString, MapCoords, MultiPolygon, Point, Polygon, Rect,
};
use std::ops::ControlFlow;
use std::sync::OnceLock;

use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;

use super::cells::uncovered_of;
use super::outline::{self, Run};
use super::runs::{layer_regions, regions, Region};
use super::Layer;
use crate::engine::gap_rows::{interior_cell, CommuneGap, QUANTA};
use crate::engine::probe::{east, unwrapped, Probe};
use crate::engine::{rect_union, rect_widened, scale_at, FLAG_BITS};
use crate::geodesy::inverse_lattice::InverseLattice;
use crate::geodesy::{metres_to_degrees_bound, TransverseMercator};
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
    /// Area of the gap on the ground (the ellipsoid), km²: its area in the
    /// strip's plane divided by the square of the point scale factor, run
    /// by run (within 1e-6 of the ellipsoidal area of the outline drawn in
    /// the strip; the polygon written, straight in longitude/latitude
    /// between its corners, differs from it by about 1e-4).
    pub area_km2: f64,
    /// Size of the gap in grid cells: the area of its outline in the
    /// strip's plane over `resolution_m²`, rounded up (for point demand,
    /// exactly the number of cells holding its points).
    pub cells: usize,
    /// Communes the gap's demand belongs to (indices into the scenario's
    /// communes, ascending).
    pub communes: Vec<usize>,
    /// Distance from the gap's outline (its corners and points every
    /// `resolution_m` along its edges) to the nearest existing
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
    find_gaps_probed(scenario, report, options, None)
}

/// [`find_gaps`] on the indexes the engine prepared for the report
/// (`probe`, built with `options.engine` on this scenario), when it kept
/// them; built again otherwise.
pub(crate) fn find_gaps_probed(
    scenario: &Scenario,
    report: &Report,
    options: &GapOptions,
    probe: Option<Probe<'_>>,
) -> Result<GapMap> {
    scenario.validate()?;
    // around 180°, the engine's continuous longitudes (see `super` docs)
    let unwrapped = unwrapped(scenario);
    if let Some(unwrapped) = &unwrapped {
        return gaps_with_probe(unwrapped, report, options, None);
    }
    gaps_with_probe(scenario, report, options, probe)
}

/// A gap before it is drawn: connected parts (one for uniform demand) of
/// one strip, with what they hold.
struct Group {
    strip: u32,
    /// Runs of each part (quanta of `resolution_m` across, rows along).
    parts: Vec<Vec<Run>>,
    population: f64,
    households: f64,
    /// Communes of the demand (ascending).
    communes: Vec<usize>,
}

impl From<Region> for Group {
    fn from(r: Region) -> Self {
        Group {
            strip: r.strip,
            parts: vec![r.runs],
            population: r.population,
            households: r.households,
            communes: r.communes.iter().map(|c| c.0 as usize).collect(),
        }
    }
}

/// Gaps of `scenario` (its continuous longitudes around 180°) from its
/// report.
pub(crate) fn gaps_of(
    scenario: &Scenario,
    report: &Report,
    options: &GapOptions,
) -> Result<GapMap> {
    gaps_with_probe(scenario, report, options, None)
}

/// [`gaps_of`] on the engine's prepared indexes when given.
fn gaps_with_probe(
    scenario: &Scenario,
    report: &Report,
    options: &GapOptions,
    probe: Option<Probe<'_>>,
) -> Result<GapMap> {
    if report.communes.len() != scenario.communes.len() {
        return Err(Error::Parameter {
            name: "report",
            reason: format!(
                "the report has {} communes but the scenario {}; pass the report of this scenario",
                report.communes.len(),
                scenario.communes.len()
            ),
        });
    }
    let res = scenario.parameters.resolution_m;
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
    let mut probe = match probe {
        Some(probe) => probe,
        None => Probe::new(scenario, &options.engine)?,
    };
    let frames: Vec<TransverseMercator> = (0..probe.strips()).map(|z| probe.frame(z)).collect();
    let near = Nearest::new(scenario, &frames, &probe);
    // the layers that may have gaps: their nearby infrastructure is indexed
    // beside their regions
    let wanted = Layer::ALL
        .into_iter()
        .filter(|&layer| {
            (0..scenario.communes.len()).any(|c| {
                let (u, h) = uncovered_of(report, c, layer);
                u > 0.0 || h > 0.0
            })
        })
        .fold(0u8, |m, layer| m | 1 << layer.bit());
    // what each layer's gaps are made from, found once for every layer
    let evaluated: Vec<Option<Located>>;
    let (demand, unplaced, extents) = match &scenario.population {
        None => {
            let (pieces, unplaced, extents) =
                uniform_pieces(scenario, report, &mut probe, &options.engine)?;
            let demand: Vec<LayerDemand<'_>> =
                pieces.into_iter().map(LayerDemand::Pieces).collect();
            (demand, unplaced, extents)
        }
        Some(points) => {
            evaluated = locate_points(points, &probe, &frames);
            let extents = point_extents(&evaluated, frames.len(), res);
            let demand = Layer::ALL
                .iter()
                .map(|_| LayerDemand::Points(points, &evaluated))
                .collect();
            (demand, [(0.0, 0.0); FLAG_BITS], extents)
        }
    };
    drop(probe);
    // the outlines' corners are inverse-projected through a lattice of
    // exact inverses per strip, over the extent its gaps can reach
    let lattices: Vec<InverseLattice> = frames
        .iter()
        .zip(extents)
        .map(|(&frame, extent)| InverseLattice::new(frame, extent))
        .collect();
    let mut gaps = Vec::new();
    let mut omitted = [(0.0, 0.0); 7];
    // layers in parallel, each from its demand to its drawn gaps (while
    // one layer's regions are merged, another's gaps are drawn), then in
    // layer order. Wifi goes before fibre: the two end up in one
    // sequential piece of the split, and wifi's few gaps (often one, the
    // whole area but for small holes) are drawn on one thread while the
    // other is still busy elsewhere, fibre's many gaps then on both.
    let mut tasks: Vec<(Layer, LayerDemand<'_>)> = Layer::ALL.into_iter().zip(demand).collect();
    // (stable: the other layers keep their order)
    tasks.sort_by_key(|(layer, _)| *layer == Layer::Fiber);
    let mut per_layer: Vec<(Layer, LayerGaps)> = tasks
        .into_par_iter()
        .map(|(layer, demand)| -> Result<(Layer, LayerGaps)> {
            // the infrastructure near the strips indexed beside the regions
            let (mut groups, ()) = rayon::join(
                || demand.groups(layer, res, link_m),
                || {
                    if (wanted >> layer.bit()) & 1 == 1 {
                        near.index_nearby(layer.bit());
                    }
                },
            );
            let measure = |g: &Group| {
                if layer == Layer::Fiber {
                    g.households
                } else {
                    g.population
                }
            };
            // stable: ties keep the order of the groups (strip, row, column)
            groups.sort_by(|a, b| measure(b).total_cmp(&measure(a)));
            // beyond the limit: counted, checked, not drawn
            let rest = groups.split_off(options.max_gaps_per_layer.min(groups.len()));
            let mut omitted = (0.0, 0.0);
            for g in &rest {
                omitted.0 += g.population;
                omitted.1 += g.households;
            }
            rest.par_iter()
                .try_for_each(|g| check_poles(layer, g, &frames, res))
                .map_err(|p| p.error(scenario))?;
            // the largest first: pieces of a few gaps, each of which
            // another thread can take (rayon's adaptive split would leave
            // the last heavy quarter of the layer to one thread)
            let mut layer_gaps: Vec<Gap> = groups
                .into_par_iter()
                .with_max_len(4)
                .map(|g| build_gap(layer, g, &frames, &lattices, res, &near))
                .collect::<std::result::Result<_, AroundPole>>()
                .map_err(|p| p.error(scenario))?;
            for (k, g) in layer_gaps.iter_mut().enumerate() {
                g.rank = k + 1;
            }
            Ok((layer, (layer_gaps, omitted)))
        })
        .collect::<Result<_>>()?;
    per_layer.sort_by_key(|(layer, _)| layer.bit());
    for (layer, (layer_gaps, rest)) in per_layer {
        omitted[layer.bit()] = rest;
        gaps.extend(layer_gaps);
    }
    Ok(GapMap {
        gaps,
        unplaced,
        omitted,
    })
}

/// A layer's drawn gaps, and the people and households of those left out
/// beyond the limit.
type LayerGaps = (Vec<Gap>, (f64, f64));

/// What one layer's gaps are made from.
enum LayerDemand<'d> {
    /// Uniform demand: each commune's gap pieces of the layer, with its
    /// uncovered people and households.
    Pieces(Vec<(CommuneGap, f64, f64)>),
    /// Point demand: the points, and each located.
    Points(&'d [crate::model::PopulationPoint], &'d [Option<Located>]),
}

impl LayerDemand<'_> {
    /// The layer's gaps to draw: its regions (uniform demand), or its
    /// uncovered points linked within `link_m` (point demand).
    fn groups(self, layer: Layer, res: f64, link_m: f64) -> Vec<Group> {
        match self {
            LayerDemand::Pieces(pieces) => {
                layer_regions(pieces).into_iter().map(Group::from).collect()
            }
            LayerDemand::Points(points, located) => {
                point_groups(points, located, layer, res, link_m)
            }
        }
    }
}

/// Per layer, each commune's gap pieces with its uncovered people and
/// households; the uncovered figures of communes without geometry; per
/// strip, the extent (strip metres) its gaps can reach.
type Pieces = (
    Vec<Vec<(CommuneGap, f64, f64)>>,
    [(f64, f64); FLAG_BITS],
    Vec<Option<Rect<f64>>>,
);

/// Per layer, the regions of uniform demand; and the uncovered figures of
/// communes without geometry.
#[cfg(test)]
type Regions = (Vec<Vec<Region>>, [(f64, f64); FLAG_BITS]);

/// The regions of every layer for uniform demand ([`uniform_pieces`]
/// merged, layer by layer).
#[cfg(test)]
fn uniform_regions(
    scenario: &Scenario,
    report: &Report,
    probe: &mut Probe<'_>,
    options: &Options,
) -> Result<Regions> {
    let (pieces, unplaced, _) = uniform_pieces(scenario, report, probe, options)?;
    Ok((
        pieces.into_par_iter().map(layer_regions).collect(),
        unplaced,
    ))
}

/// The gap pieces of every layer for uniform demand: each commune swept
/// in parallel into its gap pieces (the report's own sweep's, when it
/// kept them); and the uncovered figures of communes without geometry,
/// and the extent of each strip's communes (where their pieces lie).
fn uniform_pieces(
    scenario: &Scenario,
    report: &Report,
    probe: &mut Probe<'_>,
    options: &Options,
) -> Result<Pieces> {
    let res = scenario.parameters.resolution_m;
    let projected = probe.take_projected();
    // a piece lies within its commune's box, a fallback cell within a row
    // of it
    let mut extents: Vec<Option<Rect<f64>>> = vec![None; probe.strips()];
    for (z, polygon) in projected.iter().flatten() {
        if let Some(r) = polygon.bounding_rect() {
            let e = &mut extents[*z];
            *e = Some(e.map_or(r, |e| rect_union(e, r)));
        }
    }
    let extents = pad_extents(extents, 2.0 * res);
    // the pieces the report's own row sweep collected, when it did
    let swept = probe
        .take_gap_pieces()
        .unwrap_or_else(|| vec![None; projected.len()]);
    let probe = &*probe;
    let area_m2: f64 = projected
        .iter()
        .flatten()
        .map(|(_, p)| geo::Area::unsigned_area(p))
        .sum();
    crate::demand::refuse_oversized_grid(
        "a gap grid",
        area_m2,
        res,
        options.max_demand_cells,
        "Options::max_demand_cells",
    )?;
    type Swept = ([CommuneGap; FLAG_BITS], [(f64, f64); FLAG_BITS]);
    let per_commune: Vec<Option<Swept>> = projected
        .into_par_iter()
        .zip(swept)
        .enumerate()
        .map(|(c, (projected, swept))| {
            let (z, polygon) = projected?;
            let uncovered: [(f64, f64); FLAG_BITS] =
                std::array::from_fn(|b| uncovered_of(report, c, Layer::ALL[b]));
            let bits = (0..FLAG_BITS)
                .filter(|&b| uncovered[b].0 > 0.0 || uncovered[b].1 > 0.0)
                .fold(0u8, |m, b| m | 1 << b);
            let mut pieces = match swept {
                Some(pieces) => pieces,
                None => probe.commune_gap_pieces(z, c, &polygon, res, bits),
            };
            // a layer whose lines saw nothing uncovered: the cell of an
            // interior point, found once
            let mut cell = None;
            for (b, gap) in pieces.iter_mut().enumerate() {
                if (bits >> b) & 1 == 1 && gap.fallback.is_empty() {
                    let cell = *cell.get_or_insert_with(|| interior_cell(z, c, &polygon, res));
                    gap.fallback.push(cell);
                }
            }
            Some((pieces, uncovered))
        })
        .collect();
    let mut unplaced = [(0.0, 0.0); FLAG_BITS];
    let mut layers: [Vec<(CommuneGap, f64, f64)>; FLAG_BITS] = Default::default();
    for (c, swept) in per_commune.into_iter().enumerate() {
        match swept {
            Some((gaps, uncovered)) => {
                for ((all, gap), (u, h)) in layers.iter_mut().zip(gaps).zip(uncovered) {
                    if u > 0.0 || h > 0.0 {
                        all.push((gap, u, h));
                    }
                }
            }
            None => {
                for layer in Layer::ALL {
                    let (u, h) = uncovered_of(report, c, layer);
                    unplaced[layer.bit()].0 += u;
                    unplaced[layer.bit()].1 += h;
                }
            }
        }
    }
    Ok((layers.into(), unplaced, extents))
}

/// A demand point located: commune, strip, strip metres, coverage flags.
type Located = (usize, usize, [f64; 2], u8);

/// An uncovered demand point of one layer.
struct PointUnit {
    strip: u32,
    /// Cell on the strip's grid.
    cell: (i64, i64),
    xy: [f64; 2],
    commune: u32,
    population: f64,
    households: f64,
}

/// Every demand point located: its commune, strip, strip metres and
/// coverage flags (`None` outside every commune).
fn locate_points(
    points: &[crate::model::PopulationPoint],
    probe: &Probe<'_>,
    frames: &[TransverseMercator],
) -> Vec<Option<Located>> {
    points
        .par_iter()
        .with_min_len(256)
        .map(|pt| {
            let loc = pt.location?;
            let c = probe.locate(loc)?;
            let z = probe.commune_strip(c)?;
            let xy = frames[z].forward(loc.x(), loc.y());
            Some((c, z, xy, probe.flags(z, xy)))
        })
        .collect()
}

/// Per strip, the extent (strip metres) of the cells holding the located
/// points.
fn point_extents(located: &[Option<Located>], strips: usize, res: f64) -> Vec<Option<Rect<f64>>> {
    let mut extents: Vec<Option<Rect<f64>>> = vec![None; strips];
    for &(_, z, [x, y], _) in located.iter().flatten() {
        let r = Rect::new(Coord { x, y }, Coord { x, y });
        let e = &mut extents[z];
        *e = Some(e.map_or(r, |e| rect_union(e, r)));
    }
    pad_extents(extents, 2.0 * res)
}

/// `extents` widened by `pad` metres on every side.
fn pad_extents(extents: Vec<Option<Rect<f64>>>, pad: f64) -> Vec<Option<Rect<f64>>> {
    extents
        .into_iter()
        .map(|e| e.map(|e| rect_widened(e, pad, pad)))
        .collect()
}

/// The gaps of `layer` for point demand: its uncovered points (`located`
/// as [`locate_points`] gives them) linked within `link_m`, each group
/// drawn as the cells holding its points.
fn point_groups(
    points: &[crate::model::PopulationPoint],
    located: &[Option<Located>],
    layer: Layer,
    res: f64,
    link_m: f64,
) -> Vec<Group> {
    let b = layer.bit();
    let mut units: Vec<PointUnit> = points
        .iter()
        .zip(located)
        .filter_map(|(pt, e)| {
            let (c, z, xy, f) = (*e)?;
            ((f >> b) & 1 == 0).then(|| PointUnit {
                strip: z as u32,
                cell: ((xy[0] / res).floor() as i64, (xy[1] / res).floor() as i64),
                xy,
                commune: c as u32,
                population: pt.population,
                households: pt.households,
            })
        })
        .collect();
    // by strip, row, column, commune (input order within a cell)
    units.sort_by_key(|u| (u.strip, u.cell.1, u.cell.0, u.commune));
    link_points(&units, link_m)
        .into_iter()
        .map(|group| point_group(&units, &group))
        .collect()
}

/// A group of linked points as a gap: the cells holding them, one part per
/// side-connected piece.
fn point_group(units: &[PointUnit], group: &[usize]) -> Group {
    let (mut population, mut households) = (0.0, 0.0);
    let mut communes: Vec<usize> = Vec::new();
    let mut cells: Vec<(i64, i64)> = Vec::with_capacity(group.len());
    for &k in group {
        let u = &units[k];
        population += u.population;
        households += u.households;
        communes.push(u.commune as usize);
        cells.push((u.cell.1, u.cell.0));
    }
    communes.sort_unstable();
    communes.dedup();
    cells.sort_unstable();
    cells.dedup();
    let mut runs: Vec<Run> = Vec::new();
    for (j, i) in cells {
        match runs.last_mut() {
            Some(r) if r.j == j && r.b == i * QUANTA => r.b += QUANTA,
            _ => runs.push(Run {
                j,
                a: i * QUANTA,
                b: (i + 1) * QUANTA,
            }),
        }
    }
    let parts = regions(&runs)
        .into_iter()
        .map(|part| part.into_iter().map(|k| runs[k]).collect())
        .collect();
    Group {
        strip: units[group[0]].strip,
        parts,
        population,
        households,
        communes,
    }
}

/// Groups of point units (sorted by strip) linked within `link_m` (same
/// strip), in the order of their first unit.
fn link_points(units: &[PointUnit], link_m: f64) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..units.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let mut start = 0;
    while start < units.len() {
        let strip = units[start].strip;
        let mut end = start;
        while end < units.len() && units[end].strip == strip {
            end += 1;
        }
        let tree = RTree::bulk_load(
            (start..end)
                .map(|k| GeomWithData::new(units[k].xy, k))
                .collect(),
        );
        for (k, u) in units.iter().enumerate().take(end).skip(start) {
            for n in tree.locate_within_distance(u.xy, link_m * link_m) {
                let (a, b) = (find(&mut parent, k), find(&mut parent, n.data));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
        start = end;
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

/// Whether the outline of a part (runs; strip metres through `metres`)
/// surrounds a pole: `Some(true)` for the north pole. Its shell is traced
/// only when the pole lies within the runs' box.
fn pole_inside(
    runs: &[Run],
    frame: &TransverseMercator,
    metres: impl Fn(i64, i64) -> [f64; 2],
) -> Option<bool> {
    use geo::Intersects;
    let (mut x0, mut x1, mut y0, mut y1) = (i64::MAX, i64::MIN, i64::MAX, i64::MIN);
    for r in runs {
        (x0, x1, y0, y1) = (x0.min(r.a), x1.max(r.b), y0.min(r.j), y1.max(r.j + 1));
    }
    let (lo, hi) = (metres(x0, y0), metres(x1, y1));
    for north in [true, false] {
        let lat = if north { 90.0 } else { -90.0 };
        let [x, y] = frame.forward(frame.central_meridian_deg(), lat);
        if !(lo[0] <= x && x <= hi[0] && lo[1] <= y && y <= hi[1]) {
            continue;
        }
        let Some(shell) = outline::rings(runs).into_iter().next() else {
            continue;
        };
        let mut ring: Vec<Coord<f64>> = shell
            .iter()
            .map(|&(a, b)| {
                let [x, y] = metres(a, b);
                Coord { x, y }
            })
            .collect();
        ring.push(ring[0]);
        if Polygon::new(LineString(ring), vec![]).intersects(&Point::new(x, y)) {
            return Some(north);
        }
    }
    None
}

/// Refuses a gap winding around a pole.
fn check_poles(
    layer: Layer,
    group: &Group,
    frames: &[TransverseMercator],
    res: f64,
) -> std::result::Result<(), AroundPole> {
    let frame = frames[group.strip as usize];
    let quantum = res / QUANTA as f64;
    for runs in &group.parts {
        if let Some(north) = pole_inside(runs, &frame, |x, y| [x as f64 * quantum, y as f64 * res])
        {
            return Err(AroundPole {
                layer,
                commune: group.communes[0],
                north,
            });
        }
    }
    Ok(())
}

/// Draws a gap: outline in longitude/latitude (cut at 180°), area,
/// nearest infrastructure.
fn build_gap(
    layer: Layer,
    group: Group,
    frames: &[TransverseMercator],
    lattices: &[InverseLattice],
    res: f64,
    near: &Nearest,
) -> std::result::Result<Gap, AroundPole> {
    let strip = group.strip as usize;
    let lattice = &lattices[strip];
    let quantum = res / QUANTA as f64;
    let metres = |x: i64, y: i64| [x as f64 * quantum, y as f64 * res];
    let corner = |x: i64, y: i64| {
        // continuous across 180° (cut below)
        let (x, y) = lattice.inverse(metres(x, y));
        Coord { x, y }
    };
    let mut polygons: Vec<Polygon<f64>> = Vec::with_capacity(group.parts.len());
    let mut rings: Vec<Vec<(i64, i64)>> = Vec::new();
    let mut quanta: i64 = 0;
    check_poles(layer, &group, frames, res)?;
    for runs in &group.parts {
        quanta += runs.iter().map(|r| r.b - r.a).sum::<i64>();
        let part = outline::rings(runs);
        polygons.extend(outline::polygon(&part, corner));
        rings.extend(part);
    }
    // distance from the outline, sampled every `resolution_m` along each
    // ring (so within half of it), the samples made as the search asks
    let samples = OutlineSamples::new(&rings, quantum, res);
    let nearest = near.nearest(layer, strip, samples, res);
    drop(rings);
    let geometry = cut_at_antimeridian(MultiPolygon(polygons));
    // the ground area of the runs: each run's area on the strip's plane
    // over the square of the point scale factor at its middle
    let area_m2: f64 = group
        .parts
        .iter()
        .flatten()
        .map(|r| {
            let k = scale_at(0.5 * (r.a + r.b) as f64 * quantum);
            (r.b - r.a) as f64 * quantum * res / (k * k)
        })
        .sum();
    Ok(Gap {
        layer,
        rank: 0,
        population: group.population,
        households: group.households,
        area_km2: area_m2 / 1e6,
        cells: ((quanta + QUANTA - 1) / QUANTA).max(1) as usize,
        communes: group.communes,
        nearest_m: nearest.map(|n| n.0.sqrt()),
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
/// Segments in strip metres with the index of their route.
type SegmentTree = RTree<GeomWithData<Line<[f64; 2]>, usize>>;

/// The features of one layer in one strip.
enum Tree {
    /// Sites carrying the layer, or wifi points.
    Points(PointTree),
    /// Fibre route segments.
    Segments(SegmentTree),
}

/// Indexes of existing infrastructure per strip and layer, for distances,
/// built when first needed. Each strip first indexes the features within
/// [`Nearest::MARGINS_M`]`[0]` of its communes (projecting every site and
/// route into every strip is what a large scenario cannot afford); a gap
/// whose nearest feature is not found within that distance is measured
/// again against the features within the next margin, then against every
/// feature of the layer, so the answer is the same.
struct Nearest<'a> {
    scenario: &'a Scenario,
    frames: &'a [TransverseMercator],
    /// Per strip: its communes' longitude/latitude box widened by each
    /// margin (and two rows), `None` for a strip without communes.
    windows: Vec<Option<[Rect<f64>; 2]>>,
    /// Per strip, per margin, per layer bit: the features within the window.
    near: Vec<[[OnceLock<Tree>; FLAG_BITS]; 2]>,
    /// Per strip, per layer bit: every feature.
    all: Vec<[OnceLock<Tree>; FLAG_BITS]>,
    /// Longitude/latitude box of each fibre route, built when first needed.
    route_boxes: OnceLock<Vec<Option<Rect<f64>>>>,
    /// Per strip: the sites within its first window, projected into it,
    /// `(index, strip metres)` in site order; projected once for every
    /// technology layer, when first needed.
    near_sites: Vec<OnceLock<Vec<ProjectedSite>>>,
}

/// A site's index and its place in a strip, metres.
type ProjectedSite = (usize, [f64; 2]);

impl<'a> Nearest<'a> {
    /// Distance from a strip's communes within which features are indexed
    /// first, metres.
    const MARGINS_M: [f64; 2] = [10_000.0, 150_000.0];

    fn new(scenario: &'a Scenario, frames: &'a [TransverseMercator], probe: &Probe<'_>) -> Self {
        let mut extents: Vec<Option<Rect<f64>>> = vec![None; frames.len()];
        for (c, commune) in scenario.communes.iter().enumerate() {
            let (Some(z), Some(r)) = (
                probe.commune_strip(c),
                commune.geometry.as_ref().and_then(|g| g.bounding_rect()),
            ) else {
                continue;
            };
            extents[z] = Some(match extents[z] {
                Some(e) => crate::engine::rect_union(e, r),
                None => r,
            });
        }
        let res = scenario.parameters.resolution_m;
        let windows = extents
            .into_iter()
            .map(|e| {
                let e = e?;
                let lat = e.min().y.abs().max(e.max().y.abs());
                Some(Self::MARGINS_M.map(|margin_m| {
                    let (dlon, dlat) = metres_to_degrees_bound(margin_m + 2.0 * res, lat);
                    rect_widened(e, dlon, dlat)
                }))
            })
            .collect();
        Nearest {
            scenario,
            frames,
            windows,
            near: frames.iter().map(|_| Default::default()).collect(),
            all: frames.iter().map(|_| Default::default()).collect(),
            route_boxes: OnceLock::new(),
            near_sites: frames.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// Builds, side by side, the index of layer bit `b`'s features within
    /// the first margin of every strip (what a search asks for first),
    /// rather than one strip at a time as gaps first need them.
    fn index_nearby(&self, b: usize) {
        let strips: Vec<usize> = (0..self.windows.len())
            .filter(|&z| self.windows[z].is_some())
            .collect();
        strips.into_par_iter().for_each(|z| {
            self.near[z][0][b].get_or_init(|| self.build(z, b, Some(0)));
        });
    }

    /// The longitude/latitude box of each fibre route.
    fn route_boxes(&self) -> &[Option<Rect<f64>>] {
        self.route_boxes.get_or_init(|| {
            self.scenario
                .fiber
                .par_iter()
                .map(|r| r.geometry.bounding_rect())
                .collect()
        })
    }

    /// The features of layer bit `b` projected into strip `strip`, those
    /// within the strip's window of margin `margin` only when given.
    fn build(&self, strip: usize, b: usize, margin: Option<usize>) -> Tree {
        let frame = &self.frames[strip];
        let window = margin.and_then(|k| Some(self.windows[strip]?[k]));
        let inside = |x: f64, y: f64| {
            window.is_none_or(|w| {
                w.min().x <= x && x <= w.max().x && w.min().y <= y && y <= w.max().y
            })
        };
        let s = self.scenario;
        if b == Layer::Fiber.bit() {
            let boxes = self.route_boxes();
            let mut segs = Vec::new();
            for (k, route) in s.fiber.iter().enumerate() {
                // a route whose box misses the window has no segment in it
                let meets_box = match (window, boxes[k]) {
                    (Some(w), Some(r)) => geo::Intersects::intersects(&w, &r),
                    (_, None) => false,
                    (None, Some(_)) => true,
                };
                if !meets_box {
                    continue;
                }
                for ls in &route.geometry.0 {
                    // vertices projected only for segments meeting the window
                    let mut last: Option<(Coord<f64>, Option<[f64; 2]>)> = None;
                    for &c in &ls.0 {
                        let mut xy = None;
                        if let Some((p, pxy)) = last {
                            let meets = window.is_none_or(|w| {
                                p.x.min(c.x) <= w.max().x
                                    && p.x.max(c.x) >= w.min().x
                                    && p.y.min(c.y) <= w.max().y
                                    && p.y.max(c.y) >= w.min().y
                            });
                            if meets {
                                let pxy = pxy.unwrap_or_else(|| frame.forward(p.x, p.y));
                                let cxy = frame.forward(c.x, c.y);
                                segs.push(GeomWithData::new(Line::new(pxy, cxy), k));
                                xy = Some(cxy);
                            }
                        }
                        last = Some((c, xy));
                    }
                    if let [c] = ls.0.as_slice() {
                        if inside(c.x, c.y) {
                            let xy = frame.forward(c.x, c.y);
                            segs.push(GeomWithData::new(Line::new(xy, xy), k));
                        }
                    }
                }
            }
            return Tree::Segments(RTree::bulk_load(segs));
        }
        let points: Vec<GeomWithData<[f64; 2], usize>> = if b == Layer::Wifi.bit() {
            s.wifi
                .iter()
                .enumerate()
                .filter(|(_, w)| inside(w.location.x(), w.location.y()))
                .map(|(k, w)| GeomWithData::new(frame.forward(w.location.x(), w.location.y()), k))
                .collect()
        } else {
            let mask = Layer::ALL[b].technology_bits();
            let carries = |k: usize| s.sites[k].technologies.bits() & mask != 0;
            if margin == Some(0) {
                // the first window's sites, projected once for all layers
                self.near_sites[strip]
                    .get_or_init(|| {
                        s.sites
                            .iter()
                            .enumerate()
                            .filter(|(_, x)| inside(x.location.x(), x.location.y()))
                            .map(|(k, x)| (k, frame.forward(x.location.x(), x.location.y())))
                            .collect()
                    })
                    .iter()
                    .filter(|(k, _)| carries(*k))
                    .map(|&(k, xy)| GeomWithData::new(xy, k))
                    .collect()
            } else {
                s.sites
                    .iter()
                    .enumerate()
                    .filter(|&(k, x)| carries(k) && inside(x.location.x(), x.location.y()))
                    .map(|(k, x)| {
                        GeomWithData::new(frame.forward(x.location.x(), x.location.y()), k)
                    })
                    .collect()
            }
        };
        Tree::Points(RTree::bulk_load(points))
    }

    /// The nearest feature of `layer` in strip `strip` to any of `samples`
    /// (strip metres, consecutive ones about `spacing` apart): its squared
    /// distance and index.
    fn nearest(
        &self,
        layer: Layer,
        strip: usize,
        samples: impl Iterator<Item = [f64; 2]> + Clone,
        spacing: f64,
    ) -> Option<(f64, usize)> {
        let b = layer.bit();
        let search = |tree: &Tree| match tree {
            Tree::Points(t) => nearest_in(t, samples.clone(), 8.0 * spacing),
            Tree::Segments(t) => nearest_in(t, samples.clone(), 8.0 * spacing),
        };
        if self.windows[strip].is_some() {
            for (k, margin_m) in Self::MARGINS_M.into_iter().enumerate() {
                let near = self.near[strip][k][b].get_or_init(|| self.build(strip, b, Some(k)));
                let found = search(near);
                // grid distances are never shorter than ground ones: a
                // feature outside the window lies further than the margin
                if found.is_some_and(|(d2, _)| d2 <= margin_m * margin_m) {
                    return found;
                }
            }
        }
        search(self.all[strip][b].get_or_init(|| self.build(strip, b, None)))
    }

    fn id(&self, layer: Layer, k: usize) -> FeatureId {
        let s = self.scenario;
        match layer {
            Layer::Fiber => s.fiber[k].id.clone(),
            Layer::Wifi => s.wifi[k].id.clone(),
            _ => s.sites[k].id.clone(),
        }
    }
}

/// Points every `spacing_m` along closed rings of quanta (`(x, y)`: `x` in
/// quanta of `quantum_m`, `y` in rows of `spacing_m`), ring by ring, each
/// from its first corner, the step carried from edge to edge: what the
/// nearest-infrastructure search measures from, made one at a time as it
/// asks (no list of them is kept; a search of several indexes walks them
/// again from a clone).
#[derive(Clone)]
struct OutlineSamples<'r> {
    rings: &'r [Vec<(i64, i64)>],
    quantum_m: f64,
    spacing_m: f64,
    /// The ring, and the edge from its corner `edge`, being sampled.
    ring: usize,
    edge: usize,
    /// How far along the edge the next sample lies, metres.
    ahead: f64,
}

impl<'r> OutlineSamples<'r> {
    fn new(rings: &'r [Vec<(i64, i64)>], quantum_m: f64, spacing_m: f64) -> Self {
        OutlineSamples {
            rings,
            quantum_m,
            spacing_m,
            ring: 0,
            edge: 0,
            ahead: 0.0,
        }
    }
}

impl Iterator for OutlineSamples<'_> {
    type Item = [f64; 2];

    fn next(&mut self) -> Option<[f64; 2]> {
        let metres = |(x, y): (i64, i64)| [x as f64 * self.quantum_m, y as f64 * self.spacing_m];
        loop {
            let ring = self.rings.get(self.ring)?;
            if self.edge >= ring.len() {
                // the next ring, sampled from its first corner
                (self.ring, self.edge, self.ahead) = (self.ring + 1, 0, 0.0);
                continue;
            }
            let p = metres(ring[self.edge]);
            let q = metres(ring[(self.edge + 1) % ring.len()]);
            let length = (q[0] - p[0]).abs() + (q[1] - p[1]).abs();
            if self.ahead < length {
                let t = self.ahead / length;
                self.ahead += self.spacing_m;
                return Some([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
            }
            // the rest of the step carried onto the next edge
            self.ahead -= length;
            self.edge += 1;
        }
    }
}

/// The nearest object of `tree` to any of `samples` (consecutive samples
/// close to each other, as along an outline): squared distance and data.
/// The first sample asks the tree for its nearest; then the objects within
/// the best distance plus `anchor_m` of an anchor sample are gathered once,
/// by their distance from the anchor, and serve every sample within
/// `anchor_m` of the anchor (a closer object for such a sample lies among
/// them). A sample `t` from the anchor skips the gathered objects at `D`
/// from the anchor once `D − t` reaches the best distance: by the triangle
/// inequality none of them is closer.
fn nearest_in<T>(
    tree: &RTree<GeomWithData<T, usize>>,
    samples: impl IntoIterator<Item = [f64; 2]>,
    anchor_m: f64,
) -> Option<(f64, usize)>
where
    T: rstar::PointDistance<Envelope = rstar::AABB<[f64; 2]>>,
{
    /// Beyond this many gathered objects, each sample asks the tree.
    const MAX_LOCAL: usize = 48;
    let mut best: Option<(f64, usize)> = None;
    let mut anchor: Option<[f64; 2]> = None;
    // (distance from the anchor, object), ascending
    let mut local: Vec<(f64, &GeomWithData<T, usize>)> = Vec::with_capacity(MAX_LOCAL + 1);
    let offer = |best: &mut Option<(f64, usize)>, s: &GeomWithData<T, usize>, p: [f64; 2]| {
        let e2 = s.geom().distance_2(&p);
        if best.is_none_or(|(b, _)| e2 < b) {
            *best = Some((e2, s.data));
        }
    };
    for p in samples {
        let Some((d2, _)) = best else {
            best = tree
                .nearest_neighbor(&p)
                .map(|s| (s.geom().distance_2(&p), s.data));
            best?;
            continue;
        };
        // (no overflow to guard against at these distances: not `hypot`)
        let t = anchor.map_or(f64::INFINITY, |a| {
            let (dx, dy) = (a[0] - p[0], a[1] - p[1]);
            (dx * dx + dy * dy).sqrt()
        });
        if t > anchor_m {
            anchor = Some(p);
            let r = d2.sqrt() + anchor_m;
            local.clear();
            // the objects whose boxes meet the disc's box (widened past
            // rounding), those within the disc kept: the same objects, in
            // the same order, as asking for those within the distance (a
            // box test per node is cheaper than a distance)
            let r2 = r * r;
            let w = r * (1.0 + 1e-9);
            let disc_box = rstar::AABB::from_corners([p[0] - w, p[1] - w], [p[0] + w, p[1] + w]);
            crate::engine::walk::intersecting(tree, &disc_box, |s| {
                let d2 = s.geom().distance_2(&p);
                if d2 <= r2 {
                    local.push((d2.sqrt(), s));
                    if local.len() > MAX_LOCAL {
                        return ControlFlow::Break(());
                    }
                }
                ControlFlow::Continue(())
            });
            local.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
        }
        let t = if t > anchor_m { 0.0 } else { t };
        if local.len() > MAX_LOCAL {
            for s in tree.locate_within_distance(p, d2) {
                offer(&mut best, s, p);
            }
        } else {
            for &(from_anchor, s) in &local {
                let b = best.map_or(f64::INFINITY, |b| b.0);
                // at least `from_anchor − t` from `p`
                let gap = from_anchor - t;
                if gap > 0.0 && gap * gap >= b {
                    break;
                }
                offer(&mut best, s, p);
            }
        }
    }
    best
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area, Validation};

    use crate::model::{Commune, FeatureId, Site, SiteRange, TechSet, Technology};

    /// Per layer and commune: the people and households of its regions.
    fn per_commune(scenario: &Scenario, report: &Report) -> Vec<[(f64, f64); FLAG_BITS]> {
        let mut probe = Probe::new(scenario, &Options::default()).expect("probe");
        let (regions, _) =
            uniform_regions(scenario, report, &mut probe, &Options::default()).expect("regions");
        let mut out = vec![[(0.0, 0.0); FLAG_BITS]; scenario.communes.len()];
        for (b, layer) in regions.iter().enumerate() {
            for r in layer {
                let (mut p, mut h) = (0.0, 0.0);
                for &(c, pop, hh) in &r.communes {
                    out[c as usize][b].0 += pop;
                    out[c as usize][b].1 += hh;
                    p += pop;
                    h += hh;
                }
                assert!((p - r.population).abs() <= 1e-9 * p.max(1.0));
                assert!((h - r.households).abs() <= 1e-9 * h.max(1.0));
            }
        }
        out
    }

    fn check_conservation(scenario: &Scenario) -> f64 {
        let report = crate::report::measure(scenario, &Options::default(), None).expect("report");
        let got = per_commune(scenario, &report);
        let mut worst: f64 = 0.0;
        for (c, figures) in got.iter().enumerate() {
            if scenario.communes[c].geometry.is_none() {
                continue;
            }
            for layer in Layer::ALL {
                let (u, h) = uncovered_of(&report, c, layer);
                let (p, q) = figures[layer.bit()];
                worst = worst.max((u - p).abs()).max((h - q).abs());
                assert!((u - p).abs() <= 1e-6, "commune {c} {layer}: {u} vs {p}");
                assert!((h - q).abs() <= 1e-6, "commune {c} {layer}: {h} vs {q}");
            }
        }
        worst
    }

    /// A city-like block: 6 × 5 communes of uneven people, 4G/5G sites
    /// and wifi points scattered by a fixed generator, two fibre routes.
    #[test]
    fn people_are_conserved_commune_by_commune_in_a_city_block() {
        use crate::model::{FiberRoute, WifiPoint};
        use geo::{LineString, MultiLineString};
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut unit = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut communes = Vec::new();
        for i in 0..6 {
            for j in 0..5 {
                let (w, so) = (105.70 + 0.01 * i as f64, 10.00 + 0.01 * j as f64);
                let id = (i * 5 + j) as i64;
                communes.push(commune(
                    id,
                    w,
                    so,
                    w + 0.01,
                    so + 0.01,
                    500.0 + 4000.0 * unit(),
                ));
            }
        }
        let mut sites = Vec::new();
        for k in 0..25 {
            let mut x = site(
                105.70 + 0.06 * unit(),
                10.00 + 0.05 * unit(),
                300.0 + 500.0 * unit(),
            );
            x.id = FeatureId::Int(k);
            if k % 3 == 0 {
                x.technologies = [Technology::G4, Technology::G5].into_iter().collect();
            }
            sites.push(x);
        }
        let wifi = (0..8)
            .map(|k| WifiPoint {
                id: FeatureId::Int(k),
                range_m: Some(80.0),
                location: Point::new(105.70 + 0.06 * unit(), 10.00 + 0.05 * unit()),
            })
            .collect();
        let route = |id: i64, a: (f64, f64), b: (f64, f64)| FiberRoute {
            id: FeatureId::Int(id),
            operator: None,
            geometry: MultiLineString(vec![LineString::from(vec![a, b])]),
        };
        let mut s = Scenario {
            communes,
            sites,
            wifi,
            fiber: vec![
                route(1, (105.70, 10.013), (105.76, 10.031)),
                route(2, (105.735, 10.0), (105.728, 10.05)),
            ],
            ..Scenario::default()
        };
        s.parameters.resolution_m = 50.0;
        let worst = check_conservation(&s);
        println!("city block: worst difference per layer and commune {worst:.2e}");
    }

    fn commune(id: i64, w: f64, s: f64, e: f64, n: f64, pop: f64) -> Commune {
        Commune {
            id: FeatureId::Int(id),
            name: None,
            district: None,
            kind: None,
            population: Some(pop),
            households: Some(pop / 4.0),
            geometry: Some(MultiPolygon(vec![polygon![
                (x: w, y: s), (x: e, y: s), (x: e, y: n), (x: w, y: n), (x: w, y: s),
            ]])),
        }
    }

    fn site(lon: f64, lat: f64, range_m: f64) -> Site {
        Site {
            id: FeatureId::Int(1),
            operator: None,
            technologies: [Technology::G4].into_iter().collect::<TechSet>(),
            height_m: 30.0,
            range_m: SiteRange::All(range_m),
            sectors: vec![],
            radio: Default::default(),
            location: Point::new(lon, lat),
        }
    }

    /// Communes the lines cannot see into, or whose only uncovered part is
    /// a sliver, keep their people in the gap map.
    #[test]
    fn thin_and_sliver_communes_keep_their_people() {
        let mut s = Scenario {
            communes: vec![
                commune(1, 105.70, 10.00, 105.72, 10.02, 5000.0),
                // 20 m tall at 100 m rows: at most one line crosses it
                commune(2, 105.72, 10.0301, 105.73, 10.03028, 300.0),
                // a square almost covered by a disc: corners uncovered only
                commune(3, 105.74, 10.00, 105.742, 10.002, 800.0),
                // no geometry: unplaced
                Commune {
                    geometry: None,
                    ..commune(4, 0.0, 0.0, 0.0, 0.0, 100.0)
                },
            ],
            sites: vec![site(105.71, 10.01, 600.0), site(105.741, 10.001, 150.0)],
            ..Scenario::default()
        };
        s.parameters.resolution_m = 100.0;
        let worst = check_conservation(&s);
        println!("odd communes: worst difference {worst:.2e}");
        let report = crate::report::measure(&s, &Options::default(), None).expect("report");
        let gaps = find_gaps(&s, &report, &GapOptions::default()).expect("gaps");
        for g in &gaps.gaps {
            assert!(g.geometry.is_valid(), "{} gap {}", g.layer, g.rank);
        }
        // the thin commune's people are on the map, in a gap of its own
        assert!(gaps
            .layer(Layer::G4)
            .any(|g| g.communes == vec![1] && (g.population - 300.0).abs() < 1e-6));
        assert!((gaps.unplaced[Layer::G4.bit()].0 - 100.0).abs() < 1e-9);
    }

    /// A square commune with a disc of coverage inside: one 4G gap, the
    /// square with one hole, of the right area, holding everyone
    /// uncovered.
    #[test]
    fn a_disc_inside_a_square_is_one_gap_with_one_hole() {
        let mut s = Scenario {
            communes: vec![commune(1, 105.70, 10.00, 105.74, 10.04, 10_000.0)],
            sites: vec![site(105.72, 10.02, 1000.0)],
            ..Scenario::default()
        };
        s.parameters.resolution_m = 25.0;
        let report = crate::report::measure(&s, &Options::default(), None).expect("report");
        let gaps = find_gaps(&s, &report, &GapOptions::default()).expect("gaps");
        let g4: Vec<&Gap> = gaps.layer(Layer::G4).collect();
        assert_eq!(g4.len(), 1);
        let g = g4[0];
        assert_eq!(g.geometry.0.len(), 1);
        assert_eq!(g.geometry.0[0].interiors().len(), 1);
        assert!(g.geometry.is_valid());
        let (u, _) = uncovered_of(&report, 0, Layer::G4);
        assert!((g.population - u).abs() < 1e-9 * u);
        // the square's area less the disc's, to the half-row fringe
        let square = geo::GeodesicArea::geodesic_area_unsigned(
            s.communes[0].geometry.as_ref().expect("square"),
        ) / 1e6;
        let want = square - std::f64::consts::PI * 1.0;
        assert!(
            (g.area_km2 - want).abs() < 0.01 * want,
            "{} vs {want}",
            g.area_km2
        );
        // the hole is the disc: its planar area in degrees² near πr²
        let hole = Polygon::new(g.geometry.0[0].interiors()[0].clone(), vec![]);
        let km2_per_deg2 = square / (0.04 * 0.04);
        let disc = hole.unsigned_area() * km2_per_deg2;
        assert!((disc - std::f64::consts::PI).abs() < 0.02, "{disc}");
        // the site is 1 km from its hole's edge
        let d = g.nearest_m.expect("a site");
        assert!((d - 1000.0).abs() <= 25.0, "{d}");
    }

    /// The anchored search finds the nearest object of any sample, as a
    /// brute-force scan does (points and segments).
    /// The streamed samples are those of walking each ring's edges with
    /// a step carried from edge to edge (and restarted on each ring), one
    /// list made at once: the same points in the same order.
    #[test]
    fn outline_samples_walk_every_ring_at_its_spacing() {
        use crate::planning::outline::{rings, Run};
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for round in 0..200 {
            // a few rows of random runs, some rows empty, some runs apart
            let mut runs = Vec::new();
            for j in 0..rng.random_range(1..12i64) {
                let mut a = rng.random_range(-50..50i64);
                for _ in 0..rng.random_range(0..3) {
                    let b = a + rng.random_range(1..80i64);
                    runs.push(Run { j, a, b });
                    a = b + rng.random_range(1..40i64);
                }
            }
            let all: Vec<Vec<(i64, i64)>> = if round % 17 == 0 {
                Vec::new()
            } else {
                rings(&runs)
            };
            let (quantum, spacing) = (50.0 / 1024.0, [50.0, 3.0, 0.7][round % 3]);
            let mut want = Vec::new();
            for ring in &all {
                let mut ahead = 0.0;
                for (k, &p) in ring.iter().enumerate() {
                    let q = ring[(k + 1) % ring.len()];
                    let m = |(x, y): (i64, i64)| [x as f64 * quantum, y as f64 * spacing];
                    let (p, q) = (m(p), m(q));
                    let length = (q[0] - p[0]).abs() + (q[1] - p[1]).abs();
                    while ahead < length {
                        let t = ahead / length;
                        want.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
                        ahead += spacing;
                    }
                    ahead -= length;
                }
            }
            let samples = OutlineSamples::new(&all, quantum, spacing);
            assert_eq!(samples.clone().collect::<Vec<_>>(), want, "round {round}");
            // a clone walks them again from the start
            assert_eq!(samples.count(), want.len());
        }
    }

    #[test]
    fn nearest_along_a_walk_matches_brute_force() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for round in 0..40 {
            let points: Vec<[f64; 2]> = (0..200)
                .map(|_| [rng.random_range(0.0..5000.0), rng.random_range(0.0..5000.0)])
                .collect();
            let segments: Vec<Line<[f64; 2]>> = points
                .windows(2)
                .step_by(7)
                .map(|w| Line::new(w[0], [w[0][0] + 0.1 * (w[1][0] - w[0][0]), w[1][1]]))
                .collect();
            // a random walk of steps of 25 m
            let mut at = [2500.0, 2500.0];
            let walk: Vec<[f64; 2]> = (0..300)
                .map(|_| {
                    let a: f64 = rng.random_range(0.0..std::f64::consts::TAU);
                    at = [at[0] + 25.0 * a.cos(), at[1] + 25.0 * a.sin()];
                    at
                })
                .collect();
            let anchor = [10.0, 200.0, 5000.0][round % 3];
            let tree = RTree::bulk_load(
                points
                    .iter()
                    .enumerate()
                    .map(|(k, p)| GeomWithData::new(*p, k))
                    .collect(),
            );
            let got = nearest_in(&tree, walk.iter().copied(), anchor).expect("points");
            let want = walk
                .iter()
                .flat_map(|w| {
                    points
                        .iter()
                        .map(move |p| (p[0] - w[0]).powi(2) + (p[1] - w[1]).powi(2))
                })
                .fold(f64::INFINITY, f64::min);
            assert!(
                (got.0 - want).abs() <= 1e-9 * want.max(1.0),
                "{got:?} vs {want}"
            );
            let tree = RTree::bulk_load(
                segments
                    .iter()
                    .enumerate()
                    .map(|(k, l)| GeomWithData::new(*l, k))
                    .collect(),
            );
            let got = nearest_in(&tree, walk.iter().copied(), anchor).expect("segments");
            use rstar::PointDistance;
            let want = walk
                .iter()
                .flat_map(|w| segments.iter().map(move |l| l.distance_2(w)))
                .fold(f64::INFINITY, f64::min);
            assert!(
                (got.0 - want).abs() <= 1e-9 * want.max(1.0),
                "{got:?} vs {want}"
            );
        }
    }
}
