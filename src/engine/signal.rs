//! Signal-level mode: the received level from every site in reach at each
//! demand point, the best server, and SINR for one technology layer.
//!
//! The range mode of [`crate::evaluate`] asks "is this point inside a
//! site's coverage shape?". This mode asks "what level does the handset
//! receive, and from whom?", the way radio planning tools draw best-server
//! maps.
//!
//! # What is computed
//!
//! For each demand point — the centre of every `resolution_m` grid cell of
//! a commune when population is spread uniformly, each population point in
//! points mode — and each technology layer:
//!
//! * the **level** from every site layer (a sector, or the whole site when
//!   it has no sectors) in reach: EIRP − path loss − antenna pattern
//!   attenuation − indoor penetration loss − body loss + handset gain, dBm,
//!   over the whole carrier. The path loss, indoor loss and defaults are
//!   those of the link budget ([`crate::propagation::SiteLink`]): the model
//!   of the site's environment, never below free space, nothing beyond the
//!   radio horizon;
//! * the **best server**: the site layer with the highest level (ties: the
//!   first in input order);
//! * **covered** when the best-server level reaches the technology's
//!   *design level* ([`crate::propagation::SiteLink::design_level_dbm`]:
//!   sensitivity + interference margin + shadow-fading margin). With the
//!   [`AntennaPattern::HardWedge`] pattern this is exactly the range mode's
//!   rule, point by point (tested);
//! * for the one layer named by [`SignalOptions::sinr_technology`], the
//!   **SINR** of the best server against every other site layer of that
//!   technology (all assumed co-channel, frequency reuse 1, each transmitting
//!   [`SignalOptions::interferer_load`] of the time) plus thermal noise over
//!   the carrier and the handset noise figure.
//!
//! # Sites without radio parameters
//!
//! A site layer whose range comes from `range_m` (the site's, a sector's) or
//! from `[ranges_m]` has no transmit power to start from. Its EIRP is
//! *calibrated* so that its level falls to the design level exactly at that
//! range on boresight, with the path-loss model of its environment and
//! band: inside the range it is heard as strongly as the model says, and
//! the two modes agree on its footprint. Its radio horizon is extended to
//! the range if shorter (the planner's range wins).
//!
//! # Antenna pattern
//!
//! [`AntennaPattern::ThreeGpp`] (the default) is the horizontal pattern of
//! 3GPP TR 36.814 Table A.2.1.1-2 / TR 38.901 Table 7.3-1:
//! A(φ) = min(12·(φ/φ3dB)², Am) dB, with φ the angle off boresight, φ3dB a
//! sector's `beamwidth_deg` (read as its 3 dB beamwidth) and Am the
//! front-to-back ratio `[radio] front_to_back_db` (25 dB). A sector of 360°
//! is omnidirectional (no attenuation). The boresight gain is the site's
//! `antenna_gain_dbi`. [`AntennaPattern::HardWedge`] is 0 dB inside the
//! wedge (edges included) and no signal outside, as in the range mode.
//!
//! # Outputs
//!
//! Per commune and per technology ([`SignalReport`]): people covered
//! (design level), people served by any site in reach, the mean best-server
//! level over the people served (population-weighted, in dBm), and the
//! people whose best-server level reaches each of
//! [`SignalOptions::thresholds_dbm`]; for the SINR layer, the mean SINR and
//! the people at or above the technology's required SINR. A commune smaller
//! than one grid cell keeps its people on a representative point, as in the
//! range mode. [`best_server_map`] gives the best server of one layer at
//! the centres of a grid of any resolution in each commune's strip frame,
//! for a GeoJSON map of points (`io::write::write_best_server_map`);
//! [`super::raster::signal_raster`] gives level, SINR and serving site on a
//! regular WGS 84 grid, for GeoTIFF rasters
//! (`io::write::write_signal_rasters`).
//!
//! "In reach" means a level of at least the lowest of the design level and
//! the thresholds (and, for the SINR layer, 10 dB below the noise floor):
//! weaker signals are neither best servers nor interferers.
//!
//! # Terrain
//!
//! When the scenario has an elevation model and `[terrain] model` is not
//! `"none"`, every path loss above gains the terrain's diffraction in
//! excess of the smooth Earth, the quantity `excess(d)` the range mode's
//! footprints are cut with ([`super::footprint`]: same k-factor, same
//! clutter rule, same heights, sea level outside the DEM with the same
//! warning). Each site layer in reach of some commune has its
//! [`super::footprint::ExcessRays`], swept once before the point loop (in
//! parallel over site layers, each ray in one incremental pass) and then
//! only read: rays over the full circle, one DEM cell apart at the layer's
//! range, sampled one cell apart out to the layer's reach. A point takes
//! the value of the ray whose sub-sector holds its azimuth, linear in
//! distance between that ray's samples; a point farther than the last
//! sample (beyond the reach, so never heard) takes the last sample. A
//! layer's sectors share its rays, back lobes included, and an interferer's
//! level is terrain-adjusted like a server's: a hill shadows both.
//! Memory: about `4π·R·reach / cell²` bytes per site layer at most
//! (samples kept in `u16` steps of 1/256 dB, only from a ray's first to its
//! last obstruction), the reach never beyond the larger of the range and
//! the radio horizon (a 3 km layer on a 30 m mast over 30 m cells: at
//! most about 1.2 MB); computed rays are dropped with the evaluation.
//!
//! The excess is never negative, so terrain only lowers levels: the reach
//! found without it still bounds who can be heard, and a flat DEM gives
//! the terrain-free figures exactly. With [`AntennaPattern::HardWedge`]
//! and no interference the coverage follows the range mode's footprints up
//! to their sampling (the footprint interpolates the margin, this mode the
//! excess, between samples). Without terrain nothing of this runs.
//!
//! ```
//! use telecov::engine::signal::{evaluate_signal, SignalOptions};
//! use telecov::model::Technology;
//! use telecov::synth::{generate, CityConfig};
//!
//! // a small synthetic city: 60 km², 40 sites, 200 m demand grid
//! let mut scenario = generate(&CityConfig {
//!     area_km2: 60.0,
//!     sites: 40,
//!     five_g_sites: 4,
//!     ..CityConfig::can_tho()
//! });
//! scenario.parameters.resolution_m = 200.0;
//! let options = SignalOptions {
//!     sinr_technology: Some(Technology::G4),
//!     ..SignalOptions::default()
//! };
//! let report = evaluate_signal(&scenario, &options).unwrap();
//! let lte = &report.totals.layers.g4;
//! assert!(lte.population_covered <= lte.population_served + 1e-6);
//! assert!(lte.population_served <= report.totals.population + 1e-6);
//! assert!(report.totals.sinr.is_some());
//! ```

