//! `scenario-market`: the server and its administration commands.

fn main() -> std::process::ExitCode {
    scenario_market::cli::main()
}
