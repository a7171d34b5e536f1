#!/usr/bin/env python3
"""Ballast's Cruise Control API (/kafkacruisecontrol/) against `ballast serve --snapshot` (suite
cli; no Kafka): every endpoint's answers validate against Cruise Control's OpenAPI schemas (with
the corrections of cc_contract.ERRATA), bad parameters on every endpoint get Cruise Control's
status and error body, the transport (case-insensitive names, whitelist text, json=false text,
Cruise-Control-Version and User-Task-ID headers), the async protocol (202 with progress, the
session cookie, User-Task-ID re-attach, user_tasks, the 5-task cap's text), roles, tasks shared
with the native API, and the optimization result and state typed as Strimzi's fixtures.
Prints 'N passed, N failed'."""
import base64
import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_contract as cc  # noqa: E402
from testkit import check, crypt_hash, free_port, results, sh  # noqa: E402

BIN = os.environ.get("BALLAST_BIN", "build/cli/ballast")
UUID_LEN = 36


class CC:
    """A client of /kafkacruisecontrol/ with its own cookie jar (a session, as cccli's)."""

    def __init__(self, port, user, pw):
        self.base = f"http://127.0.0.1:{port}/kafkacruisecontrol/"
        self.auth = "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, method, endpoint, query="", headers=None):
        req = urllib.request.Request(self.base + endpoint + ("?" + query if query else ""),
                                     method=method, data=b"" if method == "POST" else None)
        req.add_header("Authorization", self.auth)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with self.opener.open(req, timeout=60) as r:
                status, text, hdrs = r.status, r.read().decode(), r.headers
        except urllib.error.HTTPError as e:
            status, text, hdrs = e.code, e.read().decode(), e.headers
        try:
            j = json.loads(text)
        except ValueError:
            j = None
        return status, j, text, hdrs

    def final(self, method, endpoint, query="", seconds=60):
        """Polls with the session cookie until the answer is not 202."""
        t0 = time.time()
        while True:
            st, j, text, h = self.call(method, endpoint, query)
            if st != 202 or time.time() - t0 > seconds:
                return st, j, text, h
            time.sleep(0.1)


# Parameters that make each endpoint answer 200 on the test snapshot (the rest answer as
# Cruise Control does with the feature off, checked against the error schema).
GOOD = {
    "add_broker": "brokerid=2", "remove_broker": "brokerid=2", "demote_broker": "brokerid=2",
    "topic_configuration": "topic=topic-0000&replication_factor=2",
    "remove_disks": "brokerid_and_logdirs=7-/var/lib/kafka/data-0", "rebalance": "verbose=true",
    "admin": "concurrent_partition_movements_per_broker=3&concurrent_leader_movements=500",
    "proposals": "verbose=true", "state": "verbose=true",
}
FEATURE_OFF = {"bootstrap": 403, "train": 403, "review": 403, "review_board": 403,
               "rightsize": 403}


def serve(d, tag, api_extra, *args):
    """`ballast serve` on d/snap.json with the users of d/users, its files named with tag."""
    port = free_port()
    cfg = os.path.join(d, f"ballast{tag}.yaml")
    with open(cfg, "w") as f:
        f.write(f"api:\n  port: {port}\n  credentialsFile: {os.path.join(d, 'users')}\n"
                f"{api_extra}  planners: 1\nexecutor:\n"
                f"  stateDir: {os.path.join(d, 'state' + tag)}\n")
    log = open(os.path.join(d, f"serve{tag}.log"), "w")
    proc = subprocess.Popen([BIN, "serve", "--config", cfg, "--snapshot",
                             os.path.join(d, "snap.json"), *args], stdout=log,
                            stderr=subprocess.STDOUT)
    return port, proc, log


