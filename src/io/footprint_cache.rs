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
//! A pack is `b"TCFPK4\n\0"` then blocks of entries. A block is a header
//! (the length of its entries in bytes, u64 LE, and their number, u32
//! LE), the entries, and the BLAKE3 hash of header and entries (32
//! bytes); a writer closes a block once it holds [`BLOCK_BYTES`] or more.
//! An entry is its key (32 bytes), payload length (u64 LE) and payload.
//! The payload is the footprint in its run form
//! ([`crate::model::Footprint::runs`]: neighbouring rays holding the same
//! intervals, stored once): first azimuth, step, range (f64 LE), ray
//! count, run count and interval count (u32 LE), then per run its number
//! of rays (LEB128), a header (LEB128: twice its interval count, plus one
//! when its first interval starts at the site) and its interval ends (f32
//! LE; the `0` start of a first interval at the site left out). A run
//! covered from the site on takes 6 bytes instead of 12, and a footprint
//! the terrain left whole is one run. One hash per block of some
//! hundred footprints, not one per footprint: hashing long stretches is
//! several times faster, and the blocks are checked and decoded in
//! parallel. A pack of another version of this format (an older
//! `telecov`) is removed when met; its footprints are computed again.
//!
//! # Trust
//!
//! A block is used only if its hash matches, and each of its entries
//! only if it decodes to a well formed footprint
//! ([`crate::model::Footprint::is_well_formed`]); anything else (a
//! truncated file, flipped bits, another format) is skipped and counted,
//! never trusted. A stale entry (its site, layer, parameters or DEM
//! changed) is never asked for: its key differs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::model::{Footprint, Scenario, Terrain, TerrainModel};

/// The cache folder's default name, created in the output folder.
pub const CACHE_DIR: &str = ".telecov-cache";

const MAGIC: &[u8; 8] = b"TCFPK4\n\0";

/// A block of a pack is closed once its entries hold this many bytes.
pub const BLOCK_BYTES: usize = 64 * 1024;

/// A block's header: the length of its entries (u64) and their number
/// (u32).
const BLOCK_HEADER: usize = 12;

/// The start of every version's magic: a pack with it and another version
/// is ours, outdated.
const MAGIC_FAMILY: &[u8; 5] = b"TCFPK";

/// What [`load_footprints`] found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheLoad {
    /// Footprints loaded into the terrain's store.
    pub loaded: usize,
    /// Entries skipped as corrupted: every entry of a block whose hash
    /// does not match (one for a block whose header cannot be read), an
    /// entry that is not a well formed footprint, one for a pack cut
    /// short or not a pack at all.
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
        let mut decoded = Vec::new();
        match read_pack(&pack, &mut |key, fp| decoded.push((key, fp))) {
            Ok(rejected) => found.rejected += rejected,
            Err(Outdated) => {
                // ours, in an older format: its footprints are computed
                // again and written in this one
                found.outdated += 1;
                let _ = std::fs::remove_file(&pack);
                continue;
            }
        }
        found.loaded += decoded.len();
        store.insert_all(decoded, true);
    }
    Ok(found)
}

/// A pack in an older version of the format.
struct Outdated;

/// Reads the pack at `path` block by block (each block read, checked and
/// decoded on its own task into a buffer the task reuses, not the whole
/// file into memory first), calling `found` for every trustworthy entry
/// in order. Returns how many entries were rejected (an unreadable file
/// counts one).
fn read_pack(
    path: &Path,
    found: &mut dyn FnMut([u8; 32], Arc<Footprint>),
) -> std::result::Result<usize, Outdated> {
    use rayon::prelude::*;
    use std::io::{Read, Seek, SeekFrom};
    let read_at = |file: &mut std::fs::File, at: u64, buf: &mut [u8]| {
        file.seek(SeekFrom::Start(at)).is_ok() && file.read_exact(buf).is_ok()
    };
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(1);
    };
    let Ok(len) = file.metadata().map(|m| m.len()) else {
        return Ok(1);
    };
    let mut magic = [0u8; 8];
    if !read_at(&mut file, 0, &mut magic) {
        return Ok(1);
    }
    if magic.starts_with(MAGIC_FAMILY) && &magic != MAGIC {
        return Err(Outdated);
    }
    if &magic != MAGIC {
        return Ok(1);
    }
    let (blocks, broken) = frame_blocks(len, |at, buf| read_at(&mut file, at, buf));
    let decoded: Vec<Decoded> = blocks
        .par_iter()
        .map_init(
            || (std::fs::File::open(path).ok(), Vec::new()),
            |(file, buf), &(at, covered)| {
                buf.resize(covered + 32, 0);
                let read = file.as_mut().is_some_and(|f| read_at(f, at, buf));
                if !read {
                    return Err(1);
                }
                let (covered, hash) = buf.split_at(covered);
                decode_block(covered, hash)
            },
        )
        .collect();
    Ok(deliver(decoded, broken, found))
}

