//! Giving the system back the memory the allocator keeps after the program freed it.
//!
//! glibc's allocator returns freed memory only from the top of each arena, so the pages freed
//! below live blocks stay resident. A server that renders answers, keeps some and drops
//! others held a third of its memory that way (measured at 100,000 scenarios: 210 MB resident
//! before one `malloc_trim`, 162 MB after). So the server trims every ten seconds, and soon
//! after each sweep that drops many kept answers ([`trim_soon`]), on a thread of its own: a
//! trim takes 5–20 ms there, which no request should wait for.
//!
//! The server binary's own allocator is mimalloc, which gives freed pages back by itself; the
//! trim still serves what the C libraries (SQLite, libpq) allocate through glibc.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// How often the server trims on its own.
pub const EVERY: Duration = Duration::from_secs(10);

/// Asks glibc to hand every arena's free pages back to the system. Live memory is untouched;
/// the call takes a few milliseconds and holds each arena's lock in turn. Elsewhere (musl,
/// other systems) it does nothing: those allocators give memory back themselves.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let started = std::time::Instant::now();
        #[allow(unsafe_code)]
        // SAFETY: malloc_trim takes no pointers and changes only glibc's own free lists,
        // under the arenas' locks.
        let gave = unsafe { libc::malloc_trim(0) };
        tracing::debug!(
            gave_back = gave == 1,
            micros = started.elapsed().as_micros() as u64,
            "free memory handed back to the system"
        );
    }
}

/// Whether a trim was asked for, and the bell that wakes the trimming thread.
static ASKED: Mutex<bool> = Mutex::new(false);
static BELL: Condvar = Condvar::new();

/// Asks the trimming thread to trim now rather than at its next round (without the thread,
/// as in tests, nothing happens).
pub fn trim_soon() {
    *ASKED.lock().unwrap_or_else(|p| p.into_inner()) = true;
    BELL.notify_one();
}

/// Starts the thread that trims every [`EVERY`], and when [`trim_soon`] asks.
pub fn start_trimming() {
    let started = std::thread::Builder::new()
        .name("memory-trim".into())
        .spawn(|| {
            loop {
                let asked = ASKED.lock().unwrap_or_else(|p| p.into_inner());
                let (mut asked, _) = BELL
                    .wait_timeout_while(asked, EVERY, |asked| !*asked)
                    .unwrap_or_else(|p| p.into_inner());
                *asked = false;
                drop(asked);
                release_free_memory();
            }
        });
    if let Err(e) = started {
        tracing::warn!(error = %e, "no thread for giving free memory back");
    }
}
