//! The command line a user meets: flags in, library values out. Defaults
//! that depend on the task come from [`crate::task`]; values that cannot
//! work are refused here, naming the flag, where one flag decides it.

mod to_args;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use remul_group::CanonicalAxes;

use crate::beta_sweep::SweepPlan;
use crate::config::{LrSchedule, TrainConfig};
use crate::device::DeviceKind;
use crate::distill::DistillConfig;
use crate::error::Result;
use crate::export::QuantArg;
use crate::model::{
    Activation, EgnnConfig, Graph, MlpConfig, ModelKind, NetConfig, TransformerConfig,
};
use crate::objective::{GradNorm, LossKind, Penalty};
use crate::task::{GroupKind, MotionName, NbodySizes, TaskName, TaskSpec};

/// Train approximately rotation-equivariant dynamics models with REMUL.
///
/// Without a subcommand, trains: `trainer --task mocap --export model.bin`.
#[derive(Debug, Parser)]
#[command(name = "trainer", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// A subcommand; none means "train".
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Training options.
    #[command(flatten)]
    pub train: TrainArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train one model (the same as giving no subcommand).
    Train(TrainArgs),
    /// Train a student on finished runs' predictions (one teacher or the
    /// mean of several) as well as on the labels.
    Distill(DistillArgs),
    /// A teacher ensemble's own figures: test MSE, rotated-test MSE, E, E'.
    Ensemble(EnsembleArgs),
    /// Print what a task's splits hold (downloading missing mocap files).
    Data(DataArgs),
    /// Train over several β (and seeds) and plot test MSE and E against β.
    Sweep(SweepArgs),
    /// Tabulate finished runs (mean ± spread over seeds).
    Report(ReportArgs),
    /// Export a finished run as a runtime blob.
    Export(ExportArgs),
    /// Show a blob's metadata, sizes, metrics and RAM needs.
    Inspect(InspectArgs),
    /// Run a blob through the runtime on a task's test split: MSE and E'.
    Eval(EvalArgs),
    /// Run a blob on JSON input (a list of samples, each a flat list of floats).
    Predict(PredictArgs),
    /// Write a few samples of a split as JSON (inputs, targets, layout, bones).
    Samples(SamplesArgs),
    /// The loss around a finished run's weights along two random
    /// directions (filter-normalised, seeded): CSV and a contour PNG.
    Landscape(LandscapeArgs),
}

/// Options of `trainer distill`: the teachers and their terms' weights,
/// then every training flag, which applies to the student. The labels'
/// weight is `--alpha`, REMUL's L_equi `--beta` with `--penalty`.
#[derive(Clone, Debug, Args)]
pub struct DistillArgs {
    /// A teacher's run folder; repeat the flag for an ensemble (the mean
    /// of the teachers' predictions).
    #[arg(long = "teacher", value_name = "RUN", required = true)]
    pub teachers: Vec<PathBuf>,
    /// Weight of ℓ(f(x), T(x)): the teacher on the training inputs.
    #[arg(long, default_value_t = 0.0, value_parser = finite_non_negative)]
    pub teacher_weight: f64,
    /// Weight of ℓ(f(x̃), T(x̃)): the teacher on training inputs with
    /// Gaussian noise added.
    #[arg(long, default_value_t = 1.0, value_parser = finite_non_negative)]
    pub noisy_weight: f64,
    /// σ of that noise, in units of each channel's scale (the units the
    /// model sees).
    #[arg(long, default_value_t = 0.1, value_parser = finite_non_negative)]
    pub noise: f64,
    /// Weight of ℓ(f(φ(g)x̃), ρ(g)T(x̃)): the rotated teacher, a fresh g
    /// per sample and step.
    #[arg(long, default_value_t = 1.0, value_parser = finite_non_negative)]
    pub rotated_weight: f64,
    /// Make the teacher the mean of ρ(g)⁻¹T(φ(g)x) over K rotations drawn
    /// at every step (0: the teacher as it is).
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub symmetrize: usize,
    /// The student's training options.
    #[command(flatten)]
    pub train: TrainArgs,
}

