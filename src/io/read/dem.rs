//! Elevation input: `terrain.tif` (a GeoTIFF) or a `terrain/` folder of
//! SRTM `.hgt` tiles, read into a [`Dem`].
//!
//! # `terrain.tif`
//!
//! A single-band GeoTIFF in WGS 84 lon/lat (Copernicus GLO-30 or SRTM
//! cropped and exported by GDAL or QGIS), through the same GeoTIFF reader
//! as `population.tif`: any integer or floating-point sample type (Int16,
//! UInt16, Float32 …), any compression the `tiff` crate decodes, the
//! georeference from `ModelPixelScale` + `ModelTiepoint` (or a
//! `ModelTransformation` without rotation), `PixelIsArea` or
//! `PixelIsPoint`. Nodata: the `GDAL_NODATA` value, NaN, and −32768 in an
//! Int16 raster (SRTM's void, often written without the tag). Each pixel's
//! value is the height at its centre; the DEM answers out to the raster's
//! edges ([`DemExtent::CellEdges`]).
//!
//! # `terrain/*.hgt`
//!
//! SRTM tiles as USGS distributes them: named by the south-west corner of
//! their 1° × 1° square (`N10E105.hgt` covers 10–11° N, 105–106° E; `S`
//! and `W` for south and west; anything after the first dot but the final
//! `.hgt` is ignored, as in `N10E105.SRTMGL1.hgt`), 3601 × 3601 (1″) or
//! 1201 × 1201 (3″) big-endian 16-bit signed heights in metres, rows from
//! north to south, −32768 for voids. The edge rows and columns lie on the
//! integer degrees and repeat the neighbouring tile's, so a tile answers
//! between its outer samples and two tiles agree on their seam. Files not
//! ending in `.hgt` are ignored, except compressed tiles (`.hgt.zip`,
//! `.hgt.gz`), which are refused (extract them first); two files for one
//! tile are refused.
//!
//! Sizes are checked before any sample is read: a GeoTIFF from its header,
//! tiles from their file sizes; the whole DEM is refused beyond
//! [`MAX_DEM_CELLS`] samples. Every error names the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::geotiff::{file_name, GeoTiff};
use crate::error::Location;
use std::sync::Arc;

use crate::model::{Dem, DemExtent, DemGrid, DemLayout, DemLoader, Terrain};
use crate::{Error, Result};

/// The largest DEM accepted, in samples: 120 million (480 MB in memory),
/// nine 1″ SRTM tiles, or 11,000 × 11,000 pixels. Crop larger rasters, or
/// use 3″ tiles, for the scenario.
pub const MAX_DEM_CELLS: u64 = 120_000_000;

/// File name of the elevation GeoTIFF in a scenario directory.
pub const TERRAIN_TIF: &str = "terrain.tif";

/// Folder name of the SRTM tiles in a scenario directory.
pub const TERRAIN_DIR: &str = "terrain";

/// The void value of SRTM (and of Int16 rasters made from it).
const SRTM_VOID: i16 = i16::MIN;

/// Samples per side of a 1″ (SRTM1) tile.
const SRTM1_SIDE: usize = 3601;
/// Samples per side of a 3″ (SRTM3) tile.
const SRTM3_SIDE: usize = 1201;

fn invalid(path: &Path, reason: impl Into<String>) -> Error {
    Error::invalid(Location::file(path), reason)
}

/// Reads elevation from `path`: a folder of `.hgt` tiles, one `.hgt`
/// tile, or a GeoTIFF (see the [module docs](self)).
///
/// # Errors
///
/// [`Error::Io`] when the path cannot be read, [`Error::TooLarge`] beyond
/// [`MAX_DEM_CELLS`], [`Error::Invalid`] naming the file otherwise.
pub fn read_dem(path: impl AsRef<Path>) -> Result<Dem> {
    let path = path.as_ref();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        read_hgt_folder(path)
    } else if has_extension(path, "hgt") {
        Ok(Dem::from(read_hgt(path)?))
    } else {
        read_dem_geotiff(path)
    }
}

