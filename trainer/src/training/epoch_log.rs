//! `epochs.csv`: one row per epoch (losses, α, β, validation MSE, time,
//! and the teacher terms' weighted loss of a distilled student),
//! flushed as it is written so that a killed run keeps its history.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::Losses;
use crate::error::{Result, TrainerError};

/// A (epoch, value) curve read back from the log.
pub(super) type Curve = Vec<(f64, f64)>;

/// The per-epoch CSV. On resume, rows past the checkpoint are dropped.
pub(super) struct EpochLog {
    path: PathBuf,
    file: fs::File,
}

impl EpochLog {
    const FILE: &'static str = "epochs.csv";
    const HEADER: &'static str =
        "epoch,obj_loss,equi_loss,alpha,beta,val_mse,elapsed_s,teacher_loss";

    /// Starts the log of run folder `out`, keeping the rows of epochs up
    /// to `keep_through` (the checkpoint's) from an earlier session.
    pub(super) fn open(out: &Path, keep_through: usize) -> Result<Self> {
        let path = out.join(Self::FILE);
        let mut kept = vec![Self::HEADER.to_string()];
        if keep_through > 0
            && let Ok(text) = fs::read_to_string(&path)
        {
            kept.extend(
                text.lines()
                    .skip(1)
                    .filter(|l| {
                        l.split(',')
                            .next()
                            .and_then(|e| e.parse::<usize>().ok())
                            .is_some_and(|e| e <= keep_through)
                    })
                    .map(str::to_string),
            );
        }
        let mut file = fs::File::create(&path).map_err(|e| TrainerError::io(&path, e))?;
        writeln!(file, "{}", kept.join("\n")).map_err(|e| TrainerError::io(&path, e))?;
        Ok(Self { path, file })
    }

    /// Appends one epoch's row; `val` is empty on epochs without validation.
    pub(super) fn row(
        &mut self,
        epoch: usize,
        losses: Losses,
        (alpha, beta): (f64, f64),
        val: Option<f64>,
        elapsed: f64,
    ) -> Result<()> {
        let val = val.map_or(String::new(), |v| format!("{v:.6e}"));
        let Losses { obj, equi, extra } = losses;
        writeln!(
            self.file,
            "{epoch},{obj:.6e},{equi:.6e},{alpha:.6},{beta:.6},{val},{elapsed:.2},{extra:.6e}"
        )
        .and_then(|_| self.file.flush())
        .map_err(|e| TrainerError::io(&self.path, e))
    }

    /// α and β over the epochs, read back from the log of run folder `out`.
    pub(super) fn weights(out: &Path) -> Result<(Curve, Curve)> {
        let path = out.join(Self::FILE);
        let text = fs::read_to_string(&path).map_err(|e| TrainerError::io(&path, e))?;
        let (mut alpha, mut beta) = (Vec::new(), Vec::new());
        for line in text.lines().skip(1) {
            let cols: Vec<f64> = line
                .split(',')
                .take(5)
                .filter_map(|c| c.parse().ok())
                .collect();
            if let [epoch, _, _, a, b] = cols[..] {
                alpha.push((epoch, a));
                beta.push((epoch, b));
            }
        }
        Ok((alpha, beta))
    }
}