def main(d):
    snap = os.path.join(d, "snap.json")
    p = sh(BIN, "generate", "--seed", "7", "--brokers", "9", "--racks", "3", "--partitions",
           "3000", "--topics", "12", "--broker-skew", "0.8", "--out", snap)
    check("generate", p.returncode == 0, p.stderr)
    creds = os.path.join(d, "users")
    with open(creds, "w") as f:
        f.write(f"admin:{crypt_hash('adminpw')}:ADMIN\nalice:{crypt_hash('alicepw')}:USER\n"
                f"vic:{crypt_hash('vicpw')}:VIEWER\n")
    port, proc, log = serve(d, "", "  blockMs: 1\n")
    admin, alice, vic = CC(port, "admin", "adminpw"), CC(port, "alice", "alicepw"), \
        CC(port, "vic", "vicpw")
    t0 = time.time()
    ready = False
    while time.time() - t0 < 60 and proc.poll() is None and not ready:
        try:
            st, j, _, _ = vic.call("GET", "state", "json=true&substates=analyzer")
            ready = st == 200 and j["AnalyzerState"]["isProposalReady"]
        except OSError:
            pass
        time.sleep(0.2)
    if not check("serve ready (AnalyzerState.isProposalReady)", ready):
        return

    # ---- every endpoint: its answer validates against Cruise Control's schema ----
    for ep, method, spec_params in cc.endpoints():
        q = "json=true" + ("&" + GOOD[ep] if ep in GOOD else "")
        st, j, text, h = admin.final(method, ep, q)
        want = FEATURE_OFF.get(ep, 200)
        err = cc.validate(ep, method, st, j) if j is not None else "not JSON: " + text[:200]
        check(f"{method} {ep} -> {want}, schema-valid", st == want and err is None,
              (st, err, text[:300]))
        check(f"{method} {ep}: Cruise-Control-Version and User-Task-ID headers",
              h.get("Cruise-Control-Version") and len(h.get("User-Task-ID", "")) == UUID_LEN,
              dict(h))
        # the whitelist covers every parameter the spec names (what Cruise Control accepts)
        names = "&".join(f"{n}=" for n in spec_params if n not in ("json",))
        st2, j2, _, _ = admin.call(method, ep, "json=true&ballast_bogus=1&Another=2")
        check(f"{method} {ep}: unknown parameters -> 400 naming them, error schema",
              st2 == 400 and j2["errorMessage"] == f"Unrecognized endpoint parameters in "
              f"{ep.upper()} {method} request: [Another, ballast_bogus]." and
              cc.validate(ep, method, 400, j2) is None, (st2, j2))
        st3, j3, _, _ = admin.call(method, ep, "json=maybe")
        check(f"{method} {ep}: json=maybe -> 400 naming json", st3 == 400 and j3 is None,
              (st3, j3))
        del names

    # remove_disks plans the moves off the dir: intra-broker moves only, all from broker 7
    st, j, text, _ = admin.final("POST", "remove_disks", "json=true&" + GOOD["remove_disks"])
    check("remove_disks: an optimization result with intra-broker moves and no inter-broker one",
          st == 200 and j["summary"]["numIntraBrokerReplicaMovements"] > 0 and
          j["summary"]["numReplicaMovements"] == 0, (st, text[:300]))
    st, j, _, _ = admin.call("POST", "admin", "json=true&concurrent_partition_movements_per_broker"
                             "=3&max_partition_movements_in_cluster=100")
    st2, j2, _, _ = admin.call("POST", "admin", "json=true&enable_self_healing_for=goal_violation"
                               "&disable_self_healing_for=BROKER_FAILURE")
    check("admin: self-healing answered as Cruise Control with its default NoopNotifier",
          st2 == 200 and j2["selfHealingEnabledBefore"] == {"GOAL_VIOLATION": False,
                                                          "BROKER_FAILURE": False} and
          j2["selfHealingEnabledAfter"] == {"GOAL_VIOLATION": True, "BROKER_FAILURE": False} and
          cc.validate("admin", "POST", 200, j2) is None, (st2, j2))
    st3, j3, _, _ = admin.call("POST", "admin", "json=true&enable_self_healing_for=goal_violation"
                               "&disable_self_healing_for=GOAL_VIOLATION,BROKER_FAILURE")
    check("admin: one anomaly type both enabled and disabled -> 400 with Cruise Control's text",
          st3 == 400 and "The same anomaly cannot be specified in both disable and enable "
          "parameters" in j3.get("errorMessage", ""), (st3, j3))
    st2, j2, _, _ = vic.call("GET", "state", "json=true&substates=anomaly_detector")
    check("admin: ... and nothing is enabled (AnomalyDetectorState); without the "
          "auto-rebalancer's self-healing BROKER_FAILURE too stays off",
          st2 == 200 and not j2["AnomalyDetectorState"]["selfHealingEnabled"], j2)
    st2, j2, _, _ = admin.call("POST", "admin", "json=true&drop_recently_removed_brokers=1,2")
    check("admin: drop_recently_removed_brokers answers Cruise Control's text (nothing kept)",
          st2 == 200 and j2["dropRecentBrokersRequest"] == "None of the brokers to drop ([1, 2]) "
          "are in the recently removed broker set ([]).\n", (st2, j2))
    check("admin: Cruise Control's ongoingConcurrencyChangeRequest (no execution runs: no effect)",
          st == 200 and j["ongoingConcurrencyChangeRequest"] ==
          "Inter-broker partition movement concurrency is set to 3\n"
          "Max inter-broker partition movements is set to 100\n", (st, j))

    # topic_configuration: replication factor 3 -> 2 and 3 -> 4 on the 3-rack snapshot
    snapd = json.load(open(snap))
    rack = {b["id"]: b["rack"] for b in snapd["brokers"]}
    before = {p["partition"]: p["replicas"] for t in snapd["topics"] if t["name"] == "topic-0001"
              for p in t["partitions"]}
    st, j, text, _ = admin.final("POST", "topic_configuration",
                                 "json=true&verbose=true&topic=topic-000[1]&replication_factor=2")
    props = j.get("proposals", []) if j else []
    check("topic_configuration 3 -> 2: every partition, leader kept first, two racks",
          st == 200 and len(props) == len(before) and all(
              len(p["newReplicas"]) == 2 and p["newReplicas"][0] == p["oldLeader"] and
              set(p["newReplicas"]) <= set(p["oldReplicas"]) and
              len({rack[b] for b in p["newReplicas"]}) == 2 for p in props) and
          j["summary"]["numReplicaMovements"] == 0, (st, text[:400]))
    st, j, text, _ = admin.final("POST", "topic_configuration",
                                 "json=true&verbose=true&topic=topic-0001&replication_factor=4")
    check("topic_configuration 3 -> 4 on 3 racks: Cruise Control's refusal",
          st == 500 and "since there are only 3 racks in the cluster, to skip the rack-awareness "
          "check, set skip_rack_awareness_check to true" in j["errorMessage"], (st, text[:400]))
    st, j, text, _ = admin.final("POST", "topic_configuration", "json=true&verbose=true&"
                                 "topic=topic-0001&replication_factor=4&"
                                 "skip_rack_awareness_check=true")
    props = j.get("proposals", []) if j else []
    check("topic_configuration 3 -> 4 skipping the rack check: one replica added per partition, "
          "the old ones kept in order",
          st == 200 and len(props) == len(before) and all(
              len(p["newReplicas"]) == 4 and p["newReplicas"][:3] == p["oldReplicas"] for p in props)
          and j["summary"]["numReplicaMovements"] == len(before) and
          j["summary"]["dataToMoveMB"] > 0, (st, text[:400]))
    for q, needle in (("topic=nope.*&replication_factor=2",
                       "There is no topic in cluster matching pattern 'nope.*'."),
                      ("topic=topic-0001&replication_factor=3",
                       "All topics matching given pattern already have target replication "
                       "factor.")):
        st, j, text, _ = admin.final("POST", "topic_configuration", "json=true&" + q)
        check(f"topic_configuration {q}: 500 {needle[:40]}...", st == 500 and j and
              needle in j["errorMessage"] and cc.validate("topic_configuration", "POST", 500, j)
              is None, (st, text[:400]))

    # ---- bad values: booleans, numbers, lists, brokers, goals ----
    bad = [
        ("POST", "rebalance", "json=true&dryrun=maybe", 400, "dryrun"),
        ("POST", "rebalance", "json=true&verbose=yes", 400, "verbose"),
        ("POST", "rebalance", "json=true&concurrent_partition_movements_per_broker=abc", 400,
         'For input string: "abc"'),
        ("POST", "rebalance", "json=true&goals=NoSuchGoal", 500, "NoSuchGoal"),
        ("POST", "rebalance", "json=true&goals=RackAwareGoal", 500, "Missing hard goals"),
        ("POST", "rebalance", "json=true&rebalance_disk=true", 400, "rebalance_disk"),
        ("POST", "rebalance", "json=true&dryrun=true&stop_ongoing_execution=true", 400,
         "cannot both be set to true"),
        ("POST", "rebalance", "json=true&execution_progress_check_interval_ms=5", 400,
         "execution_progress_check_interval_ms"),
        ("POST", "rebalance", "json=true&max_partition_movements_in_cluster=0", 400,
         "max_partition_movements_in_cluster"),
        ("POST", "rebalance", "json=true&replica_movement_strategies=Nope", 400,
         "replica_movement_strategies"),
        ("POST", "rebalance", "json=true&review_id=3", 400, "two-step verification"),
        ("POST", "add_broker", "json=true&brokerid=3,99", 500, "Broker [99] does not exist."),
        ("POST", "add_broker", "json=true", 400, "brokerid"),
        ("POST", "remove_broker", "json=true&brokerid=x", 400, 'For input string: "x"'),
        ("POST", "demote_broker", "json=true&brokerid=1&brokerid_and_logdirs=1-/a", 400,
         "brokerid_and_logdirs"),
        ("GET", "partition_load", "json=true&resource=bogus", 400, "Invalid resource type"),
        ("GET", "partition_load", "json=true&entries=-1", 400, "entries"),
        ("GET", "partition_load", "json=true&partition=3-1", 400, "partition"),
        ("GET", "load", "json=true&start=1000", 500, "NotEnoughValidWindowsException"),
        ("GET", "state", "json=true&substates=nope", 400, "substates"),
        ("GET", "user_tasks", "json=true&user_task_ids=not-a-uuid", 400, "Invalid UUID"),
        ("GET", "user_tasks", "json=true&types=Bogus", 400, "Bogus"),
        ("POST", "admin", "json=true&enable_self_healing_for=NOPE", 400,
         "Unsupported anomaly type NOPE"),
        ("POST", "admin", "json=true&concurrent_partition_movements_per_broker=0", 400,
         "The requested movement concurrency must be positive (Requested: 0)."),
        ("POST", "admin", "json=true&max_partition_movements_in_cluster=-2", 400,
         "The requested max partition movement must be positive (Requested: -2)."),
        ("POST", "admin", "json=true&execution_progress_check_interval_ms=5", 500,
         "Attempt to set execution progress check interval [5ms] to smaller than the minimum"),
        ("POST", "admin", "json=true", 400, "Nothing executable found in request."),
        ("POST", "remove_disks", "json=true&brokerid_and_logdirs=bogus", 400,
         "brokerid_and_logdirs"),
        ("POST", "remove_disks", "json=true&brokerid_and_logdirs=1-/data", 500,
         "Invalid log dirs provided for broker 1."),
        ("POST", "remove_disks", "json=true&brokerid_and_logdirs=99-/data", 500,
         "Broker [99] does not exist."),
        ("POST", "topic_configuration", "json=true&topic=x", 400,
         "Topic's replication factor is not specified in URL while subject topic is specified."),
        ("POST", "topic_configuration", "json=true&replication_factor=2", 400,
         "Topic is not specified in URL while target replication factor is specified."),
        ("POST", "topic_configuration", "json=true&topic=topic-0001&replication_factor=0", 400,
         "Target replication factor cannot be set to smaller than 1."),
    ]
    for method, ep, q, want, text in bad:
        st, j, raw, _ = admin.call(method, ep, q)
        check(f"bad: {method} {ep}?{q} -> {want} naming '{text}'",
              st == want and j is not None and text in j.get("errorMessage", "") and
              cc.validate(ep, method, st, j) is None and "stackTrace" in j and j["version"] == 1,
              (st, raw[:400]))
    st, j, raw, _ = admin.call("POST", "rebalance", "json=true&dryrun=maybe")
    check("400 wording: Bad POST request '/rebalance' due to '...'",
          j["errorMessage"].startswith("Bad POST request '/rebalance' due to '"), j)
    st, j, raw, _ = admin.call("POST", "add_broker", "json=true&brokerid=99")
    check("unknown broker: Strimzi's match (IllegalArgumentException ... does not exist.)",
          "IllegalArgumentException" in j["errorMessage"] and
          j["errorMessage"].endswith("does not exist.'."), j)

    # ---- transport ----
    st, j, _, _ = vic.call("GET", "StAtE", "JSON=TRUE&SubStates=EXECUTOR")
    check("endpoint and parameter names are case-insensitive", st == 200 and
          list(j.keys()) == ["ExecutorState", "version"], j)
    st, j, _, _ = vic.call("GET", "rebalance", "json=true")
    check("a POST endpoint with GET -> 404 listing the GET endpoints", st == 404 and
          "Supported GET endpoints" in j["errorMessage"], (st, j))
    st, _, text, h = vic.call("GET", "load")
    check("json defaults to false: plain text", st == 200 and
          h.get("Content-Type", "").startswith("text/plain") and "BROKER" in text, text[:200])
    st, _, text, _ = vic.call("GET", "state")
    check("state as text", st == 200 and text.startswith("MonitorState:"), text[:200])
    st, _, text, _ = alice.final("POST", "rebalance")
    check("rebalance as text", st == 200 and text.startswith("Optimization has"), text[:200])
    st, _, text, _ = vic.call("GET", "user_tasks")
    check("user_tasks as text", st == 200 and text.startswith("USER TASK ID"), text[:200])
    st, j, _, _ = vic.call("GET", "partition_load", "json=true&entries=3&resource=disk")
    check("partition_load: entries and resource", st == 200 and len(j["records"]) == 3 and
          j["records"][0]["disk"] >= j["records"][1]["disk"], j)
    st, j, _, _ = vic.call("GET", "partition_load", "json=true&topic=topic-000[12]&brokerid=1")
    check("partition_load: topic regex (whole names) and brokerid", st == 200 and
          j["records"] and all(r["topic"] in ("topic-0001", "topic-0002") and
                               1 in [r["leader"]] + r["followers"] for r in j["records"]),
          str(j)[:300])
    st, j, _, _ = vic.call("GET", "permissions", "json=true")
    check("permissions: the caller's roles", st == 200 and j["roles"] == ["VIEWER"], j)

    # ---- roles: VIEWER GET, USER dry runs, ADMIN execute/stop/admin ----
    st, j, _, _ = vic.call("POST", "rebalance", "json=true")
    check("VIEWER dry run -> 403", st == 403 and "needs USER" in j["errorMessage"], (st, j))
    st, j, _, _ = alice.call("POST", "rebalance", "json=true&dryrun=false")
    check("USER execution -> 403", st == 403 and "needs ADMIN" in j["errorMessage"], (st, j))
    for ep in ("stop_proposal_execution", "pause_sampling", "admin"):
        st, j, _, _ = alice.call("POST", ep, "json=true")
        check(f"USER {ep} -> 403", st == 403, (st, j))
    st, j, _, _ = admin.call("POST", "rebalance", "json=true&dryrun=false")
    check("execution on a snapshot -> 500 with the reason", st == 500 and
          "snapshot" in j["errorMessage"], (st, j))

    # ---- async: 202 with progress, cookie, User-Task-ID, user_tasks ----
    s = CC(port, "alice", "alicepw")
    # every default goal, planned (excluded_topics keeps it out of the proposal cache): far
    # longer than blockMs
    q = "json=true&excluded_topics=no_such_topic_x"
    st, j, _, h = s.call("POST", "rebalance", q)
    tid = h.get("User-Task-ID")
    check("a planned request answers 202 with progress (blockMs 1)", st == 202 and
          j["progress"][0]["operation"] == "Rebalance" and
          cc.validate("rebalance", "POST", 202, j) is None, (st, j))
    check("202 sets the session cookie", any(c.name == "JSESSIONID" for c in s.jar), list(s.jar))
    st, j, _, h = s.final("POST", "rebalance", q)
    check("re-attach by cookie: the same task, then its result", st == 200 and
          h.get("User-Task-ID") == tid and "goalSummary" in j, (st, h.get("User-Task-ID"), tid))
    other = CC(port, "alice", "alicepw")
    st, j, _, h = other.call("POST", "rebalance", q, headers={"User-Task-ID": tid})
    check("re-attach by User-Task-ID header", st == 200 and h.get("User-Task-ID") == tid, st)
    st, j, _, _ = other.call("POST", "rebalance", q, headers={
        "User-Task-ID": "00000000-0000-4000-8000-000000000000"})
    check("unknown User-Task-ID -> 500 Unexpected header", st == 500 and
          "Unexpected header" in j["errorMessage"], (st, j))
    st, j, _, _ = vic.call("GET", "user_tasks",
                           f"json=true&fetch_completed_task=true&user_task_ids={tid}")
    t = j["userTasks"][0] if j and j["userTasks"] else {}
    orig = json.loads(t.get("originalResponse", "{}"))
    check("user_tasks: the task, StartMs a string, originalResponse a JSON string",
          st == 200 and t.get("UserTaskId") == tid and isinstance(t.get("StartMs"), str) and
          t["StartMs"].isdigit() and t.get("Status") == "Completed" and
          t.get("RequestURL", "").startswith("POST /kafkacruisecontrol/rebalance?") and
          "loadAfterOptimization" in orig and
          cc.validate("user_tasks", "GET", 200, j) is None, str(j)[:500])
    st, j, _, _ = vic.call("GET", "user_tasks", f"json=true&user_task_ids={tid}")
    check("user_tasks without fetch_completed_task: no originalResponse",
          "originalResponse" not in j["userTasks"][0], j)
    st, j, _, _ = vic.call("GET", "user_tasks", "json=true&types=Completed&endpoints=rebalance")
    check("user_tasks filters types and endpoints", st == 200 and j["userTasks"] and
          all(x["Status"] == "Completed" and "/rebalance" in x["RequestURL"]
              for x in j["userTasks"]), str(j)[:300])
    nat = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/tasks/{tid}")
    nat.add_header("Authorization", vic.auth)
    with urllib.request.urlopen(nat, timeout=30) as r:
        nj = json.loads(r.read())
    check("the CC task is the service's task (native /api/v1/tasks/{id})",
          nj.get("id") == tid and nj.get("requestUrl", "").startswith("POST /kafkacruisecontrol"),
          nj)
    nat = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/rebalance", method="POST",
                                 data=b"{}")
    nat.add_header("Authorization", alice.auth)
    with urllib.request.urlopen(nat, timeout=60) as r:
        ntid = r.headers.get("Task-ID")
    st, j, _, _ = vic.call("GET", "user_tasks", f"json=true&user_task_ids={ntid}")
    check("a native task is listed by user_tasks", st == 200 and len(j["userTasks"]) == 1 and
          j["userTasks"][0]["RequestURL"] == "POST /api/v1/rebalance", j)

    # ---- the active-task cap: Cruise Control's exact text ----
    answers = []
    lock = threading.Lock()
    # all ten at once: one planner, so at least five wait in the queue (Active) when the others
    # arrive, however fast a plan is and however slowly this machine starts threads
    start = threading.Barrier(10)

    def one(i):
        c = CC(port, "alice", "alicepw")
        start.wait(60)
        r = c.call("POST", "rebalance", f"json=true&skip_hard_goal_check=true&goals="
                   f"RackAwareGoal,ReplicaDistributionGoal,DiskUsageDistributionGoal&reason=cap{i}")
        with lock:
            answers.append(r)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(10)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    capped = [j for st, j, _, _ in answers if st == 500 and j]
    check("over 5 active tasks -> 500 with the servlet-capacity text",
          capped and all(j["errorMessage"] == "Error processing POST request '/rebalance' due "
                         "to: 'There are already 5 active user tasks, which has reached the "
                         "servlet capacity.'." for j in capped),
          [(st, (j or {}).get("errorMessage")) for st, j, _, _ in answers])

    # ---- shapes as Strimzi's fixtures type them ----
    t0 = time.time()  # let the capped burst's tasks finish first
    while time.time() - t0 < 120:
        st, j, _, _ = vic.call("GET", "user_tasks", "json=true&types=Active")
        if st == 200 and not j["userTasks"]:
            break
        time.sleep(0.2)
    st, j, _, _ = alice.final("POST", "rebalance", "json=true&verbose=true&dryrun=true&"
                              "skip_hard_goal_check=false&rebalance_disk=false")
    diffs = cc.same_types(j, cc.fixture("CC-Rebalance-no-goals-verbose.json"), skip=("hash",))
    check("rebalance verbose: every field of Strimzi's fixture, same types", not diffs, diffs)
    st, j, _, _ = vic.call("GET", "state", "json=true&verbose=false")
    diffs = cc.same_types(j, cc.fixture("CC-State.json"))
    check("state: every field of Strimzi's CC-State.json, same types", not diffs, diffs)
    st, j, _, _ = admin.call("POST", "stop_proposal_execution", "json=true")
    check("stop with nothing running: Strimzi's CC-Stop.json", st == 200 and
          j == cc.fixture("CC-Stop.json"), j)
    st, j, _, _ = admin.call("POST", "pause_sampling", "json=true&reason=test")
    st2, j2, _, _ = vic.call("GET", "state", "json=true&substates=monitor")
    check("pause_sampling: message and a state", st == 200 and j["message"] and st2 == 200, j)
    admin.call("POST", "resume_sampling", "json=true")

    proc.send_signal(signal.SIGTERM)
    check("SIGTERM -> exit 0", proc.wait(30) == 0)
    # in the sanitizer build (scripts/test.sh runs this suite there with build-san's binary):
    # a report that did not stop the service (UBSan without halt_on_error) still fails the test
    log.close()
    text = open(os.path.join(d, "serve.log"), errors="replace").read()
    reports = [ln for ln in text.splitlines() if "runtime error:" in ln or "Sanitizer" in ln]
    check("no sanitizer report in the service's log", not reports, reports[:5])


