#!/usr/bin/env bash
# Runs the whole test suite: a normal build and an ASan+UBSan build (with float-cast-overflow,
# which -fsanitize=undefined leaves out in gcc), every meson suite.
# Prints one closing line "N passed, N failed" (test counts over both builds); a build that
# fails shows its output and counts as one failed test ("0 passed, 1 failed").
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build_failed() { echo "test.sh: $1 failed: no tests ran" >&2; echo "0 passed, 1 failed"; exit 1; }
bash "$here/scripts/setup.sh" "$here/build" || build_failed "setting up and building build/"
log=$(mktemp /tmp/ballast-test.XXXXXX)
trap 'rm -f "$log"' EXIT
if [ ! -f "$here/build-san/build.ninja" ]; then
  meson setup "$here/build-san" "$here" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fsanitize=float-cast-overflow -Dc_link_args=-fsanitize=float-cast-overflow \
    -Dbuildtype=debug >"$log" 2>&1 || { cat "$log" >&2; build_failed "meson setup build-san"; }
  echo "test.sh: first build of build-san (ASan+UBSan, ninja -j2)" >&2
  ninja -C "$here/build-san" -j2 >&2 || build_failed "the sanitizer build (build-san)"
else
  ninja -C "$here/build-san" -j2 >"$log" 2>&1 ||
    { cat "$log" >&2; build_failed "the sanitizer build (build-san)"; }
fi
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
