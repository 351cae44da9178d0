//! The coverage engine: spatial indexes over infrastructure, evaluated in
//! parallel over demand.
//!
//! # How a scenario is evaluated
//!
//! 1. **Frames.** The scenario is cut into narrow longitude strips
//!    ([`Strips`]), each with its own transverse Mercator frame, so that
//!    distances in metres are true to better than 0.01 %. Each commune
//!    belongs to the strip of its bounding-box centre and is evaluated in
//!    that frame; every site, wifi point and fibre route that can reach the
//!    strip's communes is projected into it.
//! 2. **Coverage cells.** Each site becomes one cell per distinct
//!    (sector, range) with the bit mask of the technologies it carries at
//!    that range: a disc (omni) or a wedge (sector). Ranges follow the
//!    contract's order: the sector's `range_m`, the site's `range_m`, the
//!    link budget when the site has `tx_power_dbm`
//!    ([`crate::propagation::link_budget_range_m`]), then `[ranges_m]`.
//!    Ranges are multiplied by the frame's point scale factor at the site and
//!    sector azimuths turned by the grid convergence, so the wedge is true
//!    north, clockwise, on the ground.
//! 3. **Indexes.** Cells and wifi discs are bulk-loaded into `rstar` trees by
//!    their bounding boxes; fibre routes as their segments. A demand point
//!    asks each tree for the shapes whose box holds it, then tests the exact
//!    shape (edges included). The query stops as soon as every technology
//!    present in the strip has been found.
//! 4. **Demand in parallel.** Uniform mode ([`Sampling::Rows`], default)
//!    integrates each commune on horizontal lines: the covered length of a
//!    line is the union of the shapes' exact intervals inside the commune's
//!    spans (module `rows`); communes run in parallel, each summed in a fixed
//!    order, so results are bit-identical whatever the number of threads.
//!    [`Sampling::CellCentres`] counts grid cell centres instead (integers,
//!    also thread-independent). Points mode evaluates points in parallel
//!    into an ordered vector and sums them in input order.
//!
//! Costs: uniform mode O(lines × shapes crossing a line), memory independent
//! of the number of demand cells; points mode O(points × (log n + shapes
//! holding the point)).

use geo::{
    BoundingRect, Coord, InteriorPoint, Intersects, LineString, MapCoords, MultiPolygon, Point,
    Rect,
};
use rayon::prelude::*;
use rstar::primitives::{CachedEnvelope, GeomWithData, Line, Rectangle};
use rstar::{RTree, AABB};

use crate::engine::demand::grid_rows;

pub mod capacity;
pub mod demand;
// terrain-shaped footprints: radial sweeps over the DEM
pub mod footprint;
pub(crate) mod gap_rows;
mod point_in;
pub(crate) mod probe;
pub mod raster;
mod rows;
mod shapes;
pub mod signal;
pub(crate) mod walk;

use crate::geodesy::antimeridian;
use crate::geodesy::{metres_to_degrees_bound, Strips, TransverseMercator, MEAN_EARTH_RADIUS_M};
use crate::model::{Layer, Scenario, Site, TechSet, Technology};
use crate::propagation::{link_budget_range_with, Environment, LinkTerms};
use crate::Result;
use shapes::{Cell, ShapeTree, Wedge};

// Coverage flags: one byte per place, bit `Layer::bit` set when the layer
// covers it (the bits of a `model::LayerSet`).
/// Flag bit: covered by mobile broadband (3G/4G/5G).
pub(crate) const FLAG_MOBILE_BROADBAND: u8 = 1 << Layer::MobileBroadband.bit();
/// Flag bit: passed by fibre.
pub(crate) const FLAG_FIBER: u8 = 1 << Layer::Fiber.bit();
/// Flag bit: within wifi reach.
pub(crate) const FLAG_WIFI: u8 = 1 << Layer::Wifi.bit();
/// Number of flag bits: one per layer.
pub(crate) const FLAG_BITS: usize = Layer::ALL.len();

/// Engine options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Largest number of uniform demand cells a run may evaluate. A scenario
    /// whose communes' area divided by `resolution_m²` exceeds it is refused
    /// before any work, with the resolution that would fit. Default
    /// 400 million (a 330,000 km² country at 30 m).
    pub max_demand_cells: u64,
    /// How a demand point finds the shapes that may cover it.
    pub lookup: Lookup,
    /// How uniform demand is measured.
    pub sampling: Sampling,
}

/// How uniform demand (people spread evenly over a commune) is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sampling {
    /// Row integration (the default): rows `resolution_m` high, each with
    /// its exact area (integrated between the commune's vertices) and its
    /// covered share measured on three lines where covered lengths are
    /// exact unions of intervals. Commune areas come out exact; covered
    /// areas carry only the quadrature error on curved coverage edges. Cost
    /// grows with rows × shapes per row, not with cells or vertices.
    #[default]
    Rows,
    /// Count the centres of a `resolution_m` grid inside the commune and the
    /// covered ones among them. Simpler, but a straight boundary parallel to
    /// the grid is off by up to half a row, which on a commune of 2,000
    /// cells can exceed half a percentage point.
    CellCentres,
}

/// How a demand point finds the shapes that may cover it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lookup {
    /// Ask the strip's R-trees for the shapes whose bounding box holds the
    /// point (the default): O(log n + k) per point.
    #[default]
    Indexed,
    /// Test every shape of the strip against every point: O(n) per point.
    /// The simple baseline for benchmarks and an oracle for tests; the
    /// results are identical.
    Exhaustive,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_demand_cells: 400_000_000,
            lookup: Lookup::Indexed,
            sampling: Sampling::Rows,
        }
    }
}

/// The shapes of one site before projection: true azimuths, ground ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteShape {
    /// Range on the ground, metres.
    pub range_m: f64,
    /// Technologies served at this range.
    pub technologies: TechSet,
    /// `(azimuth_deg, beamwidth_deg)` of the sector, or `None` when omni.
    pub sector: Option<(f64, f64)>,
    /// The terrain-shaped footprint inside the disc or wedge, when the
    /// scenario has terrain ([`footprint`]).
    pub footprint: Option<std::sync::Arc<crate::model::Footprint>>,
}

/// How the range of one technology of a site was decided (before any
/// sector's own `range_m`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RangeSource {
    /// The site's `range_m` (a number, or the object's entry).
    SiteRange,
    /// The link budget (the site has `tx_power_dbm` and no `range_m`).
    LinkBudget {
        /// The path-loss model that set the range.
        model: &'static str,
        /// The budget's maximum allowed path loss, dB.
        max_path_loss_db: f64,
        /// The environment the model was chosen for.
        environment: Environment,
    },
    /// The scenario's `[ranges_m]` default.
    Default,
}

/// The range in metres of each technology the site carries
/// (`Technology::index` order; `None` for technologies it does not carry),
/// with its source, by the contract's rule: the site's `range_m`, then the
/// link budget when the site has `tx_power_dbm`, then `[ranges_m]`. A
/// sector's own `range_m` overrides these (see [`site_shapes`]).
pub fn site_ranges(
    site: &Site,
    parameters: &crate::model::Parameters,
    environment: Environment,
    warnings: &mut Vec<String>,
) -> [Option<(f64, RangeSource)>; 4] {
    resolve_site(site, parameters, environment, warnings).0
}

/// The range and its source of each technology of a site
/// (`Technology::index` order).
pub type SiteRanges = [Option<(f64, RangeSource)>; 4];

/// [`site_ranges`] with the link terms of each link-budget layer.
fn resolve_site(
    site: &Site,
    parameters: &crate::model::Parameters,
    environment: Environment,
    warnings: &mut Vec<String>,
) -> (SiteRanges, [Option<Box<LinkTerms>>; 4]) {
    let mut out = [None; 4];
    let mut links = [const { None }; 4];
    for tech in site.technologies.iter() {
        out[tech.index()] = Some(match site.range_m.get(tech) {
            Some(r) => (r, RangeSource::SiteRange),
            None if site.radio.tx_power_dbm.is_some() => {
                let est = link_budget_range_with(
                    tech,
                    &site.radio,
                    site.height_m,
                    environment,
                    &parameters.radio,
                );
                warnings.extend(est.warnings);
                links[tech.index()] = est.link.map(Box::new);
                (
                    est.range_m,
                    RangeSource::LinkBudget {
                        model: est.model,
                        max_path_loss_db: est.max_path_loss_db,
                        environment,
                    },
                )
            }
            None => (parameters.ranges_m.get(tech), RangeSource::Default),
        });
    }
    (out, links)
}

