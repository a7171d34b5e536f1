#!/usr/bin/env python3
"""Kubernetes mode against a real kube-apiserver and etcd (tests/rebalance/kube_env.py) and the
real multi-rack Kafka (run under tests/kafka/with-cluster.sh), driven with kubectl as a user
would: the CRD and the controller's Role from deploy/kubernetes/ (Ballast runs as a user that
RBAC limits to them); kubectl apply -> ProposalReady with an optimizationResult; an invalid
annotation kept with a Warning; annotate approve -> Ready, the placement that of the approved
proposal, every record intact, no throttle left; a spec edit acting as refresh; refresh; a
resource of another cluster left alone; stop mid-Rebalancing -> Stopped; Ballast killed
mid-Rebalancing and restarted -> Ready under the same sessionId; delete. Prints figures and
'N passed, N failed'."""
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
from kt import BALLAST, BOOT, check, finish  # noqa: E402
from kafkalib import (describe, kept_proposal, ongoing, records, skewed_topic,  # noqa: E402
                      throttles_left)
from krlib import condition, free_port, manifest, state_of, wait_for  # noqa: E402
from kube_env import ROOT, KubeEnv  # noqa: E402

NS = "kafka"
figures = {}


def main(work):
    env = KubeEnv(work)
    try:
        env.start()
        figures["apiserver_ready_s"] = env.ready_s
        run(env, work)
    finally:
        env.stop()