use std::sync::Arc;

use geo::{InteriorPoint, Intersects, MultiPolygon};
use rayon::prelude::*;
use rstar::{RTree, RTreeObject, AABB};
use serde::Serialize;

use super::footprint::{excess_rays, ExcessRays};
use super::shapes::Wedge;
use super::{site_environment, site_ranges, Options, Prepared, RangeSource};
use crate::engine::demand::grid_rows;
use crate::model::{FeatureId, Scenario, Technology, TerrainModel};
use crate::propagation::{Environment, LinkBudget, SiteLink, MIN_SEARCH_DISTANCE_M};
use crate::{Error, Result};

/// A sector's (azimuth, beamwidth) in degrees, `None` for an omni layer.
type SectorSpec = Option<(f64, f64)>;

/// Grid points of a row that share one R-tree query.
pub(super) const POINTS_PER_QUERY: usize = 16;

/// Schema name of [`SignalReport`].
pub const SIGNAL_SCHEMA: &str = "telecov.signal/1";

/// Horizontal antenna pattern of sectors in signal-level mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AntennaPattern {
    /// 3GPP: min(12·(φ/φ3dB)², front-to-back) dB off boresight.
    #[default]
    ThreeGpp,
    /// 0 dB inside the sector's wedge, nothing outside (the range mode's
    /// shape).
    HardWedge,
}

/// Settings of [`evaluate_signal`].
#[derive(Debug, Clone, PartialEq)]
pub struct SignalOptions {
    /// Sector antenna pattern.
    pub pattern: AntennaPattern,
    /// Levels, dBm over the carrier, for which the report gives the people
    /// at or above (default −90, −80, −70).
    pub thresholds_dbm: Vec<f64>,
    /// The technology layer whose SINR is computed (`None`: no SINR).
    pub sinr_technology: Option<Technology>,
    /// Share of time, in (0, 1], that interfering cells transmit (1: full
    /// load, the worst case).
    pub interferer_load: f64,
    /// Largest number of demand points accepted (as
    /// [`Options::max_demand_cells`]).
    pub max_demand_points: u64,
}

impl Default for SignalOptions {
    fn default() -> Self {
        SignalOptions {
            pattern: AntennaPattern::default(),
            thresholds_dbm: vec![-90.0, -80.0, -70.0],
            sinr_technology: None,
            interferer_load: 1.0,
            max_demand_points: Options::default().max_demand_cells,
        }
    }
}

impl SignalOptions {
    fn check(&self) -> Result<()> {
        let bad = |name: &'static str, reason: String| Err(Error::Parameter { name, reason });
        if let Some(t) = self.thresholds_dbm.iter().find(|t| !t.is_finite()) {
            return bad("thresholds_dbm", format!("must be finite numbers, got {t}"));
        }
        let l = self.interferer_load;
        if !(l > 0.0 && l <= 1.0) {
            return bad("interferer_load", format!("must lie in (0, 1], got {l}"));
        }
        Ok(())
    }
}

/// Figures of one technology layer over some people.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LayerSignal {
    /// The level a point needs to count as covered, dBm.
    pub design_level_dbm: f64,
    /// People whose best-server level reaches the design level.
    pub population_covered: f64,
    /// People with at least one site layer in reach.
    pub population_served: f64,
    /// Mean best-server level over the people served, dBm (`None` when
    /// nobody is served).
    pub mean_level_dbm: Option<f64>,
    /// People whose best-server level reaches each threshold, in
    /// [`SignalOptions::thresholds_dbm`] order.
    pub population_above: Vec<f64>,
    #[serde(skip)]
    level_sum: f64,
}

/// The four technology layers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Layers {
    /// 2G.
    #[serde(rename = "2G")]
    pub g2: LayerSignal,
    /// 3G.
    #[serde(rename = "3G")]
    pub g3: LayerSignal,
    /// 4G.
    #[serde(rename = "4G")]
    pub g4: LayerSignal,
    /// 5G.
    #[serde(rename = "5G")]
    pub g5: LayerSignal,
}

impl Layers {
    /// The figures of `tech`.
    pub fn get(&self, tech: Technology) -> &LayerSignal {
        match tech {
            Technology::G2 => &self.g2,
            Technology::G3 => &self.g3,
            Technology::G4 => &self.g4,
            Technology::G5 => &self.g5,
        }
    }

    fn get_mut(&mut self, tech: Technology) -> &mut LayerSignal {
        match tech {
            Technology::G2 => &mut self.g2,
            Technology::G3 => &mut self.g3,
            Technology::G4 => &mut self.g4,
            Technology::G5 => &mut self.g5,
        }
    }
}

