//! The footprint cache on disk: terrain-shaped footprints
//! ([`crate::model::Footprint`]) kept between runs.
//!
//! # Location and layout
//!
//! `DIR/<digest>/<pack>.fpk`, where `DIR` is `.telecov-cache/` in the
//! output folder by default (`telecov coverage --terrain-cache DIR` to
//! share one between outputs, `--no-terrain-cache` to use none),
//! `<digest>` the first 16 hexadecimal digits of the DEM's BLAKE3 digest
//! and each pack holds the footprints one run computed. A run loads every
//! pack of its DEM, computes only the footprints it does not find
//! ([`crate::engine::footprint::footprint_key`] names each by everything
//! it depends on) and writes those as one new pack. Deleting the folder
//! is always safe.
//!
//! # Format
//!
//! A pack is `b"TCFPK3\n\0"` then entries, each: key (32 bytes), payload
//! length (u64 LE), payload, BLAKE3 hash of key and payload (32 bytes).
//! The payload is the footprint in its run form
//! ([`crate::model::Footprint::runs`]: neighbouring rays holding the same
//! intervals, stored once): first azimuth, step, range (f64 LE), ray
//! count, run count and interval count (u32 LE), then per run its number
//! of rays (LEB128), a header (LEB128: twice its interval count, plus one
//! when its first interval starts at the site) and its interval ends (f32
//! LE; the `0` start of a first interval at the site left out). A run
//! covered from the site on takes 6 bytes instead of 12, and a footprint
//! the terrain left whole is one run. A pack of another version of this
//! format (an older `telecov`) is removed when met; its footprints are
//! computed again.
//!
//! # Trust
//!
//! An entry is used only if its hash matches and it decodes to a well
//! formed footprint ([`crate::model::Footprint::is_well_formed`]); anything
//! else (a truncated file, flipped bits, another format) is skipped and
//! counted, never trusted. A stale entry (its site, layer, parameters or
//! DEM changed) is never asked for: its key differs.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::{Footprint, Scenario, Terrain, TerrainModel};

/// The cache folder's default name, created in the output folder.
pub const CACHE_DIR: &str = ".telecov-cache";

const MAGIC: &[u8; 8] = b"TCFPK3\n\0";

/// The start of every version's magic: a pack with it and another version
/// is ours, outdated.
const MAGIC_FAMILY: &[u8; 5] = b"TCFPK";

/// What [`load_footprints`] found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheLoad {
    /// Footprints loaded into the terrain's store.
    pub loaded: usize,
    /// Entries skipped as corrupted (bad hash, bad framing, ill-formed).
    pub rejected: usize,
    /// Packs of an older version of the format, removed.
    pub outdated: usize,
}

/// The folder of `terrain`'s packs under `dir`.
pub fn terrain_folder(dir: &Path, terrain: &Terrain) -> PathBuf {
    let hex: String = terrain.digest()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    dir.join(hex)
}

/// Loads every pack of `terrain` under `dir` into its footprint store. A
/// missing folder loads nothing.
///
/// # Errors
///
/// Only when the folder exists but cannot be listed; unreadable or
/// corrupted packs are skipped and counted.
pub fn load_footprints(dir: &Path, terrain: &Terrain) -> Result<CacheLoad> {
    let folder = terrain_folder(dir, terrain);
    let mut found = CacheLoad::default();
    let entries = match std::fs::read_dir(&folder) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(Error::io(&folder, e)),
    };
    let mut packs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "fpk"))
        .collect();
    packs.sort();
    let store = terrain.footprints();
    for pack in packs {
        let Ok(bytes) = std::fs::read(&pack) else {
            found.rejected += 1;
            continue;
        };
        if bytes.starts_with(MAGIC_FAMILY) && !bytes.starts_with(MAGIC) {
            // ours, in an older format: its footprints are computed again
            // and written in this one
            found.outdated += 1;
            let _ = std::fs::remove_file(&pack);
            continue;
        }
        let mut decoded = Vec::new();
        decode_pack(
            &bytes,
            &mut |key, fp| decoded.push((key, fp)),
            &mut found.rejected,
        );
        found.loaded += decoded.len();
        store.insert_all(decoded, true);
    }
    Ok(found)
}

