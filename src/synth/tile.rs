//! One copy of the city: districts and communes with their population and
//! households, their geometry, then the sites, wifi points and fibre routes.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calibration::{DISTRICTS, NAME_FIRST, NAME_SECOND};
use super::fiber::lay_fiber;
use super::frame::Frame;
use super::helpers::{apportion, dist2, lognormal, normal, splitmix64, stream};
use super::mesh::{build_city, ring_area, Cells, Mesh, Noise, NONE};
use super::partition::{make_connected, power_partition, trace};
use super::sites::place_sites;
use super::wifi::place_wifi;
use super::{dmath, CityConfig, COMMUNES_PER_COPY, DISTRICTS_PER_COPY};
use crate::model::{Commune, CommuneKind, FeatureId, FiberRoute, Site, WifiPoint};

pub(super) struct TileOut {
    pub(super) communes: Vec<Commune>,
    pub(super) sites: Vec<Site>,
    pub(super) fiber: Vec<FiberRoute>,
    pub(super) wifi: Vec<WifiPoint>,
}

/// What the later stages need to know about a commune.
pub(super) struct Unit {
    pub(super) district: usize,
    pub(super) kind: CommuneKind,
    /// Member cells.
    pub(super) cells: Vec<u32>,
    pub(super) area_m2: f64,
    /// A representative point well inside the commune.
    pub(super) anchor: [f64; 2],
    pub(super) population: u64,
    pub(super) households: u64,
    /// Polygon in plane metres (for clipping and sampling).
    pub(super) plane: MultiPolygon<f64>,
}

impl Unit {
    pub(super) fn density_per_km2(&self) -> f64 {
        self.population as f64 / (self.area_m2 / 1e6)
    }
}

/// Uniform point sampler over a set of cells.
pub(super) struct Sampler {
    cells: Vec<u32>,
    cumulative: Vec<f64>,
}

impl Sampler {
    pub(super) fn new(cells: &[u32], all: &Cells) -> Self {
        let mut acc = 0.0;
        let cumulative = cells
            .iter()
            .map(|&c| {
                acc += all.area[c as usize];
                acc
            })
            .collect();
        Sampler {
            cells: cells.to_vec(),
            cumulative,
        }
    }

    pub(super) fn sample(&self, rng: &mut ChaCha8Rng, all: &Cells, mesh: &mut Mesh) -> [f64; 2] {
        let total = *self.cumulative.last().expect("cells");
        let u = rng.random::<f64>() * total;
        let k = self
            .cumulative
            .partition_point(|&x| x <= u)
            .min(self.cells.len() - 1);
        let c = self.cells[k] as usize;
        let centre = all.centroid[c];
        let corners: Vec<[f64; 2]> = all.corners[c].iter().map(|&v| mesh.vertex(v)).collect();
        let tri: Vec<f64> = (0..6)
            .map(|e| ring_area(&[centre, corners[e], corners[(e + 1) % 6]]).abs())
            .collect();
        let t = rng.random::<f64>() * tri.iter().sum::<f64>();
        let mut e = 0;
        let mut acc = tri[0];
        while acc < t && e < 5 {
            e += 1;
            acc += tri[e];
        }
        let (a, b) = (corners[e], corners[(e + 1) % 6]);
        let r1 = rng.random::<f64>().sqrt() * 0.96;
        let r2 = rng.random::<f64>();
        [
            centre[0] + r1 * ((1.0 - r2) * (a[0] - centre[0]) + r2 * (b[0] - centre[0])),
            centre[1] + r1 * ((1.0 - r2) * (a[1] - centre[1]) + r2 * (b[1] - centre[1])),
        ]
    }
}

fn to_geo_ring(
    ring: &[usize],
    mesh: &mut Mesh,
    map: &dyn Fn([f64; 2]) -> Coord<f64>,
) -> LineString<f64> {
    let mut pts: Vec<Coord<f64>> = ring.iter().map(|&v| map(mesh.vertex(v))).collect();
    pts.push(pts[0]);
    LineString::new(pts)
}

