#!/usr/bin/env python3
"""End to end on a real multi-rack Kafka cluster (run under tests/kafka/with-cluster.sh):

1. create a skewed topic and a rack-violating one, produce records with checkable content;
2. snapshot the cluster with `ballast snapshot` (Ballast's own admin wire client: Metadata and
   DescribeLogDirs) and check it against one built from Kafka's own tools;
3. `ballast plan` it: Cruise Control's JSON and Kafka's reassignment file;
4. execute the file with `ballast execute` (throttled moves, then preferred leaders) and show
   replicas and leaders per broker before and after;
5. check: the placement is exactly the plan, no rack violation is left, every record is
   intact, and no throttle config remains.

This test proves the snapshot Ballast takes is exact and that Ballast's executor carries the
plan out safely on real Kafka; tests/kafka/test_execute.py covers kill, resume, stop, broker
restarts and throttle accuracy.

The cluster's Kafka version and mode come from cluster.sh (BALLAST_KAFKA_VERSION,
BALLAST_KAFKA_MODE; scripts/test-matrix.sh runs every supported one). With the JMX exporter
(cluster.sh --jmx-exporter, JMX_<id> set) it also checks that each broker's page has the
metric names Ballast's jmxExporter sampler reads, naming any it could not find, and that a
sampled `ballast snapshot` measures every broker.
Prints 'N passed, N failed'."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kt import (BALLAST, BOOT, CLUSTER, HERE, NBROKERS, RECORDS, check, finish,  # noqa: E402
                results, tool)

def describe():
    """{(topic, partition): (replicas, leader, isr)} from TopicCommand --describe."""
    out = tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--describe",
               "--exclude-internal")
    parts = {}
    for line in out.splitlines():
        m = re.search(r"Topic: (\S+)\s+Partition: (\d+)\s+Leader: (-?\d+|none)\s+Replicas: ([\d,]+)"
                      r"\s+Isr: ([\d,]*)", line)
        if m:
            leader = -1 if m.group(3) == "none" else int(m.group(3))
            parts[(m.group(1), int(m.group(2)))] = (
                [int(x) for x in m.group(4).split(",")], leader,
                [int(x) for x in m.group(5).split(",") if x])
    return parts


def racks():
    out = tool("org.apache.kafka.tools.BrokerApiVersionsCommand", "--bootstrap-server", BOOT)
    # "(id: 1 rack: r0) -> (" up to 3.9, "(id: 1 rack: r0 isFenced: false) -> (" in 4.x
    return {int(m.group(1)): m.group(2)
            for m in re.finditer(r"\(id: (\d+) rack: ([^\s)]+)", out)}


def throttles():
    """Dynamic throttle configs of brokers and topics, as Kafka's ConfigCommand shows them."""
    cfg = tool("kafka.admin.ConfigCommand", "--bootstrap-server", BOOT, "--describe",
               "--entity-type", "brokers", "--all", check_rc=False) + \
        tool("kafka.admin.ConfigCommand", "--bootstrap-server", BOOT, "--describe",
             "--entity-type", "topics", check_rc=False)
    return [line for line in cfg.splitlines()
            if "throttled" in line and "=" in line and "DYNAMIC" in line]


def log_dirs():
    out = tool("org.apache.kafka.tools.LogDirsCommand", "--bootstrap-server", BOOT, "--describe",
               "--broker-list", ",".join(str(b) for b in range(1, NBROKERS + 1)))
    doc = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    dirs, sizes = {}, {}
    for b in doc["brokers"]:
        dirs[b["broker"]] = [d["logDir"] for d in b["logDirs"]]
        for d in b["logDirs"]:
            for p in d["partitions"]:
                topic, part = p["partition"].rsplit("-", 1)
                sizes[(topic, int(part), b["broker"])] = (p["size"], d["logDir"])
    return dirs, sizes


