"""What the Python API tests share: the check counter ('N passed, N failed'), a free port, a
subprocess helper, crypt(3) hashes for credential files."""
import socket
import subprocess
import sys

results = {"passed": 0, "failed": 0}


def check(name, cond, detail=""):
    results["passed" if cond else "failed"] += 1
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {str(detail)[:1500]}"),
          file=sys.stderr)
    return cond


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def sh(*args, timeout=120, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, **kw)


def crypt_hash(pw):
    return sh("openssl", "passwd", "-6", pw).stdout.strip()  # sha512crypt, "$6$..."