/// The blocks of a pack of `len` bytes (its magic read), framed from their
/// headers read with `read(at, buf)`: each block's offset and the length
/// of what its hash covers (header and entries). `true` with them when a
/// header is cut short or points past the end: the pack ends there.
fn frame_blocks(
    len: u64,
    mut read: impl FnMut(u64, &mut [u8]) -> bool,
) -> (Vec<(u64, usize)>, bool) {
    let mut blocks = Vec::new();
    let mut at = MAGIC.len() as u64;
    while at < len {
        let mut header = [0u8; BLOCK_HEADER];
        if !read(at, &mut header) {
            return (blocks, true);
        }
        let entries = u64::from_le_bytes(header[..8].try_into().unwrap_or_default());
        let covered = entries.checked_add(BLOCK_HEADER as u64);
        let end = covered
            .and_then(|c| c.checked_add(32))
            .and_then(|e| e.checked_add(at));
        match (covered.and_then(|c| usize::try_from(c).ok()), end) {
            (Some(covered), Some(end)) if end <= len => {
                blocks.push((at, covered));
                at = end;
            }
            _ => return (blocks, true),
        }
    }
    (blocks, false)
}

/// A block's entries in order (each decoded, or `None` when it is not a
/// well formed footprint), or how many entries were lost with it.
type Decoded = std::result::Result<Vec<([u8; 32], Option<Arc<Footprint>>)>, usize>;

/// Checks and decodes one block: `covered` (its header and entries) and
/// the `hash` written after them.
fn decode_block(covered: &[u8], hash: &[u8]) -> Decoded {
    let (header, mut entries) = covered.split_at(BLOCK_HEADER);
    let claimed = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
    // a damaged block: its entries, as far as its count can be believed
    // (an entry takes 40 bytes or more), else one
    let lost = || (claimed as usize).clamp(1, (entries.len() / 40).max(1));
    if blake3::hash(covered).as_bytes() != hash {
        return Err(lost());
    }
    let mut out = Vec::with_capacity((claimed as usize).min(entries.len() / 40));
    while !entries.is_empty() {
        let mut e = Reader(entries);
        let entry = (|| {
            let key: [u8; 32] = e.take(32)?.try_into().ok()?;
            let len = usize::try_from(e.u64()?).ok()?;
            Some((key, e.take(len)?))
        })();
        let Some((key, payload)) = entry else {
            // hashed as written, yet not framed: a writer's fault
            return Err(lost());
        };
        entries = e.0;
        // shared from here, on the block's task
        out.push((key, decode(payload).map(Arc::new)));
    }
    if out.len() != claimed as usize {
        return Err(lost());
    }
    Ok(out)
}

