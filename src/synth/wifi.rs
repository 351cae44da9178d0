//! Public wifi points: one at the seat of every district, the rest in the
//! densest communes.

use geo::Point;

use super::frame::Frame;
use super::mesh::Cells;
use super::tile::Unit;
use super::{CityConfig, DISTRICTS_PER_COPY};
use crate::model::{FeatureId, WifiPoint};

/// One point in the centre commune of every district (the seat: a town, or
/// the district's central ward), then one in each next-densest commune that
/// has none; only past one point per commune do communes get a second.
pub(super) fn place_wifi(
    config: &CityConfig,
    tile: usize,
    frame: &Frame,
    units: &[Unit],
    cells: &Cells,
) -> Vec<WifiPoint> {
    let mut order: Vec<usize> = Vec::new();
    for d in 0..DISTRICTS_PER_COPY {
        if let Some(k) = units.iter().position(|u| u.district == d) {
            order.push(k);
        }
    }
    let mut rest: Vec<usize> = (0..units.len()).filter(|k| !order.contains(k)).collect();
    rest.sort_by(|&a, &b| {
        units[b]
            .density_per_km2()
            .total_cmp(&units[a].density_per_km2())
            .then(a.cmp(&b))
    });
    order.extend(rest);
    (0..config.wifi_points)
        .map(|i| {
            let k = order[i % order.len()];
            let round = i / order.len();
            // a later round takes another cell of the commune, spread out
            let p = if round == 0 {
                units[k].anchor
            } else {
                let own = &units[k].cells;
                let mut c = own[(round * 7919) % own.len()] as usize;
                if cells.centroid[c] == units[k].anchor {
                    c = own[(round * 7919 + 1) % own.len()] as usize;
                }
                cells.centroid[c]
            };
            let c = frame.lonlat(p);
            WifiPoint {
                id: FeatureId::Str(format!("WIFI{:04}", tile * config.wifi_points + i + 1)),
                range_m: None,
                location: Point::new(c.x, c.y),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use geo::GeodesicArea;

    use super::super::test_support::{can_tho, commune_of};
    use super::*;

    #[test]
    fn wifi_in_every_district_centre_and_distinct_communes() {
        let s = can_tho();
        assert_eq!(s.wifi.len(), 32);
        let communes: Vec<usize> = s
            .wifi
            .iter()
            .map(|w| commune_of(s, &w.location).expect("wifi in the city"))
            .collect();
        let distinct: BTreeSet<usize> = communes.iter().copied().collect();
        assert_eq!(distinct.len(), 32);
        let districts: BTreeSet<_> = communes.iter().map(|&k| &s.communes[k].district).collect();
        assert_eq!(districts.len(), DISTRICTS_PER_COPY);
        // the first commune of each district (its seat) has a point
        let mut seen = BTreeSet::new();
        for (k, c) in s.communes.iter().enumerate() {
            if seen.insert(c.district.clone()) {
                assert!(distinct.contains(&k), "seat {} has no wifi", c.id);
            }
        }
        // the others go to the densest communes without one
        let density = |k: usize| {
            let c = &s.communes[k];
            c.population.unwrap() / c.geometry.as_ref().unwrap().geodesic_area_unsigned()
        };
        let others: Vec<usize> = communes[DISTRICTS_PER_COPY..].to_vec();
        let least = others
            .iter()
            .map(|&k| density(k))
            .fold(f64::INFINITY, f64::min);
        for k in 0..s.communes.len() {
            if !distinct.contains(&k) {
                assert!(density(k) <= least * 1.01, "{} is denser", s.communes[k].id);
            }
        }
    }
}