/// The coverage shapes of a site, after the contract's range rule, grouping
/// the technologies that share a shape. `environment` feeds the link budget
/// when the site is in link-budget mode; `warnings` receives the link
/// budget's notes (e.g. a height outside a model's validity).
pub fn site_shapes(
    site: &Site,
    parameters: &crate::model::Parameters,
    environment: Environment,
    warnings: &mut Vec<String>,
) -> Vec<SiteShape> {
    shapes_of(site, &site_ranges(site, parameters, environment, warnings))
}

/// The shapes of `site` given its resolved ranges.
fn shapes_of(site: &Site, ranges: &[Option<(f64, RangeSource)>; 4]) -> Vec<SiteShape> {
    let per_tech: [f64; 4] = std::array::from_fn(|i| ranges[i].map_or(0.0, |r| r.0));
    // at most a shape per sector and technology
    let mut shapes: Vec<SiteShape> = Vec::with_capacity(
        site.sectors.len().max(1) * site.technologies.bits().count_ones() as usize,
    );
    let mut push = |range_m: f64, tech: Technology, sector: Option<(f64, f64)>| {
        if let Some(s) = shapes
            .iter_mut()
            .find(|s| s.range_m == range_m && s.sector == sector)
        {
            s.technologies.insert(tech);
        } else {
            let mut technologies = TechSet::EMPTY;
            technologies.insert(tech);
            shapes.push(SiteShape {
                range_m,
                technologies,
                sector,
                footprint: None,
            });
        }
    };
    if site.sectors.is_empty() {
        for tech in site.technologies.iter() {
            push(per_tech[tech.index()], tech, None);
        }
    } else {
        for sector in &site.sectors {
            for tech in site.technologies.iter() {
                let r = sector.range_m.unwrap_or(per_tech[tech.index()]);
                push(r, tech, Some((sector.azimuth_deg, sector.beamwidth_deg)));
            }
        }
    }
    shapes
}

/// The shapes of every site with a terrain-shaped footprint per
/// technology and sector (technologies are not grouped: each has its own
/// frequency and so its own diffraction), in site order.
fn terrain_shapes(
    scenario: &Scenario,
    resolved: &[SiteAudit],
    terrain: &crate::model::Terrain,
    warnings: &mut Vec<String>,
) -> crate::error::Result<Vec<Vec<SiteShape>>> {
    let params = &scenario.parameters;
    let mut requests = Vec::new();
    let mut owner = Vec::new();
    let mut shapes: Vec<Vec<SiteShape>> = Vec::with_capacity(scenario.sites.len());
    for (i, (site, resolution)) in scenario.sites.iter().zip(resolved).enumerate() {
        let (environment, ranges) = (resolution.environment, &resolution.ranges);
        let mut list = Vec::new();
        let sectors: Vec<Option<(f64, f64, Option<f64>)>> = if site.sectors.is_empty() {
            vec![None]
        } else {
            site.sectors
                .iter()
                .map(|s| Some((s.azimuth_deg, s.beamwidth_deg, s.range_m)))
                .collect()
        };
        for sector in sectors {
            for tech in site.technologies.iter() {
                let base = ranges[tech.index()];
                let own = sector.and_then(|s| s.2);
                let range_m = own.unwrap_or(base.map_or(0.0, |r| r.0));
                // a link-budget layer keeps its budget's allowed loss
                let allowed_db = match (own, base) {
                    (
                        None,
                        Some((
                            _,
                            RangeSource::LinkBudget {
                                max_path_loss_db, ..
                            },
                        )),
                    ) => Some(max_path_loss_db),
                    _ => None,
                };
                let sector = sector.map(|s| (s.0, s.1));
                let mut technologies = TechSet::EMPTY;
                technologies.insert(tech);
                requests.push(footprint::FootprintRequest {
                    site,
                    technology: tech,
                    range_m,
                    sector,
                    environment,
                    allowed_db,
                });
                owner.push((i, list.len()));
                list.push(SiteShape {
                    range_m,
                    technologies,
                    sector,
                    footprint: None,
                });
            }
        }
        shapes.push(list);
    }
    let found =
        footprint::footprints(terrain, &params.terrain, &params.radio, &requests, warnings)?;
    for ((i, k), fp) in owner.into_iter().zip(found) {
        // a footprint the terrain left whole is traced as its disc or wedge
        shapes[i][k].footprint = fp.filter(|f| !f.is_unshaped());
    }
    Ok(shapes)
}

/// What the engine decided for one site, for auditing: where it stands and
/// the range of each of its technologies with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteAudit {
    /// Index of the commune holding the site (first in input order,
    /// boundary included), if any.
    pub commune: Option<usize>,
    /// Environment used by the link budget (from the commune's kind).
    pub environment: Environment,
    /// Range and its source per technology ([`site_ranges`]).
    pub ranges: [Option<(f64, RangeSource)>; 4],
    /// The link terms of each link-budget layer (`Technology::index`
    /// order), as the range was solved with; boxed, as most sites of most
    /// scenarios have none (a site's audit stays a few words long).
    pub links: [Option<Box<LinkTerms>>; 4],
}

/// Audits every site of the scenario, in input order. An evaluation that
/// writes `sites.geojson` gets the same audits from its own pass instead
/// ([`crate::evaluate_with_sites`]).
pub fn audit_sites(scenario: &Scenario) -> Vec<SiteAudit> {
    let locator = CommuneLocator::new(scenario);
    let site_commune: Vec<Option<usize>> = scenario
        .sites
        .iter()
        .map(|site| locator.locate(site.location))
        .collect();
    resolve_sites(scenario, &site_commune, &mut Vec::new())
}

/// Approximate transverse Mercator point scale factor at easting `x_m`.
#[inline]
pub(crate) fn scale_at(x_m: f64) -> f64 {
    // the mean radius instead of the exact radius of curvature: under 1 %
    // apart, which changes the ≤ 4·10⁻⁵ scale correction by under 4·10⁻⁷
    let u = x_m / MEAN_EARTH_RADIUS_M;
    1.0 + u * u / 2.0 + u * u * u * u / 24.0
}

/// Spatial indexes of one projection strip.
struct StripIndex {
    frame: TransverseMercator,
    /// One tree per technology (`Technology::ALL` order): a shape carrying
    /// several technologies sits in each of their trees, so a search for one
    /// layer never wades through another's shapes.
    layers: [ShapeTree; 4],
    wifi: ShapeTree,
    /// Fibre segments, with their boxes cached for the bulk load.
    fiber: RTree<CachedEnvelope<Line<[f64; 2]>>>,
    fiber_drop_m: f64,
    exhaustive: bool,
}

