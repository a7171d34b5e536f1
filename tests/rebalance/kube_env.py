"""A real Kubernetes API server for tests: etcd and kube-apiserver (built from their Go
modules by scripts/kube-build.sh into ~/.cache/ballast) on free 127.0.0.1 ports, a serving
certificate, token authentication (an admin in system:masters for kubectl, and a
'ballast-controller' user that RBAC limits to what deploy/kubernetes/rbac.yaml grants), and a
kubeconfig for each (etcd's client URL in .etcd). There is no controller-manager: tests use unique names and delete what
they make. KubeEnv(dir).start() ... .stop(); .kubectl(*args) runs kubectl as the admin."""
import base64
import os
import socket
import ssl
import subprocess
import time
import urllib.request

ROOT = os.environ.get("BALLAST_SOURCE_ROOT",
                      os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def binaries():
    """The cached kube-apiserver and etcd; an error naming the build script when missing."""
    p = subprocess.run(["bash", os.path.join(ROOT, "scripts", "kube-build.sh"), "--print"],
                       capture_output=True, text=True, check=True)
    apiserver, etcd = p.stdout.split()
    for b in (apiserver, etcd):
        if not os.access(b, os.X_OK):
            raise RuntimeError(f"{b} is missing: run scripts/kube-build.sh (scripts/setup.sh "
                               "does) to build it from its Go module")
    return apiserver, etcd


class KubeEnv:
    def __init__(self, d, apiserver_args=()):
        self.d = d
        self.apiserver_args = list(apiserver_args)
        self.procs = []
        self.logs = []

    def _run(self, *args):
        subprocess.run(list(args), check=True, capture_output=True, cwd=self.d, timeout=60)

    def _kubeconfig(self, name, token):
        ca = base64.b64encode(open(os.path.join(self.d, "tls.crt"), "rb").read()).decode()
        path = os.path.join(self.d, f"{name}.kubeconfig")
        with open(path, "w") as f:
            f.write(f"apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n"
                    f"    server: {self.server}\n    certificate-authority-data: {ca}\n"
                    f"users:\n- name: {name}\n  user:\n    token: {token}\n"
                    f"contexts:\n- name: {name}\n  context:\n    cluster: test\n"
                    f"    user: {name}\n    namespace: default\ncurrent-context: {name}\n")
        return path

    def start(self):
        apiserver, etcd = binaries()
        d = self.d
        os.makedirs(os.path.join(d, "etcd"), mode=0o700, exist_ok=True)
        self._run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                  "tls.key", "-out", "tls.crt", "-days", "2", "-subj", "/CN=127.0.0.1",
                  "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost")
        self._run("openssl", "genrsa", "-out", "sa.key", "2048")
        self._run("openssl", "rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub")
        with open(os.path.join(d, "tokens.csv"), "w") as f:
            f.write('admintoken,admin,1,"system:masters"\nballasttoken,ballast-controller,2\n')
        cport, pport, aport = free_port(), free_port(), free_port()
        log = open(os.path.join(d, "etcd.log"), "w")
        self.logs.append(log)
        self.procs.append(subprocess.Popen(
            [etcd, "--name", "default", "--data-dir", os.path.join(d, "etcd"),
             "--listen-client-urls", f"http://127.0.0.1:{cport}",
             "--advertise-client-urls", f"http://127.0.0.1:{cport}",
             "--listen-peer-urls", f"http://127.0.0.1:{pport}",
             "--initial-advertise-peer-urls", f"http://127.0.0.1:{pport}",
             "--initial-cluster", f"default=http://127.0.0.1:{pport}", "--unsafe-no-fsync"],
            stdout=log, stderr=subprocess.STDOUT))
        log = open(os.path.join(d, "apiserver.log"), "w")
        self.logs.append(log)
        self.procs.append(subprocess.Popen(
            [apiserver, "--etcd-servers", f"http://127.0.0.1:{cport}",
             "--bind-address", "127.0.0.1", "--secure-port", str(aport),
             "--advertise-address", "127.0.0.1",
             "--tls-cert-file", os.path.join(d, "tls.crt"),
             "--tls-private-key-file", os.path.join(d, "tls.key"),
             "--token-auth-file", os.path.join(d, "tokens.csv"),
             "--authorization-mode", "RBAC",
             "--service-account-issuer", "https://kubernetes.default.svc",
             "--service-account-key-file", os.path.join(d, "sa.pub"),
             "--service-account-signing-key-file", os.path.join(d, "sa.key"),
             "--service-cluster-ip-range", "10.0.0.0/24",
             "--disable-admission-plugins", "ServiceAccount",
             "--endpoint-reconciler-type", "none", *self.apiserver_args],
            stdout=log, stderr=subprocess.STDOUT))
        self.server = f"https://127.0.0.1:{aport}"
        self.etcd = f"http://127.0.0.1:{cport}"
        ctx = ssl.create_default_context(cafile=os.path.join(d, "tls.crt"))
        t0 = time.time()
        while True:
            try:
                req = urllib.request.Request(self.server + "/readyz",
                                             headers={"Authorization": "Bearer admintoken"})
                with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() - t0 > 90 or any(p.poll() is not None for p in self.procs):
                raise RuntimeError("kube-apiserver not ready: " +
                                   open(os.path.join(d, "apiserver.log")).read()[-2000:])
            time.sleep(0.2)
        self.ready_s = round(time.time() - t0, 2)
        self.admin = self._kubeconfig("admin", "admintoken")
        self.ballast = self._kubeconfig("ballast", "ballasttoken")
        return self

    def kubeconfig_for(self, name, token, server):
        """A kubeconfig for token against another address of the server (a proxy)."""
        path = self._kubeconfig(name, token)
        text = open(path).read().replace(self.server, server)
        with open(path, "w") as f:
            f.write(text)
        return path

    def kubectl(self, *args, kubeconfig=None, stdin=None, check=False):
        p = subprocess.run(["kubectl", "--kubeconfig", kubeconfig or self.admin, *args],
                           capture_output=True, text=True, input=stdin, timeout=60)
        if check and p.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: {p.stderr}")
        return p

    def stop(self):
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for log in self.logs:
            log.close()
