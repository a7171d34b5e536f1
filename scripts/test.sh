#!/usr/bin/env bash
# Runs the whole test suite: a normal build and an ASan+UBSan build, every meson suite.
# Prints one closing line "N passed, N failed" (test counts over both builds).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/scripts/setup.sh" "$here/build" || exit 1
if [ ! -f "$here/build-san/build.ninja" ]; then
  meson setup "$here/build-san" "$here" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debug >/dev/null || exit 1
fi
ninja -C "$here/build-san" -j2 >/dev/null || { echo "sanitizer build failed"; exit 1; }
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
status=0
# Every suite in the plain build; the sanitizer build skips the real-Kafka suite (the same
# test, minutes of JVMs, nothing of Ballast's own code that the unit suites do not cover).
echo "== meson test (build)"
meson test -C "$here/build" --print-errorlogs --num-processes 2 ${BALLAST_SUITES:-} || status=1
echo "== meson test (build-san)"
meson test -C "$here/build-san" --print-errorlogs --num-processes 2 --no-suite kafka \
  ${BALLAST_SUITES:-} || status=1
python3 "$here/scripts/count-tests.py" "$here/build/meson-logs/testlog.json" \
  "$here/build-san/meson-logs/testlog.json"
exit $status
