//! Calibration tables: the districts of the pattern with their census
//! figures, the city outline, the trunk routes, the place of the first
//! copy, names and operators.

/// Communes in one copy of the city (42 wards, 36 communes, 5 towns).
pub const COMMUNES_PER_COPY: usize = 83;

/// Districts in one copy of the city (5 urban, 4 rural).
pub const DISTRICTS_PER_COPY: usize = 9;
/// One district of the pattern. Population, households and area are the 2019
/// census and official figures of the corresponding Cần Thơ district; the
/// names and the geometry are invented.
pub(super) struct DistrictSpec {
    pub(super) name: &'static str,
    pub(super) urban: bool,
    /// Number of wards (urban) or rural communes (rural), towns excluded.
    pub(super) units: usize,
    pub(super) towns: usize,
    pub(super) population: u64,
    pub(super) households: u64,
    pub(super) area_km2: f64,
    /// Rough position of the district's centre, km east and north of the
    /// city centre.
    pub(super) centre_km: [f64; 2],
    pub(super) five_g: bool,
}

pub(super) const DISTRICTS: [DistrictSpec; DISTRICTS_PER_COPY] = [
    DistrictSpec {
        name: "Quận Tân Giang",
        urban: true,
        units: 11,
        towns: 0,
        population: 280_494,
        households: 94_814,
        area_km2: 29.4,
        centre_km: [-0.8, -1.0],
        five_g: true,
    },
    DistrictSpec {
        name: "Quận Bình Hưng",
        urban: true,
        units: 8,
        towns: 0,
        population: 142_164,
        households: 41_943,
        area_km2: 70.4,
        centre_km: [-5.8, 3.3],
        five_g: false,
    },
    DistrictSpec {
        name: "Quận Phú Lợi",
        urban: true,
        units: 7,
        towns: 0,
        population: 105_393,
        households: 31_431,
        area_km2: 67.3,
        centre_km: [0.8, -4.6],
        five_g: true,
    },
    DistrictSpec {
        name: "Quận Long Thạnh",
        urban: true,
        units: 7,
        towns: 0,
        population: 128_677,
        households: 35_205,
        area_km2: 132.5,
        centre_km: [-13.5, 8.6],
        five_g: false,
    },
    DistrictSpec {
        name: "Quận Thới Xuân",
        urban: true,
        units: 9,
        towns: 0,
        population: 155_360,
        households: 41_370,
        area_km2: 121.2,
        centre_km: [-25.0, 22.8],
        five_g: false,
    },
    DistrictSpec {
        name: "Huyện Mỹ An",
        urban: false,
        units: 6,
        towns: 1,
        population: 98_424,
        households: 27_159,
        area_km2: 125.6,
        centre_km: [-9.9, -4.3],
        five_g: false,
    },
    DistrictSpec {
        name: "Huyện Vĩnh Lộc",
        urban: false,
        units: 12,
        towns: 1,
        population: 109_684,
        households: 29_834,
        area_km2: 266.0,
        centre_km: [-23.0, 1.1],
        five_g: false,
    },
    DistrictSpec {
        name: "Huyện Đông Thạnh",
        urban: false,
        units: 9,
        towns: 1,
        population: 116_576,
        households: 30_476,
        area_km2: 320.4,
        centre_km: [-30.2, 13.8],
        five_g: false,
    },
    DistrictSpec {
        name: "Huyện Trường Phú",
        urban: false,
        units: 9,
        towns: 2,
        population: 98_399,
        households: 27_143,
        area_km2: 306.3,
        centre_km: [-37.9, 20.2],
        five_g: false,
    },
];

/// The city outline before scaling, km east and north of the centre: a
/// river bank running north-west on the north-east side, rice land to the
/// west and south.
pub(super) const OUTLINE_KM: [[f64; 2]; 19] = [
    [10.0, -8.0],
    [6.0, 0.0],
    [3.0, 5.0],
    [-3.0, 10.0],
    [-10.0, 15.0],
    [-17.0, 22.0],
    [-23.0, 30.0],
    [-27.0, 34.0],
    [-36.0, 34.0],
    [-47.0, 32.0],
    [-57.0, 26.0],
    [-57.0, 18.0],
    [-48.0, 8.0],
    [-40.0, 1.0],
    [-33.0, -6.0],
    [-26.0, -12.0],
    [-14.0, -11.0],
    [-4.0, -10.0],
    [4.0, -10.0],
];

/// Roads between district seats (indices into [`DISTRICTS`]) that carry a
/// trunk fibre route.
pub(super) const TRUNKS: [(usize, usize); 10] = [
    (0, 1),
    (0, 2),
    (1, 3),
    (3, 4),
    (0, 5),
    (2, 5),
    (5, 6),
    (6, 7),
    (7, 8),
    (3, 7),
];

/// Centre of the first copy, degrees (lon, lat).
pub(super) const BASE_LON: f64 = 105.765;
pub(super) const BASE_LAT: f64 = 10.03;
/// Room taken by one copy of 1,440 km² when tiling, metres.
pub(super) const TILE_WIDTH_M: f64 = 80_000.0;
pub(super) const TILE_HEIGHT_M: f64 = 56_000.0;

pub(super) const NAME_FIRST: [&str; 20] = [
    "An",
    "Bình",
    "Đông",
    "Hòa",
    "Hưng",
    "Long",
    "Mỹ",
    "Nhơn",
    "Phú",
    "Phước",
    "Tân",
    "Thạnh",
    "Thới",
    "Trung",
    "Trường",
    "Vĩnh",
    "Xuân",
    "Định",
    "Thuận",
    "Giai",
];
pub(super) const NAME_SECOND: [&str; 20] = [
    "An", "Bình", "Hòa", "Hưng", "Lợi", "Long", "Phú", "Thạnh", "Thới", "Xuân", "Lộc", "Khánh",
    "Thuận", "Tiến", "Đông", "Tây", "Nghĩa", "Mỹ", "Lạc", "Điền",
];

pub(super) const OPERATORS: [(&str, f64); 3] =
    [("Viettel", 0.42), ("VNPT", 0.31), ("MobiFone", 0.27)];
pub(super) const FIBER_OPERATORS: [&str; 3] = ["VNPT", "Viettel", "FPT Telecom"];
