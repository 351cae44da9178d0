//! Mobile sites: counts per commune, placement, technology layers,
//! antennas and heights, the 5G pilot, and ranges.

use geo::Point;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calibration::{DISTRICTS, OPERATORS};
use super::frame::Frame;
use super::helpers::{apportion, dist2, stream};
use super::mesh::{Cells, Mesh};
use super::tile::{Sampler, Unit};
use super::CityConfig;
use crate::model::{
    CommuneKind, FeatureId, RadioParams, Sector, Site, SiteRange, TechSet, Technology,
};

fn pick<T: Copy>(rng: &mut ChaCha8Rng, table: &[(T, f64)]) -> T {
    let total: f64 = table.iter().map(|t| t.1).sum();
    let mut u = rng.random::<f64>() * total;
    for &(v, w) in table {
        if u < w {
            return v;
        }
        u -= w;
    }
    table[table.len() - 1].0
}

fn techs(list: &[Technology]) -> TechSet {
    list.iter().copied().collect()
}

#[derive(Clone, Copy)]
enum Antenna {
    Omni,
    Sectors(f64),
}

pub(super) fn place_sites(
    config: &CityConfig,
    tile: usize,
    tile_seed: u64,
    frame: &Frame,
    units: &[Unit],
    cells: &Cells,
    mesh: &mut Mesh,
) -> Vec<Site> {
    use Technology::{G2, G3, G4, G5};
    let mut rng = stream(tile_seed, 4);
    // an area floor so every commune is reachable, the rest by population
    let floors: Vec<f64> = units
        .iter()
        .map(|u| {
            let per_site_km2 = match u.kind {
                CommuneKind::Ward => 1.0,
                CommuneKind::Town => 2.0,
                _ => 5.0,
            };
            (u.area_m2 / 1e6 / per_site_km2).ceil()
        })
        .collect();
    let floor_total: f64 = floors.iter().sum();
    let floor_counts = if floor_total as usize > config.sites {
        apportion(config.sites as u64, &floors)
    } else {
        floors.iter().map(|&f| f as u64).collect()
    };
    let rest = config.sites as u64 - floor_counts.iter().sum::<u64>();
    let by_pop = apportion(
        rest,
        &units
            .iter()
            .map(|u| u.population as f64)
            .collect::<Vec<_>>(),
    );
    let counts: Vec<usize> = floor_counts
        .iter()
        .zip(&by_pop)
        .map(|(a, b)| (a + b) as usize)
        .collect();

    let urban_mix = [
        (techs(&[G2, G3, G4]), 0.60),
        (techs(&[G3, G4]), 0.30),
        (techs(&[G4]), 0.07),
        (techs(&[G2, G3]), 0.03),
    ];
    let rural_mix = [
        (techs(&[G2, G3, G4]), 0.60),
        (techs(&[G3, G4]), 0.20),
        (techs(&[G2, G3]), 0.15),
        (techs(&[G4]), 0.05),
    ];
    struct Draft {
        unit: usize,
        at: [f64; 2],
        techs: TechSet,
        antenna: Antenna,
        spacing_m: f64,
        height_m: f64,
        operator: &'static str,
    }
    let mut drafts: Vec<Draft> = Vec::with_capacity(config.sites);
    for (k, u) in units.iter().enumerate() {
        let n = counts[k];
        if n == 0 {
            continue;
        }
        let sampler = Sampler::new(&u.cells, cells);
        let spacing_m = (u.area_m2 / n as f64).sqrt();
        let mut placed: Vec<[f64; 2]> = Vec::with_capacity(n);
        for _ in 0..n {
            // best of a few candidates: the one farthest from the sites so far
            let mut best = ([0.0, 0.0], f64::NEG_INFINITY);
            for _ in 0..10 {
                let p = sampler.sample(&mut rng, cells, mesh);
                let d = placed
                    .iter()
                    .map(|&q| dist2(p, q))
                    .fold(f64::INFINITY, f64::min);
                if d > best.1 {
                    best = (p, d);
                }
            }
            placed.push(best.0);
            let urban = u.kind == CommuneKind::Ward;
            let techs = pick(&mut rng, if urban { &urban_mix } else { &rural_mix });
            let antenna = if urban && spacing_m < 600.0 {
                pick(
                    &mut rng,
                    &[
                        (Antenna::Sectors(65.0), 0.5),
                        (Antenna::Sectors(120.0), 0.35),
                        (Antenna::Omni, 0.15),
                    ],
                )
            } else if u.kind == CommuneKind::Commune {
                pick(
                    &mut rng,
                    &[(Antenna::Sectors(120.0), 0.55), (Antenna::Omni, 0.45)],
                )
            } else {
                pick(
                    &mut rng,
                    &[(Antenna::Sectors(120.0), 0.7), (Antenna::Omni, 0.3)],
                )
            };
            let (hmin, hmax) = match u.kind {
                CommuneKind::Ward => (20.0, 35.0),
                CommuneKind::Town => (25.0, 40.0),
                _ => (30.0, 45.0),
            };
            let height_m = ((hmin + (hmax - hmin) * rng.random::<f64>()) * 2.0).round() / 2.0;
            let operator = pick(&mut rng, &OPERATORS);
            drafts.push(Draft {
                unit: k,
                at: best.0,
                techs,
                antenna,
                spacing_m,
                height_m,
                operator,
            });
        }
    }

    // the 5G pilot: densest wards of the pilot districts first
    let mut candidates: Vec<usize> = (0..drafts.len())
        .filter(|&s| {
            DISTRICTS[units[drafts[s].unit].district].five_g && drafts[s].techs.contains(G4)
        })
        .collect();
    let mut five_g = vec![false; drafts.len()];
    for _ in 0..config.five_g_sites.min(candidates.len()) {
        let weights: Vec<f64> = candidates
            .iter()
            .map(|&s| units[drafts[s].unit].density_per_km2())
            .collect();
        let total: f64 = weights.iter().sum();
        let mut u = rng.random::<f64>() * total;
        let mut k = 0;
        while k + 1 < weights.len() && u >= weights[k] {
            u -= weights[k];
            k += 1;
        }
        five_g[candidates.remove(k)] = true;
    }

    drafts
        .into_iter()
        .enumerate()
        .map(|(s, d)| {
            let mut techs = d.techs;
            if five_g[s] {
                techs.insert(G5);
            }
            let jitter = 0.85 + 0.3 * rng.random::<f64>();
            let r4 = (1.5 * d.spacing_m).clamp(450.0, 3500.0) * jitter;
            let range = |t: Technology| -> f64 {
                let r = match t {
                    G2 => (2.2 * r4).min(8000.0),
                    G3 => 1.35 * r4,
                    G4 => r4,
                    G5 => 300.0 * jitter,
                };
                (r / 10.0).round() * 10.0
            };
            let mut per = [None; 4];
            for t in techs.iter() {
                per[t.index()] = Some(range(t));
            }
            let sectors = match d.antenna {
                Antenna::Omni => Vec::new(),
                Antenna::Sectors(beam) => {
                    let turn = 40.0 * rng.random::<f64>() - 20.0;
                    (0..3)
                        .map(|k| Sector {
                            azimuth_deg: ((120.0 * k as f64 + turn + 10.0 * rng.random::<f64>()
                                - 5.0)
                                .rem_euclid(360.0)
                                * 10.0)
                                .round()
                                / 10.0
                                % 360.0,
                            beamwidth_deg: beam,
                            range_m: None,
                        })
                        .collect()
                }
            };
            let c = frame.lonlat(d.at);
            Site {
                id: FeatureId::Str(format!("BTS{:05}", tile * config.sites + s + 1)),
                operator: Some(d.operator.to_owned()),
                technologies: techs,
                height_m: d.height_m,
                range_m: SiteRange::PerTechnology(per),
                sectors,
                radio: RadioParams::default(),
                location: Point::new(c.x, c.y),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::super::test_support::{can_tho, commune_of, uniform_points, Local};
    use super::*;
    use crate::model::Scenario;

    /// Population-weighted share of uniform points served by a site layer
    /// (range and sector wedge), for 2G, 3G, 4G, 5G and mobile broadband.
    fn mobile_share(s: &Scenario, per_commune: usize) -> [f64; 5] {
        let local = Local::around(s);
        let sites: Vec<([f64; 2], &Site)> = s
            .sites
            .iter()
            .map(|site| (local.xy(site.location.0), site))
            .collect();
        let mut buckets: BTreeMap<(i64, i64), Vec<usize>> = BTreeMap::new();
        let bucket = 2000.0;
        let key = |v: f64| (v / bucket).floor() as i64;
        for (i, (p, _)) in sites.iter().enumerate() {
            buckets.entry((key(p[0]), key(p[1]))).or_default().push(i);
        }
        let points = uniform_points(s, &local, per_commune);
        let mut covered = [0.0; 5];
        let mut total = 0.0;
        for (c, pts) in s.communes.iter().zip(&points) {
            let pop = c.population.unwrap();
            total += pop;
            for p in pts {
                let mut served = [false; 4];
                for i in key(p[0] - 8000.0)..=key(p[0] + 8000.0) {
                    for j in key(p[1] - 8000.0)..=key(p[1] + 8000.0) {
                        for &k in buckets.get(&(i, j)).map(Vec::as_slice).unwrap_or(&[]) {
                            let (q, site) = sites[k];
                            let d = dist2(*p, q).sqrt();
                            let bearing = (p[0] - q[0]).atan2(p[1] - q[1]).to_degrees();
                            let in_wedge = site.sectors.is_empty()
                                || site.sectors.iter().any(|sec| sec.contains_bearing(bearing));
                            if !in_wedge {
                                continue;
                            }
                            for t in site.technologies.iter() {
                                if d <= site.range_m.get(t).unwrap() {
                                    served[t.index()] = true;
                                }
                            }
                        }
                    }
                }
                let w = pop / pts.len() as f64;
                for t in 0..4 {
                    if served[t] {
                        covered[t] += w;
                    }
                }
                if served[1] || served[2] || served[3] {
                    covered[4] += w;
                }
            }
        }
        covered.map(|c| c / total)
    }

    #[test]
    fn sites_follow_the_calibration() {
        let s = can_tho();
        assert_eq!(s.sites.len(), 1990);
        let ids: BTreeSet<String> = s.sites.iter().map(|x| x.id.key()).collect();
        assert_eq!(ids.len(), s.sites.len());
        let mut per_commune = vec![0usize; s.communes.len()];
        let mut sectored = 0;
        for site in &s.sites {
            let k = commune_of(s, &site.location).expect("site in the city");
            per_commune[k] += 1;
            assert!(!site.technologies.is_empty());
            assert!((20.0..=45.0).contains(&site.height_m));
            for t in site.technologies.iter() {
                let r = site.range_m.get(t).expect("range for every layer");
                assert!((100.0..=8000.0).contains(&r));
            }
            if !site.sectors.is_empty() {
                sectored += 1;
                assert_eq!(site.sectors.len(), 3);
                for sec in &site.sectors {
                    assert!((0.0..360.0).contains(&sec.azimuth_deg));
                    assert!(sec.beamwidth_deg == 65.0 || sec.beamwidth_deg == 120.0);
                }
            }
            assert!(OPERATORS
                .iter()
                .any(|o| Some(o.0) == site.operator.as_deref()));
        }
        assert!(per_commune.iter().all(|&n| n > 0), "a commune without site");
        assert!((800..1700).contains(&sectored), "{sectored} sectored sites");
        let with = |t: Technology| {
            s.sites
                .iter()
                .filter(|x| x.technologies.contains(t))
                .count()
        };
        assert!(with(Technology::G4) > 1700);
        assert!(with(Technology::G3) > 1700);
        assert!(with(Technology::G2) > 1200);
        // denser where people are: sites per resident alike within 3x
        let density: Vec<f64> = s
            .communes
            .iter()
            .zip(&per_commune)
            .map(|(c, &n)| n as f64 / c.population.unwrap() * 1000.0)
            .collect();
        let central = &density[..11];
        assert!(
            central.iter().all(|&d| (0.5..3.0).contains(&d)),
            "{central:?}"
        );
    }

    #[test]
    fn five_g_pilot_in_two_central_districts() {
        let s = can_tho();
        let five_g: Vec<&Site> = s
            .sites
            .iter()
            .filter(|x| x.technologies.contains(Technology::G5))
            .collect();
        assert_eq!(five_g.len(), 40);
        let districts: BTreeSet<_> = five_g
            .iter()
            .map(|x| {
                s.communes[commune_of(s, &x.location).unwrap()]
                    .district
                    .clone()
            })
            .collect();
        assert_eq!(districts.len(), 2, "{districts:?}");
        assert!(districts.contains(&Some(DISTRICTS[0].name.to_owned())));
        assert!(five_g
            .iter()
            .all(|x| x.technologies.contains(Technology::G4)));
    }

    #[test]
    fn mobile_broadband_reaches_everyone() {
        let s = can_tho();
        let share = mobile_share(s, 300);
        println!("mobile coverage 2G/3G/4G/5G/broadband: {share:?}");
        assert!(share[4] > 0.995, "broadband {}", share[4]);
        assert!(share[2] > 0.97, "4G {}", share[2]);
        assert!(share[3] > 0.0 && share[3] < 0.3, "5G {}", share[3]);
    }
}
