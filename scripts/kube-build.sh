#!/usr/bin/env bash
# Builds the real kube-apiserver and etcd that the Kubernetes-mode tests start on loopback
# (tests/rebalance/kube_env.py), from their Go modules (tests/kube/*/go.mod, go.sum), into
# ~/.cache/ballast/kube-apiserver-$KUBE_VERSION/ and ~/.cache/ballast/etcd-$ETCD_VERSION/, as
# the Kafka jars are cached. Idempotent: prints the two paths and exits at once when both exist.
# A cold kube-apiserver build costs ~7 CPU-minutes and 1.8 GB RSS at link: it runs niced with
# one package at a time so that the machine stays usable. Needs go (>= 1.24) on PATH or in
# /usr/local/go/bin. Usage: kube-build.sh [--print]   (--print: only print the paths)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
KUBE_VERSION=1.34.2
ETCD_VERSION=3.6.8
cache=${BALLAST_CACHE:-$HOME/.cache/ballast}
apiserver=$cache/kube-apiserver-$KUBE_VERSION/kube-apiserver
etcd=$cache/etcd-$ETCD_VERSION/etcd
if [ "${1:-}" = --print ]; then
  echo "$apiserver"; echo "$etcd"; exit 0
fi
export PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || { echo "kube-build: go is not installed" >&2; exit 1; }
# Builds module directory $1 into $2 with ldflags $3, through a temporary file.
build() {
  local dir=$1 out=$2 ldflags=$3
  [ -x "$out" ] && return 0
  mkdir -p "$(dirname "$out")"
  echo "kube-build: building $out (niced, one package at a time)" >&2
  (cd "$dir" && GOFLAGS=-mod=readonly nice -n 19 go build -p 1 -trimpath \
     -ldflags "$ldflags" -o "$out.tmp" .)
  mv "$out.tmp" "$out"
}
v=v$KUBE_VERSION major=${KUBE_VERSION%%.*} minor=${KUBE_VERSION#*.}; minor=${minor%%.*}
kflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kflags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  kflags+=" -X $pkg.gitTreeState=clean"
done
build "$here/tests/kube/etcd" "$etcd" "-s -w"
build "$here/tests/kube/kube-apiserver" "$apiserver" "$kflags"
echo "$apiserver"; echo "$etcd"
