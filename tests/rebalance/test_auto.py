#!/usr/bin/env python3
"""The auto-rebalancer on the real multi-rack Kafka (under tests/kafka/with-cluster.sh):
`ballast serve --auto-rebalance my-cluster`; a 7th broker started into the running cluster
(cluster.sh add-broker) is filled without any command, through a visible, auto-approved
my-cluster-auto-rebalancing-add-brokers; then `ballast decommission --brokers 7 --wait` empties
it (replicas and leadership) with every record intact and no throttle left, after which
stopping it loses nothing. Prints the times measured and 'N passed, N failed'."""
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
import kt  # noqa: E402
from kt import BALLAST, BOOT, CLUSTER, check, finish  # noqa: E402
from kafkalib import describe, ongoing, records, skewed_topic, throttles_left  # noqa: E402
from krlib import Ballast, free_port, state_of, wait_for  # noqa: E402

figures = {}


def main(work):
    skewed_topic("auto-a", ["1:2:3", "2:3:4", "3:4:5", "4:5:6", "5:6:1", "6:1:2"], 2, 3000)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cfg = os.path.join(work, "ballast.yaml")
    with open(cfg, "w") as f:
        f.write(f"kafka:\n  bootstrap: {BOOT}\n"
                "capacity:\n  default: {cpu: 100, networkIn: 100MB/s, networkOut: 100MB/s}\n"
                f"executor:\n  stateDir: {os.path.join(work, 'state')}\n  pollIntervalMs: 500\n"
                "  replicationThrottle: 10MB/s\n"
                f"api:\n  port: {port}\n  refreshIntervalMs: 1000\n")
    log = open(os.path.join(work, "serve.log"), "w")
    proc = subprocess.Popen([BALLAST, "serve", "--config", cfg, "--auto-rebalance", "my-cluster",
                             "--auto-settle-ms", "3000"], stdout=log, stderr=subprocess.STDOUT)
    b = Ballast(base)

    def state():
        p = subprocess.run(["curl", "-s", base + "/api/v1/state"], capture_output=True, text=True)
        try:
            return json.loads(p.stdout)
        except ValueError:
            return None

    s = wait_for(state, lambda j: j and j["model"].get("ready"), 60)
    check("serve with the auto-rebalancer", s and s["autoRebalance"]["state"] == "Idle",
          s and s.get("autoRebalance"))

    def last_execution():
        """The report of the newest execution that finished: bytes, seconds, throttle and
        the physical bound (the most bytes any broker receives / the throttle)."""
        def get(path):
            p = subprocess.run(["curl", "-s", base + path], capture_output=True, text=True)
            return json.loads(p.stdout)
        best = None
        for t in get("/api/v1/tasks")["tasks"]:
            d = get(f"/api/v1/tasks/{t['id']}")
            r = d.get("result")
            e = r.get("execution") if isinstance(r, dict) else None
            if e and e.get("status") == "finished" and (best is None or
                                                        d["createdMs"] > best[0]):
                best = (d["createdMs"], e)
        return best and {k: best[1].get(k) for k in ("bytesTotal", "seconds", "throttle",
                                                      "boundSeconds")}

    def replicas_on(broker):
        return [k for k, v in describe().items() if broker in v]

    # a 7th broker joins; nobody asks for anything
    t0 = time.time()
    p = subprocess.run(["bash", os.path.join(os.path.dirname(HERE), "kafka", "cluster.sh"),
                        "add-broker", CLUSTER, "7"], capture_output=True, text=True, timeout=300)
    check("cluster.sh add-broker 7", p.returncode == 0, p.stderr[-1500:])
    figures["broker_start_s"] = round(time.time() - t0, 1)
    name = "my-cluster-auto-rebalancing-add-brokers"
    r = wait_for(lambda: b.get(name), lambda o: o is not None, 120, 0.5)
    check("an add-brokers KafkaRebalance appears by itself, auto-approved, with a reason",
          r and r["spec"] == {"mode": "add-brokers", "brokers": [7]} and
          r["metadata"]["annotations"].get("strimzi.io/rebalance-auto-approval") == "true" and
          r["metadata"]["annotations"].get("ballast.io/reason"), r)
    seen = wait_for(state, lambda j: j and j["autoRebalance"]["state"] == "RebalanceOnScaleUp",
                    30, 0.3)
    check("auto-rebalancer state RebalanceOnScaleUp with broker 7",
          seen and {"mode": "add-brokers", "brokers": [7]} in seen["autoRebalance"]["modes"],
          seen and seen["autoRebalance"])
    done = wait_for(lambda: (b.get(name), state()),
                    lambda x: x[0] is None and x[1]["autoRebalance"]["state"] == "Idle", 900, 1)
    figures["broker_start_to_balanced_s"] = round(time.time() - t0, 1)
    on7 = replicas_on(7)
    check("broker 7 filled; the resource deleted when Ready; Idle again",
          done[0] is None and len(on7) > 0, (len(on7), done[1] and done[1]["autoRebalance"]))
    check("no reassignment, no throttle left", not ongoing() and not throttles_left(),
          (ongoing(), throttles_left()))
    ok, out = records("verify", "auto-a", 12, 3000)
    check("every record intact after the scale-up", ok, out)
    figures["replicas_on_broker_7"] = len(on7)
    figures["add_execution"] = last_execution()
    check("the add's execution report has its throttle bound",
          figures["add_execution"] and figures["add_execution"]["boundSeconds"] > 0,
          figures["add_execution"])

    # decommission broker 7
    t0 = time.time()
    p = subprocess.run([BALLAST, "decommission", "--brokers", "7", "--wait", "--server", base],
                       capture_output=True, text=True, timeout=900)
    figures["decommission_to_empty_s"] = round(time.time() - t0, 1)
    figures["decommission_execution"] = last_execution()
    check("ballast decommission --brokers 7 --wait -> safe to stop",
          p.returncode == 0 and "safe to stop" in p.stdout, p.stdout + p.stderr)
    parts = describe()
    left = [k for k, v in parts.items() if 7 in v]
    check("broker 7 holds no replica (so no leadership)", not left, left[:5])
    check("no reassignment, no throttle left after the decommission",
          not ongoing() and not throttles_left(), (ongoing(), throttles_left()))
    s = state()
    check("the state reports broker 7 safe to stop",
          s and s["autoRebalance"]["decommission"] == {"brokers": [7], "safeToStop": [7],
                                                      "done": True},
          s and s["autoRebalance"])
    check("the remove-brokers resource is gone once done",
          b.get("my-cluster-auto-rebalancing-remove-brokers") is None)
    subprocess.run(["bash", os.path.join(os.path.dirname(HERE), "kafka", "cluster.sh"),
                    "stop-broker", CLUSTER, "7"], capture_output=True, timeout=120)
    ok, out = records("verify", "auto-a", 12, 3000)
    check("broker 7 stopped: every record still readable", ok, out)
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = None
    check("SIGTERM -> exit 0", rc == 0, rc)
    print(json.dumps(figures), file=sys.stderr)
    if kt.results["failed"]:
        log.flush()
        print(open(os.path.join(work, "serve.log")).read()[-4000:], file=sys.stderr)


with tempfile.TemporaryDirectory(prefix="ballast-auto.") as tmp:
    try:
        main(tmp)
    except Exception as e:  # a failure to run is a test failure with its message
        check("auto-rebalance", False, repr(e))
finish()
