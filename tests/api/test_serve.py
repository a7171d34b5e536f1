#!/usr/bin/env python3
"""`ballast serve --snapshot` as a client sees it (suite cli; no Kafka): HTTPS verified with a
CA made by openssl, Basic auth (401 wrong password, 403 VIEWER on a USER or ADMIN endpoint),
a dry run and its proposal, the documented 4xx for bad requests, the CLI client
(`ballast rebalance --server`, `ballast status --server`), /metrics, the state-dir lock,
SIGTERM -> exit 0, tasks listed again after a restart, and a short bounded load test.
Prints 'N passed, N failed'."""
import base64
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BIN = os.environ.get("BALLAST_BIN", "build/cli/ballast")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from testkit import check, crypt_hash, free_port, results, sh  # noqa: E402


def make_tls(d):
    """A CA and a server certificate for 127.0.0.1 signed by it."""
    ca_key, ca = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    key, csr, crt = (os.path.join(d, n) for n in ("srv.key", "srv.csr", "srv.crt"))
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
       "-days", "2", "-subj", "/CN=ballast test CA")
    sh("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj",
       "/CN=127.0.0.1")
    sh("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
       "-out", crt, "-days", "2", "-extfile", ext)
    return ca, crt, key


class Client:
    def __init__(self, base, ca=None):
        self.base = base
        self.ctx = ssl.create_default_context(cafile=ca) if ca else None

    def call(self, method, path, body=None, user=None, pw=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                            else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if user:
            req.add_header("Authorization", "Basic " +
                           base64.b64encode(f"{user}:{pw}".encode()).decode())
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=60) as r:
                status, text, hdrs = r.status, r.read().decode(), r.headers
        except urllib.error.HTTPError as e:
            status, text, hdrs = e.code, e.read().decode(), e.headers
        try:
            j = json.loads(text)
        except ValueError:
            j = None
        return status, j, text, hdrs


def start(args, log):
    return subprocess.Popen([BIN, "serve", *args], stdout=log, stderr=subprocess.STDOUT)


def wait_ready(c, proc, seconds=30, **auth):
    t0 = time.time()
    while time.time() - t0 < seconds and proc.poll() is None:
        try:
            st, j, _, _ = c.call("GET", "/api/v1/state", **auth)
            if st == 200 and j["analyzer"]["isProposalReady"]:
                return True
        except (OSError, ssl.SSLError):
            pass
        time.sleep(0.2)
    return False


