#!/usr/bin/env bash
# The service part of the demo (scripts/demo.sh runs it under tests/kafka/with-cluster.sh, which
# exports BOOTSTRAP and CLUSTER_DIR): a skewed topic with checkable records on the local
# multi-rack Kafka, `ballast serve` on it, a dry run through the REST API (POST
# /api/v1/rebalance via `ballast rebalance --server`), the proposal shown, executed by its id
# with the progress bar, replicas and leaders per broker before and after (GET /api/v1/load),
# every record checked, and SIGTERM. Files go to $DEMO_SERVICE_OUT.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
B=${BALLAST_BIN:?}
R=${KAFKA_RECORDS_BIN:?}
out=${DEMO_SERVICE_OUT:?}
mkdir -p "$out"
tool() { bash "$here/tests/kafka/cluster.sh" tool "$CLUSTER_DIR" "$@"; }

tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create \
  --topic demo-skewed --replica-assignment "$(printf '1:2:3,2:3:1,3:1:2,%.0s' 1 2 3 4 | sed 's/,$//')" >/dev/null
"$R" produce "$BOOTSTRAP" demo-skewed 12 2000 8192 >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
cat >"$out/ballast.yaml" <<EOF
kafka:
  bootstrap: $BOOTSTRAP
capacity:
  default: {cpu: 100, networkIn: 100MB/s, networkOut: 100MB/s}
executor:
  stateDir: $out/state
api:
  listen: 127.0.0.1
  port: $port
  refreshIntervalMs: 2000
EOF
"$B" serve --config "$out/ballast.yaml" >"$out/serve.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf "$url/api/v1/proposals?default=true" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "service: ballast serve on $url (log: $out/serve.log)"
echo "service: the web view (while the demo runs): $url/ui/ (cluster, proposal, execution; docs/ui.md)"
"$B" status --server "$url"

per_broker() {
  curl -s "$url/api/v1/load" | python3 -c '
import json, sys
j = json.load(sys.stdin)
for b in sorted(j["brokers"], key=lambda b: b["Broker"]):
    print("  broker %3d  rack %-6s replicas %3d  leaders %3d  disk %8.1f MB" % (b["Broker"],
          b.get("Rack", "-"), b["Replicas"], b["Leaders"], b["DiskMB"]))'
}
echo "service: before (GET /api/v1/load):"
per_broker

echo "service: POST /api/v1/rebalance (dry run)"
"$B" rebalance --server "$url" --dry-run --output-json "$out/proposal.json"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["proposalId"])' "$out/proposal.json")

echo "service: executing proposal $id (throttle 5 MB/s per broker)"
"$B" rebalance --server "$url" --execute "$id" --throttle 5MB --reason demo

gen=$(curl -s "$url/api/v1/state" | python3 -c 'import json,sys; print(json.load(sys.stdin)["model"]["generation"])')
for _ in $(seq 1 50); do
  now=$(curl -s "$url/api/v1/state" | python3 -c 'import json,sys; print(json.load(sys.stdin)["model"]["generation"])')
  [ "$now" -gt "$gen" ] && break
  sleep 0.2
done
echo "service: after (a fresh model generation):"
per_broker
"$R" verify "$BOOTSTRAP" demo-skewed 12 2000 >/dev/null && echo "service: every record of demo-skewed intact"
echo "service: the tasks (GET /api/v1/tasks):"
curl -s "$url/api/v1/tasks" | python3 -c '
import json, sys
for t in json.load(sys.stdin)["tasks"]:
    print("  %s %-10s %s" % (t["id"], t["kind"], t["state"]))'
kill -TERM $pid
wait $pid && echo "service: SIGTERM, exit 0"
trap - EXIT