/// The elevation of a scenario directory: `terrain.tif` or `terrain/`,
/// `None` when it has neither.
///
/// # Errors
///
/// Refuses a directory holding both (they would be two terrains), and
/// whatever [`read_dem`] refuses.
pub fn read_scenario_dem(dir: impl AsRef<Path>) -> Result<Option<Dem>> {
    let dir = dir.as_ref();
    let tif = dir.join(TERRAIN_TIF);
    let folder = dir.join(TERRAIN_DIR);
    let has_tif = tif.is_file();
    let has_folder = folder.is_dir();
    match (has_tif, has_folder) {
        (true, true) => Err(invalid(
            &tif,
            "both terrain.tif and terrain/ are present: keep one (they would be two terrains)",
        )),
        (true, false) => read_dem_geotiff(&tif).map(Some),
        (false, true) => read_hgt_folder(&folder).map(Some),
        (false, false) => Ok(None),
    }
}

/// The terrain of a scenario directory, decoded only when first needed:
/// `terrain.tif` (its header checked now) or `terrain/` (tile names and
/// sizes checked now), known by the BLAKE3 digest of the files' bytes
/// (and names), so that a run finding every footprint in a cache never
/// decodes the DEM. The samples are read and checked on first use of
/// [`Terrain::dem`], which also refuses files that changed since. `None`
/// when the directory has neither.
///
/// # Errors
///
/// As [`read_scenario_dem`] for what can be checked without the samples.
pub fn scenario_terrain(dir: impl AsRef<Path>) -> Result<Option<Terrain>> {
    scenario_terrain_memo(dir.as_ref(), None)
}

/// [`scenario_terrain`], taking each file's digest from the memo in
/// folder `memo` ([`DIGEST_MEMO`]) when the file is the one the memo saw,
/// and recording there the digests it computes.
pub(crate) fn scenario_terrain_memo(dir: &Path, memo: Option<&Path>) -> Result<Option<Terrain>> {
    let tif = dir.join(TERRAIN_TIF);
    let folder = dir.join(TERRAIN_DIR);
    type Decoder = fn(&Path) -> Result<Dem>;
    let (files, loader): (Vec<PathBuf>, Decoder) =
        match (tif.is_file(), folder.is_dir()) {
            (true, true) => return Err(invalid(
                &tif,
                "both terrain.tif and terrain/ are present: keep one (they would be two terrains)",
            )),
            (true, false) => {
                // the header now: size, band, georeference, nodata
                GeoTiff::open(&tif, MAX_DEM_CELLS, "terrain heights")?;
                (vec![tif.clone()], |p: &Path| read_dem_geotiff(p))
            }
            (false, true) => (hgt_tiles(&folder)?, |p: &Path| read_hgt_folder(p)),
            (false, false) => return Ok(None),
        };
    let digest = files_digest(&files, memo, MEMO_SETTLE)?;
    let source = if files.len() == 1 && files[0] == tif {
        tif
    } else {
        folder
    };
    let load: DemLoader = Arc::new(move || {
        let dem = loader(&source)?;
        let files = if source.is_dir() {
            hgt_tiles(&source)?
        } else {
            vec![source.clone()]
        };
        // every byte hashed again, whatever a memo says
        if files_digest(&files, None, MEMO_SETTLE)? != digest {
            return Err(invalid(
                &source,
                "the elevation input changed since the scenario was loaded: run again",
            ));
        }
        Ok(dem)
    });
    Ok(Some(Terrain::deferred(digest, load)))
}

/// The memo of elevation files' digests in a footprint cache folder: one
/// line per file (tab-separated: the BLAKE3 digest of its bytes in
/// hexadecimal, then its size, modification and status-change times in
/// seconds and nanoseconds, inode, device and canonical path), so that a
/// re-run does not read a large DEM only to find the digest it already
/// knows. A line is used only when all of these are what the file system
/// reports now: rewriting a file changes its status-change time, which no
/// program can set back. A file is recorded only once both its times are
/// [`MEMO_SETTLE`] in the past (a file written within the clock's
/// resolution of being hashed could otherwise change unseen), and only on
/// Unix, where these fields exist; elsewhere every run hashes the bytes.
/// The memo is a cache like the packs beside it: deleting it is safe.
pub const DIGEST_MEMO: &str = "file-digests.tsv";

