#!/usr/bin/env bash
# Builds and tests the project's Windows code on Linux (route: /work/shared/WINDOWS.md):
#   1. scripts/windows/setup.sh (fast when already done);
#   2. `cargo test --target x86_64-pc-windows-gnu` per package, test binaries run under Wine (headless);
#   3. `cargo check --target x86_64-pc-windows-msvc --lib --tests` per package (msvc cannot link here);
#   4. scripts/windows/node-smoke.sh: the Node module built for windows-gnu, loaded by node.exe under Wine;
# then prints one summary line and exits non-zero if anything failed.
#
# Usage: scripts/windows/test.sh [PACKAGE...] [-- TEST-BINARY-ARGS...]
#   PACKAGEs default to $WINDOWS_TEST_PACKAGES, else "sandesh vrouter-proto vrouter-io vrouter-sim" (the crates meant to run
#   on Windows). Pass the list explicitly to leave out a crate that is mid-edit.
# Environment: WINDOWS_TEST_PACKAGES (space or comma separated), WINDOWS_WORKSPACE (workspace root, default the
#   repository), WINDOWS_SKIP_SETUP=1 (do not run setup.sh), WINDOWS_SKIP_MSVC=1 (skip step 3),
#   WINDOWS_SKIP_NODE=1 (skip step 4).
# Builds go to <workspace>/target/windows so the Linux build cache is never invalidated.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

packages=()
test_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--) shift; test_args=("$@"); break ;;
	-h | --help) sed -n '2,17p' "$0"; exit 0 ;;
	*) packages+=("$1"); shift ;;
	esac
done
if [ ${#packages[@]} -eq 0 ]; then
	read -r -a packages <<<"$(echo "${WINDOWS_TEST_PACKAGES:-sandesh vrouter-proto vrouter-io vrouter-sim}" | tr ',' ' ')"
fi

started=$SECONDS
if [ "${WINDOWS_SKIP_SETUP:-0}" != 1 ]; then
	"$WIN_SCRIPTS_DIR/setup.sh" || { echo "windows: setup FAILED"; exit 1; }
fi

SYSROOT="$(win_sysroot)"
workspace="${WINDOWS_WORKSPACE:-$REPO_ROOT}"
cd "$workspace"

# Debian's 1.96 toolchain by full path (rustup's cannot target Windows here), with the offline-built std.
export RUSTC="$DEB_RUSTC" RUSTDOC="$DEB_RUSTDOC"
export CARGO_TARGET_DIR="$workspace/target/windows"
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS="--sysroot $SYSROOT"
export CARGO_TARGET_X86_64_PC_WINDOWS_MSVC_RUSTFLAGS="--sysroot $SYSROOT"
export RUSTDOCFLAGS="--sysroot $SYSROOT"
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER="$MINGW_CC"
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine
# Flags meant for the Linux toolchain must not leak into Debian's rustc.
unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_ENCODED_RUSTFLAGS

results=()
failed=0
record() { # name status
	results+=("$1 $2")
	[ "$2" = ok ] || failed=1
}

for p in "${packages[@]}"; do
	log "cargo test -p $p --target $GNU_TARGET (under Wine)"
	if "$DEB_CARGO" test -p "$p" --target "$GNU_TARGET" --no-fail-fast -- "${test_args[@]}" </dev/null; then
		record "gnu-test:$p" ok
	else
		record "gnu-test:$p" FAILED
	fi
done

if [ "${WINDOWS_SKIP_MSVC:-0}" != 1 ]; then
	for p in "${packages[@]}"; do
		log "cargo check -p $p --target $MSVC_TARGET --lib --tests"
		if "$DEB_CARGO" check -p "$p" --target "$MSVC_TARGET" --lib --tests </dev/null; then
			record "msvc-check:$p" ok
		else
			record "msvc-check:$p" FAILED
		fi
	done
fi

if [ "${WINDOWS_SKIP_NODE:-0}" != 1 ]; then
	# Its own build settings (and the repository's dist/), so it runs from the repository with setup already done.
	smoke_log="$REPO_ROOT/target/windows/node-smoke.log"
	mkdir -p "$(dirname "$smoke_log")"
	if (cd "$REPO_ROOT" && WINDOWS_SKIP_SETUP=1 "$WIN_SCRIPTS_DIR/node-smoke.sh" >"$smoke_log" 2>&1 </dev/null); then
		record node-smoke ok
	else
		record node-smoke FAILED
		grep -v '^windows node smoke: ' "$smoke_log" | tail -n 40 >&2
	fi
	grep '^windows node smoke: ' "$smoke_log" || echo "windows node smoke: no verdict (see $smoke_log)"
fi

verdict=PASS
[ $failed -eq 0 ] || verdict=FAIL
echo "windows: $verdict in $((SECONDS - started)) s — ${results[*]}"
exit $failed
