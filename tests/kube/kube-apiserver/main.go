// Command kube-apiserver is upstream's kube-apiserver, built from its Go module
// for Ballast's Kubernetes-mode tests.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
