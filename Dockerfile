# Socle's container image: two stages on one pinned Debian base.
#
#   builder  compilers, llama.cpp built once (its own cached layer), Socle's wheel, a virtualenv
#   runtime  Python, the virtualenv, config/; no compiler, no pip cache, a non-root user (10001)
#
# make image                                  # podman/buildah (or docker), see docs/deploy.md
# podman build --build-arg EXTRAS= -t socle .  # no embedded model, no local embedder: vLLM + remote
#
# The digest pins the multi-arch index of debian:bookworm-slim; update it deliberately (Renovate,
# Dependabot). BASE_IMAGE may name any Debian 12 image (make base-image builds one from Debian's
# packages with debootstrap, for hosts that reach no container registry).
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim@sha256:7b140f374b289a7c2befc338f42ebe6441b7ea838a042bbd5acbfca6ec875818

FROM ${BASE_IMAGE} AS builder
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
# Debian 12 point releases carry security fixes only; the base digest pins the rest (no apt pins).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates g++ gcc make cmake python3 python3-dev python3-venv \
    && rm -rf /var/lib/apt/lists/*
# A TLS-inspecting proxy between the build and PyPI: pass its CA bundle as a build secret
# (--secret id=pip_ca,src=...); it is mounted for the pip steps only and never stored in a layer.
RUN --mount=type=secret,id=pip_ca \
    { [ ! -f /run/secrets/pip_ca ] || export PIP_CERT=/run/secrets/pip_ca; } \
    && python3 -m venv /opt/socle \
    && /opt/socle/bin/pip install --no-cache-dir "pip==25.3"

# Wheels the build prefers (pip --find-links): make image puts a CPU-only torch here. A llama.cpp
# wheel of LLAMA_CPP_VERSION built for Debian 12 x86-64 placed here is used instead of compiling.
COPY deploy/image/wheels/ /wheels/
# llama.cpp, built once: this layer is reused until LLAMA_CPP_VERSION (or the folder above) changes.
# GGML_NATIVE=OFF as in the Makefile: a portable AVX2 build, not one tuned to the build host.
ARG LLAMA_CPP_VERSION=0.3.36
ARG EXTRAS=local,knowledge
RUN --mount=type=secret,id=pip_ca \
    { [ ! -f /run/secrets/pip_ca ] || export PIP_CERT=/run/secrets/pip_ca; } \
    && case ",${EXTRAS}," in *,local,*) \
        ls /wheels/llama_cpp_python-"${LLAMA_CPP_VERSION}"-*linux_x86_64.whl >/dev/null 2>&1 \
        || CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
            /opt/socle/bin/pip wheel --no-cache-dir --no-deps "llama-cpp-python==${LLAMA_CPP_VERSION}" -w /wheels ;; \
    esac

WORKDIR /src
COPY pyproject.toml README.md ./
COPY socle/ socle/
COPY agents/ agents/
COPY eval/ eval/
COPY governance/ governance/
COPY guardrails/ guardrails/
COPY knowledge/ knowledge/
COPY orchestrator/ orchestrator/
COPY router/ router/
COPY server/ server/
RUN --mount=type=secret,id=pip_ca \
    { [ ! -f /run/secrets/pip_ca ] || export PIP_CERT=/run/secrets/pip_ca; } \
    && /opt/socle/bin/pip wheel --no-cache-dir --no-deps . -w /wheels \
    && /opt/socle/bin/pip install --no-cache-dir --find-links /wheels \
        "$(ls /wheels/socle-*.whl)${EXTRAS:+[${EXTRAS}]}" \
    && /opt/socle/bin/socle --help >/dev/null \
    && case ",${EXTRAS}," in *,local,*) /opt/socle/bin/python -c "import llama_cpp" ;; esac

FROM ${BASE_IMAGE} AS runtime
ARG EXTRAS=local,knowledge
LABEL org.opencontainers.image.title="Socle" \
      org.opencontainers.image.description="Self-hosted, OpenAI-compatible enterprise AI OS" \
      org.opencontainers.image.licenses="Apache-2.0" \
      io.socle.extras="${EXTRAS}"
ENV DEBIAN_FRONTEND=noninteractive
# libgomp1: llama.cpp's OpenMP threads; libpq5: psycopg (PostgreSQL checkpoints) loads it; tini: PID 1
# that forwards signals and reaps llama.cpp's server.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libgomp1 libpq5 python3 tini tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 socle \
    && useradd --system --no-log-init --uid 10001 --gid 10001 --home-dir /var/lib/socle \
        --shell /usr/sbin/nologin socle \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/socle

# Listen on every interface of the container; keep state in the volume; never reach a model hub.
ENV PATH=/opt/socle/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/var/lib/socle \
    HF_HUB_OFFLINE=1 \
    SOCLE_CONFIG=/app/config/socle.yaml \
    SOCLE_SERVER__HOST=0.0.0.0 \
    SOCLE_SERVER__PORT=8000 \
    SOCLE_STORAGE__DATA_DIR=/var/lib/socle
VOLUME ["/var/lib/socle"]
EXPOSE 8000
# Liveness only (the process answers); readiness (database and models) is /readyz, for orchestrators.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SOCLE_SERVER__PORT', '8000'), timeout=4)"]
ENTRYPOINT ["/usr/bin/tini", "--", "socle"]
CMD ["serve"]
WORKDIR /app
USER 10001:10001
# Last, so that everything above stays cached when only Socle changes. Owned by root: read-only to
# the socle user.
COPY config/ config/
COPY --from=builder /opt/socle /opt/socle
