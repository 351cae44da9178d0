//! What the tests of several stages share: the Cần Thơ city generated once,
//! local metres, and estimates of what the routes and sites reach.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use geo::{BoundingRect, Contains, Coord, Point};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::fiber::SegmentIndex;
use super::{generate, CityConfig};
use crate::model::Scenario;

pub(super) fn can_tho() -> &'static Scenario {
    static CITY: OnceLock<Scenario> = OnceLock::new();
    CITY.get_or_init(|| generate(&CityConfig::can_tho()))
}

/// Local metres around a reference point (accurate to well under 1 %
/// across one copy of the city).
pub(super) struct Local {
    lon0: f64,
    lat0: f64,
    kx: f64,
    ky: f64,
}

impl Local {
    pub(super) fn around(s: &Scenario) -> Self {
        let rect = s
            .communes
            .iter()
            .filter_map(|c| c.geometry.as_ref()?.bounding_rect())
            .reduce(crate::engine::rect_union)
            .unwrap();
        let c = rect.center();
        Local {
            lon0: c.x,
            lat0: c.y,
            kx: 111_320.0 * c.y.to_radians().cos(),
            ky: 110_600.0,
        }
    }

    pub(super) fn xy(&self, c: Coord<f64>) -> [f64; 2] {
        [(c.x - self.lon0) * self.kx, (c.y - self.lat0) * self.ky]
    }

    pub(super) fn lonlat(&self, p: [f64; 2]) -> Coord<f64> {
        Coord {
            x: self.lon0 + p[0] / self.kx,
            y: self.lat0 + p[1] / self.ky,
        }
    }
}

/// Points spread uniformly over each commune (rejection sampling in the
/// bounding box), in local metres.
pub(super) fn uniform_points(
    s: &Scenario,
    local: &Local,
    per_commune: usize,
) -> Vec<Vec<[f64; 2]>> {
    let mut rng = ChaCha8Rng::seed_from_u64(12345);
    s.communes
        .iter()
        .map(|c| {
            let g = c.geometry.as_ref().unwrap();
            let r = g.bounding_rect().unwrap();
            let mut pts = Vec::with_capacity(per_commune);
            while pts.len() < per_commune {
                let q = Coord {
                    x: r.min().x + rng.random::<f64>() * r.width(),
                    y: r.min().y + rng.random::<f64>() * r.height(),
                };
                if g.contains(&Point::from(q)) {
                    pts.push(local.xy(q));
                }
            }
            pts
        })
        .collect()
}

/// Household-weighted share of uniform points within `drop` of a route,
/// per commune kind and in total.
pub(super) fn fiber_share(s: &Scenario, per_commune: usize) -> (f64, BTreeMap<String, f64>) {
    let local = Local::around(s);
    let mut index = SegmentIndex::new(500.0);
    for f in &s.fiber {
        for ls in &f.geometry {
            for seg in ls.lines() {
                index.insert(local.xy(seg.start), local.xy(seg.end));
            }
        }
    }
    let points = uniform_points(s, &local, per_commune);
    let mut by_kind: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let (mut passed, mut total) = (0.0, 0.0);
    for (c, pts) in s.communes.iter().zip(&points) {
        let hit = pts
            .iter()
            .filter(|p| index.within(**p, s.parameters.fiber_drop_m))
            .count() as f64
            / pts.len() as f64;
        let hh = c.households.unwrap();
        passed += hh * hit;
        total += hh;
        let e = by_kind
            .entry(c.kind.as_ref().unwrap().as_str().to_owned())
            .or_default();
        e.0 += hh * hit;
        e.1 += hh;
    }
    let by_kind = by_kind.into_iter().map(|(k, v)| (k, v.0 / v.1)).collect();
    (passed / total, by_kind)
}

pub(super) fn commune_of(s: &Scenario, p: &Point<f64>) -> Option<usize> {
    s.communes
        .iter()
        .position(|c| c.geometry.as_ref().unwrap().contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_frame_round_trip() {
        let s = can_tho();
        let local = Local::around(s);
        let p = [1234.5, -987.6];
        let back = local.xy(local.lonlat(p));
        assert!((back[0] - p[0]).abs() < 1e-6 && (back[1] - p[1]).abs() < 1e-6);
    }
}