/// SINR figures of the SINR layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SinrSignal {
    /// The technology.
    pub technology: Technology,
    /// Required SINR of the technology (`[radio.<tech>] required_sinr_db`).
    pub required_sinr_db: f64,
    /// Mean best-server SINR over the people served, dB.
    pub mean_sinr_db: Option<f64>,
    /// People served whose SINR reaches the required SINR.
    pub population_at_required_sinr: f64,
    #[serde(skip)]
    sinr_sum: f64,
    #[serde(skip)]
    served: f64,
}

/// Signal figures of one commune (or of the whole scenario).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AreaSignal {
    /// People counted.
    pub population: f64,
    /// Per technology.
    pub layers: Layers,
    /// For [`SignalOptions::sinr_technology`].
    pub sinr: Option<SinrSignal>,
}

/// One commune's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommuneSignal {
    /// Commune id.
    pub id: FeatureId,
    /// Commune name.
    pub name: Option<String>,
    /// The figures.
    #[serde(flatten)]
    pub figures: AreaSignal,
}

/// Result of [`evaluate_signal`] (written as `signal.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalReport {
    /// [`SIGNAL_SCHEMA`].
    pub schema: &'static str,
    /// The antenna pattern used.
    pub pattern: AntennaPattern,
    /// The thresholds of [`LayerSignal::population_above`], dBm.
    pub thresholds_dbm: Vec<f64>,
    /// Sums over the communes.
    pub totals: AreaSignal,
    /// People in no commune (points mode).
    pub unassigned_population: f64,
    /// One entry per commune, in input order.
    pub communes: Vec<CommuneSignal>,
    /// Notes, as in `report.json`.
    pub warnings: Vec<String>,
}

/// The best server of one technology layer at one grid point.
#[derive(Debug, Clone, PartialEq)]
pub struct BestServerPoint {
    /// Longitude, WGS 84 degrees.
    pub lon: f64,
    /// Latitude, WGS 84 degrees.
    pub lat: f64,
    /// Index of the commune holding the point.
    pub commune: usize,
    /// Index of the serving site in the scenario (`None`: no site in reach).
    pub site: Option<usize>,
    /// Best-server level, dBm.
    pub level_dbm: Option<f64>,
    /// SINR, dB (when the layer is the SINR layer).
    pub sinr_db: Option<f64>,
    /// Whether the level reaches the design level.
    pub covered: bool,
}

/// One sector (or the whole omni site layer) of an [`Emitter`].
#[derive(Debug, Clone, Copy)]
struct Beam {
    wedge: Option<Wedge>,
    /// Grid azimuth of the boresight, degrees.
    azimuth_deg: f64,
    beamwidth_deg: f64,
    /// EIRP (calibrated when the range was given), dBm.
    eirp_dbm: f64,
    /// No signal beyond, true metres.
    horizon_m: f64,
}

/// A transmitting site layer in a strip's frame: one position, one link,
/// its beams.
#[derive(Debug, Clone)]
pub(super) struct Emitter {
    xy: [f64; 2],
    /// Grid metres per true metre at the site.
    scale: f64,
    site: usize,
    link: usize,
    /// The link's local losses, dB.
    local_db: f64,
    beams: Vec<Beam>,
    /// Highest EIRP of the beams, dBm.
    max_eirp_dbm: f64,
    /// Reach in grid metres.
    reach: f64,
    /// Grid convergence at the site, degrees (grid azimuth = true azimuth
    /// + convergence).
    convergence_deg: f64,
    /// The terrain's excess loss around the site layer, when the scenario
    /// has terrain.
    terrain: Option<Arc<ExcessRays>>,
}

impl RTreeObject for Emitter {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(
            [self.xy[0] - self.reach, self.xy[1] - self.reach],
            [self.xy[0] + self.reach, self.xy[1] + self.reach],
        )
    }
}

impl Emitter {
    /// The terrain's excess loss towards a point at grid offset (dx, dy),
    /// `d_m` true metres away, dB; the grid bearing is computed on demand
    /// (and kept for the antenna pattern).
    #[inline]
    fn terrain_db(
        &self,
        rays: &ExcessRays,
        dx: f64,
        dy: f64,
        d_m: f64,
        bearing_deg: &mut Option<f64>,
    ) -> f64 {
        let grid_deg = *bearing_deg.get_or_insert_with(|| dx.atan2(dy).to_degrees());
        rays.excess_db(grid_deg - self.convergence_deg, d_m)
    }
}

/// Per technology: design level, noise floor (dBm) and required SINR.
#[derive(Debug, Clone, Copy)]
pub(super) struct TechLevels {
    pub(super) design_dbm: f64,
    noise_dbm: f64,
    required_sinr_db: f64,
}

/// Every site layer's emitters per strip and technology, ready to be
/// asked what a point receives.
pub(super) struct SignalIndex<'a> {
    pub(super) prepared: Prepared<'a>,
    links: Vec<SiteLink>,
    /// Per strip, per technology.
    trees: Vec<[RTree<Emitter>; 4]>,
    pub(super) levels: [TechLevels; 4],
    pattern: AntennaPattern,
    front_to_back_db: f64,
    sinr_tech: Option<usize>,
    load: f64,
}

/// What one demand point receives on one layer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reception {
    /// Best-server level (dBm) and site index.
    pub(super) best: Option<(f64, usize)>,
    /// SINR of the best server, dB (SINR layer only).
    pub(super) sinr_db: Option<f64>,
}

