#!/usr/bin/env bash
# Trains the MNIST CNN with its total-variation prior data-parallel on a Slurm cluster: one MPI process per Slurm task,
# started by srun through Open MPI's PMIx support, each with the task's CPUs as libtorch threads. Process 0 prints the
# progress and writes the checkpoint.
#
# Submit from a login node, in a folder on the cluster's shared file system; arguments after the script's name go to
# `attrdsl train` (e.g. --epochs 5 --lambda 0.003):
#   sbatch slurm-mpi-train.sh --epochs 3
# Each process trains on its share of every batch of 64 digits, so more tasks than 64 leave some with nothing to do;
# a cluster whose Slurm uses another PMI plugin by default still needs --mpi=pmix here (srun --mpi=list shows them).
#
#SBATCH --job-name=attrdsl-train
#SBATCH --ntasks=4
#SBATCH --cpus-per-task=4
#SBATCH --mem-per-cpu=2G
#SBATCH --time=01:00:00
#SBATCH --output=attrdsl-train-%j.out
set -euo pipefail

CHECKPOINT=${CHECKPOINT:-model.safetensors}

srun --mpi=pmix attrdsl train --data-parallel --threads "${SLURM_CPUS_PER_TASK:-1}" --output "$CHECKPOINT" "$@"
