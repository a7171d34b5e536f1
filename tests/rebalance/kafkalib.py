"""Kafka helpers of the KafkaRebalance tests that run under tests/kafka/with-cluster.sh: skewed
topics and Ballast's kept proposal; placement, throttles and reassignments left and records are
tests/kafka/kt.py's (re-exported here)."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "kafka"))
from kt import (BOOT, check, describe, ongoing, records, throttles_left,  # noqa: E402,F401
                tool)


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
