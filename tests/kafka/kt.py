"""Shared by the Python tests that run under tests/kafka/with-cluster.sh: the cluster's
environment, a check counter that prints 'ok'/'FAIL' lines, Kafka's own tools, and what the
tests read back from the cluster (placement, throttles and reassignments left, records
produced and verified with kafka_records) and a poll helper. One copy each: the service, the
executor, the Cruise Control API, the KafkaRebalance and the web view tests import them."""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLUSTER = os.environ["CLUSTER_DIR"]
BOOT = os.environ["BOOTSTRAP"]
NBROKERS = int(os.environ["BROKERS"])
BALLAST = os.environ.get("BALLAST_BIN", "build/cli/ballast")
RECORDS = os.environ.get("KAFKA_RECORDS_BIN", "build/tests/kafka/kafka_records")
results = {"passed": 0, "failed": 0}


def check(name, cond, detail=""):
    results["passed" if cond else "failed"] += 1
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"),
          file=sys.stderr)
    return cond


def tool(*args, check_rc=True):
    """Runs a Kafka tool class from the cluster's jars; returns its stdout."""
    p = subprocess.run(["bash", os.path.join(HERE, "cluster.sh"), "tool", CLUSTER, *args],
                       capture_output=True, text=True, timeout=300)
    if check_rc and p.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {p.stderr[-2000:]}")
    return p.stdout


def describe_with_leaders():
    """{(topic, partition): ([replicas in order], leader or -1)} as kafka-topics describes it."""
    out = tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--describe")
    parts = {}
    for line in out.splitlines():
        m = re.search(r"Topic: (\S+)\s+Partition: (\d+)\s+Leader: (-?\d+|none)\s+"
                      r"Replicas: ([\d,]+)", line)
        if m:
            leader = -1 if m.group(3) == "none" else int(m.group(3))
            parts[(m.group(1), int(m.group(2)))] = ([int(x) for x in m.group(4).split(",")],
                                                    leader)
    return parts


def describe():
    """{(topic, partition): [replicas in order]}."""
    return {k: reps for k, (reps, _) in describe_with_leaders().items()}


def throttles_left():
    """The dynamic throttle settings left on brokers and topics (lines of kafka-configs)."""
    cfg = tool("kafka.admin.ConfigCommand", "--bootstrap-server", BOOT, "--describe",
               "--entity-type", "brokers", "--all", check_rc=False) + \
        tool("kafka.admin.ConfigCommand", "--bootstrap-server", BOOT, "--describe",
             "--entity-type", "topics", check_rc=False)
    return [line.strip() for line in cfg.splitlines()
            if ("throttled" in line or "alter.log.dirs.io" in line) and "DYNAMIC" in line]


def ongoing():
    """The partition reassignments in progress (lines of kafka-reassign-partitions --list)."""
    out = tool("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", "--bootstrap-server",
               BOOT, "--list", check_rc=False)
    return [line for line in out.splitlines() if re.search(r"-\d+: replicas:", line)]


def records(cmd, topic, parts, n, size=8192):
    """kafka_records produce|verify: n records per partition (size bytes each when producing);
    returns (ok, its output)."""
    args = [RECORDS, cmd, BOOT, topic, str(parts), str(n)] + ([str(size)] if cmd == "produce"
                                                              else [])
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    return p.returncode == 0, p.stdout + p.stderr


def wait_for(fn, seconds, step=0.1):
    """Calls fn every step seconds until it returns something true (returned) or seconds pass
    (None)."""
    t0 = time.time()
    while time.time() - t0 < seconds:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return None


def finish():
    """Prints the summary line and exits 1 when a check failed."""
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)
