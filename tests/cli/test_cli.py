#!/usr/bin/env python3
"""The ballast command line, as a user runs it: generate -> plan -> JSON files, exit codes,
error messages, modes, determinism. Prints 'N passed, N failed' and exits non-zero on failure."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN = os.environ.get("BALLAST_BIN", "build/cli/ballast")
results = {"passed": 0, "failed": 0}


def run(*args, stdin=None):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, input=stdin, timeout=120)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    if cond:
        results["passed"] += 1
    else:
        results["failed"] += 1
        print(f"FAIL {name}: {detail}", file=sys.stderr)


def strip_times(j):
    for g in j["goalSummary"]:
        g.pop("optimizationTimeMs", None)
    return j


with tempfile.TemporaryDirectory() as d:
    snap = os.path.join(d, "c.json")
    rc, out, err = run("generate", "--seed", "3", "--brokers", "12", "--racks", "3",
                       "--partitions", "600", "--topics", "10", "--broker-skew", "0.8",
                       "--rack-violations", "12", "--new-brokers", "3", "--out", snap)
    check("generate", rc == 0 and os.path.getsize(snap) > 1000, err)
    snapshot = json.load(open(snap))
    before = {(t["name"], p["partition"]): p["replicas"]
              for t in snapshot["topics"] for p in t["partitions"]}

    # full plan with both outputs
    pj, rj = os.path.join(d, "plan.json"), os.path.join(d, "re.json")
    rc, out, err = run("plan", "--snapshot", snap, "--output-json", pj,
                       "--reassignment-json", rj, "--verbose")
    check("plan exit 0", rc == 0, err)
    check("text summary", "rack violations  12 -> 0" in out and "Goals (priority order)" in out, out[:400])
    plan = json.load(open(pj))
    s = plan["summary"]
    for k in ["numReplicaMovements", "dataToMoveMB", "numIntraBrokerReplicaMovements",
              "intraBrokerDataToMoveMB", "numLeaderMovements", "recentWindows",
              "monitoredPartitionsPercentage", "excludedTopics", "excludedBrokersForLeadership",
              "excludedBrokersForReplicaMove", "onDemandBalancednessScoreBefore",
              "onDemandBalancednessScoreAfter", "provisionStatus", "provisionRecommendation"]:
        check(f"summary.{k}", k in s, list(s))
    check("version", plan.get("version") == 1)
    check("lower bound", s["ballast"]["lowerBoundDataToMoveBytes"] <= s["ballast"]["dataToMoveBytes"])
    b0 = plan["loadAfterOptimization"]["brokers"][0]
    for k in ["Host", "Broker", "Rack", "BrokerState", "DiskMB", "DiskPct", "CpuPct",
              "LeaderNwInRate", "FollowerNwInRate", "NwOutRate", "PnwOutRate", "Replicas",
              "Leaders", "DiskCapacityMB", "NetworkInCapacity", "NetworkOutCapacity", "NumCore"]:
        check(f"broker.{k}", k in b0, list(b0))
    check("loadBefore with verbose", "loadBeforeOptimization" in plan and "proposals" in plan)
    g0 = plan["goalSummary"][0]
    check("goal summary", g0["goal"] == "RackAwareGoal" and g0["status"] == "FIXED" and
          set(g0["clusterModelStats"]["statistics"]) == {"AVG", "MAX", "MIN", "STD"}, g0)

    # the reassignment file: changed partitions only, RF kept, distinct brokers
    re = json.load(open(rj))
    check("reassignment version", re["version"] == 1)
    check("reassignment count", len(re["partitions"]) == len(plan["proposals"]),
          (len(re["partitions"]), len(plan["proposals"])))
    for p in re["partitions"]:
        old = before[(p["topic"], p["partition"])]
        if len(p["replicas"]) != len(old) or len(set(p["replicas"])) != len(old):
            check("reassignment RF", False, p)
            break
        if "log_dirs" in p and len(p["log_dirs"]) != len(p["replicas"]):
            check("log_dirs length", False, p)
            break
    else:
        check("reassignment RF and distinct", True)
    moved = sum(1 for p in re["partitions"] for b in p["replicas"]
                if b not in before[(p["topic"], p["partition"])])
    check("moves counted", moved == s["numReplicaMovements"], (moved, s["numReplicaMovements"]))

    # determinism: the same input gives the same plan
    pj2, rj2 = os.path.join(d, "plan2.json"), os.path.join(d, "re2.json")
    run("plan", "--snapshot", snap, "--output-json", pj2, "--reassignment-json", rj2, "--verbose")
    check("reassignment deterministic", open(rj).read() == open(rj2).read())
    check("plan deterministic", strip_times(json.load(open(pj))) == strip_times(json.load(open(pj2))))

    # remove-brokers empties them
    rc, out, err = run("plan", "--snapshot", snap, "--mode", "remove-brokers", "--brokers", "2,6",
                       "--output-json", pj, "--quiet")
    check("remove-brokers exit", rc == 0, err)
    if rc == 0:
        after = {b["Broker"]: b for b in json.load(open(pj))["loadAfterOptimization"]["brokers"]}
        check("removed brokers empty", after[2]["Replicas"] == 0 and after[6]["Replicas"] == 0,
              (after[2]["Replicas"], after[6]["Replicas"]))

    # add-brokers: nothing moves between old brokers (except rack repair)
    rc, out, err = run("plan", "--snapshot", snap, "--mode", "add-brokers", "--brokers", "13,14,15",
                       "--reassignment-json", rj, "--quiet")
    check("add-brokers exit", rc == 0, err)
    if rc == 0:
        bad = [p for p in json.load(open(rj))["partitions"]
               for b in p["replicas"]
               if b < 13 and b not in before[(p["topic"], p["partition"])]
               and len({x % 3 for x in before[(p["topic"], p["partition"])]}) == 3]
        check("add-brokers only onto new", not bad, bad[:3])

    # errors: usage -> 2, failures -> 1, messages name the problem
    rc, out, err = run()
    check("no command", rc == 2 and "usage" in err, err)
    rc, out, err = run("frobnicate")
    check("unknown command", rc == 2 and "unknown command 'frobnicate'" in err, err)
    rc, out, err = run("plan")
    check("missing snapshot", rc == 2 and "--snapshot FILE is required" in err, err)
    rc, out, err = run("plan", "--snapshot", snap, "--mode", "sideways")
    check("bad mode", rc == 2 and "unknown mode 'sideways'" in err, err)
    rc, out, err = run("plan", "--snapshot", snap, "--mode", "remove-brokers")
    check("mode without brokers", rc == 2 and "brokers list is mandatory" in err, err)
    rc, out, err = run("plan", "--snapshot", snap, "--mode", "remove-brokers", "--brokers", "1,x")
    check("bad broker list", rc == 2 and "--brokers" in err, err)
    rc, out, err = run("plan", "--snapshot", snap, "--mode", "remove-brokers", "--brokers", "99")
    check("unknown broker", rc == 2 and "broker 99 does not exist." in err, err)
    rc, out, err = run("plan", "--snapshot", os.path.join(d, "nope.json"))
    check("missing file", rc == 1 and "nope.json" in err, err)
    rc, out, err = run("plan", "--snapshot", snap, "--goals", "RackAwareGoal,FooGoal")
    check("unknown goal", rc == 2 and "unknown goal 'FooGoal'; supported goals:" in err, err)
    rc, out, err = run("plan", "--snapshot", snap, "--bogus")
    check("unknown option", rc == 2 and "--bogus" in err, err)
    bad = os.path.join(d, "bad.json")
    open(bad, "w").write('{"version":1,"brokers":[{"id":1},{"id":2}],"topics":[{"name":"t","partitions":[{"partition":0,"replicas":[1,5]}]}]}')
    rc, out, err = run("plan", "--snapshot", bad)
    check("bad snapshot names place", rc == 1 and "bad.json" in err and "unknown broker 5" in err, err)
    cfg = os.path.join(d, "c.yaml")
    open(cfg, "w").write("thresholds:\n  balance: {disk: 0.5}\n")
    rc, out, err = run("plan", "--snapshot", snap, "--config", cfg)
    check("bad config located", rc == 1 and "c.yaml:2:" in err, err)
    rc, out, err = run("generate", "--brokers", "-3", "--out", "-")
    check("bad generator option", rc == 2 and "--brokers" in err, err)
    rc, out, err = run("plan", "--snapshot", snap, "--excluded-topics", "(")
    check("bad regex is a bad value", rc == 2 and "excluded topics regex '('" in err, err)
    rc, out, err = run("plan", "--snapshot", snap, "--goals", "RackAwareGoal")
    check("hard goal error names the option", rc == 2 and "--skip-hard-goal-check" in err, err)

    # bad input refused with exit 2 and a message naming it, never accepted silently
    refusals = [
        (["--mode", "fix-offline", "--brokers", "3"], "not with --mode fix-offline"),
        (["--goals", "RackAwareGoal,,DiskCapacityGoal"], "empty item"),
        (["--goals", "RackAwareGoal,"], "empty item"),
        (["--mode", "remove-brokers", "--brokers", "1,1"], "broker 1 is listed twice"),
        (["--mode", "full", "--mode", "full"], "option '--mode' is given twice"),
        (["--quiet", "--quiet"], "option '--quiet' is given twice"),
        (["--quiet"], "--quiet without --output-json"),
        (["--output-json", "-", "--reassignment-json", "-"], "cannot both write to stdout"),
    ]
    for args, want in refusals:
        rc, out, err = run("plan", "--snapshot", snap, *args)
        check("refused: " + " ".join(args), rc == 2 and want in err and out == "", (rc, err))
    rc, out, err = run("generate", "--brokers", "3", "--brokers", "4", "--out", "-")
    check("generate: repeated option", rc == 2 and "'--brokers' is given twice" in err, err)
    capcfg = os.path.join(d, "cap.yaml")
    open(capcfg, "w").write('capacity:\n  brokers:\n    "99": {cpu: 100}\n')
    rc, out, err = run("plan", "--snapshot", snap, "--config", capcfg)
    check("capacity for a missing broker", rc == 2 and "cap.yaml" in err and '"99"' in err, err)
    rc, out, err = run("execute", "--help")
    check("execute --help: exit 2 and taskTimeoutMs", rc == 0 and "2 usage error" in out
          and "executor.taskTimeoutMs" in out, out[-300:])

    # data on stdout is the only thing there; the summary goes to stderr
    rc, out, err = run("plan", "--snapshot", snap, "--output-json", "-")
    try:
        j = json.loads(out)
        check("--output-json - is pure JSON", rc == 0 and "summary" in j)
    except ValueError as e:
        check("--output-json - is pure JSON", False, (e, out[:200]))
    check("summary on stderr with --output-json -", "Goals (priority order)" in err, err[:200])
    rc, out, err = run("plan", "--snapshot", snap, "--reassignment-json", "-", "--quiet")
    try:
        check("--reassignment-json - is pure JSON", rc == 0 and json.loads(out)["version"] == 1)
    except ValueError as e:
        check("--reassignment-json - is pure JSON", False, (e, out[:200]))

    # units: the summary is decimal and says so; the JSON is Cruise Control's MB = 2^20
    rc, out, err = run("plan", "--snapshot", snap, "--output-json", pj)
    s2 = json.load(open(pj))["summary"]
    check("summary names its units", "GB = 10^9 bytes, MB/s = 10^6 bytes/s" in out, out[:300])
    gb = "%.2f GB" % (s2["ballast"]["dataToMoveBytes"] / 1e9)
    check("summary bytes are decimal GB", ("(" + gb) in out, (gb, out))
    check("JSON MB are 2^20 bytes",
          abs(s2["dataToMoveMB"] - s2["ballast"]["dataToMoveBytes"] / 2**20) < 1,
          (s2["dataToMoveMB"], s2["ballast"]["dataToMoveBytes"]))
    check("header names the cluster", out.startswith('Cluster "generated": 15 brokers'), out[:80])

    # a snapshot without load data says so instead of showing perfect balance
    noload = json.load(open(snap))
    noload.pop("cluster", None)
    for t in noload["topics"]:
        for p in t["partitions"]:
            for k in ("nwInBytesPerSec", "nwOutBytesPerSec", "cpuLeader", "cpuFollower"):
                p.pop(k, None)
    nl = os.path.join(d, "noload.json")
    json.dump(noload, open(nl, "w"))
    rc, out, err = run("plan", "--snapshot", nl)
    lines = {l.split()[0] + (" " + l.split()[1] if l.split()[0] == "network" else ""): l
             for l in out.splitlines() if l.startswith("  ")}
    check("no load data", rc == 0 and all("no load data" in lines.get(k, "")
                                          for k in ("network in", "network out", "cpu"))
          and "no load data" not in lines.get("disk", "x"), out[:600])
    check("default name not shown", out.startswith("Cluster: 15 brokers"), out[:80])

    # messages: units instead of raw numbers, real paths, locations, the alternatives
    tight = os.path.join(d, "tight.json")
    # 200 MB/s of consumer bytes out over 6 brokers (network out is consumer bytes) > 6 x 0.8 x 30
    run("generate", "--brokers", "6", "--nw-out-capacity-mbps", "30", "--out", tight)
    rc, out, err = run("plan", "--snapshot", tight)
    check("capacity failure in MB/s", rc == 1 and " MB/s of networkOutbound load" in err
          and "e+" not in err, err)
    rc, out, err = run("plan", "--snapshot", tight, "--skip-hard-goal-check", "--output-json", pj,
                       "--quiet")
    s3 = json.load(open(pj))["summary"]
    check("provisionRecommendation says what to add",
          rc == 0 and s3["provisionStatus"] == "UNDER_PROVISIONED"
          and "raise its networkOutbound capacity to at least" in s3["provisionRecommendation"]
          and "more brokers like broker" in s3["provisionRecommendation"], s3["provisionRecommendation"])
    rc, out, err = run("plan", "--snapshot", tight, "--skip-hard-goal-check")
    check("the summary says what to add", rc == 0 and "\nProvision: UNDER_PROVISIONED: "
          "networkOutbound: broker" in out, out[-600:])
    check("no recommendation when it fits", plan["summary"]["provisionRecommendation"] == "")
    rc, out, err = run("generate", "--partitions", "99999999999", "--out", "-")
    check("generator range without exponent", rc == 2 and "1..50000000" in err, err)
    rc, out, err = run("generate", "--out", "/nonexistent-dir/x.json")
    check("generate names the real path", rc == 1 and "/nonexistent-dir/x.json: " in err
          and ".tmp" not in err, err)
    garbage = os.path.join(d, "garbage.json")
    open(garbage, "wb").write(bytes(range(200, 256)) * 4)
    rc, out, err = run("plan", "--snapshot", garbage)
    check("binary garbage located", rc == 1 and "garbage.json:1:1:" in err, err)
    extra = json.load(open(snap))
    extra["brokers"][0]["capacity"]["cpuu"] = 1
    ex = os.path.join(d, "extra.json")
    json.dump(extra, open(ex, "w"))
    rc, out, err = run("plan", "--snapshot", ex)
    check("nested unknown field lists the fields", rc == 1 and "unknown field 'cpuu' (cpu," in err, err)
    for yaml, want in [("executor:\n  taskTimeout: 5\n", "(concurrentPartitionMovementsPerBroker,"),
                       ("kafka:\n  sasl: 1\n", "(bootstrap, clientId"),
                       ("thresholds:\n  foo: 1\n", "(balance, capacity"),
                       ("capacity:\n  default: {disk: 5XB}\n", "TiB, PiB")]:
        open(cfg, "w").write(yaml)
        rc, out, err = run("plan", "--snapshot", snap, "--config", cfg)
        check("config message: " + yaml.split(":")[0], rc == 1 and want in err, err)
    open(cfg, "w").write("goals:\n  - RackAwareGoal\n  - FooGoal\n")
    rc, out, err = run("plan", "--snapshot", snap, "--config", cfg)
    check("unknown goal in the configuration names the file", rc == 1
          and "c.yaml:3:5: unknown goal 'FooGoal'; supported goals: RackAwareGoal" in err, err)
    rc, out, err = run("plan", "--help")
    check("--help says excluded topics' leadership may move",
          "leadership may" in out and "still move" in out, out)
    nocpu = json.load(open(snap))
    for b in nocpu["brokers"]:
        b["capacity"].pop("cpu")
    nc = os.path.join(d, "nocpu.json")
    json.dump(nocpu, open(nc, "w"))
    rc, out, err = run("plan", "--snapshot", nc)
    check("missing capacity names file and fix", rc == 1 and "nocpu.json" in err
          and "no cpu capacity" in err and "capacity.default" in err, err)

    # ballast rebalance --output-json - against a service on the snapshot: stdout is the JSON
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    srv_cfg = os.path.join(d, "serve.yaml")
    open(srv_cfg, "w").write("api:\n  port: %d\nexecutor:\n  stateDir: %s\n"
                             % (port, os.path.join(d, "serve-state")))
    srv = subprocess.Popen([BIN, "serve", "--config", srv_cfg, "--snapshot", snap],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/readyz" % port, timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        url = "http://127.0.0.1:%d" % port
        rc, out, err = run("rebalance", "--server", url, "--output-json", "-")
        answer = {}
        try:
            answer = json.loads(out)
            check("rebalance --output-json - is pure JSON",
                  rc == 0 and "goalSummary" in answer and "proposal " in err, (rc, err))
        except ValueError as e:
            check("rebalance --output-json - is pure JSON", False, (e, out[:200]))
        rc, out, err = run("rebalance", "--server", url)
        mb = "%.1f MB to move" % (answer.get("summary", {}).get("ballast", {})
                                  .get("dataToMoveBytes", -1e6) / 1e6)
        check("rebalance prints decimal MB", rc == 0 and mb in out, (mb, out[:300]))
    finally:
        srv.terminate()
        srv.wait(timeout=30)

    rc, out, err = run("plan", "--help")
    check("plan --help", rc == 0 and "--reassignment-json" in out)
    rc, out, err = run("--version")
    check("version", rc == 0 and out.startswith("ballast "))
    meson_build = open(os.path.join(os.environ["BALLAST_SOURCE_ROOT"], "meson.build")).read()
    want = meson_build.split("version: '", 1)[1].split("'", 1)[0]
    check("version is meson's", out.strip() == "ballast " + want, out)
    rc, out, err = run("execute", "--help")
    check("execute --help shows the executor's own defaults", rc == 0
          and "(default 5)" in out and "(default 2)" in out and "(default 1000)" in out
          and "(default 1250)" in out and "checked (default 1)" in out, out)

    # remove-disks: replicas leave the named log dirs for the broker's other dirs, nothing
    # changes broker; bad --disks is a located usage error; too little room names the numbers
    dirs = [{"path": "/a", "capacityBytes": 1000}, {"path": "/b", "capacityBytes": 1000},
            {"path": "/c", "capacityBytes": 1000}]
    jb = {"version": 1, "defaultCapacity": {"cpu": 100, "numCores": 8, "nwInBytesPerSec": 1e6,
                              "nwOutBytesPerSec": 1e6, "diskBytes": 3000},
          "brokers": [{"id": i, "rack": f"r{i}", "logDirs": dirs} for i in (1, 2, 3)],
          "topics": [{"name": "t", "partitions": [
              {"partition": k, "replicas": [1 + k % 3, 1 + (k + 1) % 3], "sizeBytes": 100,
               "logDirs": [["/a", "/b", "/c"][k % 3]] * 2} for k in range(6)]}]}
    jbs = os.path.join(d, "jbod.json")
    json.dump(jb, open(jbs, "w"))
    rc, out, err = run("plan", "--snapshot", jbs, "--mode", "remove-disks",
                       "--disks", "1:/a,2-1", "--reassignment-json", "-", "--quiet")
    check("remove-disks exit 0", rc == 0, err)
    if rc == 0:
        moved = json.loads(out)["partitions"]
        check("remove-disks: no broker change", all(
            p["replicas"] == jb["topics"][0]["partitions"][p["partition"]]["replicas"]
            for p in moved), moved)
        left = {(b, p["partition"]) for p in moved for b, d_ in zip(p["replicas"], p["log_dirs"])
                if d_ != "any"}
        on_a1 = {(1, p["partition"]) for p in jb["topics"][0]["partitions"]
                 if 1 in p["replicas"] and p["logDirs"][0] == "/a"}
        on_b2 = {(2, p["partition"]) for p in jb["topics"][0]["partitions"]
                 if 2 in p["replicas"] and p["logDirs"][0] == "/b"}
        check("remove-disks: every replica off 1:/a and 2:/b moves", left == on_a1 | on_b2,
              (left, on_a1, on_b2))
        check("remove-disks: none into a removed dir", all(
            not (b == 1 and d_ == "/a") and not (b == 2 and d_ == "/b")
            for p in moved for b, d_ in zip(p["replicas"], p["log_dirs"])), moved)
    rc, out, err = run("plan", "--snapshot", jbs, "--mode", "remove-disks", "--disks", "1:/a,x:/b")
    check("remove-disks bad --disks", rc == 2 and "item 2 'x:/b' (offset 5)" in err, err)
    rc, out, err = run("plan", "--snapshot", jbs, "--mode", "remove-disks")
    check("remove-disks without --disks", rc == 2 and "--disks" in err, err)
    rc, out, err = run("plan", "--snapshot", jbs, "--disks", "1:/a")
    check("--disks without remove-disks", rc == 2 and "--mode remove-disks" in err, err)
    rc, out, err = run("plan", "--snapshot", jbs, "--mode", "remove-disks", "--disks", "1:/z")
    check("remove-disks unknown dir", rc == 2 and "broker 1 has no log dir '/z'" in err, err)
    rc, out, err = run("plan", "--snapshot", jbs, "--mode", "remove-disks",
                       "--disks", "3:/a,3:/b,3:/c")
    check("remove-disks all dirs", rc == 2 and "broker 3 would be left with no online log dir"
          in err, err)
    for p in jb["topics"][0]["partitions"]:
        p["sizeBytes"] = 420
    json.dump(jb, open(jbs, "w"))
    rc, out, err = run("plan", "--snapshot", jbs, "--mode", "remove-disks", "--disks", "1:/a")
    check("remove-disks no room", rc == 1 and "broker 1: the replicas on log dirs /a need 840 "
          "bytes, but its other log dirs /b, /c have 800 bytes free below the 80% disk capacity "
          "threshold" in err, err)

    # --log-level anywhere on the line, and BALLAST_LOG; bad values are usage errors
    rc, out, err = run("plan", "--log-level", "debug", "--help")
    check("--log-level is taken before the command sees it", rc == 0 and "--reassignment-json" in out, err)
    rc, out, err = run("--log-level=warn", "--version")
    check("--log-level=LEVEL", rc == 0 and out.startswith("ballast "), err)
    rc, out, err = run("--log-level", "loud", "--version")
    check("bad --log-level", rc == 2 and "expected error, warn, info or debug" in err, err)
    rc, out, err = run("--log-level")
    check("--log-level without a value", rc == 2 and "needs a value" in err, err)
    os.environ["BALLAST_LOG"] = "chatty"
    rc, out, err = run("--version")
    check("bad BALLAST_LOG", rc == 2 and "BALLAST_LOG='chatty'" in err, err)
    os.environ["BALLAST_LOG"] = "debug"
    rc, out, err = run("--version")
    check("BALLAST_LOG=debug", rc == 0, err)
    del os.environ["BALLAST_LOG"]

print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