impl DistillArgs {
    /// The student's run configuration.
    pub fn config(&self) -> Result<TrainConfig> {
        let mut config = self.train.config()?;
        config.distill = Some(DistillConfig {
            teachers: self.teachers.clone(),
            teacher_weight: self.teacher_weight,
            noisy_weight: self.noisy_weight,
            noise: self.noise,
            rotated_weight: self.rotated_weight,
            symmetrize: self.symmetrize,
        });
        Ok(config)
    }
}

/// Options of `trainer ensemble`.
#[derive(Clone, Debug, Args)]
pub struct EnsembleArgs {
    /// The runs averaged (finished runs of one task).
    #[arg(required = true, value_name = "RUN")]
    pub runs: Vec<PathBuf>,
    /// Also measure the ensemble symmetrised over K rotations (the mean of
    /// ρ(g)⁻¹T(φ(g)x), K rotations drawn once from `--seed`).
    #[arg(long, value_name = "K")]
    pub symmetrize: Option<usize>,
    /// Group samples M for E and E'.
    #[arg(long, default_value_t = 100, value_parser = at_least_one)]
    pub group_samples: usize,
    /// Seed of E's rotations and of the symmetrising ones.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where the task's data are (the task itself comes from the runs).
    #[command(flatten)]
    pub task: TaskArgs,
}

/// Options of `trainer landscape`.
#[derive(Clone, Debug, Args)]
pub struct LandscapeArgs {
    /// The run folder (with config.json, metrics.json and model.mpk).
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Where landscape.csv, .png and .json go (default: the run folder).
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Points per axis (odd: the trained weights are the middle one).
    #[arg(long, default_value_t = 21)]
    pub grid: usize,
    /// The grid spans ±this along each direction (1 = a step as large as
    /// every filter of the weights).
    #[arg(long, default_value_t = 1.0)]
    pub span: f64,
    /// Training samples the loss is measured on (the first ones).
    #[arg(long, default_value_t = 100)]
    pub samples: usize,
    /// Seed of the two directions.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Weight of L_obj (default: the run's).
    #[arg(long, value_parser = non_negative)]
    pub alpha: Option<f64>,
    /// Weight of L_equi (default: the run's).
    #[arg(long, value_parser = non_negative)]
    pub beta: Option<f64>,
    /// Where the task's data are (the task itself comes from the run).
    #[command(flatten)]
    pub task: TaskArgs,
}

/// Options of `trainer samples`.
#[derive(Clone, Debug, Args)]
pub struct SamplesArgs {
    /// The task.
    #[command(flatten)]
    pub task: TaskArgs,
    /// Which split.
    #[arg(long, default_value = "test")]
    pub split: String,
    /// How many samples (from the start of the split).
    #[arg(long, default_value_t = 8)]
    pub count: usize,
    /// The JSON file to write.
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,
}

/// Options of `trainer export`.
#[derive(Clone, Debug, Args)]
pub struct ExportArgs {
    /// The run folder (with config.json, metrics.json and model.mpk).
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// The blob to write.
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,
    /// Weight precision.
    #[arg(long, value_enum, default_value = "int8")]
    pub quant: QuantArg,
    /// Also show where int8's error comes from: the test MSE with one group
    /// of dense layers at a time given int8-rounded weights.
    #[arg(long)]
    pub sensitivity: bool,
    /// Where the task's data are (the task itself comes from the run).
    #[command(flatten)]
    pub task: TaskArgs,
}