impl<'a> SignalIndex<'a> {
    /// Builds the index of a scenario already validated (and, around the
    /// antimeridian, unwrapped as the range mode does).
    pub(super) fn new(scenario: &'a Scenario, options: &SignalOptions) -> Result<Self> {
        let mut interference = [false; 4];
        if let Some(t) = options.sinr_technology {
            interference[t.index()] = true;
        }
        Self::with_interference(scenario, options, interference)
    }

    /// As [`SignalIndex::new`], with interferers heard down to 10 dB below
    /// the noise floor on every layer flagged in `interference` (the SINR
    /// layer alone for `new`).
    pub(super) fn with_interference(
        scenario: &'a Scenario,
        options: &SignalOptions,
        interference: [bool; 4],
    ) -> Result<Self> {
        options.check()?;
        let prepared = Prepared::without_footprints(scenario, &Options::default())?;
        let params = &scenario.parameters;
        let config = &params.radio;
        let levels: [TechLevels; 4] = Technology::ALL.map(|t| {
            let tech = config.technology(t);
            let b = LinkBudget::with_config(
                t,
                crate::propagation::Environment::Open,
                tech.frequency_mhz,
                config,
            );
            TechLevels {
                design_dbm: b.sensitivity_dbm() + b.interference_margin_db + b.shadow_margin_db(),
                noise_dbm: b.noise_floor_dbm(),
                required_sinr_db: b.required_sinr_db,
            }
        });
        let sinr_tech = options.sinr_technology.map(Technology::index);
        let lowest_threshold = options
            .thresholds_dbm
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);

        // one link per site and technology
        let mut links: Vec<SiteLink> = Vec::new();
        // (site, tech, link index, [range, natural range flag], environment)
        let mut layers: Vec<(usize, usize, usize, [f64; 2], Environment)> = Vec::new();
        let mut warnings = Vec::new();
        for (s, site) in scenario.sites.iter().enumerate() {
            let env = site_environment(scenario, site, prepared.site_commune[s]);
            let ranges = site_ranges(site, params, env, &mut warnings);
            for tech in site.technologies.iter() {
                let t = tech.index();
                let (link, _) = SiteLink::resolve(tech, &site.radio, site.height_m, env, config);
                let Ok(link) = link else {
                    continue;
                };
                let Some((range_m, source)) = ranges[t] else {
                    continue;
                };
                let natural = matches!(source, RangeSource::LinkBudget { .. });
                layers.push((
                    s,
                    t,
                    links.len(),
                    [range_m, if natural { 1.0 } else { 0.0 }],
                    env,
                ));
                links.push(link);
            }
        }

        // emitters in true metres, one per (site layer, sector)
        struct Proto {
            site: usize,
            tech: usize,
            link: usize,
            local_db: f64,
            /// (azimuth, beamwidth) or omni, EIRP, horizon
            beams: Vec<(SectorSpec, f64, f64)>,
            reach_m: f64,
            /// The largest range of the beams, metres (the terrain rays').
            range_m: f64,
            environment: Environment,
        }
        let mut protos = Vec::new();
        for &(s, t, l, [range_m, natural], environment) in &layers {
            let site = &scenario.sites[s];
            let floor = {
                let mut f = levels[t].design_dbm.min(lowest_threshold);
                if interference[t] {
                    f = f.min(levels[t].noise_dbm - 10.0);
                }
                f
            };
            let sectors: Vec<(SectorSpec, Option<f64>)> = if site.sectors.is_empty() {
                vec![(None, None)]
            } else {
                site.sectors
                    .iter()
                    .map(|sec| (Some((sec.azimuth_deg, sec.beamwidth_deg)), sec.range_m))
                    .collect()
            };
            let link = &links[l];
            let local = link.local_losses_db();
            let mut beams = Vec::with_capacity(sectors.len());
            let mut reach_m: f64 = 0.0;
            let mut rays_range_m: f64 = 0.0;
            for (sector, sector_range) in sectors {
                let (eirp_dbm, range_m, horizon_m) = match sector_range {
                    None if natural == 1.0 => (link.budget.eirp_dbm(), range_m, link.horizon_m),
                    given => {
                        // calibrated: the design level exactly at the range,
                        // heard out to it even beyond the radio horizon
                        let r = given.unwrap_or(range_m);
                        let pl = link.path_loss_unbounded_db(r);
                        (levels[t].design_dbm + pl + local, r, link.horizon_m.max(r))
                    }
                };
                if range_m > 0.0 {
                    let heard_m = link
                        .range_for_loss_unbounded_m(eirp_dbm - local - floor)
                        .min(horizon_m);
                    reach_m = reach_m.max(heard_m.max(range_m));
                    rays_range_m = rays_range_m.max(range_m);
                }
                beams.push((sector, eirp_dbm, horizon_m));
            }
            protos.push(Proto {
                site: s,
                tech: t,
                link: l,
                local_db: local,
                beams,
                reach_m,
                range_m: rays_range_m,
                environment,
            });
        }

        // per strip: the site layers that can reach a commune of the strip
        let members: Vec<Vec<usize>> = (0..prepared.indexes.len())
            .map(|z| {
                let Some(extent) = prepared.strip_extent[z] else {
                    return Vec::new();
                };
                (0..protos.len())
                    .filter(|&i| {
                        let p = &protos[i];
                        p.reach_m > 0.0
                            && super::lonlat_rect_expand(extent, p.reach_m * 1.01 + 1.0)
                                .intersects(&scenario.sites[p.site].location)
                    })
                    .collect()
            })
            .collect();

