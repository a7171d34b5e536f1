"""`ballast serve` with the JMX exporter sampler on the real cluster (run by
test_monitor_kafka.py on its cluster, 3 brokers with the exporter agent; or alone under
with-cluster.sh --jmx-exporter after create_topics):

1. with 'alpha' at 2 MB/s and 'beta' at 0.5 MB/s produced, GET /api/v1/state says the load is
   measured: numValidWindows (complete windows, 4 s each here) >= 1 and 100 % of partitions
   monitored, within 30 s of the start;
2. a dry run (POST /api/v1/rebalance, verbose) is backed by it: summary.recentWindows >= 1,
   monitoredPartitionsPercentage 100, and each broker's network-in in loadBeforeOptimization
   within 30 % of what the produced rates and the placement give, with CPU above 0;
3. /metrics counts at least two successful samples for every broker;
4. a service whose metrics endpoints accept and never answer (monitor.timeoutMs 60 s), sent
   SIGTERM while a sampling request waits, exits 0 within 1.5 s.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "api"))
from testkit import free_port  # noqa: E402
from montest import (BALLAST, BOOTSTRAP, BROKERS, CAPACITY, RATES, check,  # noqa: E402
                     endpoints_yaml, failures, start_producers, within)


def get(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=60) as r:
            body = r.read().decode()
            return r.status, body
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except OSError as e:
        return 0, str(e)


def get_json(base, path, method="GET"):
    req = urllib.request.Request(base + path, method=method)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, {"raw": e.read().decode(errors="replace")}
    except OSError as e:
        return 0, {"raw": str(e)}


def serve(work, name, monitor_yaml):
    port = free_port()
    cfg = os.path.join(work, name + ".yaml")
    with open(cfg, "w") as f:
        f.write(f"kafka:\n  bootstrap: {BOOTSTRAP}\n" + CAPACITY +
                f"executor:\n  stateDir: {os.path.join(work, name + '-state')}\n"
                f"api:\n  port: {port}\n  refreshIntervalMs: 3000\n" + monitor_yaml)
    log = open(os.path.join(work, name + ".log"), "w")
    proc = subprocess.Popen([BALLAST, "serve", "--config", cfg], stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if get(base, "/readyz")[0] == 200 or proc.poll() is not None:
            break
        time.sleep(0.1)
    return proc, base, os.path.join(work, name + ".log")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


def expected_network_in():
    """Bytes/s into each broker: produce to the leader plus replication to each follower, i.e.
    each replica of a partition receives the partition's rate (placement of create_topics)."""
    placement = {"alpha": [1, 2], "beta": [1, 2, 3]}
    want = {b: 0.0 for b in range(1, BROKERS + 1)}
    for t, brokers in placement.items():
        for b in brokers:
            want[b] += RATES[t]
    return want


