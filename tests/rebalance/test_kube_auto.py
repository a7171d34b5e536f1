#!/usr/bin/env python3
"""Kubernetes mode against a real kube-apiserver (watch cache off, so that a compacted etcd
revision answers a watch with 410 Gone) and etcd, `ballast serve --snapshot` behind it, its
API traffic through a TCP proxy the test can cut (suite cli):
  - the auto-rebalancer in Kubernetes mode (with --kube-selector: the resources it creates
    carry that label too): the snapshot re-read on SIGHUP with a 7th, empty
    broker -> my-cluster-auto-rebalancing-add-brokers created through the API (auto-approved,
    the reason annotated, the spec of the add-brokers template: goals, excludedTopics,
    concurrency, throttle) and proposed; `ballast decommission` -> the add-brokers resource
    deleted and my-cluster-auto-rebalancing-remove-brokers created;
  - the watch's 410 path: the proxy cut, a refresh annotated meanwhile, etcd compacted past
    the controller's resourceVersion, the proxy back: the resumed watch gets 410, the
    controller lists again and acts on the refresh.
Prints 'N passed, N failed'."""
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import krlib  # noqa: E402
from krlib import (BIN, Ballast, check, condition, finish, free_port, manifest, sh,  # noqa: E402
                   state_of, wait_for)
from kube_env import ROOT, KubeEnv  # noqa: E402

NS = "kafka"


