//! `trainer`: see `trainer --help`.

fn main() -> std::process::ExitCode {
    remul_trainer::commands::main()
}
