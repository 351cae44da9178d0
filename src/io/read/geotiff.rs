//! The one GeoTIFF reader: a single-band image on a north-up WGS 84
//! lon/lat grid, read with the pure-Rust `tiff` crate. `population.tif`
//! ([`super::raster`]) and `terrain.tif` ([`super::dem`]) both go through
//! it.
//!
//! The header is read and checked before any pixel: the size (refused
//! beyond the caller's limit, before allocating), one band, the
//! georeference from `ModelPixelScale` + `ModelTiepoint` (or a
//! `ModelTransformation` without rotation), `GTRasterTypeGeoKey`
//! `PixelIsPoint` (turned into cell edges), the model type (geographic) and
//! datum (WGS 84), and `GDAL_NODATA` (tag 42113). Errors name the file and
//! the tag.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::tags::Tag;

use crate::error::Location;
use crate::{Error, Result};

/// A GeoTIFF whose header has been read and checked; the samples are read
/// by [`GeoTiff::read_image`].
pub(crate) struct GeoTiff {
    path: PathBuf,
    decoder: Decoder<BufReader<File>>,
    /// Columns.
    pub(crate) width: u32,
    /// Rows.
    pub(crate) height: u32,
    /// Longitude of the west edge of the first column, degrees.
    pub(crate) west_lon_deg: f64,
    /// Latitude of the north edge of the first row, degrees.
    pub(crate) north_lat_deg: f64,
    /// Cell width, degrees (> 0).
    pub(crate) cell_width_deg: f64,
    /// Cell height, degrees (> 0; rows run south).
    pub(crate) cell_height_deg: f64,
    /// The `GDAL_NODATA` value, when the file has a numeric one.
    pub(crate) nodata: Option<f64>,
}

/// The file name of `path`, for messages.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

impl GeoTiff {
    /// Opens `path` and checks its header: at most `max_cells` cells (else
    /// [`Error::TooLarge`]), one band (`band` says of what, for the
    /// message), a WGS 84 lon/lat georeference inside [-180, 180] ×
    /// [-90, 90].
    pub(crate) fn open(path: &Path, max_cells: u64, band: &str) -> Result<GeoTiff> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let bad =
            |tag: &str, reason: String| Error::invalid(Location::file(path).property(tag), reason);
        let tiff_err = |e: tiff::TiffError| {
            Error::invalid(Location::file(path), format!("not a readable TIFF: {e}"))
        };
        let mut limits = Limits::default();
        limits.decoding_buffer_size =
            usize::try_from(max_cells.saturating_mul(8)).unwrap_or(usize::MAX);
        let mut decoder = Decoder::new(BufReader::new(file))
            .map_err(tiff_err)?
            .with_limits(limits);
        let (width, height) = decoder.dimensions().map_err(tiff_err)?;
        let cells = u64::from(width) * u64::from(height);
        if cells > max_cells {
            return Err(Error::TooLarge(format!(
                "{}: {width} × {height} = {cells} cells, more than the {max_cells} accepted; crop the raster to the scenario first",
                file_name(path)
            )));
        }
        if cells == 0 {
            return Err(bad("ImageWidth", "the raster has no cells".into()));
        }
        match decoder.colortype().map_err(tiff_err)? {
            tiff::ColorType::Gray(_) => {}
            other => {
                return Err(bad(
                    "SamplesPerPixel",
                    format!("expected one band of {band}, got {other:?}"),
                ))
            }
        }

