#!/usr/bin/env bash
# Holds Linux binaries to the glibc floor: reads the versions of glibc each file needs from its version-needs
# section (readelf -V) and fails if any is newer than the floor, naming the symbols that need it.
#
# The floor (GLIBC_FLOOR in scripts/cross/env.sh) is 2.28: the official Linux builds of every Node release line this
# package supports (20, 22, 24, 26) themselves need glibc 2.28 (they are built on RHEL 8), so a machine that runs a
# supported Node runs the module — RHEL/Rocky 8, Debian 10, Ubuntu 20.04 and later. Linking against Debian 12's own
# glibc would give 2.34, shutting out RHEL 8 and Ubuntu 20.04, still common on vRouter compute nodes.
#
# Usage: scripts/pack/check-glibc.sh FILE...   (GLIBC_FLOOR=2.xx to use another floor)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cross/env.sh" # GLIBC_FLOOR
floor="$GLIBC_FLOOR"
status=0
for file in "$@"; do
	versions="$(readelf -V --wide "$file" | grep -oE 'Name: GLIBC_[0-9A-Z_.]+' | sed 's/Name: GLIBC_//' | sort -uV)"
	if [ -z "$versions" ]; then
		echo "glibc check: $file: no glibc version needs (not a dynamically linked glibc binary?)" >&2
		status=1
		continue
	fi
	if grep -qv '^[0-9.]*$' <<<"$versions"; then
		echo "glibc check: $file: needs glibc's private symbols ($(grep -v '^[0-9.]*$' <<<"$versions" | tr '\n' ' '))" >&2
		status=1
	fi
	newest="$(grep '^[0-9.]*$' <<<"$versions" | tail -n 1)"
	if [ "$(printf '%s\n%s\n' "$floor" "$newest" | sort -V | tail -n 1)" != "$floor" ]; then
		echo "glibc check: $file: FAIL, needs glibc $newest (floor $floor); symbols above the floor:" >&2
		readelf --dyn-syms --wide "$file" | grep -oE '[A-Za-z0-9_]+@GLIBC_[0-9.]+' | sort -u |
			while IFS=@ read -r sym ver; do
				v="${ver#GLIBC_}"
				[ "$(printf '%s\n%s\n' "$floor" "$v" | sort -V | tail -n 1)" = "$floor" ] || echo "  $sym@$ver" >&2
			done
		status=1
	else
		echo "glibc check: $file: needs glibc $newest (floor $floor): ok"
	fi
done
exit $status
