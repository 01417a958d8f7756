#!/usr/bin/env bash
# Explains a data set on a Slurm cluster: a job array of 4 shards, then the gather step once all of them succeeded.
#
# Submit from a login node, in a folder on the cluster's shared file system:
#   bash slurm-array.sh
# It submits itself as the array (the #SBATCH lines below) and the gather step as a job that starts only when every
# array task exited 0 (--dependency=afterok). Edit the settings below and the #SBATCH lines to fit your run; keep
# --array=0-(N-1) and SHARDS=N equal, since each task explains the shard named by its SLURM_ARRAY_TASK_ID.
#
# A failed shard can be run again on its own (sbatch --array=2 slurm-array.sh) and then gathered with the command of
# the gather step below.
#
#SBATCH --job-name=attrdsl-explain
#SBATCH --array=0-3
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=02:00:00
#SBATCH --output=attrdsl-explain-%A_%a.out
set -euo pipefail

# Settings: the checkpoint to explain, the folder the shards are written to (on the shared file system) and the
# number of shards (the array's size).
CHECKPOINT=${CHECKPOINT:-model.safetensors}
SHARDS_DIR=${SHARDS_DIR:-shards}
SHARDS=${SHARDS:-4}

if [[ -z "${SLURM_ARRAY_TASK_ID:-}" ]]; then
  # On the login node: submit the array, then the gather step depending on it.
  array_job=$(sbatch --parsable --array="0-$((SHARDS - 1))" --export=ALL "$0")
  array_job=${array_job%%;*}   # --parsable prints "id" or "id;cluster"
  gather_job=$(sbatch --parsable --job-name=attrdsl-gather --dependency="afterok:$array_job" --kill-on-invalid-dep=yes \
    --ntasks=1 --cpus-per-task=1 --mem=2G --time=00:30:00 --output=attrdsl-gather-%j.out \
    --wrap="attrdsl gather-dataset --input '$SHARDS_DIR'")
  echo "submitted the array as job $array_job and the gather step as job $gather_job (it waits for the whole array)"
  echo "follow them with: squeue --me"
  exit 0
fi

# In an array task: explain this task's shard. Slurm gives each task its index 0..N-1.
mkdir -p "$SHARDS_DIR"
exec attrdsl explain-dataset --checkpoint "$CHECKPOINT" --shard "$SLURM_ARRAY_TASK_ID" --shards "$SHARDS" \
  --threads "${SLURM_CPUS_PER_TASK:-1}" --output "$SHARDS_DIR"
