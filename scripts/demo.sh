#!/usr/bin/env bash
# A short tour of SpectralConv (run by `make demo`). Needs the release build of `spectralconv`.
set -euo pipefail
SC=${SPECTRALCONV:-.build/release/spectralconv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
section() { printf '\n%s== %s%s\n' "$bold" "$1" "$plain"; }

section "1. One layer, three algorithms, the same numbers"
echo "The seed network's first layer: 4 kernels of 5x5 on 28x28 images -> (28-5+1) = 24x24 maps."
"$SC" npy random --shape 100x1x28x28 --seed 1 --output "$work/x.npy"
"$SC" npy random --shape 4x1x5x5 --seed 2 --output "$work/w.npy"
"$SC" npy random --shape 4 --seed 3 --output "$work/b.npy"
for algorithm in direct im2col fft auto; do
    "$SC" conv --input "$work/x.npy" --weight "$work/w.npy" --bias "$work/b.npy" \
        --algorithm "$algorithm" --output "$work/y-$algorithm.npy"
done
for algorithm in im2col fft; do
    printf '%-7s vs direct: ' "$algorithm"
    "$SC" npy compare "$work/y-$algorithm.npy" "$work/y-direct.npy" --tolerance 1e-5
done

section "2. Many maps in, many out: each output map sums a convolution per input map"
echo "14 maps in, 16 out, 3x3 kernels, stride 2 (the seed's (24-3+1)/2 = 11): weight [16, 14, 3, 3]."
"$SC" npy random --shape 8x14x24x24 --seed 4 --output "$work/x14.npy"
"$SC" npy random --shape 16x14x3x3 --seed 5 --output "$work/w16.npy"
"$SC" conv --input "$work/x14.npy" --weight "$work/w16.npy" --stride 2 --algorithm fft --output "$work/y16-fft.npy"
"$SC" conv --input "$work/x14.npy" --weight "$work/w16.npy" --stride 2 --algorithm direct --output "$work/y16-direct.npy"
printf 'fft vs direct: '
"$SC" npy compare "$work/y16-fft.npy" "$work/y16-direct.npy" --tolerance 1e-5
echo "Keras 1's border_mode='full' (output n + k - 1), dilation and 1-D work the same way:"
"$SC" conv --input "$work/x14.npy" --weight "$work/w16.npy" --padding full --dilation 2 --algorithm auto --output "$work/y16-full.npy"
"$SC" npy random --shape 2x3x1000 --seed 6 --output "$work/signal.npy"
"$SC" npy random --shape 5x3x31 --seed 7 --output "$work/filters.npy"
"$SC" conv --input "$work/signal.npy" --weight "$work/filters.npy" --padding same --algorithm auto --output "$work/filtered.npy"

section "3. Where the FFT wins: 7x7 kernels, 32 channels (N=8, 64x64)"
"$SC" bench layer --batch 8 --in-channels 32 --out-channels 32 --size 64 --kernel 7 --repeats 5

section "4. Where the spatial paths win: 3x3 kernels, 64 channels (N=8, 56x56)"
"$SC" bench layer --batch 8 --in-channels 64 --out-channels 64 --size 56 --kernel 3 --padding same --repeats 5

section "5. Image filtering: one 512x512 image, one 31x31 kernel"
"$SC" bench layer --batch 1 --in-channels 1 --out-channels 1 --size 512 --kernel 31 --padding same \
    --algorithms direct,fft,auto --repeats 3

echo "What FFTW's transforms cost per length here (weights well above 1: lengths the FFT layout avoids once calibrated):"
"$SC" bench fft-lengths --max-length 64

section "6. The seed network's size calculator"
"$SC" summary --model seed --input 1x28x28
section "7. Kernels are filters: the spectrum of a few presets"
echo "Convolving multiplies spectra: a Gaussian keeps low frequencies (blur), a Laplacian high ones (edges)."
"$SC" spectrum gaussian:7:1.5 laplacian-4 sobel-x dog:9:1:2 gabor:15:30:4:2 --png "$work/spectra.png"
"$SC" spectrum sobel-x --color none | head -n 4
printf 'spatial vs spectral on a generated 256x256 picture: '
"$SC" filter synthetic:256x256 --kernel gaussian:9:2 --out "$work/blurred.png" | sed -n 2p

echo
echo "More: spectralconv --help, spectralconv conv --help, spectralconv bench layer --help, spectralconv spectrum --help."
