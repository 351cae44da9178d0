//! The allocator's settings for one run of a command, shared by the
//! `telecov` binary and the examples that run its commands (the library
//! itself holds no unsafe code).

/// Headroom glibc's allocator keeps when it grows a heap and leaves when it
/// trims one, bytes.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TOP_PAD_BYTES: i32 = 32 << 20;

/// Asks glibc's allocator for [`TOP_PAD_BYTES`] of headroom: a run
/// allocates and frees tens of megabytes in bursts, and by default the heap
/// is trimmed back after each and grown (and its pages faulted in) again.
/// Untouched headroom is address space, not resident memory: peak memory
/// does not change. Elsewhere (another C library, another system) it does
/// nothing.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt sets one of the allocator's parameters and takes no
    // pointer; it runs first thing in `main`, before any other thread.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, TOP_PAD_BYTES);
    }
}