        // the georeference
        let geokeys = decoder
            .find_tag(Tag::GeoKeyDirectoryTag)
            .map_err(tiff_err)?
            .map(|v| v.into_u16_vec())
            .transpose()
            .map_err(tiff_err)?
            .unwrap_or_default();
        let geokey = |key: u16| -> Option<u16> {
            geokeys
                .get(4..)?
                .chunks_exact(4)
                .find(|e| e.first() == Some(&key) && e.get(1) == Some(&0))
                .and_then(|e| e.get(3).copied())
        };
        match geokey(1024) {
            None | Some(2) => {}
            Some(1) => {
                let code = geokey(3072).map_or("unknown".to_owned(), |c| format!("EPSG:{c}"));
                return Err(bad(
                    "GeoKeyDirectory",
                    format!("projected CRS ({code}) is not supported: reproject the raster to WGS 84 lon/lat (EPSG:4326) first"),
                ));
            }
            Some(other) => {
                return Err(bad(
                    "GeoKeyDirectory",
                    format!("unsupported model type {other} (expected geographic WGS 84 lon/lat)"),
                ))
            }
        }
        match geokey(2048) {
            None | Some(4326) | Some(32767) => {}
            Some(other) => {
                return Err(bad(
                    "GeoKeyDirectory",
                    format!(
                        "geographic CRS EPSG:{other} is not supported (expected WGS 84, EPSG:4326)"
                    ),
                ))
            }
        }
        let pixel_is_point = geokey(1025) == Some(2);
        let f64s = |decoder: &mut Decoder<BufReader<File>>, tag: Tag| -> Result<Option<Vec<f64>>> {
            decoder
                .find_tag(tag)
                .map_err(tiff_err)?
                .map(|v| v.into_f64_vec())
                .transpose()
                .map_err(tiff_err)
        };
        let scale = f64s(&mut decoder, Tag::ModelPixelScaleTag)?;
        let tiepoints = f64s(&mut decoder, Tag::ModelTiepointTag)?;
        let transform = f64s(&mut decoder, Tag::ModelTransformationTag)?;
        let (mut west, mut north, sx, sy) = match (scale, tiepoints, transform) {
            (Some(scale), Some(tie), _) => {
                let (Some(&sx), Some(&sy)) = (scale.first(), scale.get(1)) else {
                    return Err(bad("ModelPixelScale", "expected 3 numbers".into()));
                };
                if tie.len() != 6 {
                    return Err(bad(
                        "ModelTiepoint",
                        format!(
                            "{} tie points: only one tie point with a pixel scale is supported (a warped raster; resample it to a regular grid)",
                            tie.len() / 6
                        ),
                    ));
                }
                let [i, j, _, x, y, _] =
                    [0, 1, 2, 3, 4, 5].map(|k| tie.get(k).copied().unwrap_or(f64::NAN));
                if sy.is_nan() || sy <= 0.0 {
                    return Err(bad(
                        "ModelPixelScale",
                        format!("a y scale of {sy}: only north-up rasters (positive y scale) are supported"),
                    ));
                }
                (x - i * sx, y + j * sy, sx, sy)
            }
            (_, _, Some(m)) => {
                let g = |k: usize| m.get(k).copied().unwrap_or(f64::NAN);
                if m.len() != 16 {
                    return Err(bad("ModelTransformation", "expected 16 numbers".into()));
                }
                if g(1) != 0.0 || g(4) != 0.0 {
                    return Err(bad(
                        "ModelTransformation",
                        "rotated or sheared raster: only north-up grids are supported (warp it first)".into(),
                    ));
                }
                if g(5).is_nan() || g(5) >= 0.0 {
                    return Err(bad(
                        "ModelTransformation",
                        "only north-up rasters (rows running south) are supported".into(),
                    ));
                }
                (g(3), g(7), g(0), -g(5))
            }
            _ => {
                return Err(bad(
                    "ModelPixelScale",
                    "not georeferenced: expected ModelPixelScale and ModelTiepoint (or ModelTransformation) tags".into(),
                ))
            }
        };
        if !(sx > 0.0 && sx.is_finite() && sy.is_finite()) {
            return Err(bad(
                "ModelPixelScale",
                format!("cell size {sx} × {sy}: expected positive finite numbers"),
            ));
        }
        if pixel_is_point {
            // the tie point is the centre of the first cell
            west -= sx / 2.0;
            north += sy / 2.0;
        }
        let east = west + f64::from(width) * sx;
        let south = north - f64::from(height) * sy;
        let tol = 1e-9;
        if !(west >= -180.0 - tol
            && east <= 180.0 + tol
            && south >= -90.0 - tol
            && north <= 90.0 + tol)
        {
            return Err(bad(
                "ModelTiepoint",
                format!(
                    "cells span [{west}, {east}] × [{south}, {north}], outside [-180, 180] × [-90, 90]: is the raster in WGS 84 lon/lat?"
                ),
            ));
        }