fn to_multipolygon(
    polys: &[Vec<Vec<usize>>],
    mesh: &mut Mesh,
    map: &dyn Fn([f64; 2]) -> Coord<f64>,
) -> MultiPolygon<f64> {
    MultiPolygon::new(
        polys
            .iter()
            .map(|rings| {
                let exterior = to_geo_ring(&rings[0], mesh, map);
                let interiors = rings[1..]
                    .iter()
                    .map(|r| to_geo_ring(r, mesh, map))
                    .collect();
                Polygon::new(exterior, interiors)
            })
            .collect(),
    )
}

pub(super) fn plane_coord(p: [f64; 2]) -> Coord<f64> {
    Coord { x: p[0], y: p[1] }
}

pub(super) fn build_tile(
    config: &CityConfig,
    tile: usize,
    tile_seed: u64,
    frame: &Frame,
) -> TileOut {
    let mut rng = stream(tile_seed, 1);
    let (mut mesh, cells, factor) =
        build_city(config.area_km2 * 1e6, &mut rng, splitmix64(tile_seed ^ 2));
    let all: Vec<u32> = (0..cells.grid.len() as u32).collect();

    // districts
    let district_noise = Noise::new(&mut rng, 5.0, (30.0, 90.0)).lattice(&mesh, 4.0);
    let pos: Vec<[f64; 2]> = cells
        .grid
        .iter()
        .map(|&g| {
            let c = mesh.cell_param_centre(g % mesh.cols, g / mesh.cols);
            mesh.warp.apply(district_noise.displace(c))
        })
        .collect();
    let city_area: f64 = cells.area.iter().sum();
    let spec_area: f64 = DISTRICTS.iter().map(|d| d.area_km2).sum();
    let mut dseeds: Vec<[f64; 2]> = DISTRICTS
        .iter()
        .map(|d| {
            [
                d.centre_km[0] * 1000.0 * factor,
                d.centre_km[1] * 1000.0 * factor,
            ]
        })
        .collect();
    let dtargets: Vec<f64> = DISTRICTS
        .iter()
        .map(|d| d.area_km2 / spec_area * city_area)
        .collect();
    let mut dlabels = power_partition(
        &all,
        &pos,
        &cells,
        &mut dseeds,
        &dtargets,
        &[true; DISTRICTS_PER_COPY],
        80,
    );
    make_connected(&all, &mut dlabels, &cells, &dseeds, DISTRICTS_PER_COPY);
    // each district's seat: the middle of its land
    let mut seats = [[0.0, 0.0]; DISTRICTS_PER_COPY];
    let mut district_area = [0.0; DISTRICTS_PER_COPY];
    for (&d, c) in dlabels.iter().zip(0..) {
        let (d, c) = (d as usize, c as usize);
        district_area[d] += cells.area[c];
        seats[d][0] += cells.area[c] * cells.centroid[c][0];
        seats[d][1] += cells.area[c] * cells.centroid[c][1];
    }
    for (seat, area) in seats.iter_mut().zip(&district_area) {
        *seat = [seat[0] / area, seat[1] / area];
    }

    // communes, district by district
    let commune_noise = Noise::new(&mut rng, 3.0, (14.0, 40.0)).lattice(&mesh, 2.0);
    let pos: Vec<[f64; 2]> = cells
        .grid
        .iter()
        .map(|&g| {
            let c = mesh.cell_param_centre(g % mesh.cols, g / mesh.cols);
            mesh.warp.apply(commune_noise.displace(c))
        })
        .collect();
    let mut units: Vec<Unit> = Vec::new();
    let mut district_pop = apportion(
        config.population,
        &DISTRICTS
            .iter()
            .map(|d| d.population as f64)
            .collect::<Vec<_>>(),
    )
    .into_iter();
    let mut district_hh = apportion(
        config.households,
        &DISTRICTS
            .iter()
            .map(|d| d.households as f64)
            .collect::<Vec<_>>(),
    )
    .into_iter();
    for (d, spec) in DISTRICTS.iter().enumerate() {
        let members: Vec<u32> = all
            .iter()
            .copied()
            .filter(|&c| dlabels[c as usize] as usize == d)
            .collect();
        let n = spec.units + spec.towns;
        let seat = seats[d];
        let first = members
            .iter()
            .copied()
            .min_by(|&a, &b| {
                dist2(cells.centroid[a as usize], seat)
                    .total_cmp(&dist2(cells.centroid[b as usize], seat))
                    .then(a.cmp(&b))
            })
            .expect("district has cells");
        // farthest-point seeds, denser towards the city centre in town
        let spacing_weight = |p: [f64; 2]| -> f64 {
            if spec.urban {
                let r = dist2(p, [0.0, 0.0]).sqrt();
                dmath::pow(1.0 + r / 3000.0, -2.6)
            } else {
                1.0
            }
        };
        let preference: Vec<f64> = members
            .iter()
            .map(|&c| {
                spacing_weight(cells.centroid[c as usize]) * (0.7 + 0.6 * rng.random::<f64>())
            })
            .collect();
        let mut seeds = vec![cells.centroid[first as usize]];
        let mut nearest: Vec<f64> = members
            .iter()
            .map(|&c| dist2(cells.centroid[c as usize], seeds[0]))
            .collect();
        while seeds.len() < n {
            let mut best = (f64::NEG_INFINITY, 0usize);
            for (m, (d, w)) in nearest.iter().zip(&preference).enumerate() {
                if d * w > best.0 {
                    best = (d * w, m);
                }
            }
            let s = cells.centroid[members[best.1] as usize];
            seeds.push(s);
            for (m, &c) in members.iter().enumerate() {
                nearest[m] = nearest[m].min(dist2(cells.centroid[c as usize], s));
            }
        }
        // towns: the seat, then seeds at middling distance from it
        let mut by_distance: Vec<usize> = (1..n).collect();
        by_distance.sort_by(|&a, &b| {
            dist2(seeds[a], seeds[0])
                .total_cmp(&dist2(seeds[b], seeds[0]))
                .then(a.cmp(&b))
        });
        let towns: Vec<usize> = std::iter::once(0)
            .chain(by_distance.iter().copied().skip(n / 2))
            .take(spec.towns)
            .collect();
        let kinds: Vec<CommuneKind> = (0..n)
            .map(|j| {
                if spec.urban {
                    CommuneKind::Ward
                } else if towns.contains(&j) {
                    CommuneKind::Town
                } else {
                    CommuneKind::Commune
                }
            })
            .collect();
        let district_area: f64 = members.iter().map(|&c| cells.area[c as usize]).sum();
        let raw: Vec<f64> = (0..n)
            .map(|j| {
                let r = dist2(seeds[j], [0.0, 0.0]).sqrt();
                match kinds[j] {
                    CommuneKind::Ward => {
                        dmath::pow(1.0 + r / 3000.0, 1.3) * lognormal(&mut rng, 0.3)
                    }
                    CommuneKind::Town => 0.35 * lognormal(&mut rng, 0.2),
                    _ => lognormal(&mut rng, 0.35),
                }
            })
            .collect();
        let raw_sum: f64 = raw.iter().sum();
        let targets: Vec<f64> = raw.iter().map(|w| w / raw_sum * district_area).collect();
        let mut fixed = vec![false; n];
        fixed[0] = true;
        let mut labels = power_partition(&members, &pos, &cells, &mut seeds, &targets, &fixed, 30);
        make_connected(&members, &mut labels, &cells, &seeds, n);

        // order: the seat first, then outwards
        let mut groups: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (&l, &c) in labels.iter().zip(&members) {
            groups[l as usize].push(c);
        }
        let centroid_of = |g: &[u32]| -> ([f64; 2], f64) {
            let (mut x, mut y, mut a) = (0.0, 0.0, 0.0);
            for &c in g {
                let c = c as usize;
                x += cells.area[c] * cells.centroid[c][0];
                y += cells.area[c] * cells.centroid[c][1];
                a += cells.area[c];
            }
            ([x / a, y / a], a)
        };
        let mut order: Vec<usize> = (1..n).collect();
        let seat_point = cells.centroid[first as usize];
        order.sort_by(|&a, &b| {
            let ka = (
                kinds[a] != CommuneKind::Town,
                dist2(centroid_of(&groups[a]).0, seat_point),
            );
            let kb = (
                kinds[b] != CommuneKind::Town,
                dist2(centroid_of(&groups[b]).0, seat_point),
            );
            ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1)).then(a.cmp(&b))
        });
        order.insert(0, 0);

        // population: density model, then exact integers
        let mut weights = Vec::new();
        let mut sizes = Vec::new();
        let mut district_units = Vec::new();
        for &j in &order {
            let (centroid, area) = centroid_of(&groups[j]);
            let r_city = dist2(centroid, [0.0, 0.0]).sqrt();
            let r_seat = dist2(centroid, seat_point).sqrt();
            let (density, size) = match kinds[j] {
                CommuneKind::Ward => (
                    (1.0 + 30.0 * dmath::exp(-r_city / 2500.0)
                        + 3.0 * dmath::exp(-r_seat / 2500.0))
                        * lognormal(&mut rng, 0.3),
                    3.0 + 0.4 * (1.0 - dmath::exp(-r_city / 6000.0)),
                ),
                CommuneKind::Town => (5.0 * lognormal(&mut rng, 0.2), 3.5),
                _ => (lognormal(&mut rng, 0.3), 3.65),
            };
            weights.push(area * density);
            sizes.push(size * (1.0 + 0.04 * normal(&mut rng)));
            let anchor_cell = groups[j]
                .iter()
                .copied()
                .min_by(|&a, &b| {
                    dist2(cells.centroid[a as usize], centroid)
                        .total_cmp(&dist2(cells.centroid[b as usize], centroid))
                        .then(a.cmp(&b))
                })
                .expect("commune has cells");
            let anchor = if j == 0 && groups[0].contains(&first) {
                cells.centroid[first as usize]
            } else {
                cells.centroid[anchor_cell as usize]
            };
            district_units.push(Unit {
                district: d,
                kind: kinds[j].clone(),
                cells: groups[j].clone(),
                area_m2: area,
                anchor,
                population: 0,
                households: 0,
                plane: MultiPolygon::new(Vec::new()),
            });
        }
        let pops = apportion(district_pop.next().expect("district"), &weights);
        let hh_weights: Vec<f64> = pops
            .iter()
            .zip(&sizes)
            .map(|(&p, s)| p as f64 / s)
            .collect();
        let hhs = apportion(district_hh.next().expect("district"), &hh_weights);
        for ((u, p), h) in district_units.iter_mut().zip(pops).zip(hhs) {
            u.population = p;
            u.households = h;
        }
        units.extend(district_units);
    }

    // geometry
    let mut label_of = vec![NONE; cells.grid.len()];
    for (k, u) in units.iter().enumerate() {
        for &c in &u.cells {
            label_of[c as usize] = k as u32;
        }
    }
    let mut communes = Vec::with_capacity(units.len());
    let mut names = name_pool(&mut stream(tile_seed, 3));
    let to_lonlat = |p: [f64; 2]| frame.lonlat(p);
    for (k, u) in units.iter_mut().enumerate() {
        let inside = |c: u32| label_of[c as usize] == k as u32;
        let polys = trace(&u.cells, &inside, &cells, &mut mesh);
        u.plane = to_multipolygon(&polys, &mut mesh, &plane_coord);
        let geometry = to_multipolygon(&polys, &mut mesh, &to_lonlat);
        let global = tile * COMMUNES_PER_COPY + k;
        let prefix = match u.kind {
            CommuneKind::Ward => "Phường",
            CommuneKind::Town => "Thị trấn",
            _ => "Xã",
        };
        let district = if tile == 0 {
            DISTRICTS[u.district].name.to_owned()
        } else {
            format!("{} {}", DISTRICTS[u.district].name, tile + 1)
        };
        communes.push(Commune {
            id: FeatureId::Str(format!("{}", 31117 + 3 * global)),
            name: Some(format!("{prefix} {}", names.next().expect("enough names"))),
            district: Some(district),
            kind: Some(u.kind.clone()),
            population: Some(u.population as f64),
            households: Some(u.households as f64),
            geometry: Some(geometry),
        });
    }
    let city_polys = trace(&all, &|_| true, &cells, &mut mesh);
    let city_plane = to_multipolygon(&city_polys, &mut mesh, &plane_coord);

    let sites = place_sites(config, tile, tile_seed, frame, &units, &cells, &mut mesh);
    let wifi = place_wifi(config, tile, frame, &units, &cells);
    let fiber = lay_fiber(
        config,
        tile_seed,
        frame,
        &units,
        &cells,
        &mut mesh,
        &city_plane,
    );
    TileOut {
        communes,
        sites,
        fiber,
        wifi,
    }
}

