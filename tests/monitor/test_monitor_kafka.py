"""The load monitor on a real cluster (run by with-cluster.sh --jmx-exporter, 3 brokers).

Topic 'alpha' (4 partitions, replicas on brokers 1 and 2 only) gets 2 MB/s and topic 'beta'
(2 partitions on all three brokers) 0.5 MB/s from mon_producer. Once the load runs,
`ballast snapshot` with the JMX exporter sampler (two scrapes 5 s apart) must finish within two
scrape intervals of its start, and:
- each broker's measured produce + replication bytes-in, and its network-in in the snapshot's
  model (the sum of nwIn over its replicas), must be within 20 % of what the produced rates
  and the placement give;
- every partition's nwInBytesPerSec within 20 % of its topic rate over its partitions;
- the snapshot's load says 100 % of partitions monitored;
- `ballast plan` with the network-inbound goals moves replicas onto broker 3 (whose network-in
  is lowest) and reports the snapshot's recentWindows and monitoredPartitionsPercentage.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

BALLAST = os.environ["BALLAST_BIN"]
PRODUCER = os.environ["MON_PRODUCER_BIN"]
CLUSTER_DIR = os.environ["CLUSTER_DIR"]
BOOTSTRAP = os.environ["BOOTSTRAP"]
BROKERS = int(os.environ["BROKERS"])
HERE = os.path.dirname(os.path.abspath(__file__))
CLUSTER_SH = os.path.join(HERE, "..", "kafka", "cluster.sh")
INTERVAL_MS = 5000
RATES = {"alpha": 2_000_000, "beta": 500_000}
PARTS = {"alpha": 4, "beta": 2}
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def within(got, want, tol=0.20):
    return want > 0 and abs(got - want) <= tol * want


def tool(*args):
    subprocess.run(["bash", CLUSTER_SH, "tool", CLUSTER_DIR, *args], check=True,
                   stdout=subprocess.DEVNULL)


def main():
    assert BROKERS == 3, "the test expects 3 brokers"
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOTSTRAP, "--create",
         "--topic", "alpha", "--replica-assignment", "1:2,2:1,1:2,2:1")
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOTSTRAP, "--create",
         "--topic", "beta", "--replica-assignment", "1:2:3,3:1:2")
    work = tempfile.mkdtemp(prefix="ballast-mon.")
    cfg = os.path.join(work, "ballast.yaml")
    with open(cfg, "w") as f:
        f.write("capacity:\n  default: {cpu: 100, numCores: 1, networkIn: 10MB/s, "
                "networkOut: 20MB/s}\n")
        f.write("monitor:\n  sampler: jmxExporter\n  intervalMs: %d\n  scrapes: 2\n"
                "  windowMs: 60000\n  numWindows: 5\n  endpoints:\n" % INTERVAL_MS)
        for b in range(1, BROKERS + 1):
            f.write("    %d: http://127.0.0.1:%s/metrics\n" % (b, os.environ["JMX_%d" % b]))
    producers = [subprocess.Popen([PRODUCER, BOOTSTRAP, t, str(PARTS[t]), str(RATES[t]), "45",
                                   "1000"], stdout=subprocess.PIPE, text=True)
                 for t in RATES]
    try:
        time.sleep(12)  # producers connected and steady
        snap = os.path.join(work, "snap.json")
        t0 = time.monotonic()
        r = subprocess.run([BALLAST, "snapshot", "--bootstrap", BOOTSTRAP, "--config", cfg,
                            "--out", snap], capture_output=True, text=True)
        took = time.monotonic() - t0
        print(r.stderr, end="")
        check(r.returncode == 0, "ballast snapshot with the monitor succeeds")
        if r.returncode != 0:
            return
        check(took <= 2 * INTERVAL_MS / 1000.0,
              "rates within two scrape intervals of the start (%.1f s <= %.1f s)"
              % (took, 2 * INTERVAL_MS / 1000.0))
    finally:
        for p in producers:
            out, _ = p.communicate(timeout=120)
            print("producer:", out.strip())
            check(p.returncode == 0, "producer delivered every record")

    with open(snap) as f:
        s = json.load(f)
    check(s.get("load", {}).get("monitoredPartitionsPercentage") == 100,
          "load: 100%% of partitions monitored (%s)" % s.get("load"))
    broker_in_model = {b["id"]: 0.0 for b in s["brokers"]}
    expected = {b["id"]: 0.0 for b in s["brokers"]}
    for t in s["topics"]:
        name = t["name"]
        for p in t["partitions"]:
            got = p.get("nwInBytesPerSec", 0.0)
            for b in p["replicas"]:
                broker_in_model[b] += got
            if name not in RATES:
                continue
            want = RATES[name] / PARTS[name]
            for b in p["replicas"]:
                expected[b] += want
            check(within(got, want), "%s-%d nwIn %.0f B/s within 20%% of %.0f"
                  % (name, p["partition"], got, want))
            check(p.get("cpuLeader", 0) > 0, "%s-%d has a leader CPU estimate" % (name, p["partition"]))
    measured = {}
    for m in re.finditer(r"monitor: broker (\d+): bytes in (\d+) B/s \(produce\) \+ (\d+) B/s "
                         r"\(replication\)", r.stderr):
        measured[int(m.group(1))] = int(m.group(2)) + int(m.group(3))
    for b in sorted(expected):
        check(b in measured and within(measured[b], expected[b]),
              "broker %d measured network-in %.0f B/s within 20%% of produced %.0f"
              % (b, measured.get(b, -1), expected[b]))
        check(within(broker_in_model[b], expected[b]),
              "broker %d model network-in %.0f B/s within 20%% of produced %.0f"
              % (b, broker_in_model[b], expected[b]))

    # The plan's network goals act on the estimates: broker 3 carries only beta.
    out_json = os.path.join(work, "plan.json")
    r = subprocess.run([BALLAST, "plan", "--snapshot", snap, "--config", cfg, "--goals",
                        "RackAwareGoal,NetworkInboundCapacityGoal,"
                        "NetworkInboundUsageDistributionGoal", "--skip-hard-goal-check",
                        "--output-json", out_json, "--quiet"], capture_output=True, text=True)
    check(r.returncode == 0, "ballast plan on the sampled snapshot (%s)" % r.stderr.strip())
    if r.returncode != 0:
        return
    with open(out_json) as f:
        plan = json.load(f)
    summ = plan["summary"]
    check(summ["monitoredPartitionsPercentage"] == 100 and
          summ["recentWindows"] == s["load"]["recentWindows"],
          "plan summary reports what backed the loads (%s, %s)"
          % (summ["recentWindows"], summ["monitoredPartitionsPercentage"]))
    check(summ["numReplicaMovements"] > 0, "the plan moves replicas (%d)"
          % summ["numReplicaMovements"])
    goal = [g for g in plan["goalSummary"] if g["goal"].startswith("NetworkInboundUsage")]
    check(goal and goal[0]["status"] != "NO-ACTION",
          "NetworkInboundUsageDistributionGoal acted (%s)" % (goal[0]["status"] if goal else None))
    after = {b["Broker"]: b["LeaderNwInRate"] + b["FollowerNwInRate"]
             for b in plan["loadAfterOptimization"]["brokers"]}
    before3 = broker_in_model[3] / 1024.0
    check(after[3] > before3 * 1.2, "broker 3 network-in rises from %.0f to %.0f KB/s"
          % (before3, after[3]))


if __name__ == "__main__":
    main()
    print("%d failed" % len(failures))
    sys.exit(1 if failures else 0)
