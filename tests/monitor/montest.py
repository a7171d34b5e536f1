"""Shared by the load monitor's cluster tests (run by with-cluster.sh, 3 brokers): checks that
print ok/FAIL, the two topics and their producers, the monitor's config stanza for the
exporters, and the checks of a sampled snapshot against the produced rates.

Topic 'alpha' (4 partitions, replicas on brokers 1 and 2 only) gets 2 MB/s and topic 'beta'
(2 partitions on all three brokers) 0.5 MB/s."""
import json
import os
import re
import subprocess

BALLAST = os.environ["BALLAST_BIN"]
PRODUCER = os.environ["MON_PRODUCER_BIN"]
CLUSTER_DIR = os.environ["CLUSTER_DIR"]
BOOTSTRAP = os.environ["BOOTSTRAP"]
BROKERS = int(os.environ["BROKERS"])
CLUSTER_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kafka",
                          "cluster.sh")
RATES = {"alpha": 2_000_000, "beta": 500_000}
PARTS = {"alpha": 4, "beta": 2}
CAPACITY = ("capacity:\n  default: {cpu: 100, numCores: 1, networkIn: 10MB/s, "
            "networkOut: 20MB/s}\n")
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


def create_topics():
    assert BROKERS == 3, "the test expects 3 brokers"
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOTSTRAP, "--create",
         "--topic", "alpha", "--replica-assignment", "1:2,2:1,1:2,2:1")
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOTSTRAP, "--create",
         "--topic", "beta", "--replica-assignment", "1:2:3,3:1:2")


def start_producers(seconds, logdir=None):
    """One paced producer per topic; with logdir each logs its acknowledged bytes there."""
    procs = []
    for t in RATES:
        env = dict(os.environ)
        if logdir:
            env["MON_PRODUCER_LOG"] = os.path.join(logdir, "produced-%s.log" % t)
        procs.append(subprocess.Popen([PRODUCER, BOOTSTRAP, t, str(PARTS[t]), str(RATES[t]),
                                       str(seconds), "1000"], stdout=subprocess.PIPE,
                                      text=True, env=env))
    return procs


def produced_rates(logdir, start, end):
    """Each topic's rate actually acknowledged between the epoch times start and end (from the
    producers' logs, interpolated), or the target rate where there is no log."""
    rates = {}
    for t in RATES:
        path = os.path.join(logdir, "produced-%s.log" % t) if logdir else None
        pts = []
        if path and os.path.exists(path):
            with open(path) as f:
                pts = [tuple(map(float, line.split())) for line in f if len(line.split()) == 2]

        def at(x):
            for (t0, b0), (t1, b1) in zip(pts, pts[1:]):
                if t0 <= x <= t1:
                    return b0 + (b1 - b0) * (x - t0) / (t1 - t0) if t1 > t0 else b1
            return None
        a, b = at(start), at(end)
        rates[t] = (b - a) / (end - start) if a is not None and b is not None and end > start \
            else RATES[t]
        print("produced: %s %.0f B/s acknowledged over the measured %.1f s (target %d)"
              % (t, rates[t], end - start, RATES[t]), flush=True)
    return rates


def endpoints_yaml():
    return "  endpoints:\n" + "".join("    %d: http://127.0.0.1:%s/metrics\n"
                                      % (b, os.environ["JMX_%d" % b])
                                      for b in range(1, BROKERS + 1))


def check_snapshot(snap, stderr, rates=None):
    """The sampled snapshot against the produced rates (those acknowledged over the measured
    interval when given, else the targets): 100 % monitored, every partition's nwIn and every
    broker's measured and model network-in within 20 %. Returns the snapshot and each
    broker's model network-in."""
    rates = rates or RATES
    with open(snap) as f:
        s = json.load(f)
    check(s.get("load", {}).get("monitoredPartitionsPercentage") == 100,
          "load: 100%% of partitions monitored (%s)" % s.get("load"))
    model_in = {b["id"]: 0.0 for b in s["brokers"]}
    expected = {b["id"]: 0.0 for b in s["brokers"]}
    for t in s["topics"]:
        for p in t["partitions"]:
            got = p.get("nwInBytesPerSec", 0.0)
            for b in p["replicas"]:
                model_in[b] += got
            if t["name"] not in RATES:
                continue
            want = rates[t["name"]] / PARTS[t["name"]]
            for b in p["replicas"]:
                expected[b] += want
            check(within(got, want), "%s-%d nwIn %.0f B/s within 20%% of %.0f"
                  % (t["name"], p["partition"], got, want))
            check(p.get("cpuLeader", 0) > 0,
                  "%s-%d has a leader CPU estimate" % (t["name"], p["partition"]))
    measured = {}
    for m in re.finditer(r"monitor: broker (\d+): bytes in (\d+) B/s \(produce\) \+ (\d+) B/s "
                         r"\(replication\)", stderr):
        measured[int(m.group(1))] = int(m.group(2)) + int(m.group(3))
    for b in sorted(expected):
        check(b in measured and within(measured[b], expected[b]),
              "broker %d measured network-in %.0f B/s within 20%% of produced %.0f"
              % (b, measured.get(b, -1), expected[b]))
        check(within(model_in[b], expected[b]),
              "broker %d model network-in %.0f B/s within 20%% of produced %.0f"
              % (b, model_in[b], expected[b]))
    return s, model_in
