//! What a user watches during training: a progress bar on a terminal, ten
//! log lines over the run without one.

use indicatif::{ProgressBar, ProgressStyle};

use crate::checkpoint::LoopState;

/// The bar (hidden when not asked for) and the run's length.
pub(super) struct Progress {
    bar: ProgressBar,
    epochs: usize,
}

impl Progress {
    /// A bar over `epochs` epochs, `done` of them already trained.
    pub(super) fn new(show: bool, epochs: usize, done: usize) -> Self {
        if !show {
            return Self {
                bar: ProgressBar::hidden(),
                epochs,
            };
        }
        let bar = ProgressBar::new(epochs as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] epoch {pos}/{len} {msg} (eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_position(done as u64);
        Self { bar, epochs }
    }

    /// Shows the end of `epoch`: its mean losses, and α, β and the best
    /// validation so far from `state`.
    pub(super) fn epoch(&self, epoch: usize, (obj, equi): (f64, f64), state: &LoopState) {
        let (alpha, beta, epochs) = (state.alpha, state.beta, self.epochs);
        let best = state
            .best
            .map_or(String::from("-"), |(v, e)| format!("{v:.4} @{e}"));
        self.bar.set_position(epoch as u64);
        self.bar.set_message(format!(
            "L_obj {obj:.4} L_equi {equi:.4} α {alpha:.3} β {beta:.3} best val {best}"
        ));
        // Without a terminal the bar is invisible: log ten lines over the run.
        if self.bar.is_hidden() && (epoch.is_multiple_of((epochs / 10).max(1)) || epoch == epochs) {
            eprintln!(
                "epoch {epoch}/{epochs}: L_obj {obj:.4} L_equi {equi:.4} α {alpha:.3} β {beta:.3} best val {best}"
            );
        }
    }

    /// Leaves the bar as it is (the run stopped early).
    pub(super) fn abandon(&self) {
        self.bar.abandon();
    }

    /// Completes the bar.
    pub(super) fn finish(&self) {
        self.bar.finish();
    }
}