impl StripIndex {
    /// The indexes of the strip with frame `frame` whose communes span
    /// `extent` (degrees): every shape, wifi disc and fibre segment that
    /// can reach it, projected.
    fn build(
        scenario: &Scenario,
        shapes: &[Vec<SiteShape>],
        frame: TransverseMercator,
        extent: Rect<f64>,
        exhaustive: bool,
    ) -> StripIndex {
        let params = &scenario.parameters;
        // the site layers on one side, wifi and fibre on the other
        let (layers, (wifi, fiber)) = rayon::join(
            || {
                // each site's shapes (none out of the strip's reach), in
                // place per site: no list to gather and copy
                let by_site: Vec<Vec<Cell>> = scenario
                    .sites
                    .par_iter()
                    .zip(shapes)
                    // small pieces: a terrain-shaped site costs far more
                    // than a disc, and few sites may carry them
                    .with_min_len(128)
                    .map(|(site, shapes)| {
                        let reach = shapes.iter().map(|s| s.range_m).fold(0.0, f64::max);
                        if !lonlat_rect_expand(extent, reach * 1.01 + 1.0)
                            .intersects(&site.location)
                        {
                            return Vec::new();
                        }
                        let pr =
                            frame.forward_with_distortion(site.location.x(), site.location.y());
                        // a sector's technologies follow one another: its
                        // wedge is worked out once
                        let mut last: Option<((f64, f64), Wedge)> = None;
                        shapes
                            .iter()
                            .map(|s| {
                                let wedge = s.sector.map(|sector| match last {
                                    Some((seen, w)) if seen == sector => w,
                                    _ => {
                                        let w = Wedge::new(sector.0 + pr.convergence_deg, sector.1);
                                        last = Some((sector, w));
                                        w
                                    }
                                });
                                let cell = Cell::new(
                                    pr.xy,
                                    s.range_m * pr.scale,
                                    s.technologies.bits(),
                                    wedge,
                                );
                                match &s.footprint {
                                    Some(fp) => cell.with_footprint(
                                        fp.clone(),
                                        pr.scale,
                                        pr.convergence_deg,
                                    ),
                                    None => cell,
                                }
                            })
                            .collect()
                    })
                    .collect();
                // per technology, in site order: each shape moved into the
                // last of its technologies and copied only into the others
                // (most shapes carry one)
                let mut counts = [0usize; 4];
                for c in by_site.iter().flatten() {
                    for (bit, n) in counts.iter_mut().enumerate() {
                        *n += usize::from((c.techs >> bit) & 1 == 1);
                    }
                }
                let mut per_bit: [Vec<Cell>; 4] = counts.map(Vec::with_capacity);
                for cell in by_site.into_iter().flatten() {
                    let bits = cell.techs & 0b1111;
                    let Some(last) = (0..4).rev().find(|b| (bits >> b) & 1 == 1) else {
                        continue;
                    };
                    for bit in (0..last).filter(|b| (bits >> b) & 1 == 1) {
                        per_bit[bit].push(cell.clone());
                    }
                    per_bit[last].push(cell);
                }
                per_bit
                    .into_par_iter()
                    .map(ShapeTree::new)
                    .collect::<Vec<ShapeTree>>()
            },
            || {
                let mut wifi = Vec::new();
                for w in &scenario.wifi {
                    let r = w.range_m.unwrap_or(params.wifi_range_m);
                    if !lonlat_rect_expand(extent, r * 1.01 + 1.0).intersects(&w.location) {
                        continue;
                    }
                    let pr = frame.forward_with_distortion(w.location.x(), w.location.y());
                    wifi.push(Cell::new(pr.xy, r * pr.scale, 0, None));
                }
                let reach = lonlat_rect_expand(extent, params.fiber_drop_m * 1.01 + 1.0);
                let segments: Vec<Line<[f64; 2]>> = scenario
                    .fiber
                    .par_iter()
                    .with_min_len(64)
                    .flat_map_iter(|route| {
                        let mut out = Vec::new();
                        for ls in &route.geometry.0 {
                            push_segments(ls, &reach, &frame, &mut out);
                        }
                        out
                    })
                    .collect();
                (
                    ShapeTree::new(wifi),
                    RTree::bulk_load(segments.into_iter().map(CachedEnvelope::new).collect()),
                )
            },
        );
        let mut layers = layers.into_iter();
        StripIndex {
            frame,
            layers: std::array::from_fn(|_| layers.next().unwrap_or_default()),
            wifi,
            fiber,
            fiber_drop_m: params.fiber_drop_m,
            exhaustive,
        }
    }

    /// The coverage flags of a point in this strip's frame.
    #[inline]
    fn flags(&self, p: [f64; 2]) -> u8 {
        if self.exhaustive {
            return self.flags_exhaustive(p);
        }
        let f = (0..FLAG_BITS)
            .filter(|&bit| self.serves(bit, p))
            .fold(0u8, |f, bit| f | 1 << bit);
        with_broadband(f)
    }

    /// Whether one of the flag bits of `mask` holds at `p` (those of
    /// [`StripIndex::flags`]; mobile broadband is not asked for here): the
    /// layers of `mask` alone are searched, and the search stops at the
    /// first that serves the point.
    fn serves_any(&self, p: [f64; 2], mask: u8) -> bool {
        debug_assert_eq!(mask & FLAG_MOBILE_BROADBAND, 0);
        if self.exhaustive {
            return self.flags_exhaustive(p) & mask != 0;
        }
        (0..FLAG_BITS).any(|bit| (mask >> bit) & 1 == 1 && self.serves(bit, p))
    }

    /// Whether the layer of flag bit `bit` serves `p`, searched in its
    /// index (mobile broadband, derived from the others, never does).
    #[inline]
    fn serves(&self, bit: usize, p: [f64; 2]) -> bool {
        let env = AABB::from_point(p);
        if let Some(layer) = self.layers.get(bit) {
            layer
                .locate_in_envelope_intersecting(&env)
                .any(|c| c.serves(p))
        } else if 1 << bit == FLAG_WIFI {
            self.wifi
                .locate_in_envelope_intersecting(&env)
                .any(|c| c.serves(p))
        } else if 1 << bit == FLAG_FIBER {
            let drop = self.fiber_drop_m * scale_at(p[0]);
            self.fiber
                .locate_within_distance(p, drop * drop * (1.0 + 1e-12))
                .next()
                .is_some()
        } else {
            false
        }
    }

    /// The same flags, testing every shape of the strip: the baseline of
    /// [`Lookup::Exhaustive`].
    fn flags_exhaustive(&self, p: [f64; 2]) -> u8 {
        use rstar::PointDistance;
        let mut f = 0u8;
        for (bit, layer) in self.layers.iter().enumerate() {
            if layer.iter().any(|c| c.serves(p)) {
                f |= 1 << bit;
            }
        }
        if self.wifi.iter().any(|c| c.serves(p)) {
            f |= FLAG_WIFI;
        }
        let drop = self.fiber_drop_m * scale_at(p[0]);
        if self
            .fiber
            .iter()
            .any(|l| l.distance_2(&p) <= drop * drop * (1.0 + 1e-12))
        {
            f |= FLAG_FIBER;
        }
        with_broadband(f)
    }
}

#[inline]
fn with_broadband(f: u8) -> u8 {
    if f & 0b1110 != 0 {
        f | FLAG_MOBILE_BROADBAND
    } else {
        f
    }
}

/// Everything the engine precomputes for a scenario: strips, projected
/// infrastructure, commune ownership of sites and wifi points.
struct Prepared<'a> {
    scenario: &'a Scenario,
    /// Strip of each commune (communes without geometry: `None`).
    commune_strip: Vec<Option<usize>>,
    indexes: Vec<StripIndex>,
    /// Bounding box (degrees) of the communes of each strip.
    strip_extent: Vec<Option<Rect<f64>>>,
    locator: CommuneLocator<'a>,
    site_commune: Vec<Option<usize>>,
    wifi_commune: Vec<Option<usize>>,
    warnings: Vec<String>,
    /// Each site's audit, when asked for ([`Prepared::for_run`]).
    audits: Vec<SiteAudit>,
    /// The communes projected into their strips' frames for a uniform
    /// evaluation (beside the index build of [`Prepared::for_run`]), kept
    /// for the gap maps that follow it ([`run_keeping`]); empty otherwise.
    projected: Vec<Option<MultiPolygon<f64>>>,
    /// Whether a uniform evaluation collects each commune's gap pieces
    /// from its row sweep ([`run_keeping`] with `gaps`).
    collect_gaps: bool,
    /// Those gap pieces, per commune (`None` without geometry); empty when
    /// not collected.
    gap_pieces: Vec<Option<[gap_rows::CommuneGap; FLAG_BITS]>>,
    /// Another scenario measured on the same lines as this one by a
    /// uniform evaluation ([`run_keeping`] with `alongside`), and then its
    /// evaluation.
    alongside: Option<Alongside>,
}

/// What a preparation makes side by side with its indexes
/// ([`Prepared::for_run`]).
#[derive(Default, Clone, Copy)]
struct Beside<'o> {
    /// The communes projected into their strips' frames.
    project: bool,
    /// Another scenario of the same communes prepared on the same strips.
    alongside: Option<&'o Scenario>,
}

/// A scenario of the same communes and other sites, measured on the
/// strips and projected communes of a prepared one
/// ([`Prepared::prepare_alongside`]).
struct Alongside {
    /// Its index per strip (`None` for a strip without communes).
    indexes: Vec<Option<StripIndex>>,
    site_commune: Vec<Option<usize>>,
    warnings: Vec<String>,
    /// Its tallies, once measured (the notes of its measure joined to
    /// `warnings`).
    tallies: Vec<Tally>,
}

