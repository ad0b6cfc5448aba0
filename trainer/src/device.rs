//! Where training runs: burn-flex on the CPU, or burn-cuda on an NVIDIA GPU
//! (cargo feature `cuda`), chosen at run time.
//!
//! flex runs on one thread with its SIMD kernels: its matrix products split
//! into threads only far above this trainer's sizes, one thread keeps every
//! run bit-for-bit repeatable, and sweeps give each run its own core.
//! `benches/cpu_speed.sh` measures it against burn-ndarray and PyTorch;
//! burn-ndarray stays as the exporter's reference, whose summation order the
//! runtime's f32 kernels follow (`crate::export`).

use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainerError};

/// The CPU backend with autodiff.
pub type CpuBackend = burn::backend::Autodiff<burn::backend::Flex>;

/// The CUDA backend with autodiff.
#[cfg(feature = "cuda-base")]
pub type CudaBackend = burn::backend::Autodiff<burn::backend::Cuda<f32, i32>>;

/// A device kind a user can ask for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    /// burn-flex, single-threaded and deterministic.
    #[default]
    Cpu,
    /// burn-cuda on GPU 0.
    Cuda,
}

impl DeviceKind {
    /// A human-readable name of the device.
    pub fn describe(self) -> String {
        match self {
            Self::Cpu => "cpu (burn-flex)".into(),
            Self::Cuda => "cuda:0 (burn-cuda)".into(),
        }
    }
}

/// Work that runs on whichever backend the user chose.
pub trait BackendJob {
    /// What the work returns.
    type Output;
    /// Runs on backend `B` and its device.
    fn run<B: AutodiffBackend>(self, device: B::Device) -> Self::Output;
}

/// Runs `job` on the chosen device, after checking that it can work.
pub fn dispatch<J: BackendJob>(kind: DeviceKind, job: J) -> Result<J::Output> {
    match kind {
        DeviceKind::Cpu => Ok(job.run::<CpuBackend>(Default::default())),
        DeviceKind::Cuda => run_cuda(job),
    }
}

#[cfg(not(feature = "cuda-base"))]
fn run_cuda<J: BackendJob>(_job: J) -> Result<J::Output> {
    Err(TrainerError::CudaNotBuilt)
}

#[cfg(feature = "cuda-base")]
fn run_cuda<J: BackendJob>(job: J) -> Result<J::Output> {
    probe_cuda()?;
    Ok(job.run::<CudaBackend>(burn::backend::cuda::CudaDevice::new(0)))
}

/// Checks for the CUDA driver and NVRTC libraries before burn-cuda touches
/// them: without this, a machine with no GPU gets a panic trace from deep
/// inside cudarc instead of a sentence.
#[cfg(feature = "cuda-base")]
#[allow(unsafe_code)]
pub fn probe_cuda() -> Result<()> {
    // SAFETY: these only try to dlopen the libraries and report whether it worked.
    let driver = unsafe { cudarc::driver::sys::is_culib_present() };
    if !driver {
        return Err(TrainerError::CudaUnavailable(
            "no CUDA driver library (libcuda.so) found: is there an NVIDIA GPU and driver?".into(),
        ));
    }
    // SAFETY: as above.
    let nvrtc = unsafe { cudarc::nvrtc::sys::is_culib_present() };
    if !nvrtc {
        return Err(TrainerError::CudaUnavailable(
            "no NVRTC library (libnvrtc.so) found: put it on LD_LIBRARY_PATH (see README)".into(),
        ));
    }
    let has_cuda_dir = std::env::var_os("CUDA_PATH").is_some()
        || ["/usr/local/cuda", "/opt/cuda", "/usr/bin/nvcc"]
            .iter()
            .any(|p| std::path::Path::new(p).exists());
    if !has_cuda_dir {
        return Err(TrainerError::CudaUnavailable(
            "burn-cuda needs a CUDA directory: set CUDA_PATH to a folder with include/ (see README)"
                .into(),
        ));
    }
    Ok(())
}