def self_healing(d):
    """A second, small service with the auto-rebalancer and self-healing configured
    (--self-healing-ms): BROKER_FAILURE is that self-healing, on at the start, switched by
    admin (before/after as Cruise Control answers), shown in AnomalyDetectorState (JSON and
    text, the ratio of the time it was on) and in the native state's autoRebalance; the other
    anomaly types stay off whatever admin is asked. (That switched off it heals nothing:
    tests/rebalance/test_standalone.py.)"""
    port, proc, log = serve(d, "-heal", "", "--auto-rebalance", "my-cluster",
                            "--self-healing-ms", "600000")
    admin, vic = CC(port, "admin", "adminpw"), CC(port, "vic", "vicpw")

    def detector(query="json=true&substates=anomaly_detector"):
        st, j, text, _ = vic.call("GET", "state", query)
        return j["AnomalyDetectorState"] if j else text

    def native():
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/state")
        req.add_header("Authorization", vic.auth)
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())["autoRebalance"]["selfHealing"]["enabled"]
    t0 = time.time()
    up = False
    while time.time() - t0 < 60 and proc.poll() is None and not up:
        try:
            up = vic.call("GET", "state", "json=true&substates=executor")[0] == 200
        except OSError:
            time.sleep(0.2)
    if not check("serve --auto-rebalance --self-healing-ms answers", up):
        return
    others = ["DISK_FAILURE", "GOAL_VIOLATION", "METRIC_ANOMALY", "TOPIC_ANOMALY",
              "MAINTENANCE_EVENT"]
    st, j, _, _ = vic.call("GET", "state", "json=true&substates=anomaly_detector")
    a = j["AnomalyDetectorState"]
    check("self-healing configured: BROKER_FAILURE enabled (ratio 1), the others disabled "
          "(ratio 0), schema-valid; the native state agrees",
          a["selfHealingEnabled"] == ["BROKER_FAILURE"] and a["selfHealingDisabled"] == others
          and a["selfHealingEnabledRatio"] == dict({"BROKER_FAILURE": 1.0},
                                                   **{t: 0.0 for t in others}) and
          cc.validate("state", "GET", 200, j) is None and native() is True, (a, native()))
    text = detector("substates=anomaly_detector")
    check("state as text: the lists and ratios as Java prints them",
          "AnomalyDetectorState: {selfHealingEnabled:[BROKER_FAILURE], selfHealingDisabled:"
          "[DISK_FAILURE, GOAL_VIOLATION, METRIC_ANOMALY, TOPIC_ANOMALY, MAINTENANCE_EVENT], "
          "selfHealingEnabledRatio:{BROKER_FAILURE=1.0, DISK_FAILURE=0.0," in text, text)
    st, j, _, _ = admin.call("POST", "admin", "json=true&disable_self_healing_for=broker_failure"
                             "&enable_self_healing_for=GOAL_VIOLATION")
    check("admin disable BROKER_FAILURE (enable GOAL_VIOLATION): before true/false, after "
          "false/true, schema-valid",
          st == 200 and j["selfHealingEnabledBefore"] == {"BROKER_FAILURE": True,
                                                         "GOAL_VIOLATION": False} and
          j["selfHealingEnabledAfter"] == {"BROKER_FAILURE": False, "GOAL_VIOLATION": True} and
          cc.validate("admin", "POST", 200, j) is None, (st, j))
    time.sleep(0.2)
    a = detector()
    ratio = a["selfHealingEnabledRatio"]
    check("... then nothing enabled (GOAL_VIOLATION not supported: stays off), BROKER_FAILURE's "
          "ratio below 1; the native state says off",
          a["selfHealingEnabled"] == [] and "BROKER_FAILURE" in a["selfHealingDisabled"] and
          0 < ratio["BROKER_FAILURE"] < 1 and ratio["GOAL_VIOLATION"] == 0 and
          native() is False, (a, native()))
    st, j, text, _ = admin.call("POST", "admin", "disable_self_healing_for=BROKER_FAILURE")
    check("admin disable again, as text: before false, after false",
          st == 200 and "selfHealingEnabledBefore: {BROKER_FAILURE=false}, "
          "selfHealingEnabledAfter: {BROKER_FAILURE=false}" in text, (st, text))
    st, j, _, _ = admin.call("POST", "admin", "json=true&enable_self_healing_for=BROKER_FAILURE")
    a = detector()
    check("admin enable BROKER_FAILURE: before false, after true; enabled again in both states",
          st == 200 and j["selfHealingEnabledBefore"] == {"BROKER_FAILURE": False} and
          j["selfHealingEnabledAfter"] == {"BROKER_FAILURE": True} and
          a["selfHealingEnabled"] == ["BROKER_FAILURE"] and native() is True, (j, a))
    st, j, _, _ = vic.call("POST", "admin", "json=true&disable_self_healing_for=BROKER_FAILURE")
    check("admin as VIEWER -> 403, self-healing left on", st == 403 and native() is True, (st, j))
    proc.send_signal(signal.SIGTERM)
    check("SIGTERM -> exit 0 (self-healing service)", proc.wait(30) == 0)
    log.close()


with tempfile.TemporaryDirectory() as d:
    try:
        main(d)
        self_healing(d)
    except Exception as e:  # a failure to run is a test failure with its message
        import traceback
        traceback.print_exc()
        check("cc test", False, repr(e))
    try:
        print(open(os.path.join(d, "serve.log")).read()[-2000:] if results["failed"] else "",
              file=sys.stderr)
    except OSError:
        pass
print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
