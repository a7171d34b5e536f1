#!/usr/bin/env bash
# The main job on a local demo: generate a skewed multi-rack cluster with rack violations,
# plan a rebalance, and print the before/after summary.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build}
bash "$here/scripts/setup.sh" "$build"
out=${DEMO_OUT:-$(mktemp -d /tmp/ballast-demo.XXXXXX)}
"$build/cli/ballast" generate --seed 7 --brokers 48 --zones 3 --racks 6 --topics 120 \
  --partitions 10000 --rf 3 --broker-skew 1 --rack-violations 300 --out "$out/cluster.json"
"$build/cli/ballast" plan --snapshot "$out/cluster.json" \
  --output-json "$out/plan.json" --reassignment-json "$out/reassignment.json"
echo "demo: snapshot, plan and reassignment files are in $out"
