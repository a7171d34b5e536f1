"""Kafka helpers of the KafkaRebalance tests that run under tests/kafka/with-cluster.sh:
placement, throttles and reassignments left, records, skewed topics, Ballast's kept proposal."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "kafka"))
from kt import BOOT, RECORDS, check, tool  # noqa: E402


def describe():
    out = tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--describe")
    parts = {}
    for line in out.splitlines():
        m = re.search(r"Topic: (\S+)\s+Partition: (\d+)\s+Leader: (-?\d+|none)\s+"
                      r"Replicas: ([\d,]+)", line)
        if m:
            parts[(m.group(1), int(m.group(2)))] = [int(x) for x in m.group(4).split(",")]
    return parts


def throttles_left():
    cfg = tool("kafka.admin.ConfigCommand", "--bootstrap-server", BOOT, "--describe",
               "--entity-type", "brokers", "--all", check_rc=False) + \
        tool("kafka.admin.ConfigCommand", "--bootstrap-server", BOOT, "--describe",
             "--entity-type", "topics", check_rc=False)
    return [line.strip() for line in cfg.splitlines()
            if ("throttled" in line or "alter.log.dirs.io" in line) and "DYNAMIC" in line]


def ongoing():
    out = tool("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", "--bootstrap-server",
               BOOT, "--list", check_rc=False)
    return [line for line in out.splitlines() if re.search(r"-\d+: replicas:", line)]


def records(cmd, topic, parts, n, size=8192):
    args = [RECORDS, cmd, BOOT, topic, str(parts), str(n)] + ([str(size)] if cmd == "produce"
                                                              else [])
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    return p.returncode == 0, p.stdout + p.stderr


def skewed_topic(name, layout, times, n):
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--create",
         "--topic", name, "--replica-assignment", ",".join(layout * times))
    ok, out = records("produce", name, len(layout) * times, n)
    check(f"produce {name}", ok, out)


def kept_proposal(state, name):
    with open(os.path.join(state, "rebalances", f"{name}.ballast.json")) as f:
        p = json.load(f)
    return {(x["topic"], x["partition"]): x["replicas"]
            for x in p["reassignment"]["partitions"]}
