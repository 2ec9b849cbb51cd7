#!/usr/bin/env bash
# Builds the prebuilt native modules into the platform packages under npm/<triple>/ (release, stripped), each in
# its own cargo target dir so that the repository's own build (target/release, the .node in the root) is never
# raced or invalidated:
#   linux-x64-gnu    rustup's toolchain, linked by cargo-zigbuild for glibc 2.28    target/pack
#   linux-arm64-gnu  Debian's rustc-web + offline aarch64 std, cargo-zigbuild       target/aarch64
#                    (scripts/cross/: why zig, and the glibc floor)
#   win32-x64-gnu    Debian's rustc-web + offline windows std (scripts/windows/)   target/windows
# then holds every Linux binary to the glibc floor (scripts/pack/check-glibc.sh).
# win32-x64-msvc, darwin-x64 and darwin-arm64 cannot be built here: .github/workflows/prebuilt.yml builds them.
#
# Usage: scripts/pack/build.sh [TRIPLE...]   (default: linux-x64-gnu linux-arm64-gnu win32-x64-gnu)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
root="$PWD"
log() { printf '[pack build] %s\n' "$*" >&2; }

triples=("$@")
[ ${#triples[@]} -gt 0 ] || triples=(linux-x64-gnu linux-arm64-gnu win32-x64-gnu)

# Release as the project defines it (LTO), stripped: the symbols napi needs are in the dynamic table, which stays.
export CARGO_PROFILE_RELEASE_STRIP=symbols

build_linux_x64() {
	(
		source scripts/cross/env.sh
		scripts/cross/setup.sh --zig-only
		unset RUSTC RUSTDOC
		export PATH="$ZIG_VENV/bin:$PATH" CARGO_TARGET_DIR="$root/target/pack"
		cargo zigbuild -p vrouter-io-node --release --target "x86_64-unknown-linux-gnu.$GLIBC_FLOOR" </dev/null >&2
	)
	echo "$root/target/pack/x86_64-unknown-linux-gnu/release/libvrouter_io_node.so"
}

build_linux_arm64() {
	scripts/cross/build-arm64.sh --profile release
}

# napi-build links a windows-gnu addon with -lnode: an import library of node.exe's Node-API exports, named
# libnode.dll.a beside a placeholder libnode.dll (scripts/windows/node-smoke.sh makes the same for its dev build).
build_win32_x64_gnu() {
	source scripts/windows/env.sh
	"$WIN_SCRIPTS_DIR/setup.sh" >&2
	local node_exe="$WIN_CACHE/node/node.exe"
	local libnode_dir
	libnode_dir="$WIN_CACHE/libnode-$(cat "$WIN_CACHE/node/version")"
	if [ ! -f "$libnode_dir/libnode.dll.a" ]; then
		mkdir -p "$libnode_dir"
		{
			echo 'LIBRARY "node.exe"'
			echo 'EXPORTS'
			gendef - "$node_exe" 2>/dev/null | grep -E '^(napi|node_api)_[A-Za-z0-9_]+$'
		} >"$libnode_dir/node.def"
		x86_64-w64-mingw32-dlltool -d "$libnode_dir/node.def" -D node.exe -l "$libnode_dir/libnode.dll.a"
		: >"$libnode_dir/libnode.dll"
	fi
	(
		unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_ENCODED_RUSTFLAGS RUSTDOC RUSTDOCFLAGS
		export RUSTC="$DEB_RUSTC" CARGO_TARGET_DIR="$root/target/windows" LIBNODE_PATH="$libnode_dir"
		export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS="--sysroot $(win_sysroot)"
		export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER="$MINGW_CC"
		# Without cross-crate LTO: the windows std of scripts/windows/setup.sh carries no bitcode, which LTO needs.
		export CARGO_PROFILE_RELEASE_LTO=false
		"$DEB_CARGO" build -p vrouter-io-node --target "$GNU_TARGET" --release </dev/null >&2
	)
	echo "$root/target/windows/$GNU_TARGET/release/vrouter_io_node.dll"
}

started=$SECONDS
for triple in "${triples[@]}"; do
	log "building $triple"
	t0=$SECONDS
	case "$triple" in
	linux-x64-gnu) built="$(build_linux_x64)" ;;
	linux-arm64-gnu) built="$(build_linux_arm64)" ;;
	win32-x64-gnu) built="$(build_win32_x64_gnu)" ;;
	*) echo "scripts/pack/build.sh: $triple cannot be built here (see .github/workflows/prebuilt.yml)" >&2; exit 2 ;;
	esac
	out="npm/$triple/vrouter-io.$triple.node"
	cp "$built" "$out"
	log "$out: $(du -k "$out" | cut -f1) KiB in $((SECONDS - t0)) s"
	case "$triple" in linux-*) scripts/pack/check-glibc.sh "$out" ;; esac
done
log "built ${triples[*]} in $((SECONDS - started)) s"
