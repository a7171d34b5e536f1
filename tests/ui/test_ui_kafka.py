#!/usr/bin/env python3
"""The web view on the real multi-rack Kafka cluster (run under tests/kafka/with-cluster.sh):
`ballast serve` with credentials against the cluster, headless chromium as an ADMIN:

1. the cluster page shows every broker in its rack (broker i in rack r((i-1) mod R)) with
   non-empty bars;
2. 'New dry run' on the proposal page makes a dry run that appears there, with moves;
3. 'Execute' (clicked twice: the second click confirms) executes exactly that proposal; the
   execution page follows it live and reaches 100%, the task completes, the cluster's
   placement equals the proposal; while it runs (throttled to 500 KB/s) an ADMIN sees Stop,
   a VIEWER (whose page says the execution is in progress) does not;
4. the Rebalances page's buttons, clicked, on a remove-brokers KafkaRebalance resource
   (standalone mode, throttled): refresh -> a new proposal; approve -> Rebalancing, where the
   page offers stop and a VIEWER sees no button; stop -> Stopped with no move left in flight;
   refresh, approve -> Ready with the broker emptied;
5. the execution page's Stop, clicked during a second execution started from the page: it
   ends stopped with moves not done, no reassignment in flight and no throttle left.

Screenshots of each page go to the output folder. Prints 'N passed, N failed'."""
import base64
import json
import os
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "kafka"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "rebalance"))
from browser import Browser  # noqa: E402
from kafkalib import ongoing, throttles_left  # noqa: E402
from kt import BOOT, NBROKERS, RECORDS, check, finish, tool  # noqa: E402
from uitest import OUT, free_port, serve, stop, users_file  # noqa: E402

RENDERED = "return document.body.dataset.rendered === arguments[0]"
AUTH = "Basic " + base64.b64encode(b"admin:admin").decode()


def api(base, path):
    req = urllib.request.Request(base + path)
    req.add_header("Authorization", AUTH)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def placement():
    import re
    out = tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--describe")
    got = {}
    for line in out.splitlines():
        m = re.search(r"Topic: (\S+)\s+Partition: (\d+)\s+Leader: \S+\s+Replicas: ([\d,]+)", line)
        if m:
            got[(m.group(1), int(m.group(2)))] = [int(x) for x in m.group(3).split(",")]
    return got


def viewer_check(base):
    """While the execution runs (the ADMIN's page shows Stop): a VIEWER sees it in progress,
    with no Stop button. An execution already over would show no Stop to anyone, so the
    VIEWER's page must say EXECUTION_IN_PROGRESS for the check to count."""
    v = Browser()
    try:
        v.basic_auth("viewer", "viewer")
        v.get(f"{base}/ui/#execution")
        ok = v.wait("return document.body.dataset.rendered === 'execution' && "
                    "document.getElementById('exec-state')", 30)
        st = v.js("return {state: document.getElementById('exec-state').textContent,"
                  " stop: !!document.getElementById('stop'),"
                  " who: document.getElementById('who').textContent}") if ok else None
        check("a VIEWER sees the running execution (EXECUTION_IN_PROGRESS) and no Stop button",
              st and st["state"] == "EXECUTION_IN_PROGRESS" and
              not st["stop"] and "VIEWER" in st["who"], st)
    finally:
        v.quit()


# ---- the Rebalances page's buttons on a KafkaRebalance resource (standalone mode) ----

def kr_status(base, name):
    st = api(base, f"/api/v1/kafkarebalances/{name}").get("status", {})
    cond = [c["type"] for c in st.get("conditions", []) if c.get("status") == "True"]
    return (cond[0] if cond else None), st.get("sessionId")


def kr_wait(base, name, want, seconds, other_than=None):
    """Polls the API until the resource is in state `want` (under a session id other than
    other_than, when given); returns (state, sessionId) as last seen."""
    t0 = time.time()
    got = (None, None)
    while time.time() - t0 < seconds:
        got = kr_status(base, name)
        if got[0] == want and (other_than is None or got[1] != other_than):
            break
        time.sleep(0.3)
    return got


def rb_page(b, base):
    """The rebalances page drawn anew (it does not poll)."""
    b.get(f"{base}/ui/#cluster")
    b.wait(RENDERED, 60, "cluster")
    b.get(f"{base}/ui/#rebalances")
    return b.wait(RENDERED, 60, "rebalances")


def rb_row(b, name):
    return b.js("const r = [...document.querySelectorAll('#rebalances tr')]"
                ".find((x) => x.dataset.name === arguments[0]);"
                "return r ? {state: r.dataset.state, verbs: [...r.querySelectorAll('button')]"
                ".map((x) => x.dataset.verb), buttons: document.querySelectorAll("
                "'#page-rebalances button').length} : null", name)


