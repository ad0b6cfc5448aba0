//! The on-device equivariance check: the paper's E and E' of a loaded
//! model, with the blob's group and layout, without allocation.

use remul_group::{EquivarianceReport, metrics};

use crate::{Error, Model};

impl Model<'_> {
    /// Scratch values [`Model::equivariance`] needs: the metric's own
    /// buffers plus one prediction's scratch.
    pub fn equivariance_scratch_len(&self) -> usize {
        metrics::scratch_len(self.io()) + self.scratch_len()
    }

    /// Measures E (eq. 12), E' (eq. 13) and the largest error of this model
    /// over `inputs`, with `m` rotations drawn from the blob's group with
    /// `seed` (the same rotations for every input, as the trainer draws
    /// them). A failing prediction inside stops the measurement and is
    /// returned as the error.
    pub fn equivariance<'i, I>(
        &self,
        inputs: I,
        m: usize,
        seed: u64,
        scratch: &mut [f32],
    ) -> Result<EquivarianceReport, Error>
    where
        I: IntoIterator<Item = &'i [f32]>,
    {
        let needed = self.equivariance_scratch_len();
        let got = scratch.len();
        let (metric_scratch, model_scratch) = scratch
            .split_at_mut_checked(metrics::scratch_len(self.io()))
            .filter(|(_, rest)| rest.len() >= self.scratch_len())
            .ok_or(Error::ScratchTooSmall { needed, got })?;
        let mut failure = None;
        let predictor = |x: &[f32], y: &mut [f32]| {
            if failure.is_none()
                && let Err(e) = self.predict(x, y, model_scratch)
            {
                failure = Some(e);
            }
            if failure.is_some() {
                y.fill(0.0);
            }
        };
        let report = metrics::measure(
            predictor,
            inputs,
            self.io(),
            self.group(),
            m,
            seed,
            metric_scratch,
        );
        match failure {
            Some(e) => Err(e),
            None => Ok(report?),
        }
    }
}