/// How long a file must have been left alone before its digest is
/// recorded in the [`DIGEST_MEMO`].
pub const MEMO_SETTLE: std::time::Duration = std::time::Duration::from_secs(2);

/// Lines kept in the [`DIGEST_MEMO`] (the most recent).
const MEMO_LINES: usize = 256;

/// What the file system says about a file: if none of it changed, neither
/// did its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: (i64, i64),
    changed: (i64, i64),
    inode: u64,
    device: u64,
}

impl Stamp {
    #[cfg(unix)]
    fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        Some(Stamp {
            len: meta.len(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
            inode: meta.ino(),
            device: meta.dev(),
        })
    }

    #[cfg(not(unix))]
    fn of(_meta: &std::fs::Metadata) -> Option<Stamp> {
        None
    }

    /// Whether both times lie `settle` or more before `now` (seconds
    /// since the epoch).
    fn settled(&self, now: std::time::Duration, settle: std::time::Duration) -> bool {
        let secs = |(s, ns): (i64, i64)| {
            u64::try_from(s)
                .ok()
                .map(|s| std::time::Duration::new(s, ns.clamp(0, 999_999_999) as u32))
        };
        [self.modified, self.changed]
            .into_iter()
            .all(|t| secs(t).is_some_and(|t| t + settle <= now))
    }

    fn line(&self, digest: &[u8; 32], path: &Path) -> Option<String> {
        let path = path.to_str().filter(|p| !p.contains(['\t', '\n', '\r']))?;
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Some(format!(
            "{hex}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{path}",
            self.len,
            self.modified.0,
            self.modified.1,
            self.changed.0,
            self.changed.1,
            self.inode,
            self.device
        ))
    }

    fn parse(line: &str) -> Option<(PathBuf, Stamp, [u8; 32])> {
        let f: Vec<&str> = line.splitn(9, '\t').collect();
        let [hex, len, ms, mns, cs, cns, inode, device, path] = f[..] else {
            return None;
        };
        if hex.len() != 64 {
            return None;
        }
        let mut digest = [0u8; 32];
        for (i, b) in digest.iter_mut().enumerate() {
            *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        let stamp = Stamp {
            len: len.parse().ok()?,
            modified: (ms.parse().ok()?, mns.parse().ok()?),
            changed: (cs.parse().ok()?, cns.parse().ok()?),
            inode: inode.parse().ok()?,
            device: device.parse().ok()?,
        };
        Some((PathBuf::from(path), stamp, digest))
    }
}

/// The [`DIGEST_MEMO`] of one folder, as read, with what this run adds.
struct Memo {
    file: PathBuf,
    lines: Vec<(PathBuf, Stamp, [u8; 32])>,
    changed: bool,
}

impl Memo {
    /// The memo in `dir` (empty when missing or unreadable; lines that do
    /// not parse are dropped).
    fn read(dir: &Path) -> Memo {
        let file = dir.join(DIGEST_MEMO);
        let lines = std::fs::read_to_string(&file)
            .map(|text| text.lines().filter_map(Stamp::parse).collect())
            .unwrap_or_default();
        Memo {
            file,
            lines,
            changed: false,
        }
    }

    fn get(&self, path: &Path, stamp: &Stamp) -> Option<[u8; 32]> {
        self.lines
            .iter()
            .rev()
            .find(|(p, s, _)| p == path && s == stamp)
            .map(|l| l.2)
    }

    fn record(&mut self, path: PathBuf, stamp: Stamp, digest: [u8; 32]) {
        self.lines.retain(|(p, _, _)| *p != path);
        self.lines.push((path, stamp, digest));
        self.changed = true;
    }

