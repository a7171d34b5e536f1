#!/usr/bin/env python3
"""ballast execute's input checks, without a cluster: a plan with a size limit (/dev/zero is
refused quickly), located plan errors, throttles Kafka cannot keep refused with exit 2, and
--stop / --resume on a state dir that does not exist creating nothing. Prints 'N passed,
N failed' and exits non-zero on failure."""
import os
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("BALLAST_BIN", "build/cli/ballast")
results = {"passed": 0, "failed": 0}
NOWHERE = "127.0.0.1:1"  # nothing listens: any attempt to connect fails at once


def run(*args):
    p = subprocess.run([BIN, "execute", *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    if cond:
        results["passed"] += 1
    else:
        results["failed"] += 1
        print(f"FAIL {name}: {detail}", file=sys.stderr)


with tempfile.TemporaryDirectory() as d:
    t0 = time.monotonic()
    rc, out, err = run("--bootstrap", NOWHERE, "--state-dir", os.path.join(d, "s0"), "/dev/zero")
    check("/dev/zero refused quickly", rc == 1 and "more than" in err and
          time.monotonic() - t0 < 20, (rc, err))
    plan = os.path.join(d, "p.json")
    open(plan, "w").write('{"partitions":[{"topic":"a","partition":0,"replicas":[1]},'
                          '{"topic":"a","partition":1e20,"replicas":[1]}]}')
    rc, out, err = run("--bootstrap", NOWHERE, "--state-dir", os.path.join(d, "s1"), plan)
    check("plan error located", rc == 1 and
          "p.json: partitions[1].partition: 1e+20 out of range 0..2147483647" in err, err)
    check("a refused plan creates no state dir", not os.path.exists(os.path.join(d, "s1")))
    for rate in ["1e30", "0.5", "9300000000000000000"]:
        rc, out, err = run("--bootstrap", NOWHERE, "--throttle", rate, plan)
        check(f"--throttle {rate} refused", rc == 2 and "not a rate Kafka can keep" in err, (rc, err))
    rc, out, err = run("--bootstrap", NOWHERE, "--task-timeout", "soon", plan)
    check("--task-timeout soon refused", rc == 2 and "--task-timeout takes seconds" in err, (rc, err))
    rc, out, err = run("--bootstrap", NOWHERE, "--task-timeout", "auto", plan)
    check("--task-timeout auto accepted", rc == 1 and "partitions[1].partition" in err, (rc, err))
    cfg = os.path.join(d, "floor.yaml")
    open(cfg, "w").write("executor:\n  taskTimeoutFloorMs: 10\n")
    rc, out, err = run("--config", cfg, "--bootstrap", NOWHERE, plan)
    check("taskTimeoutFloorMs below 1000 refused", rc == 1 and "floor.yaml" in err and
          "taskTimeoutFloorMs" in err, (rc, err))
    missing = os.path.join(d, "missing")
    for mode in ["--stop", "--resume"]:
        rc, out, err = run(mode, "--bootstrap", NOWHERE, "--state-dir", missing)
        check(f"{mode} on a missing state dir", rc == 1 and "holds no execution" in err, (rc, err))
        check(f"{mode} creates nothing", not os.path.exists(missing))
    ok = os.path.join(d, "ok.json")
    open(ok, "w").write('{"partitions":[{"topic":"a","partition":0,"replicas":[1]}]}')
    state = os.path.join(d, "s2")
    os.mkdir(state)
    rc, out, err = run("--bootstrap", NOWHERE, "--state-dir", state, ok)
    check("a failed connect fails", rc == 1, (rc, err))
    check("a failed connect leaves no lock", os.listdir(state) == [], os.listdir(state))

print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