/// Writes the footprints `terrain`'s store computed in this process (not
/// those loaded) as one pack under `dir`, then marks them stored. Returns
/// how many were written (0 writes nothing).
///
/// # Errors
///
/// When the folder or the pack cannot be written.
pub fn store_footprints(dir: &Path, terrain: &Terrain) -> Result<usize> {
    let fresh = terrain.footprints().fresh();
    if fresh.is_empty() {
        return Ok(0);
    }
    let folder = terrain_folder(dir, terrain);
    std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
    let mut bytes = MAGIC.to_vec();
    let mut names = blake3::Hasher::new();
    for (key, fp) in &fresh {
        names.update(key);
        let payload = encode(fp);
        let mut h = blake3::Hasher::new();
        h.update(key);
        h.update(&payload);
        bytes.extend_from_slice(key);
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&payload);
        bytes.extend_from_slice(h.finalize().as_bytes());
    }
    let name: String = names.finalize().as_bytes()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    crate::io::write::write_atomic(&folder.join(format!("{name}.fpk")), &bytes)?;
    terrain.footprints().mark_stored();
    Ok(fresh.len())
}

/// [`load_footprints`] for a scenario: when it has terrain that shapes
/// coverage (`[terrain] model = "delta-bullington"`) and a cache folder
/// is given, its footprints under `dir` go into its terrain's store;
/// `None` otherwise. What `telecov plan` does before planning, so that
/// the existing sites' footprints are read, not recomputed.
///
/// # Errors
///
/// As [`load_footprints`].
pub fn load_for_scenario(dir: Option<&Path>, scenario: &Scenario) -> Result<Option<CacheLoad>> {
    match (shaping_terrain(scenario), dir) {
        (Some(terrain), Some(dir)) => load_footprints(dir, terrain).map(Some),
        _ => Ok(None),
    }
}

/// [`store_footprints`] for a scenario (0 when it has no terrain shaping
/// coverage or no folder is given).
///
/// # Errors
///
/// As [`store_footprints`].
pub fn store_for_scenario(dir: Option<&Path>, scenario: &Scenario) -> Result<usize> {
    match (shaping_terrain(scenario), dir) {
        (Some(terrain), Some(dir)) => store_footprints(dir, terrain),
        _ => Ok(0),
    }
}

/// The scenario's terrain when it shapes coverage.
pub(crate) fn shaping_terrain(scenario: &Scenario) -> Option<&Terrain> {
    scenario
        .terrain
        .as_ref()
        .filter(|_| shapes_coverage(&scenario.parameters))
}

/// Whether a scenario's terrain, when it has one, shapes coverage
/// (`[terrain] model = "delta-bullington"`).
pub(crate) fn shapes_coverage(parameters: &crate::model::Parameters) -> bool {
    parameters.terrain.model == TerrainModel::DeltaBullington
}

/// Copies the elevation input of scenario folder `from` (`terrain.tif`
/// or the `.hgt` tiles of `terrain/`) into scenario folder `to`, so that
/// a scenario written there (e.g. `scenario_with_plan/`) has the same
/// terrain. Nothing to copy is not an error.
///
/// # Errors
///
/// When a file cannot be read or written.
pub fn copy_terrain_input(from: &Path, to: &Path) -> Result<()> {
    use crate::io::read::dem::{TERRAIN_DIR, TERRAIN_TIF};
    let copy = |a: &Path, b: &Path| -> Result<()> {
        std::fs::copy(a, b).map(|_| ()).map_err(|e| Error::io(b, e))
    };
    let tif = from.join(TERRAIN_TIF);
    if tif.is_file() {
        std::fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
        copy(&tif, &to.join(TERRAIN_TIF))?;
    }
    let folder = from.join(TERRAIN_DIR);
    if folder.is_dir() {
        let target = to.join(TERRAIN_DIR);
        std::fs::create_dir_all(&target).map_err(|e| Error::io(&target, e))?;
        for entry in std::fs::read_dir(&folder).map_err(|e| Error::io(&folder, e))? {
            let path = entry.map_err(|e| Error::io(&folder, e))?.path();
            if let (true, Some(name)) = (path.is_file(), path.file_name()) {
                copy(&path, &target.join(name))?;
            }
        }
    }
    Ok(())
}