/// Options of `trainer inspect`.
#[derive(Clone, Debug, Args)]
pub struct InspectArgs {
    /// The blob.
    pub model: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `trainer eval`.
#[derive(Clone, Debug, Args)]
pub struct EvalArgs {
    /// The blob.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// The task whose test split is used.
    #[command(flatten)]
    pub task: TaskArgs,
    /// Group samples M for E and E'.
    #[arg(long, default_value_t = 100)]
    pub group_samples: usize,
    /// Seed of the rotations.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Options of `trainer predict`.
#[derive(Clone, Debug, Args)]
pub struct PredictArgs {
    /// The blob.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// JSON input: `[[x0, x1, …], …]` in the blob's input layout (mocap:
    /// per joint its position then its velocity); `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// JSON output: one flat list per sample in the output layout (mocap:
    /// per joint its position at t+30); `-` writes stdout.
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,
}

/// Options of `trainer report`.
#[derive(Clone, Debug, Args)]
pub struct ReportArgs {
    /// Run folders, or folders holding run folders.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Also list every run.
    #[arg(long)]
    pub runs: bool,
}

/// Where the data live.
#[derive(Clone, Debug, Args)]
pub struct DataDirArgs {
    /// Data folder (mocap files under `<dir>/mocap/`). Default: $REMUL_DATA_DIR,
    /// else the per-user cache folder.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Do not download missing mocap files; fail instead.
    #[arg(long)]
    pub offline: bool,
}

/// The task and its data.
#[derive(Clone, Debug, Args)]
pub struct TaskArgs {
    /// The benchmark.
    #[arg(long, value_enum, default_value = "mocap")]
    pub task: TaskName,
    /// Mocap motion.
    #[arg(long, value_enum, default_value = "run")]
    pub motion: MotionName,
    /// N-body training samples.
    #[arg(long, default_value_t = NbodySizes::default().train)]
    pub nbody_train: usize,
    /// N-body validation, test and out-of-distribution samples (each).
    #[arg(long, default_value_t = NbodySizes::default().eval)]
    pub nbody_eval: usize,
    /// N-body generator seed.
    #[arg(long, default_value_t = NbodySizes::default().seed)]
    pub nbody_seed: u64,
    /// `--task custom`: the dataset's folder (its dataset.toml and .npz).
    #[arg(long = "data", value_name = "DIR")]
    pub dataset: Option<PathBuf>,
    /// Data location.
    #[command(flatten)]
    pub data: DataDirArgs,
}

impl TaskArgs {
    /// The task spec.
    pub fn spec(&self) -> TaskSpec {
        TaskSpec {
            name: self.task,
            motion: self.motion,
            nbody: NbodySizes {
                train: self.nbody_train,
                eval: self.nbody_eval,
                seed: self.nbody_seed,
            },
            dataset: self.dataset.clone(),
        }
    }
}

/// Options of `trainer data`.
#[derive(Clone, Debug, Args)]
pub struct DataArgs {
    /// The task.
    #[command(flatten)]
    pub task: TaskArgs,
    /// Also write the task as a custom dataset into DIR (dataset.toml and
    /// data.npz), with its default group: the format your own data come in.
    #[arg(long, value_name = "DIR")]
    pub export_npz: Option<PathBuf>,
}

/// Options of a training run. Unset values take the task's defaults (the
/// paper's hyperparameters, appendix B).
#[derive(Clone, Debug, Args)]
pub struct TrainArgs {
    /// The task.
    #[command(flatten)]
    pub task: TaskArgs,
    /// The model.
    #[arg(long, value_enum)]
    pub model: Option<ModelKind>,
    /// How α and β are set.
    #[arg(long, value_enum, default_value = "constant")]
    pub penalty: Penalty,
    /// Weight of the objective loss L_obj.
    #[arg(long, default_value_t = 1.0, value_parser = non_negative)]
    pub alpha: f64,
    /// Weight of the equivariance loss L_equi.
    #[arg(long, default_value_t = 1.0, value_parser = non_negative)]
    pub beta: f64,
    /// The discrepancy ℓ.
    #[arg(long, value_enum, default_value = "l2")]
    pub loss: LossKind,
    /// The group of L_equi (default: so3 for mocap, range 0–10° for n-body,
    /// the declared group for a custom dataset).
    #[arg(long, value_enum)]
    pub group: Option<GroupKind>,
    /// Draw L_equi's rotations from a fixed pool of K group elements, drawn
    /// once from the seed (default: a fresh rotation per sample and step).
    #[arg(long, value_name = "K", value_parser = at_least_one)]
    pub group_pool: Option<usize>,
    /// Smallest rotation angle of `--group range`, degrees.
    #[arg(long, default_value_t = 0.0)]
    pub angle_min: f32,
    /// Largest rotation angle of `--group range`, degrees.
    #[arg(long, default_value_t = 10.0)]
    pub angle_max: f32,
    /// GradNorm's learning rate η.
    #[arg(long, default_value_t = GradNorm::default().eta)]
    pub gradnorm_eta: f64,
    /// GradNorm's asymmetry γ.
    #[arg(long, default_value_t = GradNorm::default().gamma)]
    pub gradnorm_gamma: f64,
    /// Rescale α + β to its starting sum after each GradNorm update.
    #[arg(long)]
    pub gradnorm_renormalize: bool,
    /// Passes over the training split.
    #[arg(long, value_parser = at_least_one)]
    pub epochs: Option<usize>,
    /// Samples per step.
    #[arg(long, value_parser = at_least_one)]
    pub batch_size: Option<usize>,
    /// Adam's learning rate.
    #[arg(long, value_parser = positive)]
    pub lr: Option<f64>,
    /// Adam's weight decay (L2: added to the gradient, as in the paper).
    #[arg(long)]
    pub weight_decay: Option<f64>,
    /// Decoupled weight decay λ (AdamW): every step also shrinks each
    /// weight by the factor 1 − lr·λ (default 0: plain Adam).
    #[arg(long, value_name = "LAMBDA", default_value_t = 0.0)]
    pub decoupled_weight_decay: f64,
    /// How the learning rate changes over the run (constant: the paper's
    /// protocol; cosine: decay to zero at the last step).
    #[arg(long, value_enum, default_value = "constant")]
    pub lr_schedule: LrSchedule,
    /// Average the weights over the steps (decay per step, e.g. 0.999) and
    /// use the average as the model (default: the weights themselves).
    #[arg(long, value_name = "DECAY")]
    pub ema: Option<f64>,
    /// Validate every this many epochs.
    #[arg(long)]
    pub validate_every: Option<usize>,
    /// Seed of initialisation, batch order and rotations.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Do not centre positions on the input's centroid.
    #[arg(long)]
    pub no_center: bool,
    /// Do not scale by the training split's global scales.
    #[arg(long)]
    pub no_scale: bool,
    /// Turn every input to a canonical orientation before the model and
    /// its output back, which makes any model exactly equivariant: up is
    /// entity TO's position minus entity FROM's, forward the mean velocity
    /// (mocap: `0,13`, root to thorax)
    #[arg(long, value_name = "FROM,TO", value_parser = canonical_axes)]
    pub canonical_axes: Option<CanonicalAxes>,
    /// With --canonical-axes, an MLP also reads the canonical rotation's
    /// nine entries times this: it may then use the data's own headings,
    /// and is no longer exactly equivariant (train with a rotated term,
    /// e.g. distill's --rotated-weight, so that it stays close)
    #[arg(long, value_name = "SCALE")]
    pub orientation_input: Option<f32>,
    /// MLP: dense layers, the output layer included. EGNN: message-passing
    /// layers.
    #[arg(long, value_parser = at_least_one)]
    pub layers: Option<usize>,
    /// Train with int8-rounded dense weights in the forward pass
    /// (quantization-aware training, for an int8 export)
    #[arg(long)]
    pub qat: bool,
    /// MLP: hidden width. EGNN: width of features and messages.
    #[arg(long, value_parser = at_least_one)]
    pub hidden: Option<usize>,
    /// EGNN: which entities exchange messages (bones: the task's skeleton).
    #[arg(long, value_enum)]
    pub graph: Option<Graph>,
    /// MLP: activation.
    #[arg(long, value_enum)]
    pub activation: Option<Activation>,
    /// Transformer: the paper's size (10 blocks, 384 channels, 8 heads).
    #[arg(long)]
    pub paper_size: bool,
    /// Transformer: encoder blocks.
    #[arg(long)]
    pub blocks: Option<usize>,
    /// Transformer: channels per token.
    #[arg(long, value_parser = at_least_one)]
    pub d_model: Option<usize>,
    /// Transformer: attention heads.
    #[arg(long, value_parser = at_least_one)]
    pub heads: Option<usize>,
    /// Transformer: feed-forward width.
    #[arg(long, value_parser = at_least_one)]
    pub d_ff: Option<usize>,
    /// Group samples M for E and E' on the test split.
    #[arg(long, default_value_t = 100, value_parser = at_least_one)]
    pub eval_group_samples: usize,
    /// Save a checkpoint every this many epochs (1: a killed run loses at
    /// most one epoch).
    #[arg(long, default_value_t = 1)]
    pub checkpoint_every: usize,
    /// Where to train.
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceKind,
    /// The run folder (default: runs/<task>-<model>-<penalty>-b<β>-s<seed>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue the run in --out from its last checkpoint (a sweep also
    /// keeps the runs that finished).
    #[arg(long)]
    pub resume: bool,
    /// Write the trained model as a blob for the runtime.
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
    /// Weight precision of `--export`.
    #[arg(long, value_enum, default_value = "int8")]
    pub quant: QuantArg,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Options of `trainer sweep`.
#[derive(Clone, Debug, Args)]
pub struct SweepArgs {
    /// The β values, comma separated.
    #[arg(
        long,
        value_delimiter = ',',
        required_unless_present = "collect",
        value_parser = finite_non_negative
    )]
    pub betas: Vec<f64>,
    /// Seeds per β, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub seeds: Vec<u64>,
    /// Runs trained at once, each a `trainer train` process on one thread
    /// (default: this machine's cores).
    #[arg(long, value_parser = at_least_one)]
    pub jobs: Option<usize>,
    /// Submit the runs to Slurm as one job array (a task per run, resumed
    /// from its checkpoint when preempted or requeued) instead of training
    /// them here; gather them later with `--collect`.
    #[arg(long)]
    pub slurm: bool,
    /// Extra `sbatch` options for `--slurm`, as one string (e.g.
    /// "--partition=cpu --time=02:00:00").
    #[arg(
        long,
        value_name = "OPTIONS",
        requires = "slurm",
        allow_hyphen_values = true
    )]
    pub slurm_args: Option<String>,
    /// With `--slurm`: print the job script instead of writing and
    /// submitting it.
    #[arg(long, requires = "slurm")]
    pub dry_run: bool,
    /// Gather the finished runs of the sweep in DIR into its CSV and plots,
    /// and list the runs still missing; trains nothing.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["slurm", "jobs"])]
    pub collect: Option<PathBuf>,
    /// Everything else, as for training (`--out` is the sweep's folder).
    #[command(flatten)]
    pub train: TrainArgs,
}