def snapshot(path):
    r, (dirs, sizes), parts = racks(), log_dirs(), describe()
    brokers = [{"id": b, "rack": r[b], "host": "127.0.0.1",
                "logDirs": [{"path": d} for d in sorted(dirs[b])]} for b in sorted(r)]
    topics = {}
    for (t, p), (reps, leader, isr) in sorted(parts.items()):
        if t.startswith("__"):
            continue
        topics.setdefault(t, []).append({
            "partition": p, "replicas": reps, "leader": leader, "isr": isr,
            "logDirs": [sizes[(t, p, b)][1] for b in reps],
            "replicaSizeBytes": [sizes[(t, p, b)][0] for b in reps]})
    snap = {"version": 1, "cluster": "local",
            "defaultCapacity": {"cpu": 100, "numCores": 2, "diskBytes": 10 ** 10,
                                "nwInBytesPerSec": 10 ** 8, "nwOutBytesPerSec": 10 ** 8},
            "brokers": brokers,
            "topics": [{"name": t, "partitions": ps} for t, ps in sorted(topics.items())]}
    with open(path, "w") as f:
        json.dump(snap, f, indent=1)
    return snap


# The names Ballast's jmxExporter sampler reads (monitor/scrape.c, mon_default_metric_names).
SAMPLER_NAMES = ["kafka_server_brokertopicmetrics_bytesin_total",
                 "kafka_server_brokertopicmetrics_bytesout_total",
                 "kafka_server_brokertopicmetrics_replicationbytesin_total",
                 "kafka_server_brokertopicmetrics_replicationbytesout_total",
                 "kafka_log_log_size", "process_cpu_seconds_total"]


def check_jmx_exporter(work, cfg_path):
    """Each broker's /metrics has the sampler's names (per-topic bytes-in for the produced topic,
    log sizes per partition); a snapshot with the jmxExporter sampler measures every broker."""
    import urllib.request
    version = os.environ.get("KAFKA_VERSION", "?")
    for b in range(1, NBROKERS + 1):
        page = urllib.request.urlopen(f"http://127.0.0.1:{os.environ[f'JMX_{b}']}/metrics",
                                      timeout=10).read().decode()
        names = {line.split("{")[0].split(" ")[0] for line in page.splitlines()
                 if line and not line.startswith("#")}
        missing = [n for n in SAMPLER_NAMES if n not in names]
        check(f"Kafka {version} broker {b}: the JMX exporter page has every name the sampler "
              f"reads", not missing, f"not found: {missing}")
        if b <= 3:  # the skewed topic's leaders: bytes in per topic, log size per partition
            check(f"broker {b}: per-topic bytes-in and per-partition log size of 'skewed'",
                  re.search(r'^kafka_server_brokertopicmetrics_bytesin_total\{[^}]*topic="skewed"',
                            page, re.M) and
                  re.search(r'^kafka_log_log_size\{[^}]*topic="skewed"', page, re.M))
    endpoints = "".join(f"    {b}: http://127.0.0.1:{os.environ[f'JMX_{b}']}/metrics\n"
                        for b in range(1, NBROKERS + 1))
    jcfg = os.path.join(work, "ballast-jmx.yaml")
    with open(cfg_path) as f, open(jcfg, "w") as g:
        g.write(f.read() + "monitor:\n  sampler: jmxExporter\n  intervalMs: 2000\n  scrapes: 2\n"
                "  endpoints:\n" + endpoints)
    p = subprocess.run([BALLAST, "snapshot", "--bootstrap", BOOT, "--config", jcfg, "--out",
                        os.path.join(work, "snapshot-jmx.json")], capture_output=True, text=True,
                       timeout=120)
    measured = set(int(m) for m in re.findall(r"monitor: broker (\d+): bytes in", p.stderr))
    check("ballast snapshot with the jmxExporter sampler measures every broker",
          p.returncode == 0 and measured == set(range(1, NBROKERS + 1)),
          (p.returncode, sorted(measured), p.stderr[-800:]))
    # the sampler itself names any name it reads that a broker's page lacks (monitor.c)
    lacks = re.findall(r"monitor: broker \d+: \S+ has no [^(]*", p.stderr)
    check(f"Kafka {version}: the jmxExporter sampler found every name it reads on every page",
          p.returncode == 0 and not lacks, lacks)


