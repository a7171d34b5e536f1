"""Shared by the web view's tests: checks, the output folder for screenshots, a service
started on a port of its own, credentials."""
import os
import socket
import subprocess
import sys
import time
import urllib.request

BIN = os.environ.get("BALLAST_BIN", "build/cli/ballast")
# screenshots go to BALLAST_UI_OUT, else the build's meson-logs/ui
OUT = os.environ.get("BALLAST_UI_OUT") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(BIN))), "meson-logs", "ui")
XSS = "<img src=x onerror=alert(1)>"
results = {"passed": 0, "failed": 0}


def check(name, cond, detail=""):
    results["passed" if cond else "failed"] += 1
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"),
          file=sys.stderr)
    return cond


def finish():
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def crypt_hash(pw):
    return subprocess.run(["openssl", "passwd", "-6", pw], capture_output=True, text=True,
                          check=True).stdout.strip()


def users_file(path):
    """admin (ADMIN), alice (USER), viewer (VIEWER); the password is the user's name."""
    with open(path, "w") as f:
        for u, role in (("admin", "ADMIN"), ("alice", "USER"), ("viewer", "VIEWER")):
            f.write(f"{u}:{crypt_hash(u)}:{role}\n")
    return path


def serve(cfg, log, *extra):
    """Starts ballast serve and waits for /readyz; returns the process."""
    proc = subprocess.Popen([BIN, "serve", "--config", cfg, *extra], stdout=log,
                            stderr=subprocess.STDOUT)
    port = None
    for line in open(cfg):
        if line.strip().startswith("port:"):
            port = int(line.split(":")[1])
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
            return proc
        except OSError:
            if proc.poll() is not None:
                return proc
            time.sleep(0.1)
    return proc


def stop(proc):
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
