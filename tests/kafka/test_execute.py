#!/usr/bin/env python3
"""Ballast's executor on a real multi-rack Kafka cluster (run under tests/kafka/with-cluster.sh):

1. a skewed, rack-violating cluster holding checkable records is snapshotted and planned by
   Ballast, and `ballast execute` runs the plan throttled (100 KB/s); it is killed with
   SIGKILL while moves are in flight (throttles then in place; a 12 MB move is certain to be),
   and `ballast execute --resume` finishes it: it adopts that move and only moves Kafka still
   listed just before it, placement equals the plan, leaders are the preferred ones, every
   record is intact, and no throttle config is left;
2. log dirs: a replica moved between the log dirs of its broker (throttled), and a new replica
   placed in a named log dir;
3. throttle accuracy: one partition of known size moved at R bytes/s; the measured rate is
   reported and must be near R;
4. stop: `ballast execute --stop` while a throttled execution runs: it ends as stopped, no
   reassignment is left in progress, no throttle remains;
5. every broker stopped mid-execution: execute prints where it stands, that its throttles
   are in place and that --resume/--stop take over, and --stop does once they are back;
   then a broker stopped mid-execution and started again: the execution completes;
6. another tool's reassignment of a planned partition is left alone by default and cancelled
   with --foreign cancel.

Prints figures and 'N passed, N failed'."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kt import (BALLAST, BOOT, CLUSTER, HERE, NBROKERS, check, finish, ongoing,  # noqa: E402
                records, results, throttles_left, tool)
from kt import describe_with_leaders as describe  # noqa: E402

FIGURES = os.environ.get("BALLAST_FIGURES")  # optional file for the measured figures
figures = {}


def create(topic, assignment):
    tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOT, "--create",
         "--topic", topic, "--replica-assignment", assignment)


def produce(topic, parts, n, size=8192):
    ok, out = records("produce", topic, parts, n, size)
    check(f"produce {topic}", ok, out)


def verify(topic, parts, n):
    ok, out = records("verify", topic, parts, n)
    check(f"every record of {topic} intact", ok, out)


def plan(work, name):
    snap = os.path.join(work, f"{name}-snapshot.json")
    cfg = os.path.join(work, "ballast.yaml")
    with open(cfg, "w") as f:
        f.write("capacity:\n  default: {cpu: 100, networkIn: 100MB/s, networkOut: 100MB/s, "
                "disk: 100GB}\n")
    p = subprocess.run([BALLAST, "snapshot", "--bootstrap", BOOT, "--config", cfg, "--out", snap],
                       capture_output=True, text=True, timeout=120)
    check(f"{name}: ballast snapshot", p.returncode == 0, p.stderr)
    re_path = os.path.join(work, f"{name}-reassign.json")
    out_path = os.path.join(work, f"{name}-plan.json")
    p = subprocess.run([BALLAST, "plan", "--snapshot", snap, "--config", cfg, "--quiet",
                        "--output-json", out_path, "--reassignment-json", re_path],
                       capture_output=True, text=True, timeout=120)
    check(f"{name}: ballast plan", p.returncode == 0, p.stderr)
    return re_path, json.load(open(re_path)), json.load(open(out_path))


def execute(args, **kw):
    return subprocess.Popen([BALLAST, "execute", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def journal(state):
    """The journal as the executor reads it: the base (execution.json) with the records of the
    append-only log (execution.log) that came after it applied in order; a torn last line is
    ignored (executor/journal.c)."""
    try:
        j = json.load(open(os.path.join(state, "execution.json")))
    except (OSError, ValueError):
        return None
    try:
        lines = open(os.path.join(state, "execution.log")).read().split("\n")
    except OSError:
        lines = []
    for line in lines[:-1]:  # the last piece is "" or a torn line
        try:
            rec = json.loads(line)
        except ValueError:
            break
        if rec.get("seq", 0) <= j.get("seq", 0):
            continue
        j.update(rec.get("header", {}))
        for t in rec.get("tasks", []):
            j["tasks"][t.pop("i")] = t
        j["seq"] = rec["seq"]
    return j


def wait_inflight(state, proc, seconds=60):
    t0 = time.time()
    while time.time() - t0 < seconds and proc.poll() is None:
        j = journal(state)
        if j and any(t["state"] == "inflight" and t["type"] == "inter" for t in j["tasks"]):
            return j
        time.sleep(0.2)
    return None


def placement_is(want):
    now = describe()
    wrong = [(k, now.get(k), v) for k, v in want.items() if now.get(k, ([], -1))[0] != v]
    leaders = [k for k, v in want.items() if now.get(k, ([], -1))[1] != v[0]]
    return wrong, leaders


def listed_partitions():
    """The partitions whose reassignment Kafka lists in progress, as 'topic-N'."""
    return {l.split(":")[0].strip() for l in ongoing()}


def scenario_kill_and_resume(work):
    skew = ",".join(["1:2:3", "2:3:1", "3:1:2"] * 4)
    viol = ",".join(["1:4:2", "4:1:3", "1:4:3"] * 2)
    create("skewed", skew)
    create("violating", viol)
    # brokers 1 and 4 share rack r0, so the plan must move a replica of heavy-0; at 12 MB it is
    # the largest move (PrioritizeLarge sends it first) and the killed run's 100 KB/s keeps it
    # copying for minutes: certain to be in flight from the kill to the resume
    create("heavy", "1:4")
    produce("skewed", 12, 2400)
    produce("violating", 6, 600)
    produce("heavy", 1, 1500)
    re_path, reassign, result = plan(work, "main")
    want = {(p["topic"], p["partition"]): p["replicas"] for p in reassign["partitions"]}
    check("plan moves replicas", result["summary"]["numReplicaMovements"] > 0)
    check("the plan moves heavy-0 off rack r0's two brokers", ("heavy", 0) in want, sorted(want))
    state = os.path.join(work, "state-main")
    t0 = time.time()
    proc = execute([re_path, "--bootstrap", BOOT, "--state-dir", state, "--throttle", "100000",
                    "--poll-interval", "0.5", "--strategy", "PrioritizeLargeReplicaMovementStrategy"])
    j = wait_inflight(state, proc)
    check("journal shows moves in flight", j is not None,
          proc.poll() is not None and proc.communicate())
    # the journal names a batch before the cluster sees it (throttles come first): kill once
    # Kafka lists heavy-0, not after a fixed delay (0.5 s was too short on a loaded machine)
    t1 = time.time()
    while "heavy-0" not in listed_partitions() and proc.poll() is None and time.time() - t1 < 60:
        time.sleep(0.2)
    check("Kafka lists heavy-0 in progress before the kill", proc.poll() is None and
          "heavy-0" in listed_partitions(), (proc.poll(), round(time.time() - t1, 1)))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    in_progress = ongoing()
    print(f"{len(in_progress)} reassignment(s) in progress after the kill", file=sys.stderr)
    j = journal(state)
    check("the killed execution's journal is 'running'", j and j["status"] == "running", j and j["status"])
    check("throttles are in place after the kill", len(throttles_left()) > 0)
    inflight = {f"{t['topic']}-{t['partition']}" for t in (j or {}).get("tasks", [])
                if t["state"] == "inflight" and t["type"] in ("inter", "reorder")}
    # listed just before the resume: with Ballast dead nothing starts, moves only end, so
    # whatever the resume adopts must be among these (no race), and heavy-0 must be
    listed = listed_partitions() & inflight
    check("the throttle holds heavy-0 in flight until the resume", "heavy-0" in listed,
          (sorted(listed), time.time() - t0))
    # the resumed execution keeps the journal's settings except the throttle given here
    p = subprocess.run([BALLAST, "execute", "--resume", "--bootstrap", BOOT, "--state-dir", state,
                        "--throttle", "3000000"], capture_output=True, text=True, timeout=600)
    print(p.stdout + p.stderr[-3000:], file=sys.stderr)
    check("resume finishes the execution", p.returncode == 0, p.stderr[-1500:])
    m = re.search(r"resume: (\d+) in-flight move\(s\) adopted(?:: (.*))?", p.stderr)
    adopted = {a.strip() for a in (m.group(2) or "").split(",") if a.strip()} if m else set()
    adopted.discard("...")  # the log names the first ten
    check("resume adopts the killed execution's in-flight moves, heavy-0 among them, and only "
          "moves Kafka still listed", m and "heavy-0" in adopted and adopted <= listed and
          len(adopted) == min(int(m.group(1)), 10), (m and m.group(0), sorted(listed)))
    figures["rebalance_seconds_with_kill"] = round(time.time() - t0, 1)
    m = re.search(r"physical bound at [\d.]+ MB/s per broker: ([\d.]+) s", p.stdout)
    if m:
        figures["rebalance_physical_bound_seconds"] = float(m.group(1))
    check("journal says finished", journal(state)["status"] == "finished", journal(state)["status"])
    wrong, leaders = placement_is(want)
    check("placement equals the plan", not wrong, wrong[:3])
    check("preferred leaders lead", not leaders, leaders[:3])
    check("no reassignment left in progress", not ongoing(), ongoing())
    left = throttles_left()
    check("no throttle left after resume", not left, left[:3])
    verify("skewed", 12, 2400)
    verify("violating", 6, 600)
    verify("heavy", 1, 1500)
    # a second execute of the same plan has nothing to move
    p = subprocess.run([BALLAST, "execute", re_path, "--bootstrap", BOOT, "--state-dir", state,
                        "--quiet"], capture_output=True, text=True, timeout=120)
    check("executing the done plan again is a no-op", p.returncode == 0 and
          "0 done, 0 failed, 0 skipped, 0 not done, of 0 tasks" in p.stdout, p.stdout + p.stderr)


def scenario_throttle_accuracy(work):
    create("rate", "1:2")
    produce("rate", 1, 6000)  # 6000 x 8 KiB = 49 MB
    path = os.path.join(work, "rate.json")
    dest = 5 if NBROKERS >= 5 else NBROKERS  # the matrix runs 4 brokers
    json.dump({"version": 1, "partitions": [{"topic": "rate", "partition": 0,
                                             "replicas": [1, dest]}]}, open(path, "w"))
    rate = 4_000_000
    state = os.path.join(work, "state-rate")
    t0 = time.time()
    p = subprocess.run([BALLAST, "execute", path, "--bootstrap", BOOT, "--state-dir", state,
                        "--throttle", str(rate), "--poll-interval", "0.2", "--quiet"],
                       capture_output=True, text=True, timeout=300)
    wall = time.time() - t0
    check("throttled move finishes", p.returncode == 0, p.stderr[-1500:])
    j = journal(state)
    task = next((t for t in (j or {}).get("tasks", []) if t["type"] == "inter"), None)
    size = task["size"] if task else 0
    moving = task["finished"] - task["started"] if task else 0  # sent -> seen done
    measured = size / moving if moving > 0 else 0
    figures["throttle_bytes_per_s"] = rate
    figures["throttle_move_bytes"] = size
    figures["throttle_wall_seconds"] = round(wall, 2)
    figures["throttle_move_seconds"] = round(moving, 2)
    figures["throttle_measured_bytes_per_s"] = round(measured)
    figures["throttle_ratio"] = round(measured / rate, 3)
    print(f"throttle {rate} B/s: {size} bytes in {moving:.1f} s (command {wall:.1f} s) = {measured:.0f} B/s "
          f"({measured / rate:.2f} of the throttle)", file=sys.stderr)
    check("measured replication rate within 25% of the throttle",
          0.75 * rate <= measured <= 1.25 * rate, f"{measured:.0f} vs {rate}")
    check("no throttle left after the throttled move", not throttles_left(), throttles_left()[:3])


def scenario_stop(work):
    create("slow", ",".join(["1:2:3"] * 6))
    produce("slow", 6, 1800)
    re_path, reassign, _ = plan(work, "stop")
    state = os.path.join(work, "state-stop")
    proc = execute([re_path, "--bootstrap", BOOT, "--state-dir", state, "--throttle", "300000",
                    "--poll-interval", "0.5"])
    j = wait_inflight(state, proc)
    check("stop: moves in flight", j is not None, proc.poll() is not None and proc.communicate())
    p = subprocess.run([BALLAST, "execute", "--stop", "--bootstrap", BOOT, "--state-dir", state],
                       capture_output=True, text=True, timeout=180)
    out, err = proc.communicate(timeout=120)
    check("the running execution ends as stopped (exit 3)", proc.returncode == 3,
          f"{proc.returncode}: {err[-1000:]}")
    check("--stop reports", p.returncode in (0, 3), p.stderr)
    check("stop: journal says stopped", journal(state)["status"] == "stopped", journal(state)["status"])
    check("stop: no reassignment left in progress", not ongoing(), ongoing())
    check("stop: no throttle left", not throttles_left(), throttles_left()[:3])
    verify("slow", 6, 1800)
    return re_path, reassign


def scenario_cluster_gone(work, re_path):
    """Finding 9: every broker goes away mid-execution. `execute` must end with exit 1 and a
    summary on stdout of what was done, say that its throttles are still in place and that
    `--resume` or `--stop` takes over; the journal stays 'running' and names the moves that
    are in progress on the cluster once it is back, so `--stop` then cancels them and removes
    every throttle."""
    state = os.path.join(work, "state-gone")
    proc = execute([re_path, "--bootstrap", BOOT, "--state-dir", state, "--throttle", "300000",
                    "--poll-interval", "0.5"])
    j = wait_inflight(state, proc)
    check("gone: moves in flight", j is not None, proc.poll() is not None and proc.communicate())
    for b in range(1, NBROKERS + 1):
        subprocess.run(["bash", os.path.join(HERE, "cluster.sh"), "stop-broker", CLUSTER, str(b)],
                       check=False, timeout=120)
    try:
        out, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    print(out + err[-1500:], file=sys.stderr)
    check("gone: execute fails (exit 1)", proc.returncode == 1, f"{proc.returncode}: {err[-800:]}")
    check("gone: a summary of what was done",
          re.search(r"execution interrupted: \d+ done, \d+ failed, \d+ skipped, \d+ not done, "
                    r"of \d+ tasks; [\d.]+ of [\d.]+ MB moved", out), out)
    check("gone: says the throttles are still in place",
          re.search(r"[1-9]\d* throttle setting\(s\) of Ballast could not be removed yet", out), out)
    check("gone: advises --resume and --stop", "ballast execute --resume" in out and
          "ballast execute --stop" in out, out)
    j = journal(state)
    flying = {(t["topic"], t["partition"]) for t in (j or {}).get("tasks", [])
              if t["state"] == "inflight" and t["type"] == "inter"}
    check("gone: the journal stays running with moves in flight",
          j is not None and j["status"] == "running" and flying, j and j["status"])
    starts = [subprocess.Popen(["bash", os.path.join(HERE, "cluster.sh"), "start-broker", CLUSTER,
                                str(b)]) for b in range(1, NBROKERS + 1)]
    for s in starts:
        s.wait(timeout=300)
    time.sleep(5)
    listed = set()
    for line in ongoing():
        m = re.search(r"(\S+)-(\d+): replicas:", line)
        if m:
            listed.add((m.group(1), int(m.group(2))))
    check("gone: every move in progress on the cluster is one the journal names",
          listed <= flying, (sorted(listed - flying), sorted(flying)))
    p = subprocess.run([BALLAST, "execute", "--stop", "--bootstrap", BOOT, "--state-dir", state],
                       capture_output=True, text=True, timeout=300)
    check("gone: --stop takes over", p.returncode in (0, 3), p.stdout + p.stderr[-1000:])
    check("gone: journal says stopped", journal(state)["status"] == "stopped",
          journal(state)["status"])
    check("gone: no reassignment left in progress", not ongoing(), ongoing())
    check("gone: no throttle left", not throttles_left(), throttles_left()[:3])
    verify("slow", 6, 1800)


def scenario_broker_restart(work, re_path, reassign):
    # the stopped plan again: stop a destination broker while moves are in flight
    want = {(p["topic"], p["partition"]): p["replicas"] for p in reassign["partitions"]}
    before = describe()
    dests = sorted({b for k, v in want.items() for b in v if b not in before[k][0]})
    victim = dests[0] if dests else 6
    state = os.path.join(work, "state-restart")
    proc = execute([re_path, "--bootstrap", BOOT, "--state-dir", state, "--throttle", "2000000",
                    "--poll-interval", "0.5", "--task-timeout", "240"])
    j = wait_inflight(state, proc)
    check("restart: moves in flight", j is not None, proc.poll() is not None and proc.communicate())
    subprocess.run(["bash", os.path.join(HERE, "cluster.sh"), "stop-broker", CLUSTER, str(victim)],
                   check=False, timeout=120)
    time.sleep(6)
    subprocess.run(["bash", os.path.join(HERE, "cluster.sh"), "start-broker", CLUSTER, str(victim)],
                   check=False, timeout=240)
    try:
        out, err = proc.communicate(timeout=420)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    print(out + err[-2000:], file=sys.stderr)
    check(f"the execution completes after broker {victim} restarts", proc.returncode == 0,
          f"{proc.returncode}: {err[-1500:]}")
    wrong, _ = placement_is(want)
    check("restart: placement equals the plan", not wrong, wrong[:3])
    check("restart: no throttle left", not throttles_left(), throttles_left()[:3])
    verify("slow", 6, 1800)


def ballast_snapshot(work, name):
    path = os.path.join(work, f"{name}.json")
    p = subprocess.run([BALLAST, "snapshot", "--bootstrap", BOOT, "--out", path],
                       capture_output=True, text=True, timeout=120)
    check(f"{name}: ballast snapshot", p.returncode == 0, p.stderr)
    snap = json.load(open(path))
    dirs = {b["id"]: [d["path"] for d in b["logDirs"]] for b in snap["brokers"]}
    parts = {(t["name"], q["partition"]): (q["replicas"], q["logDirs"])
             for t in snap["topics"] for q in t["partitions"]}
    return dirs, parts


def scenario_intra(work):
    """A log-dir move inside a broker, throttled, and a replica move plus a named dir."""
    dirs, parts = ballast_snapshot(work, "intra-before")
    reps, rdirs = parts[("skewed", 0)]
    other = next(d for d in dirs[reps[0]] if d != rdirs[0])
    reps1, rdirs1 = parts[("skewed", 1)]
    newb = next(b for b in sorted(dirs) if b not in reps1)
    plan_doc = {"version": 1, "partitions": [
        {"topic": "skewed", "partition": 0, "replicas": reps,
         "log_dirs": [other] + ["any"] * (len(reps) - 1)},
        {"topic": "skewed", "partition": 1, "replicas": [newb] + reps1[1:],
         "log_dirs": [dirs[newb][1]] + ["any"] * (len(reps1) - 1)}]}
    path = os.path.join(work, "intra.json")
    json.dump(plan_doc, open(path, "w"))
    p = subprocess.run([BALLAST, "execute", path, "--bootstrap", BOOT, "--state-dir",
                        os.path.join(work, "state-intra"), "--throttle", "20MB",
                        "--log-dir-throttle", "20MB", "--poll-interval", "0.3"],
                       capture_output=True, text=True, timeout=300)
    print(p.stdout + p.stderr[-1500:], file=sys.stderr)
    check("log-dir moves finish", p.returncode == 0, p.stderr[-1500:])
    _, after = ballast_snapshot(work, "intra-after")
    check("the replica moved to the other log dir of its broker",
          after[("skewed", 0)] == (reps, [other] + rdirs[1:]), (after[("skewed", 0)], other))
    check("the new replica sits in the named log dir",
          after[("skewed", 1)][0] == [newb] + reps1[1:] and
          after[("skewed", 1)][1][0] == dirs[newb][1], after[("skewed", 1)])
    check("no throttle left after log-dir moves", not throttles_left(), throttles_left()[:3])
    verify("skewed", 12, 2400)


def scenario_foreign(work):
    """Another tool's reassignment in progress (Kafka's own tool, throttled to a crawl): Ballast
    refuses to start beside it unless --allow-concurrent, then leaves it alone by default, and
    with --foreign cancel cancels it and carries out its plan."""
    create("foreign", "1:2")
    produce("foreign", 1, 300)
    theirs = os.path.join(work, "theirs.json")
    json.dump({"version": 1, "partitions": [{"topic": "foreign", "partition": 0,
                                             "replicas": [1, 2, 6]}]}, open(theirs, "w"))
    tool("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", "--bootstrap-server", BOOT,
         "--reassignment-json-file", theirs, "--execute", "--throttle", "1")
    time.sleep(1)
    check("the other tool's reassignment is in progress", any("foreign-0" in l for l in ongoing()),
          ongoing())
    # ours swaps the preferred leader: no data to copy, so the other tool's throttle is moot
    ours = os.path.join(work, "ours.json")
    json.dump({"version": 1, "partitions": [{"topic": "foreign", "partition": 0,
                                             "replicas": [2, 1]}]}, open(ours, "w"))
    state = os.path.join(work, "state-foreign")
    p = subprocess.run([BALLAST, "execute", ours, "--bootstrap", BOOT, "--state-dir", state,
                        "--quiet"], capture_output=True, text=True, timeout=120)
    check("another reassignment in progress: refused without --allow-concurrent",
          p.returncode == 1 and "--allow-concurrent" in p.stderr, p.stdout + p.stderr)
    p = subprocess.run([BALLAST, "execute", ours, "--bootstrap", BOOT, "--state-dir", state,
                        "--quiet", "--allow-concurrent"], capture_output=True, text=True,
                       timeout=120)
    m = re.search(r"(\d+) done, (\d+) failed, (\d+) skipped", p.stdout)
    check("by default the partition is skipped and reported", p.returncode == 0 and m and
          m.group(1) == "0" and int(m.group(3)) >= 1, p.stdout + p.stderr)
    check("the other tool's reassignment is left alone", any("foreign-0" in l for l in ongoing()),
          ongoing())
    p = subprocess.run([BALLAST, "execute", ours, "--bootstrap", BOOT, "--state-dir", state,
                        "--quiet", "--foreign", "cancel"], capture_output=True, text=True,
                       timeout=180)
    m = re.search(r"(\d+) done, (\d+) failed, (\d+) skipped", p.stdout)
    check("--foreign cancel cancels it and carries out the plan", p.returncode == 0 and m and
          int(m.group(1)) >= 1 and m.group(2) == "0" and m.group(3) == "0" and
          "cancelling another tool's reassignment of foreign-0" in p.stderr,
          p.stdout + p.stderr[-1000:])
    wrong, leaders = placement_is({("foreign", 0): [2, 1]})
    check("foreign: placement and leader equal the plan", not wrong and not leaders,
          (wrong, leaders))
    check("foreign: no reassignment left in progress", not ongoing(), ongoing())
    # the other tool's throttles are its own: Ballast left them; the operator removes them
    left = throttles_left()
    check("the other tool's throttles were not touched", len(left) > 0, left)
    for entity, names in (("topics", "leader.replication.throttled.replicas,"
                                     "follower.replication.throttled.replicas"),):
        tool("kafka.admin.ConfigCommand", "--bootstrap-server", BOOT, "--alter", "--entity-type",
             entity, "--entity-name", "foreign", "--delete-config", names, check_rc=False)
    for b in (1, 2, 6):
        tool("kafka.admin.ConfigCommand", "--bootstrap-server", BOOT, "--alter", "--entity-type",
             "brokers", "--entity-name", str(b), "--delete-config",
             "leader.replication.throttled.rate,follower.replication.throttled.rate", check_rc=False)
    verify("foreign", 1, 300)


def main():
    work = tempfile.mkdtemp(prefix="ballast-exec.")
    only = os.environ.get("EXEC_SCENARIOS")  # e.g. "foreign" while developing; all by default
    if only:
        for name in only.split(","):
            globals()["scenario_" + name](work)
        return
    scenario_kill_and_resume(work)
    scenario_intra(work)
    scenario_throttle_accuracy(work)
    re_path, reassign = scenario_stop(work)
    scenario_cluster_gone(work, re_path)
    scenario_broker_restart(work, re_path, reassign)
    scenario_foreign(work)


try:
    main()
except Exception as e:  # a tool failing is a test failure with its message
    check("execute", False, repr(e))
print(json.dumps(figures), file=sys.stderr)
if FIGURES:
    with open(FIGURES, "w") as f:
        json.dump(figures, f, indent=1)
finish()
