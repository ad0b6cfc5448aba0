//! `trainer`: see `trainer --help`.

// See the comment on the mimalloc dependency in Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    remul_trainer::allocator::keep_freed_pages();
    remul_trainer::commands::main()
}
