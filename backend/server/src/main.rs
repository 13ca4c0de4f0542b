//! `scenario-market`: the server and its administration commands.

/// The allocator: a request's many small, short-lived allocations from several worker and
/// blocking threads are mimalloc's strength (glibc's spent a fifth of a signed-in read in
/// malloc and free).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    scenario_market::cli::main()
}