/// Appends `value` in LEB128.
fn push_leb128(v: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            v.push(byte);
            return;
        }
        v.push(byte | 0x80);
    }
}

fn encode(fp: &Footprint) -> Vec<u8> {
    let n_intervals: usize = (0..fp.runs()).map(|r| fp.run_intervals(r).len()).sum();
    let mut v = Vec::with_capacity(36 + 6 * fp.runs() + 8 * n_intervals);
    for x in [fp.first_azimuth_deg, fp.step_deg, fp.range_m] {
        v.extend_from_slice(&x.to_le_bytes());
    }
    for count in [fp.rays(), fp.runs(), n_intervals] {
        v.extend_from_slice(&(count as u32).to_le_bytes());
    }
    for r in 0..fp.runs() {
        push_leb128(&mut v, fp.run_rays(r) as u64);
        let ray = fp.run_intervals(r);
        let at_site = ray.first().is_some_and(|i| i[0].to_bits() == 0);
        push_leb128(&mut v, 2 * ray.len() as u64 + u64::from(at_site));
        for (i, [a, b]) in ray.iter().enumerate() {
            if i > 0 || !at_site {
                v.extend_from_slice(&a.to_le_bytes());
            }
            v.extend_from_slice(&b.to_le_bytes());
        }
    }
    v
}

/// A little-endian reader over a byte slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn f64(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

