# shellcheck shell=bash
# Shared settings for scripts/windows/*.sh: where the Windows toolchain, sysroots, Wine prefix and node.exe live,
# and how to call Debian's Rust (the only toolchain here that can target Windows, see /work/shared/WINDOWS.md).
# Sourced, not executed.

WIN_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$WIN_SCRIPTS_DIR/../.." && pwd)"
WIN_CACHE="${WIN_CACHE:-$REPO_ROOT/.cache/windows}"

# Debian's rustc-web toolchain, by full path: rustup's stable stays first in PATH for all Linux work.
DEB_RUSTC=/usr/bin/rustc
DEB_RUSTDOC=/usr/bin/rustdoc
DEB_CARGO=/usr/bin/cargo

GNU_TARGET=x86_64-pc-windows-gnu
MSVC_TARGET=x86_64-pc-windows-msvc
MINGW_CC=x86_64-w64-mingw32-gcc

WIN_PACKAGES=(rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 mingw-w64-tools wine wine64)

# Wine: headless and quiet everywhere (CI has no DISPLAY; a stray DISPLAY would make Wine try to open windows).
export WINEPREFIX="$WIN_CACHE/wineprefix"
export WINEDEBUG=-all
# Keep wineboot from offering to install Mono / Gecko (a dialog, which would hang without a display).
export WINEDLLOVERRIDES="mscoree=;mshtml="
unset DISPLAY WAYLAND_DISPLAY

# The sysroot is keyed by the exact Debian package version of the compiler: a std built by one rustc is
# rejected by any other, so an upgrade of rustc-web must give a fresh sysroot rather than reuse a stale one.
deb_rustc_key() {
	dpkg-query -W -f='${Version}' rustc-web 2>/dev/null | tr -c 'A-Za-z0-9.\n' '_'
}

win_sysroot() {
	echo "$WIN_CACHE/sysroot-$(deb_rustc_key)"
}

log() { printf '[windows] %s\n' "$*" >&2; }
