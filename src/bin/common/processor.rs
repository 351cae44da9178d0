//! The processor check of the command's binaries, shared by the `telecov`
//! binary and the examples that run its commands.
//!
//! Builds from this repository target x86-64-v2 (`.cargo/config.toml`), and
//! a build with `-C target-cpu=native` assumes even more. Such a binary
//! started on a processor without those instructions would die of an
//! illegal instruction, with no word of why; this check, made before any
//! of the crate's code runs (the standard library itself is built for the
//! x86-64 baseline), names what is missing and how to rebuild.

/// The instruction-set extensions this check knows, each with whether the
/// build assumes it and whether the processor running it reports it.
///
/// The processor is asked with `cpuid` itself: the standard library's
/// `is_x86_feature_detected!` answers `true` for every extension the build
/// enables, without asking. The AVX family also needs the system to save
/// its registers (`OSXSAVE`).
fn extensions() -> Vec<(&'static str, bool, bool)> {
    #[allow(unused_mut)]
    let mut out = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{__cpuid, __cpuid_count};
        let max = __cpuid(0).eax;
        let max_extended = __cpuid(0x8000_0000).eax;
        let leaf1 = __cpuid(1).ecx;
        let leaf7 = if max >= 7 { __cpuid_count(7, 0).ebx } else { 0 };
        let extended = if max_extended >= 0x8000_0001 {
            __cpuid(0x8000_0001).ecx
        } else {
            0
        };
        let bit = |word: u32, b: u32| (word >> b) & 1 == 1;
        let os_avx = bit(leaf1, 27);
        macro_rules! known {
            ($($feature:tt: $has:expr),* $(,)?) => {
                $( out.push(($feature, cfg!(target_feature = $feature), $has)); )*
            };
        }
        known!(
            "sse3": bit(leaf1, 0),
            "ssse3": bit(leaf1, 9),
            "sse4.1": bit(leaf1, 19),
            "sse4.2": bit(leaf1, 20),
            "popcnt": bit(leaf1, 23),
            "cmpxchg16b": bit(leaf1, 13),
            "movbe": bit(leaf1, 22),
            "lzcnt": bit(extended, 5),
            "bmi1": bit(leaf7, 3),
            "bmi2": bit(leaf7, 8),
            "avx": os_avx && bit(leaf1, 28),
            "f16c": os_avx && bit(leaf1, 29),
            "fma": os_avx && bit(leaf1, 12),
            "avx2": os_avx && bit(leaf7, 5),
            "avx512f": os_avx && bit(leaf7, 16),
        );
    }
    out
}

/// The instruction-set extensions this build assumes (of those the check
/// knows; none on other architectures).
pub fn assumed() -> Vec<&'static str> {
    extensions()
        .into_iter()
        .filter(|e| e.1)
        .map(|e| e.0)
        .collect()
}

/// The instruction-set extensions this build assumes that the processor
/// running it lacks.
pub fn missing() -> Vec<&'static str> {
    extensions()
        .into_iter()
        .filter(|e| e.1 && !e.2)
        .map(|e| e.0)
        .collect()
}

/// The message for a processor that lacks `missing` of the extensions the
/// build assumes (`assumed`).
pub fn message(missing: &[&str], assumed: &[&str]) -> String {
    format!(
        "this build of telecov assumes a processor with {}; this one lacks {}. \
         Rebuild it for this processor: RUSTFLAGS=\"-C target-cpu=native\" cargo build --release \
         (or cargo install --path . with the same RUSTFLAGS)",
        assumed.join(", "),
        missing.join(", ")
    )
}

/// `Err` with the message of [`message`] when the processor lacks any of
/// the extensions the build assumes.
pub fn check() -> Result<(), String> {
    let missing = missing();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(message(&missing, &assumed()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_processor_that_built_and_runs_the_tests_has_what_the_build_assumes() {
        assert_eq!(missing(), Vec::<&str>::new());
        assert!(check().is_ok());
    }

    #[test]
    fn the_build_assumes_x86_64_v2_from_the_repository_configuration() {
        // .cargo/config.toml; RUSTFLAGS set by hand would replace it
        if cfg!(target_arch = "x86_64") && option_env!("RUSTFLAGS").is_none() {
            let assumed = assumed();
            for f in ["sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "cmpxchg16b"] {
                assert!(assumed.contains(&f), "{f} not assumed: {assumed:?}");
            }
            // x86-64-v3's fused multiply-add would change results in the
            // last bits; the repository's builds stay below it
            assert!(!assumed.contains(&"fma"), "{assumed:?}");
        }
    }

    #[test]
    fn the_message_names_what_is_missing_and_how_to_rebuild() {
        let m = message(&["sse4.1", "popcnt"], &["sse3", "sse4.1", "popcnt"]);
        assert!(m.contains("with sse3, sse4.1, popcnt;"), "{m}");
        assert!(m.contains("lacks sse4.1, popcnt."), "{m}");
        assert!(m.contains("target-cpu=native"), "{m}");
    }
}
