//! The `trainer` program, built with the pipeline tests (so the README's
//! example, which calls `trainer`, runs the trainer these tests were built
//! with, without a second build of it).

fn main() -> std::process::ExitCode {
    remul_trainer::commands::main()
}