def run(env, work):
    k = env.kubectl
    deploy = os.path.join(ROOT, "deploy", "kubernetes")
    p = k("apply", "-f", os.path.join(deploy, "crd-kafkarebalance.yaml"))
    check("the CRD of deploy/kubernetes applies", p.returncode == 0, p.stderr)
    k("wait", "--for", "condition=established", "crd/kafkarebalances.kafka.strimzi.io",
      "--timeout", "60s")
    k("create", "namespace", NS, check=True)
    p = k("apply", "-f", os.path.join(deploy, "rbac.yaml"))
    check("the Role of deploy/kubernetes applies", p.returncode == 0, p.stderr)
    k("-n", NS, "create", "rolebinding", "ballast-test-user", "--role",
      "ballast-kafkarebalances", "--user", "ballast-controller", check=True)
    p = k("auth", "can-i", "list", "pods", "-n", NS, kubeconfig=env.ballast)
    check("RBAC: Ballast's user cannot list pods", p.stdout.strip() == "no", p.stdout)
    p = k("auth", "can-i", "patch", "kafkarebalances/status", "-n", NS, kubeconfig=env.ballast)
    check("RBAC: Ballast's user can patch kafkarebalances/status", p.stdout.strip() == "yes",
          p.stdout)

    skewed_topic("kube-skewed", ["1:2:3", "2:3:1", "3:1:2"], 4, 2000)
    port = free_port()
    state = os.path.join(work, "state")
    cfg = os.path.join(work, "ballast.yaml")
    with open(cfg, "w") as f:
        f.write(f"kafka:\n  bootstrap: {BOOT}\n"
                "capacity:\n  default: {cpu: 100, networkIn: 100MB/s, networkOut: 100MB/s}\n"
                f"executor:\n  stateDir: {state}\n  pollIntervalMs: 500\n"
                f"api:\n  port: {port}\n  refreshIntervalMs: 2000\n")
    log = open(os.path.join(work, "serve.log"), "a")

    def start():
        return subprocess.Popen([BALLAST, "serve", "--config", cfg, "--kube-cluster",
                                 "my-cluster", "--kubeconfig", env.ballast, "--kube-namespace",
                                 NS], stdout=log, stderr=subprocess.STDOUT)

    proc = start()

    def get(name):
        p = k("-n", NS, "get", "kafkarebalance", name, "-o", "json")
        return json.loads(p.stdout) if p.returncode == 0 else None

    def annotate(name, value):
        return k("-n", NS, "annotate", "--overwrite", "kafkarebalance", name,
                 f"strimzi.io/rebalance={value}")

    def annotations(o):
        return (o or {}).get("metadata", {}).get("annotations", {})

    # apply -> ProposalReady
    t0 = time.time()
    p = k("apply", "-f", "-", stdin=manifest("kube-full").replace(
        "metadata:\n", f"metadata:\n  namespace: {NS}\n"))
    check("kubectl apply of a KafkaRebalance", p.returncode == 0, p.stderr)
    r = wait_for(lambda: get("kube-full"), lambda o: state_of(o) in ("ProposalReady",
                                                                     "NotReady"), 120)
    figures["apply_to_proposal_ready_s"] = round(time.time() - t0, 2)
    check("-> ProposalReady with an optimizationResult, through the status subresource",
          state_of(r) == "ProposalReady" and
          r["status"]["optimizationResult"]["numReplicaMovements"] > 0 and
          r["status"]["observedGeneration"] == 1, json.dumps(r)[:1500])
    p = k("-n", NS, "get", "kr")
    check("kubectl get kr shows the state", "ProposalReady" in p.stdout, p.stdout)
    other = manifest("other-cluster", cluster="someone-else").replace(
        "metadata:\n", f"metadata:\n  namespace: {NS}\n")
    k("apply", "-f", "-", stdin=other, check=True)

    # an invalid annotation stays with a Warning
    annotate("kube-full", "stop")
    r = wait_for(lambda: get("kube-full"), lambda o: condition(o, "Warning") is not None, 20)
    w = condition(r, "Warning") or {}
    check("stop in ProposalReady: kept, Warning InvalidAnnotation",
          w.get("reason") == "InvalidAnnotation" and "[approve, refresh]" in w.get("message", "")
          and annotations(r).get("strimzi.io/rebalance") == "stop", r.get("status"))

    # approve -> Ready; the placement is the approved proposal's
    want = kept_proposal(state, "kube-full")
    annotate("kube-full", "approve")
    t0 = time.time()
    r = wait_for(lambda: get("kube-full"), lambda o: state_of(o) in ("Ready", "NotReady",
                                                                     "Stopped"), 600)
    figures["approve_to_ready_s"] = round(time.time() - t0, 1)
    check("annotate approve -> Ready, the annotation removed, the Warning gone",
          state_of(r) == "Ready" and "strimzi.io/rebalance" not in annotations(r) and
          condition(r, "Warning") is None, json.dumps(r and r.get("status"))[:1000])
    now = describe()
    wrong = [(x, now.get(x), v) for x, v in want.items() if now.get(x) != v]
    check("placement equals the approved proposal", want and not wrong, wrong[:3])
    check("no reassignment, no throttle left", not ongoing() and not throttles_left(),
          (ongoing(), throttles_left()))
    ok, out = records("verify", "kube-skewed", 12, 2000)
    check("every record intact", ok, out)

    # a spec edit acts as refresh; refresh
    session = r["status"]["sessionId"]
    k("-n", NS, "patch", "kafkarebalance", "kube-full", "--type", "merge", "-p",
      '{"spec":{"skipHardGoalCheck":true,"goals":["RackAwareGoal","ReplicaDistributionGoal"]}}',
      check=True)
    r = wait_for(lambda: get("kube-full"), lambda o: state_of(o) == "ProposalReady" and
                 o["status"].get("observedGeneration") == 2, 60)
    check("spec edit -> generation 2 observed, a new proposal",
          r and r["metadata"]["generation"] == 2 and r["status"]["sessionId"] != session,
          json.dumps(r and r.get("status"))[:600])
    session = r["status"]["sessionId"]
    annotate("kube-full", "refresh")
    r = wait_for(lambda: get("kube-full"), lambda o: state_of(o) == "ProposalReady" and
                 o["status"]["sessionId"] != session, 60)
    check("refresh -> consumed, a new proposal",
          r and "strimzi.io/rebalance" not in annotations(r), r and r.get("status"))
    r = get("other-cluster")
    check("a resource of another cluster is left alone", r and "status" not in r, r)

    # stop mid-Rebalancing; then killed mid-Rebalancing and restarted
    skewed_topic("kube-slow", ["1:4:2", "4:1:3"], 3, 3000)
    slow = manifest("kube-slow", "\n  replicationThrottle: 400000\n"
                    "  concurrentPartitionMovementsPerBroker: 1").replace(
        "metadata:\n", f"metadata:\n  namespace: {NS}\n")
    k("apply", "-f", "-", stdin=slow, check=True)
    r = wait_for(lambda: get("kube-slow"), lambda o: state_of(o) == "ProposalReady" and
                 o["status"]["optimizationResult"]["numReplicaMovements"] > 0, 120)
    check("kube-slow -> ProposalReady", state_of(r) == "ProposalReady", r and r.get("status"))
    annotate("kube-slow", "approve")

    def in_flight(o):
        return state_of(o) == "Rebalancing" and \
            o["status"].get("progress", {}).get("numInProgressMovements", 0) > 0

    r = wait_for(lambda: get("kube-slow"), in_flight, 60)
    check("Rebalancing with progress in the status", in_flight(r), r and r.get("status"))
    annotate("kube-slow", "stop")
    r = wait_for(lambda: get("kube-slow"), lambda o: state_of(o) != "Rebalancing", 120)
    check("annotate stop -> Stopped", state_of(r) == "Stopped", r and r.get("status"))
    check("stopped: no reassignment, no throttle left",
          wait_for(lambda: not ongoing() and not throttles_left(), bool, 60))
    annotate("kube-slow", "refresh")
    wait_for(lambda: get("kube-slow"), lambda o: state_of(o) == "ProposalReady", 120)
    annotate("kube-slow", "approve")
    r = wait_for(lambda: get("kube-slow"), in_flight, 60)
    session = r and r["status"].get("sessionId")
    want = kept_proposal(state, "kube-slow")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    t0 = time.time()
    proc = start()
    r = wait_for(lambda: get("kube-slow"), lambda o: state_of(o) in ("Ready", "NotReady",
                                                                     "Stopped"), 900)
    figures["restart_to_ready_s"] = round(time.time() - t0, 1)
    check("killed mid-Rebalancing, restarted: Ready under the same sessionId",
          state_of(r) == "Ready" and r["status"]["sessionId"] == session,
          json.dumps(r and r.get("status"))[:800])
    now = describe()
    wrong = [(x, now.get(x), v) for x, v in want.items() if now.get(x) != v]
    check("placement equals the approved proposal after the restart", not wrong, wrong[:3])
    check("no throttle left", not throttles_left(), throttles_left()[:3])
    for topic, parts, n in (("kube-skewed", 12, 2000), ("kube-slow", 6, 3000)):
        ok, out = records("verify", topic, parts, n)
        check(f"every record of {topic} intact", ok, out)

    k("-n", NS, "delete", "kafkarebalance", "kube-full", "kube-slow", "other-cluster",
      check=True)
    check("delete: Ballast forgets it", wait_for(
        lambda: os.path.exists(os.path.join(state, "rebalances", "kube-full.ballast.json")),
        lambda e: not e, 20) is False)
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


with tempfile.TemporaryDirectory(prefix="ballast-kube.") as tmp:
    try:
        main(tmp)
    except Exception as e:  # a failure to run is a test failure with its message
        check("kubernetes mode", False, repr(e))
finish()