def rb_click(b, name, verb):
    b.click(f'#rebalances tr[data-name="{name}"] button[data-verb="{verb}"]')


def viewer_rows(base, name):
    v = Browser()
    try:
        v.basic_auth("viewer", "viewer")
        rb_page(v, base)
        return rb_row(v, name)
    finally:
        v.quit()


def rebalance_buttons(b, base):
    """A remove-brokers KafkaRebalance (broker NBROKERS, throttled to 200 KB/s) driven from the
    page by an ADMIN: refresh -> a new proposal; approve -> Rebalancing (a VIEWER sees it
    without buttons); stop -> Stopped; refresh, approve -> Ready with the broker empty."""
    name = "ui-remove"
    kr = {"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaRebalance",
          "metadata": {"name": name, "labels": {"strimzi.io/cluster": "my-cluster"}},
          "spec": {"mode": "remove-brokers", "brokers": [NBROKERS], "skipHardGoalCheck": True,
                   "replicationThrottle": 200000}}
    req = urllib.request.Request(base + "/api/v1/kafkarebalances", method="POST",
                                 data=json.dumps(kr).encode())
    req.add_header("Authorization", "Basic " + base64.b64encode(b"alice:alice").decode())
    req.add_header("Content-Type", "application/json")
    urllib.request.urlopen(req, timeout=60).read()
    st, sid = kr_wait(base, name, "ProposalReady", 120)
    rb_page(b, base)
    row = rb_row(b, name)
    check("rebalances page: the resource in ProposalReady with approve and refresh, no stop "
          "(ADMIN)", st == "ProposalReady" and row and row["state"] == "ProposalReady" and
          sorted(row["verbs"]) == ["approve", "refresh"], (st, row))
    b.screenshot(os.path.join(OUT, "kafka-rebalances-ready.png"))
    row = viewer_rows(base, name)
    check("a VIEWER sees it in ProposalReady and no button", row and
          row["state"] == "ProposalReady" and row["buttons"] == 0, row)

    rb_click(b, name, "refresh")
    st, sid2 = kr_wait(base, name, "ProposalReady", 120, other_than=sid)
    check("refresh clicked: a new proposal (session %s -> %s), ProposalReady" % (sid, sid2),
          st == "ProposalReady" and sid2 and sid2 != sid, (st, sid2))

    rb_page(b, base)
    t0 = time.time()
    rb_click(b, name, "approve")
    st, _ = kr_wait(base, name, "Rebalancing", 60)
    rb_page(b, base)
    row = rb_row(b, name)
    check("approve clicked: Rebalancing, and the page offers stop (ADMIN)",
          st == "Rebalancing" and row and row["state"] == "Rebalancing" and
          "stop" in row["verbs"] and "approve" not in row["verbs"], (st, row))
    b.screenshot(os.path.join(OUT, "kafka-rebalances-rebalancing.png"))
    row = viewer_rows(base, name)
    check("a VIEWER sees it Rebalancing and no stop (or any) button", row and
          row["state"] == "Rebalancing" and row["buttons"] == 0, row)
    still = kr_status(base, name)[0]
    check("... while it was still Rebalancing", still == "Rebalancing", still)

    rb_click(b, name, "stop")
    st, _ = kr_wait(base, name, "Stopped", 60)
    print(f"figure: rebalance approved from the page, stopped from it after "
          f"{time.time() - t0:.1f} s", file=sys.stderr)
    rb_page(b, base)
    row = rb_row(b, name)
    check("stop clicked: Stopped; the page offers only refresh",
          st == "Stopped" and row and row["state"] == "Stopped" and row["verbs"] == ["refresh"],
          (st, row))
    check("no reassignment in flight and no throttle left after the stop",
          not ongoing() and not throttles_left(), (ongoing(), throttles_left()))

    rb_click(b, name, "refresh")
    st, sid3 = kr_wait(base, name, "ProposalReady", 120, other_than=sid2)
    rb_page(b, base)
    t0 = time.time()
    rb_click(b, name, "approve")
    st, _ = kr_wait(base, name, "Ready", 600)
    print(f"figure: refresh, approve from the page -> Ready in {time.time() - t0:.1f} s",
          file=sys.stderr)
    rb_page(b, base)
    row = rb_row(b, name)
    left = [k for k, v in placement().items() if NBROKERS in v]
    check(f"refresh and approve clicked: Ready, broker {NBROKERS} holds no replica",
          st == "Ready" and row and row["state"] == "Ready" and not left, (st, row, left))
    check("no throttle left after Ready", not throttles_left(), throttles_left())
    b.screenshot(os.path.join(OUT, "kafka-rebalances-done.png"))


