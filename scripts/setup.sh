#!/usr/bin/env bash
# Installs what Ballast and its tests need on Debian 12 (as root) and builds it into build/
# (or $1). Idempotent: a machine that already has everything only rebuilds. Every program a
# test or the demo runs comes from one of these packages: java (openjdk-17-jre-headless), mvn
# (maven, fetches Kafka's jars), openssl, pkill (procps), python3 (standard library, plus
# python3-yaml and python3-jsonschema for the Cruise Control contract tests: Debian's, pinned by
# the release; python3-venv for cccli's venv), prometheus (the Prometheus server of the monitor-prometheus-server test),
# chromium and chromium-driver (the web view's browser tests, tests/ui).
# A failing step shows its output (apt-get, meson, ninja) and exits 1.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
pkgs=(meson ninja-build pkg-config gcc clang libclang-rt-14-dev python3
      librdkafka-dev libglpk-dev libmicrohttpd-dev libcjson-dev libyaml-dev libssl-dev
      libcurl4-openssl-dev openjdk-17-jre-headless maven openssl procps prometheus
      python3-yaml python3-jsonschema python3-venv
      chromium chromium-driver)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
log=$(mktemp /tmp/ballast-setup.XXXXXX)
trap 'rm -f "$log"' EXIT
# Runs "$@" with its output in $log; on failure prints that output and the step, exits 1.
quietly() {
  local what=$1; shift
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup: $what failed (its output is above)" >&2
    exit 1
  fi
}
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  quietly "apt-get update" apt-get update -qq
  quietly "apt-get install ${missing[*]}" apt-get install -y -qq "${missing[@]}"
fi
if [ ! -f "$build/build.ninja" ]; then
  quietly "meson setup $build" meson setup "$build" "$here"
  # The first build compiles everything (about a minute on 2 cores): show ninja's progress.
  echo "setup: first build of $build (ninja -j2)" >&2
  if ! ninja -C "$build" -j2 >&2; then
    echo "setup: the build failed (ninja's output is above)" >&2
    exit 1
  fi
else
  quietly "the build (ninja -C $build)" ninja -C "$build" -j2
fi
# The real kube-apiserver and etcd of the Kubernetes-mode tests, built once from their Go
# modules (tests/kube/) into ~/.cache/ballast (a cold build: ~7 CPU-minutes, niced).
if ! bash "$here/scripts/kube-build.sh" --print | xargs -n1 test -x 2>/dev/null; then
  echo "setup: building kube-apiserver and etcd for the Kubernetes tests (once; minutes)" >&2
  quietly "scripts/kube-build.sh" bash "$here/scripts/kube-build.sh"
fi
# cccli (PyPI cruise-control-client, pinned) for the Cruise Control API's real-client test, in a
# venv under the shared cache (tests/api/test_cc_kafka.py looks for it there).
cccli_venv=${XDG_CACHE_HOME:-$HOME/.cache}/ballast/cccli-1.1.3
if [ ! -x "$cccli_venv/bin/cccli" ]; then
  quietly "python3 -m venv $cccli_venv" /usr/bin/python3 -m venv "$cccli_venv"
  quietly "pip install cruise-control-client==1.1.3" "$cccli_venv/bin/pip" install -q \
    cruise-control-client==1.1.3
fi
echo "setup: built $build" >&2
