//! Training arguments back to flags: what a sweep hands each run's process,
//! a child on this machine or a Slurm task, so that `trainer train` with
//! them parses to the very arguments the sweep planned.

use std::ffi::OsString;
use std::fmt::Display;
use std::path::Path;

use clap::ValueEnum;

use super::{DataDirArgs, TaskArgs, TrainArgs};

/// Flags being written, in the order `trainer --help` lists them.
#[derive(Default)]
struct Flags(Vec<OsString>);

impl Flags {
    fn value(&mut self, flag: &str, value: impl Display) {
        self.0.push(flag.into());
        self.0.push(value.to_string().into());
    }

    fn option(&mut self, flag: &str, value: Option<impl Display>) {
        if let Some(value) = value {
            self.value(flag, value);
        }
    }

    fn choice(&mut self, flag: &str, value: impl ValueEnum) {
        let name = value
            .to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default();
        self.value(flag, name);
    }

    fn switch(&mut self, flag: &str, on: bool) {
        if on {
            self.0.push(flag.into());
        }
    }

    fn path(&mut self, flag: &str, path: Option<&Path>) {
        if let Some(path) = path {
            self.0.push(flag.into());
            self.0.push(path.as_os_str().to_owned());
        }
    }
}

impl TrainArgs {
    /// Every flag that sets these arguments, so that parsing `trainer
    /// train` followed by them gives the same arguments (and so the same
    /// [`crate::config::TrainConfig`]). Floats print as the shortest text
    /// that parses back to the same bits.
    pub fn to_args(&self) -> Vec<OsString> {
        // Written out whole, so that a new flag fails to compile here
        // until it is handed on too.
        let TrainArgs {
            task,
            model,
            penalty,
            alpha,
            beta,
            loss,
            group,
            group_pool,
            angle_min,
            angle_max,
            gradnorm_eta,
            gradnorm_gamma,
            gradnorm_renormalize,
            epochs,
            batch_size,
            lr,
            weight_decay,
            decoupled_weight_decay,
            lr_schedule,
            ema,
            validate_every,
            seed,
            no_center,
            no_scale,
            canonical_axes,
            orientation_input,
            layers,
            qat,
            hidden,
            graph,
            activation,
            paper_size,
            blocks,
            d_model,
            heads,
            d_ff,
            eval_group_samples,
            checkpoint_every,
            device,
            out,
            resume,
            export,
            quant,
            quiet,
        } = self;
        let TaskArgs {
            task: name,
            motion,
            nbody_train,
            nbody_eval,
            nbody_seed,
            dataset,
            data: DataDirArgs { data_dir, offline },
        } = task;
        let mut f = Flags::default();
        f.choice("--task", *name);
        f.choice("--motion", *motion);
        f.value("--nbody-train", nbody_train);
        f.value("--nbody-eval", nbody_eval);
        f.value("--nbody-seed", nbody_seed);
        f.path("--data", dataset.as_deref());
        f.path("--data-dir", data_dir.as_deref());
        f.switch("--offline", *offline);
        if let Some(model) = model {
            f.choice("--model", *model);
        }
        f.choice("--penalty", *penalty);
        f.value("--alpha", alpha);
        f.value("--beta", beta);
        f.choice("--loss", *loss);
        if let Some(group) = group {
            f.choice("--group", *group);
        }
        f.option("--group-pool", *group_pool);
        f.value("--angle-min", angle_min);
        f.value("--angle-max", angle_max);
        f.value("--gradnorm-eta", gradnorm_eta);
        f.value("--gradnorm-gamma", gradnorm_gamma);
        f.switch("--gradnorm-renormalize", *gradnorm_renormalize);
        f.option("--epochs", *epochs);
        f.option("--batch-size", *batch_size);
        f.option("--lr", *lr);
        f.option("--weight-decay", *weight_decay);
        f.value("--decoupled-weight-decay", decoupled_weight_decay);
        f.choice("--lr-schedule", *lr_schedule);
        f.option("--ema", *ema);
        f.option("--validate-every", *validate_every);
        f.value("--seed", seed);
        f.switch("--no-center", *no_center);
        f.switch("--no-scale", *no_scale);
        if let Some(axes) = canonical_axes {
            f.value("--canonical-axes", format!("{},{}", axes.from, axes.to));
        }
        f.option("--orientation-input", *orientation_input);
        f.option("--layers", *layers);
        f.switch("--qat", *qat);
        f.option("--hidden", *hidden);
        if let Some(graph) = graph {
            f.choice("--graph", *graph);
        }
        if let Some(activation) = activation {
            f.choice("--activation", *activation);
        }
        f.switch("--paper-size", *paper_size);
        f.option("--blocks", *blocks);
        f.option("--d-model", *d_model);
        f.option("--heads", *heads);
        f.option("--d-ff", *d_ff);
        f.value("--eval-group-samples", eval_group_samples);
        f.value("--checkpoint-every", checkpoint_every);
        f.choice("--device", *device);
        f.path("--out", out.as_deref());
        f.switch("--resume", *resume);
        f.path("--export", export.as_deref());
        f.choice("--quant", *quant);
        f.switch("--quiet", *quiet);
        f.0
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::Cli;

    fn parse(flags: &[OsString]) -> TrainArgs {
        let argv = std::iter::once(OsString::from("trainer")).chain(flags.iter().cloned());
        Cli::try_parse_from(argv).expect("parses").train
    }

    #[test]
    fn flags_parse_back_to_the_same_arguments_and_run() {
        let lines: [&[&str]; 6] = [
            &[],
            &[
                "--task",
                "mocap",
                "--motion",
                "walk",
                "--data-dir",
                "d i r",
                "--offline",
                "--model",
                "mlp",
                "--layers",
                "4",
                "--hidden",
                "33",
                "--activation",
                "relu",
                "--qat",
                "--lr",
                "0.000123",
                "--weight-decay",
                "1e-10",
                "--decoupled-weight-decay",
                "0.05",
                "--batch-size",
                "7",
                "--epochs",
                "9",
                "--validate-every",
                "3",
                "--no-center",
                "--canonical-axes",
                "0,13",
                "--orientation-input",
                "4",
                "--seed",
                "42",
                "--export",
                "m.bin",
                "--quant",
                "f32",
                "--quiet",
                "--out",
                "o",
            ],
            &[
                "--task",
                "nbody",
                "--nbody-train",
                "17",
                "--nbody-eval",
                "19",
                "--nbody-seed",
                "5",
                "--model",
                "transformer",
                "--blocks",
                "3",
                "--d-model",
                "24",
                "--heads",
                "4",
                "--d-ff",
                "40",
                "--group",
                "range",
                "--angle-min",
                "0.1",
                "--angle-max",
                "33.3",
                "--penalty",
                "gradnorm",
                "--alpha",
                "0.3",
                "--beta",
                "2.7",
                "--gradnorm-eta",
                "0.017",
                "--gradnorm-gamma",
                "0.3",
                "--gradnorm-renormalize",
                "--loss",
                "l1",
                "--no-scale",
                "--eval-group-samples",
                "7",
                "--checkpoint-every",
                "4",
                "--resume",
            ],
            &[
                "--model",
                "transformer",
                "--paper-size",
                "--group",
                "so2",
                "--group-pool",
                "16",
                "--penalty",
                "augment",
            ],
            &["--task", "custom", "--data", "my data", "--group", "so3"],
            &[
                "--model", "egnn", "--layers", "3", "--hidden", "16", "--graph", "bones",
            ],
        ];
        for line in lines {
            let flags: Vec<OsString> = line.iter().map(OsString::from).collect();
            let args = parse(&flags);
            let again = parse(&args.to_args());
            assert_eq!(format!("{again:?}"), format!("{args:?}"), "{line:?}");
            assert_eq!(again.config().ok(), args.config().ok(), "{line:?}");
        }
    }
}
