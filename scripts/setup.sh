#!/usr/bin/env bash
# Installs what Ballast needs on Debian 12 (as root) and builds it into build/ (or $1).
# Idempotent: a machine that already has everything only rebuilds.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
pkgs=(meson ninja-build pkg-config gcc clang libclang-rt-14-dev python3
      librdkafka-dev libglpk-dev libmicrohttpd-dev libcjson-dev libyaml-dev libssl-dev
      libcurl4-openssl-dev openjdk-17-jre-headless maven openssl procps)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$here" >/dev/null
fi
ninja -C "$build" -j2 >/dev/null
echo "setup: built $build" >&2
