"""Helpers shared by the KafkaRebalance tests: checks counted for the closing
'N passed, N failed' line, the ballast CLI, waiting for a resource's state."""
import json
import os
import socket
import subprocess
import sys
import time

BIN = os.environ.get("BALLAST_BIN", "build/cli/ballast")
results = {"passed": 0, "failed": 0}


def check(name, cond, detail=""):
    results["passed" if cond else "failed"] += 1
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"),
          file=sys.stderr, flush=True)
    return cond


def finish():
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def sh(*args, timeout=120, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, **kw)


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