impl Alongside {
    /// Its evaluation.
    fn into_evaluation(self) -> Evaluation {
        Evaluation {
            tallies: self.tallies,
            unassigned_population: 0.0,
            unassigned_households: 0.0,
            site_commune: self.site_commune,
            wifi_commune: Vec::new(),
            warnings: self.warnings,
            site_audits: Vec::new(),
        }
    }
}

/// Finds the first commune in input order whose boundary holds a point.
pub(crate) struct CommuneLocator<'a> {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    communes: &'a [crate::model::Commune],
    /// Each commune's rings banded for point tests (`None` without
    /// geometry).
    banded: Vec<Option<point_in::BandedPolygons>>,
}

impl<'a> CommuneLocator<'a> {
    pub(crate) fn new(scenario: &'a Scenario) -> Self {
        let boxes = scenario
            .communes
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let r = c.geometry.as_ref()?.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect();
        let banded = scenario
            .communes
            .par_iter()
            .map(|c| c.geometry.as_ref().map(point_in::BandedPolygons::new))
            .collect();
        CommuneLocator {
            tree: RTree::bulk_load(boxes),
            communes: &scenario.communes,
            banded,
        }
    }

    /// Index of the first commune (input order) containing `p` (lon/lat),
    /// boundary included.
    pub(crate) fn locate(&self, p: Point<f64>) -> Option<usize> {
        // candidates in input order: the first that holds the point wins
        let mut candidates: Vec<usize> = self
            .tree
            .locate_all_at_point(&[p.x(), p.y()])
            .map(|cand| cand.data)
            .collect();
        candidates.sort_unstable();
        candidates.into_iter().find(|&i| {
            let geometry = self.communes.get(i).and_then(|c| c.geometry.as_ref());
            match (geometry, self.banded.get(i).and_then(Option::as_ref)) {
                (Some(g), Some(banded)) => banded.holds(g, p),
                _ => false,
            }
        })
    }
}

/// The environment of `site` standing in commune `commune` (index into the
/// scenario's communes), by the scenario's [`crate::propagation::EnvironmentRules`].
pub fn site_environment(scenario: &Scenario, site: &Site, commune: Option<usize>) -> Environment {
    scenario.parameters.environment.for_site(
        site.radio.environment,
        commune.map(|c| &scenario.communes[c]),
    )
}

fn lonlat_rect_expand(r: Rect<f64>, distance_m: f64) -> Rect<f64> {
    let lat = r.min().y.abs().max(r.max().y.abs());
    let (dlon, dlat) = metres_to_degrees_bound(distance_m, lat);
    rect_widened(r, dlon, dlat)
}

impl<'a> Prepared<'a> {
    fn new(scenario: &'a Scenario, options: &Options) -> Result<Self> {
        Self::with_settings(scenario, options, false, true, Beside::default())
    }

    /// [`Prepared::new`] for a run, keeping each site's [`SiteAudit`] when
    /// `audit`: under uniform demand the communes are projected into their
    /// strips' frames, and `alongside` (when given) prepared on the same
    /// strips, while the indexes are built.
    fn for_run(
        scenario: &'a Scenario,
        options: &Options,
        audit: bool,
        alongside: Option<&Scenario>,
    ) -> Result<Self> {
        let beside = Beside {
            project: scenario.population.is_none(),
            alongside,
        };
        Self::with_settings(scenario, options, audit, true, beside)
    }

    /// [`Prepared::new`] with discs and wedges only, whatever the terrain:
    /// for the signal-level mode, which shapes nothing and takes the
    /// terrain's losses per emitter itself (`signal.rs`).
    fn without_footprints(scenario: &'a Scenario, options: &Options) -> Result<Self> {
        Self::with_settings(scenario, options, false, false, Beside::default())
    }

    /// [`Prepared::new`], keeping each site's audit when `audit`;
    /// terrain-shaped footprints only when `footprints` (and the scenario
    /// has terrain); with what `beside` asks for prepared side by side
    /// with the indexes.
    fn with_settings(
        scenario: &'a Scenario,
        options: &Options,
        audit: bool,
        footprints: bool,
        beside: Beside<'_>,
    ) -> Result<Self> {
        let exhaustive = options.lookup == Lookup::Exhaustive;
        let params = &scenario.parameters;
        let mut warnings = Vec::new();
        let locator = CommuneLocator::new(scenario);
        let site_commune: Vec<Option<usize>> = scenario
            .sites
            .par_iter()
            .map(|s| locator.locate(s.location))
            .collect();
        let wifi_commune: Vec<Option<usize>> = scenario
            .wifi
            .par_iter()
            .map(|w| locator.locate(w.location))
            .collect();

        // strips over the communes' extent
        let rects: Vec<Option<Rect<f64>>> = scenario
            .communes
            .iter()
            .map(|c| c.geometry.as_ref().and_then(|g| g.bounding_rect()))
            .collect();
        let (lon_min, lon_max) = rects
            .iter()
            .flatten()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                (lo.min(r.min().x), hi.max(r.max().x))
            });
        // every site resolved once: its shapes, footprints and audit
        let resolved = resolve_sites(scenario, &site_commune, &mut warnings);
        if lon_min > lon_max {
            // no commune geometry: no strip, nothing projected
            let audits = if audit { resolved } else { Vec::new() };
            let alongside = match beside.alongside {
                Some(other) => alongside_on(scenario, &locator, &[], &[], other, options)?,
                None => None,
            };
            let n = if beside.project {
                scenario.communes.len()
            } else {
                0
            };
            return Ok(Prepared {
                scenario,
                commune_strip: vec![None; scenario.communes.len()],
                indexes: Vec::new(),
                strip_extent: Vec::new(),
                locator,
                site_commune,
                wifi_commune,
                warnings,
                audits,
                projected: vec![None; n],
                collect_gaps: false,
                gap_pieces: Vec::new(),
                alongside,
            });
        }
        let strips = Strips::covering(lon_min, lon_max)?;
        let commune_strip: Vec<Option<usize>> = rects
            .iter()
            .map(|r| r.map(|r| strips.strip_of(r.center().x)))
            .collect();

        // site shapes; with terrain, one footprint per site layer and sector
        let shapes = match &scenario.terrain {
            Some(terrain)
                if footprints
                    && params.terrain.model == crate::model::TerrainModel::DeltaBullington =>
            {
                terrain_shapes(scenario, &resolved, terrain, &mut warnings)?
            }
            _ => disc_shapes(scenario, &resolved),
        };
        let audits = if audit { resolved } else { Vec::new() };
        let frames: Vec<TransverseMercator> = (0..strips.len()).map(|z| *strips.frame(z)).collect();
        let strip_extent: Vec<Option<Rect<f64>>> = (0..strips.len())
            .map(|z| {
                rects
                    .iter()
                    .zip(&commune_strip)
                    .filter(|(_, cz)| **cz == Some(z))
                    .filter_map(|(r, _)| *r)
                    .reduce(rect_union)
            })
            .collect();

        // one index per strip, built in parallel (each in input order, so the
        // trees do not depend on the number of threads), beside the
        // communes projected and the scenario alongside prepared
        let build = || -> Vec<StripIndex> {
            frames
                .par_iter()
                .zip(&strip_extent)
                .map(|(&frame, extent)| match *extent {
                    Some(extent) => StripIndex::build(scenario, &shapes, frame, extent, exhaustive),
                    None => StripIndex {
                        frame,
                        layers: Default::default(),
                        wifi: ShapeTree::default(),
                        fiber: RTree::new(),
                        fiber_drop_m: params.fiber_drop_m,
                        exhaustive,
                    },
                })
                .collect()
        };
        let project = || -> Vec<Option<MultiPolygon<f64>>> {
            if !beside.project {
                return Vec::new();
            }
            scenario
                .communes
                .par_iter()
                .zip(&commune_strip)
                .map(|(c, z)| Some(project_on(c.geometry.as_ref()?, &frames[(*z)?])))
                .collect()
        };
        let prepare_alongside = || match beside.alongside {
            Some(other) => alongside_on(scenario, &locator, &frames, &strip_extent, other, options),
            None => Ok(None),
        };
        let ((indexes, projected), alongside) =
            rayon::join(|| rayon::join(build, project), prepare_alongside);
        Ok(Prepared {
            scenario,
            commune_strip,
            indexes,
            strip_extent,
            locator,
            site_commune,
            wifi_commune,
            warnings,
            audits,
            projected,
            collect_gaps: false,
            gap_pieces: Vec::new(),
            alongside: alongside?,
        })
    }

    /// The evaluation of `other`, a scenario with the same communes as
    /// this one (the scorecard's access discs, say), under uniform demand,
    /// on this preparation's strips, frames and projected communes: the
    /// figures [`run`] gives for `other`, without projecting the communes
    /// again. Sites are shaped as discs and wedges (no terrain); `None`
    /// when the figures could differ: demand given as points, communes not
    /// projected by a uniform evaluation, or `other` unwrapped around 180°
    /// where this scenario is not.
    fn evaluate_alongside(
        &self,
        other: &Scenario,
        options: &Options,
    ) -> Result<Option<Evaluation>> {
        let n = self.scenario.communes.len();
        // projected communes are kept by a uniform evaluation only
        if self.projected.len() != n {
            return Ok(None);
        }
        let Some(mut alongside) = self.prepare_alongside(other, options)? else {
            return Ok(None);
        };
        let res = other.parameters.resolution_m;
        let indexes = &alongside.indexes;
        let results: Vec<Measured> = largest_first(
            &self.projected[..n],
            |p| p.as_ref().map_or(0.0, box_area),
            |i, _| {
                let strip = self.commune_strip[i];
                let projected = strip
                    .and_then(|z| indexes[z].as_ref())
                    .zip(self.projected[i].as_ref());
                measure_commune(
                    &other.communes[i],
                    i,
                    strip.unwrap_or(0),
                    projected,
                    res,
                    options,
                    false,
                    None,
                )
                .0
            },
        );
        for (t, note, _) in results {
            alongside.tallies.push(t);
            alongside.warnings.extend(note);
        }
        Ok(Some(alongside.into_evaluation()))
    }

    /// What measuring `other` (the same communes, other sites: discs and
    /// wedges, no terrain) on this scenario's strips takes: its sites
    /// placed by this scenario's locator, resolved, and indexed on each
    /// strip; `None` when it cannot be measured so (other communes, point
    /// demand, or longitudes around 180°).
    fn prepare_alongside(&self, other: &Scenario, options: &Options) -> Result<Option<Alongside>> {
        let frames: Vec<TransverseMercator> = self.indexes.iter().map(|i| i.frame).collect();
        alongside_on(
            self.scenario,
            &self.locator,
            &frames,
            &self.strip_extent,
            other,
            options,
        )
    }

    fn project(&self, commune: usize) -> Option<(&StripIndex, MultiPolygon<f64>)> {
        let z = self.commune_strip[commune]?;
        let index = &self.indexes[z];
        let geometry = self.scenario.communes[commune].geometry.as_ref()?;
        Some((index, project_on(geometry, &index.frame)))
    }
}

