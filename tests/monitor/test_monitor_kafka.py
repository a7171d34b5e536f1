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
Then, on the same cluster, `ballast serve` with the sampler (test_serve_monitor.py).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from montest import (BALLAST, BOOTSTRAP, CAPACITY, check, check_snapshot,  # noqa: E402
                     create_topics, endpoints_yaml, failures, produced_rates, start_producers)

INTERVAL_MS = 5000


def main():
    create_topics()
    work = tempfile.mkdtemp(prefix="ballast-mon.")
    cfg = os.path.join(work, "ballast.yaml")
    with open(cfg, "w") as f:
        f.write(CAPACITY)
        f.write("monitor:\n  sampler: jmxExporter\n  intervalMs: %d\n  scrapes: 2\n"
                "  windowMs: 60000\n  numWindows: 5\n" % INTERVAL_MS + endpoints_yaml())
    producers = start_producers(45, work)
    try:
        time.sleep(12)  # producers connected and steady
        snap = os.path.join(work, "snap.json")
        t0 = time.monotonic()
        wall0 = time.time()
        r = subprocess.run([BALLAST, "snapshot", "--bootstrap", BOOTSTRAP, "--config", cfg,
                            "--out", snap], capture_output=True, text=True)
        took = time.monotonic() - t0
        wall1 = time.time()
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

    # the rates rest on the interval between the two scrape rounds: compare over that
    ends = [float(x) for x in re.findall(r"monitor: scrape \d+ of \d+: .*\(([\d.]+) s after start\)",
                                         r.stderr)]
    a, b = (wall0 + ends[0], wall0 + ends[-1]) if len(ends) >= 2 else (wall0, wall1)
    s, broker_in_model = check_snapshot(snap, r.stderr, produced_rates(work, a, b))

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
    import test_serve_monitor  # the service with the sampler, on the same cluster
    test_serve_monitor.main()
    print("%d failed" % len(failures))
    sys.exit(1 if failures else 0)
