#!/usr/bin/env python3
"""A bounded load test of `ballast serve` on 127.0.0.1: N requests from C threads, mixed GET
(state, load, tasks, proposals, metrics, partition_load) and POST dry runs (default goals,
answered from the proposal cache, and non-default goal lists, planned), plus some bad
requests. Stops by itself. Every answer must be well-formed: JSON with the documented shape
(or Prometheus text for /metrics), status one of the documented ones. Prints latency
percentiles per kind as JSON on stdout; exits 1 on a malformed answer or a connection error.

usage: load.py URL [--requests N] [--concurrency C] [--user U --password P]"""
import argparse
import base64
import http.client
import json
import sys
import threading
import time
import urllib.parse

KINDS = [
    ("state", "GET", "/api/v1/state", None, 30),
    ("load", "GET", "/api/v1/load", None, 5),
    ("tasks", "GET", "/api/v1/tasks", None, 5),
    ("proposals", "GET", "/api/v1/proposals", None, 5),
    ("partition_load", "GET", "/api/v1/partition_load?entries=20", None, 5),
    ("metrics", "GET", "/metrics", None, 5),
    ("dryrun_default", "POST", "/api/v1/rebalance", "{}", 25),
    ("dryrun_goals", "POST", "/api/v1/rebalance",
     '{"goals":["RackAwareGoal","ReplicaDistributionGoal"],"skipHardGoalCheck":true}', 10),
    ("bad_param", "POST", "/api/v1/rebalance", '{"nope":1}', 3),
    ("bad_json", "POST", "/api/v1/rebalance", '{"mode":', 2),
    ("not_found", "GET", "/api/v1/nothing", None, 2),
]
ALLOWED = {200, 202, 400, 404, 429, 503}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--user")
    ap.add_argument("--password")
    a = ap.parse_args()
    u = urllib.parse.urlparse(a.url)
    headers = {"Content-Type": "application/json"}
    if a.user:
        tok = base64.b64encode(f"{a.user}:{a.password}".encode()).decode()
        headers["Authorization"] = "Basic " + tok
    schedule = []
    for name, method, path, body, weight in KINDS:
        schedule += [(name, method, path, body)] * weight
    lock = threading.Lock()
    state = {"next": 0, "errors": [], "lat": {}, "codes": {}}

    def worker():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= a.requests or len(state["errors"]) > 20:
                break
            name, method, path, body = schedule[(i * 7919) % len(schedule)]
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                r = conn.getresponse()
                data = r.read()
                status = r.status
            except Exception as e:  # reconnect once and count the failure
                with lock:
                    state["errors"].append(f"{name}: {e!r}")
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
                continue
            ms = (time.perf_counter() - t0) * 1000
            bad = None
            if status not in ALLOWED:
                bad = f"status {status}"
            elif name == "metrics":
                if b"ballast_http_requests_total" not in data:
                    bad = "metrics text without ballast_http_requests_total"
            else:
                try:
                    j = json.loads(data)
                except ValueError:
                    bad = "not JSON: " + data[:100].decode(errors="replace")
                else:
                    if status >= 400 and not isinstance(j.get("errorMessage"), str):
                        bad = "error without errorMessage"
                    elif status == 200 and name.startswith("dryrun") and "proposalId" not in j:
                        bad = "dry run without proposalId"
                    elif status == 200 and name == "state" and "model" not in j:
                        bad = "state without model"
                    elif name in ("bad_param", "bad_json") and status != 400:
                        bad = f"bad request answered {status}"
                    elif name == "not_found" and status != 404:
                        bad = f"unknown endpoint answered {status}"
            with lock:
                state["lat"].setdefault(name, []).append(ms)
                state["codes"][f"{name}:{status}"] = state["codes"].get(f"{name}:{status}", 0) + 1
                if bad:
                    state["errors"].append(f"{name} {method} {path}: {bad}")
        conn.close()

    t0 = time.time()
    threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.time() - t0
    out = {"requests": sum(len(v) for v in state["lat"].values()), "seconds": round(took, 1),
           "concurrency": a.concurrency, "codes": state["codes"], "latency_ms": {}}
    for name, v in sorted(state["lat"].items()):
        v.sort()
        out["latency_ms"][name] = {"n": len(v), "p50": round(v[len(v) // 2], 2),
                                   "p99": round(v[min(len(v) - 1, int(len(v) * 0.99))], 2),
                                   "max": round(v[-1], 2)}
    out["errors"] = state["errors"][:20]
    print(json.dumps(out, indent=1))
    sys.exit(1 if state["errors"] else 0)


main()
