//! Every file telecov writes, and the one way it writes them.
//!
//! - [`write_report`]: `report.json`, exactly the contract's schema
//!   ([`Report`](crate::report::Report)); [`summary_table`]: a short
//!   per-district table for a terminal.
//! - [`communes_map`] / [`write_communes_map`]: `communes.geojson`, the
//!   commune polygons carrying the report's figures plus ready-made
//!   percentages (`pct_4G`, `pct_fiber`, …) for a choropleth in QGIS or
//!   geojson.io.
//! - [`sites_map`]: `sites.geojson`, every site with the range the engine
//!   used per technology and why (site `range_m`, link budget, default).
//! - [`gaps_geojson`] / [`write_gaps`]: `gaps.geojson`, the uncovered
//!   regions of every layer.
//! - [`write_plan`]: a plan's proposals, coverage curve and
//!   `scenario_with_plan/`.
//! - [`write_best_server_map`]: `best_server.geojson` of the signal mode.
//! - [`html`] (`report.html`, an interactive page that works offline) and
//!   [`map_png`](mod@map_png) (`map.png`, a static choropleth), with the
//!   colour classes they share in [`legend`].
//! - [`write_signal_rasters`]: GeoTIFFs of the signal mode on a WGS 84
//!   grid (`signal_level_<TECH>.tif`, `sinr_<TECH>.tif`,
//!   `best_server_<TECH>.tif` and its sites table).
//! - [`write_scenario`]: a scenario back to the contract.
//! - [`write_scorecard_json`] / [`write_scorecard_csv`]: `scorecard.json`
//!   and `scorecard.csv`, the digital-infrastructure scorecard.
//! - [`write_dem_geotiff`]: elevation as a GeoTIFF (`terrain.tif`).
//!
//! Maps go through one GeoJSON writer (streamed, coordinates to
//! [`COORDINATE_DECIMALS`] decimals). Files are written atomically by
//! [`write_atomic`]: to a uniquely named temporary file in the same folder,
//! then moved into place in one step (on Linux, swapped with the file it
//! replaces, which is then removed), so an interrupted or failed run never
//! leaves a half-written file under a file's name, and a reader sees the
//! old file or the new one, never neither. A set of files written into a
//! staging folder (the `coverage` command's) is moved into place only once
//! every one of them is written.
//!
//! **Durability.** By default the files are left to the operating system
//! to write to disk in its own time, as GIS tools do: once the command has
//! returned, every reader sees the whole files, but a power cut or a
//! kernel crash in the next seconds may lose them (a run can be repeated;
//! its files are derived from the scenario). [`set_sync_to_disk`]`(true)`
//! (the commands' `--sync`) flushes each file to disk before it is renamed
//! into place, on a thread of the staging's own while the next files are
//! computed, and moves a staging folder's files into place only once every
//! one of them is on disk: the files then survive a power cut once the
//! command has returned. It costs the wait for the disk: about 3 ms of the
//! demo's 72 ms on the reference machine, far more on a slow disk.

mod capacity;
mod changes;
mod communes;
mod dem;
mod frame;
mod gaps;
mod geojson_kit;
mod geotiff;
pub mod html;
pub mod legend;
pub mod map_png;
mod plan;
mod report;
pub(crate) mod scenario;
mod scorecard;
mod signal;
mod sites;

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Mutex};

use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, JsonValue};

use crate::model::FeatureId;
use crate::{Error, Result};

pub use capacity::{capacity_json, write_capacity, write_sectors_map};
pub use changes::{changes_json, write_changes, write_changes_map, CHANGES_SCHEMA};
pub use communes::{commune_columns, communes_map, write_communes_csv, write_communes_map};
pub use dem::{write_dem_geotiff, DEM_NODATA};
pub use gaps::{gaps_geojson, write_gaps};
pub use geojson_kit::COORDINATE_DECIMALS;
pub use geotiff::{
    write_float_geotiff, write_signal_rasters, write_site_geotiff, write_site_table, FLOAT_NODATA,
    SITE_NODATA, SITE_NO_SERVER,
};
pub use html::{report_html, write_report_html};
pub use map_png::{map_png, write_map_png};
pub use plan::{
    capacity_plan_json, cost_json, curve_csv, fiber_geojson, plan_json, plan_json_with,
    sites_geojson, wifi_geojson, write_plan, write_plan_with,
};
pub use report::{summary_table, write_report};
pub use scenario::write_scenario;
pub use scorecard::{scorecard_csv, scorecard_json, write_scorecard_csv, write_scorecard_json};
pub use signal::write_best_server_map;
pub use sites::{sites_map, write_sites_audit, write_sites_map};

/// Whether files are flushed to disk before they are renamed into place
/// (see the module docs): off unless [`set_sync_to_disk`] turned it on.
static SYNC_TO_DISK: AtomicBool = AtomicBool::new(false);

