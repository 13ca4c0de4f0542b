//! The server program (the same `main` as `scenario-market`), built beside the tests so that
//! the fault stories can start it in a process of its own and kill it with SIGKILL.

fn main() -> std::process::ExitCode {
    scenario_market::cli::main()
}
