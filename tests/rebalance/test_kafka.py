#!/usr/bin/env python3
"""KafkaRebalance resources on the real multi-rack Kafka (run under tests/kafka/with-cluster.sh,
one cluster for the file), through the CLI against `ballast serve`:

1. apply -> ProposalReady with an optimizationResult; approve -> Rebalancing -> Ready; the
   placement equals the approved proposal (the one Ballast kept), every record intact, no
   throttle and no reassignment left;
2. a throttled rebalance stopped mid-way -> Stopped, throttles removed; refresh -> a new
   proposal;
3. approved again, the service killed (SIGKILL) mid-Rebalancing and restarted: the resource
   follows the adopted execution to Ready under the same sessionId.

Prints figures and 'N passed, N failed'."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "kafka"))
sys.path.insert(0, HERE)
from kt import BALLAST, BOOT, check, finish  # noqa: E402
from kafkalib import (describe, kept_proposal, ongoing, records, skewed_topic,  # noqa: E402
                      throttles_left)
from krlib import Ballast, free_port, manifest, state_of, wait_for  # noqa: E402

figures = {}


def main():
    work = tempfile.mkdtemp(prefix="ballast-kr.")
    skewed_topic("kr-skewed", ["1:2:3", "2:3:1", "3:1:2"], 4, 2000)
    port = free_port()
    state = os.path.join(work, "state")
    cfg = os.path.join(work, "ballast.yaml")
    with open(cfg, "w") as f:
        f.write(f"kafka:\n  bootstrap: {BOOT}\n"
                "capacity:\n  default: {cpu: 100, networkIn: 100MB/s, networkOut: 100MB/s}\n"
                f"executor:\n  stateDir: {state}\n  pollIntervalMs: 500\n"
                f"api:\n  port: {port}\n  refreshIntervalMs: 2000\n")
    log = open(os.path.join(work, "serve.log"), "w")

    def start():
        return subprocess.Popen([BALLAST, "serve", "--config", cfg], stdout=log,
                                stderr=subprocess.STDOUT)

    proc = start()
    b = Ballast(f"http://127.0.0.1:{port}")
    check("serve answers", wait_for(lambda: b.run("get").returncode, lambda rc: rc == 0, 60) == 0)

    # 1. apply, approve, Ready; the placement is the approved proposal
    t0 = time.time()
    b.apply(manifest("kr-full"))
    r = wait_for(lambda: b.get("kr-full"), lambda o: state_of(o) in ("ProposalReady",
                                                                     "NotReady"), 120)
    figures["apply_to_proposal_ready_s"] = round(time.time() - t0, 2)
    check("apply -> ProposalReady with moves", state_of(r) == "ProposalReady" and
          r["status"]["optimizationResult"]["numReplicaMovements"] > 0, json.dumps(r)[:1500])
    want = kept_proposal(state, "kr-full")
    t0 = time.time()
    b.run("approve", "kr-full")
    r = wait_for(lambda: b.get("kr-full"), lambda o: state_of(o) != "ProposalReady", 20)
    check("approve -> Rebalancing (annotation consumed)", state_of(r) in ("Rebalancing", "Ready")
          and "strimzi.io/rebalance" not in r["metadata"].get("annotations", {}), r.get("status"))
    r = wait_for(lambda: b.get("kr-full"), lambda o: state_of(o) in ("Ready", "NotReady",
                                                                     "Stopped"), 600)
    figures["approve_to_ready_s"] = round(time.time() - t0, 1)
    check("Rebalancing -> Ready", state_of(r) == "Ready", json.dumps(r.get("status"))[:1000])
    prog = r["status"].get("progress", {})
    check("progress says 100%", prog.get("completedByteMovementPercentage") == 100, prog)
    now = describe()
    wrong = [(k, now.get(k), v) for k, v in want.items() if now.get(k) != v]
    check("placement equals the approved proposal", want and not wrong, wrong[:3])
    check("no reassignment left", not ongoing())
    check("no throttle left", not throttles_left(), throttles_left()[:3])
    ok, out = records("verify", "kr-skewed", 12, 2000)
    check("every record intact", ok, out)

    # 2. a throttled rebalance stopped mid-way
    skewed_topic("kr-slow", ["1:4:2", "4:1:3"], 3, 3000)
    throttled = "\n  replicationThrottle: 400000\n  concurrentPartitionMovementsPerBroker: 1"
    b.apply(manifest("kr-slow", throttled))
    r = wait_for(lambda: b.get("kr-slow"), lambda o: state_of(o) == "ProposalReady" and
                 o["status"]["optimizationResult"]["numReplicaMovements"] > 0, 120)
    check("kr-slow -> ProposalReady", state_of(r) == "ProposalReady", json.dumps(r)[:800])
    b.run("approve", "kr-slow")
    r = wait_for(lambda: b.get("kr-slow"),
                 lambda o: state_of(o) == "Rebalancing" and
                 o["status"].get("progress", {}).get("numInProgressMovements", 0) > 0, 60)
    check("Rebalancing with moves in flight and progress", state_of(r) == "Rebalancing",
          r.get("status"))
    b.run("stop", "kr-slow")
    r = wait_for(lambda: b.get("kr-slow"), lambda o: state_of(o) != "Rebalancing", 120)
    check("stop -> Stopped", state_of(r) == "Stopped", r.get("status"))
    check("stopped: no reassignment, no throttle left",
          wait_for(lambda: not ongoing() and not throttles_left(), bool, 60),
          (ongoing(), throttles_left()))
    b.run("refresh", "kr-slow")
    r = wait_for(lambda: b.get("kr-slow"), lambda o: state_of(o) == "ProposalReady", 120)
    check("Stopped -> refresh -> ProposalReady", state_of(r) == "ProposalReady",
          r.get("status"))

    # 3. killed mid-Rebalancing, restarted: the resource follows the adopted execution
    b.run("approve", "kr-slow")
    r = wait_for(lambda: b.get("kr-slow"),
                 lambda o: state_of(o) == "Rebalancing" and
                 o["status"].get("progress", {}).get("numInProgressMovements", 0) > 0, 60)
    session = r["status"].get("sessionId")
    want = kept_proposal(state, "kr-slow")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    t0 = time.time()
    proc = start()
    r = wait_for(lambda: b.get("kr-slow"), lambda o: state_of(o) in ("Ready", "NotReady",
                                                                     "Stopped"), 900)
    figures["restart_to_ready_s"] = round(time.time() - t0, 1)
    check("after SIGKILL and restart: Ready under the same sessionId",
          state_of(r) == "Ready" and r["status"]["sessionId"] == session,
          json.dumps(r and r.get("status"))[:800])
    now = describe()
    wrong = [(k, now.get(k), v) for k, v in want.items() if now.get(k) != v]
    check("placement equals the approved proposal after the restart", not wrong, wrong[:3])
    check("no throttle left after the restart", not throttles_left(), throttles_left()[:3])
    for topic, parts, n in (("kr-skewed", 12, 2000), ("kr-slow", 6, 3000)):
        ok, out = records("verify", topic, parts, n)
        check(f"every record of {topic} intact", ok, out)
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = None
    check("SIGTERM -> exit 0", rc == 0, rc)
    print(json.dumps(figures), file=sys.stderr)
    if results_failed():
        print(open(os.path.join(work, "serve.log")).read()[-4000:], file=sys.stderr)


def results_failed():
    import kt
    return kt.results["failed"] > 0


try:
    main()
except Exception as e:  # a tool failing is a test failure with its message
    check("kafkarebalance on kafka", False, repr(e))
finish()