/// Turns flushing every file to disk before it is renamed into place on or
/// off, for the whole process (off by default; see the module docs on
/// durability). The files' contents do not depend on it.
///
/// ```
/// telecov::io::write::set_sync_to_disk(true);
/// assert!(telecov::io::write::sync_to_disk());
/// ```
pub fn set_sync_to_disk(on: bool) {
    SYNC_TO_DISK.store(on, Ordering::Relaxed);
}

/// Whether files are flushed to disk before they are renamed into place
/// ([`set_sync_to_disk`]).
pub fn sync_to_disk() -> bool {
    SYNC_TO_DISK.load(Ordering::Relaxed)
}

/// Writes `bytes` to `path` atomically (see the module docs).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes to a uniquely named temporary file next to `path` through
/// `write`, flushes it to disk when [`sync_to_disk`], then renames it into
/// place; on any error the temporary file is removed and the error names
/// `path`. Inside a
/// staging folder of the crate's own, the flush and the rename are left to
/// the staging's flusher thread, and the staging moves its files into
/// place only once they are done.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&File>) -> std::io::Result<()>,
) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_owned());
    let tmp: PathBuf = path.with_file_name(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        let mut w = BufWriter::new(&file);
        write(&mut w)?;
        w.flush()?;
        drop(w);
        if !sync_to_disk() {
            drop(file);
            return replace_file(&tmp, path);
        }
        // a staging folder's flusher syncs and renames it beside the work
        // that follows; the staging is committed only once it has
        let file = match flusher_of(path) {
            Some(flusher) => match flusher.send(Flush {
                file,
                tmp: tmp.clone(),
                path: path.to_owned(),
            }) {
                Ok(()) => return Ok(()),
                Err(mpsc::SendError(flush)) => flush.file,
            },
            None => file,
        };
        file.sync_all()?;
        drop(file);
        replace_file(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// Moves the finished file `from` to `to` in one step, replacing a file
/// there: a reader sees the old file or the new one, never neither.
///
/// On Linux a file already at `to` is swapped with the new one
/// (`renameat2` with `RENAME_EXCHANGE`), then removed from `from`. A plain
/// rename over it would have ext4 start writing the new file to disk at
/// once (its `auto_da_alloc` heuristic for files replaced without a
/// flush), and the next run's replacement of that file wait for the write:
/// about 4 ms for the `coverage` command's nine files. The files are
/// written to disk in the system's own time, as when nothing was there
/// ([`sync_to_disk`] flushes them first). Elsewhere, for anything but a
/// regular file at `to`, or where the file system cannot swap, a plain
/// rename.
fn replace_file(from: &Path, to: &Path) -> std::io::Result<()> {
    if swap_into_place(from, to)? {
        // `from` now names the file replaced
        fs::remove_file(from)?;
    }
    Ok(())
}

/// [`replace_file`] but for the removal of the file replaced: `true` when
/// it was swapped to `from`, where the caller removes it.
fn swap_into_place(from: &Path, to: &Path) -> std::io::Result<bool> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        // (a folder or a link in the way is left to the rename's own rules)
        let is_file = fs::symlink_metadata(to).is_ok_and(|m| m.file_type().is_file());
        if is_file && renameat_with(CWD, from, CWD, to, RenameFlags::EXCHANGE).is_ok() {
            return Ok(true);
        }
    }
    fs::rename(from, to).map(|()| false)
}

/// A file written into a staging folder, to be flushed to disk and renamed
/// from `tmp` to `path` by the staging's flusher thread.
struct Flush {
    file: File,
    tmp: PathBuf,
    path: PathBuf,
}

/// The flusher of each open staging folder: its folder and the sending end
/// of its thread's queue.
static FLUSHERS: Mutex<Vec<(PathBuf, mpsc::Sender<Flush>)>> = Mutex::new(Vec::new());

/// The flusher of the staging folder holding `path`, if any.
fn flusher_of(path: &Path) -> Option<mpsc::Sender<Flush>> {
    let dir = path.parent()?;
    let flushers = FLUSHERS.lock().unwrap_or_else(|e| e.into_inner());
    flushers
        .iter()
        .find(|(d, _)| d == dir)
        .map(|(_, tx)| tx.clone())
}

/// Starts the flusher of staging folder `dir`: a thread that syncs each
/// file handed over and renames it into place, until the queue closes;
/// it returns the first failure, naming the file.
fn start_flusher(dir: &Path) -> Result<std::thread::JoinHandle<Result<()>>> {
    let (tx, rx) = mpsc::channel::<Flush>();
    let handle = std::thread::Builder::new()
        .name("telecov-flush".into())
        .spawn(move || {
            let mut first: Result<()> = Ok(());
            for Flush { file, tmp, path } in rx {
                let flushed = file.sync_all().and_then(|()| {
                    drop(file);
                    replace_file(&tmp, &path)
                });
                if let Err(e) = flushed {
                    let _ = fs::remove_file(&tmp);
                    if first.is_ok() {
                        first = Err(Error::io(&path, e));
                    }
                }
            }
            first
        })
        .map_err(|e| Error::io(dir, e))?;
    FLUSHERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((dir.to_owned(), tx));
    Ok(handle)
}

