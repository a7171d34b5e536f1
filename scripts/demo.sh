#!/usr/bin/env bash
# The main job on a local demo: generate a skewed multi-rack cluster with rack violations,
# plan a rebalance, and print the before/after summary.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build}
bash "$here/scripts/setup.sh" "$build"
# Everything the demo writes stays in one folder (nothing is left in /tmp): $DEMO_OUT, by
# default build/demo, emptied first.
if [ -z "${DEMO_OUT:-}" ]; then rm -rf "$build/demo"; fi
out=${DEMO_OUT:-$build/demo}
mkdir -p "$out"
"$build/cli/ballast" generate --seed 7 --brokers 48 --zones 3 --racks 6 --topics 120 \
  --partitions 10000 --rf 3 --broker-skew 1 --rack-violations 300 --out "$out/cluster.json"
"$build/cli/ballast" plan --snapshot "$out/cluster.json" \
  --output-json "$out/plan.json" --reassignment-json "$out/reassignment.json"
echo "demo: the generated cluster's snapshot, plan and reassignment are in $out"

# Then on a real cluster: a local 6-broker, 3-rack Kafka (Maven Central jars, 127.0.0.1),
# skewed topics with a rack violation, Ballast's plan executed by `ballast execute` (throttled,
# journaled), replicas and leaders per broker shown before and after, and the result checked:
# placement = plan, racks, leaders, every record intact, no throttle left. The cluster is
# stopped afterwards whatever happens.
echo
echo "demo: now proposing and executing a rebalance on a local multi-rack Kafka"
status=0
E2E_WORK="$out/live" BALLAST_BIN="$build/cli/ballast" \
  KAFKA_RECORDS_BIN="$build/tests/kafka/kafka_records" \
  bash "$here/tests/kafka/with-cluster.sh" - -- python3 "$here/tests/kafka/test_e2e_rebalance.py" ||
  status=$?
echo "demo: the live cluster's snapshot (snapshot.json), plan (plan.json), reassignment"
echo "demo: (reassign.json) and execution journal (state/) are in $out/live"

# ---- The service (docs/api.md): ballast serve on a fresh local cluster, a dry run through
# POST /api/v1/rebalance, the proposal, executed by its id with progress, replicas and leaders
# per broker before and after, records checked (scripts/demo-service.sh). ----
echo
echo "demo: now the same through the service: ballast serve and its REST API"
DEMO_SERVICE_OUT="$out/service" BALLAST_BIN="$build/cli/ballast" \
  KAFKA_RECORDS_BIN="$build/tests/kafka/kafka_records" \
  bash "$here/tests/kafka/with-cluster.sh" - -- bash "$here/scripts/demo-service.sh" ||
  status=$?
echo "demo: the service's configuration, log, proposal and state dir are in $out/service"
exit $status