        // terrain: the excess-loss rays of every site layer some strip needs
        let mut needed = vec![false; protos.len()];
        for &i in members.iter().flatten() {
            needed[i] = true;
        }
        let rays: Vec<Option<Arc<ExcessRays>>> = match &scenario.terrain {
            Some(terrain) if params.terrain.model == TerrainModel::DeltaBullington => {
                let needs: Vec<(usize, bool)> = needed.iter().copied().enumerate().collect();
                let dem = if needed.iter().any(|&n| n) {
                    Some(terrain.dem()?)
                } else {
                    None
                };
                let computed: Vec<(Option<Arc<ExcessRays>>, bool, Option<String>)> = needs
                    .par_iter()
                    .with_min_len(1)
                    .map(|&(i, need)| {
                        let (Some(dem), true) = (dem, need) else {
                            return (None, false, None);
                        };
                        let p = &protos[i];
                        let site = &scenario.sites[p.site];
                        match excess_rays(
                            dem,
                            params.terrain.k_factor,
                            params.terrain.clutter_height_m(p.environment),
                            (site.location.x(), site.location.y()),
                            &links[p.link],
                            p.range_m,
                            p.reach_m,
                        ) {
                            Ok((r, outside)) => (Some(Arc::new(r)), outside, None),
                            Err(e) => (
                                None,
                                false,
                                Some(format!(
                                    "site {:?} {}: terrain diffraction not applicable ({e}); its signal ignores the terrain",
                                    site.id.to_string(),
                                    Technology::ALL[p.tech]
                                )),
                            ),
                        }
                    })
                    .collect();
                super::footprint::gather_layers(computed, &mut warnings)
            }
            _ => vec![None; protos.len()],
        };