/// Closes the queue of staging folder `dir`'s flusher and waits for the
/// thread to sync what it was handed.
fn finish_flusher(dir: &Path, handle: std::thread::JoinHandle<Result<()>>) -> Result<()> {
    FLUSHERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|(d, _)| d != dir);
    handle.join().unwrap_or_else(|_| {
        Err(Error::io(
            dir,
            std::io::Error::other("the thread flushing the files to disk panicked"),
        ))
    })
}

/// A folder inside an output folder where a set of files is written
/// before any of them is moved into place ([`Staging::commit`]): a run that
/// fails on one file leaves none of the set behind (the folder is removed
/// when the staging is dropped uncommitted). Files written into it by
/// [`write_atomic_with`] are flushed to disk by a thread of its own while
/// the next ones are computed, when they are synced at all
/// ([`sync_to_disk`]).
pub(crate) struct Staging {
    dir: PathBuf,
    out_dir: PathBuf,
    committed: bool,
    flusher: Option<std::thread::JoinHandle<Result<()>>>,
}

impl Staging {
    /// A new, uniquely named staging folder inside `out_dir` (which
    /// exists), for the files `names`; refused when one of them could not
    /// be moved into place (a folder of that name is in the way).
    pub(crate) fn new<'n>(
        out_dir: &Path,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        for name in names {
            let to = out_dir.join(name);
            if to.is_dir() {
                return Err(Error::io(
                    &to,
                    std::io::Error::other("a folder of that name is in the way of the file"),
                ));
            }
        }
        let dir = out_dir.join(format!(
            ".telecov-staging.{}.{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        let mut staging = Staging {
            dir,
            out_dir: out_dir.to_owned(),
            committed: false,
            flusher: None,
        };
        if sync_to_disk() {
            staging.flusher = Some(start_flusher(&staging.dir)?);
        }
        Ok(staging)
    }

