//! Gap maps and infrastructure planning to coverage targets.
//!
//! Two questions follow a coverage report: *where are the people we miss?*
//! ([`find_gaps`]: uncovered demand grouped into connected regions, one
//! polygon each, ranked) and *what is the least we must build to reach a
//! target?* ([`plan`]: new BTS sites by greedy maximum coverage, one wifi
//! point per commune below target, fibre extensions), keeping every
//! existing feature fixed.
//!
//! Both work on the report's own measurement (see `runs.rs`): the
//! uncovered people of each commune, as `report.json` gives them, shared
//! among uncovered row intervals (or demand points) by their measured
//! uncovered area, so
//! a gap map conserves people exactly and a plan's claimed coverage can be
//! checked by re-running the report with the proposals added.
//!
//! | step | file | what |
//! | --- | --- | --- |
//! | uncovered rows | `runs.rs` | row sweep on the report's three lines with the engine's exact traces; gap intervals, people shared by measure, regions across rows and communes |
//! | outlines | `outline.rs` | rectilinear rings traced from the ends of row intervals: holes, pinches |
//! | demand units | `cells.rs` | the planner's units: cells met by uncovered intervals (same sweep), sub-points on the three lines |
//! | gaps | `gaps.rs` | regions of rows / linked points, area, communes, nearest infrastructure |
//! | sites | `greedy.rs` | candidates, CELF lazy greedy on capped per-commune coverage |
//! | wifi | `wifi.rs` | one point where it covers the most uncovered people |
//! | fibre | `fiber.rs` | spurs from household clusters to the nearest route |
//! | files | `output.rs` | `gaps.geojson`, proposals, curve CSV, scenario with the plan |
//!
//! **Around the antimeridian** (Fiji, Chukotka, Kiribati), planning works
//! on the engine's unwrapped copy of the scenario (longitudes made
//! continuous, 0°..360°, before the strips see them; see
//! `engine/antimeridian.rs`), so gaps, candidates, sites, wifi points and
//! fibre spurs reach across 180° exactly as the report's coverage does:
//! the same scenario moved 10° away from 180° gives the same gaps and the
//! same plan (tests: `antimeridian_*` in `tests/planning.rs`). What comes
//! out is back in [−180, 180], as RFC 7946 asks: proposed points are moved
//! by 360° where needed, and a gap polygon or fibre segment crossing 180°
//! is cut there into parts (a MultiPolygon with one part ending at 180° and
//! one starting at −180°; a MultiLineString of two lines), which GIS tools
//! draw correctly, where polygons with longitudes beyond 180° are not
//! valid GeoJSON. A gap's `area_km2` is the ground area of its outline
//! in the strip, uncut (the polygon written, straight in longitude and
//! latitude between its corners and cut at 180°, encloses the same area to
//! about 1e-4). Scenarios cut at
//! 180° as RFC 7946 asks (communes or fibre routes with parts on both
//! sides) are accepted everywhere.

mod cells;
mod fiber;
mod gaps;
mod greedy;
mod outline;
pub mod output;
mod runs;
mod sites;
mod wifi;

use std::fmt;
use std::str::FromStr;

pub use gaps::{find_gaps, point_flags, Gap, GapMap, GapOptions, MAX_POINT_LINK_M};
pub use greedy::{celf, CoverageProblem};
pub use plan_api::*;

mod plan_api;

use crate::model::Technology;
use crate::report::CommuneReport;

/// A coverage layer: one mobile technology, mobile broadband, fibre or
/// public wifi.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// 2G.
    G2,
    /// 3G.
    G3,
    /// 4G.
    G4,
    /// 5G.
    G5,
    /// 3G, 4G or 5G.
    MobileBroadband,
    /// Households within `fiber_drop_m` of a route.
    Fiber,
    /// People within reach of a public wifi point.
    Wifi,
}

impl Layer {
    /// Every layer, in report order.
    pub const ALL: [Layer; 7] = [
        Layer::G2,
        Layer::G3,
        Layer::G4,
        Layer::G5,
        Layer::MobileBroadband,
        Layer::Fiber,
        Layer::Wifi,
    ];

    /// The layer's bit in the engine's coverage flags
    /// ([`crate::engine::FLAG_FIBER`] and friends); also its position in
    /// [`Layer::ALL`].
    pub fn bit(self) -> usize {
        self as usize
    }

    /// The name used in files: `2G` … `5G`, `mobile_broadband`, `fiber`,
    /// `wifi`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::G2 => "2G",
            Layer::G3 => "3G",
            Layer::G4 => "4G",
            Layer::G5 => "5G",
            Layer::MobileBroadband => "mobile_broadband",
            Layer::Fiber => "fiber",
            Layer::Wifi => "wifi",
        }
    }

    /// The technology of a single-technology layer.
    pub fn technology(self) -> Option<Technology> {
        match self {
            Layer::G2 => Some(Technology::G2),
            Layer::G3 => Some(Technology::G3),
            Layer::G4 => Some(Technology::G4),
            Layer::G5 => Some(Technology::G5),
            _ => None,
        }
    }

    /// Whether the layer is served by mobile sites.
    pub fn is_mobile(self) -> bool {
        self.bit() <= 4
    }

    /// The technologies whose sites serve the layer, as a bit mask
    /// (bit `i` = `Technology::ALL[i]`; empty for fibre and wifi).
    pub fn technology_bits(self) -> u8 {
        match self {
            Layer::MobileBroadband => 0b1110,
            Layer::Fiber | Layer::Wifi => 0,
            t => 1 << t.bit(),
        }
    }

    /// People of a commune's report entry covered by the layer.
    pub fn covered_population(self, row: &CommuneReport) -> f64 {
        match self {
            Layer::MobileBroadband => row.population_covered.mobile_broadband,
            Layer::Wifi => row.population_wifi_covered,
            // the report gives households for fibre; people follow the share
            Layer::Fiber => {
                if row.households > 0.0 {
                    row.population * row.households_fiber_passed / row.households
                } else {
                    0.0
                }
            }
            t => t
                .technology()
                .map_or(0.0, |tech| row.population_covered.get(tech)),
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Layer {
    type Err = String;

    /// Parses `2G` … `5G`, `mobile_broadband` (or `mbb`), `fiber` (or
    /// `fibre`) and `wifi`, case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "2g" => Ok(Layer::G2),
            "3g" => Ok(Layer::G3),
            "4g" => Ok(Layer::G4),
            "5g" => Ok(Layer::G5),
            "mobile_broadband" | "mbb" => Ok(Layer::MobileBroadband),
            "fiber" | "fibre" => Ok(Layer::Fiber),
            "wifi" => Ok(Layer::Wifi),
            _ => Err(format!(
                "unknown layer {s:?} (expected 2G, 3G, 4G, 5G, mobile_broadband, fiber or wifi)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{FLAG_FIBER, FLAG_MOBILE_BROADBAND, FLAG_WIFI};

    #[test]
    fn layer_bits_match_engine_flags() {
        assert_eq!(1 << Layer::MobileBroadband.bit(), FLAG_MOBILE_BROADBAND);
        assert_eq!(1 << Layer::Fiber.bit(), FLAG_FIBER);
        assert_eq!(1 << Layer::Wifi.bit(), FLAG_WIFI);
        for l in Layer::ALL {
            assert_eq!(l.as_str().parse::<Layer>(), Ok(l));
        }
    }
}