    /// Writes the memo back when this run added to it; a memo that cannot
    /// be written is not an error (the next run hashes again).
    fn write(self) {
        if !self.changed {
            return;
        }
        let skip = self.lines.len().saturating_sub(MEMO_LINES);
        let text: String = self.lines[skip..]
            .iter()
            .filter_map(|(p, s, d)| s.line(d, p))
            .map(|l| l + "\n")
            .collect();
        if let Some(dir) = self.file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = crate::io::write::write_atomic(&self.file, text.as_bytes());
    }
}

/// BLAKE3 of the files' names, sizes and digests (each the BLAKE3 of its
/// bytes), in order. A file's digest comes from the memo in folder `memo`
/// when it has one for the file as it is now; else its bytes are hashed
/// from a memory map on every core (BLAKE3 is a tree hash: the digest is
/// the one of hashing them in one piece), without copying the file into
/// memory first, and recorded in the memo once the file is `settle` old.
fn files_digest(
    files: &[PathBuf],
    memo: Option<&Path>,
    settle: std::time::Duration,
) -> Result<[u8; 32]> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut memo = memo.map(Memo::read);
    let mut h = blake3::Hasher::new();
    h.update(b"telecov.dem-files/2");
    for path in files {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let len = meta.len();
        let stamp = Stamp::of(&meta);
        let canonical = memo
            .as_ref()
            .and(stamp)
            .and_then(|_| path.canonicalize().ok());
        let known = match (&memo, &stamp, &canonical) {
            (Some(m), Some(s), Some(c)) => m.get(c, s),
            _ => None,
        };
        let digest = match known {
            Some(d) => d,
            None => {
                let mut bytes = blake3::Hasher::new();
                bytes
                    .update_mmap_rayon(path)
                    .map_err(|e| Error::io(path, e))?;
                let after = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
                if bytes.count() != len || Stamp::of(&after) != stamp {
                    return Err(invalid(
                        path,
                        "the file changed while it was read: run again",
                    ));
                }
                let d = *bytes.finalize().as_bytes();
                if let (Some(m), Some(s), Some(c)) = (&mut memo, stamp, canonical) {
                    if s.settled(now, settle) {
                        m.record(c, s, d);
                    }
                }
                d
            }
        };
        let name = file_name(path);
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update(&len.to_le_bytes());
        h.update(&digest);
    }
    if let Some(m) = memo {
        m.write();
    }
    Ok(*h.finalize().as_bytes())
}

/// Reads an elevation GeoTIFF (see the [module docs](self)).
///
/// ```no_run
/// let dem = telecov::io::read_dem_geotiff("scenario/terrain.tif")?;
/// println!("{:?} m at the centre", dem.height_m(105.75, 10.03));
/// # Ok::<(), telecov::Error>(())
/// ```
///
/// # Errors
///
/// As [`read_dem`].
pub fn read_dem_geotiff(path: impl AsRef<Path>) -> Result<Dem> {
    let path = path.as_ref();
    let tif = GeoTiff::open(path, MAX_DEM_CELLS, "terrain heights")?;
    let layout = DemLayout {
        width: tif.width as usize,
        height: tif.height as usize,
        first_lon_deg: tif.west_lon_deg + tif.cell_width_deg / 2.0,
        first_lat_deg: tif.north_lat_deg - tif.cell_height_deg / 2.0,
        step_lon_deg: tif.cell_width_deg,
        step_lat_deg: tif.cell_height_deg,
        extent: DemExtent::CellEdges,
    };
    let (samples, nodata) = tif.read_image()?;
    let int16 = samples.is_i16();
    let heights = samples.map(|v| {
        let void = v.is_nan() || nodata.is_nodata(v) || (int16 && v == f64::from(SRTM_VOID));
        if void {
            f32::NAN
        } else {
            v as f32
        }
    });
    let grid = DemGrid::new(layout, heights).map_err(|e| invalid(path, e.to_string()))?;
    Ok(Dem::from(grid))
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case(ext))
}

/// The south-west corner (latitude, longitude) of a tile named like
/// `N10E105.hgt`.
fn tile_corner(path: &Path) -> Result<(i32, i32)> {
    let name = file_name(path);
    let stem = name.split('.').next().unwrap_or("");
    let b = stem.as_bytes();
    let parsed = (|| {
        if b.len() != 7 {
            return None;
        }
        let lat_sign = match b.first()?.to_ascii_uppercase() {
            b'N' => 1,
            b'S' => -1,
            _ => return None,
        };
        let lon_sign = match b.get(3)?.to_ascii_uppercase() {
            b'E' => 1,
            b'W' => -1,
            _ => return None,
        };
        let lat: i32 = stem.get(1..3)?.parse().ok()?;
        let lon: i32 = stem.get(4..7)?.parse().ok()?;
        let (lat, lon) = (lat_sign * lat, lon_sign * lon);
        ((-90..90).contains(&lat) && (-180..180).contains(&lon)).then_some((lat, lon))
    })();
    parsed.ok_or_else(|| {
        invalid(
            path,
            "not an SRTM tile name: expected the south-west corner like N10E105.hgt or S08W035.hgt",
        )
    })
}

