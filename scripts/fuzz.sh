#!/usr/bin/env bash
# Bounded fuzzing of the decoders (cargo-fuzz, libFuzzer): each target for SECONDS (default 20),
# seeded from the conformance vectors. Needs a nightly toolchain; installs cargo-fuzz if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: no nightly toolchain on this machine; cargo-fuzz needs one" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi

# Seeds: every Sandesh payload and netlink frame in the vectors.
node -e '
  const fs = require("fs"), path = require("path")
  const dir = "test/fixtures/vectors"
  const put = (target, name, hex) => {
    const d = path.join("fuzz/corpus", target); fs.mkdirSync(d, { recursive: true })
    fs.writeFileSync(path.join(d, name), Buffer.from(hex, "hex"))
  }
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "index.json")) {
    const v = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"))
    if (!v.name) continue
    if (v.hex && v.kind !== "netlink-capture") put("decode", v.name, v.hex)
    for (const [i, ex] of (v.exchange || []).entries()) {
      put("decode", `${v.name}-${i}`, ex.sandesh_hex)
      put("reassembler", `${v.name}-${i}`, "07" + ex.hex)
    }
  }
'
log="$(mktemp)"
for target in decode reassembler tape; do
  if (cd fuzz && cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048) >"$log" 2>&1; then
    echo "fuzz: $target: $(grep -E '^Done [0-9]+ runs' "$log" | tail -n 1)"
  else
    tail -n 60 "$log"
    echo "fuzz: $target FAILED (inputs that crash are in fuzz/artifacts/$target)" >&2
    exit 1
  fi
done