        let mut trees = Vec::with_capacity(prepared.indexes.len());
        for (z, member) in members.iter().enumerate() {
            let frame = prepared.indexes[z].frame;
            let mut per_tech: [Vec<Emitter>; 4] = Default::default();
            for &i in member {
                let p = &protos[i];
                let site = &scenario.sites[p.site];
                let pr = frame.forward_with_distortion(site.location.x(), site.location.y());
                let beams = p
                    .beams
                    .iter()
                    .map(|&(sector, eirp_dbm, horizon_m)| Beam {
                        wedge: sector.map(|(az, bw)| Wedge::new(az + pr.convergence_deg, bw)),
                        azimuth_deg: sector.map_or(0.0, |(az, _)| az + pr.convergence_deg),
                        beamwidth_deg: sector.map_or(360.0, |(_, bw)| bw),
                        eirp_dbm,
                        horizon_m,
                    })
                    .collect();
                let max_eirp_dbm = p
                    .beams
                    .iter()
                    .map(|b| b.1)
                    .fold(f64::NEG_INFINITY, f64::max);
                per_tech[p.tech].push(Emitter {
                    max_eirp_dbm,
                    xy: pr.xy,
                    scale: pr.scale,
                    site: p.site,
                    link: p.link,
                    local_db: p.local_db,
                    beams,
                    reach: p.reach_m * pr.scale * (1.0 + 1e-9),
                    convergence_deg: pr.convergence_deg,
                    terrain: rays[i].clone(),
                });
            }
            trees.push(per_tech.map(RTree::bulk_load));
        }
        let mut prepared = prepared;
        prepared.warnings.extend(super::summarise(warnings));
        Ok(SignalIndex {
            prepared,
            links,
            trees,
            levels,
            pattern: options.pattern,
            front_to_back_db: config.front_to_back_db,
            sinr_tech,
            load: options.interferer_load,
        })
    }

    /// Attenuation of `beam` towards a point at grid offset (dx, dy),
    /// distance `d`, whose grid bearing is computed on demand; `None`
    /// outside a hard wedge.
    #[inline]
    fn attenuation_db(
        &self,
        beam: &Beam,
        dx: f64,
        dy: f64,
        d: f64,
        bearing_deg: &mut Option<f64>,
    ) -> Option<f64> {
        let Some(w) = beam.wedge else {
            return Some(0.0);
        };
        if d == 0.0 {
            return Some(0.0);
        }
        match self.pattern {
            AntennaPattern::HardWedge => {
                (dx * w.ux + dy * w.uy >= d * w.cos_half - 1e-9 * d).then_some(0.0)
            }
            AntennaPattern::ThreeGpp => {
                if beam.beamwidth_deg >= 360.0 {
                    return Some(0.0);
                }
                let bearing = *bearing_deg.get_or_insert_with(|| dx.atan2(dy).to_degrees());
                let off = (bearing - beam.azimuth_deg).rem_euclid(360.0);
                let off = off.min(360.0 - off);
                Some((12.0 * (off / beam.beamwidth_deg).powi(2)).min(self.front_to_back_db))
            }
        }
    }

    /// The emitters of layer `t` in strip `strip` whose reach box meets the
    /// box of `points`, into `out`.
    pub(super) fn candidates<'s>(
        &'s self,
        strip: usize,
        t: usize,
        points: &[[f64; 2]],
        out: &mut Vec<&'s Emitter>,
    ) {
        out.clear();
        let Some(first) = points.first() else {
            return;
        };
        let (mut lo, mut hi) = (*first, *first);
        for p in points {
            lo = [lo[0].min(p[0]), lo[1].min(p[1])];
            hi = [hi[0].max(p[0]), hi[1].max(p[1])];
        }
        out.extend(
            self.trees[strip][t].locate_in_envelope_intersecting(&AABB::from_corners(lo, hi)),
        );
    }

    /// What grid point `p` of strip `strip` receives on layer `t`.
    fn receive(&self, strip: usize, t: usize, p: [f64; 2]) -> Reception {
        let mut near = Vec::new();
        self.candidates(strip, t, &[p], &mut near);
        self.receive_from(&near, t, p)
    }

    /// What `p` receives on layer `t` from the emitters `near` (which hold
    /// every emitter that reaches it).
    pub(super) fn receive_from(&self, near: &[&Emitter], t: usize, p: [f64; 2]) -> Reception {
        let mut best: Option<(f64, usize)> = None;
        let mut total_mw = 0.0;
        let with_sinr = self.sinr_tech == Some(t);
        for e in near {
            let dx = p[0] - e.xy[0];
            let dy = p[1] - e.xy[1];
            let d2 = dx * dx + dy * dy;
            if d2 > e.reach * e.reach {
                continue;
            }
            let d = d2.sqrt();
            let d_m = (d / e.scale).max(MIN_SEARCH_DISTANCE_M);
            let log_d = d_m.log10();
            let link = &self.links[e.link];
            // free space bounds the loss from below: skip a site layer that
            // cannot beat the best server even so
            if !with_sinr {
                if let Some((b, _)) = best {
                    let ceiling =
                        e.max_eirp_dbm - link.free_space_with_log_db(d_m, log_d) - e.local_db;
                    if ceiling < b {
                        continue;
                    }
                }
            }
            let mut path_db = link.path_loss_with_log_db(d_m, log_d) + e.local_db;
            let mut bearing = None;
            if let Some(rays) = &e.terrain {
                path_db += e.terrain_db(rays, dx, dy, d_m, &mut bearing);
            }
            for beam in &e.beams {
                if d_m > beam.horizon_m {
                    continue;
                }
                let unattenuated = beam.eirp_dbm - path_db;
                // a beam that cannot beat the best server needs no pattern
                if !with_sinr && best.is_some_and(|(b, _)| unattenuated < b) {
                    continue;
                }
                let Some(a) = self.attenuation_db(beam, dx, dy, d, &mut bearing) else {
                    continue;
                };
                let level = unattenuated - a;
                if !level.is_finite() {
                    continue;
                }
                if with_sinr {
                    total_mw += dbm_to_mw(level);
                }
                let better = match best {
                    None => true,
                    Some((b, s)) => level > b || (level == b && e.site < s),
                };
                if better {
                    best = Some((level, e.site));
                }
            }
        }
        let sinr_db = match (with_sinr, best) {
            (true, Some((level, _))) => {
                let signal_mw = dbm_to_mw(level);
                let interference_mw = (total_mw - signal_mw).max(0.0) * self.load;
                let noise_mw = dbm_to_mw(self.levels[t].noise_dbm);
                Some(level - 10.0 * (interference_mw + noise_mw).log10())
            }
            _ => None,
        };
        Reception { best, sinr_db }
    }

    /// What `p` receives from the emitters `near` (of one layer), per group
    /// of sites (`group_of_site[site]`, groups `0..out.len()`): each
    /// group's best server (level, site, sector index or 0 for an omni
    /// layer; ties to the first site in input order, then the first
    /// sector) and the total power of its site layers in reach, mW.
    pub(super) fn receive_groups(
        &self,
        near: &[&Emitter],
        p: [f64; 2],
        group_of_site: &[usize],
        out: &mut [GroupReception],
    ) {
        for g in out.iter_mut() {
            *g = GroupReception::default();
        }
        for e in near {
            let dx = p[0] - e.xy[0];
            let dy = p[1] - e.xy[1];
            let d2 = dx * dx + dy * dy;
            if d2 > e.reach * e.reach {
                continue;
            }
            let d = d2.sqrt();
            let d_m = (d / e.scale).max(MIN_SEARCH_DISTANCE_M);
            let link = &self.links[e.link];
            let mut path_db = link.path_loss_with_log_db(d_m, d_m.log10()) + e.local_db;
            let g = &mut out[group_of_site[e.site]];
            let mut bearing = None;
            if let Some(rays) = &e.terrain {
                path_db += e.terrain_db(rays, dx, dy, d_m, &mut bearing);
            }
            for (k, beam) in e.beams.iter().enumerate() {
                if d_m > beam.horizon_m {
                    continue;
                }
                let Some(a) = self.attenuation_db(beam, dx, dy, d, &mut bearing) else {
                    continue;
                };
                let level = beam.eirp_dbm - path_db - a;
                if !level.is_finite() {
                    continue;
                }
                g.total_mw += dbm_to_mw(level);
                let better = match g.best {
                    None => true,
                    Some((b, s, _)) => level > b || (level == b && e.site < s),
                };
                if better {
                    g.best = Some((level, e.site, k));
                }
            }
        }
    }

    /// SINR on layer `t` of a server heard at `signal_dbm` among a total
    /// power `total_mw` (the server included), with interferers loaded as
    /// [`SignalOptions::interferer_load`], dB.
    pub(super) fn sinr_db(&self, t: usize, signal_dbm: f64, total_mw: f64) -> f64 {
        let interference_mw = (total_mw - dbm_to_mw(signal_dbm)).max(0.0) * self.load;
        let noise_mw = dbm_to_mw(self.levels[t].noise_dbm);
        signal_dbm - 10.0 * (interference_mw + noise_mw).log10()
    }

    fn covered(&self, t: usize, r: &Reception) -> bool {
        r.best
            .is_some_and(|(l, _)| l >= self.levels[t].design_dbm - 1e-9)
    }

    /// Adds the reception of every layer at `p` with weight `w`.
    /// Adds the reception of every layer at each of `points` (grid points
    /// of strip `strip`, close together: a piece of a row) with weight `w`.
    fn tally(
        &self,
        strip: usize,
        points: &[[f64; 2]],
        w: f64,
        thresholds: &[f64],
        acc: &mut AreaSignal,
    ) {
        acc.population += w * points.len() as f64;
        let mut near = Vec::new();
        for tech in Technology::ALL {
            let t = tech.index();
            if self.trees[strip][t].size() == 0 {
                continue;
            }
            self.candidates(strip, t, points, &mut near);
            if near.is_empty() {
                continue;
            }
            for &p in points {
                let r = self.receive_from(&near, t, p);
                let covered = self.covered(t, &r);
                let layer = acc.layers.get_mut(tech);
                let Some((level, _)) = r.best else {
                    continue;
                };
                layer.population_served += w;
                layer.level_sum += w * level;
                if covered {
                    layer.population_covered += w;
                }
                for (k, th) in thresholds.iter().enumerate() {
                    if level >= *th {
                        layer.population_above[k] += w;
                    }
                }
                if let (Some(sinr), Some(s)) = (r.sinr_db, acc.sinr.as_mut()) {
                    s.served += w;
                    s.sinr_sum += w * sinr;
                    if sinr >= self.levels[t].required_sinr_db {
                        s.population_at_required_sinr += w;
                    }
                }
            }
        }
    }

    fn empty_area(&self, thresholds: &[f64]) -> AreaSignal {
        let mut a = AreaSignal::default();
        for tech in Technology::ALL {
            let l = a.layers.get_mut(tech);
            l.design_level_dbm = self.levels[tech.index()].design_dbm;
            l.population_above = vec![0.0; thresholds.len()];
        }
        a.sinr = self.sinr_tech.map(|t| SinrSignal {
            technology: Technology::ALL[t],
            required_sinr_db: self.levels[t].required_sinr_db,
            mean_sinr_db: None,
            population_at_required_sinr: 0.0,
            sinr_sum: 0.0,
            served: 0.0,
        });
        a
    }
}