impl TrainArgs {
    /// The run configuration: the flags over the task's defaults.
    pub fn config(&self) -> Result<TrainConfig> {
        let task = self.task.spec();
        let model = self.model.unwrap_or(task.default_model());
        let defaults = task.defaults(model);
        let group = match self.group {
            Some(kind) => kind.group(&task, self.angle_min, self.angle_max)?,
            None => task.default_group(self.angle_min, self.angle_max)?,
        };
        Ok(TrainConfig {
            net: self.net(task.default_net(model, self.paper_size))?,
            group,
            group_pool: self.group_pool,
            task,
            penalty: self.penalty,
            alpha: self.alpha,
            beta: self.beta,
            loss: self.loss,
            gradnorm: GradNorm {
                eta: self.gradnorm_eta,
                gamma: self.gradnorm_gamma,
                renormalize: self.gradnorm_renormalize,
                ..GradNorm::default()
            },
            lr: self.lr.unwrap_or(defaults.lr),
            lr_schedule: self.lr_schedule,
            ema: self.ema,
            weight_decay: self.weight_decay.unwrap_or(defaults.weight_decay),
            decoupled_weight_decay: self.decoupled_weight_decay,
            batch_size: self.batch_size.unwrap_or(defaults.batch_size),
            epochs: self.epochs.unwrap_or(defaults.epochs),
            seed: self.seed,
            validate_every: self.validate_every.unwrap_or(defaults.validate_every),
            center: !self.no_center,
            scale: !self.no_scale,
            canonical_axes: self.canonical_axes,
            orientation_input: self.orientation_input,
            eval_group_samples: self.eval_group_samples,
            checkpoint_every: self.checkpoint_every.max(1),
            device: self.device,
            distill: None,
        })
    }

