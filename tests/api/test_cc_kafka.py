#!/usr/bin/env python3
"""Ballast's Cruise Control API on the real multi-rack Kafka cluster with real clients (run
under tests/kafka/with-cluster.sh, one cluster for the whole file):

1. Strimzi's client sequence as its CruiseControlApiImpl sends it: POST rebalance (json, dryrun,
   verbose, skip_hard_goal_check, rebalance_disk, throttle and concurrency) -> poll GET
   user_tasks (fetch_completed_task, user_task_ids) until originalResponse holds both loads ->
   the same with dryrun=false -> poll GET state?json=true&verbose=false for ExecutorState's
   progress -> POST stop_proposal_execution; every field Strimzi reads typed as its fixtures
   (CC-User-task-*.json, CC-State-inExecution.json, CC-Stop.json), triggeredTaskReason's date;
2. cccli (cruise-control-client from PyPI, pinned, in a venv under ~/.cache/ballast) drives
   state, load, partition_load, proposals, rebalance (dry run and executed, to completion),
   add_broker, remove_broker, demote_broker (dry runs), user_tasks and stop_proposal_execution;
   each exits 0 and its output is checked.

Prints 'N passed, N failed'."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "kafka"))
sys.path.insert(0, HERE)
from kt import BALLAST, BOOT, RECORDS, check, finish, tool  # noqa: E402
import cc_contract as cc  # noqa: E402
from testkit import free_port  # noqa: E402

CCCLI_VERSION = "1.1.3"
VENV = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
                    "ballast", f"cccli-{CCCLI_VERSION}")


def cccli_bin():
    """cccli from PyPI, pinned, installed once into a venv (scripts/setup.sh does it too)."""
    exe = os.path.join(VENV, "bin", "cccli")
    if not os.path.exists(exe):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True, timeout=300)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "-q",
                        f"cruise-control-client=={CCCLI_VERSION}"], check=True, timeout=600)
    return exe


def call(base, method, endpoint, query, headers=None):
    req = urllib.request.Request(f"{base}/kafkacruisecontrol/{endpoint}?{query}", method=method,
                                 data=b"" if method == "POST" else None)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read()), r.headers
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text), e.headers
        except ValueError:
            return e.code, {"raw": text.decode(errors="replace")}, e.headers


def wait_for(fn, seconds, step=0.3):
    t0 = time.time()
    while time.time() - t0 < seconds:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return None


def records(cmd, topic, parts, n, size=8192):
    args = [RECORDS, cmd, BOOT, topic, str(parts), str(n)] + ([str(size)] if cmd == "produce"
                                                              else [])
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    return p.returncode == 0, p.stdout + p.stderr


def strimzi_sequence(base):
    # what Strimzi's CruiseControlApiImpl sends for a KafkaRebalance with these options
    opts = ("json=true&dryrun=true&verbose=true&skip_hard_goal_check=false&rebalance_disk=false"
            "&excluded_topics=__.*&concurrent_partition_movements_per_broker=2"
            "&concurrent_leader_movements=100&replication_throttle=300000"
            "&replica_movement_strategies=com.linkedin.kafka.cruisecontrol.executor.strategy."
            "PrioritizeLargeReplicaMovementStrategy%2Ccom.linkedin.kafka.cruisecontrol.executor."
            "strategy.BaseReplicaMovementStrategy")
    st, j, h = call(base, "POST", "rebalance", opts)
    tid = h.get("User-Task-ID")
    check("strimzi: POST rebalance dry run -> 200 or 202 with User-Task-ID",
          st in (200, 202) and tid and len(tid) == 36, (st, str(j)[:300]))

    def proposal_ready():
        st, j, _ = call(base, "GET", "user_tasks",
                        f"json=true&fetch_completed_task=true&user_task_ids={tid}")
        if st != 200 or not j["userTasks"]:
            return None
        t = j["userTasks"][0]
        if t["Status"] != "Completed":
            return None
        o = json.loads(t.get("originalResponse", "{}"))
        return (j, o) if "loadBeforeOptimization" in o and "loadAfterOptimization" in o else None

    got = wait_for(proposal_ready, 120)
    check("strimzi: user_tasks until the proposal is ready (both loads present)", got is not None)
    if not got:
        return
    ut, orig = got
    diffs = cc.same_types(ut, cc.fixture("CC-User-task-rebalance-no-goals-verbose-Completed.json"))
    check("strimzi: user_tasks typed as CC-User-task-*-Completed.json", not diffs, diffs)
    diffs = cc.same_types(orig, cc.fixture("CC-Rebalance-no-goals-verbose.json"), skip=("hash",))
    check("strimzi: originalResponse typed as CC-Rebalance-no-goals-verbose.json", not diffs, diffs)
    check("strimzi: the proposal moves replicas", orig["summary"]["numReplicaMovements"] > 0,
          orig["summary"])

    # approve: the same request with dryrun=false
    st, j, h = call(base, "POST", "rebalance", opts.replace("dryrun=true", "dryrun=false") +
                    "&reason=strimzi%20approval")
    etid = h.get("User-Task-ID")
    check("strimzi: dryrun=false -> the optimization result it executes (200) or 202",
          st in (200, 202) and etid and etid != tid, (st, str(j)[:300]))

    def in_execution():
        st, s, _ = call(base, "GET", "state", "json=true&verbose=false")
        e = s.get("ExecutorState", {}) if st == 200 else {}
        return s if e.get("state", "").endswith("TASK_IN_PROGRESS") and \
            e.get("state") != "NO_TASK_IN_PROGRESS" and e.get("numTotalPartitionMovements") \
            else None

    s = wait_for(in_execution, 120)
    check("strimzi: GET state shows the execution's progress", s is not None)
    if s:
        e = s["ExecutorState"]
        diffs = cc.same_types(e, cc.fixture("CC-State-inExecution.json")["ExecutorState"])
        check("strimzi: ExecutorState typed as CC-State-inExecution.json (every field)",
              not diffs, diffs)
        check("strimzi: triggeredUserTaskId is the approval's task",
              e.get("triggeredUserTaskId") == etid, e)
        m = re.search(r"\(Client: [^,]+, Date: (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\)$",
                      e.get("triggeredTaskReason", ""))
        check("strimzi: triggeredTaskReason carries the reason and the date Strimzi parses",
              m is not None and e["triggeredTaskReason"].startswith("strimzi approval"), e)
        check("strimzi: state validates against CC's schema",
              cc.validate("state", "GET", 200, s) is None, cc.validate("state", "GET", 200, s))
    st, j, _ = call(base, "GET", "user_tasks",
                    f"json=true&fetch_completed_task=true&user_task_ids={etid}")
    t = j["userTasks"][0] if st == 200 and j["userTasks"] else {}
    check("strimzi: the approval's task is InExecution with originalResponse",
          t.get("Status") == "InExecution" and "summary" in json.loads(
              t.get("originalResponse", "{}")), t)
    st, j, _ = call(base, "POST", "stop_proposal_execution", "json=true")
    check("strimzi: stop_proposal_execution -> CC-Stop.json", st == 200 and
          j == cc.fixture("CC-Stop.json"), (st, j))

    def stopped():
        st, s, _ = call(base, "GET", "state", "json=true&verbose=false")
        return s if st == 200 and s["ExecutorState"]["state"] == "NO_TASK_IN_PROGRESS" else None

    check("strimzi: the execution stops (NO_TASK_IN_PROGRESS)", wait_for(stopped, 180) is not None)
    st, j, _ = call(base, "GET", "user_tasks", f"json=true&user_task_ids={etid}")
    check("strimzi: the stopped task has ended", st == 200 and j["userTasks"] and
          j["userTasks"][0]["Status"] in ("Completed", "CompletedWithError"), j)


def run_cccli(exe, addr, *args, timeout=600, json_answer=True):
    """cccli asks for text unless told --json true (and state for the executor only)."""
    extra = ["--json", "true"] if json_answer else []
    p = subprocess.run([exe, "-a", addr, *args, *extra], capture_output=True, text=True,
                       timeout=timeout)
    try:
        j = json.loads(p.stdout)
    except ValueError:
        j = None
    return p, j


def cccli_checks(exe, addr, base):
    p, _ = run_cccli(exe, addr, "state", json_answer=False)
    check("cccli state (text, cccli's default substates=executor): exit 0",
          p.returncode == 0 and p.stdout.startswith("ExecutorState: {state: "),
          (p.returncode, p.stdout[-500:], p.stderr[-500:]))
    p, j = run_cccli(exe, addr, "state", "--add-parameter", "substates=executor,monitor,analyzer,"
                     "anomaly_detector")
    check("cccli state --json true: exit 0, the four states", p.returncode == 0 and j and
          {"MonitorState", "ExecutorState", "AnalyzerState", "AnomalyDetectorState"} <= set(j),
          (p.returncode, p.stdout[-500:], p.stderr[-500:]))
    p, j = run_cccli(exe, addr, "load")
    check("cccli load: exit 0, every broker", p.returncode == 0 and j and
          len(j["brokers"]) >= 4 and all("DiskMB" in b for b in j["brokers"]),
          (p.returncode, p.stdout[-500:], p.stderr[-500:]))
    p, j = run_cccli(exe, addr, "partition_load", "--resource", "disk",
                     "--number-of-entries-to-show", "5")
    check("cccli partition_load: exit 0, 5 records", p.returncode == 0 and j and
          len(j["records"]) == 5, (p.returncode, p.stdout[-500:], p.stderr[-500:]))
    p, j = run_cccli(exe, addr, "proposals")
    check("cccli proposals: exit 0, an optimization result", p.returncode == 0 and j and
          "summary" in j and "goalSummary" in j, (p.returncode, p.stdout[-500:], p.stderr[-500:]))
    p, j = run_cccli(exe, addr, "rebalance", "--dry-run")
    check("cccli rebalance --dry-run: exit 0, a proposal", p.returncode == 0 and j and
          "summary" in j, (p.returncode, p.stdout[-500:], p.stderr[-500:]))
    for ep, brokers in (("add_broker", "4"), ("remove_broker", "4")):
        p, j = run_cccli(exe, addr, ep, brokers, "--dry-run")
        check(f"cccli {ep} {brokers} --dry-run: exit 0, a proposal", p.returncode == 0 and j and
              "summary" in j, (p.returncode, p.stdout[-800:], p.stderr[-500:]))
    # executed: cccli sends dryrun=False; it answers once the execution starts
    p, j = run_cccli(exe, addr, "rebalance", "--reason", "cccli")
    check("cccli rebalance (executed): exit 0, the proposal it executes", p.returncode == 0 and
          j and "summary" in j, (p.returncode, p.stdout[-500:], p.stderr[-500:]))

    def idle():
        st, s, _ = call(base, "GET", "state", "json=true&substates=executor")
        return s if st == 200 and s["ExecutorState"]["state"] == "NO_TASK_IN_PROGRESS" else None

    check("cccli rebalance: the execution finishes", wait_for(idle, 600, 1.0) is not None)

    def generation():
        with urllib.request.urlopen(base + "/api/v1/state", timeout=30) as r:
            return json.loads(r.read())["model"].get("generation", 0)

    gen = generation()
    check("the model is read again after the execution",
          wait_for(lambda: generation() > gen, 60) is not None)
    # demote after the executed rebalance: Ballast's demote plan keeps the hard goals, and the
    # cluster had rack violations until that rebalance fixed them
    p, j = run_cccli(exe, addr, "demote_broker", "4", "--dry-run")
    check("cccli demote_broker 4 --dry-run: exit 0, a proposal", p.returncode == 0 and j and
          "summary" in j, (p.returncode, p.stdout[-800:], p.stderr[-500:]))
    p, j = run_cccli(exe, addr, "user_tasks")
    tasks = (j or {}).get("userTasks", [])
    done = [t for t in tasks if "/rebalance" in t["RequestURL"] and "reason=cccli" in
            t["RequestURL"]]
    check("cccli user_tasks: exit 0, the executed rebalance Completed",
          p.returncode == 0 and done and done[0]["Status"] == "Completed",
          (p.returncode, str(tasks)[:800]))
    p, j = run_cccli(exe, addr, "stop_proposal_execution")
    check("cccli stop_proposal_execution: exit 0, Proposal execution stopped.",
          p.returncode == 0 and j == cc.fixture("CC-Stop.json"), (p.returncode, p.stdout))
    st, s, _ = call(base, "GET", "state", "json=true&substates=analyzer")
    check("after cccli's execution a new proposal is ready", st == 200, s)


def main():
    work = tempfile.mkdtemp(prefix="ballast-cc.")
    exe = cccli_bin()
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--create",
         "--topic", "cc-skewed", "--replica-assignment", ",".join(["1:2:3", "2:3:1", "3:1:2"] * 4))
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--create",
         "--topic", "cc-violating", "--replica-assignment", ",".join(["1:4:2", "4:1:3"] * 3))
    ok, out = records("produce", "cc-skewed", 12, 2000)
    check("produce cc-skewed", ok, out)
    ok, out = records("produce", "cc-violating", 6, 600)
    check("produce cc-violating", ok, out)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cfg = os.path.join(work, "ballast.yaml")
    with open(cfg, "w") as f:
        f.write(f"kafka:\n  bootstrap: {BOOT}\n"
                "capacity:\n  default: {cpu: 100, networkIn: 100MB/s, networkOut: 100MB/s}\n"
                f"executor:\n  stateDir: {os.path.join(work, 'state')}\n  pollIntervalMs: 500\n"
                f"api:\n  port: {port}\n  refreshIntervalMs: 3000\n")
    log = open(os.path.join(work, "serve.log"), "w")
    proc = subprocess.Popen([BALLAST, "serve", "--config", cfg], stdout=log,
                            stderr=subprocess.STDOUT)

    def ready():
        try:
            st, s, _ = call(base, "GET", "state", "json=true&substates=analyzer")
        except OSError:
            return None
        return s if st == 200 and s["AnalyzerState"]["isProposalReady"] else None

    if not check("serve on the cluster: a proposal is ready", wait_for(ready, 90) is not None,
                 open(os.path.join(work, "serve.log")).read()[-3000:]):
        proc.kill()
        return
    try:
        strimzi_sequence(base)
        cccli_checks(exe, f"127.0.0.1:{port}", base)
    finally:
        proc.send_signal(signal.SIGTERM)
        check("SIGTERM -> exit 0", proc.wait(60) == 0)
        log.close()
        if sys.modules["kt"].results["failed"]:
            print(open(os.path.join(work, "serve.log")).read()[-2500:], file=sys.stderr)


try:
    main()
except Exception as e:  # a failure to run is a test failure with its message
    import traceback
    traceback.print_exc()
    check("cc kafka test", False, repr(e))
finish()
