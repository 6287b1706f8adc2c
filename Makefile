# SpectralConv build helper. The two commands a fresh Debian machine needs:
#   make demo   — install missing system packages, build in release, run a short tour
#   make test   — install missing system packages, run the test suite (release mode)
#
# Wide vectors: CPU picks the -target-cpu for Swift code. By default it is detected: `haswell`
# (AVX2 + FMA, 256-bit SIMD) when this machine has AVX2 and FMA, else the toolchain baseline.
# `make CPU=generic` builds a binary that runs on any x86-64; `make CPU=skylake-avx512` etc. also work.
# FFTW and OpenBLAS pick their SIMD code at run time regardless.

SWIFT   ?= swift
APT_PACKAGES := pkg-config libfftw3-dev libopenblas-dev zlib1g-dev libpng-dev dataset-fashion-mnist

HOST_HAS_AVX2_FMA := $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null && echo yes)
ifeq ($(HOST_HAS_AVX2_FMA),yes)
CPU ?= haswell
else
CPU ?= generic
endif

ifeq ($(CPU),generic)
CPU_FLAGS :=
else
CPU_FLAGS := -Xswiftc -target-cpu -Xswiftc $(CPU) -Xswiftc -DSPECTRALCONV_FMA
endif

BUILD_FLAGS := -c release $(CPU_FLAGS)
BIN_DIR = $(shell $(SWIFT) build $(BUILD_FLAGS) --show-bin-path 2>/dev/null)
SPECTRALCONV = $(BIN_DIR)/spectralconv

.PHONY: all setup build demo test bench bench-suite bench-check notebooks notebooks-smoke notebooks-venv clean

all: build

## Installs the Debian packages the package links against (and the dataset), if any is missing.
setup:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## Release build of the library and the `spectralconv` executable.
build: setup
	$(SWIFT) build $(BUILD_FLAGS) --product spectralconv

## A short tour of the toolkit (see scripts/demo.sh).
demo: build
	SPECTRALCONV="$(SPECTRALCONV)" bash scripts/demo.sh

## The test suite, in release mode (numeric loops are 10–50× slower in debug).
test: setup
	$(SWIFT) test $(BUILD_FLAGS)

## The layer benchmark on the issue's reference shapes, then the package-benchmark suite.
bench: build
	SPECTRALCONV="$(SPECTRALCONV)" bash scripts/bench.sh
	$(MAKE) bench-suite

## The package-benchmark suite (Benchmarks/, a package of its own); BENCH_ARGS are passed to
## `swift package benchmark`, e.g. BENCH_ARGS="baseline update main" or "baseline compare main".
BENCH_ARGS ?=
bench-suite: setup
	cd Benchmarks && $(SWIFT) package $(CPU_FLAGS) --allow-writing-to-package-directory benchmark $(BENCH_ARGS)

## CI: build the suite and run every benchmark once (no timing is judged).
bench-check: setup
	cd Benchmarks && SPECTRALCONV_BENCH_SMOKE=1 $(SWIFT) package $(CPU_FLAGS) benchmark --no-progress --quiet

## Jupyter notebooks (notebooks/): a virtual environment with notebooks/requirements.txt, the
## release CLI, then every notebook executed headless and written back with its outputs.
## `make notebooks-smoke` runs them with the smallest settings and leaves the committed ones untouched.
NOTEBOOK_PYTHON ?= python3
NOTEBOOK_VENV   ?= .venv-notebooks
NOTEBOOK_STAMP  := $(NOTEBOOK_VENV)/.requirements-installed

notebooks-venv: $(NOTEBOOK_STAMP)

$(NOTEBOOK_STAMP): notebooks/requirements.txt
	@$(NOTEBOOK_PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "installing: python3 python3-venv"; SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3 python3-venv; }
	test -x $(NOTEBOOK_VENV)/bin/python || $(NOTEBOOK_PYTHON) -m venv $(NOTEBOOK_VENV)
	$(NOTEBOOK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r notebooks/requirements.txt
	touch $@

notebooks: build notebooks-venv
	SPECTRALCONV="$(SPECTRALCONV)" $(NOTEBOOK_VENV)/bin/python notebooks/run.py

notebooks-smoke: build notebooks-venv
	SPECTRALCONV="$(SPECTRALCONV)" $(NOTEBOOK_VENV)/bin/python notebooks/run.py --smoke --output-dir notebooks/runs/smoke

clean:
	rm -rf .build Benchmarks/.build
