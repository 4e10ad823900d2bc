//! The C allocator's one setting snitflade changes: blocks of 1 MiB and more are always mapped on their own and
//! given back to the system when freed. By default glibc raises that threshold to the size of the last such block
//! freed (up to 32 MiB), after which a large request body (a Personalemappe upload of ~28 MB) comes from the
//! worker thread's arena and stays there when freed: each worker then holds one, and sustained 20 MB uploads
//! measured 74 MiB peak instead of 45 MiB (README, benchmarks).

/// Fixes the threshold; call first thing in `main`, before any thread starts.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const THRESHOLD: libc::c_int = 1024 * 1024;
        // SAFETY: mallopt only changes allocator parameters; it is called before any other thread exists.
        let ok = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD) };
        if ok != 1 {
            eprintln!("snitflade: mallopt(M_MMAP_THRESHOLD) failed; large buffers may stay allocated after use");
        }
    }
}
