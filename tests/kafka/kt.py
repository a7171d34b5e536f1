"""Shared by the Python tests that run under tests/kafka/with-cluster.sh: the cluster's
environment, a check counter that prints 'ok'/'FAIL' lines, and Kafka's own tools."""
import os
import subprocess
import sys

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


def finish():
    """Prints the summary line and exits 1 when a check failed."""
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)
