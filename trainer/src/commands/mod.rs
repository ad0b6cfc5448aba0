//! What each subcommand does, on top of the library.

mod data;
mod report;
mod sweep;
mod train;

pub use data::{data, load_task};
pub use report::{mean_std, report};
pub use sweep::sweep;
pub use train::train;