        let nodata = match decoder.find_tag(Tag::GdalNodata).map_err(tiff_err)? {
            None => None,
            Some(v) => {
                let text = v.into_string().map_err(tiff_err)?;
                let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
                match text.parse::<f64>() {
                    Ok(x) => Some(x),
                    Err(_) if text.eq_ignore_ascii_case("nan") => None,
                    Err(_) => {
                        return Err(bad(
                            "GDAL_NODATA",
                            format!("expected a number, got {text:?}"),
                        ))
                    }
                }
            }
        };
        Ok(GeoTiff {
            path: path.to_path_buf(),
            decoder,
            width,
            height,
            west_lon_deg: west,
            north_lat_deg: north,
            cell_width_deg: sx,
            cell_height_deg: sy,
            nodata,
        })
    }

    /// Reads the samples, row-major from the north-west cell, in the file's
    /// own sample type.
    pub(crate) fn read_image(mut self) -> Result<(Samples, NodataCheck)> {
        let path = self.path;
        let image = self.decoder.read_image().map_err(|e| {
            Error::invalid(Location::file(&path), format!("not a readable TIFF: {e}"))
        })?;
        let samples = Samples(image);
        let cells = u64::from(self.width) * u64::from(self.height);
        if samples.len() as u64 != cells {
            return Err(Error::invalid(
                Location::file(&path).property("ImageWidth"),
                format!(
                    "decoded {} samples for {} × {} cells",
                    samples.len(),
                    self.width,
                    self.height
                ),
            ));
        }
        Ok((samples, NodataCheck(self.nodata)))
    }
}

/// The `GDAL_NODATA` value, kept after the decoder is consumed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NodataCheck(Option<f64>);

impl NodataCheck {
    /// Whether `v` is the `GDAL_NODATA` value (to within a relative 1e-6,
    /// as the tag is text).
    pub(crate) fn is_nodata(&self, v: f64) -> bool {
        self.0
            .is_some_and(|n| v == n || (v - n).abs() <= n.abs() * 1e-6)
    }
}

/// Decoded samples in the file's own type.
pub(crate) struct Samples(DecodingResult);

impl Samples {
    fn len(&self) -> usize {
        match &self.0 {
            DecodingResult::U8(v) => v.len(),
            DecodingResult::U16(v) => v.len(),
            DecodingResult::U32(v) => v.len(),
            DecodingResult::U64(v) => v.len(),
            DecodingResult::I8(v) => v.len(),
            DecodingResult::I16(v) => v.len(),
            DecodingResult::I32(v) => v.len(),
            DecodingResult::I64(v) => v.len(),
            DecodingResult::F16(v) => v.len(),
            DecodingResult::F32(v) => v.len(),
            DecodingResult::F64(v) => v.len(),
        }
    }

    /// Whether the samples are 16-bit signed integers (SRTM's type, whose
    /// −32768 marks voids).
    pub(crate) fn is_i16(&self) -> bool {
        matches!(self.0, DecodingResult::I16(_))
    }

    /// Every sample as f64 through `f`, in order.
    pub(crate) fn map<T>(self, f: impl Fn(f64) -> T) -> Vec<T> {
        match self.0 {
            DecodingResult::U8(v) => v.into_iter().map(|x| f(f64::from(x))).collect(),
            DecodingResult::U16(v) => v.into_iter().map(|x| f(f64::from(x))).collect(),
            DecodingResult::U32(v) => v.into_iter().map(|x| f(f64::from(x))).collect(),
            DecodingResult::U64(v) => v.into_iter().map(|x| f(x as f64)).collect(),
            DecodingResult::I8(v) => v.into_iter().map(|x| f(f64::from(x))).collect(),
            DecodingResult::I16(v) => v.into_iter().map(|x| f(f64::from(x))).collect(),
            DecodingResult::I32(v) => v.into_iter().map(|x| f(f64::from(x))).collect(),
            DecodingResult::I64(v) => v.into_iter().map(|x| f(x as f64)).collect(),
            DecodingResult::F16(v) => v.into_iter().map(|x| f(x.to_f64())).collect(),
            DecodingResult::F32(v) => v.into_iter().map(|x| f(f64::from(x))).collect(),
            DecodingResult::F64(v) => v.into_iter().map(f).collect(),
        }
    }
}