    /// The model's sizes: the flags over `defaults`.
    fn net(&self, defaults: NetConfig) -> Result<NetConfig> {
        let refuse = |why: &str| Err(crate::error::TrainerError::InvalidArgument(why.into()));
        if let NetConfig::Egnn(d) = defaults {
            if self.qat {
                return refuse("--qat needs a model the runtime runs: EGNN is a trainer baseline");
            }
            if self.export.is_some() {
                return refuse(crate::export::EGNN_HAS_NO_BLOB);
            }
            return Ok(NetConfig::Egnn(EgnnConfig {
                layers: self.layers.unwrap_or(d.layers),
                hidden: self.hidden.unwrap_or(d.hidden),
                graph: self.graph.unwrap_or(d.graph),
                ..d
            }));
        }
        if self.graph.is_some() {
            return refuse("--graph is EGNN's: add --model egnn");
        }
        Ok(match defaults {
            NetConfig::Mlp(d) => NetConfig::Mlp(MlpConfig {
                layers: self.layers.unwrap_or(d.layers),
                hidden: self.hidden.unwrap_or(d.hidden),
                activation: self.activation.unwrap_or(d.activation),
                qat: self.qat,
            }),
            NetConfig::Transformer(d) => NetConfig::Transformer(TransformerConfig {
                blocks: self.blocks.unwrap_or(d.blocks),
                d_model: self.d_model.unwrap_or(d.d_model),
                heads: self.heads.unwrap_or(d.heads),
                d_ff: self.d_ff.unwrap_or(d.d_ff),
                qat: self.qat,
                ..d
            }),
            NetConfig::Egnn(_) => unreachable!("returned above"),
        })
    }

