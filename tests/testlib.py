"""What every Python test of Ballast shares, one copy each: the check counter behind the closing
'N passed, N failed' line (one counter per test process, whichever helper module a test
reaches it through), a free TCP port, a subprocess helper, crypt(3) hashes for credential
files. Folder-specific helpers build on it: tests/api/testkit.py, tests/rebalance/krlib.py."""
import socket
import subprocess
import sys

results = {"passed": 0, "failed": 0}


def check(name, cond, detail=""):
    """Counts one check and prints 'ok   name' or 'FAIL name: detail' (cut at 3,000
    characters) on stderr; returns cond."""
    results["passed" if cond else "failed"] += 1
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {str(detail)[:3000]}"),
          file=sys.stderr, flush=True)
    return cond


def finish():
    """Prints the summary line and exits 1 when a check failed."""
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def sh(*args, timeout=120, **kw):
    """Runs a command (arguments made strings), capturing text output."""
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, **kw)


def crypt_hash(pw):
    return sh("openssl", "passwd", "-6", pw).stdout.strip()  # sha512crypt, "$6$..."
