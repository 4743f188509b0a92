#!/usr/bin/env bash
# Build a Debian 12 (bookworm) base image from Debian's own packages, for hosts that reach Debian's
# mirror but no container registry; then: make image IMAGE_FLAGS="--build-arg BASE_IMAGE=<tag>".
# Needs root, debootstrap and podman (CONTAINER may add flags, e.g. "podman --storage-driver vfs"). It is a minbase system, like debian:bookworm-slim
# but not byte-identical to it (docs/deploy.md).
set -euo pipefail
tag="${1:-localhost/debian:bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
runtime="${CONTAINER:-podman}"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase bookworm "$root" "$mirror"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | $runtime import - "$tag"
echo "base image: $tag"
