"""What the Python API tests share: the check counter ('N passed, N failed'), a free port, a
subprocess helper and crypt(3) hashes for credential files, all from tests/testlib.py (one
copy for every Python test)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from testlib import check, crypt_hash, finish, free_port, results, sh  # noqa: E402,F401
