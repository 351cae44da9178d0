//! GeoTIFF rasters of the signal-level mode
//! ([`SignalRaster`](crate::engine::raster::SignalRaster)), for QGIS, GDAL
//! and rasterio.
//!
//! [`write_signal_rasters`] writes, for technology `<TECH>` (`2G` … `5G`):
//!
//! | file | band | values | nodata |
//! | --- | --- | --- | --- |
//! | `signal_level_<TECH>.tif` | Float32 | best-server level, dBm | −9999 ([`FLOAT_NODATA`]): outside every commune, or no site in reach |
//! | `sinr_<TECH>.tif` (SINR layer only) | Float32 | SINR of the best server, dB | −9999, as the level |
//! | `best_server_<TECH>.tif` | Int32 | index of the serving site in the scenario (input order, from 0); −1 ([`SITE_NO_SERVER`]) inside a commune with no site in reach | −9999 ([`SITE_NODATA`]): outside every commune |
//! | `best_server_<TECH>_sites.csv` | | `index,site_id,operator,longitude,latitude` of every site carrying `<TECH>`: the key of the site raster's values | |
//!
//! Each GeoTIFF is one band, deflate-compressed (the site raster with the
//! horizontal predictor), strips of about 1 MB, georeferenced by
//! `ModelPixelScaleTag` (33550: pixel width and height in degrees),
//! `ModelTiepointTag` (33922: pixel corner (0, 0) at the grid's north-west
//! corner) and `GeoKeyDirectoryTag` (34735: `GTModelTypeGeoKey` = 2
//! geographic, `GTRasterTypeGeoKey` = 1 PixelIsArea, `GeographicTypeGeoKey`
//! = 4326 WGS 84), with the nodata value in `GDAL_NODATA` (42113, ASCII).

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use tiff::encoder::colortype::{ColorType, Gray32Float, GrayI32};
use tiff::encoder::{Compression, DeflateLevel, Predictor, TiffEncoder, TiffValue};
use tiff::tags::Tag;

use super::write_atomic_with;
use crate::engine::raster::{GeoTransform, SignalRaster, NO_SERVER, OUTSIDE};
use crate::model::Scenario;
use crate::{Error, Result};

/// Nodata of the Float32 rasters (level, SINR).
pub const FLOAT_NODATA: f32 = -9999.0;

/// Nodata of the site raster: a pixel outside every commune.
pub const SITE_NODATA: i32 = -9999;

/// Value of the site raster inside a commune where no site is in reach.
pub const SITE_NO_SERVER: i32 = -1;

/// GeoKey directory: version 1.1.0, three keys: GTModelTypeGeoKey (1024) =
/// 2 (geographic), GTRasterTypeGeoKey (1025) = 1 (PixelIsArea),
/// GeographicTypeGeoKey (2048) = 4326.
const GEO_KEYS: [u16; 16] = [
    1, 1, 0, 3, //
    1024, 0, 1, 2, //
    1025, 0, 1, 1, //
    2048, 0, 1, 4326,
];

/// Writes the GeoTIFFs of `raster` (and the sites table) into `dir` (see
/// the module docs); returns the paths written. Each file is written
/// atomically; `scenario` is the one the raster was computed from.
pub fn write_signal_rasters(
    dir: &Path,
    scenario: &Scenario,
    raster: &SignalRaster,
) -> Result<Vec<PathBuf>> {
    let tech = raster.technology.as_str();
    let mut written = Vec::new();
    let path = dir.join(format!("signal_level_{tech}.tif"));
    write_float_geotiff(&path, raster, &raster.level_dbm)?;
    written.push(path);
    if let Some(sinr) = &raster.sinr_db {
        let path = dir.join(format!("sinr_{tech}.tif"));
        write_float_geotiff(&path, raster, sinr)?;
        written.push(path);
    }
    let path = dir.join(format!("best_server_{tech}.tif"));
    write_site_geotiff(&path, raster)?;
    written.push(path);
    let path = dir.join(format!("best_server_{tech}_sites.csv"));
    write_site_table(&path, scenario, raster)?;
    written.push(path);
    Ok(written)
}