def stop_from_page(b, base):
    """The execution page's Stop button, clicked: a dry run from the page (broker 6 is empty
    now, so the default goals move replicas back onto it), Execute, then Stop while it runs:
    the execution ends stopped with moves not done, nothing left in flight, no throttle."""
    b.get(f"{base}/ui/#proposal")
    b.wait(RENDERED, 60, "proposal")
    b.click("#dryrun")
    pid = b.wait("return location.hash.startsWith('#proposal/') && "
                 "document.body.dataset.rendered === 'proposal' && "
                 "document.getElementById('proposal-facts') && "
                 "document.getElementById('proposal-facts').dataset.proposal", 120)
    task = b.js("return decodeURIComponent(location.hash.split('/')[1])")
    res = api(base, f"/api/v1/tasks/{task}").get("result", {})
    n = res.get("summary", {}).get("numReplicaMovements", 0)
    check("a second dry run from the page has replica moves (onto the emptied broker)",
          pid and n > 0, res.get("summary"))
    b.click("#execute")
    b.click("#execute")  # the confirmation
    running = b.wait("return location.hash === '#execution' && "
                     "document.body.dataset.rendered === 'execution' && "
                     "document.getElementById('exec-state') && "
                     "document.getElementById('exec-state').textContent === "
                     "'EXECUTION_IN_PROGRESS' && !!document.getElementById('stop')", 60)
    check("the execution page shows it running with Stop", running,
          b.js("return document.body.innerText.slice(0, 400)"))
    t0 = time.time()
    b.click("#stop")
    ex = []
    while time.time() - t0 < 120:
        ex = [t for t in api(base, "/api/v1/tasks")["tasks"]
              if t["kind"] == "execution" and t.get("proposalId") == pid]
        if ex and ex[0]["state"] not in ("Active", "InExecution"):
            break
        time.sleep(0.3)
    print(f"figure: Stop clicked -> execution ended in {time.time() - t0:.1f} s",
          file=sys.stderr)
    result = api(base, f"/api/v1/tasks/{ex[0]['id']}").get("result", {}) if ex else {}
    e = result.get("execution", {})
    check("Stop clicked: the execution ends stopped, with moves not done "
          f"({e.get('done')} of {e.get('tasks')} done)",
          ex and ex[0]["state"] == "CompletedWithError" and e.get("status") == "stopped" and
          e.get("done", 0) < e.get("tasks", 0), (ex, result))
    check("after the stop: no reassignment in flight and no throttle left",
          not ongoing() and not throttles_left(), (ongoing(), throttles_left()))
    gone = b.wait("return document.getElementById('exec-state') && "
                  "document.getElementById('exec-state').textContent !== "
                  "'EXECUTION_IN_PROGRESS' && !document.getElementById('stop')", 30)
    check("the execution page shows it ended, without Stop", gone,
          b.js("return document.body.innerText.slice(0, 400)"))
    b.screenshot(os.path.join(OUT, "kafka-execution-stopped.png"))