class Proxy:
    """127.0.0.1:port -> target; cut() drops every connection and refuses new ones until
    restore()."""

    def __init__(self, target_port):
        self.target = target_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.cut_now = False
        self.conns = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _pipe(self, a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            if self.cut_now:
                c.close()
                continue
            try:
                u = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                c.close()
                continue
            with self.lock:
                self.conns += [c, u]
            threading.Thread(target=self._pipe, args=(c, u), daemon=True).start()
            threading.Thread(target=self._pipe, args=(u, c), daemon=True).start()

    def cut(self):
        self.cut_now = True
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.conns = []

    def restore(self):
        self.cut_now = False


def etcd_call(env, path, body):
    req = urllib.request.Request(env.etcd + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def compact(env):
    """Compacts etcd to its current revision (physical): every older revision is gone."""
    rev = int(etcd_call(env, "/v3/kv/range", {"key": base64.b64encode(b"/").decode()})
              ["header"]["revision"])
    etcd_call(env, "/v3/kv/compaction", {"revision": str(rev), "physical": True})
    return rev


def run(env, d):
    k = env.kubectl
    deploy = os.path.join(ROOT, "deploy", "kubernetes")
    k("apply", "-f", os.path.join(deploy, "crd-kafkarebalance.yaml"), check=True)
    k("wait", "--for", "condition=established", "crd/kafkarebalances.kafka.strimzi.io",
      "--timeout", "60s")
    k("create", "namespace", NS, check=True)
    k("apply", "-f", os.path.join(deploy, "rbac.yaml"), check=True)
    k("-n", NS, "create", "rolebinding", "ballast-test-user", "--role",
      "ballast-kafkarebalances", "--user", "ballast-controller", check=True)
    for verb in ("create", "delete"):
        p = k("auth", "can-i", verb, "kafkarebalances.kafka.strimzi.io", "-n", NS,
              kubeconfig=env.ballast)
        check(f"RBAC: the Role lets Ballast {verb} kafkarebalances (its auto-rebalancing ones)",
              p.stdout.strip() == "yes", p.stdout + p.stderr)

    snap = os.path.join(d, "snap.json")
    p = sh(BIN, "generate", "--seed", "3", "--brokers", "6", "--racks", "3", "--partitions",
           "300", "--topics", "6", "--broker-skew", "0.7", "--out", snap)
    check("generate", p.returncode == 0, p.stderr)

    def apply(text):  # in the namespace, with the label --kube-selector asks for
        text = text.replace("metadata:\n", f"metadata:\n  namespace: {NS}\n")
        text = text.replace("    strimzi.io/cluster: my-cluster\n",
                            "    strimzi.io/cluster: my-cluster\n    ballast.io/managed: \"true\"\n")
        return k("apply", "-f", "-", stdin=text)

    p = apply(manifest("add-template", "\n  goals: [RackAwareGoal, ReplicaDistributionGoal]"
                       "\n  skipHardGoalCheck: true\n  excludedTopics: topic-0001"
                       "\n  concurrentPartitionMovementsPerBroker: 3"
                       "\n  replicationThrottle: 1000000\n  rebalanceDisk: true",
                       annotations={"strimzi.io/rebalance-template": "true"}))
    check("the add-brokers template applies", p.returncode == 0, p.stderr)
    apply(manifest("kr", "\n  skipHardGoalCheck: true"))

    proxy = Proxy(int(env.server.rsplit(":", 1)[1]))
    kubeconfig = env.kubeconfig_for("ballast-proxied", "ballasttoken",
                                    f"https://127.0.0.1:{proxy.port}")
    port = free_port()
    log_path = os.path.join(d, "serve.log")
    log = open(log_path, "a")
    proc = subprocess.Popen([BIN, "serve", "--snapshot", snap, "--state-dir",
                             os.path.join(d, "state"), "--port", str(port),
                             "--kube-cluster", "my-cluster", "--kubeconfig", kubeconfig,
                             "--kube-namespace", NS, "--kube-selector",
                             "ballast.io/managed=true", "--auto-rebalance", "my-cluster",
                             "--auto-settle-ms", "300", "--auto-template-add", "add-template"],
                            stdout=log, stderr=subprocess.STDOUT)

    def get(name):
        if proc.poll() is not None:
            raise RuntimeError(f"ballast serve exited with {proc.returncode}")
        p = k("-n", NS, "get", "kafkarebalance", name, "-o", "json")
        return json.loads(p.stdout) if p.returncode == 0 else None

    def ann(o):
        return (o or {}).get("metadata", {}).get("annotations", {})

    r = wait_for(lambda: get("kr"), lambda o: state_of(o) == "ProposalReady", 60)
    check("a resource gets its proposal (through the proxy)", state_of(r) == "ProposalReady",
          r and r.get("status"))

    # ---- scale up: the snapshot re-read with an empty 7th broker ----
    model = json.load(open(snap))
    b7 = dict(next(b for b in model["brokers"] if b["id"] == 6))
    b7.update(id=7, host="broker-7.local")
    model["brokers"].append(b7)
    with open(snap + ".new", "w") as f:
        json.dump(model, f)
    os.replace(snap + ".new", snap)
    t0 = time.time()
    proc.send_signal(signal.SIGHUP)
    add = "my-cluster-auto-rebalancing-add-brokers"
    r = wait_for(lambda: get(add), lambda o: o is not None and state_of(o) not in
                 (None, "New", "PendingProposal"), 60)
    took = time.time() - t0
    spec = (r or {}).get("spec", {})
    check("SIGHUP, a 7th empty broker -> add-brokers resource created in the API, from the "
          "template", r is not None and spec.get("mode") == "add-brokers" and
          spec.get("brokers") == [7] and
          spec.get("goals") == ["RackAwareGoal", "ReplicaDistributionGoal"] and
          spec.get("excludedTopics") == "topic-0001" and
          spec.get("concurrentPartitionMovementsPerBroker") == 3 and
          spec.get("replicationThrottle") == 1000000 and "rebalanceDisk" not in spec and
          r["metadata"]["labels"] == {"strimzi.io/cluster": "my-cluster",
                                      "ballast.io/managed": "true"}, json.dumps(r)[:1500])
    check("... auto-approved, with its reason and template visible",
          ann(r).get("strimzi.io/rebalance-auto-approval") == "true" and
          ann(r).get("ballast.io/reason") == "brokers joined the cluster empty" and
          ann(r).get("ballast.io/template") == "add-template", ann(r))
    r = wait_for(lambda: get(add), lambda o: state_of(o) == "NotReady", 30)
    opt = (r or {}).get("status", {}).get("optimizationResult", {})
    c = condition(r, "NotReady") or {}
    check("... proposed and, auto-approved, executed: on a snapshot refused with the reason",
          opt.get("numReplicaMovements", 0) > 0 and c.get("reason") == "ExecutionFailed" and
          "snapshot" in c.get("message", ""), (r or {}).get("status"))
    print(f"# broker joined -> add-brokers resource past its proposal in {took:.1f} s",
          file=sys.stderr)
    st = json.loads(sh("curl", "-s", f"http://127.0.0.1:{port}/api/v1/state").stdout)
    auto = st.get("autoRebalance", {})
    check("service state: RebalanceOnScaleUp with broker 7",
          auto.get("state") == "RebalanceOnScaleUp" and
          {"mode": "add-brokers", "brokers": [7]} in auto.get("modes", []), auto)
    t = get("add-template")
    check("the template itself is never acted on", "status" not in (t or {}), t)

    # ---- scale down takes precedence ----
    p = sh(BIN, "decommission", "--brokers", "6", "--server", f"http://127.0.0.1:{port}")
    check("ballast decommission --brokers 6", p.returncode == 0, p.stdout + p.stderr)
    rm = "my-cluster-auto-rebalancing-remove-brokers"
    r = wait_for(lambda: get(rm), lambda o: o is not None, 30)
    check("-> remove-brokers resource created in the API, auto-approved, with its reason",
          r is not None and r["spec"] == {"mode": "remove-brokers", "brokers": [6]} and
          ann(r).get("strimzi.io/rebalance-auto-approval") == "true" and
          ann(r).get("ballast.io/reason") == "brokers asked to be decommissioned",
          json.dumps(r)[:800])
    gone = wait_for(lambda: get(add), lambda o: o is None, 30)
    check("... and the add-brokers resource deleted from the API", gone is None)

    # ---- 410 Gone: the watch resumes from a compacted resourceVersion ----
    session = get("kr")["status"]["sessionId"]
    before = open(log_path).read().count("watch expired (410")
    proxy.cut()
    time.sleep(1)
    k("-n", NS, "annotate", "--overwrite", "kafkarebalance", "kr", "strimzi.io/rebalance=refresh",
      check=True)
    k("-n", NS, "annotate", "kafkarebalance", "add-template", "touched=yes", check=True)
    rev = compact(env)
    time.sleep(1)
    proxy.restore()
    r = wait_for(lambda: get("kr"), lambda o: state_of(o) == "ProposalReady" and
                 o["status"]["sessionId"] != session and
                 "strimzi.io/rebalance" not in ann(o), 60)
    text = open(log_path).read()
    check(f"410: the watch resumed from a revision compacted away (etcd at {rev}), the "
          "controller listed again and acted on the refresh made meanwhile",
          text.count("watch expired (410") > before and state_of(r) == "ProposalReady" and
          r["status"]["sessionId"] != session and "strimzi.io/rebalance" not in ann(r),
          (r or {}).get("status"))

    proc.send_signal(signal.SIGTERM)
    check("SIGTERM -> exit 0", proc.wait(30) == 0)
    log.close()
    text = open(log_path).read()
    check("no sanitizer report in the service's log",
          "runtime error" not in text and "Sanitizer" not in text, text[-2000:])


with tempfile.TemporaryDirectory(prefix="ballast-kube-auto.") as tmp:
    env = KubeEnv(tmp, apiserver_args=["--watch-cache=false"])
    try:
        env.start()
        run(env, tmp)
    except Exception as e:  # a failure to run is a test failure with its message
        check("kubernetes mode: auto-rebalance and 410", False, repr(e))
    finally:
        env.stop()
    if krlib.results["failed"]:
        try:
            print(open(os.path.join(tmp, "serve.log")).read()[-6000:], file=sys.stderr)
        except OSError:
            pass
finish()