    /// The run folder.
    pub fn out_dir(&self, config: &TrainConfig) -> PathBuf {
        let distilled = if config.distill.is_some() {
            "-distilled"
        } else {
            ""
        };
        self.out.clone().unwrap_or_else(|| {
            PathBuf::from("runs").join(
                format!(
                    "{}-{}{distilled}-{:?}-b{}-s{}",
                    config.task.label(),
                    config.net.name(),
                    config.penalty,
                    config.beta,
                    config.seed
                )
                .to_lowercase(),
            )
        })
    }
}

impl SweepArgs {
    /// The sweep: the training flags give its base run, `--out` its folder
    /// (default: `runs/sweep-<task>-<model>`).
    pub fn plan(&self) -> Result<SweepPlan> {
        let base = self.train.config()?;
        let dir = self.train.out.clone().unwrap_or_else(|| {
            PathBuf::from("runs").join(format!("sweep-{}-{}", base.task.label(), base.net.name()))
        });
        Ok(SweepPlan {
            base,
            betas: self.betas.clone(),
            seeds: self.seeds.clone(),
            dir,
            resume: self.train.resume,
            progress: !self.train.quiet,
        })
    }
}

/// A count flag's value: a whole number of at least 1.
/// `FROM,TO`: two entity indices.
fn canonical_axes(s: &str) -> std::result::Result<CanonicalAxes, String> {
    let parse = |v: &str| v.trim().parse::<u32>().map_err(|e| format!("{v:?}: {e}"));
    match s.split_once(',') {
        Some((from, to)) => Ok(CanonicalAxes {
            from: parse(from)?,
            to: parse(to)?,
        }),
        None => Err("expected two entity indices FROM,TO (mocap: 0,13)".into()),
    }
}

fn at_least_one(s: &str) -> std::result::Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        parsed => parsed.map_err(|e| e.to_string()),
    }
}

/// A number flag's value, refused with "must be `need`" unless `ok`.
fn number(s: &str, ok: fn(f64) -> bool, need: &str) -> std::result::Result<f64, String> {
    let value: f64 = s
        .parse()
        .map_err(|e: std::num::ParseFloatError| e.to_string())?;
    if ok(value) {
        Ok(value)
    } else {
        Err(format!("must be {need}"))
    }
}

fn positive(s: &str) -> std::result::Result<f64, String> {
    number(s, |v| v > 0.0 && v.is_finite(), "a positive number")
}

fn non_negative(s: &str) -> std::result::Result<f64, String> {
    number(s, |v| v >= 0.0, "a non-negative number")
}

fn finite_non_negative(s: &str) -> std::result::Result<f64, String> {
    number(
        s,
        |v| v >= 0.0 && v.is_finite(),
        "a finite non-negative number",
    )
}
