//! Elevation as a GeoTIFF: `terrain.tif`, readable by
//! [`read_dem_geotiff`](crate::io::read::dem::read_dem_geotiff), GDAL and
//! QGIS.

use std::path::Path;

use tiff::encoder::{colortype, Compression, DeflateLevel, TiffEncoder};
use tiff::tags::Tag;

use super::write_atomic_with;
use crate::model::{DemExtent, DemGrid};
use crate::Result;

/// The `GDAL_NODATA` value written for nodata samples.
pub const DEM_NODATA: f32 = -32768.0;

/// Writes `grid` to `path` as a single-band Float32 GeoTIFF (deflate) in
/// WGS 84 lon/lat: `ModelPixelScale` + `ModelTiepoint`, geographic
/// EPSG:4326 GeoKeys, `GDAL_NODATA` = −32768 (NaN samples are written as
/// −32768). A grid answering over its cells
/// ([`DemExtent::CellEdges`]) is written `PixelIsArea`, the tie point on
/// the north-west corner; one answering between its samples
/// ([`DemExtent::SampleHull`], an SRTM tile) is written `PixelIsPoint`,
/// the tie point on the first sample. The file is written atomically.
///
/// # Errors
///
/// [`Error::Io`](crate::Error::Io) naming `path`.
pub fn write_dem_geotiff(path: impl AsRef<Path>, grid: &DemGrid) -> Result<()> {
    let l = grid.layout();
    let (raster_type, tie_lon, tie_lat) = match l.extent {
        DemExtent::CellEdges => (
            1u16,
            l.first_lon_deg - l.step_lon_deg / 2.0,
            l.first_lat_deg + l.step_lat_deg / 2.0,
        ),
        DemExtent::SampleHull => (2u16, l.first_lon_deg, l.first_lat_deg),
    };
    // version 1.1.0, 3 keys: model type geographic, raster type, WGS 84
    let geokeys: [u16; 16] = [
        1,
        1,
        0,
        3,
        1024,
        0,
        1,
        2,
        1025,
        0,
        1,
        raster_type,
        2048,
        0,
        1,
        4326,
    ];
    let scale = [l.step_lon_deg, l.step_lat_deg, 0.0];
    let tie = [0.0, 0.0, 0.0, tie_lon, tie_lat, 0.0];
    let samples: Vec<f32> = grid
        .heights_m()
        .iter()
        .map(|&h| if h.is_nan() { DEM_NODATA } else { h })
        .collect();
    let (width, height) = (l.width as u32, l.height as u32);
    write_atomic_with(path.as_ref(), |w| {
        let err = |e: tiff::TiffError| std::io::Error::other(e.to_string());
        let mut enc = TiffEncoder::new(&mut *w)
            .map_err(err)?
            .with_compression(Compression::Deflate(DeflateLevel::Balanced));
        let mut img = enc
            .new_image::<colortype::Gray32Float>(width, height)
            .map_err(err)?;
        let e = img.encoder();
        e.write_tag(Tag::ModelPixelScaleTag, &scale[..])
            .map_err(err)?;
        e.write_tag(Tag::ModelTiepointTag, &tie[..]).map_err(err)?;
        e.write_tag(Tag::GeoKeyDirectoryTag, &geokeys[..])
            .map_err(err)?;
        e.write_tag(Tag::GdalNodata, "-32768").map_err(err)?;
        img.write_data(&samples).map_err(err)
    })
}
