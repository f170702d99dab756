#!/usr/bin/env bash
# Runs every whole-system benchmark (bench/*/run.sh) against one build, one after the other.
#
#   bench/run_all.sh [BUILD_DIR] [options passed to each run.sh, e.g. --quick]
#
# BUILD_DIR defaults to build/release (what `make bench` passes). Each script writes its results
# under bench/results/; this prints which ones failed and exits non-zero if any did.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=build/release
if (($#)) && [[ $1 != -* ]]; then
  BUILD_DIR=$1
  shift
fi

failed=()
for script in "$REPO"/bench/*/run.sh; do
  [ -x "$script" ] || continue
  name=$(basename "$(dirname "$script")")
  echo "=== bench/$name ($BUILD_DIR)"
  if ! "$script" --build-dir "$BUILD_DIR" "$@"; then
    failed+=("$name")
  fi
done
if ((${#failed[@]})); then
  echo "benchmarks that failed: ${failed[*]}" >&2
  exit 1
fi
echo "all benchmarks ran"