def main(d):
    snap = os.path.join(d, "snap.json")
    p = sh(BIN, "generate", "--seed", "5", "--brokers", "9", "--racks", "3", "--partitions",
           "900", "--topics", "12", "--broker-skew", "0.8", "--rack-violations", "10",
           "--out", snap)
    check("generate", p.returncode == 0, p.stderr)
    ca, crt, key = make_tls(d)
    creds = os.path.join(d, "users")
    with open(creds, "w") as f:
        f.write(f"# test users\nadmin:{crypt_hash('adminpw')}:ADMIN\n"
                f"alice:{crypt_hash('alicepw')}:USER\nvic:{crypt_hash('vicpw')}:VIEWER\n")
    port = free_port()
    state = os.path.join(d, "state")
    cfg = os.path.join(d, "ballast.yaml")
    with open(cfg, "w") as f:
        f.write(f"api:\n  port: {port}\n  credentialsFile: {creds}\n  tlsCertFile: {crt}\n"
                f"  tlsKeyFile: {key}\n  maxBodyBytes: 4096\n"
                f"executor:\n  stateDir: {state}\n")
    log = open(os.path.join(d, "serve.log"), "w")
    proc = start(["--config", cfg, "--snapshot", snap], log)
    c = Client(f"https://127.0.0.1:{port}", ca)
    admin = {"user": "admin", "pw": "adminpw"}
    alice = {"user": "alice", "pw": "alicepw"}
    vic = {"user": "vic", "pw": "vicpw"}
    check("serve starts and the default proposal is ready", wait_ready(c, proc, **vic),
          open(os.path.join(d, "serve.log")).read()[-2000:])

    # TLS: verified with the CA; refused without it
    try:
        urllib.request.urlopen(f"https://127.0.0.1:{port}/healthz",
                               context=ssl.create_default_context(), timeout=10)
        check("TLS without the CA is refused", False, "connected")
    except (urllib.error.URLError, ssl.SSLError) as e:
        check("TLS without the CA is refused", "CERTIFICATE_VERIFY_FAILED" in str(e), str(e))
    st, _, text, _ = c.call("GET", "/healthz")
    check("healthz over TLS verified by the CA, no auth", st == 200 and text == "ok\n", (st, text))

    # auth
    st, j, _, h = c.call("GET", "/api/v1/state")
    check("no credentials -> 401", st == 401 and "authentication required" in j["errorMessage"]
          and h.get("WWW-Authenticate", "").startswith("Basic"), (st, j))
    st, j, _, _ = c.call("GET", "/api/v1/state", user="admin", pw="wrong")
    check("wrong password -> 401", st == 401, (st, j))
    st, j, _, _ = c.call("POST", "/api/v1/stop", **vic)
    check("VIEWER on an ADMIN endpoint -> 403", st == 403 and "needs ADMIN" in j["errorMessage"],
          (st, j))
    st, j, _, _ = c.call("POST", "/api/v1/rebalance", {}, **vic)
    check("VIEWER dry run -> 403", st == 403, (st, j))
    st, j, _, _ = c.call("POST", "/api/v1/rebalance", {"dryrun": False}, **alice)
    check("USER execution -> 403", st == 403 and "needs ADMIN" in j["errorMessage"], (st, j))

    # a dry run
    st, j, _, h = c.call("POST", "/api/v1/rebalance", {"verbose": True}, **alice)
    check("dry run -> 200 with a proposal", st == 200 and j.get("proposalId") and
          "summary" in j and "goalSummary" in j and "proposals" in j and
          h.get("Task-ID") == j.get("taskId"), (st, str(j)[:300]))
    pid = j.get("proposalId") if j else None
    st, j2, _, _ = c.call("POST", "/api/v1/rebalance?goals=RackAwareGoal,ReplicaCapacityGoal"
                          "&skipHardGoalCheck=true",
                          **alice)
    check("dry run with goals (query) -> 200, planned", st == 200 and
          [g["goal"] for g in j2["goalSummary"]] == ["RackAwareGoal", "ReplicaCapacityGoal"],
          (st, str(j2)[:300]))
    st, j2, _, _ = c.call("GET", "/api/v1/proposals", **vic)
    check("proposals lists it", st == 200 and pid in [p["id"] for p in j2["proposals"]], j2)
    st, j2, _, _ = c.call("GET", f"/api/v1/tasks/{j['taskId']}", **vic)
    check("the task holds the result", st == 200 and j2["state"] == "Completed" and
          j2["result"]["proposalId"] == pid and j2["user"] == "alice", str(j2)[:300])
    st, j2, _, _ = c.call("POST", "/api/v1/rebalance", {"dryrun": False, "proposalId": pid},
                          **admin)
    check("executing on a snapshot -> 400", st == 400 and "snapshot" in j2["errorMessage"],
          (st, j2))
    backing = ("recentWindows", "monitoredPartitionsPercentage", "loadMeasured")
    for path in ("/api/v1/load", "/api/v1/partition_load?resource=disk&entries=5"):
        st, j2, _, _ = c.call("GET", path, **vic)
        check(f"GET {path}", st == 200 and j2, (st, str(j2)[:200]))
        check(f"GET {path} says what backs the load (a generated snapshot: nothing measured)",
              j2 and all(k in j2 for k in backing) and j2["loadMeasured"] is False and
              j2["recentWindows"] == 0, {k: (j2 or {}).get(k) for k in backing})
    st, j2, _, _ = c.call("GET", "/api/v1/state", **vic)
    mon = (j2 or {}).get("monitor", {})
    check("GET state: monitor says what backs the load", st == 200 and
          mon.get("loadMeasured") is False and mon.get("numValidWindows") == 0 and
          "monitoredPartitionsPercentage" in mon and mon.get("state") == "NOT_CONFIGURED", mon)
    st, j2, _, _ = c.call("GET", "/api/v1/openapi.json", **vic)
    check("openapi document", st == 200 and j2["openapi"].startswith("3.") and
          "/api/v1/rebalance" in j2["paths"] and "/api/v1/execution" in j2["paths"], st)

    # bad requests -> documented 4xx naming the problem
    bad = [
        ("POST", "/api/v1/rebalance", {"dryrn": True}, None, 400, "unknown parameter 'dryrn'"),
        ("POST", "/api/v1/rebalance", {"goals": ["Nope"]}, None, 400, "unknown goal 'Nope'"),
        ("POST", "/api/v1/rebalance", {"concurrency": "x"}, None, 400, "'x' is not a number"),
        ("POST", "/api/v1/rebalance", {"mode": "remove-brokers", "brokers": [4242]}, None, 400,
         "broker 4242 does not exist"),
        ("POST", "/api/v1/rebalance", {"mode": "remove-disks"}, None, 400,
         "mode remove-disks needs disks"),
        ("POST", "/api/v1/rebalance", {"disks": "1:0"}, None, 400,
         "disks go with mode remove-disks, not full"),
        ("POST", "/api/v1/rebalance", {"mode": "remove-disks", "disks": "1:/a,x"}, None, 400,
         "parameter 'disks': item 2 'x' (offset 5)"),
        ("POST", "/api/v1/rebalance", {"mode": "remove-disks", "disks": "1:/nope"}, None, 400,
         "broker 1 has no log dir '/nope' (its log dirs: 0=/var/lib/kafka/data-0"),
        # the generated cluster is full: broker 1's other dir cannot take dir 0's replicas
        ("POST", "/api/v1/rebalance", {"mode": "remove-disks", "disks": "1-0"}, None, 500,
         "broker 1: the replicas on log dirs /var/lib/kafka/data-0 need "),
        ("POST", "/api/v1/rebalance", None, b'{"mode":', 400, "malformed JSON"),
        ("POST", "/api/v1/rebalance", None, b"x" * 5000, 413, "maxBodyBytes"),
        ("POST", "/api/v1/rebalance?mode=full&mode=demote", None, None, 400, "given twice"),
        ("GET", "/api/v1/state?verbose=true", None, None, 400, "unknown parameter 'verbose'"),
        ("GET", "/api/v1/nothing", None, None, 404, "no such endpoint"),
        ("DELETE", "/api/v1/state", None, None, 405, "not allowed"),
        ("GET", "/api/v1/tasks/123", None, None, 404, "no task"),
        ("POST", "/api/v1/stop", None, None, 409, "no execution"),
        ("POST", "/api/v1/execution", {"concurrency": 3}, None, 409, "no execution"),
        ("POST", "/api/v1/rebalance", {"progressCheckIntervalMs": 5}, None, 400,
         "parameter 'progressCheckIntervalMs': expected a whole number 100..3600000"),
        ("POST", "/api/v1/rebalance", {"clusterConcurrency": 0}, None, 400,
         "parameter 'clusterConcurrency'"),
        ("POST", "/api/v1/rebalance", {"mode": "replication-factor"}, None, 400,
         "mode replication-factor needs topics and replicationFactor"),
        ("POST", "/api/v1/rebalance", {"topics": "t.*", "replicationFactor": 2}, None, 400,
         "topics and replicationFactor go with mode replication-factor"),
        ("POST", "/api/v1/rebalance", {"mode": "replication-factor", "topics": "(",
                                       "replicationFactor": 2}, None, 400,
         "parameter 'topics': '(' is not a regular expression"),
        ("POST", "/api/v1/rebalance", {"mode": "replication-factor", "topics": "nope",
                                       "replicationFactor": 2}, None, 500,
         "There is no topic in cluster matching pattern 'nope'."),
        ("POST", "/api/v1/rebalance", {"stopOngoingExecution": True}, None, 400,
         "stopOngoingExecution stops the running execution to start this one: give dryrun=false"),
        ("POST", "/api/v1/execution", {}, None, 400, "nothing to change"),
        ("POST", "/api/v1/execution", {"concurrency": 0}, None, 400,
         "parameter 'concurrency': expected a whole number 1..100000"),
        ("POST", "/api/v1/execution?throttle=0.5", None, None, 400, "not a rate Kafka can keep"),
        ("POST", "/api/v1/execution?progressCheckIntervalMs=5", None, None, 400,
         "parameter 'progressCheckIntervalMs'"),
        ("POST", "/api/v1/execution", {"perBroker": 3}, None, 400, "unknown parameter 'perBroker'"),
        ("GET", "/api/v1/partition_load?resource=gpu", None, None, 400, "parameter 'resource'"),
    ]
    for method, path, body, raw, want, needle in bad:
        st, j2, text, _ = c.call(method, path, body, raw=raw, **admin)
        check(f"{method} {path} {str(body or raw)[:30]} -> {want}",
              st == want and j2 and needle in j2.get("errorMessage", ""), (st, text[:300]))

    # the CLI client
    pwfile = os.path.join(d, "pw")
    with open(pwfile, "w") as f:
        f.write("alicepw\n")
    out_json = os.path.join(d, "cli-proposal.json")
    p = sh(BIN, "rebalance", "--server", f"https://127.0.0.1:{port}", "--cacert", ca, "--user",
           "alice", "--password-file", pwfile, "--dry-run", "--goals",
           "RackAwareGoal,ReplicaDistributionGoal", "--skip-hard-goal-check",
           "--output-json", out_json)
    check("ballast rebalance --server --dry-run", p.returncode == 0 and "proposal " in p.stdout
          and json.load(open(out_json)).get("proposalId"), p.stdout + p.stderr)
    if p.returncode == 0:
        want = ["  %-40s %-9s violations %d -> %d %s" % (g["goal"], g["status"],
                                                        g["violationsBefore"],
                                                        g["violationsAfter"], g["violationUnit"])
                for g in json.load(open(out_json))["goalSummary"]]
        check("ballast rebalance --server prints each goal's violations before -> after",
              want and all(w in p.stdout.splitlines() for w in want), (want, p.stdout))
    p = sh(BIN, "rebalance", "--server", f"https://127.0.0.1:{port}", "--cacert", ca, "--user",
           "alice", "--password-file", pwfile, "--goals", "Nope")
    check("ballast rebalance --server: a refusal is exit 1 with the message",
          p.returncode == 1 and "unknown goal 'Nope'" in p.stderr, p.stderr)
    p = sh(BIN, "status", "--server", f"https://127.0.0.1:{port}", "--cacert", ca, "--user",
           "vic", env={**os.environ, "BALLAST_PASSWORD": "vicpw"})
    check("ballast status --server", p.returncode == 0 and "model: generation 1" in p.stdout and
          "NO_TASK_IN_PROGRESS" in p.stdout, p.stdout + p.stderr)
    p = sh(BIN, "status", "--server", f"https://127.0.0.1:{port}")
    check("ballast status without the CA fails", p.returncode == 1, p.stderr)
    vicenv = {**os.environ, "BALLAST_PASSWORD": "vicpw"}
    url = f"https://127.0.0.1:{port}"
    p = sh(BIN, "status", "--server", url, "--cacert", ca, "--user", "vic", "--json", env=vicenv)
    try:
        sj = json.loads(p.stdout)
    except ValueError:
        sj = None
    check("ballast status --server --json prints the state as JSON", p.returncode == 0 and
          isinstance(sj, dict), p.stdout[:300] + p.stderr)
    t0 = time.monotonic()
    p = sh(BIN, "status", "--server", url, "--cacert", ca, "--user", "vic", "--wait", env=vicenv)
    check("ballast status --wait with no execution returns at once, exit 0",
          p.returncode == 0 and time.monotonic() - t0 < 10 and "model: generation 1" in p.stdout,
          p.stdout + p.stderr)
    p = sh(BIN, "status", "--server", url, "--cacert", ca, "--user", "vic",
           env={**os.environ, "BALLAST_PASSWORD": "wrong"})
    check("ballast status, wrong password: exit 1, the 401 named", p.returncode == 1 and
          p.stderr.startswith("ballast: ") and "401" in p.stderr and "wrong user or password" in p.stderr and p.stdout == "",
          p.stdout + p.stderr)
    dead = f"https://127.0.0.1:{free_port()}"
    p = sh(BIN, "status", "--server", dead, "--cacert", ca, "--user", "vic", env=vicenv)
    check("ballast status, nothing listening: exit 1, the URL and the reason",
          p.returncode == 1 and p.stderr.startswith("ballast: ") and dead in p.stderr and
          ("onnect" in p.stderr or "refused" in p.stderr), p.stderr)
    p = sh(BIN, "status", "--server", "not a url", "--cacert", ca, "--user", "vic", env=vicenv)
    check("ballast status, a bad URL: exit 2 (a bad value, docs/cli.md) naming the form",
          p.returncode == 2 and "expected http://HOST:PORT" in p.stderr, (p.returncode, p.stderr))
    p = sh(BIN, "status", "--server", url, "--nope")
    check("ballast status, an unknown option: exit 2", p.returncode == 2, p.stderr)

    # metrics
    st, _, text, _ = c.call("GET", "/metrics", **vic)
    check("metrics", st == 200 and "ballast_model_generation 1" in text and
          'ballast_http_requests_total{method="POST",endpoint="/api/v1/rebalance",code="400"}'
          in text and 'ballast_tasks{state="Completed"}' in text, text[:500])

    # a second service on the state dir
    p = sh(BIN, "serve", "--config", cfg, "--snapshot", snap, "--port", str(free_port()))
    check("a second serve on the state dir refuses", p.returncode == 1 and
          "in use by another ballast serve" in p.stderr, p.stderr)

    # SIGTERM, restart, tasks still there
    st, before, _, _ = c.call("GET", "/api/v1/tasks", **vic)
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(20)
    except subprocess.TimeoutExpired:
        rc = None
        proc.kill()
    check("SIGTERM -> exit 0", rc == 0, rc)
    proc = start(["--config", cfg, "--snapshot", snap], log)
    check("restart", wait_ready(c, proc, **vic))
    st, after, _, _ = c.call("GET", "/api/v1/tasks", **vic)
    ids = lambda j: sorted(t["id"] for t in j["tasks"])  # noqa: E731
    check("tasks still listed after a restart", st == 200 and ids(before) == ids(after) and
          len(ids(after)) >= 3, (len(before["tasks"]), len(after["tasks"])))
    proc.send_signal(signal.SIGTERM)
    proc.wait(20)

    # a short bounded load test on plain HTTP without auth
    port2 = free_port()
    proc = start(["--snapshot", snap, "--state-dir", os.path.join(d, "state2"), "--port",
                  str(port2)], log)
    c2 = Client(f"http://127.0.0.1:{port2}")
    check("plain serve ready", wait_ready(c2, proc))
    p = sh(sys.executable, os.path.join(HERE, "load.py"), f"http://127.0.0.1:{port2}",
           "--requests", "3000", "--concurrency", "16")
    check("load: 3000 requests, 16 concurrent, every answer well-formed", p.returncode == 0,
          p.stdout[-1500:] + p.stderr[-500:])
    print(p.stdout, file=sys.stderr)
    proc.send_signal(signal.SIGTERM)
    check("SIGTERM after load -> exit 0", proc.wait(20) == 0)

    # SIGTERM while the model read waits on a silent bootstrap broker (accepts, never answers)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    silent.settimeout(20)
    proc = start(["--bootstrap", f"127.0.0.1:{silent.getsockname()[1]}", "--state-dir",
                  os.path.join(d, "state3"), "--port", str(free_port())], log)
    try:
        conn, _ = silent.accept()  # the refresher is now waiting for an answer
    except OSError as e:
        conn = None
        check("serve dials the silent bootstrap", False, repr(e))
    time.sleep(0.5)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
        proc.kill()
    took = time.monotonic() - t0
    print(f"# SIGTERM to exit during a silent model read: {took:.2f} s", file=sys.stderr)
    check("SIGTERM during a model read from a silent broker: exit 0 within 2 s",
          rc == 0 and took < 2, (rc, round(took, 2)))
    if conn:
        conn.close()
    silent.close()
    log.flush()
    tail = open(os.path.join(d, "serve.log")).read()[-3000:]
    check("the cancelled read is logged as such, not as a failed refresh",
          "model refresh cancelled: the service stops" in tail and
          "model refresh failed" not in tail, tail[-800:])


with tempfile.TemporaryDirectory() as d:
    try:
        main(d)
    except Exception as e:  # a failure to run is a test failure with its message
        check("serve test", False, repr(e))
        try:
            print(open(os.path.join(d, "serve.log")).read()[-3000:], file=sys.stderr)
        except OSError:
            pass
print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
