# shellcheck shell=bash
# Shared settings for scripts/cross/*.sh: building the Node module for linux-arm64 (aarch64-unknown-linux-gnu) on
# this x86_64 Debian machine, and running it under qemu-user. Sourced, not executed.
#
# rustup cannot fetch targets here, so the route is the one scripts/windows/ takes (see /work/shared/WINDOWS.md):
# Debian's rustc-web 1.96 by full path, with an aarch64 std built offline from rust-web-src into a sysroot kept
# under .cache/cross, and Debian's cross gcc as linker (its libc6-dev-arm64-cross is glibc 2.36, Debian 12's).

CROSS_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CROSS_SCRIPTS_DIR/../.." && pwd)"
CROSS_CACHE="${CROSS_CACHE:-$REPO_ROOT/.cache/cross}"

DEB_RUSTC=/usr/bin/rustc
DEB_CARGO=/usr/bin/cargo

ARM64_TARGET=aarch64-unknown-linux-gnu
ARM64_CC=aarch64-linux-gnu-gcc
# The aarch64 glibc (loader and libraries) that qemu-user uses as the guest's root for dynamic binaries.
ARM64_GLIBC_ROOT=/usr/aarch64-linux-gnu
QEMU_ARM64=qemu-aarch64-static

# macOS cannot be linked here (no Apple SDK), but the code can be type-checked for it: scripts/cross/check-apple.sh.
APPLE_TARGETS=(x86_64-apple-darwin aarch64-apple-darwin)

# The oldest glibc the Linux packages accept: what official Node 20-26 binaries need themselves (RHEL 8's 2.28).
GLIBC_FLOOR="${GLIBC_FLOOR:-2.28}"
ZIG_VENV="$CROSS_CACHE/zig"
ZIG_PIP_PACKAGES=(ziglang==0.17.1 cargo-zigbuild==0.24.0)

CROSS_PACKAGES=(python3-venv rustc-web cargo-web rust-web-src gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static)

# A std built by one rustc is rejected by any other: key the sysroot by the exact Debian version of rustc-web.
cross_sysroot() {
	echo "$CROSS_CACHE/sysroot-$(dpkg-query -W -f='${Version}' rustc-web 2>/dev/null | tr -c 'A-Za-z0-9.\n' '_')"
}

log() { printf '[cross] %s\n' "$*" >&2; }
