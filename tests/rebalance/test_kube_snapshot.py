#!/usr/bin/env python3
"""Kubernetes mode against a real kube-apiserver and etcd (kube_env.py), with `ballast serve
--snapshot` behind it (suite cli: no Kafka, so an approved proposal ends NotReady with the
service's reason; test_kube.py runs the same on the real cluster). Driven with kubectl: the
CRD and Role of deploy/kubernetes/, Ballast as a user RBAC limits to that Role; apply ->
ProposalReady through the status subresource; an invalid annotation kept with a Warning;
refresh consumed; a spec edit acting as refresh; approve consumed; pause; a resource of
another cluster left alone; the REST verbs refused in this mode; a restart that loses nothing;
delete. Prints 'N passed, N failed'."""
import json
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import krlib  # noqa: E402
from krlib import (BIN, Ballast, check, condition, finish, free_port, manifest, sh,  # noqa: E402
                   state_of, wait_for)
from kube_env import ROOT, KubeEnv  # noqa: E402

NS = "kafka"


def run(env, d):
    k = env.kubectl
    deploy = os.path.join(ROOT, "deploy", "kubernetes")
    check("the CRD applies", k("apply", "-f", os.path.join(deploy,
                                                           "crd-kafkarebalance.yaml")).returncode == 0)
    k("wait", "--for", "condition=established", "crd/kafkarebalances.kafka.strimzi.io",
      "--timeout", "60s")
    k("create", "namespace", NS, check=True)
    check("the Role applies", k("apply", "-f", os.path.join(deploy, "rbac.yaml")).returncode == 0)
    k("-n", NS, "create", "rolebinding", "ballast-test-user", "--role",
      "ballast-kafkarebalances", "--user", "ballast-controller", check=True)
    p = k("auth", "can-i", "list", "pods", "-n", NS, kubeconfig=env.ballast)
    check("RBAC: Ballast's user cannot list pods", p.stdout.strip() == "no", p.stdout)

    p = sh(BIN, "generate", "--seed", "3", "--brokers", "6", "--racks", "3", "--partitions",
           "300", "--topics", "6", "--broker-skew", "0.7", "--out", os.path.join(d, "snap.json"))
    port = free_port()
    log = open(os.path.join(d, "serve.log"), "a")

    def start():
        return subprocess.Popen([BIN, "serve", "--snapshot", os.path.join(d, "snap.json"),
                                 "--state-dir", os.path.join(d, "state"), "--port", str(port),
                                 "--kube-cluster", "my-cluster", "--kubeconfig", env.ballast,
                                 "--kube-namespace", NS], stdout=log, stderr=subprocess.STDOUT)

    proc = start()

    def get(name):
        if proc.poll() is not None:  # fail now, with its log, not at the test's time limit
            raise RuntimeError(f"ballast serve exited with {proc.returncode}")
        p = k("-n", NS, "get", "kafkarebalance", name, "-o", "json")
        return json.loads(p.stdout) if p.returncode == 0 else None

    def annotate(name, value):
        return k("-n", NS, "annotate", "--overwrite", "kafkarebalance", name,
                 f"strimzi.io/rebalance={value}")

    def ann(o):
        return (o or {}).get("metadata", {}).get("annotations", {})

    def apply(text):
        return k("apply", "-f", "-", stdin=text.replace("metadata:\n",
                                                        f"metadata:\n  namespace: {NS}\n"))

    p = apply(manifest("kr", "\n  skipHardGoalCheck: true"))
    check("kubectl apply", p.returncode == 0, p.stderr)
    apply(manifest("kr-beta", "\n  skipHardGoalCheck: true", api="kafka.strimzi.io/v1beta2"))
    apply(manifest("other", cluster="someone-else"))
    r = wait_for(lambda: get("kr"), lambda o: state_of(o) == "ProposalReady", 60)
    check("-> ProposalReady with an optimizationResult, observedGeneration 1",
          state_of(r) == "ProposalReady" and
          r["status"]["optimizationResult"]["numReplicaMovements"] > 0 and
          r["status"]["observedGeneration"] == 1, json.dumps(r)[:1000])
    r = wait_for(lambda: get("kr-beta"), lambda o: state_of(o) == "ProposalReady", 60)
    check("a v1beta2 resource too", state_of(r) == "ProposalReady")
    check("kubectl get kr shows the state", "ProposalReady" in k("-n", NS, "get", "kr").stdout)

    annotate("kr", "stop")
    r = wait_for(lambda: get("kr"), lambda o: condition(o, "Warning") is not None, 20)
    w = condition(r, "Warning") or {}
    check("an invalid annotation: kept, Warning InvalidAnnotation with Strimzi's message",
          w.get("message") == "Wrong annotation value: stop. The rebalance resource supports "
          "the following annotations in ProposalReady state: [approve, refresh]" and
          ann(r).get("strimzi.io/rebalance") == "stop", r.get("status"))
    session = r["status"]["sessionId"]
    annotate("kr", "refresh")
    r = wait_for(lambda: get("kr"), lambda o: state_of(o) == "ProposalReady" and
                 o["status"]["sessionId"] != session, 30)
    check("refresh: removed, the Warning gone, a new proposal",
          "strimzi.io/rebalance" not in ann(r) and condition(r, "Warning") is None and
          r["status"]["sessionId"] != session, r.get("status"))
    session = r["status"]["sessionId"]
    k("-n", NS, "patch", "kafkarebalance", "kr", "--type", "merge", "-p",
      '{"spec":{"goals":["RackAwareGoal","ReplicaDistributionGoal"]}}', check=True)
    r = wait_for(lambda: get("kr"), lambda o: o["status"].get("observedGeneration") == 2 and
                 state_of(o) == "ProposalReady", 30)
    check("a spec edit: generation 2 observed, a new proposal",
          r["metadata"]["generation"] == 2 and r["status"]["sessionId"] != session,
          r.get("status"))
    annotate("kr", "approve")
    r = wait_for(lambda: get("kr"), lambda o: state_of(o) == "NotReady", 30)
    c = condition(r, "NotReady") or {}
    check("approve: removed; a snapshot service cannot execute -> NotReady with the reason",
          "strimzi.io/rebalance" not in ann(r) and c.get("reason") == "ExecutionFailed" and
          "snapshot" in c.get("message", ""), r.get("status"))
    k("-n", NS, "annotate", "kafkarebalance", "kr-beta",
      "strimzi.io/pause-reconciliation=true", check=True)
    r = wait_for(lambda: get("kr-beta"), lambda o: state_of(o) == "ReconciliationPaused", 30)
    check("pause-reconciliation -> ReconciliationPaused", state_of(r) == "ReconciliationPaused")
    check("a resource of another cluster is left alone", "status" not in (get("other") or {}))
    b = Ballast(f"http://127.0.0.1:{port}")
    p = b.run("approve", "kr")
    check("REST annotate refused in Kubernetes mode (409, use kubectl)",
          p.returncode == 1 and "409" in p.stderr and "kubectl" in p.stderr, p.stderr)
    p = b.run("get")
    check("REST get lists the API's resources", p.returncode == 0 and "kr-beta" in p.stdout,
          p.stdout)

    before = get("kr")
    proc.send_signal(signal.SIGTERM)
    check("SIGTERM -> exit 0", proc.wait(20) == 0)
    proc = start()
    k("-n", NS, "annotate", "kafkarebalance", "kr-beta", "strimzi.io/pause-reconciliation-")
    r = wait_for(lambda: get("kr-beta"), lambda o: state_of(o) == "ProposalReady", 60)
    check("after a restart: watching again (unpaused -> a new proposal)",
          state_of(r) == "ProposalReady", r and r.get("status"))
    after = get("kr")
    check("after a restart: nothing lost or redone",
          after["status"] == before["status"], (before["status"], after["status"]))
    k("-n", NS, "delete", "kafkarebalance", "kr", "kr-beta", "other", check=True)
    gone = wait_for(lambda: os.path.exists(os.path.join(d, "state", "rebalances",
                                                        "kr.ballast.json")),
                    lambda e: not e, 20)
    check("delete: Ballast forgets it", gone is False)
    proc.send_signal(signal.SIGTERM)
    check("SIGTERM -> exit 0 again", proc.wait(20) == 0)
    log.close()
    text = open(os.path.join(d, "serve.log")).read()
    check("no sanitizer report in the service's log",
          "runtime error" not in text and "Sanitizer" not in text, text[-2000:])


with tempfile.TemporaryDirectory(prefix="ballast-kube.") as tmp:
    env = KubeEnv(tmp)
    try:
        env.start()
        run(env, tmp)
    except Exception as e:  # a failure to run is a test failure with its message
        check("kubernetes mode (snapshot)", False, repr(e))
        try:
            print(open(os.path.join(tmp, "serve.log")).read()[-3000:], file=sys.stderr)
        except OSError:
            pass
    finally:
        env.stop()
    if krlib.results["failed"]:
        try:
            print(open(os.path.join(tmp, "serve.log")).read()[-5000:], file=sys.stderr)
        except OSError:
            pass
finish()