def sampled_service(work):
    # 4 s windows: a complete one (what numValidWindows counts, as Cruise Control does) within
    # seconds of the start
    mon = ("monitor:\n  sampler: jmxExporter\n  intervalMs: 1000\n  windowMs: 4000\n"
           "  numWindows: 5\n" + endpoints_yaml())
    producers = start_producers(60)
    proc = None
    try:
        time.sleep(8)  # producers connected and steady before the first scrape
        t0 = time.monotonic()
        proc, base, logpath = serve(work, "sampled", mon)
        state = {}
        while time.monotonic() - t0 < 30:
            st, j = get_json(base, "/api/v1/state")
            state = j.get("monitor", {}) if st == 200 else {"status": st}
            if state.get("loadMeasured") and state.get("numValidWindows", 0) >= 1 and \
                    state.get("monitoredPartitionsPercentage") == 100:
                break
            time.sleep(0.5)
        took = time.monotonic() - t0
        print("figure: a complete window measured %.1f s after the service's start: %s"
              % (took, state),
              flush=True)
        check(state.get("state") == "RUNNING" and state.get("sampler") == "jmxExporter" and
              state.get("loadMeasured") is True and state.get("numValidWindows", 0) >= 1 and
              state.get("monitoredPartitionsPercentage") == 100,
              "GET state: sampler RUNNING, load measured, %s valid window(s), %s%% of "
              "partitions monitored, within 30 s (%.1f s)"
              % (state.get("numValidWindows"), state.get("monitoredPartitionsPercentage"), took))

        st, res = get_json(base, "/api/v1/rebalance?verbose=true&skipHardGoalCheck=true",
                           "POST")
        summ = res.get("summary", {})
        check(st == 200 and summ.get("recentWindows", 0) >= 1 and
              summ.get("monitoredPartitionsPercentage") == 100,
              "dry run backed by the samples: recentWindows %s, monitoredPartitionsPercentage "
              "%s (HTTP %d)" % (summ.get("recentWindows"),
                                summ.get("monitoredPartitionsPercentage"), st))
        brokers = {b["Broker"]: b for b in res.get("loadBeforeOptimization", {})
                   .get("brokers", [])}
        want = expected_network_in()
        for b in sorted(want):
            x = brokers.get(b, {})
            got = 1024.0 * (x.get("LeaderNwInRate", 0) + x.get("FollowerNwInRate", 0))
            check(within(got, want[b], 0.30),
                  "dry run: broker %d network-in %.0f B/s (sampled) within 30%% of produced "
                  "%.0f" % (b, got, want[b]))
            check(x.get("CpuPct", 0) > 0,
                  "dry run: broker %d CPU %.2f%% from the samples" % (b, x.get("CpuPct", 0)))
        st, text = get(base, "/metrics")
        ok = {int(m.group(1)): float(m.group(2)) for m in re.finditer(
            r'^ballast_sampler_broker_samples_total\{broker="(\d+)",result="ok"\} (\S+)$',
            text, re.M)}
        check(st == 200 and all(ok.get(b, 0) >= 2 for b in range(1, BROKERS + 1)),
              "/metrics: every broker's sampler successes counted, >= 2 each (%s)" % ok)
        rc = stop(proc)
        proc = None
        check(rc == 0, "SIGTERM: exit 0 (%s)" % rc)
    finally:
        if proc:
            proc.kill()
            proc.wait()
        for p in producers:
            p.kill()
            p.wait()


class Silent:
    """Accepts connections and never answers; remembers when the first one came."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.first = None
        self.conns = []
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            if self.first is None:
                self.first = time.monotonic()

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def sigterm_mid_sampling(work):
    silent = Silent()
    mon = ("monitor:\n  sampler: jmxExporter\n  intervalMs: 1000\n  timeoutMs: 60000\n"
           "  endpoints:\n" + "".join("    %d: http://127.0.0.1:%d/metrics\n" % (b, silent.port)
                                      for b in range(1, BROKERS + 1)))
    proc, base, logpath = serve(work, "silent", mon)
    try:
        t0 = time.monotonic()
        while silent.first is None and time.monotonic() - t0 < 30 and proc.poll() is None:
            time.sleep(0.05)
        check(silent.first is not None, "a sampling request reached the silent endpoint")
        time.sleep(0.5)  # the request is waiting for its reply
        t1 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(10)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.monotonic() - t1
        print("figure: SIGTERM mid-sampling (timeoutMs 60000) -> exit in %.2f s" % took,
              flush=True)
        check(rc == 0 and took < 1.5,
              "SIGTERM while a sampling request waits on a silent endpoint: exit 0 within "
              "1.5 s (%s after %.2f s)" % (rc, took))
        log = open(logpath).read()
        check(not re.search(r"monitor: broker \d+: http", log),
              "the cancelled request is not logged as a broker's failure")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        silent.close()


def main(parts=("sampled", "sigterm")):
    work = tempfile.mkdtemp(prefix="ballast-serve-mon.")
    if "sampled" in parts:
        sampled_service(work)
    if "sigterm" in parts:
        sigterm_mid_sampling(work)


if __name__ == "__main__":
    # alone: 'sampled' needs with-cluster.sh --jmx-exporter and 3 brokers, 'sigterm' any cluster
    which = sys.argv[1:] or ("sampled", "sigterm")
    if "sampled" in which:
        from montest import create_topics
        create_topics()
    main(which)
    print("%d failed" % len(failures))
    sys.exit(1 if failures else 0)
