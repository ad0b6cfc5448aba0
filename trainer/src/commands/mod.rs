//! What each subcommand does, on top of the library.

mod blob;
mod data;
mod distill;
mod ensemble;
mod finished_run;
mod landscape;
mod report;
mod run;
mod samples;
mod sweep;
mod train;

pub use blob::{eval, export_after_training, export_run, inspect, predict, print_export};
pub use data::{data, load_task};
pub use distill::distill;
pub use ensemble::ensemble;
pub use landscape::landscape;
pub use report::report;
pub use run::main;
pub use samples::samples;
pub use sweep::sweep;
pub use train::train;
