"""Sampler (c) on a real cluster (with-cluster.sh, 3 brokers). CruiseControlMetricsReporter is
not on Maven Central, so cc_producer stands in for it: it writes the reporter's binary records
(gzip, keys and timestamps as the reporter sets them) to __CruiseControlMetrics (2
partitions) every 10 s over the last 50 s, describing the load montest's placement would carry
(alpha 2 MB/s, beta 0.5 MB/s; alpha-0 growing three times as fast as alpha-2), plus records
older than the lookback, one malformed record and one of a raw type from a newer reporter.

`ballast snapshot` with `sampler: cruiseControlMetrics` must read them back through librdkafka:
every partition's nwInBytesPerSec and each broker's produce + replication bytes-in within 1 %
of what the records say, 100 % of partitions monitored, the malformed and newer records counted
and named in warnings, the old records left out."""
import json
import os
import re
import subprocess
import sys
import tempfile

from montest import (BALLAST, BOOTSTRAP, CAPACITY, check, create_topics, failures, tool,
                     within)

CC_PRODUCER = os.environ["CC_PRODUCER_BIN"]
TOPIC = "__CruiseControlMetrics"
# broker -> (produce bytes-in, replication bytes-in), from montest's placement
BROKER_IN = {1: (1_250_000, 1_250_000), 2: (1_000_000, 1_500_000), 3: (250_000, 250_000)}
# (broker, topic) -> produce bytes-in of the partitions it leads
TOPIC_IN = {(1, "alpha"): 1_000_000, (2, "alpha"): 1_000_000, (1, "beta"): 250_000,
            (3, "beta"): 250_000}
# (broker, topic, partition) -> log growth, bytes/s (leaders only matter)
GROWTH = {(1, "alpha", 0): 750_000, (1, "alpha", 2): 250_000, (2, "alpha", 1): 500_000,
          (2, "alpha", 3): 500_000, (1, "beta", 0): 250_000, (3, "beta", 1): 250_000}
WANT = {("alpha", 0): 750_000, ("alpha", 1): 500_000, ("alpha", 2): 250_000,
        ("alpha", 3): 500_000, ("beta", 0): 250_000, ("beta", 1): 250_000}


def spec():
    lines = []
    for age in list(range(50_000, -1, -10_000)) + [36_000_000]:  # the last: 10 h old
        scale = 100 if age > 1_000_000 else 1  # old records would spoil the rates
        for b, (p, r) in BROKER_IN.items():
            lines.append("0 0 %d %d - -1 %f" % (age, b, p * scale))
            lines.append("0 6 %d %d - -1 %f" % (age, b, r * scale))
            lines.append("0 5 %d %d - -1 0.2" % (age, b))
            lines.append("0 19 %d %d - -1 0.9" % (age, b))  # not used by Ballast
        for (b, t), v in TOPIC_IN.items():
            lines.append("1 2 %d %d %s -1 %f" % (age, b, t, v * scale))
        for (b, t, p), g in GROWTH.items():
            lines.append("2 4 %d %d %s %d %f" % (age, b, t, p, 1e9 + g * (60_000 - age) / 1000.0))
    old = [l for l in lines if " 36000000 " in l]
    lines = old + [l for l in lines if l not in old]  # old ones first in the log
    lines.append("RAW 0000000000")  # malformed: cut short
    lines.append("RAW 00002b%s%s%s" % ("00" * 7 + "01", "00000001", "3ff0000000000000"))
    return "\n".join(lines) + "\n"


def main():
    create_topics()
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOTSTRAP, "--create",
         "--topic", TOPIC, "--partitions", "2", "--replication-factor", "1")
    r = subprocess.run([CC_PRODUCER, BOOTSTRAP, TOPIC], input=spec(), capture_output=True,
                       text=True)
    print(r.stdout + r.stderr, end="")
    check(r.returncode == 0, "cc_producer wrote the records")
    work = tempfile.mkdtemp(prefix="ballast-ccm.")
    cfg = os.path.join(work, "ballast.yaml")
    with open(cfg, "w") as f:
        f.write(CAPACITY)
        f.write("monitor:\n  sampler: cruiseControlMetrics\n  scrapes: 1\n  windowMs: 60000\n"
                "  numWindows: 5\n  timeoutMs: 20000\n  cruiseControlMetrics:\n"
                "    lookbackMs: 120000\n")
    snap = os.path.join(work, "snap.json")
    r = subprocess.run([BALLAST, "snapshot", "--bootstrap", BOOTSTRAP, "--config", cfg,
                        "--out", snap], capture_output=True, text=True)
    print(r.stderr, end="")
    check(r.returncode == 0, "ballast snapshot with the cruiseControlMetrics sampler succeeds")
    if r.returncode != 0:
        return
    check(re.search(r"1 malformed record.*partition \d offset \d+: byte 5: record ends inside",
                    r.stderr) is not None, "the malformed record is counted and named")
    check(re.search(r"1 record.* newer", r.stderr) is not None,
          "the record of a newer raw type is counted")
    with open(snap) as f:
        s = json.load(f)
    check(s.get("load", {}).get("monitoredPartitionsPercentage") == 100,
          "load: 100%% of partitions monitored (%s)" % s.get("load"))
    for t in s["topics"]:
        for p in t["partitions"]:
            want = WANT.get((t["name"], p["partition"]))
            if want is None:
                continue
            got = p.get("nwInBytesPerSec", 0.0)
            check(within(got, want, 0.01), "%s-%d nwIn %.0f B/s within 1%% of %.0f"
                  % (t["name"], p["partition"], got, want))
            check(p.get("cpuLeader", 0) > 0,
                  "%s-%d has a leader CPU estimate" % (t["name"], p["partition"]))
    for m in re.finditer(r"monitor: broker (\d+): bytes in (\d+) B/s \(produce\) \+ (\d+) B/s "
                         r"\(replication\)", r.stderr):
        b, got_p, got_r = int(m.group(1)), int(m.group(2)), int(m.group(3))
        check(within(got_p, BROKER_IN[b][0], 0.01) and within(got_r, BROKER_IN[b][1], 0.01),
              "broker %d bytes in %d + %d B/s as reported (%d + %d)"
              % (b, got_p, got_r, BROKER_IN[b][0], BROKER_IN[b][1]))
    check(len(re.findall(r"monitor: broker \d+: bytes in", r.stderr)) == 3,
          "every broker has rates")


if __name__ == "__main__":
    main()
    print("%d failed" % len(failures))
    sys.exit(1 if failures else 0)
