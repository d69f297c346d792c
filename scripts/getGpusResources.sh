#!/usr/bin/env bash
# Spark GPU discovery script (spark.{worker,executor,driver}.resource.gpu.discoveryScript): prints the
# resource JSON Spark expects, {"name":"gpu","addresses":["0","1",...]}, from nvidia-smi's GPU indices.
# CUDA_VISIBLE_DEVICES, when set, limits the list to those indices. Exits non-zero (Spark then refuses
# to start the executor with a clear log line) when nvidia-smi is missing or fails.
set -euo pipefail
command -v nvidia-smi >/dev/null 2>&1 || { echo "getGpusResources: nvidia-smi not found" >&2; exit 1; }
idx=$(nvidia-smi --query-gpu=index --format=csv,noheader,nounits) || { echo "getGpusResources: nvidia-smi failed" >&2; exit 1; }
addrs=()
for i in $idx; do
  i="${i//[[:space:]]/}"
  if [ -n "${CUDA_VISIBLE_DEVICES:-}" ] && [[ ",${CUDA_VISIBLE_DEVICES}," != *",$i,"* ]]; then continue; fi
  addrs+=("\"$i\"")
done
(IFS=,; echo "{\"name\":\"gpu\",\"addresses\":[${addrs[*]}]}")
