//! Prints a task's summary and how long loading or generating it took —
//! what `trainer data` shows, without the trainer:
//!
//! ```text
//! cargo run --release -p remul-datasets --example data_summary -- mocap run [DATA_DIR]
//! cargo run --release -p remul-datasets --example data_summary -- nbody
//! ```

use std::path::PathBuf;
use std::time::Instant;

use remul_datasets::mocap::{self, Motion};
use remul_datasets::nbody::{self, NbodyConfig};
use remul_datasets::{Error, default_data_dir, summarize};

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let start = Instant::now();
    let data = match args.first().map(String::as_str) {
        Some("nbody") => nbody::generate(&NbodyConfig::default())?,
        _ => {
            let motion: Motion = args.get(1).map_or(Ok(Motion::Run), |m| m.parse())?;
            mocap::load(&default_data_dir(args.get(2).map(PathBuf::from)), motion)?
        }
    };
    let elapsed = start.elapsed();
    print!("{}", summarize(&data));
    println!("({} in {elapsed:.2?})", data.name);
    Ok(())
}
