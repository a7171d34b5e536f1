#!/usr/bin/env bash
# The Kafka version matrix: Ballast's end-to-end path on every Kafka release and mode it
# supports, each on a fresh local cluster (tests/kafka/cluster.sh, 4 brokers over 3 racks, two
# log dirs each, the JMX exporter agent):
#
#   bash scripts/test-matrix.sh [VERSION:MODE ...]      (default: the list below)
#
# Per version and mode, two clusters, one after the other:
#   1. tests/kafka/test_e2e_rebalance.py: a live snapshot checked field by field against
#      Kafka's own tools, the JMX exporter page checked for every metric name the sampler
#      reads and a sampled snapshot, plan, throttled execution, placement = plan, no rack
#      violation, preferred leaders, every record intact, no throttle left;
#   2. tests/kafka/test_execute.py, scenarios kill_and_resume (kill -9 mid-execution with a
#      12 MB move held in flight by the throttle, then --resume: the moves Kafka still lists
#      adopted, same end state, no throttle or reassignment left, records intact), intra
#      (log-dir moves: AlterReplicaLogDirs, DescribeLogDirs) and throttle_accuracy (49 MB moved
#      at 4 MB/s must measure within 25% of it: a throttle that does not take effect, as
#      Kafka 2.8 did with Ballast's APPENDed lists, fails here).
# Every cluster run takes the shared heavy-job lock (/tmp/ballast-heavy.lock; with
# BALLAST_HEAVY_LOCK_HELD=1 the caller holds it for the whole matrix). Needs a built
# build/ (meson setup build && ninja -C build). Writes each run's log to
# build/matrix/<version>-<mode>-<test>.log and the table to docs/kafka-versions.md's results
# section (between the markers), with the date, Java version and the durations.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
matrix=("$@")
[ ${#matrix[@]} -gt 0 ] || matrix=(4.4.0:kraft 4.1.1:kraft 3.9.1:kraft 3.9.1:zk 2.8.2:zk)
[ -x build/cli/ballast ] && [ -x build/tests/kafka/kafka_records ] ||
  { echo "test-matrix.sh: build first (meson setup build && ninja -C build)" >&2; exit 2; }
export BALLAST_BIN=$root/build/cli/ballast KAFKA_RECORDS_BIN=$root/build/tests/kafka/kafka_records
out=$root/build/matrix
mkdir -p "$out"
rows=()
fail=0
for vm in "${matrix[@]}"; do
  v=${vm%%:*} m=${vm##*:}
  for t in e2e execute; do
    log=$out/$v-$m-$t.log
    if [ $t = e2e ]; then
      cmd=(python3 tests/kafka/test_e2e_rebalance.py); envs=()
    else
      cmd=(python3 tests/kafka/test_execute.py); envs=(EXEC_SCENARIOS=kill_and_resume,intra,throttle_accuracy)
    fi
    echo "== Kafka $v ($m): $t" >&2
    t0=$SECONDS
    lock=(flock /tmp/ballast-heavy.lock)
    [ "${BALLAST_HEAVY_LOCK_HELD:-}" = 1 ] && lock=()  # the caller holds it for the whole run
    ${lock[@]+"${lock[@]}"} env BALLAST_KAFKA_VERSION="$v" BALLAST_KAFKA_MODE="$m" \
      ${envs[@]+"${envs[@]}"} bash tests/kafka/with-cluster.sh - --brokers 4 --racks 3 \
      --jmx-exporter -- "${cmd[@]}" > "$log" 2>&1
    rc=$?
    took=$((SECONDS - t0))
    summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    [ -n "$summary" ] || summary="no summary (exit $rc)"
    [ $rc = 0 ] || fail=1
    first_fail=$(grep -m1 '^FAIL ' "$log" | cut -c1-160 | tr '|' '/')
    echo "   $summary in ${took}s${first_fail:+; $first_fail}" >&2
    rows+=("| $v | $m | $t | $([ $rc = 0 ] && echo pass || echo FAIL) | $summary | ${took} s | ${first_fail:-} |")
  done
done
java_version=$(java -version 2>&1 | head -1)
{
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  git diff --quiet HEAD 2>/dev/null || commit="$commit with uncommitted changes"
  echo "Last run: $(date -u '+%Y-%m-%d %H:%M UTC') at $commit on $java_version, \`bash scripts/test-matrix.sh ${matrix[*]}\`"
  echo "(4 brokers over 3 racks, two log dirs each, the JMX exporter agent; $(nproc) cores)."
  echo
  echo "| Kafka | mode | test | result | checks | time (with cluster start) | first failure |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > "$out/results.md"
doc=$root/docs/kafka-versions.md
if [ -f "$doc" ] && grep -q '<!-- matrix results -->' "$doc"; then
  python3 - "$doc" "$out/results.md" <<'EOF'
import re, sys
doc, res = sys.argv[1], open(sys.argv[2]).read()
s = open(doc).read()
s = re.sub(r"<!-- matrix results -->.*<!-- end of matrix results -->",
           lambda _: "<!-- matrix results -->\n" + res + "<!-- end of matrix results -->", s, flags=re.S)
open(doc, "w").write(s)
EOF
  echo "test-matrix.sh: results written to docs/kafka-versions.md" >&2
fi
cat "$out/results.md"
exit $fail