/// Reads a LEB128 value from the front of `bytes` (one byte for values
/// under 128, the common case), moving past it.
#[inline]
fn take_leb128(bytes: &mut &[u8]) -> Option<u64> {
    let (&byte, rest) = bytes.split_first()?;
    *bytes = rest;
    if byte & 0x80 == 0 {
        return Some(u64::from(byte));
    }
    let mut value = u64::from(byte & 0x7f);
    let mut shift = 7;
    loop {
        let (&byte, rest) = bytes.split_first()?;
        *bytes = rest;
        if shift > 56 {
            return None;
        }
        value |= u64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
}

fn decode(payload: &[u8]) -> Option<Footprint> {
    let mut r = Reader(payload);
    let first_azimuth_deg = r.f64()?;
    let step_deg = r.f64()?;
    let range_m = r.f64()?;
    let rays = r.u32()?;
    let runs = r.u32()? as usize;
    let n = r.u32()? as usize;
    // every run takes at least its two count bytes, every interval 4
    // bytes: counts the payload cannot hold are refused before allocating
    if runs > r.0.len() / 2 || n > r.0.len() / 4 {
        return None;
    }
    let mut fp = Footprint::from_rays(first_azimuth_deg, step_deg, range_m, []);
    fp.reserve(runs, n);
    let mut bytes = r.0;
    let f32_at = |c: &[u8]| f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    let mut stored = 0usize;
    for _ in 0..runs {
        let length = take_leb128(&mut bytes)?;
        if length == 0 || fp.rays() as u64 + length > u64::from(rays) {
            return None;
        }
        let header = take_leb128(&mut bytes)?;
        let (count, at_site) = (usize::try_from(header / 2).ok()?, header % 2 == 1);
        if count > n - stored || (at_site && count == 0) {
            return None;
        }
        let len = 8 * count - 4 * usize::from(at_site);
        if bytes.len() < len {
            return None;
        }
        let (mut mine, rest) = bytes.split_at(len);
        bytes = rest;
        // the first interval starts at the site: only its end is stored
        let first = at_site.then(|| {
            let end = f32_at(mine);
            mine = &mine[4..];
            [0.0, end]
        });
        let others = mine
            .chunks_exact(8)
            .map(|c| [f32_at(&c[..4]), f32_at(&c[4..])]);
        fp.push_run(length as u32, first.into_iter().chain(others));
        stored += count;
    }
    if !bytes.is_empty() || stored != n || fp.rays() as u64 != u64::from(rays) {
        return None;
    }
    fp.is_well_formed().then_some(fp)
}

/// Calls `found` for every trustworthy entry of a pack, in order, counting
/// the others in `rejected` (a broken frame ends the pack). The entries
/// are framed in order, then hashed and decoded in parallel.
fn decode_pack(bytes: &[u8], found: &mut dyn FnMut([u8; 32], Footprint), rejected: &mut usize) {
    use rayon::prelude::*;
    let mut r = Reader(bytes);
    if r.take(MAGIC.len()) != Some(MAGIC.as_slice()) {
        *rejected += 1;
        return;
    }
    let mut frames: Vec<([u8; 32], &[u8], [u8; 32])> = Vec::new();
    let mut broken = false;
    while !r.0.is_empty() {
        let entry = (|| {
            let key: [u8; 32] = r.take(32)?.try_into().ok()?;
            let len = usize::try_from(r.u64()?).ok()?;
            let payload = r.take(len)?;
            let hash: [u8; 32] = r.take(32)?.try_into().ok()?;
            Some((key, payload, hash))
        })();
        match entry {
            Some(frame) => frames.push(frame),
            None => {
                broken = true;
                break;
            }
        }
    }
    let decoded: Vec<Option<Footprint>> = frames
        .par_iter()
        .with_min_len(256)
        .map(|(key, payload, hash)| {
            let mut h = blake3::Hasher::new();
            h.update(key);
            h.update(payload);
            (h.finalize().as_bytes() == hash)
                .then(|| decode(payload))
                .flatten()
        })
        .collect();
    for ((key, _, _), fp) in frames.iter().zip(decoded) {
        match fp {
            Some(fp) => found(*key, fp),
            None => *rejected += 1,
        }
    }
    if broken {
        *rejected += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn footprint(n: u32) -> Footprint {
        let rays: Vec<[[f32; 2]; 1]> = (0..n).map(|k| [[0.0, 500.0 + k as f32]]).collect();
        Footprint::from_rays(10.0, 360.0 / n as f64, 1000.0, rays.iter().map(|r| &r[..]))
    }

    #[test]
    fn entries_round_trip_and_flipped_bits_are_refused() {
        let fp = footprint(12);
        assert_eq!(decode(&encode(&fp)), Some(fp.clone()));
        // a pack of two entries; the second damaged
        let mut bytes = MAGIC.to_vec();
        for (i, f) in [footprint(12), footprint(20)].iter().enumerate() {
            let key = [i as u8; 32];
            let payload = encode(f);
            let mut h = blake3::Hasher::new();
            h.update(&key);
            h.update(&payload);
            bytes.extend_from_slice(&key);
            bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
            bytes.extend_from_slice(&payload);
            bytes.extend_from_slice(h.finalize().as_bytes());
        }
        let damaged_at = bytes.len() - 40;
        bytes[damaged_at] ^= 0x10;
        let (mut got, mut rejected) = (Vec::new(), 0);
        decode_pack(&bytes, &mut |k, f| got.push((k, f)), &mut rejected);
        assert_eq!(got, vec![([0u8; 32], footprint(12))]);
        assert_eq!(rejected, 1);
        // truncated: the first entry still counts, the broken frame not
        let (mut got, mut rejected) = (Vec::new(), 0);
        decode_pack(
            &bytes[..bytes.len() - 10],
            &mut |k, f| got.push((k, f)),
            &mut rejected,
        );
        assert_eq!(got.len(), 1);
        assert_eq!(rejected, 1);
        // a hash that matches an ill-formed footprint is still refused
        let far: &[[f32; 2]] = &[[0.0, 5000.0]];
        let bad = Footprint::from_rays(10.0, 90.0, 1000.0, [far; 4]);
        assert_eq!(decode(&encode(&bad)), None);
    }

    /// Rays of every kind: covered from the site, shadowed near it, empty,
    /// in several pieces, one with more intervals than a header byte holds.
    fn mixed() -> Footprint {
        let rays: Vec<Vec<[f32; 2]>> = vec![
            vec![[0.0, 900.0]],
            vec![[12.5, 900.0]],
            vec![],
            vec![[0.0, 100.0], [150.0, 420.0], [600.0, 1000.0]],
            vec![[-0.0, 30.0]],
            (0..70)
                .map(|i| [i as f32 * 10.0, i as f32 * 10.0 + 5.0])
                .collect(),
            vec![[0.0, 0.0]],
        ];
        // each kind twice or more in a row: runs of one to three rays
        let repeats = [1, 3, 2, 1, 1, 2, 1];
        Footprint::from_rays(
            -17.25,
            360.0 / repeats.iter().sum::<usize>() as f64,
            1000.0,
            rays.iter()
                .zip(repeats)
                .flat_map(|(r, k)| std::iter::repeat_n(&r[..], k)),
        )
    }

    #[test]
    fn every_kind_of_ray_round_trips_bit_for_bit_and_every_cut_is_refused() {
        let fp = mixed();
        assert!(fp.is_well_formed());
        assert_eq!((fp.rays(), fp.runs()), (11, 7));
        let bytes = encode(&fp);
        let back = decode(&bytes).expect("decodes");
        assert_eq!(back, fp);
        for k in 0..fp.rays() {
            assert_eq!(back.ray(k), fp.ray(k), "ray {k}");
        }
        // -0.0 is kept as written (not folded into the site's 0)
        assert_eq!(back.ray(7)[0][0].to_bits(), (-0.0f32).to_bits());
        // smaller than the fixed layout: 6 bytes for a run from the site,
        // and a footprint the terrain left whole is one run
        let one = footprint(100);
        assert_eq!(encode(&one).len(), 36 + 6 * 100);
        let whole: &[[f32; 2]] = &[[0.0, 1000.0]];
        let disc = Footprint::from_rays(0.0, 0.36, 1000.0, [whole; 1000]);
        // its length (1,000 rays: two LEB128 bytes), header, end
        assert_eq!(encode(&disc).len(), 36 + 2 + 1 + 4);
        assert_eq!(decode(&encode(&disc)), Some(disc));
        // every truncation and every appended byte is refused
        for cut in 0..bytes.len() {
            assert_eq!(decode(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer), None);
        // counts that the payload cannot hold are refused before allocating
        for at in [28, 32] {
            let mut huge = bytes.clone();
            huge[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
            assert_eq!(decode(&huge), None, "count at {at}");
        }
        // runs that do not add up to the ray count are refused
        let mut short = bytes.clone();
        short[24..28].copy_from_slice(&12u32.to_le_bytes());
        assert_eq!(decode(&short), None);
    }

    #[test]
    fn a_pack_of_an_older_format_is_removed_and_not_counted_as_damage() {
        let dir = tempfile::tempdir().expect("temp dir");
        let grid = crate::model::DemGrid::new(
            crate::model::DemLayout {
                width: 2,
                height: 2,
                first_lon_deg: 105.0,
                first_lat_deg: 10.0,
                step_lon_deg: 0.001,
                step_lat_deg: 0.001,
                extent: crate::model::DemExtent::CellEdges,
            },
            vec![0.0; 4],
        )
        .expect("grid");
        let terrain = Terrain::new(grid.into());
        let folder = terrain_folder(dir.path(), &terrain);
        std::fs::create_dir_all(&folder).expect("folder");
        let old = folder.join("0000000000000000.fpk");
        std::fs::write(&old, b"TCFPK1\n\0 whatever followed").expect("write");
        let damaged = folder.join("1111111111111111.fpk");
        std::fs::write(&damaged, b"not a pack").expect("write");
        let found = load_footprints(dir.path(), &terrain).expect("loads");
        assert_eq!((found.loaded, found.rejected, found.outdated), (0, 1, 1));
        assert!(!old.exists());
        assert!(damaged.exists());
    }
}