/// Samples per side of a tile of `len` bytes.
fn tile_side(path: &Path, len: u64) -> Result<usize> {
    [SRTM1_SIDE, SRTM3_SIDE]
        .into_iter()
        .find(|s| (s * s * 2) as u64 == len)
        .ok_or_else(|| {
            invalid(
                path,
                format!(
                    "{len} bytes: an SRTM tile holds 3601 × 3601 (1″, {} bytes) or 1201 × 1201 (3″, {} bytes) 16-bit heights",
                    SRTM1_SIDE * SRTM1_SIDE * 2,
                    SRTM3_SIDE * SRTM3_SIDE * 2
                ),
            )
        })
}

/// Reads one SRTM `.hgt` tile (see the [module docs](self)).
///
/// # Errors
///
/// [`Error::Io`] when it cannot be read, [`Error::Invalid`] naming the file
/// for a name that is not a tile's or a size that is not 1″ or 3″.
pub fn read_hgt(path: impl AsRef<Path>) -> Result<DemGrid> {
    let path = path.as_ref();
    let (lat0, lon0) = tile_corner(path)?;
    let len = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    let side = tile_side(path, len)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.len() != side * side * 2 {
        return Err(invalid(path, "the file changed while it was read"));
    }
    let heights = bytes
        .chunks_exact(2)
        .map(|b| match i16::from_be_bytes([b[0], b[1]]) {
            SRTM_VOID => f32::NAN,
            v => f32::from(v),
        })
        .collect();
    let step = 1.0 / (side - 1) as f64;
    let layout = DemLayout {
        width: side,
        height: side,
        first_lon_deg: f64::from(lon0),
        first_lat_deg: f64::from(lat0) + 1.0,
        step_lon_deg: step,
        step_lat_deg: step,
        extent: DemExtent::SampleHull,
    };
    DemGrid::new(layout, heights).map_err(|e| invalid(path, e.to_string()))
}

/// Reads a folder of SRTM `.hgt` tiles into one [`Dem`] (see the
/// [module docs](self)), tiles in file-name order.
///
/// # Errors
///
/// As [`read_dem`]; also a folder without tiles, compressed tiles and two
/// files for one tile.
pub fn read_hgt_folder(dir: impl AsRef<Path>) -> Result<Dem> {
    let dir = dir.as_ref();
    let by_name = hgt_tiles(dir)?;
    let grids = by_name
        .iter()
        .map(read_hgt)
        .collect::<Result<Vec<DemGrid>>>()?;
    Dem::new(grids).map_err(|e| invalid(dir, e.to_string()))
}

