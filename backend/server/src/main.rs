//! `scenario-market`: the server and its administration commands.

fn main() -> std::process::ExitCode {
    // glibc gives each thread that allocates at once an arena of its own, and the blocking
    // pool has many: two arenas keep the resident memory down at no measurable cost in speed
    // (the load bench's RSS figures). mimalloc was tried and kept far more (670 MB).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it runs before any other thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
    scenario_market::cli::main()
}
