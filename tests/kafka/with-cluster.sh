#!/usr/bin/env bash
# Runs a command against a fresh local Kafka cluster and always stops the cluster afterwards,
# on success, failure or a signal:
#
#   tests/kafka/with-cluster.sh [DIR|-] [--require PROGRAM:PACKAGE[:ENVVAR]]... [--brokers N]
#                               [--racks R] -- command args...
#
# --require checks, before any cluster starts, that PROGRAM (a command name or an absolute path;
# $ENVVAR instead when that is set) can be run, else fails naming the Debian PACKAGE.
# DIR '-' (or none) uses a new temporary directory, removed afterwards. The command runs with
# DIR/cluster.env exported (BOOTSTRAP, BROKERS, RACKS, ...), CLUSTER_DIR set and TMPDIR=DIR/tmp
# (its temporary files go with the cluster). The exit status is the command's.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=-
if [ $# -gt 0 ] && [ "$1" != "--" ] && [[ $1 != --* ]]; then dir=$1; shift; fi
opts=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  if [ "$1" = "--require" ]; then
    IFS=: read -r prog pkg var <<< "${2:?--require needs PROGRAM:PACKAGE[:ENVVAR]}"
    [ -n "$var" ] && [ -n "${!var:-}" ] && prog=${!var}
    if ! command -v "$prog" >/dev/null 2>&1 || { [[ $prog == /* ]] && [ ! -x "$prog" ]; }; then
      echo "with-cluster.sh: $prog is missing: install the Debian package '$pkg' (scripts/setup.sh does)${var:+, or set $var}" >&2
      exit 1
    fi
    shift 2
    continue
  fi
  opts+=("$1"); shift
done
[ "${1:-}" = "--" ] || { echo "with-cluster.sh: usage: with-cluster.sh [DIR] [--brokers N] [--racks R] -- command..." >&2; exit 2; }
shift
temp=0
if [ "$dir" = "-" ]; then dir=$(mktemp -d /tmp/ballast-kafka.XXXXXX); temp=1; fi
cleanup() {
  bash "$here/cluster.sh" stop "$dir" || true
  [ $temp = 1 ] && rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bash "$here/cluster.sh" start "$dir" "${opts[@]}" || exit 1
set -a
# shellcheck disable=SC1091
. "$dir/cluster.env"
set +a
export CLUSTER_DIR=$dir
# The command's own temporary files (tempfile.mkdtemp, mktemp) go inside the cluster's
# directory, so a temporary cluster takes them along when it is removed.
mkdir -p "$dir/tmp"
export TMPDIR=$dir/tmp
"$@"
