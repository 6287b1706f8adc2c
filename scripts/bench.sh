#!/usr/bin/env bash
# The layer benchmarks behind the foundation issue's speed targets (run by `make bench`).
# Each line is one process: ratios are read within one run.
set -euo pipefail
SC=${SPECTRALCONV:-.build/release/spectralconv}
REPEATS=${REPEATS:-20}
echo "# fft vs im2col: N=8, C=O=32, 64x64, k=7 (target: fft >= 2x faster)"
"$SC" bench layer --batch 8 --in-channels 32 --out-channels 32 --size 64 --kernel 7 --repeats "$REPEATS"
echo "# im2col vs sgemm, direct vs im2col: N=8, C=O=64, 56x56, k=3 (targets: im2col >= 70% of sgemm; direct within 2x)"
"$SC" bench layer --batch 8 --in-channels 64 --out-channels 64 --size 56 --kernel 3 --padding same --repeats "$REPEATS"
echo "# single-channel filtering: 512x512, k=31"
"$SC" bench layer --batch 1 --in-channels 1 --out-channels 1 --size 512 --kernel 31 --padding same --algorithms direct,im2col,fft,auto --repeats 5
