// Command etcd is upstream's etcd server, built from its Go module for
// Ballast's Kubernetes-mode tests.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