/// `geometry` (degrees) in the metres of `frame`.
fn project_on(geometry: &MultiPolygon<f64>, frame: &TransverseMercator) -> MultiPolygon<f64> {
    geometry.map_coords(|c| {
        let [x, y] = frame.forward(c.x, c.y);
        Coord { x, y }
    })
}

/// `other` (the same communes as `scenario`, other sites) prepared on the
/// strips of `scenario` (their `frames` and communes' `extents`), its sites
/// placed by `scenario`'s `locator`: see [`Prepared::evaluate_alongside`];
/// `None` when it cannot be measured so.
fn alongside_on(
    scenario: &Scenario,
    locator: &CommuneLocator<'_>,
    frames: &[TransverseMercator],
    extents: &[Option<Rect<f64>>],
    other: &Scenario,
    options: &Options,
) -> Result<Option<Alongside>> {
    let n = scenario.communes.len();
    if scenario.population.is_some() || other.population.is_some() || other.communes.len() != n {
        return Ok(None);
    }
    other.validate()?;
    if antimeridian::unwrapped(other).is_some() {
        return Ok(None);
    }
    let exhaustive = options.lookup == Lookup::Exhaustive;
    // the same communes: this scenario's locator places other's sites
    let site_commune: Vec<Option<usize>> = other
        .sites
        .par_iter()
        .map(|s| locator.locate(s.location))
        .collect();
    let mut warnings = Vec::new();
    let shapes = disc_shapes(other, &resolve_sites(other, &site_commune, &mut warnings));
    let indexes: Vec<Option<StripIndex>> = frames
        .par_iter()
        .zip(extents)
        .map(|(&frame, extent)| {
            extent.map(|extent| StripIndex::build(other, &shapes, frame, extent, exhaustive))
        })
        .collect();
    Ok(Some(Alongside {
        indexes,
        site_commune,
        warnings,
        tallies: Vec::new(),
    }))
}

/// Every site's commune, environment, ranges and links (its audit),
/// resolved side by side, in input order; the resolution's warnings,
/// summarised, into `warnings`.
fn resolve_sites(
    scenario: &Scenario,
    site_commune: &[Option<usize>],
    warnings: &mut Vec<String>,
) -> Vec<SiteAudit> {
    // the audits collected in place, in parallel (no second copy)
    let (audits, notes): (Vec<SiteAudit>, Vec<Vec<String>>) = scenario
        .sites
        .par_iter()
        .zip(site_commune)
        .map(|(site, c)| {
            let environment = site_environment(scenario, site, *c);
            let mut notes = Vec::new();
            let (ranges, links) = resolve_site(site, &scenario.parameters, environment, &mut notes);
            let audit = SiteAudit {
                commune: *c,
                environment,
                ranges,
                links,
            };
            (audit, notes)
        })
        .unzip();
    warnings.extend(summarise(notes.into_iter().flatten().collect()));
    audits
}

/// Every site's shapes as discs and wedges, from its resolution.
fn disc_shapes(scenario: &Scenario, resolved: &[SiteAudit]) -> Vec<Vec<SiteShape>> {
    scenario
        .sites
        .par_iter()
        .zip(resolved)
        .map(|(site, r)| shapes_of(site, &r.ranges))
        .collect()
}

/// The smallest rectangle holding `a` and `b`.
pub(crate) fn rect_union(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        Coord {
            x: a.min().x.min(b.min().x),
            y: a.min().y.min(b.min().y),
        },
        Coord {
            x: a.max().x.max(b.max().x),
            y: a.max().y.max(b.max().y),
        },
    )
}

/// `r` widened by `dx` on the left and right and `dy` below and above.
pub(crate) fn rect_widened(r: Rect<f64>, dx: f64, dy: f64) -> Rect<f64> {
    Rect::new(
        Coord {
            x: r.min().x - dx,
            y: r.min().y - dy,
        },
        Coord {
            x: r.max().x + dx,
            y: r.max().y + dy,
        },
    )
}

fn push_segments(
    ls: &LineString<f64>,
    reach: &Rect<f64>,
    frame: &TransverseMercator,
    out: &mut Vec<Line<[f64; 2]>>,
) {
    // ends are projected only for segments that reach the strip, each once
    let mut prev: Option<(Coord<f64>, Option<[f64; 2]>)> = None;
    for c in ls.coords() {
        let mut here = None;
        if let Some((pc, pp)) = prev {
            if Rect::new(pc, *c).intersects(reach) {
                let a = pp.unwrap_or_else(|| frame.forward(pc.x, pc.y));
                let b = frame.forward(c.x, c.y);
                out.push(Line::new(a, b));
                here = Some(b);
            }
        }
        prev = Some((*c, here));
    }
}

/// Folds repeated warnings into one line with a count, in first-seen order.
fn summarise(warnings: Vec<String>) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out: Vec<(String, usize)> = Vec::new();
    for w in warnings {
        match seen.get(&w) {
            Some(&i) => out[i].1 += 1,
            None => {
                seen.insert(w.clone(), out.len());
                out.push((w, 1));
            }
        }
    }
    out.into_iter()
        .map(|(w, n)| if n > 1 { format!("{w} ({n} times)") } else { w })
        .collect()
}

/// Per-commune result of the engine before aggregation: weights per flag.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Tally {
    /// Population weight covered per flag bit.
    pub population: [f64; FLAG_BITS],
    /// Household weight covered per flag bit.
    pub households: [f64; FLAG_BITS],
    /// Total population of the commune.
    pub population_total: f64,
    /// Total households of the commune.
    pub households_total: f64,
}

