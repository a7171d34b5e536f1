#!/usr/bin/env python3
"""`ballast serve` on the real multi-rack Kafka cluster (run under tests/kafka/with-cluster.sh,
one cluster for the whole file):

1. the service starts against the cluster; the first proposal's latency after start is
   measured (one metadata + log-dir read plus one plan);
2. a dry run returns a proposal with an id; executing that proposal by id starts it (202);
3. the service is killed with SIGKILL while moves are in flight; a restart adopts the journal's
   execution and finishes it under the same task; the tasks are still listed;
4. placement equals the proposal, preferred leaders lead, every record is intact, no throttle
   and no reassignment is left;
5. the old proposal is now stale: executing it again is refused with 409 naming the change;
6. a plan-and-execute in one step (remove-brokers) stopped by SIGTERM mid-execution: exit 0,
   the execution left to the journal, adopted and finished by the next start;
7. bad requests get the documented 4xx; SIGTERM exits 0.

Prints figures and 'N passed, N failed'."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "kafka"))
from kt import (BALLAST, BOOT, check, finish, ongoing, records, throttles_left,  # noqa: E402
                tool, wait_for)
from kt import describe_with_leaders as describe  # noqa: E402

figures = {}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, {"raw": text.decode(errors="replace")}


def start(cfg, log):
    return subprocess.Popen([BALLAST, "serve", "--config", cfg], stdout=log,
                            stderr=subprocess.STDOUT)


def main():
    work = tempfile.mkdtemp(prefix="ballast-serve.")
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--create",
         "--topic", "svc-skewed", "--replica-assignment", ",".join(["1:2:3", "2:3:1", "3:1:2"] * 4))
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--create",
         "--topic", "svc-violating", "--replica-assignment", ",".join(["1:4:2", "4:1:3"] * 3))
    ok, out = records("produce", "svc-skewed", 12, 2000)
    check("produce svc-skewed", ok, out)
    ok, out = records("produce", "svc-violating", 6, 600)
    check("produce svc-violating", ok, out)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    state = os.path.join(work, "state")
    cfg = os.path.join(work, "ballast.yaml")
    with open(cfg, "w") as f:
        f.write(f"kafka:\n  bootstrap: {BOOT}\n"
                "capacity:\n  default: {cpu: 100, networkIn: 100MB/s, networkOut: 100MB/s}\n"
                f"executor:\n  stateDir: {state}\n  pollIntervalMs: 500\n"
                f"api:\n  port: {port}\n  refreshIntervalMs: 3000\n")
    log = open(os.path.join(work, "serve.log"), "w")
    t0 = time.time()
    proc = start(cfg, log)

    def ready():
        try:
            st, j = call(base, "GET", "/api/v1/state")
        except OSError:
            return None
        return j if st == 200 and j["analyzer"]["isProposalReady"] else None

    j = wait_for(ready, 60)
    figures["first_proposal_after_start_s"] = round(time.time() - t0, 2)
    check("the service starts on the cluster and has a proposal", j is not None,
          open(os.path.join(work, "serve.log")).read()[-3000:])
    if j:
        figures["model_read_ms"] = round(j["model"]["readMs"], 1)
        figures["plan_ms"] = round(j["analyzer"]["lastPlanMs"], 1)
        check("the model has the cluster's brokers", j["model"]["brokers"] >= 4, j["model"])

    # a dry run, timed (answered from the proposal cache)
    t1 = time.time()
    st, res = call(base, "POST", "/api/v1/rebalance", {"verbose": True, "reason": "test"})
    figures["dry_run_ms"] = round((time.time() - t1) * 1000, 1)
    check("dry run -> 200 with a proposal", st == 200 and res.get("proposalId") and
          res["summary"]["numReplicaMovements"] > 0, (st, str(res)[:500]))
    pid = res["proposalId"]
    want = {(p["topicPartition"]["topic"], p["topicPartition"]["partition"]): p["newReplicas"]
            for p in res["proposals"]}
    moved = {k for k, v in want.items()}
    st, bad = call(base, "POST", "/api/v1/rebalance", {"mode": "remove-brokers",
                                                       "brokers": [77]})
    check("a broker the cluster lacks -> 400", st == 400 and "broker 77" in bad["errorMessage"],
          bad)

    # execute exactly that proposal, throttled, and kill the service mid-execution
    st, t = call(base, "POST", "/api/v1/rebalance",
                 {"dryrun": False, "proposalId": pid, "throttle": 1000000,
                  "reason": "execute the proposal"})
    check("executing the proposal -> 202 InExecution", st == 202 and t["state"] == "InExecution",
          (st, t))
    task = t.get("id")

    def inflight():
        st, s = call(base, "GET", "/api/v1/state")
        e = s.get("executor", {})
        return s if e.get("numInProgressMovements", 0) > 0 else None

    s = wait_for(inflight, 60)
    check("moves in flight (state shows them)", s is not None)
    if s:
        e = s["executor"]
        check("state shows progress and the throttle",
              e["state"] == "EXECUTION_IN_PROGRESS" and e["bytesTotal"] > 0 and
              e["throttle"] == 1000000 and e["triggeredTaskId"] == task, e)
    st, busy = call(base, "POST", "/api/v1/rebalance", {"dryrun": False})
    check("a second execution -> 409", st == 409 and "ongoing execution" in busy["errorMessage"],
          busy)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    check("throttles are in place after the kill", len(throttles_left()) > 0)

    t2 = time.time()
    proc = start(cfg, log)

    def finished():
        try:
            st, t = call(base, "GET", f"/api/v1/tasks/{task}")
        except OSError:
            return None
        return t if st == 200 and t["state"] in ("Completed", "CompletedWithError") else None

    t = wait_for(finished, 600)
    figures["finish_after_restart_s"] = round(time.time() - t2, 1)
    check("the restarted service adopts and finishes the execution under the same task",
          t is not None and t["state"] == "Completed", t)
    if t:
        e = t["result"]["execution"]
        check("the report: every move done", e["status"] == "finished" and e["failed"] == 0 and
              e["done"] == e["tasks"], e)
    st, tasks = call(base, "GET", "/api/v1/tasks")
    ids = [x["id"] for x in tasks["tasks"]]
    check("tasks still listed after the kill", task in ids and res["taskId"] in ids, ids)

    now = describe()
    wrong = [(k, now.get(k), v) for k, v in want.items() if now.get(k, ([], -1))[0] != v]
    leaders = [k for k, v in want.items() if now.get(k, ([], -1))[1] != v[0]]
    check("placement equals the proposal", not wrong and moved, wrong[:3])
    check("preferred leaders lead", not leaders, leaders[:3])
    check("no reassignment left", not ongoing(), ongoing())
    left = throttles_left()
    check("no throttle left", not left, left[:3])
    for topic, parts, n in (("svc-skewed", 12, 2000), ("svc-violating", 6, 600)):
        ok, out = records("verify", topic, parts, n)
        check(f"every record of {topic} intact", ok, out)

    # the old proposal no longer fits the cluster
    def refreshed():
        st, s = call(base, "GET", "/api/v1/state")
        return s if s["model"]["generation"] >= 2 else None

    wait_for(refreshed, 30)
    st, r = call(base, "POST", "/api/v1/rebalance", {"dryrun": False, "proposalId": pid})
    if st == 404:  # a restart forgets proposals: make one, move a partition, then execute it
        st, r2 = call(base, "POST", "/api/v1/rebalance", {"goals": ["RackAwareGoal"],
                                                          "skipHardGoalCheck": True})
        pid2 = r2.get("proposalId")
        reassign = os.path.join(work, "other-tool.json")
        cur = describe()[("svc-skewed", 0)][0]
        with open(reassign, "w") as f:
            json.dump({"version": 1, "partitions": [{"topic": "svc-skewed", "partition": 0,
                                                     "replicas": cur[1:] + cur[:1]}]}, f)
        tool("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", "--bootstrap-server",
             BOOT, "--reassignment-json-file", reassign, "--execute")
        gen = refreshed()["model"]["generation"]
        wait_for(lambda: call(base, "GET", "/api/v1/state")[1]["model"]["generation"] > gen + 1,
                 30)
        st, r = call(base, "POST", "/api/v1/rebalance", {"dryrun": False, "proposalId": pid2})
    check("executing a stale proposal -> 409 naming the change",
          st == 409 and "changed under proposal" in r.get("errorMessage", ""), (st, r))

    # plan and execute in one step (remove broker 4), SIGTERM mid-execution: exit 0 with the
    # execution left to the journal; the next start adopts and finishes it
    st, t = call(base, "POST", "/api/v1/rebalance",
                 {"dryrun": False, "mode": "remove-brokers", "brokers": [4],
                  "throttle": 1000000, "reason": "drain broker 4"})
    check("plan-and-execute in one step -> 202", st == 202 and t.get("state") in
          ("InExecution", "Active"), (st, t))
    task2 = t.get("id")
    s = wait_for(inflight, 60)
    check("remove-brokers moves in flight", s is not None)
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = None
    check("SIGTERM mid-execution -> exit 0", rc == 0, rc)
    with open(os.path.join(state, "execution.json")) as f:
        status = json.load(f).get("status")
    check("the execution is left to the journal (running)", status == "running", status)
    proc = start(cfg, log)
    task = task2
    t = wait_for(finished, 600)
    check("the next start adopts and finishes it", t is not None and t["state"] == "Completed", t)
    on4 = [k for k, (reps, _) in describe().items() if k[0].startswith("svc-") and 4 in reps]
    check("broker 4 holds no replica of the test topics", not on4, on4[:3])
    check("no throttle left after the adopted execution", not throttles_left(), throttles_left())
    for topic, parts, n in (("svc-skewed", 12, 2000), ("svc-violating", 6, 600)):
        ok, out = records("verify", topic, parts, n)
        check(f"every record of {topic} intact after the drain", ok, out)

    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = None
    check("SIGTERM -> exit 0", rc == 0, rc)


try:
    main()
except Exception as e:  # a tool failing is a test failure with its message
    check("serve on kafka", False, repr(e))
print(json.dumps(figures), file=sys.stderr)
finish()
