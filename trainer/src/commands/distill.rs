//! `trainer distill --teacher RUN … [train flags]`: a student trained on its
//! teachers' predictions as well as on the labels (`crate::distill`).

use crate::cli::DistillArgs;
use crate::error::Result;

use super::train::train_with;

/// Trains the student and prints its metrics.
pub fn distill(args: &DistillArgs) -> Result<()> {
    train_with(&args.train, args.config()?)
}