/// Vietnamese-looking place names, shuffled.
fn name_pool(rng: &mut ChaCha8Rng) -> impl Iterator<Item = String> {
    let mut names: Vec<String> = Vec::new();
    for a in NAME_FIRST {
        for b in NAME_SECOND {
            if a != b {
                names.push(format!("{a} {b}"));
            }
        }
    }
    for i in (1..names.len()).rev() {
        let j = rng.random_range(0..=i);
        names.swap(i, j);
    }
    names.into_iter()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use geo::GeodesicArea;

    use super::super::test_support::can_tho;
    use super::*;

    #[test]
    fn totals_are_the_census_totals() {
        let s = can_tho();
        let pop: f64 = s.communes.iter().map(|c| c.population.unwrap()).sum();
        let hh: f64 = s.communes.iter().map(|c| c.households.unwrap()).sum();
        assert_eq!(pop, 1_235_171.0);
        assert_eq!(hh, 359_375.0);
        for c in &s.communes {
            let (p, h) = (c.population.unwrap(), c.households.unwrap());
            assert_eq!(p, p.round());
            assert_eq!(h, h.round());
            assert!(h > 0.0 && h < p, "{}: {p} people in {h} households", c.id);
            assert!(
                (2.6..4.4).contains(&(p / h)),
                "{}: {} per household",
                c.id,
                p / h
            );
        }
    }

    #[test]
    fn communes_districts_and_kinds() {
        let s = can_tho();
        assert_eq!(s.communes.len(), COMMUNES_PER_COPY);
        let districts: BTreeSet<_> = s.communes.iter().map(|c| c.district.clone()).collect();
        assert_eq!(districts.len(), DISTRICTS_PER_COPY);
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for c in &s.communes {
            *kinds.entry(c.kind.as_ref().unwrap().as_str()).or_default() += 1;
        }
        assert_eq!(kinds["ward"], 42);
        assert_eq!(kinds["commune"], 36);
        assert_eq!(kinds["town"], 5);
        let ids: BTreeSet<String> = s.communes.iter().map(|c| c.id.key()).collect();
        assert_eq!(ids.len(), s.communes.len());
        assert!(ids
            .iter()
            .all(|id| id.len() == 5 && id.bytes().all(|b| b.is_ascii_digit())));
        let names: BTreeSet<_> = s.communes.iter().map(|c| c.name.clone()).collect();
        assert_eq!(names.len(), s.communes.len());
        // wards are denser than communes on the whole
        let density = |kind: &str| {
            let (p, a) = s
                .communes
                .iter()
                .filter(|c| c.kind.as_ref().unwrap().as_str() == kind)
                .fold((0.0, 0.0), |acc, c| {
                    let a = c.geometry.as_ref().unwrap().geodesic_area_unsigned();
                    (acc.0 + c.population.unwrap(), acc.1 + a)
                });
            p / a * 1e6
        };
        assert!(density("ward") > 4.0 * density("commune"));
    }
}
