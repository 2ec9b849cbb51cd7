#!/usr/bin/env bash
# Builds the Node module for linux-arm64 (aarch64-unknown-linux-gnu) with Debian's rustc-web and the offline std of
# scripts/cross/setup.sh, into target/aarch64 (its own target dir: the Linux build cache is never invalidated),
# linked by cargo-zigbuild against glibc $GLIBC_FLOOR (see env.sh). Prints the path of the built library.
# Usage: scripts/cross/build-arm64.sh [--profile release|dev]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
profile=release
[ "${1:-}" = --profile ] && profile="$2"
"$CROSS_SCRIPTS_DIR/setup.sh"
sysroot="$(cross_sysroot)"
cd "$REPO_ROOT"
unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_ENCODED_RUSTFLAGS RUSTDOC RUSTDOCFLAGS
export PATH="$ZIG_VENV/bin:$PATH"
export RUSTC="$DEB_RUSTC" CARGO_TARGET_DIR="$REPO_ROOT/target/aarch64"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="--sysroot $sysroot"
log "cargo zigbuild -p vrouter-io-node --target $ARM64_TARGET.$GLIBC_FLOOR --profile $profile"
"$DEB_CARGO" zigbuild -p vrouter-io-node --target "$ARM64_TARGET.$GLIBC_FLOOR" --profile "$profile" </dev/null >&2
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
echo "$CARGO_TARGET_DIR/$ARM64_TARGET/$dir/libvrouter_io_node.so"
