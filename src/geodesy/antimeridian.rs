//! Scenarios around the antimeridian (Fiji, Chukotka, Kiribati).
//!
//! GeoJSON longitudes jump from 180° to −180° there, so a site at 179.99° E
//! and a commune at 179.99° W, 2 km apart, would look 360° apart to the
//! strips and the indexes. [`unwrapped`] moves such a scenario to a
//! continuous longitude range (0°..360°) before the engine sees it; the
//! projection works on longitude differences, so nothing else changes.
//! The report, the signal mode and planning (gap maps, proposals) all
//! start from it; what they write out goes back to [−180, 180] with
//! [`wrapped`] (planning also cuts polygons and lines crossing 180°, see
//! `planning`).

use geo::{Coord, MapCoordsInPlace};

use crate::model::Scenario;

/// `lon`, moved to [0, 360) when it is west of Greenwich.
pub fn east(lon: f64) -> f64 {
    if lon < 0.0 {
        lon + 360.0
    } else {
        lon
    }
}

/// A longitude of a continuous range (an unwrapped scenario, or a frame's
/// neighbourhood across 180°) back in [−180, 180]: the inverse of [`east`]
/// for what planning writes out. Longitudes already in range are returned
/// unchanged (bit for bit).
pub fn wrapped(lon: f64) -> f64 {
    if lon > 180.0 {
        lon - 360.0
    } else if lon < -180.0 {
        lon + 360.0
    } else {
        lon
    }
}