/// What the engine hands the report builder.
pub(crate) struct Evaluation {
    pub tallies: Vec<Tally>,
    pub unassigned_population: f64,
    pub unassigned_households: f64,
    pub site_commune: Vec<Option<usize>>,
    pub wifi_commune: Vec<Option<usize>>,
    pub warnings: Vec<String>,
    /// Each site's audit when the run was asked for them (else empty).
    pub site_audits: Vec<SiteAudit>,
}

/// What the spatial indexes of a scenario hold: see [`build_indexes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IndexSummary {
    /// Projection strips (1° of longitude wide) holding communes; each has
    /// its own indexes.
    pub strips: usize,
    /// Coverage shapes per technology (`Technology::ALL` order: 2G, 3G,
    /// 4G, 5G): one disc or wedge per site, sector and range, in every
    /// strip it can reach (a site near a strip edge counts once per strip).
    pub shapes: [usize; 4],
    /// Wifi discs, per strip reached.
    pub wifi_discs: usize,
    /// Fibre route segments, per strip reached.
    pub fiber_segments: usize,
}

/// Validates `scenario` and builds its spatial indexes exactly as an
/// evaluation does (strips, projection of every shape, wifi disc and fibre
/// segment that can reach them, bulk-loaded `rstar` trees), then reports
/// what they hold. For capacity studies and for benchmarks of the index
/// stage alone; [`crate::evaluate`] builds its own.
///
/// ```
/// use telecov::synth::{generate, CityConfig};
/// let scenario = generate(&CityConfig { sites: 300, ..CityConfig::can_tho() });
/// let summary = telecov::engine::build_indexes(&scenario, &telecov::Options::default())?;
/// assert!(summary.strips >= 1);
/// // every site carries 4G in the synthetic city, at least one shape each
/// assert!(summary.shapes[2] >= 300);
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn build_indexes(scenario: &Scenario, options: &Options) -> Result<IndexSummary> {
    scenario.validate()?;
    let unwrapped = antimeridian::unwrapped(scenario);
    let scenario = unwrapped.as_ref().unwrap_or(scenario);
    let prepared = Prepared::new(scenario, options)?;
    let mut summary = IndexSummary {
        strips: prepared.strip_extent.iter().flatten().count(),
        ..IndexSummary::default()
    };
    for index in &prepared.indexes {
        for (n, layer) in summary.shapes.iter_mut().zip(&index.layers) {
            *n += layer.size();
        }
        summary.wifi_discs += index.wifi.size();
        summary.fiber_segments += index.fiber.size();
    }
    Ok(summary)
}

/// A progress callback: `(done, total)` units of demand measured so far
/// (communes in uniform mode, points in points mode). Called from worker
/// threads, in no particular order, at most a few thousand times a run.
pub type Progress<'p> = &'p (dyn Fn(usize, usize) + Sync);

/// Runs the engine on a scenario: what the report is assembled from, and
/// each site's [`SiteAudit`] when `audit` (from the same resolution of
/// ranges and link budgets the coverage uses).
pub(crate) fn run(
    scenario: &Scenario,
    options: &Options,
    progress: Option<Progress<'_>>,
    audit: bool,
) -> Result<Evaluation> {
    run_keeping(scenario, options, progress, audit, false, None).map(|(evaluation, _)| evaluation)
}

/// [`run`], also handing back its prepared indexes as a [`probe::Probe`]
/// for the gap maps and plans of the same scenario and options (so that
/// they are not built twice); `None` when the scenario was unwrapped
/// around 180° (its indexes belong to the unwrapped copy). With
/// `alongside` (a scenario of the same communes, other sites), a uniform
/// evaluation measures it on the same lines too; the probe hands its
/// evaluation over ([`probe::Probe::take_alongside`]).
pub(crate) fn run_keeping<'s>(
    scenario: &'s Scenario,
    options: &Options,
    progress: Option<Progress<'_>>,
    audit: bool,
    gaps: bool,
    alongside: Option<&Scenario>,
) -> Result<(Evaluation, Option<probe::Probe<'s>>)> {
    // a scenario built in code gets the same numeric checks as a file
    scenario.validate()?;
    // around 180°, longitudes made continuous (0..360) for strips and indexes
    let unwrapped = antimeridian::unwrapped(scenario);
    let Some(unwrapped) = unwrapped else {
        let mut prepared = Prepared::for_run(scenario, options, audit, alongside)?;
        prepared.collect_gaps = gaps;
        let evaluation = evaluate_prepared(&mut prepared, options, progress)?;
        return Ok((evaluation, Some(probe::Probe::from_prepared(prepared))));
    };
    let mut prepared = Prepared::for_run(&unwrapped, options, audit, None)?;
    Ok((evaluate_prepared(&mut prepared, options, progress)?, None))
}

/// The evaluation of a prepared scenario (its audits moved out).
fn evaluate_prepared(
    prepared: &mut Prepared<'_>,
    options: &Options,
    progress: Option<Progress<'_>>,
) -> Result<Evaluation> {
    let site_audits = std::mem::take(&mut prepared.audits);
    let mut warnings = prepared.warnings.clone();
    let (tallies, unassigned_population, unassigned_households) = match &prepared
        .scenario
        .population
    {
        None => {
            let (tallies, u_pop, u_hh, gap_pieces, other) =
                uniform(prepared, options, &mut warnings, progress)?;
            prepared.gap_pieces = gap_pieces;
            if let (Some(alongside), Some((other, notes))) = (prepared.alongside.as_mut(), other) {
                alongside.tallies = other;
                alongside.warnings.extend(notes);
            }
            (tallies, u_pop, u_hh)
        }
        Some(points) => points_mode(prepared, points, &mut warnings, progress),
    };
    Ok(Evaluation {
        tallies,
        unassigned_population,
        unassigned_households,
        site_commune: prepared.site_commune.clone(),
        wifi_commune: prepared.wifi_commune.clone(),
        warnings,
        site_audits,
    })
}

/// Tallies of uniform demand, when collected their gap pieces, and the
/// tallies and notes of the scenario measured alongside (when there is
/// one).
type Uniform = (
    Vec<Tally>,
    f64,
    f64,
    Vec<Option<[gap_rows::CommuneGap; FLAG_BITS]>>,
    Option<(Vec<Tally>, Vec<String>)>,
);

fn uniform(
    prepared: &Prepared<'_>,
    options: &Options,
    warnings: &mut Vec<String>,
    progress: Option<Progress<'_>>,
) -> Result<Uniform> {
    use geo::Area;
    let scenario = prepared.scenario;
    let res = scenario.parameters.resolution_m;
    // the communes projected into their strips' frames by the preparation
    debug_assert_eq!(prepared.projected.len(), scenario.communes.len());
    let projected: Vec<Option<(&StripIndex, &MultiPolygon<f64>)>> = prepared
        .projected
        .iter()
        .zip(&prepared.commune_strip)
        .map(|(p, z)| Some((&prepared.indexes[(*z)?], p.as_ref()?)))
        .collect();
    let area_m2: f64 = projected
        .iter()
        .flatten()
        .map(|(_, p)| p.unsigned_area())
        .sum();
    crate::engine::demand::refuse_oversized_grid(
        "a demand grid",
        area_m2,
        res,
        options.max_demand_cells,
        "Options::max_demand_cells",
    )?;
    let done = std::sync::atomic::AtomicUsize::new(0);
    let total = projected.len();
    let tick = |n: usize| {
        if let Some(progress) = progress {
            let d = done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
            progress(d, total);
        }
    };
    // the gap pieces come from the row sweep (not from cell centres)
    let collect_gaps = prepared.collect_gaps && options.sampling == Sampling::Rows;
    // the scenario measured alongside, on the same lines
    let alongside = prepared.alongside.as_ref();
    let results: Vec<(Measured, Option<Noted>)> = largest_first(
        &projected,
        |p| p.as_ref().map_or(0.0, |(_, polygon)| box_area(polygon)),
        |i, proj| {
            let _tick = OnDrop(|| tick(1));
            let strip = prepared.commune_strip[i];
            let commune = &scenario.communes[i];
            let projected = *proj;
            let also = alongside.and_then(|a| a.indexes[strip?].as_ref());
            let (measured, other) = measure_commune(
                commune,
                i,
                strip.unwrap_or(0),
                projected,
                res,
                options,
                collect_gaps,
                also,
            );
            // a commune not measured (no geometry, or no index of the
            // other there): its totals only
            let other =
                alongside.map(|_| other.unwrap_or_else(|| tally_of(commune, None, None, res)));
            (measured, other)
        },
    );
    let mut tallies = Vec::with_capacity(results.len());
    let mut gap_pieces = Vec::with_capacity(if collect_gaps { results.len() } else { 0 });
    let mut other_tallies = Vec::with_capacity(if alongside.is_some() {
        results.len()
    } else {
        0
    });
    let mut other_notes = Vec::new();
    for ((t, note, gaps), other) in results {
        tallies.push(t);
        warnings.extend(note);
        if collect_gaps {
            gap_pieces.push(gaps);
        }
        if let Some((t, note)) = other {
            other_tallies.push(t);
            other_notes.extend(note);
        }
    }
    let other = alongside.map(|_| (other_tallies, other_notes));
    Ok((tallies, 0.0, 0.0, gap_pieces, other))
}