/// The `.hgt` tiles of a folder, checked by name and size (see the
/// [module docs](self)), in file-name order.
fn hgt_tiles(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .map(|entry| entry.map(|e| e.path()).map_err(|e| Error::io(dir, e)))
        .collect::<Result<_>>()?;
    paths.sort();
    let mut tiles: BTreeMap<(i32, i32), PathBuf> = BTreeMap::new();
    let mut cells: u64 = 0;
    for path in paths {
        let name = file_name(&path).to_ascii_lowercase();
        if name.ends_with(".hgt.zip") || name.ends_with(".hgt.gz") {
            return Err(invalid(
                &path,
                "compressed tile: extract the .hgt file into the folder first",
            ));
        }
        if !has_extension(&path, "hgt") || !path.is_file() {
            continue;
        }
        let corner = tile_corner(&path)?;
        let len = std::fs::metadata(&path)
            .map_err(|e| Error::io(&path, e))?
            .len();
        let side = tile_side(&path, len)?;
        if let Some(other) = tiles.get(&corner) {
            return Err(invalid(
                &path,
                format!("the same tile as {}: keep one", file_name(other)),
            ));
        }
        cells += (side * side) as u64;
        if cells > MAX_DEM_CELLS {
            return Err(Error::TooLarge(format!(
                "{}: the tiles up to {} hold more than the {MAX_DEM_CELLS} samples accepted; keep the tiles the scenario needs, or use 3″ tiles",
                file_name(dir),
                file_name(&path)
            )));
        }
        tiles.insert(corner, path);
    }
    if tiles.is_empty() {
        return Err(invalid(
            dir,
            "no SRTM tile in the folder (files named like N10E105.hgt)",
        ));
    }
    let mut by_name: Vec<PathBuf> = tiles.into_values().collect();
    by_name.sort();
    Ok(by_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// `files_digest` with the memo in folder `memo`.
    fn digest(files: &[PathBuf], memo: &Path, settle: Duration) -> [u8; 32] {
        files_digest(files, Some(memo), settle).expect("digest")
    }

    #[cfg(unix)]
    #[test]
    fn the_digest_memo_serves_an_unchanged_file_and_never_a_changed_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let memo = dir.path().join("cache");
        let file = dir.path().join("terrain.tif");
        std::fs::write(&file, vec![7u8; 300_000]).expect("write");
        let files = vec![file.clone()];
        let hashed = files_digest(&files, None, MEMO_SETTLE).expect("digest");
        // a freshly written file is not recorded (it could still change
        // within the clock's resolution)
        assert_eq!(digest(&files, &memo, MEMO_SETTLE), hashed);
        assert!(!memo.join(DIGEST_MEMO).exists());
        // once settled (here: no settling asked), recorded; the same digest
        assert_eq!(digest(&files, &memo, Duration::ZERO), hashed);
        let text = std::fs::read_to_string(memo.join(DIGEST_MEMO)).expect("memo");
        assert_eq!(text.lines().count(), 1);
        // the memo is what answers: a line naming another digest for the
        // file as it is now is believed (which is why lines are written
        // only for settled files)
        let line = Stamp::parse(text.lines().next().unwrap()).expect("parses");
        assert_eq!(line.2, *blake3::hash(&vec![7u8; 300_000]).as_bytes());
        let forged = text.replacen(&text[..2], "00", 1);
        std::fs::write(memo.join(DIGEST_MEMO), &forged).expect("write");
        assert_ne!(digest(&files, &memo, Duration::ZERO), hashed);
        std::fs::write(memo.join(DIGEST_MEMO), &text).expect("write");
        assert_eq!(digest(&files, &memo, Duration::ZERO), hashed);
        // the same size, other bytes: a new status-change time, hashed again
        std::thread::sleep(Duration::from_millis(50));
        let mut other = vec![7u8; 300_000];
        other[123_456] = 8;
        std::fs::write(&file, &other).expect("write");
        let changed = files_digest(&files, None, MEMO_SETTLE).expect("digest");
        assert_ne!(changed, hashed);
        assert_eq!(digest(&files, &memo, Duration::ZERO), changed);
        // the memo holds the new line only
        let text = std::fs::read_to_string(memo.join(DIGEST_MEMO)).expect("memo");
        assert_eq!(text.lines().count(), 1);
        // a damaged memo is ignored, then rewritten
        std::fs::write(memo.join(DIGEST_MEMO), "not\ta memo\n").expect("write");
        assert_eq!(digest(&files, &memo, Duration::ZERO), changed);
        let text = std::fs::read_to_string(memo.join(DIGEST_MEMO)).expect("memo");
        assert_eq!(text.lines().filter_map(Stamp::parse).count(), 1);
    }

    #[test]
    fn a_stamp_settles_after_its_later_time() {
        let stamp = Stamp {
            len: 1,
            modified: (1_000, 0),
            changed: (1_001, 500_000_000),
            inode: 1,
            device: 1,
        };
        let settle = Duration::from_secs(2);
        assert!(!stamp.settled(Duration::new(1_003, 400_000_000), settle));
        assert!(stamp.settled(Duration::new(1_003, 500_000_000), settle));
        // a line round-trips, and a path with a tab is not written
        let d = [0xabu8; 32];
        let line = stamp.line(&d, Path::new("/a/b c.tif")).expect("line");
        assert_eq!(
            Stamp::parse(&line),
            Some((PathBuf::from("/a/b c.tif"), stamp, d))
        );
        assert_eq!(stamp.line(&d, Path::new("/a/b\tc.tif")), None);
    }
}
