//! The coordinate reference system of a scenario's input files: `crs` in
//! `scenario.toml`.
//!
//! Without the key, and for `EPSG:4326`, `OGC:CRS84`, `CRS84`, `WGS84` and
//! `WGS 84` (any case; `urn:ogc:def:crs:…` forms included), positions are
//! WGS 84 longitude/latitude in degrees, in that order, as RFC 7946 wants.
//! EPSG:4326 officially orders its axes latitude first, but GeoJSON and the
//! CSV columns give longitude first, so telecov reads them in that order.
//!
//! Any other value needs the `proj` cargo feature: it is then handed to PROJ
//! (an `AUTHORITY:CODE` such as `EPSG:3405` for VN-2000 / UTM zone 48N, a
//! PROJ string such as `+proj=utm +zone=48 +datum=WGS84 +units=m +no_defs`,
//! WKT or PROJJSON) and every input position is transformed to WGS 84
//! longitude/latitude right after parsing, before the contract's range
//! checks. Positions are read in the "GIS" order PROJ normalises to:
//! easting then northing, or longitude then latitude. The transformation is
//! the one PROJ ranks best without grids (no network access). Without the
//! feature such a value is refused, and the message says to build with
//! `--features proj`.

use std::fmt;

use crate::model::names_wgs84;

/// The EPSG code a CRS name ends with (`EPSG:3405`,
/// `urn:ogc:def:crs:EPSG::3405`, `…/EPSG/0/3405`), if it names one.
pub(crate) fn epsg_code(crs: &str) -> Option<u32> {
    let upper = crs.trim().to_ascii_uppercase();
    if !upper.contains("EPSG") {
        return None;
    }
    let digits = upper.rsplit([':', '/']).next()?;
    digits.parse().ok()
}

/// The CRS of a scenario's input positions, ready to transform them to
/// WGS 84 longitude/latitude.
pub(crate) struct InputCrs {
    /// The value of `crs` as written; `None` for WGS 84.
    name: Option<String>,
    /// The transformation to WGS 84 (`None` for WGS 84).
    #[cfg(feature = "proj")]
    to_wgs84: Option<proj::Proj>,
}

impl fmt::Debug for InputCrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InputCrs")
            .field("name", &self.name)
            .finish()
    }
}

impl InputCrs {
    /// WGS 84 longitude/latitude: positions are kept as read.
    pub(crate) fn wgs84() -> Self {
        InputCrs {
            name: None,
            #[cfg(feature = "proj")]
            to_wgs84: None,
        }
    }

    /// The CRS named by `crs` (`None`: the key is absent). The error is the
    /// reason, for a message naming scenario.toml and the key.
    pub(crate) fn new(crs: Option<&str>) -> std::result::Result<Self, String> {
        let Some(crs) = crs.filter(|c| !names_wgs84(c)) else {
            return Ok(Self::wgs84());
        };
        Self::other(crs)
    }

    #[cfg(not(feature = "proj"))]
    fn other(crs: &str) -> std::result::Result<Self, String> {
        Err(format!(
            "{crs:?} is not WGS 84: reading inputs in another coordinate reference system \
             needs telecov built with the `proj` feature (cargo run --features proj …); \
             without it, give WGS 84 longitude/latitude (leave `crs` out, or \"EPSG:4326\")"
        ))
    }

    #[cfg(feature = "proj")]
    fn other(crs: &str) -> std::result::Result<Self, String> {
        if crs.trim().is_empty() {
            return Err("must name a coordinate reference system, got an empty string".into());
        }
        let to_wgs84 = proj::Proj::new_known_crs(crs, "EPSG:4326", None).map_err(|e| {
            let message = match e {
                proj::ProjCreateError::ProjError(m) => m,
                other => other.to_string(),
            };
            format!("PROJ cannot transform {crs:?} to WGS 84: {message}")
        })?;
        Ok(InputCrs {
            name: Some(crs.to_owned()),
            to_wgs84: Some(to_wgs84),
        })
    }

    /// Whether positions are WGS 84 already (nothing to transform).
    pub(crate) fn is_wgs84(&self) -> bool {
        self.name.is_none()
    }

    /// The CRS as written in scenario.toml (`None` for WGS 84).
    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Position `(x, y)` of the input CRS as WGS 84 `(longitude, latitude)`
    /// in degrees. The error (a reason) is for a position PROJ cannot
    /// transform or that comes out non-finite.
    pub(crate) fn to_wgs84(&self, x: f64, y: f64) -> std::result::Result<(f64, f64), String> {
        #[cfg(feature = "proj")]
        if let Some(p) = &self.to_wgs84 {
            let name = self.name.as_deref().unwrap_or_default();
            let (lon, lat) = p.convert((x, y)).map_err(|e| {
                let why = match e {
                    proj::ProjError::Conversion(m) | proj::ProjError::Projection(m) => m,
                    other => other.to_string(),
                };
                format!("position [{x}, {y}] in {name} cannot be transformed to WGS 84: {why}")
            })?;
            if !lon.is_finite() || !lat.is_finite() {
                return Err(format!(
                    "position [{x}, {y}] in {name} cannot be transformed to WGS 84: \
                     PROJ gives [{lon}, {lat}]"
                ));
            }
            return Ok((lon, lat));
        }
        Ok((x, y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wgs84_names() {
        for n in [
            "EPSG:4326",
            "epsg:4326",
            " OGC:CRS84 ",
            "WGS84",
            "wgs 84",
            "urn:ogc:def:crs:OGC:1.3:CRS84",
            "urn:ogc:def:crs:EPSG::4326",
        ] {
            assert!(names_wgs84(n), "{n}");
            assert!(InputCrs::new(Some(n)).unwrap().is_wgs84(), "{n}");
        }
        for n in ["EPSG:3405", "EPSG:43260", "+proj=longlat +datum=WGS84", ""] {
            assert!(!names_wgs84(n), "{n}");
        }
        assert!(InputCrs::new(None).unwrap().is_wgs84());
    }

    #[test]
    fn epsg_codes() {
        assert_eq!(epsg_code("EPSG:3405"), Some(3405));
        assert_eq!(epsg_code("urn:ogc:def:crs:EPSG::3405"), Some(3405));
        assert_eq!(
            epsg_code("http://www.opengis.net/def/crs/EPSG/0/3405"),
            Some(3405)
        );
        assert_eq!(epsg_code("+proj=utm +zone=48"), None);
    }

    #[cfg(not(feature = "proj"))]
    #[test]
    fn other_crs_needs_the_feature() {
        let why = InputCrs::new(Some("EPSG:3405")).unwrap_err();
        assert!(why.contains("--features proj"), "{why}");
        assert!(why.contains("EPSG:3405"), "{why}");
    }

    #[cfg(feature = "proj")]
    #[test]
    fn utm_48n_to_wgs84() {
        let crs = InputCrs::new(Some("EPSG:32648")).unwrap();
        assert!(!crs.is_wgs84());
        // the central meridian at the equator is (500000, 0)
        let (lon, lat) = crs.to_wgs84(500_000.0, 0.0).unwrap();
        assert!(
            (lon - 105.0).abs() < 1e-9 && lat.abs() < 1e-9,
            "{lon} {lat}"
        );
        let why = InputCrs::new(Some("EPSG:999999")).unwrap_err();
        assert!(why.contains("PROJ"), "{why}");
    }
}