/// Passes the decoded blocks' footprints to `found` in order; returns how
/// many entries were rejected (one more for a `broken` pack).
fn deliver(
    decoded: Vec<Decoded>,
    broken: bool,
    found: &mut dyn FnMut([u8; 32], Arc<Footprint>),
) -> usize {
    let mut rejected = usize::from(broken);
    for block in decoded {
        match block {
            Ok(entries) => {
                for (key, fp) in entries {
                    match fp {
                        Some(fp) => found(key, fp),
                        None => rejected += 1,
                    }
                }
            }
            Err(lost) => rejected += lost,
        }
    }
    rejected
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
    let mut names = blake3::Hasher::new();
    for (key, _) in &fresh {
        names.update(key);
    }
    let bytes = encode_pack(fresh.iter().map(|(key, fp)| (key, &**fp)));
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

/// A pack of `entries`, in order, in blocks of about [`BLOCK_BYTES`].
fn encode_pack<'a>(entries: impl IntoIterator<Item = (&'a [u8; 32], &'a Footprint)>) -> Vec<u8> {
    let mut bytes = MAGIC.to_vec();
    let mut block = Vec::with_capacity(BLOCK_BYTES + BLOCK_HEADER);
    let mut count = 0u32;
    let close = |bytes: &mut Vec<u8>, block: &mut Vec<u8>, count: &mut u32| {
        if *count == 0 {
            return;
        }
        let len = (block.len() - BLOCK_HEADER) as u64;
        block[..8].copy_from_slice(&len.to_le_bytes());
        block[8..BLOCK_HEADER].copy_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(block);
        bytes.extend_from_slice(blake3::hash(block).as_bytes());
        block.clear();
        *count = 0;
    };
    for (key, fp) in entries {
        if block.is_empty() {
            block.resize(BLOCK_HEADER, 0);
        }
        let payload = encode(fp);
        block.extend_from_slice(key);
        block.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        block.extend_from_slice(&payload);
        count += 1;
        if block.len() - BLOCK_HEADER >= BLOCK_BYTES {
            close(&mut bytes, &mut block, &mut count);
        }
    }
    close(&mut bytes, &mut block, &mut count);
    bytes
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

/// [`read_pack`] of a pack in memory: calls `found` for every
/// trustworthy entry, in order, counting the others in `rejected`.
#[cfg(test)]
fn decode_pack(
    bytes: &[u8],
    found: &mut dyn FnMut([u8; 32], Arc<Footprint>),
    rejected: &mut usize,
) {
    use rayon::prelude::*;
    if bytes.get(..MAGIC.len()) != Some(MAGIC.as_slice()) {
        *rejected += 1;
        return;
    }
    let (blocks, broken) = frame_blocks(bytes.len() as u64, |at, buf| {
        let at = at as usize;
        match bytes.get(at..at + buf.len()) {
            Some(b) => {
                buf.copy_from_slice(b);
                true
            }
            None => false,
        }
    });
    let decoded: Vec<Decoded> = blocks
        .par_iter()
        .map(|&(at, covered)| {
            let at = at as usize;
            decode_block(
                &bytes[at..at + covered],
                &bytes[at + covered..at + covered + 32],
            )
        })
        .collect();
    *rejected += deliver(decoded, broken, found);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn footprint(n: u32) -> Footprint {
        let rays: Vec<[[f32; 2]; 1]> = (0..n).map(|k| [[0.0, 500.0 + k as f32]]).collect();
        Footprint::from_rays(10.0, 360.0 / n as f64, 1000.0, rays.iter().map(|r| &r[..]))
    }

    fn unpack(bytes: &[u8]) -> (Vec<([u8; 32], Footprint)>, usize) {
        let (mut got, mut rejected) = (Vec::new(), 0);
        decode_pack(
            bytes,
            &mut |k, f| got.push((k, Footprint::clone(&f))),
            &mut rejected,
        );
        (got, rejected)
    }

    #[test]
    fn entries_round_trip_and_flipped_bits_are_refused() {
        let fp = footprint(12);
        assert_eq!(decode(&encode(&fp)), Some(fp.clone()));
        // a pack of two entries in one block
        let two = [([0u8; 32], footprint(12)), ([1u8; 32], footprint(20))];
        let bytes = encode_pack(two.iter().map(|(k, f)| (k, f)));
        assert_eq!(unpack(&bytes), (two.to_vec(), 0));
        // a flipped bit anywhere in the block: both entries refused
        for at in [
            MAGIC.len() + 3,
            MAGIC.len() + 20,
            bytes.len() / 2,
            bytes.len() - 40,
        ] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x10;
            let (got, rejected) = unpack(&damaged);
            assert!(got.is_empty(), "flipped at {at}");
            assert!(rejected >= 1, "flipped at {at}");
        }
        // in the hash or the entries: the block's two entries counted
        let mut damaged = bytes.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert_eq!(unpack(&damaged), (vec![], 2));
        // truncated: the broken frame counted, nothing trusted
        assert_eq!(unpack(&bytes[..bytes.len() - 10]), (vec![], 1));
        // not a pack
        assert_eq!(unpack(b"TCFPK9\n\0"), (vec![], 1));
        // a hash that matches an ill-formed footprint is still refused
        let far: &[[f32; 2]] = &[[0.0, 5000.0]];
        let bad = Footprint::from_rays(10.0, 90.0, 1000.0, [far; 4]);
        assert_eq!(decode(&encode(&bad)), None);
        let mixed = [([2u8; 32], footprint(12)), ([3u8; 32], bad)];
        let (got, rejected) = unpack(&encode_pack(mixed.iter().map(|(k, f)| (k, f))));
        assert_eq!((got, rejected), (vec![([2u8; 32], footprint(12))], 1));
    }

    #[test]
    fn a_pack_of_many_blocks_loses_only_a_damaged_block() {
        // footprints of 300 rays in 12 separate runs (about 150 bytes
        // each): a pack of several blocks
        let many: Vec<([u8; 32], Footprint)> = (0..2000u32)
            .map(|i| {
                let rays: Vec<[[f32; 2]; 1]> = (0..300u32)
                    .map(|k| [[0.0, 100.0 + (k / 25) as f32 + i as f32 * 0.25]])
                    .collect();
                let fp = Footprint::from_rays(0.0, 1.2, 1000.0, rays.iter().map(|r| &r[..]));
                let mut key = [0u8; 32];
                key[..4].copy_from_slice(&i.to_le_bytes());
                (key, fp)
            })
            .collect();
        let bytes = encode_pack(many.iter().map(|(k, f)| (k, f)));
        let (got, rejected) = unpack(&bytes);
        assert_eq!((got.len(), rejected), (many.len(), 0));
        assert!(got == many, "in order, bit for bit");
        // the blocks: walk the headers
        let mut starts = Vec::new();
        let mut at = MAGIC.len();
        while at < bytes.len() {
            starts.push(at);
            let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
            assert!(len >= BLOCK_BYTES || at + BLOCK_HEADER + len + 32 == bytes.len());
            at += BLOCK_HEADER + len + 32;
        }
        assert_eq!(at, bytes.len());
        assert!(starts.len() >= 4, "{} blocks", starts.len());
        // a flipped bit in the second block's entries: its entries lost,
        // every other block's kept
        let second = starts[1];
        let count = u32::from_le_bytes(bytes[second + 8..second + 12].try_into().unwrap());
        let mut damaged = bytes.clone();
        damaged[second + 100] ^= 0x01;
        let (got, rejected) = unpack(&damaged);
        assert_eq!(rejected, count as usize);
        assert_eq!(got.len() + count as usize, many.len());
        let first_count =
            u32::from_le_bytes(bytes[starts[0] + 8..starts[0] + 12].try_into().unwrap());
        assert_eq!(got[..first_count as usize], many[..first_count as usize]);
        assert_eq!(
            got[first_count as usize..],
            many[(first_count + count) as usize..]
        );
        // cut inside the third block: the first two blocks kept
        let (got, rejected) = unpack(&bytes[..starts[2] + 50]);
        let kept = first_count + count;
        assert_eq!((got.len(), rejected), (kept as usize, 1));
        // read from a file block by block: the same as from memory
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, pack) in [
            ("whole", &bytes[..]),
            ("damaged", &damaged[..]),
            ("cut", &bytes[..starts[2] + 50]),
            ("headless", &bytes[..5]),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, pack).expect("write");
            let mut got = Vec::new();
            let rejected = read_pack(&path, &mut |k, f| got.push((k, Footprint::clone(&f))))
                .unwrap_or_else(|_| panic!("{name}: not outdated"));
            assert_eq!((got, rejected), unpack(pack), "{name}");
        }
        let missing = dir.path().join("missing");
        assert!(matches!(read_pack(&missing, &mut |_, _| ()), Ok(1)));
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