/// `f` of every item of `items` (with its index), in input order, computed
/// in parallel with the items of largest `cost` started first: a commune
/// many times larger than the others, started last, would otherwise keep
/// one core busy while the other waits. The results do not depend on the
/// order (each item is computed alone).
fn largest_first<T: Sync, R: Send>(
    items: &[T],
    cost: impl Fn(&T) -> f64,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let mut order: Vec<(f64, usize)> = items.iter().map(&cost).zip(0..).collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut done: Vec<(usize, R)> = order
        .par_iter()
        .with_max_len(1)
        .map(|&(_, i)| (i, f(i, &items[i])))
        .collect();
    done.sort_unstable_by_key(|d| d.0);
    done.into_iter().map(|d| d.1).collect()
}

/// The area of a polygon's bounding box (0 when empty): the rows times
/// the width a row sweep of it crosses.
fn box_area(polygon: &MultiPolygon<f64>) -> f64 {
    polygon
        .bounding_rect()
        .map_or(0.0, |r| r.width() * r.height())
}

/// A commune's tally and note.
type Noted = (Tally, Option<String>);

/// A commune's tally, note and gap pieces ([`measure_commune`]).
type Measured = (
    Tally,
    Option<String>,
    Option<[gap_rows::CommuneGap; FLAG_BITS]>,
);

/// One commune's tally under uniform demand: its shares measured on
/// `projected` (its index and geometry in strip `strip`'s metres; `None`
/// without geometry) by `options.sampling`, a note when it has no
/// measurable area, and its gap pieces when `collect_gaps` (row sampling).
/// With `also` (an index of the same strip: another scenario's shapes for
/// the same communes), that scenario's tally and note too when the commune
/// is measured, on the same lines: what this function gives for it alone.
#[allow(clippy::too_many_arguments)]
fn measure_commune(
    commune: &crate::model::Commune,
    i: usize,
    strip: usize,
    projected: Option<(&StripIndex, &MultiPolygon<f64>)>,
    res: f64,
    options: &Options,
    collect_gaps: bool,
    also: Option<&StripIndex>,
) -> (Measured, Option<Noted>) {
    let Some((index, polygon)) = projected else {
        let (tally, note) = tally_of(commune, None, None, res);
        return ((tally, note, None), None);
    };
    let mut gaps = None;
    let (measured, measured_also): (Option<[f64; FLAG_BITS]>, Option<[f64; FLAG_BITS]>) =
        match options.sampling {
            Sampling::Rows => {
                let mut rows = collect_gaps
                    .then(|| gap_rows::GapRows::new(strip, i, res, (1 << FLAG_BITS) - 1));
                let mut m_also = rows::Measure::default();
                let m = rows::measure_observed(
                    polygon,
                    index,
                    res,
                    rows.as_mut(),
                    also.map(|a| (a, &mut m_also)),
                );
                gaps = rows.map(|r| r.finish());
                (row_shares(&m), row_shares(&m_also))
            }
            Sampling::CellCentres => (
                cell_shares(polygon, index, res),
                also.and_then(|a| cell_shares(polygon, a, res)),
            ),
        };
    let (tally, note) = tally_of(commune, Some((index, polygon)), measured, res);
    let other = also.map(|a| tally_of(commune, Some((a, polygon)), measured_also, res));
    ((tally, note, gaps), other)
}

/// The covered share per flag bit of a row measure (`None`: no area).
fn row_shares(m: &rows::Measure) -> Option<[f64; FLAG_BITS]> {
    (m.area > 0.0).then(|| std::array::from_fn(|b| (m.covered[b] / m.area).min(1.0)))
}

/// The share per flag bit of the cell centres covered (`None`: no centre).
fn cell_shares(
    polygon: &MultiPolygon<f64>,
    index: &StripIndex,
    res: f64,
) -> Option<[f64; FLAG_BITS]> {
    let counts = count_cell_centres(polygon, index, res);
    let n = counts[FLAG_BITS];
    (n > 0).then(|| std::array::from_fn(|b| counts[b] as f64 / n as f64))
}

/// A commune's tally from its `measured` shares; a commune with geometry
/// (`projected`) but no measured area takes the flags of one
/// representative point, with a note. Without geometry, only its totals.
fn tally_of(
    commune: &crate::model::Commune,
    projected: Option<(&StripIndex, &MultiPolygon<f64>)>,
    measured: Option<[f64; FLAG_BITS]>,
    res: f64,
) -> (Tally, Option<String>) {
    let pop = commune.population.unwrap_or(0.0);
    let hh = commune.households.unwrap_or(0.0);
    let mut tally = Tally {
        population_total: pop,
        households_total: hh,
        ..Tally::default()
    };
    let Some((index, polygon)) = projected else {
        return (tally, None);
    };
    let mut note = None;
    let shares = measured.unwrap_or_else(|| {
        // no measurable area (or no cell centre): one representative point
        let f = polygon
            .interior_point()
            .map(|p| index.flags([p.x(), p.y()]))
            .unwrap_or(0);
        note = Some(format!(
            "communes.geojson: commune {:?} has no measurable area at resolution_m = {res}; its people are placed on one representative point",
            commune.id.key()
        ));
        std::array::from_fn(|b| f64::from((f >> b) & 1))
    });
    for (b, &share) in shares.iter().enumerate() {
        // a full share is the whole figure, bit for bit
        tally.population[b] = if share == 1.0 { pop } else { pop * share };
        tally.households[b] = if share == 1.0 { hh } else { hh * share };
    }
    (tally, note)
}

/// Cell-centre counts per flag bit (last slot: cells in the commune).
fn count_cell_centres(
    polygon: &MultiPolygon<f64>,
    index: &StripIndex,
    res: f64,
) -> [u64; FLAG_BITS + 1] {
    grid_rows(polygon, res)
        .par_iter()
        .with_min_len(8)
        .map(|row| {
            let mut c = [0u64; FLAG_BITS + 1];
            let y = (row.j as f64 + 0.5) * res;
            for &(i0, i1) in &row.spans {
                for i in i0..i1 {
                    let f = index.flags([(i as f64 + 0.5) * res, y]);
                    for (b, slot) in c.iter_mut().take(FLAG_BITS).enumerate() {
                        *slot += u64::from((f >> b) & 1);
                    }
                    c[FLAG_BITS] += 1;
                }
            }
            c
        })
        .reduce(
            || [0u64; FLAG_BITS + 1],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        )
}

