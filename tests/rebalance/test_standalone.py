#!/usr/bin/env python3
"""KafkaRebalance resources in standalone mode, through the CLI (`ballast rebalance apply|get|
approve|refresh|stop|delete`) against `ballast serve --snapshot` (suite cli; no Kafka, so an
approved proposal cannot execute and ends NotReady with the service's reason; the real-Kafka
flows are in test_kafka.py). Checks the states, the annotations consumed or kept with a
Warning, a spec edit acting as refresh, an invalid spec, pause, templates, the schema checks,
and a restart that loses nothing. Prints 'N passed, N failed'."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from krlib import (BIN, Ballast, check, condition, finish, free_port, manifest, sh, state_of,
                   wait_for)


def start(d, port):
    log = open(os.path.join(d, "serve.log"), "a")
    return subprocess.Popen([BIN, "serve", "--snapshot", os.path.join(d, "snap.json"),
                             "--state-dir", os.path.join(d, "state"), "--port", str(port),
                             "--auto-rebalance", "my-cluster",
                             "--auto-template-remove", "remove-template"],
                            stdout=log, stderr=subprocess.STDOUT)


def pass_while_planning(d):
    """A reconcile pass while a proposal is still being computed: the second apply wakes the
    controller at once, and it reads the first resource's running task, which has no
    httpStatus yet (converting that NaN to int aborted the service under UBSan; the
    Kubernetes test hung on it). 8000 partitions make the plan take long enough."""
    d = os.path.join(d, "early")
    os.mkdir(d)
    p = sh(BIN, "generate", "--seed", "3", "--brokers", "6", "--racks", "3", "--partitions",
           "8000", "--topics", "6", "--broker-skew", "0.7", "--out", os.path.join(d, "snap.json"))
    port = free_port()
    proc = start(d, port)
    b = Ballast(f"http://127.0.0.1:{port}")
    wait_for(lambda: b.run("get").returncode, lambda rc: rc == 0, 30)
    for n in ("early-a", "early-b"):
        b.apply(manifest(n, "\n  skipHardGoalCheck: true"))
    r = wait_for(lambda: b.get("early-a"), lambda o: state_of(o) == "ProposalReady", 60)
    alive = proc.poll() is None
    if alive:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    log = open(os.path.join(d, "serve.log")).read()
    check("a pass while a proposal is computed: the service lives on, no sanitizer report",
          alive and state_of(r) == "ProposalReady" and "runtime error" not in log and
          "Sanitizer" not in log, log[-2000:])


def remove_disks(d):
    """mode remove-disks: moveReplicasOffVolumes' volume ids are the broker's log dirs by
    position. On a roomy snapshot (2 dirs per broker), volume 1 of broker 5 and volume 0 of
    broker 1: the proposal moves exactly the replicas of those dirs to the broker's other dir
    and nothing else; approved, it is executed (refused on a snapshot), not taken for an
    empty proposal."""
    d = os.path.join(d, "disks")
    os.mkdir(d)
    snap = os.path.join(d, "snap.json")
    sh(BIN, "generate", "--seed", "3", "--brokers", "6", "--racks", "3", "--partitions", "300",
       "--topics", "6", "--disk-util", "0.2", "--out", snap)
    model = json.load(open(snap))
    dirs = {b["id"]: [x["path"] for x in b["logDirs"]] for b in model["brokers"]}
    port = free_port()
    proc = start(d, port)
    b = Ballast(f"http://127.0.0.1:{port}")
    wait_for(lambda: b.run("get").returncode, lambda rc: rc == 0, 30)
    for name, broker, vol in (("disks-5", 5, 1), ("disks-1", 1, 0)):
        b.apply(manifest(name, f"\n  mode: remove-disks\n  moveReplicasOffVolumes:\n"
                               f"  - brokerId: {broker}\n    volumeIds: [{vol}]"))
    counts = {}
    for name, broker, vol in (("disks-5", 5, 1), ("disks-1", 1, 0)):
        r = wait_for(lambda: b.get(name), lambda o: state_of(o) in ("ProposalReady",
                                                                    "NotReady"), 60)
        gone, kept = dirs[broker][vol], dirs[broker][1 - vol]
        on = {(t["name"], p["partition"]) for t in model["topics"] for p in t["partitions"]
              for i, rb in enumerate(p["replicas"]) if rb == broker and p["logDirs"][i] == gone}
        old = {(t["name"], p["partition"]): p["replicas"] for t in model["topics"]
               for p in t["partitions"]}
        priv = json.load(open(os.path.join(d, "state", "rebalances", f"{name}.ballast.json")))
        moved, wrong = set(), []
        for p in priv.get("reassignment", {}).get("partitions", []):
            key = (p["topic"], p["partition"])
            if p["replicas"] != old[key]:
                wrong.append(key)
            for rb, ld in zip(p["replicas"], p["log_dirs"]):
                if ld != "any":
                    moved.add(key)
                    if rb != broker or ld != kept:
                        wrong.append((key, rb, ld))
        opt = (r or {}).get("status", {}).get("optimizationResult", {})
        counts[name] = len(on)
        check(f"remove-disks, broker {broker} volume {vol} = {gone}: ProposalReady, its {len(on)} "
              f"replicas moved to {kept}, nothing else",
              state_of(r) == "ProposalReady" and len(on) > 0 and moved == on and not wrong and
              opt.get("numIntraBrokerReplicaMovements") == len(on) and
              opt.get("numReplicaMovements") == 0,
              (state_of(r), len(on), len(moved), wrong[:3], (r or {}).get("status")))
    p = b.run("get")
    shown = {ln.split()[0]: ln.split()[4] for ln in p.stdout.splitlines()[1:] if ln.strip()}
    check("get's MOVES counts the moves between dirs", shown == {
        n: str(c) for n, c in counts.items()}, (p.stdout, counts))
    b.run("approve", "disks-5")
    r = wait_for(lambda: b.get("disks-5"), lambda o: state_of(o) not in ("ProposalReady",), 30)
    c = condition(r, "NotReady") or {}
    check("approved: executed (on a snapshot refused with the reason), not taken for empty",
          c.get("reason") == "ExecutionFailed" and "snapshot" in c.get("message", ""),
          (r or {}).get("status"))
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)


def self_healing(d):
    """--self-healing-ms: the snapshot re-read (SIGHUP) with broker 6 dead; after the
    threshold, my-cluster-auto-rebalancing-fix-offline (remove-brokers of broker 6,
    auto-approved, the reason annotated) moves exactly its replicas off; not before. Switched
    off first through the Cruise Control API's admin (disable_self_healing_for=BROKER_FAILURE),
    the dead broker is seen but not healed past the threshold; switched on again, it is."""
    d = os.path.join(d, "heal")
    os.mkdir(d)
    snap = os.path.join(d, "snap.json")
    sh(BIN, "generate", "--seed", "3", "--brokers", "6", "--racks", "3", "--partitions", "300",
       "--topics", "6", "--disk-util", "0.3", "--cpu-util", "0.3", "--nw-in-util", "0.3",
       "--nw-out-util", "0.3", "--out", snap)
    port = free_port()
    log = open(os.path.join(d, "serve.log"), "a")
    proc = subprocess.Popen([BIN, "serve", "--snapshot", snap, "--state-dir",
                             os.path.join(d, "state"), "--port", str(port), "--auto-rebalance",
                             "my-cluster", "--self-healing-ms", "3000"],
                            stdout=log, stderr=subprocess.STDOUT)
    b = Ballast(f"http://127.0.0.1:{port}")
    wait_for(lambda: b.run("get").returncode, lambda rc: rc == 0, 30)
    model = json.load(open(snap))
    on6 = sum(p["replicas"].count(6) for t in model["topics"] for p in t["partitions"])
    next(x for x in model["brokers"] if x["id"] == 6)["state"] = "dead"
    with open(snap + ".new", "w") as f:
        json.dump(model, f)
    os.replace(snap + ".new", snap)
    name = "my-cluster-auto-rebalancing-fix-offline"

    def auto_state():
        return json.loads(sh("curl", "-s", f"{b.server}/api/v1/state").stdout)["autoRebalance"]

    def admin(what):
        p = sh("curl", "-s", "-X", "POST", f"{b.server}/kafkacruisecontrol/admin?json=true&"
               f"{what}_self_healing_for=BROKER_FAILURE")
        return json.loads(p.stdout)
    a = admin("disable")
    st = auto_state()
    check("admin disable_self_healing_for=BROKER_FAILURE: before true, after false; the "
          "auto-rebalancer's state says off",
          a == {"selfHealingEnabledBefore": {"BROKER_FAILURE": True},
                "selfHealingEnabledAfter": {"BROKER_FAILURE": False}, "version": 1} and
          st["selfHealing"]["enabled"] is False, (a, st))
    t0 = time.time()
    proc.send_signal(signal.SIGHUP)
    st = wait_for(auto_state, lambda a: a["selfHealing"]["deadBrokers"] == [6], 20)
    time.sleep(max(0, t0 + 4.5 - time.time()))
    check("switched off: broker 6 dead past the 3 s threshold is not healed",
          b.get(name) is None and auto_state()["state"] == "Idle", auto_state())
    a = admin("enable")
    check("admin enable_self_healing_for=BROKER_FAILURE: before false, after true",
          a == {"selfHealingEnabledBefore": {"BROKER_FAILURE": False},
                "selfHealingEnabledAfter": {"BROKER_FAILURE": True}, "version": 1}, a)
    r = wait_for(lambda: b.get(name), lambda o: o is not None, 10)
    check("switched on again: broker 6, dead for over the threshold already, is healed at once",
          r is not None and r["spec"] == {"mode": "remove-brokers", "brokers": [6]},
          json.dumps(r)[:800])
    st = auto_state()
    ratio = st["selfHealing"].pop("enabledRatio", None)
    check("state: selfHealing enabled again, its threshold and dead broker; on for part of "
          "the time since the start",
          st["selfHealing"] == {"enabled": True, "thresholdMs": 3000, "deadBrokers": [6]} and
          ratio is not None and 0 < ratio < 1, (st, ratio))
    r = wait_for(lambda: b.get(name), lambda o: state_of(o) in ("NotReady", "Ready"), 40)
    took = time.time() - t0
    opt = (r or {}).get("status", {}).get("optimizationResult", {})
    ann = (r or {}).get("metadata", {}).get("annotations", {})
    check(f"after 3 s: fix-offline, remove-brokers [6], auto-approved, the reason visible, its "
          f"{on6} replicas moved off (executing refused on a snapshot)",
          r is not None and took >= 3 and r["spec"] == {"mode": "remove-brokers",
                                                          "brokers": [6]} and
          ann.get("strimzi.io/rebalance-auto-approval") == "true" and
          ann.get("ballast.io/reason") == "self-healing: broker 6 dead for over 3000 ms still "
          "holds replicas" and
          opt.get("numReplicaMovements") == on6 and
          "snapshot" in (condition(r, "NotReady") or {}).get("message", ""),
          (took, json.dumps(r)[:1500]))
    st = auto_state()
    check("state: RebalanceOnBrokerFailure, mode fix-offline [6]",
          st["state"] == "RebalanceOnBrokerFailure" and
          {"mode": "fix-offline", "brokers": [6]} in st["modes"], st)
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    log.close()


def main(d):
    p = sh(BIN, "generate", "--seed", "3", "--brokers", "6", "--racks", "3", "--partitions",
           "300", "--topics", "6", "--broker-skew", "0.7", "--out", os.path.join(d, "snap.json"))
    check("generate", p.returncode == 0, p.stderr)
    port = free_port()
    proc = start(d, port)
    b = Ballast(f"http://127.0.0.1:{port}")
    ready = wait_for(lambda: b.run("get").returncode, lambda rc: rc == 0, 30)
    check("serve answers", ready == 0)


    # apply: two documents, created, then unchanged -> configured, generation kept
    two = manifest("full", "\n  skipHardGoalCheck: true") + "---\n" + manifest(
        "add", "\n  mode: add-brokers", api="kafka.strimzi.io/v1beta2")
    p = b.apply(two)
    check("apply -f - with two documents", p.returncode == 0 and
          "kafkarebalance.kafka.strimzi.io/full created" in p.stdout and
          "kafkarebalance.kafka.strimzi.io/add created" in p.stdout, p.stdout + p.stderr)
    r = wait_for(lambda: b.get("full"), lambda o: state_of(o) == "ProposalReady")
    st = r["status"]
    check("New -> ProposalReady with an optimizationResult",
          state_of(r) == "ProposalReady" and st["optimizationResult"]["numReplicaMovements"] > 0
          and st["observedGeneration"] == 1 and st.get("sessionId"), json.dumps(r)[:800])
    bl = st.get("progress", {}).get("brokerLoad", {})
    check("progress.brokerLoad: before/after/diff per broker",
          len(bl) == 6 and all(set(v["replicas"]) == {"before", "after", "diff"} and
                               v["replicas"]["diff"] == v["replicas"]["after"] -
                               v["replicas"]["before"] for v in bl.values()) and
          sum(v["replicas"]["diff"] for v in bl.values()) == 0, json.dumps(bl)[:600])
    check("the state condition has status True and a lastTransitionTime",
          condition(r, "ProposalReady")["status"] == "True" and
          condition(r, "ProposalReady")["lastTransitionTime"].endswith("Z"))
    task = sh("curl", "-s", f"http://127.0.0.1:{port}/api/v1/tasks/{st['sessionId']}")
    check("sessionId is the service's task of the proposal",
          task.returncode == 0 and json.loads(task.stdout).get("kind") == "rebalance",
          task.stdout[:300])
    a = wait_for(lambda: b.get("add"), lambda o: state_of(o) == "NotReady")
    c = condition(a, "NotReady") or {}
    check("add-brokers without brokers: NotReady with Strimzi's message",
          c.get("reason") == "InvalidResourceException" and c.get("message") ==
          "The brokers list is mandatory when using the add-brokers rebalancing mode", c)
    p = b.apply(manifest("full", "\n  skipHardGoalCheck: true"))
    r2 = b.get("full")
    check("apply unchanged -> configured, generation kept, same proposal",
          "configured" in p.stdout and r2["metadata"]["generation"] == 1 and
          r2["status"]["sessionId"] == st["sessionId"], p.stdout)

    # an invalid annotation stays with a Warning; a valid one is consumed
    p = b.run("stop", "full")
    r = wait_for(lambda: b.get("full"), lambda o: condition(o, "Warning") is not None, 10)
    w = condition(r, "Warning") or {}
    check("stop in ProposalReady: kept, Warning InvalidAnnotation with Strimzi's message",
          p.returncode == 0 and w.get("reason") == "InvalidAnnotation" and
          w.get("message") == "Wrong annotation value: stop. The rebalance resource supports "
          "the following annotations in ProposalReady state: [approve, refresh]" and
          r["metadata"]["annotations"]["strimzi.io/rebalance"] == "stop" and
          state_of(r) == "ProposalReady", json.dumps(r.get("status"))[:600])
    b.run("refresh", "full")
    r = wait_for(lambda: b.get("full"), lambda o: state_of(o) == "ProposalReady" and
                 o["status"]["sessionId"] != st["sessionId"], 20)
    check("refresh: consumed, the Warning gone, a new proposal",
          "strimzi.io/rebalance" not in r["metadata"].get("annotations", {}) and
          condition(r, "Warning") is None and r["status"]["sessionId"] != st["sessionId"],
          json.dumps(r)[:600])
    session = r["status"]["sessionId"]

    # a spec edit acts as refresh
    b.apply(manifest("full", "\n  skipHardGoalCheck: true\n  goals: [RackAwareGoal, "
                     "ReplicaDistributionGoal]"))
    r = wait_for(lambda: b.get("full"), lambda o: state_of(o) == "ProposalReady" and
                 o["status"].get("observedGeneration") == 2, 20)
    check("spec edit: generation 2 observed, a new proposal",
          r["metadata"]["generation"] == 2 and r["status"]["sessionId"] != session,
          json.dumps(r)[:600])

    # approve: on a snapshot the service plans but cannot execute
    b.run("approve", "full")
    r = wait_for(lambda: b.get("full"), lambda o: state_of(o) == "NotReady", 20)
    c = condition(r, "NotReady") or {}
    check("approve consumed; the snapshot service refuses to execute -> NotReady with why",
          "strimzi.io/rebalance" not in r["metadata"].get("annotations", {}) and
          c.get("reason") == "ExecutionFailed" and "snapshot" in c.get("message", ""), c)
    b.run("refresh", "full")
    r = wait_for(lambda: b.get("full"), lambda o: state_of(o) == "ProposalReady", 20)
    check("NotReady -> refresh -> ProposalReady", state_of(r) == "ProposalReady")

    # planning failures: a broker the model lacks is final; the message says why
    b.apply(manifest("ghost", "\n  mode: add-brokers\n  brokers: [99]"))
    r = wait_for(lambda: b.get("ghost"), lambda o: state_of(o) == "NotReady")
    c = condition(r, "NotReady") or {}
    check("a broker the model lacks: NotReady ProposalFailed naming it",
          c.get("reason") == "ProposalFailed" and "broker 99" in c.get("message", ""), c)

    # pause and unpause; templates are never acted on
    b.apply(manifest("paused", "\n  skipHardGoalCheck: true",
                     {"strimzi.io/pause-reconciliation": "true"}))
    r = wait_for(lambda: b.get("paused"), lambda o: state_of(o) == "ReconciliationPaused")
    check("pause-reconciliation -> ReconciliationPaused, no task",
          state_of(r) == "ReconciliationPaused" and "sessionId" not in r["status"], r)
    b.apply(manifest("paused", "\n  skipHardGoalCheck: true"))
    r = wait_for(lambda: b.get("paused"), lambda o: state_of(o) == "ProposalReady")
    check("unpaused -> a new proposal", state_of(r) == "ProposalReady", r.get("status"))
    b.apply(manifest("tpl", "\n  mode: add-brokers", {"strimzi.io/rebalance-template": "true"}))
    b.run("get")  # a pass or two
    r = wait_for(lambda: b.get("tpl"), lambda o: "status" in o, 3)
    check("a template gets no status", "status" not in r, r)

    # what the schema refuses
    bad = [("kind", manifest("x").replace("kind: KafkaRebalance", "kind: Kafka"),
            "kind: expected KafkaRebalance"),
           ("apiVersion", manifest("x", api="kafka.strimzi.io/v1alpha1"), "apiVersion"),
           ("name", manifest("Bad_Name"), "DNS-1123"),
           ("label", manifest("x").replace("strimzi.io/cluster", "app"), "strimzi.io/cluster"),
           ("field", manifest("x", "\n  colour: blue"), "unknown field 'colour'"),
           ("type", manifest("x", "\n  brokers: three"), "spec.brokers"),
           ("yaml", "kind: [", "line ")]
    for what, text, msg in bad:
        p = b.apply(text)
        check(f"apply refuses a bad {what}", p.returncode == 1 and msg in p.stderr, p.stderr)
    p = b.run("get", "nope")
    check("get of an unknown name -> exit 1, 404", p.returncode == 1 and "404" in p.stderr)
    p = b.run("approve")
    check("approve without NAME -> usage", p.returncode == 2, p.stderr)
    p = b.run("get")
    check("get: a table", p.returncode == 0 and p.stdout.split()[:4] ==
          ["NAME", "CLUSTER", "MODE", "STATE"] and "ghost" in p.stdout, p.stdout)
    p = b.run("get", "full", "-o", "yaml")
    check("get -o yaml", p.returncode == 0 and "kind: KafkaRebalance" in p.stdout and
          "type: ProposalReady" in p.stdout, p.stdout[:400])

    # a restart loses nothing
    before = b.get("full")
    proc.send_signal(signal.SIGTERM)
    check("SIGTERM -> exit 0", proc.wait(20) == 0)
    proc = start(d, port)
    after = wait_for(lambda: b.get("full"), lambda o: o is not None, 30)
    check("after a restart: the same state, proposal and generation",
          state_of(after) == "ProposalReady" and
          after["status"]["sessionId"] == before["status"]["sessionId"] and
          after["status"]["optimizationResult"] == before["status"]["optimizationResult"],
          json.dumps(after)[:500])
    b.run("approve", "full")
    r = wait_for(lambda: b.get("full"), lambda o: state_of(o) == "NotReady", 20)
    check("after a restart the approved proposal is still known (refused only as a snapshot)",
          "snapshot" in (condition(r, "NotReady") or {}).get("message", ""), r.get("status"))

    # the auto-rebalancer's decommission makes a visible, auto-approved remove-brokers resource
    p = sh(BIN, "decommission", "--brokers", "99", "--server", b.server)
    check("decommission of an unknown broker -> exit 1, 400", p.returncode == 1 and
          "400" in p.stderr and "broker 99" in p.stderr, p.stderr)
    # the configured template (--auto-template-remove) is missing: skipped, as Strimzi does
    p = sh(BIN, "decommission", "--brokers", "2", "--server", b.server)

    def auto_state():
        return json.loads(sh("curl", "-s", f"{b.server}/api/v1/state").stdout)["autoRebalance"]
    st = wait_for(auto_state, lambda a: "lastError" in a, 20)
    check("decommission with the remove-brokers template missing: skipped, lastError says why",
          p.returncode == 0 and "remove-template' does not exist" in st.get("lastError", "") and
          st["state"] == "Idle" and
          b.get("my-cluster-auto-rebalancing-remove-brokers") is None, st)
    tspec = ("\n  goals: [RackAwareGoal, ReplicaDistributionGoal]\n  skipHardGoalCheck: true"
             "\n  excludedTopics: topic-0003\n  concurrentPartitionMovementsPerBroker: 2"
             "\n  replicationThrottle: 500000\n  mode: add-brokers\n  brokers: [1]"
             "\n  rebalanceDisk: true")
    p = b.apply(manifest("remove-template", tspec, {"strimzi.io/rebalance-template": "true"}))
    check("the template applies", p.returncode == 0, p.stderr)
    p = sh(BIN, "decommission", "--brokers", "2", "--server", b.server)
    r = wait_for(lambda: b.get("my-cluster-auto-rebalancing-remove-brokers"),
                 lambda o: state_of(o) == "NotReady", 30)
    check("decommission -> my-cluster-auto-rebalancing-remove-brokers with the template's spec "
          "(its mode, brokers and rebalanceDisk replaced), auto-approved, its failure visible "
          "(a snapshot cannot execute)", p.returncode == 0 and r and
          r["spec"] == {"goals": ["RackAwareGoal", "ReplicaDistributionGoal"],
                        "skipHardGoalCheck": True, "excludedTopics": "topic-0003",
                        "concurrentPartitionMovementsPerBroker": 2,
                        "replicationThrottle": 500000, "mode": "remove-brokers",
                        "brokers": [2]} and
          r["metadata"]["annotations"]["strimzi.io/rebalance-auto-approval"] == "true" and
          r["metadata"]["annotations"]["ballast.io/template"] == "remove-template" and
          (r["status"].get("optimizationResult") or {}).get("excludedTopics") == ["topic-0003"]
          and (condition(r, "NotReady") or {}).get("message"), (p.stderr, r))
    st = json.loads(sh("curl", "-s", f"{b.server}/api/v1/state").stdout)["autoRebalance"]
    check("state: RebalanceOnScaleDown with broker 2, not yet safe to stop",
          st["state"] == "RebalanceOnScaleDown" and st["decommission"]["brokers"] == [2] and
          st["decommission"]["done"] is False and
          {"mode": "remove-brokers", "brokers": [2]} in st["modes"], st)
    p = sh(BIN, "decommission", "--brokers", "3", "--server", b.server)
    check("a second decommission while one runs -> 409", p.returncode == 1 and "409" in p.stderr,
          p.stderr)

    p = b.run("delete", "ghost")
    check("delete", p.returncode == 0 and b.get("ghost") is None and
          not os.path.exists(os.path.join(d, "state", "rebalances", "ghost.yaml")), p.stderr)
    p = b.run("delete", "ghost")
    check("delete again -> 404", p.returncode == 1 and "404" in p.stderr)
    proc.send_signal(signal.SIGTERM)
    check("SIGTERM -> exit 0 again", proc.wait(20) == 0)


with tempfile.TemporaryDirectory() as tmp:
    try:
        pass_while_planning(tmp)
        remove_disks(tmp)
        self_healing(tmp)
        main(tmp)
    except Exception as e:  # a failure to run is a test failure with its message
        check("standalone test", False, repr(e))
        try:
            print(open(os.path.join(tmp, "serve.log")).read()[-3000:], file=sys.stderr)
        except OSError:
            pass
finish()