/// The scenario with every longitude west of 0° moved by +360°, when that
/// makes the scenario's longitude extent (communes, sites, wifi, fibre,
/// demand points) narrower: it straddles the antimeridian rather than
/// Greenwich, and no ring of a commune and no line of a fibre route has
/// longitudes on both sides of 0° (a polar cap drawn around the pole, or
/// anything at Greenwich). A commune or route cut at 180° as RFC 7946
/// §3.1.9 asks (a MultiPolygon / MultiLineString with one part ending at
/// 180° and one starting at −180°) is moved whole: each of its parts lies
/// on one side, and the move joins them again.
/// `None` when the scenario is better left as it is (the usual case, which
/// costs one pass over the coordinates).
pub fn unwrapped(scenario: &Scenario) -> Option<Scenario> {
    let mut extent = [
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut add = |lon: f64| {
        extent[0] = extent[0].min(lon);
        extent[1] = extent[1].max(lon);
        extent[2] = extent[2].min(east(lon));
        extent[3] = extent[3].max(east(lon));
    };
    // a ring or line with longitudes on both sides of Greenwich (a polar
    // cap, a commune at 0°) would be torn apart by the move: leave such
    // scenarios (parts of one geometry on either side are fine: a commune
    // cut at 180°)
    let mut straddles = false;
    let mut line = |coords: &mut dyn Iterator<Item = Coord<f64>>| {
        let (mut west, mut rest) = (false, false);
        for p in coords {
            add(p.x);
            west |= p.x < 0.0;
            rest |= p.x >= 0.0;
        }
        straddles |= west && rest;
    };
    for c in &scenario.communes {
        for p in c.geometry.iter().flat_map(|g| &g.0) {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                line(&mut ring.coords().copied());
            }
        }
    }
    for f in &scenario.fiber {
        for l in &f.geometry.0 {
            line(&mut l.coords().copied());
        }
    }
    scenario.sites.iter().for_each(|s| add(s.location.x()));
    scenario.wifi.iter().for_each(|w| add(w.location.x()));
    for p in scenario.population.iter().flatten() {
        if let Some(l) = p.location {
            add(l.x());
        }
    }
    // false too when there is no coordinate at all (∞ − ∞ is NaN)
    let narrower = extent[3] - extent[2] < extent[1] - extent[0];
    if straddles || !narrower {
        return None;
    }
    let shift = |c: Coord<f64>| Coord {
        x: east(c.x),
        y: c.y,
    };
    let mut s = scenario.clone();
    for c in &mut s.communes {
        if let Some(g) = &mut c.geometry {
            g.map_coords_in_place(shift);
        }
    }
    for f in &mut s.fiber {
        f.geometry.map_coords_in_place(shift);
    }
    for site in &mut s.sites {
        site.location.map_coords_in_place(shift);
    }
    for w in &mut s.wifi {
        w.location.map_coords_in_place(shift);
    }
    for p in s.population.iter_mut().flatten() {
        if let Some(l) = &mut p.location {
            l.map_coords_in_place(shift);
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use geo::Point;

    use super::*;
    use crate::model::{FeatureId, WifiPoint};

    fn wifi(lon: f64) -> WifiPoint {
        WifiPoint {
            id: FeatureId::Int(0),
            range_m: None,
            location: Point::new(lon, 0.0),
        }
    }

    #[test]
    fn only_scenarios_around_180_are_moved() {
        let at = |lons: &[f64]| Scenario {
            wifi: lons.iter().map(|&l| wifi(l)).collect(),
            ..Scenario::default()
        };
        assert!(unwrapped(&at(&[105.0, 106.0])).is_none());
        assert!(unwrapped(&at(&[-0.5, 0.5])).is_none());
        assert!(unwrapped(&at(&[])).is_none());
        let s = unwrapped(&at(&[179.9, -179.9, -180.0])).unwrap();
        let lons: Vec<f64> = s.wifi.iter().map(|w| w.location.x()).collect();
        assert_eq!(lons[0], 179.9);
        assert!((lons[1] - 180.1).abs() < 1e-12);
        assert_eq!(lons[2], 180.0);
    }

    #[test]
    fn a_commune_cut_at_180_is_moved_whole() {
        use geo::{LineString, MultiPolygon, Polygon};
        let part = |w: f64, e: f64| {
            Polygon::new(
                LineString::from(vec![(w, 0.0), (e, 0.0), (e, 0.1), (w, 0.1), (w, 0.0)]),
                vec![],
            )
        };
        let s = Scenario {
            communes: vec![crate::model::Commune {
                id: FeatureId::Int(1),
                name: None,
                district: None,
                kind: None,
                population: Some(1.0),
                households: Some(1.0),
                geometry: Some(MultiPolygon(vec![part(179.9, 180.0), part(-180.0, -179.9)])),
            }],
            ..Scenario::default()
        };
        let moved = unwrapped(&s).expect("moved");
        let g = moved.communes[0].geometry.as_ref().unwrap();
        let xs: Vec<f64> = g.0[1].exterior().coords().map(|c| c.x).collect();
        assert_eq!(xs[0], 180.0);
        assert!((xs[1] - 180.1).abs() < 1e-12);
        assert!((wrapped(xs[1]) + 179.9).abs() < 1e-12);
        assert_eq!(wrapped(179.0), 179.0);
    }

    #[test]
    fn a_polygon_around_the_pole_is_not_moved() {
        use geo::{LineString, MultiPolygon, Polygon};
        let ring: Vec<(f64, f64)> = [-180.0, -90.0, 0.0, 90.0, 180.0, 180.0, -180.0, -180.0]
            .iter()
            .zip([89.9, 89.9, 89.9, 89.9, 89.9, 90.0, 90.0, 89.9])
            .map(|(&x, y)| (x, y))
            .collect();
        let s = Scenario {
            communes: vec![crate::model::Commune {
                id: FeatureId::Int(1),
                name: None,
                district: None,
                kind: None,
                population: Some(1.0),
                households: Some(1.0),
                geometry: Some(MultiPolygon(vec![Polygon::new(
                    LineString::from(ring),
                    vec![],
                )])),
            }],
            wifi: vec![wifi(179.0)],
            ..Scenario::default()
        };
        assert!(unwrapped(&s).is_none());
    }
}