/// One group's reception at a point ([`SignalIndex::receive_groups`]).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct GroupReception {
    /// Best server: level (dBm), site index, sector index.
    pub(super) best: Option<(f64, usize, usize)>,
    /// Total power of the group's site layers in reach, mW.
    pub(super) total_mw: f64,
}

/// 10^(dBm / 10), as one exponential.
#[inline]
fn dbm_to_mw(dbm: f64) -> f64 {
    (dbm * (std::f64::consts::LN_10 / 10.0)).exp()
}

fn add_area(into: &mut AreaSignal, from: &AreaSignal) {
    into.population += from.population;
    for tech in Technology::ALL {
        let (a, b) = (into.layers.get_mut(tech), from.layers.get(tech));
        a.population_covered += b.population_covered;
        a.population_served += b.population_served;
        a.level_sum += b.level_sum;
        for (x, y) in a.population_above.iter_mut().zip(&b.population_above) {
            *x += y;
        }
    }
    if let (Some(a), Some(b)) = (into.sinr.as_mut(), from.sinr.as_ref()) {
        a.population_at_required_sinr += b.population_at_required_sinr;
        a.sinr_sum += b.sinr_sum;
        a.served += b.served;
    }
}

fn scale_area(a: &mut AreaSignal, k: f64) {
    a.population *= k;
    for tech in Technology::ALL {
        let l = a.layers.get_mut(tech);
        l.population_covered *= k;
        l.population_served *= k;
        l.level_sum *= k;
        for x in &mut l.population_above {
            *x *= k;
        }
    }
    if let Some(s) = a.sinr.as_mut() {
        s.population_at_required_sinr *= k;
        s.sinr_sum *= k;
        s.served *= k;
    }
}

fn finish_area(a: &mut AreaSignal) {
    for tech in Technology::ALL {
        let l = a.layers.get_mut(tech);
        l.mean_level_dbm = (l.population_served > 0.0).then(|| l.level_sum / l.population_served);
    }
    if let Some(s) = a.sinr.as_mut() {
        s.mean_sinr_db = (s.served > 0.0).then(|| s.sinr_sum / s.served);
    }
}

/// The grid-cell centres of a projected commune, row by row.
pub(super) fn commune_points(polygon: &MultiPolygon<f64>, res: f64) -> Vec<Vec<[f64; 2]>> {
    grid_rows(polygon, res)
        .into_iter()
        .map(|row| {
            let y = (row.j as f64 + 0.5) * res;
            row.spans
                .iter()
                .flat_map(|&(i0, i1)| (i0..i1).map(move |i| [(i as f64 + 0.5) * res, y]))
                .collect()
        })
        .collect()
}

pub(super) fn refuse_large(
    scenario: &Scenario,
    prepared: &Prepared<'_>,
    res: f64,
    max: u64,
) -> Result<()> {
    use geo::Area;
    let area_m2: f64 = (0..scenario.communes.len())
        .filter_map(|c| prepared.project(c))
        .map(|(_, p)| p.unsigned_area())
        .sum();
    crate::engine::demand::refuse_oversized_grid(
        "a grid of signal-level demand points",
        area_m2,
        res,
        max,
        "SignalOptions::max_demand_points",
    )
}