    /// Where the file `name` is written before it is moved into place.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Waits for every file written to be on disk (when they are synced:
    /// [`sync_to_disk`]), then moves each of
    /// `names` (all written) into the output folder, replacing files of the
    /// same name, and removes the staging folder.
    ///
    /// Every file is moved into place first (one quick step each), then
    /// the files they replaced are removed side by side on rayon's pool:
    /// removing a replaced file frees its pages, the slow part.
    pub(crate) fn commit<'n>(mut self, names: impl IntoIterator<Item = &'n str>) -> Result<()> {
        use rayon::prelude::*;
        if let Some(handle) = self.flusher.take() {
            finish_flusher(&self.dir, handle)?;
        }
        let mut replaced = Vec::new();
        for name in names {
            let (from, to) = (self.dir.join(name), self.out_dir.join(name));
            if swap_into_place(&from, &to).map_err(|e| Error::io(&to, e))? {
                replaced.push(from);
            }
        }
        // (a failure from here on leaves only replaced files in the
        // staging folder, which its drop removes)
        replaced
            .par_iter()
            .try_for_each(|old| fs::remove_file(old).map_err(|e| Error::io(old, e)))?;
        fs::remove_dir(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some(handle) = self.flusher.take() {
            let _ = finish_flusher(&self.dir, handle);
        }
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// A number as JSON (null when not finite).
pub(crate) fn num(v: f64) -> JsonValue {
    serde_json::Number::from_f64(v).map_or(JsonValue::Null, JsonValue::Number)
}

/// `v` rounded to `decimals` decimals (figures carry no more digits than
/// they hold: ranges to 0.1 m, decibels to 0.01 dB).
pub(crate) fn rounded(v: f64, decimals: i32) -> JsonValue {
    let scale = 10f64.powi(decimals);
    num((v * scale).round() / scale)
}

/// Rounds a percentage to 0.01 for display in maps.
pub(crate) fn pct2(v: f64) -> JsonValue {
    num((v * 100.0).round() / 100.0)
}

/// Rounds to a tenth of a millimetre's worth of decimals for people.
pub(crate) fn round6(v: f64) -> JsonValue {
    num((v * 1e6).round() / 1e6)
}

pub(crate) fn id_json(id: &FeatureId) -> JsonValue {
    serde_json::to_value(id).unwrap_or(JsonValue::Null)
}

pub(crate) fn feature(geometry: Option<GeometryValue>, properties: JsonObject) -> Feature {
    Feature {
        bbox: None,
        geometry: geometry.map(Geometry::new),
        id: None,
        properties: Some(properties),
        foreign_members: None,
    }
}

pub(crate) fn collection(features: Vec<Feature>) -> FeatureCollection {
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files written into a staging folder reach the output folder, whole,
    /// only at the commit (their flushing on the staging's thread
    /// finished, when they are synced); a staging dropped uncommitted
    /// leaves nothing behind. Both with and without syncing (the only test
    /// that changes that setting: the files do not depend on it).
    #[test]
    fn staged_files_land_whole_at_the_commit_and_not_before() {
        for sync in [true, false] {
            set_sync_to_disk(sync);
            assert_eq!(sync_to_disk(), sync);
            staged_files_land(sync);
        }
    }

    fn staged_files_land(sync: bool) {
        let out = tempfile::tempdir().unwrap();
        let names = ["a.txt", "b.json", "c.bin"];
        let staging = Staging::new(out.path(), names).unwrap();
        assert_eq!(staging.flusher.is_some(), sync);
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let contents: [&[u8]; 3] = [b"first", br#"{"k":1}"#, &big];
        std::thread::scope(|s| {
            for (name, bytes) in names.iter().zip(contents) {
                let path = staging.path(name);
                s.spawn(move || write_atomic(&path, bytes).unwrap());
            }
        });
        for name in names {
            assert!(!out.path().join(name).exists(), "{name} before the commit");
        }
        staging.commit(names).unwrap();
        for (name, bytes) in names.iter().zip(contents) {
            assert_eq!(fs::read(out.path().join(name)).unwrap(), bytes, "{name}");
        }
        let left: Vec<_> = fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| !names.contains(&n.as_str()))
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
        // a file no staging folder holds is flushed and renamed at once
        let lone = out.path().join("lone.txt");
        write_atomic(&lone, b"alone").unwrap();
        assert_eq!(fs::read(&lone).unwrap(), b"alone");

        let again = tempfile::tempdir().unwrap();
        let staging = Staging::new(again.path(), names).unwrap();
        write_atomic(&staging.path("a.txt"), b"kept?").unwrap();
        let failed = write_atomic_with(&staging.path("b.json"), |w| {
            w.write_all(b"{")?;
            Err(std::io::Error::other("refused midway"))
        });
        let message = failed.unwrap_err().to_string();
        assert!(message.contains("b.json"), "{message}");
        drop(staging);
        assert_eq!(fs::read_dir(again.path()).unwrap().count(), 0);
    }

    /// The file names of a folder, sorted.
    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    /// A file written over one of the same name replaces it whole, alone
    /// or from a staging folder, and leaves neither the old file nor a
    /// temporary one behind; the old file is never missing (it is swapped
    /// out). A folder or a link in the way is not swapped: a folder stays
    /// as it was and the write is refused; a link is replaced by the file,
    /// its target untouched, as a rename does.
    #[test]
    fn a_file_written_over_another_replaces_it_and_nothing_is_left() {
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("report.json");
        fs::write(&path, b"old and longer than the new one").unwrap();
        let held = File::open(&path).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        // a reader of the old file keeps reading the old contents
        let mut old = String::new();
        std::io::Read::read_to_string(&mut &held, &mut old).unwrap();
        assert_eq!(old, "old and longer than the new one");
        assert_eq!(names_in(out.path()), ["report.json"]);

        let names = ["a.txt", "report.json"];
        fs::write(out.path().join("a.txt"), b"old a").unwrap();
        let staging = Staging::new(out.path(), names).unwrap();
        write_atomic(&staging.path("a.txt"), b"new a").unwrap();
        write_atomic(&staging.path("report.json"), b"newer").unwrap();
        staging.commit(names).unwrap();
        assert_eq!(fs::read(out.path().join("a.txt")).unwrap(), b"new a");
        assert_eq!(fs::read(&path).unwrap(), b"newer");
        assert_eq!(names_in(out.path()), ["a.txt", "report.json"]);

        let folder = out.path().join("taken");
        fs::create_dir(&folder).unwrap();
        fs::write(folder.join("inside.txt"), b"kept").unwrap();
        assert!(write_atomic(&folder, b"file").is_err());
        assert_eq!(fs::read(folder.join("inside.txt")).unwrap(), b"kept");
        assert_eq!(names_in(out.path()), ["a.txt", "report.json", "taken"]);

        #[cfg(unix)]
        {
            let link = out.path().join("link.json");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            write_atomic(&link, b"through no link").unwrap();
            assert!(fs::symlink_metadata(&link).unwrap().file_type().is_file());
            assert_eq!(fs::read(&link).unwrap(), b"through no link");
            assert_eq!(fs::read(&path).unwrap(), b"newer");
        }
    }
}