fn points_mode(
    prepared: &Prepared<'_>,
    points: &[crate::model::PopulationPoint],
    warnings: &mut Vec<String>,
    progress: Option<Progress<'_>>,
) -> (Vec<Tally>, f64, f64) {
    let scenario = prepared.scenario;
    let done = std::sync::atomic::AtomicUsize::new(0);
    let evaluated: Vec<Option<(usize, u8)>> = points
        .par_chunks(4096)
        .flat_map_iter(|chunk| {
            let out: Vec<Option<(usize, u8)>> = chunk
                .iter()
                .map(|pt| {
                    let loc = pt.location?;
                    let c = prepared.locator.locate(loc)?;
                    let z = prepared.commune_strip[c]?;
                    let index = &prepared.indexes[z];
                    Some((c, index.flags(index.frame.forward(loc.x(), loc.y()))))
                })
                .collect();
            if let Some(progress) = progress {
                let n = chunk.len();
                let d = done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
                progress(d, points.len());
            }
            out
        })
        .collect();
    let mut tallies = vec![Tally::default(); scenario.communes.len()];
    let (mut un_pop, mut un_hh) = (0.0, 0.0);
    for (pt, e) in points.iter().zip(&evaluated) {
        match e {
            None => {
                un_pop += pt.population;
                un_hh += pt.households;
            }
            Some((c, f)) => {
                let t = &mut tallies[*c];
                t.population_total += pt.population;
                t.households_total += pt.households;
                for b in 0..FLAG_BITS {
                    if (f >> b) & 1 == 1 {
                        t.population[b] += pt.population;
                        t.households[b] += pt.households;
                    }
                }
            }
        }
    }
    for (c, t) in scenario.communes.iter().zip(&tallies) {
        for (what, given, counted) in [
            ("population", c.population, t.population_total),
            ("households", c.households, t.households_total),
        ] {
            if let Some(given) = given {
                if (given - counted).abs() > 0.01 * given.max(counted) {
                    warnings.push(format!(
                        "communes.geojson: commune {:?} gives {what} {given} but its points in population.geojson sum to {counted}; the report uses the points",
                        c.id.key()
                    ));
                }
            }
        }
    }
    (tallies, un_pop, un_hh)
}

/// Runs its closure when dropped: a progress tick however a closure
/// returns.
struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_first_returns_every_result_in_input_order() {
        // costs out of order, with ties; each result names its item
        let items: Vec<f64> = vec![3.0, 9.0, 1.0, 9.0, 0.0, 5.0, 2.0, 7.0];
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| largest_first(&items, |c| *c, |i, c| (i, *c * 10.0)))
        };
        let expected: Vec<(usize, f64)> = items
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c * 10.0))
            .collect();
        assert_eq!(run(1), expected);
        assert_eq!(run(3), expected);
        let empty: Vec<f64> = Vec::new();
        assert!(largest_first(&empty, |c| *c, |i, _| i).is_empty());
        // on one thread the items are started largest first (ties in input
        // order)
        let started = std::sync::Mutex::new(Vec::new());
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| largest_first(&items, |c| *c, |i, _| started.lock().unwrap().push(i)));
        assert_eq!(started.into_inner().unwrap(), vec![1, 3, 7, 5, 0, 6, 2, 4]);
    }
    use crate::model::{FeatureId, Parameters, RadioParams, Sector, SiteRange};

    fn site(range_m: SiteRange, sectors: Vec<Sector>, radio: RadioParams) -> Site {
        Site {
            id: FeatureId::Int(1),
            operator: None,
            technologies: [Technology::G2, Technology::G4].into_iter().collect(),
            height_m: 30.0,
            range_m,
            sectors,
            radio,
            location: Point::new(105.0, 10.0),
        }
    }

    fn range_of(shapes: &[SiteShape], tech: Technology) -> Vec<f64> {
        shapes
            .iter()
            .filter(|s| s.technologies.contains(tech))
            .map(|s| s.range_m)
            .collect()
    }

    #[test]
    fn range_rule_follows_the_contract_order() {
        let p = Parameters::default();
        let mut w = Vec::new();
        // nothing given: [ranges_m]
        let s = site(SiteRange::Unset, vec![], RadioParams::default());
        let shapes = site_shapes(&s, &p, Environment::Urban, &mut w);
        assert_eq!(range_of(&shapes, Technology::G2), vec![5000.0]);
        assert_eq!(range_of(&shapes, Technology::G4), vec![2000.0]);
        // per-technology object with a gap: the gap falls back to [ranges_m]
        let s = site(
            SiteRange::PerTechnology([Some(1200.0), None, None, None]),
            vec![],
            RadioParams::default(),
        );
        let shapes = site_shapes(&s, &p, Environment::Urban, &mut w);
        assert_eq!(range_of(&shapes, Technology::G2), vec![1200.0]);
        assert_eq!(range_of(&shapes, Technology::G4), vec![2000.0]);
        // radio parameters without range_m: the link budget
        let radio = RadioParams {
            tx_power_dbm: Some(43.0),
            antenna_gain_dbi: None,
            frequency_mhz: None,
            environment: None,
        };
        let s = site(SiteRange::Unset, vec![], radio);
        let shapes = site_shapes(&s, &p, Environment::Urban, &mut w);
        let expected = crate::propagation::link_budget_range_m(
            Technology::G4,
            &radio,
            30.0,
            Environment::Urban,
        )
        .range_m;
        assert_eq!(range_of(&shapes, Technology::G4), vec![expected]);
        // range_m beats the link budget; a sector's range beats the site's
        let sectors = vec![
            Sector {
                azimuth_deg: 0.0,
                beamwidth_deg: 120.0,
                range_m: Some(700.0),
            },
            Sector {
                azimuth_deg: 120.0,
                beamwidth_deg: 120.0,
                range_m: None,
            },
        ];
        let s = site(SiteRange::All(900.0), sectors, radio);
        let shapes = site_shapes(&s, &p, Environment::Urban, &mut w);
        assert_eq!(range_of(&shapes, Technology::G4), vec![700.0, 900.0]);
        // technologies sharing a shape share one cell
        assert_eq!(shapes.len(), 2);
    }

    #[test]
    fn repeated_warnings_are_counted_once() {
        let w = vec![
            "a".to_owned(),
            "b".to_owned(),
            "a".to_owned(),
            "a".to_owned(),
        ];
        assert_eq!(summarise(w), vec!["a (3 times)".to_owned(), "b".to_owned()]);
    }

    #[test]
    fn serves_any_is_the_flags_of_its_mask() {
        // a 10 km square commune with sectored and omni sites of each
        // technology, a fibre route and a wifi point, on a grid of points
        // over its strip (inside and outside every layer), for every mask
        // of single bits and a few sets
        use crate::model::{Commune, FiberRoute, WifiPoint};
        use geo::{polygon, LineString, MultiPolygon};
        let square = polygon![
            (x: 105.70, y: 10.00), (x: 105.79, y: 10.00), (x: 105.79, y: 10.09),
            (x: 105.70, y: 10.09), (x: 105.70, y: 10.00),
        ];
        let commune = Commune::new(1, MultiPolygon(vec![square]), 1000.0, 250.0);
        let techs = [
            Technology::G2,
            Technology::G3,
            Technology::G4,
            Technology::G5,
        ];
        let sites: Vec<Site> = (0..12usize)
            .map(|k| {
                let (x, y) = (105.71 + 0.007 * k as f64, 10.01 + 0.006 * (k % 5) as f64);
                let site = Site::new(k as i64, (x, y), [techs[k % 4]])
                    .with_range_m(800.0 + 150.0 * k as f64);
                if k % 3 == 0 {
                    site.with_sectors(vec![Sector::new(30.0, 65.0), Sector::new(200.0, 90.0)])
                } else {
                    site
                }
            })
            .collect();
        let route = LineString::from(vec![(105.70, 10.05), (105.75, 10.06), (105.79, 10.02)]);
        let scenario = Scenario {
            communes: vec![commune],
            sites,
            fiber: vec![FiberRoute::new(1, route)],
            wifi: vec![WifiPoint::new(1, (105.74, 10.04))],
            parameters: Parameters::default(),
            ..Scenario::default()
        };
        let prepared = Prepared::new(&scenario, &Options::default()).unwrap();
        let index = &prepared.indexes[0];
        let extent = prepared.strip_extent[0].unwrap();
        let (min, max) = (extent.min(), extent.max());
        let bits = [
            0u8,
            1,
            2,
            4,
            8,
            FLAG_FIBER,
            FLAG_WIFI,
            (1 << 2) | (1 << 3) | FLAG_FIBER,
            (1 << 3) | FLAG_WIFI,
        ];
        let mut seen = [0usize; 2];
        for i in 0..60 {
            for j in 0..60 {
                let lon = min.x + (max.x - min.x) * (i as f64 + 0.5) / 60.0;
                let lat = min.y + (max.y - min.y) * (j as f64 + 0.5) / 60.0;
                let p = index.frame.forward(lon, lat);
                let flags = index.flags(p);
                for mask in bits {
                    let any = index.serves_any(p, mask);
                    assert_eq!(any, flags & mask != 0, "mask {mask:#b} at {p:?}");
                    seen[usize::from(any)] += 1;
                }
            }
        }
        // both answers met
        assert!(seen[0] > 100 && seen[1] > 100, "{seen:?}");
    }
}