/// Runs the signal-level mode on `scenario` (see the module docs).
///
/// Refuses (before any work) a scenario that does not validate, options
/// out of range, and a demand grid beyond
/// [`SignalOptions::max_demand_points`]. Results do not depend on the
/// number of threads.
pub fn evaluate_signal(scenario: &Scenario, options: &SignalOptions) -> Result<SignalReport> {
    scenario.validate()?;
    // around 180°, longitudes made continuous as in the range mode
    let unwrapped = super::antimeridian::unwrapped(scenario);
    let scenario = unwrapped.as_ref().unwrap_or(scenario);
    let index = SignalIndex::new(scenario, options)?;
    let prepared = &index.prepared;
    let thresholds = &options.thresholds_dbm;
    let res = scenario.parameters.resolution_m;
    let mut warnings = prepared.warnings.clone();
    let mut unassigned_population = 0.0;

    let areas: Vec<AreaSignal> = match &scenario.population {
        None => {
            refuse_large(scenario, prepared, res, options.max_demand_points)?;
            let results: Vec<(AreaSignal, Option<String>)> = (0..scenario.communes.len())
                .into_par_iter()
                .map(|c| {
                    let commune = &scenario.communes[c];
                    let pop = commune.population.unwrap_or(0.0);
                    let mut area = index.empty_area(thresholds);
                    let Some((_, polygon)) = prepared.project(c) else {
                        area.population = pop;
                        return (area, None);
                    };
                    let strip = prepared.commune_strip[c].unwrap_or(0);
                    let rows = commune_points(&polygon, res);
                    let n: usize = rows.iter().map(Vec::len).sum();
                    if n == 0 {
                        let Some(p) = polygon.interior_point() else {
                            area.population = pop;
                            return (area, None);
                        };
                        index.tally(strip, &[[p.x(), p.y()]], pop, thresholds, &mut area);
                        let note = format!(
                            "communes.geojson: commune {:?} has no measurable area at resolution_m = {res}; its people are placed on one representative point",
                            commune.id.key()
                        );
                        return (area, Some(note));
                    }
                    let per_row: Vec<AreaSignal> = rows
                        .par_iter()
                        .with_min_len(4)
                        .map(|row| {
                            let mut a = index.empty_area(thresholds);
                            for piece in row.chunks(POINTS_PER_QUERY) {
                                index.tally(strip, piece, 1.0, thresholds, &mut a);
                            }
                            a
                        })
                        .collect();
                    let mut counts = index.empty_area(thresholds);
                    for a in &per_row {
                        add_area(&mut counts, a);
                    }
                    scale_area(&mut counts, pop / n as f64);
                    counts.population = pop;
                    (counts, None)
                })
                .collect();
            let mut areas = Vec::with_capacity(results.len());
            for (a, note) in results {
                areas.push(a);
                warnings.extend(note);
            }
            areas
        }
        Some(points) => {
            let evaluated: Vec<Option<(usize, AreaSignal)>> = points
                .par_iter()
                .with_min_len(64)
                .map(|pt| {
                    let loc = pt.location?;
                    let c = prepared.locator.locate(loc)?;
                    let z = prepared.commune_strip[c]?;
                    let p = prepared.indexes[z].frame.forward(loc.x(), loc.y());
                    let mut a = index.empty_area(thresholds);
                    index.tally(z, &[p], pt.population, thresholds, &mut a);
                    Some((c, a))
                })
                .collect();
            let mut areas: Vec<AreaSignal> = (0..scenario.communes.len())
                .map(|_| index.empty_area(thresholds))
                .collect();
            for (pt, e) in points.iter().zip(evaluated) {
                match e {
                    Some((c, a)) => add_area(&mut areas[c], &a),
                    None => unassigned_population += pt.population,
                }
            }
            areas
        }
    };

    let mut totals = index.empty_area(thresholds);
    let mut communes = Vec::with_capacity(areas.len());
    for (c, mut a) in scenario.communes.iter().zip(areas) {
        add_area(&mut totals, &a);
        finish_area(&mut a);
        communes.push(CommuneSignal {
            id: c.id.clone(),
            name: c.name.clone(),
            figures: a,
        });
    }
    finish_area(&mut totals);
    Ok(SignalReport {
        schema: SIGNAL_SCHEMA,
        pattern: options.pattern,
        thresholds_dbm: thresholds.clone(),
        totals,
        unassigned_population,
        communes,
        warnings,
    })
}

/// The best server of layer `technology` at the centre of every
/// `resolution_m` grid cell of every commune (input order, then row by
/// row), for a map. SINR is given when `technology` is
/// [`SignalOptions::sinr_technology`]. Refuses a grid beyond
/// [`SignalOptions::max_demand_points`] before any work.
pub fn best_server_map(
    scenario: &Scenario,
    options: &SignalOptions,
    technology: Technology,
    resolution_m: f64,
) -> Result<Vec<BestServerPoint>> {
    if !(resolution_m.is_finite() && resolution_m > 0.0) {
        return Err(Error::Parameter {
            name: "resolution_m",
            reason: format!("must be a finite number > 0, got {resolution_m}"),
        });
    }
    scenario.validate()?;
    let unwrapped = super::antimeridian::unwrapped(scenario);
    let scenario = unwrapped.as_ref().unwrap_or(scenario);
    let index = SignalIndex::new(scenario, options)?;
    let prepared = &index.prepared;
    refuse_large(scenario, prepared, resolution_m, options.max_demand_points)?;
    let t = technology.index();
    let per_commune: Vec<Vec<BestServerPoint>> = (0..scenario.communes.len())
        .into_par_iter()
        .map(|c| {
            let Some((_, polygon)) = prepared.project(c) else {
                return Vec::new();
            };
            let strip = prepared.commune_strip[c].unwrap_or(0);
            let frame = prepared.indexes[strip].frame;
            commune_points(&polygon, resolution_m)
                .into_iter()
                .flatten()
                .map(|p| {
                    let r = index.receive(strip, t, p);
                    let (lon, lat) = frame.inverse(p);
                    // back to [−180, 180] after an antimeridian unwrap
                    let lon = if lon > 180.0 { lon - 360.0 } else { lon };
                    BestServerPoint {
                        lon,
                        lat,
                        commune: c,
                        site: r.best.map(|(_, s)| s),
                        level_dbm: r.best.map(|(l, _)| l),
                        sinr_db: r.sinr_db,
                        covered: index.covered(t, &r),
                    }
                })
                .collect()
        })
        .collect();
    Ok(per_commune.into_iter().flatten().collect())
}