/// Writes one Float32 layer of `raster` (`values`, NaN for nodata, as
/// [`SignalRaster::level_dbm`]) as a GeoTIFF with nodata [`FLOAT_NODATA`].
pub fn write_float_geotiff(path: &Path, raster: &SignalRaster, values: &[f32]) -> Result<()> {
    check_len(path, raster, values.len())?;
    let samples: Vec<f32> = values
        .iter()
        .map(|&v| if v.is_nan() { FLOAT_NODATA } else { v })
        .collect();
    write_geotiff::<Gray32Float>(
        path,
        raster,
        &samples,
        &FLOAT_NODATA.to_string(),
        Predictor::None,
    )
}

/// Writes the serving-site layer of `raster` as an Int32 GeoTIFF: the
/// site's index, [`SITE_NO_SERVER`], or [`SITE_NODATA`] outside every
/// commune.
pub fn write_site_geotiff(path: &Path, raster: &SignalRaster) -> Result<()> {
    check_len(path, raster, raster.site.len())?;
    let samples: Vec<i32> = raster
        .site
        .iter()
        .map(|&s| match s {
            OUTSIDE => SITE_NODATA,
            NO_SERVER => SITE_NO_SERVER,
            s => i32::try_from(s).unwrap_or(SITE_NO_SERVER),
        })
        .collect();
    write_geotiff::<GrayI32>(
        path,
        raster,
        &samples,
        &SITE_NODATA.to_string(),
        Predictor::Horizontal,
    )
}

/// Writes `best_server_<TECH>_sites.csv`: `index,site_id,operator,longitude,latitude`
/// for every site of the scenario carrying the raster's technology, in
/// input order.
pub fn write_site_table(path: &Path, scenario: &Scenario, raster: &SignalRaster) -> Result<()> {
    write_atomic_with(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(["index", "site_id", "operator", "longitude", "latitude"])?;
        for (i, site) in scenario.sites.iter().enumerate() {
            if !site.technologies.contains(raster.technology) {
                continue;
            }
            csv.write_record([
                i.to_string(),
                site.id.key(),
                site.operator.clone().unwrap_or_default(),
                site.location.x().to_string(),
                site.location.y().to_string(),
            ])?;
        }
        csv.flush()
    })
}

fn check_len(path: &Path, raster: &SignalRaster, len: usize) -> Result<()> {
    if raster.width == 0
        || raster.height == 0
        || raster.width.checked_mul(raster.height) != Some(len)
    {
        return Err(Error::io(
            path,
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a raster of {} × {} pixels cannot hold {len} values",
                    raster.width, raster.height
                ),
            ),
        ));
    }
    Ok(())
}

fn write_geotiff<C: ColorType>(
    path: &Path,
    raster: &SignalRaster,
    samples: &[C::Inner],
    nodata: &str,
    predictor: Predictor,
) -> Result<()>
where
    [C::Inner]: TiffValue,
{
    let (width, height) = (raster.width, raster.height);
    let (Ok(w), Ok(h)) = (u32::try_from(width), u32::try_from(height)) else {
        return Err(Error::TooLarge(format!(
            "{}: a TIFF is at most 2³² pixels a side, not {width} × {height}",
            path.display()
        )));
    };
    write_atomic_with(path, |out: &mut BufWriter<&File>| {
        let tiff_error = |e: tiff::TiffError| io::Error::other(e.to_string());
        let mut encoder = TiffEncoder::new(out)
            .map_err(tiff_error)?
            .with_compression(Compression::Deflate(DeflateLevel::Balanced))
            .with_predictor(predictor);
        let mut image = encoder.new_image::<C>(w, h).map_err(tiff_error)?;
        georeference(image.encoder(), &raster.transform, nodata).map_err(tiff_error)?;
        image.write_data(samples).map_err(tiff_error)
    })
}

/// The GeoTIFF tags of a north-up WGS 84 grid.
fn georeference<W: io::Write + io::Seek, K: tiff::encoder::TiffKind>(
    dir: &mut tiff::encoder::DirectoryEncoder<'_, W, K>,
    g: &GeoTransform,
    nodata: &str,
) -> tiff::TiffResult<()> {
    let scale = [g.pixel_width_deg, g.pixel_height_deg, 0.0];
    let tiepoint = [0.0, 0.0, 0.0, g.west_lon_deg, g.north_lat_deg, 0.0];
    dir.write_tag(Tag::ModelPixelScaleTag, &scale[..])?;
    dir.write_tag(Tag::ModelTiepointTag, &tiepoint[..])?;
    dir.write_tag(Tag::GeoKeyDirectoryTag, &GEO_KEYS[..])?;
    dir.write_tag(Tag::GdalNodata, nodata)
}
