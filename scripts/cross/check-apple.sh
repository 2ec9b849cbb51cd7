#!/usr/bin/env bash
# `cargo check` of the Node module (and every crate it pulls in) for x86_64-apple-darwin and aarch64-apple-darwin,
# with Debian's rustc-web and a std built offline (scripts/cross/setup.sh --apple), into target/apple. Linking needs
# Apple's SDK, so the darwin packages are built by .github/workflows/prebuilt.yml; this catches, here and early,
# code that does not compile on macOS (Linux-only libc calls without a cfg, say).
# Usage: scripts/cross/check-apple.sh [cargo check arguments]   (default: -p vrouter-io-node)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$CROSS_SCRIPTS_DIR/setup.sh" --apple
sysroot="$(cross_sysroot)"
cd "$REPO_ROOT"
unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_ENCODED_RUSTFLAGS RUSTDOC RUSTDOCFLAGS
export RUSTC="$DEB_RUSTC" CARGO_TARGET_DIR="$REPO_ROOT/target/apple"
export CARGO_TARGET_X86_64_APPLE_DARWIN_RUSTFLAGS="--sysroot $sysroot"
export CARGO_TARGET_AARCH64_APPLE_DARWIN_RUSTFLAGS="--sysroot $sysroot"
[ $# -gt 0 ] || set -- -p vrouter-io-node
status=0
for target in "${APPLE_TARGETS[@]}"; do
	log "cargo check $* --target $target"
	if "$DEB_CARGO" check "$@" --target "$target" </dev/null; then
		echo "apple check: $target ok"
	else
		echo "apple check: $target FAILED"
		status=1
	fi
done
exit $status
