//! `scenario-market`: the server and its administration commands.

/// The allocator: a request's many small, short-lived allocations from several worker and
/// blocking threads are mimalloc's strength (glibc's spent a fifth of a signed-in read in
/// malloc and free).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[allow(unsafe_code)]
unsafe extern "C" {
    /// mimalloc's setter and getter of an option (`mimalloc.h`); linked with the allocator.
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    #[cfg(test)]
    fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
}

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e`.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// How long mimalloc keeps freed memory before giving it back to the system, in milliseconds
/// (ten times that for its arenas). Its own default, 1,000, held 35 MB that the server's
/// start-up had freed (the search dictionary's loading, the vendors' analysis) for as long as
/// the server was idle, and 20 MB more after a load (measured at 100,000 scenarios); 0 cost
/// a tenth of the list's throughput; at 10 neither showed.
const PURGE_DELAY_MS: std::ffi::c_long = 10;

fn main() -> std::process::ExitCode {
    #[allow(unsafe_code)]
    // SAFETY: the call takes no pointers and only stores an option's value; it runs first in
    // `main`, before the program starts any thread.
    unsafe {
        mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS)
    };
    scenario_market::cli::main()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option number is the purge delay's: its default is mimalloc 3's 1,000 ms (unless
    /// the environment sets it), and setting it is read back.
    #[test]
    #[allow(unsafe_code)]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: as in `main`; the test thread only reads and stores an option value.
        let before = unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(
                before, 1_000,
                "option {MI_OPTION_PURGE_DELAY} is not the purge delay"
            );
        }
        // SAFETY: as above.
        let after = unsafe {
            mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
            mi_option_get(MI_OPTION_PURGE_DELAY)
        };
        assert_eq!(after, PURGE_DELAY_MS);
    }
}