def show_before_after(before, after, rk):
    """Replicas and leaders per broker, and rack violations, before and after."""
    def per_broker(parts):
        reps, leads = {}, {}
        for (t, _), (replicas, leader, _) in parts.items():
            if t.startswith("__"):
                continue
            for b in replicas:
                reps[b] = reps.get(b, 0) + 1
            leads[leader] = leads.get(leader, 0) + 1
        return reps, leads
    def violations(parts):
        return sum(1 for (t, _), (r, _, _) in parts.items()
                   if not t.startswith("__") and len({rk[b] for b in r}) < len(r))
    (rb, lb), (ra, la) = per_broker(before), per_broker(after)
    print("broker  rack  replicas before -> after  leaders before -> after", file=sys.stderr)
    for b in sorted(rk):
        print(f"{b:6d}  {rk[b]:4s}  {rb.get(b, 0):15d} -> {ra.get(b, 0):<5d}  "
              f"{lb.get(b, 0):14d} -> {la.get(b, 0)}", file=sys.stderr)
    print(f"rack violations: {violations(before)} -> {violations(after)}", file=sys.stderr)


def main():
    # E2E_WORK (the demo's): keep the snapshot, plan and reassignment there; else a temporary
    # folder (inside the cluster's, under with-cluster.sh)
    work = os.environ.get("E2E_WORK") or tempfile.mkdtemp(prefix="ballast-e2e.")
    os.makedirs(work, exist_ok=True)
    r = racks()
    out = tool("org.apache.kafka.tools.BrokerApiVersionsCommand", "--bootstrap-server", BOOT)
    used = re.findall(r"\t((?:ApiVersions|Metadata|DescribeLogDirs|DescribeCluster|DescribeConfigs|"
                      r"ElectLeaders|AlterPartitionReassignments|ListPartitionReassignments)"
                      r"\(\d+\): [^,]*)",
                      out.split(") -> (")[1] if ") -> (" in out else "")
    print(f"Kafka {os.environ.get('KAFKA_VERSION', '?')} ({os.environ.get('KAFKA_MODE', 'kraft')}),"
          f" a broker's versions of the APIs Ballast uses: {'; '.join(used)}", file=sys.stderr)
    check("cluster has every broker with its rack", len(r) == NBROKERS and
          set(r.values()) == {"r0", "r1", "r2"}, r)
    # skewed: every partition on brokers 1,2,3 (racks r0,r1,r2); violating: 1 and 4 share r0
    skew = ",".join(["1:2:3", "2:3:1", "3:1:2"] * 4)
    viol = ",".join(["1:4:2", "4:1:3", "1:4:3"] * 2)
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--create",
         "--topic", "skewed", "--replica-assignment", skew)
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--create",
         "--topic", "violating", "--replica-assignment", viol)
    for topic, parts, n in (("skewed", 12, 2400), ("violating", 6, 600)):
        p = subprocess.run([RECORDS, "produce", BOOT, topic, str(parts), str(n), "8192"],
                           capture_output=True, text=True, timeout=120)
        check(f"produce {topic}", p.returncode == 0, p.stderr)

    tools_path = os.path.join(work, "tools-snapshot.json")
    snap = snapshot(tools_path)
    total = sum(sum(p["replicaSizeBytes"]) for t in snap["topics"] for p in t["partitions"])
    check("snapshot holds the produced bytes", total >= 3 * 3000 * 8192, total)

    # Ballast's own snapshot, over its admin wire client, must agree with Kafka's tools.
    snap_path = os.path.join(work, "snapshot.json")
    cfg_path = os.path.join(work, "ballast.yaml")
    with open(cfg_path, "w") as f:
        f.write("capacity:\n  default: {cpu: 100, networkIn: 100MB/s, networkOut: 100MB/s, "
                "disk: 100GB}\n")
    if os.environ.get("JMX_1"):
        check_jmx_exporter(work, cfg_path)
    p = subprocess.run([BALLAST, "snapshot", "--bootstrap", BOOT, "--config", cfg_path,
                        "--out", snap_path], capture_output=True, text=True, timeout=120)
    check("ballast snapshot", p.returncode == 0, p.stderr)
    own = json.load(open(snap_path))
    check("same brokers and racks", [(b["id"], b["rack"]) for b in own["brokers"]] ==
          [(b["id"], b["rack"]) for b in snap["brokers"]])
    def parts(s):
        out = {}
        for t in s["topics"]:
            if t["name"].startswith("__"):
                continue
            for q in t["partitions"]:
                sizes = q.get("replicaSizeBytes") or [q.get("sizeBytes", 0)] * len(q["replicas"])
                out[(t["name"], q["partition"])] = (q["replicas"], q["leader"], sorted(q["isr"]),
                                                    sizes, q.get("logDirs"))
        return out
    a, b = parts(own), parts(snap)
    diff = [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    check("replicas, leaders, ISR, sizes and log dirs match Kafka's tools", not diff, diff[:2])

    plan_path, re_path = os.path.join(work, "plan.json"), os.path.join(work, "reassign.json")
    p = subprocess.run([BALLAST, "plan", "--snapshot", snap_path, "--config", cfg_path,
                        "--output-json", plan_path, "--reassignment-json", re_path, "--verbose"],
                       capture_output=True, text=True, timeout=120)
    print(p.stdout, file=sys.stderr)
    if not check("ballast plan", p.returncode == 0, p.stderr):
        return
    plan = json.load(open(plan_path))
    reassign = json.load(open(re_path))
    check("plan fixes the rack violations",
          plan["summary"]["ballast"]["rackViolationsBefore"] == 6 and
          plan["summary"]["ballast"]["rackViolationsAfter"] == 0, plan["summary"]["ballast"])
    check("plan moves replicas", plan["summary"]["numReplicaMovements"] > 0)

    before = describe()
    check("no throttle before the execution", not throttles(), throttles()[:3])
    t0 = time.time()
    state = os.path.join(work, "state")
    p = subprocess.run([BALLAST, "execute", re_path, "--bootstrap", BOOT, "--state-dir", state,
                        "--throttle", "50MB"], capture_output=True, text=True, timeout=600)
    print(p.stderr[-3000:] + p.stdout, file=sys.stderr)
    check("ballast execute completes the plan", p.returncode == 0, p.stderr[-1500:])
    exec_log = p.stderr
    print(f"execution of {plan['summary']['ballast']['dataToMoveBytes'] / 1e6:.1f} MB "
          f"(10^6 bytes) took {time.time() - t0:.1f}s",
          file=sys.stderr)
    show_before_after(before, describe(), racks())

    now = describe()
    want = {(p["topic"], p["partition"]): p["replicas"] for p in reassign["partitions"]}
    wrong = [(k, now[k][0], v) for k, v in want.items() if now[k][0] != v]
    check("placement equals the plan", not wrong, wrong[:3])
    rk = racks()
    viol_after = [k for k, (reps, _, _) in now.items()
                  if not k[0].startswith("__") and len({rk[b] for b in reps}) < len(reps)]
    check("no rack violation left", not viol_after, viol_after[:3])
    leaders_off = [k for k, (reps, leader, _) in now.items()
                   if k in want and leader != reps[0]]
    check("preferred leaders elected", not leaders_off, leaders_off[:3])

    for topic, parts, n in (("skewed", 12, 2400), ("violating", 6, 600)):
        p = subprocess.run([RECORDS, "verify", BOOT, topic, str(parts), str(n)],
                           capture_output=True, text=True, timeout=120)
        check(f"every record of {topic} intact", p.returncode == 0, p.stdout + p.stderr)

    left = throttles()
    check("no throttle left behind", not left, left[:3])
    check("the execution throttled every broker itself (none was taken for another tool's)",
          "already has a replication throttle" not in exec_log,
          [x for x in exec_log.splitlines() if "already has" in x][:2])


try:
    main()
except Exception as e:  # a tool failing is a test failure with its message
    check("e2e", False, repr(e))
finish()