def main():
    os.makedirs(OUT, exist_ok=True)
    nracks = int(os.environ.get("RACKS", "3"))
    work = tempfile.mkdtemp(prefix="ballast-ui-kafka.")
    # skewed onto brokers 1-3 and one partition set breaking rack awareness: work to do
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--create",
         "--topic", "ui-skewed", "--replica-assignment", ",".join(["1:2:3", "2:3:1"] * 4))
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--create",
         "--topic", "ui-violating", "--replica-assignment", ",".join(["1:4:2", "4:1:3"] * 2))
    # one partition on every broker: each has replicas (and so bars) before the rebalance
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--create",
         "--topic", "ui-spread", "--replica-assignment",
         ",".join(f"{i}:{i % NBROKERS + 1}" for i in range(1, NBROKERS + 1)))
    for topic, parts in (("ui-skewed", 8), ("ui-violating", 4), ("ui-spread", NBROKERS)):
        p = __import__("subprocess").run([RECORDS, "produce", BOOT, topic, str(parts), "500",
                                          "8192"], capture_output=True, text=True, timeout=300)
        check(f"produce {topic}", p.returncode == 0, p.stdout + p.stderr)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cfg = os.path.join(work, "ballast.yaml")
    with open(cfg, "w") as f:
        f.write(f"kafka:\n  bootstrap: {BOOT}\n"
                "capacity:\n  default: {cpu: 100, networkIn: 100MB/s, networkOut: 100MB/s}\n"
                f"executor:\n  stateDir: {os.path.join(work, 'state')}\n  pollIntervalMs: 500\n"
                "  replicationThrottle: 500KB/s\n"
                f"api:\n  port: {port}\n  refreshIntervalMs: 3000\n"
                f"  credentialsFile: {users_file(os.path.join(work, 'users'))}\n")
    log = open(os.path.join(work, "serve.log"), "w")
    srv = serve(cfg, log)
    b = None
    try:
        b = Browser()
        b.basic_auth("admin", "admin")
        b.get(f"{base}/ui/#cluster")
        check("cluster page renders", b.wait(RENDERED, 60, "cluster"),
              b.js("return document.getElementById('error').textContent"))
        got = b.js("""
          const out = {};
          for (const r of document.querySelectorAll('.rack')) {
            const bs = [...r.querySelectorAll('.broker')];
            out[r.dataset.rack] = bs.map((c) => ({id: +c.dataset.broker,
              filled: [...c.querySelectorAll('.bar')].filter((x) =>
                parseFloat(x.style.getPropertyValue('--w')) > 0).length}));
          }
          return out;""")
        want = {f"r{r}": sorted(i for i in range(1, NBROKERS + 1) if (i - 1) % nracks == r)
                for r in range(nracks)}
        check(f"the {NBROKERS} brokers are drawn in their racks",
              {k: sorted(x["id"] for x in v) for k, v in got.items()} == want, (got, want))
        check("every broker has non-empty bars",
              all(x["filled"] > 0 for v in got.values() for x in v), got)
        b.screenshot(os.path.join(OUT, "kafka-cluster.png"))

        b.get(f"{base}/ui/#proposal")
        check("proposal page renders", b.wait(RENDERED, 60, "proposal"),
              b.js("return document.getElementById('error').textContent"))
        b.click("#dryrun")
        ok = b.wait("return location.hash.startsWith('#proposal/') && "
                    "document.body.dataset.rendered === 'proposal' && "
                    "document.getElementById('proposal-facts') && "
                    "document.getElementById('proposal-facts').dataset.proposal", 120)
        check("the dry run appears on the proposal page", ok,
              b.js("return document.getElementById('error').textContent"))
        pid = ok
        task = b.js("return decodeURIComponent(location.hash.split('/')[1])")
        res = api(base, f"/api/v1/tasks/{task}")["result"]
        moves = {(m["topicPartition"]["topic"], m["topicPartition"]["partition"]):
                 m["newReplicas"] for m in res.get("proposals", [])}
        nrows = b.js("return document.querySelectorAll('#moves td.topic').length")
        check("it has replica moves, listed on the page",
              res["proposalId"] == pid and res["summary"]["numReplicaMovements"] > 0 and
              nrows == len(moves), (res["summary"], nrows, len(moves)))
        b.screenshot(os.path.join(OUT, "kafka-proposal.png"))

        b.click("#execute")
        b.click("#execute")  # the confirmation
        check("Execute opens the execution page",
              b.wait("return location.hash === '#execution' && "
                     "document.body.dataset.rendered === 'execution'", 60),
              b.js("return document.getElementById('error').textContent"))
        shot_mid = False
        t0 = time.time()
        done = None
        while time.time() - t0 < 600:
            s = b.js("const p = document.getElementById('exec-progress');"
                     "const st = document.getElementById('exec-state');"
                     "return {pct: p ? +p.dataset.pct : -1, state: st ? st.textContent : '',"
                     " stop: !!document.getElementById('stop')}")
            if not shot_mid and s["state"] == "EXECUTION_IN_PROGRESS":
                b.screenshot(os.path.join(OUT, "kafka-execution-running.png"))
                shot_mid = s
                viewer_check(base)
            if s["pct"] >= 100 and s["state"] == "NO_TASK_IN_PROGRESS":
                done = s
                break
            time.sleep(0.5)
        print(f"figure: execution from the page to 100%: {time.time() - t0:.1f} s",
              file=sys.stderr)
        check("the execution page reaches 100%", done is not None, s)
        if shot_mid:
            check("while it runs, the page shows a Stop button", shot_mid["stop"], shot_mid)
        time.sleep(1.5)  # the history refreshes every few seconds
        b.screenshot(os.path.join(OUT, "kafka-execution.png"))
        tasks = api(base, "/api/v1/tasks")["tasks"]
        ex = [t for t in tasks if t["kind"] == "execution" and t.get("proposalId") == pid]
        check("the execution task of exactly that proposal completed",
              len(ex) == 1 and ex[0]["state"] == "Completed", ex)
        now = placement()
        wrong = {k: (v, now.get(k)) for k, v in moves.items() if now.get(k) != v}
        check("the cluster's placement equals the proposal", not wrong, wrong)
        rebalance_buttons(b, base)
        stop_from_page(b, base)
    finally:
        if b:
            b.quit()
        stop(srv)
    print(f"screenshots in {OUT}", file=sys.stderr)
    finish()


if __name__ == "__main__":
    main()
