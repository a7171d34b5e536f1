"""Helpers shared by the KafkaRebalance tests: the ballast CLI, waiting for a resource's state,
manifests; the check counter, free_port and sh are tests/testlib.py's (re-exported)."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from testlib import check, finish, free_port, results, sh  # noqa: E402,F401

BIN = os.environ.get("BALLAST_BIN", "build/cli/ballast")


class Ballast:
    """`ballast rebalance VERB` against one server."""

    def __init__(self, server):
        self.server = server

    def run(self, *args, stdin=None):
        return sh(BIN, "rebalance", *args, "--server", self.server, input=stdin)

    def get(self, name):
        p = self.run("get", name, "-o", "json")
        return json.loads(p.stdout) if p.returncode == 0 else None

    def apply(self, text):
        return self.run("apply", "-f", "-", stdin=text)


def state_of(obj):
    for c in (obj or {}).get("status", {}).get("conditions", []):
        if c.get("type") != "Warning" and c.get("status") == "True":
            return c["type"]
    return None


def condition(obj, type_):
    for c in (obj or {}).get("status", {}).get("conditions", []):
        if c.get("type") == type_:
            return c
    return None


def wait_for(fetch, pred, seconds=60, every=0.3):
    """fetch() until pred(value) or the time is up; the last value either way."""
    t0 = time.time()
    v = fetch()
    while not pred(v) and time.time() - t0 < seconds:
        time.sleep(every)
        v = fetch()
    return v


def manifest(name, spec_yaml="{}", annotations=None, cluster="my-cluster",
             api="kafka.strimzi.io/v1"):
    a = ""
    if annotations:
        a = "  annotations:\n" + "".join(f"    {k}: \"{v}\"\n" for k, v in annotations.items())
    body = spec_yaml if spec_yaml.startswith("\n") else " " + spec_yaml
    return (f"apiVersion: {api}\nkind: KafkaRebalance\nmetadata:\n  name: {name}\n"
            f"  labels:\n    strimzi.io/cluster: {cluster}\n{a}spec:{body}\n")
