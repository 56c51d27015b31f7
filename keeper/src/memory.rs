//! The keeper process's memory: glibc's allocator backed by transparent huge pages.
//!
//! An allocation round over a large market works through tens of megabytes at random (the
//! columns, the candidate lists, the flow's arc arrays and their prices); with 4 KiB pages most
//! of those reads also miss the TLB. Where transparent huge pages are `madvise`-only (the
//! common default), glibc backs its heap with them only when the tunable
//! `glibc.malloc.hugetlb=1` is set, and it reads its tunables once, when the process starts.
//! So the keeper's binaries re-execute themselves once with it: [`use_huge_pages`], first thing
//! in `main`. Measured on the 10,000 × 2,000 benchmark batch (criterion medians, three
//! alternating rounds, one core, 2026-12-06): the whole allocation 212 / 221 / 212 ms with
//! 4 KiB pages against 199 / 195 / 195 ms with huge pages. `SWAN_HUGE_PAGES=0` turns it off.

/// The tunable, as glibc spells it.
pub const TUNABLE: &str = "glibc.malloc.hugetlb";

/// What `GLIBC_TUNABLES` should become so that glibc uses huge pages, or `None` when nothing
/// is to be done: the tunable is already set (by a user, or by this process's first run), or
/// `SWAN_HUGE_PAGES` is `0`.
pub fn tunables(current: Option<&str>, opt: Option<&str>) -> Option<String> {
    if opt == Some("0") {
        return None;
    }
    match current {
        Some(c) if c.split(':').any(|t| t.split('=').next() == Some(TUNABLE)) => None,
        Some(c) if !c.is_empty() => Some(format!("{c}:{TUNABLE}=1")),
        _ => Some(format!("{TUNABLE}=1")),
    }
}

/// Re-execute this process with glibc's huge-page tunable set (same executable, `argv[0]`,
/// arguments and environment), unless it is set already or `SWAN_HUGE_PAGES=0`. Call it
/// first thing in `main`, before any thread starts. Where the re-execution cannot happen
/// (not glibc, no executable path, `exec` refused) the process simply goes on with the
/// pages it has: only speed depends on it.
pub fn use_huge_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        let current = std::env::var("GLIBC_TUNABLES").ok();
        let opt = std::env::var("SWAN_HUGE_PAGES").ok();
        let Some(value) = tunables(current.as_deref(), opt.as_deref()) else {
            return;
        };
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let mut args = std::env::args_os();
        let mut cmd = std::process::Command::new(exe);
        if let Some(arg0) = args.next() {
            cmd.arg0(arg0);
        }
        // returns only when the exec failed: carry on as we are
        let _ = cmd.args(args).env("GLIBC_TUNABLES", value).exec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tunable_is_added_once_and_kept_beside_others() {
        let want = "glibc.malloc.hugetlb=1";
        assert_eq!(tunables(None, None).as_deref(), Some(want));
        assert_eq!(tunables(Some(""), None).as_deref(), Some(want));
        assert_eq!(
            tunables(Some("glibc.malloc.arena_max=2"), None).as_deref(),
            Some("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1")
        );
        // already there (the re-executed process, or the user's own choice, even 0): no loop
        assert_eq!(tunables(Some(want), None), None);
        assert_eq!(tunables(Some("glibc.malloc.hugetlb=0"), None), None);
        assert_eq!(
            tunables(
                Some("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2"),
                None
            ),
            None
        );
        // a longer name that only starts like it is another tunable
        assert_eq!(
            tunables(Some("glibc.malloc.hugetlbx=1"), None).as_deref(),
            Some("glibc.malloc.hugetlbx=1:glibc.malloc.hugetlb=1")
        );
        // turned off
        assert_eq!(tunables(None, Some("0")), None);
        assert_eq!(tunables(None, Some("1")).as_deref(), Some(want));
    }
}
