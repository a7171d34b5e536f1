"""Sampler (b) on a real cluster: Debian's Prometheus server scrapes the brokers' JMX exporters
(run by with-cluster.sh --jmx-exporter, 3 brokers) every second, and `ballast snapshot` with
`sampler: prometheus` and the default queries reads the rates back through query_range.

Topic 'alpha' (4 partitions, replicas on brokers 1 and 2 only) gets 2 MB/s and topic 'beta'
(2 partitions on all three brokers) 0.5 MB/s from mon_producer. Once the load has run for more
than the queries' 1-minute rate window:
- each broker's measured produce + replication bytes-in, and its network-in in the snapshot's
  model (the sum of nwIn over its replicas), must be within 20 % of what the produced rates and
  the placement give; every partition's nwInBytesPerSec within 20 % of its topic's share;
- the snapshot's load says 100 % of partitions monitored.
Prometheus runs on a free loopback port with a temporary TSDB directory and is always stopped
(finally, and on SIGTERM/SIGINT) and its directory removed.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from montest import (BALLAST, BOOTSTRAP, BROKERS, CAPACITY, check, check_snapshot,
                     create_topics, endpoints_yaml, failures, produced_rates, start_producers)

PROMETHEUS = os.environ.get("PROMETHEUS_BIN", "/usr/bin/prometheus")
LOAD_SECONDS = 100
SETTLE_SECONDS = 85  # the default queries use rate(...[1m]): the window must hold only load


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def on_signal(signum, frame):
    raise SystemExit(128 + signum)  # runs the finally blocks: Prometheus is stopped


def start_prometheus(work):
    port = free_port()
    conf = os.path.join(work, "prometheus.yml")
    with open(conf, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "  evaluation_interval: 1s\nscrape_configs:\n  - job_name: kafka\n"
                "    static_configs:\n      - targets:\n")
        for b in range(1, BROKERS + 1):
            f.write("          - 127.0.0.1:%s\n" % os.environ["JMX_%d" % b])
    log = open(os.path.join(work, "prometheus.log"), "w")
    proc = subprocess.Popen([PROMETHEUS, "--config.file=" + conf,
                             "--storage.tsdb.path=" + os.path.join(work, "tsdb"),
                             "--web.listen-address=127.0.0.1:%d" % port,
                             "--storage.tsdb.retention.time=1h"],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return proc, port


def wait_ready(proc, port, work):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % port, timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    with open(os.path.join(work, "prometheus.log")) as f:
        print(f.read()[-3000:])
    return False


def targets_up(port):
    url = "http://127.0.0.1:%d/api/v1/query?query=up" % port
    with urllib.request.urlopen(url, timeout=5) as r:
        res = json.load(r)["data"]["result"]
    return sum(1 for x in res if x["value"][1] == "1")


def snapshot_and_check(work, port):
    cfg = os.path.join(work, "ballast.yaml")
    with open(cfg, "w") as f:
        f.write(CAPACITY)
        f.write("monitor:\n  sampler: prometheus\n  scrapes: 1\n  windowMs: 60000\n"
                "  numWindows: 5\n  prometheus:\n    url: http://127.0.0.1:%d\n"
                "    stepMs: 2000\n    lookbackMs: 20000\n" % port + endpoints_yaml())
    snap = os.path.join(work, "snap.json")
    r = subprocess.run([BALLAST, "snapshot", "--bootstrap", BOOTSTRAP, "--config", cfg,
                        "--out", snap], capture_output=True, text=True)
    end = time.time()
    print(r.stderr, end="")
    check(r.returncode == 0, "ballast snapshot with the prometheus sampler succeeds")
    if r.returncode != 0:
        return
    check("name no broker" not in r.stderr, "every series maps to a broker")
    # the rates come from rate(...[1m]) over a 20 s lookback: about the last 80 s
    check_snapshot(snap, r.stderr, produced_rates(work, end - 80, end))


def main():
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if not os.access(PROMETHEUS, os.X_OK):
        sys.exit("%s is missing: install the Debian package 'prometheus' (scripts/setup.sh "
                 "does), or set PROMETHEUS_BIN" % PROMETHEUS)
    work = tempfile.mkdtemp(prefix="ballast-prom.")
    prom = None
    producers = []
    try:
        prom, port = start_prometheus(work)
        check(wait_ready(prom, port, work), "prometheus ready on 127.0.0.1:%d" % port)
        if failures:
            return
        create_topics()
        producers = start_producers(LOAD_SECONDS, work)
        time.sleep(SETTLE_SECONDS)
        check(targets_up(port) == BROKERS, "prometheus scrapes all %d exporters" % BROKERS)
        snapshot_and_check(work, port)
    finally:
        failing = sys.exc_info()[0] is not None
        for p in producers:
            if failing:
                p.kill()
            try:
                out, _ = p.communicate(timeout=LOAD_SECONDS + 60)
                print("producer:", out.strip())
                check(p.returncode == 0, "producer delivered every record")
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                check(False, "producer finished")
        if prom is not None:
            prom.terminate()
            try:
                prom.wait(timeout=30)
            except subprocess.TimeoutExpired:
                prom.kill()
                prom.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
    print("%d failed" % len(failures))
    sys.exit(1 if failures else 0)
